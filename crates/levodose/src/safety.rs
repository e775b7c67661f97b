//! Safety by dose: adverse-event incidence, vital-sign change and discontinuation for adverse
//! events as monotone functions of the daily dose, fitted to the monograph's dose tables.
//!
//! Model: E(d) = E0 + Emax d / (ED50 + d), E0 = the placebo value, Emax and ED50 by weighted least
//! squares (weights = group sizes) with ED50 profiled on a log grid from `ED50_LOW` to `ED50_HIGH`
//! times the highest studied dose (Emax is linear given ED50). With one active dose ED50 is not
//! identifiable and the model is the straight line through placebo and that dose. Both are
//! monotone in dose; values beyond the highest studied dose are flagged as extrapolations.

use crate::monograph::{DoseTable, Monograph};
use serde::Serialize;

/// ED50 search range relative to the highest studied dose (numerical settings, not pharmacology).
const ED50_LOW: f64 = 0.01;
const ED50_HIGH: f64 = 100.0;
const ED50_GRID: usize = 400;

/// A fitted dose-response for one outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum DoseModel {
    Emax { e0: f64, emax: f64, ed50_mg: f64 },
    Linear { e0: f64, slope_per_mg: f64 },
}

impl DoseModel {
    pub fn at(&self, dose_mg: f64) -> f64 {
        match *self {
            DoseModel::Emax { e0, emax, ed50_mg } => e0 + emax * dose_mg / (ed50_mg + dose_mg),
            DoseModel::Linear { e0, slope_per_mg } => e0 + slope_per_mg * dose_mg,
        }
    }
}

/// Fits the model to a dose table (dose 0 = placebo).
pub fn fit(t: &DoseTable) -> DoseModel {
    let e0 = t
        .doses_mg
        .iter()
        .zip(&t.values)
        .find(|(d, _)| **d == 0.0)
        .map(|(_, v)| *v)
        .unwrap_or(0.0);
    let active: Vec<(f64, f64, f64)> = t
        .doses_mg
        .iter()
        .enumerate()
        .filter(|(_, d)| **d > 0.0)
        .map(|(i, d)| {
            (
                *d,
                t.values[i],
                t.n.get(i).map(|n| *n as f64).unwrap_or(1.0),
            )
        })
        .collect();
    if active.len() < 2 {
        let slope = active.first().map(|(d, y, _)| (y - e0) / d).unwrap_or(0.0);
        return DoseModel::Linear {
            e0,
            slope_per_mg: slope,
        };
    }
    let dmax = active.iter().map(|a| a.0).fold(0.0, f64::max);
    let mut best = (f64::INFINITY, 0.0, dmax);
    for g in 0..=ED50_GRID {
        let ed50 = dmax * ED50_LOW * (ED50_HIGH / ED50_LOW).powf(g as f64 / ED50_GRID as f64);
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for &(d, y, w) in &active {
            let x = d / (ed50 + d);
            sxy += w * x * (y - e0);
            sxx += w * x * x;
        }
        let emax = sxy / sxx;
        let sse: f64 = active
            .iter()
            .map(|&(d, y, w)| w * (y - e0 - emax * d / (ed50 + d)).powi(2))
            .sum();
        if sse < best.0 - 1e-12 {
            best = (sse, emax, ed50);
        }
    }
    DoseModel::Emax {
        e0,
        emax: best.1,
        ed50_mg: best.2,
    }
}

/// One outcome at one dose, with what it rests on.
#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub name: String,
    /// "all" or a subgroup such as "men".
    pub population: String,
    pub unit: String,
    pub dose_mg: f64,
    pub value: f64,
    pub placebo: f64,
    /// value - placebo.
    pub above_placebo: f64,
    /// The dose lies above the highest studied dose.
    pub extrapolated: bool,
    pub model: DoseModel,
    pub rests_on: String,
    /// Reference key of the table the estimate rests on.
    pub source: String,
}

/// Adverse events, vital signs and discontinuation at one dose.
#[derive(Debug, Clone, Serialize)]
pub struct SafetyAtDose {
    pub dose_mg: f64,
    pub adverse_events: Vec<Estimate>,
    pub vital_signs: Vec<Estimate>,
    pub discontinuation_for_ae: Option<Estimate>,
}

fn estimate(m: &Monograph, t: &DoseTable, dose_mg: f64) -> Estimate {
    let model = fit(t);
    let dmax = t.doses_mg.iter().copied().fold(0.0, f64::max);
    let mut value = model.at(dose_mg);
    if t.unit == "%" {
        value = value.clamp(0.0, 100.0);
    }
    let placebo = model.at(0.0);
    let groups: Vec<String> = t
        .doses_mg
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let n = t.n.get(i).map(|n| format!(" (n={n})")).unwrap_or_default();
            if *d == 0.0 {
                format!("placebo {}{}{n}", t.values[i], t.unit)
            } else {
                format!("{d} mg {}{}{n}", t.values[i], t.unit)
            }
        })
        .collect();
    let cite = m
        .references
        .get(&t.source)
        .map(|r| r.citation.as_str())
        .unwrap_or("");
    let mut rests_on = format!(
        "{}: {} [{}]",
        t.source,
        groups.join(", "),
        cite.split('.').next().unwrap_or("")
    );
    if !t.note.is_empty() {
        rests_on.push_str(&format!("; {}", t.note));
    }
    match &model {
        DoseModel::Linear { .. } => rests_on.push_str("; one active dose: straight line above placebo (an assumption)"),
        DoseModel::Emax { ed50_mg, .. } if *ed50_mg >= dmax * ED50_HIGH * 0.99 => {
            rests_on.push_str("; the data rise at least linearly: Emax at its linear limit, so extrapolation may understate")
        }
        _ => {}
    }
    let extrapolated = dose_mg > dmax + 1e-9;
    if extrapolated {
        rests_on.push_str(&format!(
            "; EXTRAPOLATED beyond the highest studied dose {dmax} mg"
        ));
    }
    Estimate {
        name: t.name.clone(),
        population: t.population.clone(),
        unit: t.unit.clone(),
        dose_mg,
        value,
        placebo,
        above_placebo: value - placebo,
        extrapolated,
        model,
        rests_on,
        source: t.source.clone(),
    }
}

/// Every safety outcome of the monograph at `dose_mg`; None if it has no safety tables.
pub fn at_dose(m: &Monograph, dose_mg: f64) -> Option<SafetyAtDose> {
    let s = m.safety.as_ref()?;
    Some(SafetyAtDose {
        dose_mg,
        adverse_events: s
            .adverse_events
            .iter()
            .map(|t| estimate(m, t, dose_mg))
            .collect(),
        vital_signs: s
            .vital_signs
            .iter()
            .map(|t| estimate(m, t, dose_mg))
            .collect(),
        discontinuation_for_ae: Some(estimate(m, &s.discontinuation_for_ae, dose_mg)),
    })
}
