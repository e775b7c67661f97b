//! Regimens: what is given, how, how often and on which days.
//!
//! The regimen language (README, "The regimen language") is a `;`-separated list of segments, each
//! `AMOUNT[mg|mg/kg] [ROUTE [over Nh]] [FREQUENCY] [dA-B | dA- | dA] [salt]`, e.g.
//! `"20mg qd d1-2; 40mg qd d3-7; 80mg qd d8-"`, `"10mg/kg ip bid d1-14"`, `"15mg/kg ip qd salt"`,
//! `"100mg iv over 2h once"`, or the label titration `label-titration[:TARGET_MG]`.
//! Defaults: route po, frequency qd, days d1- (open-ended) for repeated doses, d1 for `once`.

mod events;
mod parse;

pub use events::{DoseEvent, ResolveContext};
pub use parse::{parse, parse_day_range};

use serde::{Deserialize, Serialize};
use std::fmt;

/// Route of administration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    /// Oral (the marketed formulation in humans; a solution in animals).
    Po,
    /// Intraperitoneal injection.
    Ip,
    /// Intravenous bolus.
    Iv,
}

impl Route {
    pub fn is_extravascular(self) -> bool {
        !matches!(self, Route::Iv)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Po => "po",
            Route::Ip => "ip",
            Route::Iv => "iv",
        }
    }
}

/// How often a segment is given.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Frequency {
    /// A single dose on the first day of the range.
    Once,
    /// Every `h` hours starting at the start of the first day (qd = 24, bid = 12, tid = 8).
    EveryHours(f64),
}

impl Frequency {
    /// Dosing interval in hours, if repeated.
    pub fn tau_h(self) -> Option<f64> {
        match self {
            Frequency::Once => None,
            Frequency::EveryHours(h) => Some(h),
        }
    }
}

/// Amount per administration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Amount {
    Mg(f64),
    MgPerKg(f64),
}

/// Inclusive day range, 1-based; `end` None = until the end of the simulation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DayRange {
    pub start: u32,
    pub end: Option<u32>,
}

/// One segment of a regimen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub amount: Amount,
    pub route: Route,
    /// Zero-order infusion duration in hours (route iv only); None = bolus.
    pub infusion_h: Option<f64>,
    pub frequency: Frequency,
    pub days: DayRange,
    /// The amount is stated as the salt (e.g. hydrochloride) and is converted to free base.
    pub salt: bool,
    /// `ss`: the subject is already at steady state on this dose when the segment starts (first
    /// segment only), so no titration history is needed.
    #[serde(default)]
    pub steady_state: bool,
}

/// A parsed regimen: segments in the order written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Regimen {
    pub segments: Vec<Segment>,
}

impl Regimen {
    /// The last segment in time (latest start day), whose dose defines steady state.
    pub fn maintenance(&self) -> Option<&Segment> {
        self.segments.iter().max_by_key(|s| s.days.start)
    }

    /// The label titration (monograph `[label]`): the start dose for `start_days`, then the step
    /// dose, then +step every `interval_days` days up to the target, then the target open-ended.
    pub fn titration(rule: &TitrationRule, target_mg: f64) -> Regimen {
        let seg = |mg: f64, start: u32, end: Option<u32>| Segment {
            amount: Amount::Mg(mg),
            route: Route::Po,
            infusion_h: None,
            frequency: Frequency::EveryHours(24.0),
            days: DayRange { start, end },
            salt: false,
            steady_state: false,
        };
        let mut segments = Vec::new();
        let mut day = 1;
        if target_mg > rule.start_mg {
            segments.push(seg(rule.start_mg, day, Some(day + rule.start_days - 1)));
            day += rule.start_days;
            let mut dose = rule.step_mg.min(target_mg);
            while dose < target_mg {
                segments.push(seg(dose, day, Some(day + rule.interval_days - 1)));
                day += rule.interval_days;
                dose = (dose + rule.step_mg).min(target_mg);
            }
        }
        segments.push(seg(target_mg, day, None));
        Regimen { segments }
    }
}

/// The label's titration rule, read from the monograph (`label` section).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TitrationRule {
    pub start_mg: f64,
    pub start_days: u32,
    pub step_mg: f64,
    pub interval_days: u32,
    pub min_target_mg: f64,
    pub max_target_mg: f64,
}

impl TitrationRule {
    pub fn from_label(label: &crate::monograph::Label) -> Self {
        TitrationRule {
            start_mg: label.start_dose_mg.value,
            start_days: label.start_days.value.round().max(1.0) as u32,
            step_mg: label.titration_step_mg.value,
            interval_days: label.titration_min_interval_days.value.round().max(1.0) as u32,
            min_target_mg: label.min_maintenance_mg.value,
            max_target_mg: label.max_maintenance_mg.value,
        }
    }
}

fn fmt_num(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.amount {
            Amount::Mg(x) => write!(f, "{}mg", fmt_num(x))?,
            Amount::MgPerKg(x) => write!(f, "{}mg/kg", fmt_num(x))?,
        }
        write!(f, " {}", self.route.as_str())?;
        if let Some(d) = self.infusion_h {
            write!(f, " over {}h", fmt_num(d))?;
        }
        match self.frequency {
            Frequency::Once => write!(f, " once")?,
            Frequency::EveryHours(24.0) => write!(f, " qd")?,
            Frequency::EveryHours(12.0) => write!(f, " bid")?,
            Frequency::EveryHours(8.0) => write!(f, " tid")?,
            Frequency::EveryHours(h) => write!(f, " q{}h", fmt_num(h))?,
        }
        write!(f, " {}", self.days)?;
        if self.steady_state {
            write!(f, " ss")?;
        }
        if self.salt {
            write!(f, " salt")?;
        }
        Ok(())
    }
}

impl fmt::Display for DayRange {
    /// `d3`, `d3-7` or `d3-`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.end {
            Some(e) if e == self.start => write!(f, "d{}", self.start),
            Some(e) => write!(f, "d{}-{}", self.start, e),
            None => write!(f, "d{}-", self.start),
        }
    }
}

impl DayRange {
    /// Whether the range contains `day`.
    pub fn contains(&self, day: u32) -> bool {
        day >= self.start && self.end.is_none_or(|e| day <= e)
    }
}

impl fmt::Display for Regimen {
    /// Canonical form: every field explicit, segments joined by "; ".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.segments.iter().map(|s| s.to_string()).collect();
        f.write_str(&parts.join("; "))
    }
}
