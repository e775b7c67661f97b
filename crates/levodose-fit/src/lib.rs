//! levodose-fit: learning PK from data on the engine's exact one-compartment solutions.
//!
//! - [`model`]: the model file (structure, parameters with log-normal IIV, covariates, residual
//!   error) resolved into a [`model::Model`].
//! - [`predict`]: closed-form predictions with forward-mode derivatives ([`dual`]) with respect
//!   to the log-parameters, so every gradient the estimation needs comes from the closed forms.
//! - [`posthoc`]: the conditional mode (MAP eta) of one subject and its FOCE-I objective term.
//! - [`individualize`] and [`tdm`]: one patient's MAP estimate from measured levels, the
//!   predicted profiles with intervals and the label-conform dose for a target.
//! - [`estimate`]: the population objective exactly as NONMEM's FOCE-I, its minimisation by BFGS
//!   (`levodose_stats::optim`), the covariance step and diagnostics.
//! - [`curves`]: each subject's PRED and IPRED on a fine time grid (individual fit plots).
//! - [`vpc`]: the visual predictive check, simulated from the fit with the same predictions.
//!
//! Research use only: nothing here is dosing advice for a patient.

pub mod curves;
pub mod dual;
pub mod estimate;
pub mod export;
pub mod individualize;
pub mod model;
pub mod posthoc;
pub mod predict;
pub mod tdm;
pub mod vpc;

pub use estimate::{fit, fit_observed, FitOptions, FitResult};
/// The solver interface (observers of `fit_observed`, terminations).
pub use levodose_stats::optim;
pub use model::{Model, ModelFile};
