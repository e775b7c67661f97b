//! Safety by dose: adverse-event incidence, vital-sign change and discontinuation for adverse
//! events as monotone functions of the daily dose, fitted to the monograph's dose tables.
//!
//! Models (E0 = the placebo value): linear E0 + s d, and Emax E0 + Emax d / (ED50 + d) with ED50
//! constrained to the studied active dose range (a fit whose ED50 ran to a grid floor far below
//! the lowest dose was a step, not a curve). Both are fitted by weighted least squares (weights
//! = group sizes, Emax linear given ED50, ED50 profiled on a log grid). For incidences (unit %)
//! with group sizes the two are compared by AIC of the binomial likelihood (2 and 3 parameters)
//! and the lower AIC is used; otherwise (vital signs: no within-group SD) the constrained Emax
//! is used. The choice is reported with each estimate. With one active dose the model is the
//! straight line through placebo and that dose. Doses above the highest or below the lowest
//! studied active dose are flagged as extrapolations.

use crate::monograph::{DoseTable, Monograph, PooledRate};
use serde::Serialize;

/// Points of the log grid of ED50 over the studied dose range (a numerical setting).
const ED50_GRID: usize = 400;
/// Incidences are clamped inside (0, 1) by this much for the binomial likelihood.
const P_FLOOR: f64 = 1e-9;

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

/// (dose, value, weight) of the active groups and the placebo value of a table.
fn groups(t: &DoseTable) -> (f64, Vec<(f64, f64, f64)>) {
    let e0 = t
        .doses_mg
        .iter()
        .zip(&t.values)
        .find(|(d, _)| **d == 0.0)
        .map(|(_, v)| *v)
        .unwrap_or(0.0);
    let active = t
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
    (e0, active)
}

/// Weighted least-squares line through (0, e0).
fn fit_linear(e0: f64, active: &[(f64, f64, f64)]) -> DoseModel {
    let (sxy, sxx) = active.iter().fold((0.0, 0.0), |(a, b), &(d, y, w)| {
        (a + w * d * (y - e0), b + w * d * d)
    });
    DoseModel::Linear {
        e0,
        slope_per_mg: if sxx > 0.0 { sxy / sxx } else { 0.0 },
    }
}

/// Weighted least-squares Emax with ED50 on a log grid over [lowest, highest] active dose.
fn fit_emax(e0: f64, active: &[(f64, f64, f64)]) -> DoseModel {
    let dmin = active.iter().map(|a| a.0).fold(f64::INFINITY, f64::min);
    let dmax = active.iter().map(|a| a.0).fold(0.0, f64::max);
    let mut best = (f64::INFINITY, 0.0, dmax);
    for g in 0..=ED50_GRID {
        let ed50 = dmin * (dmax / dmin).powf(g as f64 / ED50_GRID as f64);
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for &(d, y, w) in active {
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

/// AIC of a model of incidences (%) under the binomial likelihood of the table's groups
/// (placebo included), `k` parameters.
fn binomial_aic(t: &DoseTable, model: &DoseModel, k: usize) -> f64 {
    let ll: f64 = t
        .doses_mg
        .iter()
        .zip(&t.values)
        .zip(&t.n)
        .map(|((d, v), n)| {
            let n = *n as f64;
            let y = v / 100.0 * n;
            let p = (model.at(*d) / 100.0).clamp(P_FLOOR, 1.0 - P_FLOOR);
            y * p.ln() + (n - y) * (1.0 - p).ln()
        })
        .sum();
    -2.0 * ll + 2.0 * k as f64
}

/// The fitted model of a table and how it was chosen (for the output).
pub fn fit_with_choice(t: &DoseTable) -> (DoseModel, String) {
    let (e0, active) = groups(t);
    if active.len() < 2 {
        let slope = active.first().map(|(d, y, _)| (y - e0) / d).unwrap_or(0.0);
        return (
            DoseModel::Linear {
                e0,
                slope_per_mg: slope,
            },
            "linear: one active dose, straight line above placebo (an assumption)".into(),
        );
    }
    let emax = fit_emax(e0, &active);
    let binomial = t.unit == "%" && t.n.len() == t.doses_mg.len();
    if !binomial {
        return (
            emax,
            "emax with ED50 constrained to the studied dose range (no within-group SD: AIC not computed)"
                .into(),
        );
    }
    let linear = fit_linear(e0, &active);
    let (a_lin, a_emax) = (binomial_aic(t, &linear, 2), binomial_aic(t, &emax, 3));
    if a_lin <= a_emax {
        (
            linear,
            format!("linear chosen by binomial AIC ({a_lin:.1} vs emax {a_emax:.1})"),
        )
    } else {
        (
            emax,
            format!(
                "emax (ED50 within the studied range) chosen by binomial AIC ({a_emax:.1} vs linear {a_lin:.1})"
            ),
        )
    }
}

/// Fits the model to a dose table (dose 0 = placebo); see the module note.
pub fn fit(t: &DoseTable) -> DoseModel {
    fit_with_choice(t).0
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
    /// The dose lies above the highest or below the lowest studied active dose.
    pub extrapolated: bool,
    pub model: DoseModel,
    /// Which model was used and why (AIC comparison or constraint).
    pub model_choice: String,
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
    /// Reactions known only as a pool over a dose range: the pooled rate is reported as it was
    /// published, the same at every dose of the range, never turned into a per-dose estimate.
    pub pooled_adverse_reactions: Vec<PooledEstimate>,
}

/// A pooled adverse-reaction rate beside a dose: what the pool says, and whether the dose lies
/// within the pooled dose range (outside it the pool says nothing about the dose).
#[derive(Debug, Clone, Serialize)]
pub struct PooledEstimate {
    pub name: String,
    pub population: String,
    pub unit: &'static str,
    pub dose_range_mg: [f64; 2],
    /// Pooled incidence on the active doses (%), events / n.
    pub pooled_active: f64,
    /// Pooled incidence on placebo (%).
    pub pooled_placebo: f64,
    pub above_placebo: f64,
    /// The dose lies within the pooled dose range.
    pub dose_in_range: bool,
    pub rests_on: String,
    pub source: String,
}

/// The pooled rate as published, judged against `dose_mg` only for being inside the range.
fn pooled(t: &PooledRate, dose_mg: f64) -> PooledEstimate {
    let pct = |e: u32, n: u32| 100.0 * e as f64 / n.max(1) as f64;
    let (active, placebo) = (
        pct(t.active_events, t.active_n),
        pct(t.placebo_events, t.placebo_n),
    );
    let [lo, hi] = t.dose_range_mg;
    let dose_in_range = dose_mg >= lo - 1e-9 && dose_mg <= hi + 1e-9;
    let mut rests_on = format!(
        "{}: {}/{} on {lo}-{hi} mg vs {}/{} on placebo, pooled over doses (not dose-resolved: the same rate at every dose of the range)",
        t.source, t.active_events, t.active_n, t.placebo_events, t.placebo_n
    );
    if !t.note.is_empty() {
        rests_on.push_str(&format!("; {}", t.note));
    }
    if !dose_in_range {
        rests_on.push_str(&format!("; {dose_mg} mg lies OUTSIDE the pooled range"));
    }
    PooledEstimate {
        name: t.name.clone(),
        population: t.population.clone(),
        unit: "%",
        dose_range_mg: t.dose_range_mg,
        pooled_active: active,
        pooled_placebo: placebo,
        above_placebo: active - placebo,
        dose_in_range,
        rests_on,
        source: t.source.clone(),
    }
}

fn estimate(m: &Monograph, t: &DoseTable, dose_mg: f64) -> Estimate {
    let (model, model_choice) = fit_with_choice(t);
    let dmax = t.doses_mg.iter().copied().fold(0.0, f64::max);
    let dmin = t
        .doses_mg
        .iter()
        .copied()
        .filter(|d| *d > 0.0)
        .fold(f64::INFINITY, f64::min);
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
    rests_on.push_str(&format!("; model: {model_choice}"));
    let above = dose_mg > dmax + 1e-9;
    let below = dose_mg > 0.0 && dose_mg < dmin - 1e-9;
    if above {
        rests_on.push_str(&format!(
            "; EXTRAPOLATED beyond the highest studied dose {dmax} mg"
        ));
    }
    if below {
        rests_on.push_str(&format!(
            "; EXTRAPOLATED below the lowest studied dose {dmin} mg"
        ));
    }
    let extrapolated = above || below;
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
        model_choice,
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
        pooled_adverse_reactions: s
            .pooled_adverse_reactions
            .iter()
            .map(|t| pooled(t, dose_mg))
            .collect(),
    })
}
