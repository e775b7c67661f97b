//! `levodose`: a thin command-line layer over the `levodose` and `levodose-stats` libraries.
//! The binary parses input, calls the library and formats results; it computes no pharmacology.

mod commands;
mod error;
mod output;
mod plot;
mod raster;
mod report;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "levodose",
    version,
    about = "Levomilnacipran dose-selection workbench for research (not for patient care)",
    long_about = "levodose answers dosing questions about levomilnacipran from published data: \
exposure, NET/SERT occupancy, label checks, populations, preclinical translation, trial sizing and \
analysis. Every number traces to a source (`levodose facts`).\n\n\
levodose is a research tool for designing and analysing studies; it is not a prescription or \
dosing advice for any patient."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once; boxing the flags buys nothing
enum Command {
    /// Print a compound monograph with sources; flags derived and assumed values.
    Facts(commands::facts::Args),
    /// Simulate plasma concentration and NET/SERT occupancy for a regimen (one subject or a population).
    Simulate(commands::simulate::Args),
    /// Find the lowest label-conform dose that reaches a target in a share of a population.
    Optimize(commands::optimize::Args),
    /// Compare levomilnacipran with comparator SNRIs at usual doses: exposure and occupancy.
    Compare(commands::compare::Args),
    /// Translate a human exposure or occupancy to a rat or mouse dose, frequency and test window.
    Translate(commands::translate::Args),
    /// Design a study (groups, n, timeline, randomisation) from a scenario file.
    Design(commands::design::Args),
    /// Check a preclinical or clinical scenario file for design problems.
    Lint(commands::lint::Args),
    /// Simulate a clinical trial many times, analyse each with MMRM, and report power.
    Trial(commands::trial::Args),
    /// Analyse data: MMRM, dose-response fits.
    Analyze(commands::analyze::Args),
    /// Fit a population PK model (FOCE-I, as NONMEM) to a NONMEM-format dataset.
    Fit(commands::fit::Args),
    /// One patient's levels and dosing history: MAP Bayesian CL/F, V/F, ka, predicted profiles and the label-conform dose for a target.
    Individualize(commands::individualize::Args),
    /// Start the local web workbench (127.0.0.1; forms, reports, JSON downloads).
    Serve(commands::serve::Args),
}

fn main() {
    restore_sigpipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let result = match cli.command {
        Command::Facts(a) => commands::facts::run(a),
        Command::Simulate(a) => commands::simulate::run(a),
        Command::Optimize(a) => commands::optimize::run(a),
        Command::Compare(a) => commands::compare::run(a),
        Command::Translate(a) => commands::translate::run(a),
        Command::Design(a) => commands::design::run(a),
        Command::Lint(a) => commands::lint::run(a),
        Command::Trial(a) => commands::trial::run(a),
        Command::Analyze(a) => commands::analyze::run(a),
        Command::Fit(a) => commands::fit::run(a),
        Command::Individualize(a) => commands::individualize::run(a),
        Command::Serve(a) => commands::serve::run(a),
    };
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(e.exit_code());
    }
}

/// The research-use note every report carries.
pub fn research_note() -> &'static str {
    levodose::RESEARCH_USE_NOTE
}

/// Rust ignores SIGPIPE, so `levodose ... | head` would fail on a closed pipe; restore the default
/// so the program ends quietly like other command-line tools.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal disposition to its default at start-up, before any threads exist.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
