//! levodose-fit: learning PK from data on the engine's exact one-compartment solutions.
//!
//! - [`model`]: the model file (structure, parameters with log-normal IIV, covariates, residual
//!   error) resolved into a [`model::Model`].
//! - [`predict`]: closed-form predictions with forward-mode derivatives ([`dual`]) with respect
//!   to the log-parameters, so every gradient the estimation needs comes from the closed forms.
//! - [`posthoc`]: the conditional mode (MAP eta) of one subject and its FOCE-I objective term.
//! - [`estimate`]: the population objective exactly as NONMEM's FOCE-I, its minimisation by BFGS
//!   ([`bfgs`]), the covariance step and diagnostics.
//!
//! Research use only: nothing here is dosing advice for a patient.

pub mod bfgs;
pub mod dual;
pub mod estimate;
pub mod export;
pub mod individualize;
pub mod model;
pub mod posthoc;
pub mod predict;

pub use estimate::{fit, FitOptions, FitResult};
pub use model::{Model, ModelFile};
