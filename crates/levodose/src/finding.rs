//! Findings: the one `Finding` type of the project lives in `levodose-stats` (which every crate
//! depends on); the science crate re-exports it so label rules, lint and statistics share it.

pub use levodose_stats::finding::{Finding, Severity};
