//! Statistics for levodose, independent of pharmacology: MMRM (REML, unstructured covariance,
//! Satterthwaite and Kenward-Roger df, LS means), dose-response fits (log-logistic, Emax), power and
//! non-compartmental analysis (NCA as WinNonlin, named as PKNCA).
//! Every output is named as users of SAS PROC MIXED, R mmrm and R nls know it.

pub mod comparisons;
pub mod dose_response;
pub mod meta;
pub mod mmrm;
pub mod nca;
pub mod optim;
pub mod power;

/// The one `Finding` type lives in `levodose-core`; `levodose_stats::finding` names it as before.
pub use levodose_core::finding;
