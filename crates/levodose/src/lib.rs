//! levodose: the science behind the `levodose` workbench for levomilnacipran dose selection in
//! research. Published data live in the compound monographs (`levodose-data`,
//! `crates/levodose-data/compounds/*.toml`, every value with its source); this crate turns them
//! into exposure, transporter occupancy, label findings and decisions. It performs no I/O beyond parsing the data it is given.
//!
//! Research use only: nothing here is a prescription or dosing advice for a patient.

pub mod compare;
pub mod dataset;
pub mod design;
pub mod error;
pub mod interactions;
pub mod label;
pub mod lint;
pub mod metric;
pub mod monograph;
pub mod occupancy;
pub mod optimize;
pub mod pk;
pub mod population;
pub mod regimen;
pub mod safety;
pub mod simulate;
pub mod study;
pub mod subject;
pub mod target;
pub mod translate;
pub mod trial;

pub use error::{Error, Result};
pub use finding::{Finding, Severity};
/// The core vocabulary lives in `levodose-core`: `levodose::finding` (the one `Finding` type, also
/// `levodose_stats::finding`), `levodose::units` and `levodose::limits` name it as before.
pub use levodose_core::{finding, limits, units};

/// The note every report carries.
pub const RESEARCH_USE_NOTE: &str = "Research use only: levodose designs and analyses studies; \
it is not a prescription or dosing advice for any patient.";
