//! Co-medications: one CYP3A4 model for every perpetrator, their day ranges and time course.
//!
//! Static model: AUCR = 1 / (fm r + 1 - fm), r = remaining CYP3A4 activity of the
//! perpetrator's class. fm is calibrated on ketoconazole with strong inhibitors taken as complete
//! inhibition (r = 0), so every strong inhibitor predicts the ketoconazole ratio; inducer classes are
//! calibrated on carbamazepine (monograph `[interactions]`). Both act on non-renal clearance only,
//! so renal impairment and interactions combine: CL = CL_ref [fe rr + g ((1 - fe - fm) + fm r)]
//! (see `subject`).
//!
//! A co-medication is written `NAME` (taken throughout, at full effect from day 1) or `NAME DAYS`
//! with the regimen's day syntax (`ketoconazole d8-`, `carbamazepine d1-14`). Inhibition starts
//! and stops with the inhibitor; induction builds up and fades over the monograph's
//! `induction_onset_days`.

use crate::error::{Error, Result};
use crate::monograph::{ComedClass, Comedication, Interactions, Monograph};
use crate::regimen::{parse_day_range, DayRange};
use serde::Serialize;

/// A co-medication resolved against the monograph.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedComed {
    pub name: String,
    pub class: ComedClass,
    /// Days it is taken; None = throughout (already at full effect on day 1).
    pub days: Option<DayRange>,
    /// Remaining CYP3A4 activity r at full effect (1 = none, < 1 inhibition, > 1 induction);
    /// None for non-CYP3A4 co-medications.
    pub cyp3a4_activity: Option<f64>,
    /// AUC ratio the class model predicts at full effect (normal renal function).
    pub predicted_auc_ratio: Option<f64>,
    /// AUC ratio observed in a levomilnacipran study, where one exists.
    pub observed_auc_ratio: Option<f64>,
    /// Which ratio is observed and which predicted, in words, with sources.
    pub basis: String,
    pub source: String,
    pub contraindicated: bool,
}

impl ResolvedComed {
    /// Whether it is taken on any day of `range` (open ends extend to the end of the run).
    pub fn overlaps(&self, range: &DayRange) -> bool {
        match self.days {
            None => true,
            Some(d) => {
                d.start <= range.end.unwrap_or(u32::MAX) && range.start <= d.end.unwrap_or(u32::MAX)
            }
        }
    }

    /// First day of `range` on which it is taken (if it overlaps).
    pub fn first_common_day(&self, range: &DayRange) -> Option<u32> {
        self.overlaps(range)
            .then(|| range.start.max(self.days.map(|d| d.start).unwrap_or(1)))
    }

    /// "ketoconazole" or "ketoconazole d8-".
    pub fn label(&self) -> String {
        match self.days {
            None => self.name.clone(),
            Some(d) => format!("{} {}", self.name, d),
        }
    }
}

/// Splits "NAME [DAYS]" into the name and its optional day range.
pub fn parse_spec(text: &str) -> Result<(String, Option<DayRange>)> {
    let mut parts = text.split_whitespace();
    let name = parts
        .next()
        .ok_or_else(|| Error::input("comed", "an empty co-medication name"))?
        .to_ascii_lowercase();
    let days = match parts.next() {
        None => None,
        Some(tok) => Some(parse_day_range(tok).map_err(|why| {
            Error::input(
                "comed",
                format!("\"{text}\": {why} (e.g. \"ketoconazole d8-\" or \"carbamazepine d1-14\")"),
            )
        })?),
    };
    if let Some(extra) = parts.next() {
        return Err(Error::input(
            "comed",
            format!("\"{text}\": unexpected \"{extra}\"; write NAME or NAME DAYS, e.g. \"ketoconazole d8-\""),
        ));
    }
    Ok((name, days))
}

/// Looks up co-medications by name (case-insensitive); unknown names are input errors listing
/// the known ones.
pub fn resolve(m: &Monograph, specs: &[String]) -> Result<Vec<ResolvedComed>> {
    if specs.is_empty() {
        return Ok(vec![]);
    }
    let inter = m.interactions.as_ref().ok_or_else(|| {
        Error::input(
            "comed",
            format!("the {} monograph has no interaction data", m.compound.name),
        )
    })?;
    let fm = m.human.fm_cyp3a4_fraction.as_ref().map(|v| v.value);
    specs
        .iter()
        .map(|text| {
            let (name, days) = parse_spec(text)?;
            let mut c = resolve_one(inter, fm, &name)?;
            c.days = days;
            Ok(c)
        })
        .collect()
}

/// AUC ratio of the static model for remaining activity `r`.
pub fn predicted_auc_ratio(fm: f64, r: f64) -> f64 {
    1.0 / (fm * r + 1.0 - fm)
}

fn find<'a>(known: &'a [Comedication], name: &str) -> Result<&'a Comedication> {
    known.iter().find(|c| c.name == name).ok_or_else(|| {
        let list: Vec<&str> = known.iter().map(|c| c.name.as_str()).collect();
        Error::input(
            "comed",
            format!(
                "unknown co-medication \"{name}\"; known: {}",
                list.join(", ")
            ),
        )
    })
}

fn resolve_one(inter: &Interactions, fm: Option<f64>, name: &str) -> Result<ResolvedComed> {
    let c = find(&inter.comedications, name)?;
    let observed = c.observed_auc_ratio.as_ref().map(|v| v.value);
    let mut out = ResolvedComed {
        name: c.name.clone(),
        class: c.class,
        days: None,
        cyp3a4_activity: None,
        predicted_auc_ratio: None,
        observed_auc_ratio: observed,
        basis: format!("{}: not a CYP3A4 interaction ({})", c.class.key(), c.note),
        source: c.source.clone(),
        contraindicated: c.contraindicated,
    };
    if !c.class.is_cyp3a4() {
        return Ok(out);
    }
    let r = inter
        .class_activity_ratio
        .get(c.class.key())
        .ok_or_else(|| {
            Error::input(
                "comed",
                format!("no remaining-activity value for class {}", c.class.key()),
            )
        })?;
    let predicted = fm.map(|fm| predicted_auc_ratio(fm, r.value));
    out.cyp3a4_activity = Some(r.value);
    out.predicted_auc_ratio = predicted;
    out.basis = describe_basis(c, r.value, r.source.as_str(), predicted, observed);
    Ok(out)
}

fn describe_basis(
    c: &Comedication,
    r: f64,
    r_source: &str,
    predicted: Option<f64>,
    observed: Option<f64>,
) -> String {
    let predicted = predicted
        .map(|p| format!("predicted AUC ratio {p:.2}"))
        .unwrap_or_else(|| "no fm_CYP3A4: no prediction".into());
    let observed = match (observed, &c.observed_auc_ratio) {
        (Some(o), Some(v)) => format!("observed AUC ratio {o} ({})", v.source),
        _ => "no levomilnacipran study (not observed)".into(),
    };
    format!(
        "{} (class {}, remaining CYP3A4 activity r = {r}, {r_source}): {predicted}; {observed}",
        c.name,
        c.class.key(),
    )
}

/// Fraction of its full effect a co-medication has on `day` (1-based): inhibitors act on the
/// days they are taken; inducers ramp up over `onset_days` from their first day and fade over
/// the same span after their last.
pub fn effect_fraction(c: &ResolvedComed, day: u32, onset_days: f64) -> f64 {
    let Some(d) = c.days else {
        return 1.0;
    };
    let taken = |x: u32| x >= d.start && d.end.is_none_or(|e| x <= e);
    if !c.class.is_inducer() || onset_days <= 0.0 {
        return if taken(day) { 1.0 } else { 0.0 };
    }
    if day < d.start {
        return 0.0;
    }
    let ramp = |days_on: f64| (days_on / onset_days).min(1.0);
    match d.end {
        Some(e) if day > e => {
            let at_stop = ramp((e - d.start + 1) as f64);
            (at_stop - (day - e) as f64 / onset_days).max(0.0)
        }
        _ => ramp((day - d.start + 1) as f64),
    }
}

/// Combined remaining CYP3A4 activity on `day`: the product of each perpetrator's r, each moved
/// from 1 towards its full-effect r by its effect fraction. With one perpetrator at full effect
/// the class prediction is reproduced exactly.
pub fn activity_on_day(comeds: &[ResolvedComed], day: u32, onset_days: f64) -> f64 {
    comeds
        .iter()
        .filter_map(|c| {
            c.cyp3a4_activity
                .map(|r| 1.0 + (r - 1.0) * effect_fraction(c, day, onset_days))
        })
        .product::<f64>()
}

/// Combined remaining CYP3A4 activity with every co-medication at full effect.
pub fn combined_activity(comeds: &[ResolvedComed]) -> f64 {
    comeds
        .iter()
        .filter_map(|c| c.cyp3a4_activity)
        .product::<f64>()
}

/// Whether any co-medication has a day range (so clearance changes during the run).
pub fn any_time_varying(comeds: &[ResolvedComed]) -> bool {
    comeds
        .iter()
        .any(|c| c.days.is_some() && c.cyp3a4_activity.is_some())
}

/// Induction onset span from the monograph (0 = immediate when absent).
pub fn onset_days(m: &Monograph) -> f64 {
    m.interactions
        .as_ref()
        .and_then(|i| i.induction_onset_days.as_ref())
        .map(|v| v.value)
        .unwrap_or(0.0)
}
