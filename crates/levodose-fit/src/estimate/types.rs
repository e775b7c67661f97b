//! The fit's options and its result (serialised as `fit --json`).

use crate::model::Model;
use levodose::finding::Finding;
use serde::Serialize;
use std::collections::BTreeMap;

/// Which covariance matrix of the estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CovarianceMethod {
    /// NONMEM's MATRIX=R: 2 x inverse Hessian of the OFV.
    #[serde(rename = "R")]
    R,
    /// R^-1 S R^-1 (NONMEM's default sandwich).
    #[serde(rename = "sandwich")]
    Sandwich,
    #[serde(rename = "none")]
    None,
}

#[derive(Debug, Clone)]
pub struct FitOptions {
    /// Keep every population parameter at its given value and return the MAP etas alone.
    pub posthoc_only: bool,
    pub covariance: CovarianceMethod,
    pub max_iterations: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            posthoc_only: false,
            covariance: CovarianceMethod::R,
            max_iterations: 300,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ParameterEstimate {
    pub estimate: f64,
    pub se: Option<f64>,
    pub rse_pct: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OmegaEstimate {
    pub variance: f64,
    pub cv_pct: f64,
    pub se: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SigmaEstimate {
    pub additive_sd: Option<f64>,
    pub proportional_sd: Option<f64>,
    pub additive_sd_se: Option<f64>,
    pub proportional_sd_se: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Individual {
    pub id: String,
    pub eta: BTreeMap<String, f64>,
    pub parameters: BTreeMap<String, f64>,
    pub ofv_contribution: f64,
}

/// Per-observation diagnostics (NONMEM's table names in lower case).
#[derive(Debug, Clone, Serialize)]
pub struct ObservationDiagnostics {
    pub id: String,
    pub time_h: f64,
    pub dv: f64,
    pub pred: f64,
    pub ipred: f64,
    pub iwres: Option<f64>,
    pub cwres: Option<f64>,
    /// False for an observation kept out of the likelihood (see findings).
    pub used: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CovarianceSummary {
    pub method: CovarianceMethod,
    /// Names of the estimated parameters, in matrix order.
    pub names: Vec<String>,
    pub correlation: Vec<Vec<f64>>,
    /// Largest over smallest eigenvalue of the correlation matrix (as NONMEM's PRINT=E).
    pub condition_number: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FitResult {
    pub ofv: f64,
    pub n_subjects: usize,
    pub n_observations: usize,
    pub converged: bool,
    pub iterations: usize,
    pub method: &'static str,
    pub structure: &'static str,
    pub parameters: BTreeMap<String, ParameterEstimate>,
    pub omega: BTreeMap<String, OmegaEstimate>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub omega_correlation: BTreeMap<String, f64>,
    pub sigma: SigmaEstimate,
    pub shrinkage_pct: BTreeMap<String, f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub covariance: Option<CovarianceSummary>,
    pub individual: Vec<Individual>,
    pub observations: Vec<ObservationDiagnostics>,
    pub findings: Vec<Finding>,
    /// The model with the estimates as initial values (for `--write-model`).
    #[serde(skip)]
    pub fitted: Model,
}
