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

/// Library errors that come from user input (monograph, regimen, a value out of range) are input
/// errors (exit 2); a numerical failure is the program's, not the user's (exit 1). The message is
/// the library's either way.
impl From<levodose::Error> for CliError {
    fn from(e: levodose::Error) -> Self {
        match e {
            levodose::Error::Numerical(_) => CliError::Internal(e.into()),
            levodose::Error::Monograph { .. }
            | levodose::Error::Regimen { .. }
            | levodose::Error::Input { .. } => CliError::Input(e.to_string()),
        }
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_errors_exit_by_whose_fault_they_are() {
        let input = [
            levodose::Error::input("--days", "0 is outside 1 to 3650"),
            levodose::Error::Regimen {
                segment: "40mgg".into(),
                expected: "an amount".into(),
            },
            levodose::Error::Monograph {
                file: "m.toml".into(),
                key: "human.clearance_l_per_h".into(),
                reason: "missing".into(),
            },
        ];
        for e in input {
            let text = e.to_string();
            let c = CliError::from(e);
            assert_eq!(c.exit_code(), 2, "{c}");
            assert_eq!(c.to_string(), format!("error: {text}"));
        }
        let e = levodose::Error::Numerical("steady state: I - exp(A tau) is singular".into());
        let text = e.to_string();
        let c = CliError::from(e);
        assert_eq!(c.exit_code(), 1, "{c}");
        assert_eq!(c.to_string(), format!("internal error: {text}"));
    }
}
