//! NONMEM-format (NM-TRAN style) datasets <-> subjects.
//!
//! One event model: a dataset becomes, per subject, the same [`DoseEvent`]s the regimen language
//! produces, plus observations and covariates, so the engine, NCA, the population fit and
//! individualisation never know where a dose came from. The reader validates row by row and names
//! the offending line; it supports the items levodose can honour exactly and rejects the rest
//! (see [`read`]). The writer turns simulated subjects back into NONMEM rows with stated units.

mod read;
mod simulated;
mod units;
mod write;

pub use read::{read, ReadOptions};
pub use simulated::{
    individual_covariates, individual_parameters, sample_subjects, scenario_doses, SampleInput,
    PARAMETER_COLUMNS,
};
pub use units::{AmountUnit, ConcUnit, DatasetUnits};
pub use write::{write, WriteSubject};

use crate::regimen::{DoseEvent, Route};
use serde::Serialize;
use std::collections::BTreeMap;

/// One dose record of a subject (ADDL already expanded into separate records).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DoseRecord {
    /// Line of the data file the dose came from (1-based, header = line 1).
    pub line: usize,
    pub time_h: f64,
    /// Free-base amount in mg (AMT converted with the dataset's amount unit).
    pub amount_mg: f64,
    /// NONMEM compartment number the dose goes into.
    pub cmt: u32,
    /// Zero-order input duration (h) from RATE; None = bolus.
    pub infusion_h: Option<f64>,
}

/// One observation record.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Observation {
    pub line: usize,
    pub time_h: f64,
    /// Dependent variable in the dataset's concentration unit.
    pub dv: f64,
    pub cmt: u32,
}

/// Everything the dataset says about one subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subject {
    /// The ID as written in the file.
    pub id: String,
    /// First line of this subject in the file.
    pub line: usize,
    pub doses: Vec<DoseRecord>,
    pub observations: Vec<Observation>,
    /// Covariates: each non-NONMEM column's value on the subject's first record (baseline).
    pub covariates: BTreeMap<String, f64>,
}

impl Subject {
    /// The doses as engine events. A dose into `depot_cmt` is extravascular (oral); every other
    /// dose enters the central compartment, as a bolus or an infusion by its RATE.
    pub fn dose_events(&self, depot_cmt: Option<u32>) -> Vec<DoseEvent> {
        self.doses
            .iter()
            .map(|d| DoseEvent {
                time_h: d.time_h,
                amount_mg: d.amount_mg,
                route: if Some(d.cmt) == depot_cmt && d.infusion_h.is_none() {
                    Route::Po
                } else {
                    Route::Iv
                },
                infusion_h: if Some(d.cmt) == depot_cmt {
                    None
                } else {
                    d.infusion_h
                },
            })
            .collect()
    }

    pub fn observation_times_h(&self) -> Vec<f64> {
        self.observations.iter().map(|o| o.time_h).collect()
    }
}

/// A whole dataset: subjects in file order, the units, and the covariate column names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dataset {
    pub subjects: Vec<Subject>,
    pub units: DatasetUnits,
    pub covariate_names: Vec<String>,
    /// Columns read as nothing (`--ignore`).
    pub ignored_columns: Vec<String>,
    /// Rows kept out without error (EVID 2, MDV 1 observations), counted for the report.
    pub inert_rows: usize,
}

impl Dataset {
    pub fn n_observations(&self) -> usize {
        self.subjects.iter().map(|s| s.observations.len()).sum()
    }

    /// A proportional error model cannot take a negative (or zero) observation: the error names
    /// the line. Called by the fit when its error model has a proportional part.
    pub fn check_positive_dv(&self) -> crate::Result<()> {
        for s in &self.subjects {
            for o in &s.observations {
                if o.dv < 0.0 {
                    return Err(crate::Error::input(
                        "DV",
                        format!(
                            "line {}: subject {} has DV {} < 0, which a proportional error model cannot describe; remove the row, set MDV=1, or use an additive error model",
                            o.line, s.id, o.dv
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}
