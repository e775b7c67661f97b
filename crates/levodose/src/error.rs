//! Errors from bad data or bad input. Every message names the field and what is allowed.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum Error {
    /// A monograph file is malformed or fails validation.
    #[error("monograph {file}: {key}: {reason}")]
    Monograph {
        file: String,
        key: String,
        reason: String,
    },
    /// A regimen string does not parse.
    #[error("regimen: segment \"{segment}\": {expected}")]
    Regimen { segment: String, expected: String },
    /// A user-supplied value is out of range or unknown.
    #[error("{field}: {reason}")]
    Input { field: String, reason: String },
    /// A numerical procedure failed (not the user's fault).
    #[error("numerical failure: {0}")]
    Numerical(String),
}

impl Error {
    pub fn input(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Input {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `check_range` against one of the stated limits of `levodose_core::limits` (same message).
pub fn check_limit(field: &str, value: f64, limit: crate::limits::Limit) -> Result<f64> {
    check_range(field, value, limit.min, limit.max, limit.unit)
}

/// Checks that `value` is finite and within `[lo, hi]`; the error names `field` and the range.
pub fn check_range(field: &str, value: f64, lo: f64, hi: f64, unit: &str) -> Result<f64> {
    if !value.is_finite() || value < lo || value > hi {
        return Err(Error::input(
            field,
            format!("{value} {unit} is outside the allowed range {lo} to {hi} {unit}"),
        ));
    }
    Ok(value)
}
