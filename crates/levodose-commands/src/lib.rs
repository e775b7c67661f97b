//! levodose-commands: the command layer shared by the `levodose` binary and the web workbench.
//!
//! One module per subcommand; each exposes `Args` (clap), a `compute` that turns the arguments into
//! a library request and its result, the report [`levodose_report::Document`] of that result, and
//! `run` (print, `--json`, `--out`). [`cli::Command`] is the clap enum of every subcommand but
//! `serve`. [`io`] is the one place that reads and writes files. The commands compute no
//! pharmacology: that is the libraries' work.

pub mod analyze;
pub mod cli;
pub mod compare;
pub mod design;
pub mod error;
pub mod facts;
pub mod fit;
pub mod fit_figures;
pub mod fit_report;
pub mod individualize;
pub mod io;
pub mod lint;
pub mod nonmem_out;
pub mod optimize;
pub mod simulate;
pub mod simulate_args;
pub mod simulate_chart;
pub mod simulate_population;
pub mod translate;
pub mod trial;

/// The research-use note every report carries.
pub fn research_note() -> &'static str {
    levodose::RESEARCH_USE_NOTE
}
