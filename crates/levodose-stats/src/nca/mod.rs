//! Non-compartmental analysis (NCA) of concentration-time profiles, as Phoenix WinNonlin computes it,
//! with parameters named as in R PKNCA (`cmax`, `auclast`, `aucinf_obs`, `lambda_z`, ...).
//!
//! No PK engine is needed: everything is computed from (time, concentration) pairs per subject.
//! The steps are separate modules:
//! - [`profile`]: one subject's validated samples, BLQ handling (PKNCA `conc.blq` rules) and the
//!   concentration at time 0 by route;
//! - [`auc`]: trapezoid rules (linear, linear-up/log-down), AUC, AUMC and partial AUCs;
//! - [`lambda_z`]: the terminal slope, by WinNonlin's "best fit" rule or a manual range;
//! - [`parameters`]: the full parameter set per route, steady state with tau, quality findings;
//! - [`summary`]: group summaries (n, arithmetic and geometric mean, CV %, median, min, max);
//! - [`absorption`]: ka from the absorption phase (method of residuals, or the Tmax equation);
//! - [`sparse`]: destructive sampling, Bailer's AUC with its standard error and the
//!   Nedelman-Jia extension for batch designs.
//!
//! ```
//! use levodose_stats::nca::{analyze_subject, AucMethod, Profile, Route, Settings};
//! // exact one-compartment bolus: C = 10 exp(-0.2 t), dose 100 -> CL = 100 / (10 / 0.2) = 2
//! let t: Vec<f64> = (1..=12).map(|i| i as f64).collect();
//! let c: Vec<f64> = t.iter().map(|&t| 10.0 * (-0.2f64 * t).exp()).collect();
//! let p = Profile::new("1", t, c, 100.0).unwrap();
//! let s = Settings::new(Route::IvBolus, AucMethod::LinearUpLogDown);
//! let r = analyze_subject(&p, &s).unwrap();
//! assert!((r.parameters.cl_obs.unwrap() - 2.0).abs() < 1e-9);
//! ```

pub mod absorption;
pub mod auc;
pub mod lambda_z;
pub mod parameters;
pub mod profile;
pub mod sparse;
pub mod summary;

pub use lambda_z::{LambdaZ, LambdaZRule};
pub use parameters::{analyze, analyze_subject, Analysis, AucInterval, Parameters, SubjectResult};
pub use profile::{BlqPosition, BlqRule, BlqRules, Exclusion, Profile, Sample};
pub use sparse::{sparse_auc, SparseResult, SparseSample};
pub use summary::{summarize, GroupSummary, ParameterSummary};

use serde::Serialize;

/// How the dose entered the body; decides C0, which points lambda_z may use, MRT and Vss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "route")]
pub enum Route {
    /// Oral, i.p., s.c.: CL and Vz are apparent (CL/F, Vz/F).
    Extravascular,
    /// Intravenous bolus: C0 by log-linear back-extrapolation.
    IvBolus,
    /// Constant-rate infusion of `duration_h` starting at time 0.
    IvInfusion { duration_h: f64 },
}

impl Route {
    pub fn name(&self) -> &'static str {
        match self {
            Route::Extravascular => "extravascular",
            Route::IvBolus => "iv-bolus",
            Route::IvInfusion { .. } => "iv-infusion",
        }
    }
    pub fn is_intravenous(&self) -> bool {
        !matches!(self, Route::Extravascular)
    }
}

/// Trapezoid rule between two samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AucMethod {
    /// Linear trapezoids up and down.
    Linear,
    /// Linear while concentrations rise or stay, logarithmic while they fall (both > 0).
    LinearUpLogDown,
}

impl AucMethod {
    pub fn name(&self) -> &'static str {
        match self {
            AucMethod::Linear => "linear",
            AucMethod::LinearUpLogDown => "linear-up-log-down",
        }
    }
}

/// Thresholds of the quality findings; the defaults are the issue's (and common practice's).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QualityThresholds {
    /// Adjusted R² of the lambda_z fit below this is flagged.
    pub min_r_squared_adjusted: f64,
    /// AUC extrapolated beyond tlast above this percentage is flagged.
    pub max_auc_pct_extrap: f64,
    /// The lambda_z time span shorter than this many half-lives is flagged.
    pub min_span_half_lives: f64,
}

impl Default for QualityThresholds {
    fn default() -> Self {
        QualityThresholds {
            min_r_squared_adjusted: 0.8,
            max_auc_pct_extrap: 20.0,
            min_span_half_lives: 2.0,
        }
    }
}

/// Everything an analysis needs besides the data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    #[serde(flatten)]
    pub route: Route,
    pub auc_method: AucMethod,
    pub blq: BlqRules,
    /// Partial AUC intervals (start, end), in time units after the dose.
    pub auc_intervals: Vec<(f64, f64)>,
    /// Dosing interval for steady-state parameters.
    pub tau: Option<f64>,
    pub quality: QualityThresholds,
}

impl Settings {
    pub fn new(route: Route, auc_method: AucMethod) -> Self {
        Settings {
            route,
            auc_method,
            blq: BlqRules::default(),
            auc_intervals: Vec::new(),
            tau: None,
            quality: QualityThresholds::default(),
        }
    }
}

/// Errors from bad data; each names the subject and the row or field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NcaError {
    #[error("subject {id}: {message}")]
    Data { id: String, message: String },
    #[error("{field}: {message}")]
    Settings { field: String, message: String },
}

pub(crate) fn data_error(id: &str, message: impl Into<String>) -> NcaError {
    NcaError::Data {
        id: id.to_string(),
        message: message.into(),
    }
}
