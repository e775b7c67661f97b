//! The clap enum of the subcommands this crate runs, and their dispatch. The binary flattens it
//! into its own `Command` beside `serve`; the workbench parses its forms with it.

use crate::error::CliResult;
use crate::{analyze, compare, design, facts, fit, individualize, lint, optimize, simulate};
use crate::{translate, trial};
use clap::Subcommand;

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once; boxing the flags buys nothing
pub enum Command {
    /// Print a compound monograph with sources; flags derived and assumed values.
    Facts(facts::Args),
    /// Simulate plasma concentration and NET/SERT occupancy for a regimen (one subject or a population).
    Simulate(simulate::Args),
    /// Find the lowest label-conform dose that reaches a target in a share of a population.
    Optimize(optimize::Args),
    /// Compare levomilnacipran with comparator SNRIs at usual doses: exposure and occupancy.
    Compare(compare::Args),
    /// Translate a human exposure or occupancy to a rat or mouse dose, frequency and test window.
    Translate(translate::Args),
    /// Design a study (groups, n, timeline, randomisation) from a scenario file.
    Design(design::Args),
    /// Check a preclinical or clinical scenario file for design problems.
    Lint(lint::Args),
    /// Simulate a clinical trial many times, analyse each with MMRM, and report power.
    Trial(trial::Args),
    /// Analyse data: MMRM, dose-response fits.
    Analyze(analyze::Args),
    /// Fit a population PK model (FOCE-I, as NONMEM) to a NONMEM-format dataset.
    Fit(fit::Args),
    /// One patient's levels and dosing history: MAP Bayesian CL/F, V/F, ka, predicted profiles and the label-conform dose for a target.
    Individualize(individualize::Args),
}

impl Command {
    /// Runs the command: prints its answer, writes its files.
    pub fn run(self) -> CliResult<()> {
        match self {
            Command::Facts(a) => facts::run(a),
            Command::Simulate(a) => simulate::run(a),
            Command::Optimize(a) => optimize::run(a),
            Command::Compare(a) => compare::run(a),
            Command::Translate(a) => translate::run(a),
            Command::Design(a) => design::run(a),
            Command::Lint(a) => lint::run(a),
            Command::Trial(a) => trial::run(a),
            Command::Analyze(a) => analyze::run(a),
            Command::Fit(a) => fit::run(a),
            Command::Individualize(a) => individualize::run(a),
        }
    }
}
