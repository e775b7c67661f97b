//! CLI error type: bad user input exits 2, anything else exits 1.

use std::fmt;

/// An error that ends the program. `Input` names the field and what is allowed.
#[derive(Debug)]
pub enum CliError {
    /// Bad user input (exit code 2).
    Input(String),
    /// Internal failure (exit code 1).
    Internal(anyhow::Error),
}

impl CliError {
    pub fn input(msg: impl Into<String>) -> Self {
        CliError::Input(msg.into())
    }
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Input(_) => 2,
            CliError::Internal(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Input(m) => write!(f, "error: {m}"),
            CliError::Internal(e) => write!(f, "internal error: {e:#}"),
        }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::Internal(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Internal(e.into())
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::Internal(e.into())
    }
}

/// Library errors that come from user input (monograph, regimen, scenario) are input errors.
impl From<levodose::Error> for CliError {
    fn from(e: levodose::Error) -> Self {
        CliError::Input(e.to_string())
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;
