//! One subject's samples: validation, below-limit-of-quantification (BLQ) rules and the
//! concentration at the dosing time.
//!
//! BLQ samples are classified by position, as PKNCA's `conc.blq` option does: *first* (before the
//! first measurable concentration), *middle* (between measurable ones) and *last* (after the last
//! measurable one). The defaults are PKNCA's (`conc.blq = list(first = "keep", middle = "drop",
//! last = "keep")`): leading and trailing BLQ samples count as 0, BLQ samples inside the profile are
//! dropped (the trapezoid then spans the gap).

use super::{data_error, NcaError, Route};
use serde::Serialize;

/// One measured sample. `row` is the data row it came from (for messages), if known.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sample {
    pub time: f64,
    pub conc: f64,
    /// Below the limit of quantification (flag column, or conc < LLOQ).
    pub blq: bool,
    #[serde(skip)]
    pub row: Option<usize>,
}

/// A subject's profile after a single dose at time 0 (or at steady state with tau).
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub id: String,
    pub samples: Vec<Sample>,
    /// Dose amount in the dose unit; CL and V are reported in dose unit / (conc unit x time unit).
    pub dose: f64,
}

fn at_row(row: Option<usize>) -> String {
    row.map(|r| format!(", data row {r}")).unwrap_or_default()
}

impl Profile {
    /// A profile without BLQ flags. Errors: times not strictly increasing (unsorted or duplicated),
    /// negative or non-finite concentrations, dose not finite and > 0.
    pub fn new(
        id: impl Into<String>,
        time: Vec<f64>,
        conc: Vec<f64>,
        dose: f64,
    ) -> Result<Profile, NcaError> {
        let samples = time
            .into_iter()
            .zip(conc)
            .map(|(time, conc)| Sample {
                time,
                conc,
                blq: false,
                row: None,
            })
            .collect();
        Profile::from_samples(id, samples, dose)
    }

    /// A profile from samples (with BLQ flags and data rows); validated as [`Profile::new`].
    pub fn from_samples(
        id: impl Into<String>,
        samples: Vec<Sample>,
        dose: f64,
    ) -> Result<Profile, NcaError> {
        let id = id.into();
        if !(dose.is_finite() && dose > 0.0) {
            return Err(data_error(
                &id,
                format!("dose {dose} is not allowed; the dose must be a finite number > 0"),
            ));
        }
        if samples.is_empty() {
            return Err(data_error(&id, "no samples"));
        }
        for (i, s) in samples.iter().enumerate() {
            if !s.time.is_finite() || s.time < 0.0 {
                return Err(data_error(
                    &id,
                    format!(
                        "time {}{}: times must be finite and >= 0 (time after the dose)",
                        s.time,
                        at_row(s.row)
                    ),
                ));
            }
            if !s.conc.is_finite() || s.conc < 0.0 {
                return Err(data_error(
                    &id,
                    format!(
                        "concentration {} at time {}{}: concentrations must be finite and >= 0",
                        s.conc,
                        s.time,
                        at_row(s.row)
                    ),
                ));
            }
            if i > 0 {
                let prev = samples[i - 1].time;
                if s.time == prev {
                    return Err(data_error(
                        &id,
                        format!("time {} is duplicated{}", s.time, at_row(s.row)),
                    ));
                }
                if s.time < prev {
                    return Err(data_error(
                        &id,
                        format!(
                            "time {} comes after time {prev}{}: times within a subject must be sorted",
                            s.time,
                            at_row(s.row)
                        ),
                    ));
                }
            }
        }
        Ok(Profile { id, samples, dose })
    }
}

/// What happens to a BLQ sample in one position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BlqRule {
    /// Keep the sample with concentration 0.
    Keep,
    /// Drop the sample.
    Drop,
}

/// Where a BLQ sample lies relative to the measurable concentrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BlqPosition {
    First,
    Middle,
    Last,
}

/// The rule per position; defaults as PKNCA (first keep as 0, middle drop, last keep as 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BlqRules {
    pub first: BlqRule,
    pub middle: BlqRule,
    pub last: BlqRule,
}

impl Default for BlqRules {
    fn default() -> Self {
        BlqRules {
            first: BlqRule::Keep,
            middle: BlqRule::Drop,
            last: BlqRule::Keep,
        }
    }
}

/// A sample left out of the analysis, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exclusion {
    pub time: f64,
    pub reason: String,
}

/// The (time, concentration) points the analysis uses, from time 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub time: Vec<f64>,
    pub conc: Vec<f64>,
    /// Index of the first *observed* point (1 when a time-0 point was added, else 0).
    pub first_observed: usize,
    /// Concentration at time 0 used for the AUC, when it was not observed.
    pub c0_added: Option<f64>,
    pub exclusions: Vec<Exclusion>,
}

/// Applies the BLQ rules, then adds the time-0 point the route implies when none was sampled:
/// 0 for extravascular and infusion (WinNonlin), the back-extrapolated C0 for a bolus.
pub fn prepare(p: &Profile, rules: &BlqRules, route: Route) -> Prepared {
    let first_measurable = p.samples.iter().position(|s| !s.blq && s.conc > 0.0);
    let last_measurable = p.samples.iter().rposition(|s| !s.blq && s.conc > 0.0);
    let mut time = Vec::with_capacity(p.samples.len() + 1);
    let mut conc = Vec::with_capacity(p.samples.len() + 1);
    let mut exclusions = Vec::new();
    for (i, s) in p.samples.iter().enumerate() {
        if !s.blq {
            time.push(s.time);
            conc.push(s.conc);
            continue;
        }
        let position = match (first_measurable, last_measurable) {
            (Some(f), _) if i < f => BlqPosition::First,
            (_, Some(l)) if i > l => BlqPosition::Last,
            (Some(_), Some(_)) => BlqPosition::Middle,
            _ => BlqPosition::First,
        };
        let rule = match position {
            BlqPosition::First => rules.first,
            BlqPosition::Middle => rules.middle,
            BlqPosition::Last => rules.last,
        };
        match rule {
            BlqRule::Keep => {
                time.push(s.time);
                conc.push(0.0);
            }
            BlqRule::Drop => exclusions.push(Exclusion {
                time: s.time,
                reason: format!(
                    "BLQ ({} position), dropped",
                    match position {
                        BlqPosition::First => "first",
                        BlqPosition::Middle => "middle",
                        BlqPosition::Last => "last",
                    }
                ),
            }),
        }
    }
    let mut c0_added = None;
    let mut first_observed = 0;
    if !matches!(time.first(), Some(&t) if t <= 0.0) {
        let c0 = match route {
            Route::IvBolus => back_extrapolated_c0(&time, &conc),
            _ => Some(0.0),
        };
        if let Some(c0) = c0 {
            time.insert(0, 0.0);
            conc.insert(0, c0);
            c0_added = Some(c0);
            first_observed = 1;
        }
    }
    Prepared {
        time,
        conc,
        first_observed,
        c0_added,
        exclusions,
    }
}

/// C0 after a bolus as WinNonlin: log-linear back-extrapolation of the first two samples when they
/// are positive and falling; otherwise the first positive concentration.
pub fn back_extrapolated_c0(time: &[f64], conc: &[f64]) -> Option<f64> {
    if time.len() >= 2 && conc[0] > 0.0 && conc[1] > 0.0 && conc[1] < conc[0] {
        let slope = (conc[1].ln() - conc[0].ln()) / (time[1] - time[0]);
        return Some((conc[0].ln() - slope * time[0]).exp());
    }
    conc.iter().copied().find(|&c| c > 0.0)
}
