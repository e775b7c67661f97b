//! The error of every MMRM step; its own file so that the steps (data, design, fit, LS means,
//! type III tests) do not import `mmrm/mod.rs`, which calls them.

/// Why an MMRM could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MmrmError {
    #[error("formula: {0}")]
    Formula(String),
    #[error("variable `{0}` is not in the data")]
    UnknownVariable(String),
    #[error("data: {0}")]
    Data(String),
    #[error("visit {0} has no observed outcome: its variance cannot be estimated")]
    EmptyVisit(String),
    #[error("no subject has outcomes at both {0} and {1}: their covariance cannot be estimated")]
    CovarianceNotEstimable(String, String),
    #[error("singular design: column `{column}` cannot be estimated: {reason}")]
    SingularDesign { column: String, reason: String },
    #[error("REML did not converge after {iterations} iterations: {reason}")]
    NotConverged { iterations: usize, reason: String },
    #[error("the REML Hessian of the covariance parameters is not positive definite (estimate at the boundary); degrees of freedom are undefined")]
    SingularHessian,
}
