//! Dose-range design: k log-spaced doses spanning the rising part of the occupancy (or exposure)
//! curve, and checks that doses are not on the plateau and are spaced at least 2-fold.
//!
//! The end doses solve metric(d_lo) = lo and metric(d_hi) = hi at steady state; the others are
//! d_i = d_lo (d_hi / d_lo)^{i/(k-1)}, a constant ratio r = (d_hi / d_lo)^{1/(k-1)}.

use super::exposure_match::{animal_periodic, solve_dose, Metric, Schedule};
use super::species::SpeciesModel;
use crate::error::{Error, Result};
use crate::finding::{Finding, Severity};
use crate::monograph::DesignRules;
use serde::Serialize;

/// A dose and its predicted steady-state metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DosePoint {
    pub dose_mg_per_kg: f64,
    pub predicted: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoseRange {
    pub metric: Metric,
    pub frequency: Schedule,
    pub range: (f64, f64),
    pub proposed: Vec<DosePoint>,
    pub spacing_ratio: f64,
    pub user: Vec<DosePoint>,
    pub findings: Vec<Finding>,
}

/// Predicted steady-state metric at each dose.
pub fn predict(
    model: &SpeciesModel,
    schedule: Schedule,
    metric: Metric,
    doses: &[f64],
) -> Result<Vec<DosePoint>> {
    doses
        .iter()
        .map(|&d| {
            if !(d.is_finite() && d > 0.0 && d <= 2000.0) {
                return Err(Error::input(
                    "doses_mg_per_kg",
                    format!("{d} is outside the allowed range above 0 to 2000 mg/kg"),
                ));
            }
            let p = animal_periodic(model, schedule, d)?;
            Ok(DosePoint {
                dose_mg_per_kg: d,
                predicted: p.metric(metric, &model.occupancy),
            })
        })
        .collect()
}

/// `doses_on_plateau` (every occupancy above the plateau threshold) and `dose_range_narrow`
/// (fewer than the minimum count, or adjacent doses closer than the minimum ratio).
pub fn check(
    points: &[DosePoint],
    metric: Metric,
    rules: &DesignRules,
    what: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let plateau = rules.plateau_occupancy_fraction.value;
    if metric.is_occupancy() && !points.is_empty() && points.iter().all(|p| p.predicted > plateau) {
        let list: Vec<String> = points
            .iter()
            .map(|p| {
                format!(
                    "{} mg/kg: {:.0} %",
                    fmt(p.dose_mg_per_kg),
                    100.0 * p.predicted
                )
            })
            .collect();
        out.push(
            Finding::new(
                "doses_on_plateau",
                Severity::Warning,
                format!("{what}: every dose predicts occupancy above {:.0} % ({}): they sit on the plateau and cannot separate", 100.0 * plateau, list.join(", ")),
                rules.plateau_occupancy_fraction.source.clone(),
            )
            .with_suggestion("lower the doses to span the rising part of the curve (`levodose design dose-range`)"),
        );
    }
    let mut doses: Vec<f64> = points.iter().map(|p| p.dose_mg_per_kg).collect();
    doses.sort_by(f64::total_cmp);
    let min_ratio = doses
        .windows(2)
        .map(|w| w[1] / w[0])
        .fold(f64::INFINITY, f64::min);
    let (min_count, min_spacing) = (
        rules.min_dose_count.value,
        rules.min_dose_spacing_ratio.value,
    );
    if (doses.len() as f64) < min_count || min_ratio < min_spacing {
        let why = if (doses.len() as f64) < min_count {
            format!("{} dose(s), fewer than {min_count}", doses.len())
        } else {
            format!("adjacent doses only {min_ratio:.2}-fold apart (under {min_spacing}-fold)")
        };
        out.push(
            Finding::new(
                "dose_range_narrow",
                Severity::Warning,
                format!("{what}: {why}"),
                rules.min_dose_spacing_ratio.source.clone(),
            )
            .with_suggestion(format!(
                "use at least {min_count} doses spaced {min_spacing}-fold or more (log spacing)"
            )),
        );
    }
    out
}

fn fmt(x: f64) -> String {
    format!("{}", (x * 1000.0).round() / 1000.0)
}

/// Proposes `k` log-spaced doses spanning metric levels `lo`..`hi` and checks user doses.
#[allow(clippy::too_many_arguments)]
pub fn design(
    model: &SpeciesModel,
    schedule: Schedule,
    metric: Metric,
    lo: f64,
    hi: f64,
    k: usize,
    user_doses: &[f64],
    rules: &DesignRules,
) -> Result<DoseRange> {
    if !(2..=12).contains(&k) {
        return Err(Error::input(
            "k",
            format!("{k} is outside the allowed range 2 to 12 doses"),
        ));
    }
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && lo < hi) {
        return Err(Error::input(
            "range",
            format!("{lo}:{hi} must satisfy 0 < lo < hi"),
        ));
    }
    if metric.is_occupancy() && hi >= 1.0 {
        return Err(Error::input(
            "range",
            "occupancy levels are fractions below 1, e.g. 0.2:0.85",
        ));
    }
    let d_lo = solve_dose(model, schedule, metric, lo)?;
    let d_hi = solve_dose(model, schedule, metric, hi)?;
    let doses: Vec<f64> = (0..k)
        .map(|i| d_lo * (d_hi / d_lo).powf(i as f64 / (k - 1) as f64))
        .collect();
    let proposed = predict(model, schedule, metric, &doses)?;
    let user = predict(model, schedule, metric, user_doses)?;
    let mut findings = check(&proposed, metric, rules, "proposed doses");
    if !user.is_empty() {
        findings.extend(check(&user, metric, rules, "your doses"));
    }
    Ok(DoseRange {
        metric,
        frequency: schedule,
        range: (lo, hi),
        spacing_ratio: (d_hi / d_lo).powf(1.0 / (k - 1) as f64),
        proposed,
        user,
        findings,
    })
}
