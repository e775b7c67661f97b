//! The core vocabulary of levodose, depended on by the statistics and the science crates: the one
//! `Finding` type, unit conversions, and the physiological limits that inputs are checked against,
//! each stated once. No I/O, no pharmacology beyond these definitions.

pub mod finding;
pub mod limits;
pub mod units;

pub use finding::{Finding, Severity};
