//! Clinical trial simulator (MADRS, Phase III design): scenario files resolved against the
//! monograph, one replicate = simulate + MMRM (change ~ ARM*VISIT + BASE*VISIT, unstructured,
//! Satterthwaite), seeded parallel replicates for power, n search, and clinical lint rules.
//!
//! Research use only: simulated trials inform study design, not treatment of patients.

pub mod evidence;
pub mod exposure;
pub mod interpolate;
pub mod lint;
pub mod pk_dataset;
pub mod power;
pub mod scenario;
pub mod simulate;

pub use lint::{lint_trial, lint_trial_str};
pub use power::{run, search_n, PowerResult};
pub use scenario::{is_trial_scenario, parse, TrialDesign, TrialScenario};
