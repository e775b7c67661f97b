//! A sourced value: `{ value, unit, source, status, note }`.

use serde::{Deserialize, Serialize};

/// How a number came to be: read from a publication, computed from published numbers, or assumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Published,
    Derived,
    Assumed,
    /// Given by the user in a scenario or study file (never in a monograph).
    User,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Published => "published",
            Status::Derived => "derived",
            Status::Assumed => "assumed",
            Status::User => "user",
        })
    }
}

/// One number with its unit and provenance. `source` keys into the monograph's `[references]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Value {
    pub value: f64,
    pub unit: String,
    pub source: String,
    #[serde(default)]
    pub status: Status,
    #[serde(default)]
    pub note: String,
}

impl Value {
    /// A value stated in code or a scenario (not from the monograph), e.g. a user override.
    pub fn user(value: f64, unit: &str) -> Self {
        Value {
            value,
            unit: unit.into(),
            source: "user".into(),
            status: Status::User,
            note: "given by the user".into(),
        }
    }
}

/// A list of numbers sharing one unit and source (e.g. capsule strengths).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueList {
    pub values: Vec<f64>,
    pub unit: String,
    pub source: String,
    #[serde(default)]
    pub status: Status,
    #[serde(default)]
    pub note: String,
}

/// A bibliographic reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub citation: String,
    #[serde(default)]
    pub address: String,
}
