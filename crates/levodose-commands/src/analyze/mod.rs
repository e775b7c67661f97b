//! `levodose analyze {mmrm, dose-response, nca, study}`.

pub mod dose_response;
pub mod html;
pub mod mmrm;
pub mod nca;
pub mod study;
pub(crate) mod study_figures;
pub mod study_report;

use crate::error::{CliError, CliResult};
use std::path::Path;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

#[derive(clap::Subcommand)]
pub enum What {
    /// Mixed model for repeated measures (REML, unstructured covariance), as SAS PROC MIXED.
    Mmrm(mmrm::Args),
    /// Fit a dose-response model (4-parameter log-logistic or Emax) by least squares.
    DoseResponse(dose_response::Args),
    /// Preclinical group comparisons (protocol 1): ANOVA, Welch, Dunnett, Tukey, Kruskal-Wallis, Dunn, qPCR, Western, locomotor check.
    Study(Box<study::Args>),
    /// Non-compartmental analysis (NCA) as Phoenix WinNonlin, parameters named as PKNCA.
    Nca(Box<nca::Args>),
}

pub fn run(args: Args) -> CliResult {
    match args.what {
        What::Mmrm(a) => mmrm::run(a),
        What::DoseResponse(a) => dose_response::run(a),
        What::Study(a) => study::run(*a),
        What::Nca(a) => nca::run(*a),
    }
}

/// Opens a CSV data file (fields trimmed) and reads its header row; errors name the flag and file.
pub(crate) fn open_csv(
    path: &Path,
    what: &str,
) -> CliResult<(csv::Reader<std::fs::File>, csv::StringRecord)> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| CliError::input(format!("{what} {}: cannot read: {e}", path.display())))?;
    let headers = rdr
        .headers()
        .map_err(|e| {
            CliError::input(format!(
                "{what} {}: cannot read the header row: {e}",
                path.display()
            ))
        })?
        .clone();
    Ok((rdr, headers))
}
