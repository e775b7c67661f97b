//! Target expressions on steady-state metrics, e.g. `net_occupancy.trough>=0.8`,
//! `sert_occupancy.average>=0.8`, `cmin_ng_per_ml>=50`, `cmax_ng_per_ml<=400`.
//! Names are those of `summary.steady_state`; dotted or hyphenated spellings are aliases
//! (`metric::canonical`).

use crate::error::{Error, Result};
use crate::metric::{Metric, SteadyMetrics};
use serde::Serialize;
use std::fmt;

/// Comparison of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Comparison {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = "<=")]
    AtMost,
}

/// One target: `metric op threshold`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    pub metric: Metric,
    pub comparison: Comparison,
    pub threshold: f64,
}

impl Target {
    /// Parses `METRIC>=X` or `METRIC<=X` (spaces allowed). Occupancies are fractions 0-1.
    pub fn parse(text: &str) -> Result<Target> {
        let field = "target";
        let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let (lhs, op, rhs) = if let Some((l, r)) = s.split_once(">=") {
            (l, Comparison::AtLeast, r)
        } else if let Some((l, r)) = s.split_once("<=") {
            (l, Comparison::AtMost, r)
        } else {
            return Err(Error::input(
                field,
                format!("\"{text}\" needs >= or <=, e.g. net_occupancy.trough>=0.8"),
            ));
        };
        let metric = Metric::from_name(&crate::metric::canonical(lhs))
            .filter(|m| Metric::STEADY_STATE.contains(m))
            .ok_or_else(|| {
                Error::input(
                    field,
                    format!(
                        "unknown metric \"{lhs}\" in \"{text}\"; allowed: {}",
                        SteadyMetrics::NAMES.join(", ")
                    ),
                )
            })?;
        let threshold: f64 = rhs
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite())
            .ok_or_else(|| {
                Error::input(field, format!("\"{rhs}\" in \"{text}\" is not a number"))
            })?;
        if metric.is_occupancy() && !(0.0..=1.0).contains(&threshold) {
            return Err(Error::input(
                field,
                format!("occupancy threshold {threshold} is outside 0 to 1 (a fraction, e.g. 0.8)"),
            ));
        }
        if threshold < 0.0 {
            return Err(Error::input(
                field,
                format!("threshold {threshold} must not be negative"),
            ));
        }
        Ok(Target {
            metric,
            comparison: op,
            threshold,
        })
    }

    /// Whether a subject's metrics meet the target.
    pub fn holds(&self, m: &SteadyMetrics) -> bool {
        let v = m[self.metric];
        match self.comparison {
            Comparison::AtLeast => v >= self.threshold,
            Comparison::AtMost => v <= self.threshold,
        }
    }

    /// True if `other` is at least as hard to meet (same metric and direction, tighter threshold).
    pub fn is_stricter_or_equal(&self, other: &Target) -> bool {
        self.metric == other.metric
            && self.comparison == other.comparison
            && match self.comparison {
                Comparison::AtLeast => other.threshold >= self.threshold,
                Comparison::AtMost => other.threshold <= self.threshold,
            }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.comparison {
            Comparison::AtLeast => ">=",
            Comparison::AtMost => "<=",
        };
        write!(f, "{}{op}{}", self.metric, self.threshold)
    }
}

/// Parses several targets (all must hold).
pub fn parse_all(texts: &[String]) -> Result<Vec<Target>> {
    texts.iter().map(|t| Target::parse(t)).collect()
}

/// Whether every target holds.
pub fn all_hold(targets: &[Target], m: &SteadyMetrics) -> bool {
    targets.iter().all(|t| t.holds(m))
}
