//! `levodose simulate --subjects N`: population simulation (being built; see issue 3).

use crate::error::{CliError, CliResult};

pub fn run(
    _args: &super::simulate::Args,
    _scenario: levodose::simulate::Scenario,
    _monograph: &levodose::monograph::Monograph,
) -> CliResult {
    Err(CliError::Internal(anyhow::anyhow!("population simulation is not built yet")))
}
