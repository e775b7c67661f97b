//! Efficacy evidence behind the trial simulator's defaults, from every placebo-controlled arm in
//! the monograph (`efficacy.trial_arms`):
//!
//! 1. **Meta-analysis by dose**: the arms at each fixed dose (and the flexible-dose arms as one
//!    stratum) pooled by DerSimonian-Laird random effects (`levodose_stats::meta`), with SE, 95 %
//!    CI, tau^2 and I^2. These pooled differences are the default effect of an arm
//!    (`effect = "arm"`) and the dose table of `effect = "dose"` / `"exposure"`.
//! 2. **One exposure-response**: difference = E_occ x O(d), O the typical subject's time-averaged
//!    NET occupancy at steady state of d once daily (binding-Ki basis, PK engine), fitted by
//!    random-effects meta-regression through the origin (no drug, no effect) to all fixed-dose
//!    arms of all trials. E_occ is the difference at full occupancy; the trial simulator's
//!    `effect = "occupancy"` uses this one value for every arm and dose. Flexible arms do not
//!    enter the fit: their doses per subject are not published.
//!
//! Whether the data show a dose-response is judged by the slope of difference = a + b x O over
//! the same arms: when its 95 % CI includes 0 the output says, in words, that they do not.

use super::exposure::{EffectPk, Metric};
use crate::error::{Error, Result};
use crate::monograph::{Efficacy, TrialArmEffect};
use levodose_stats::meta::{self, MetaResult, Study};
use serde::Serialize;

/// Confidence level of the reported intervals.
const LEVEL: f64 = 0.95;

/// The pooled difference of one dose stratum.
#[derive(Debug, Clone, Serialize)]
pub struct DosePool {
    /// "40 mg" or "flexible 40-120 mg".
    pub stratum: String,
    /// Fixed dose (None for the flexible stratum).
    pub dose_mg: Option<f64>,
    /// "TRIAL arm" of every pooled arm, with its source key.
    pub arms: Vec<String>,
    pub sources: Vec<String>,
    pub meta: MetaResult,
}

/// One fixed-dose arm in the exposure-response fit.
#[derive(Debug, Clone, Serialize)]
pub struct ErArm {
    pub arm: String,
    pub dose_mg: f64,
    pub net_occupancy_average: f64,
    pub observed_difference_madrs: f64,
    pub se_madrs: f64,
    pub predicted_difference_madrs: f64,
}

/// The exposure-response fit (model `difference = E_occ x NET occupancy`).
#[derive(Debug, Clone, Serialize)]
pub struct ExposureResponse {
    pub model: String,
    /// Difference from placebo at full NET occupancy, its SE and 95 % CI.
    pub e_occ_madrs: f64,
    pub e_occ_se_madrs: f64,
    pub e_occ_ci_madrs: (f64, f64),
    /// Between-arm variance (moment estimator) and residual heterogeneity QE (df, p).
    pub tau2: f64,
    pub qe: f64,
    pub qe_df: usize,
    pub qe_p_value: Option<f64>,
    pub aic: f64,
    /// The flat model (one difference for every dose) on the same arms, for comparison.
    pub flat_difference_madrs: f64,
    pub flat_aic: f64,
    /// Slope of difference on occupancy with an intercept, per unit occupancy, SE, p.
    pub slope_madrs_per_occupancy: f64,
    pub slope_se: f64,
    pub slope_p_value: f64,
    /// False when the slope's 95 % CI includes 0.
    pub dose_response_shown: bool,
    /// The plain-words verdict printed with the trial output.
    pub statement: String,
    pub arms: Vec<ErArm>,
    /// Arms left out of the fit and why.
    pub excluded: Vec<String>,
}

impl ExposureResponse {
    /// Predicted difference at a NET occupancy.
    pub fn at_occupancy(&self, occupancy: f64) -> f64 {
        self.e_occ_madrs * occupancy.clamp(0.0, 1.0)
    }
}

fn label(a: &TrialArmEffect) -> String {
    format!("{} {}", a.trial, a.arm)
}

fn study(a: &TrialArmEffect) -> Study {
    Study {
        label: label(a),
        estimate: a.difference_madrs.value,
        se: a.se_madrs.value,
    }
}

fn stat_err(e: meta::MetaError) -> Error {
    Error::Numerical(format!("efficacy meta-analysis: {e}"))
}

/// Checks each arm has either a fixed dose or a flexible range.
fn validate(eff: &Efficacy) -> Result<()> {
    for (i, a) in eff.trial_arms.iter().enumerate() {
        let fixed = a.dose_mg.is_some();
        let flexible = a.dose_min_mg.is_some() && a.dose_max_mg.is_some();
        if fixed == flexible {
            return Err(Error::input(
                format!("efficacy.trial_arms[{i}]"),
                "give dose_mg (fixed arm) or dose_min_mg and dose_max_mg (flexible arm), not both",
            ));
        }
    }
    Ok(())
}

/// DerSimonian-Laird pool of the arms at each fixed dose (ascending), then the flexible arms.
pub fn meta_by_dose(eff: &Efficacy) -> Result<Vec<DosePool>> {
    validate(eff)?;
    let mut doses: Vec<f64> = eff
        .trial_arms
        .iter()
        .filter_map(|a| a.dose_mg.as_ref().map(|d| d.value))
        .collect();
    doses.sort_by(f64::total_cmp);
    doses.dedup();
    let mut strata: Vec<(String, Option<f64>, Vec<&TrialArmEffect>)> = doses
        .iter()
        .map(|&d| {
            let arms = eff
                .trial_arms
                .iter()
                .filter(|a| a.dose_mg.as_ref().is_some_and(|x| x.value == d))
                .collect();
            (format!("{d} mg"), Some(d), arms)
        })
        .collect();
    let flexible: Vec<&TrialArmEffect> = eff
        .trial_arms
        .iter()
        .filter(|a| a.dose_mg.is_none())
        .collect();
    if let (Some(lo), Some(hi)) = (
        flexible
            .iter()
            .filter_map(|a| a.dose_min_mg.as_ref().map(|v| v.value))
            .reduce(f64::min),
        flexible
            .iter()
            .filter_map(|a| a.dose_max_mg.as_ref().map(|v| v.value))
            .reduce(f64::max),
    ) {
        strata.push((format!("flexible {lo}-{hi} mg"), None, flexible));
    }
    strata
        .into_iter()
        .map(|(stratum, dose_mg, arms)| {
            let studies: Vec<Study> = arms.iter().map(|a| study(a)).collect();
            Ok(DosePool {
                stratum,
                dose_mg,
                arms: arms.iter().map(|a| label(a)).collect(),
                sources: arms.iter().map(|a| a.trial.clone()).collect(),
                meta: meta::dersimonian_laird(&studies, LEVEL).map_err(stat_err)?,
            })
        })
        .collect()
}

/// The pooled difference of the flexible-dose stratum, if the monograph has flexible arms.
pub fn flexible_pool(pools: &[DosePool]) -> Option<&DosePool> {
    pools.iter().find(|p| p.dose_mg.is_none())
}

/// (dose, pooled difference) of the fixed-dose strata.
pub fn dose_table(pools: &[DosePool]) -> Vec<(f64, f64)> {
    pools
        .iter()
        .filter_map(|p| p.dose_mg.map(|d| (d, p.meta.estimate)))
        .collect()
}

/// Fits difference = E_occ x O(dose) to every fixed-dose arm (see the module note).
pub fn fit_exposure_response(eff: &Efficacy, pk: &EffectPk) -> Result<ExposureResponse> {
    validate(eff)?;
    let fixed: Vec<&TrialArmEffect> = eff
        .trial_arms
        .iter()
        .filter(|a| a.dose_mg.is_some())
        .collect();
    let excluded = eff
        .trial_arms
        .iter()
        .filter(|a| a.dose_mg.is_none())
        .map(|a| {
            format!(
                "{}: flexible dose, doses per subject not published",
                label(a)
            )
        })
        .collect();
    let occ: Vec<f64> = fixed
        .iter()
        .map(|a| {
            let d = a.dose_mg.as_ref().map(|v| v.value).unwrap_or(0.0);
            pk.metric(&pk.typical, d, Metric::NetOccupancyAverage)
        })
        .collect::<Result<_>>()?;
    let studies: Vec<Study> = fixed.iter().map(|a| study(a)).collect();
    let ones = vec![1.0; studies.len()];
    let emax = meta::meta_regression_dl(&studies, std::slice::from_ref(&occ)).map_err(stat_err)?;
    let flat = meta::meta_regression_dl(&studies, std::slice::from_ref(&ones)).map_err(stat_err)?;
    let line = meta::meta_regression_dl(&studies, &[ones, occ.clone()]).map_err(stat_err)?;
    let zq = meta::z_quantile(LEVEL).map_err(stat_err)?;
    let (e, se) = (emax.coefficients[0], emax.se[0]);
    let (b, b_se) = (line.coefficients[1], line.se[1]);
    let shown = (b - zq * b_se) * (b + zq * b_se) > 0.0;
    let (o_lo, o_hi) = occ
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &o| {
            (l.min(o), h.max(o))
        });
    let statement = if shown {
        format!(
            "the data show a dose-response: the difference from placebo changes by {b:.2} MADRS \
             points per unit NET occupancy (95 % CI {:.2} to {:.2}) across the studied range",
            b - zq * b_se,
            b + zq * b_se
        )
    } else {
        format!(
            "the data show no dose-response: over the studied NET occupancies {:.2}-{:.2} the \
             slope of the difference on occupancy is {b:.1} MADRS points per unit (95 % CI \
             {:.1} to {:.1}, p = {:.2}), and the flat model (one difference, {:.2}) fits as well \
             (AIC {:.2} vs {:.2} for E_occ x occupancy). The occupancy model is used because it \
             is pharmacologically monotone, not because the data prefer it",
            o_lo,
            o_hi,
            b - zq * b_se,
            b + zq * b_se,
            line.p_values[1],
            flat.coefficients[0],
            flat.aic,
            emax.aic
        )
    };
    let arms = fixed
        .iter()
        .zip(&occ)
        .map(|(a, &o)| ErArm {
            arm: label(a),
            dose_mg: a.dose_mg.as_ref().map(|v| v.value).unwrap_or(0.0),
            net_occupancy_average: o,
            observed_difference_madrs: a.difference_madrs.value,
            se_madrs: a.se_madrs.value,
            predicted_difference_madrs: e * o,
        })
        .collect();
    Ok(ExposureResponse {
        model: "difference = E_occ x NET occupancy (time-averaged, typical subject, binding Ki)"
            .into(),
        e_occ_madrs: e,
        e_occ_se_madrs: se,
        e_occ_ci_madrs: (e - zq * se, e + zq * se),
        tau2: emax.tau2,
        qe: emax.qe,
        qe_df: emax.qe_df,
        qe_p_value: emax.qe_p_value,
        aic: emax.aic,
        flat_difference_madrs: flat.coefficients[0],
        flat_aic: flat.aic,
        slope_madrs_per_occupancy: b,
        slope_se: b_se,
        slope_p_value: line.p_values[1],
        dose_response_shown: shown,
        statement,
        arms,
        excluded,
    })
}
