//! One module per subcommand; each exposes `Args` (clap) and `run`.

pub mod analyze;
pub mod compare;
pub mod design;
pub mod facts;
pub mod fit;
pub mod fit_figures;
pub mod fit_report;
pub mod individualize;
pub mod lint;
pub mod nonmem_out;
pub mod optimize;
pub mod serve;
mod serve_analyze;
pub mod simulate;
pub mod simulate_args;
pub mod simulate_population;
pub mod translate;
pub mod trial;
