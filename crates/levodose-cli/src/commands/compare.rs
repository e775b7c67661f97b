//! `levodose compare` (not built yet: see the open issues).

use crate::error::{CliError, CliResult};

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> CliResult {
    Err(CliError::Internal(anyhow::anyhow!("levodose compare is not built yet")))
}
