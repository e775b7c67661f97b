//! Design diagnostics of a fitted dose-response curve, reported as findings.
//!
//! The effect fraction at dose x is φ(x) = (f(x) − f(0)) / (f(∞) − f(0)): for ll4
//! 1/(1 + (ec50/x)^hill), for Emax x/(ed50 + x).

use super::models::Model;
pub use crate::finding::{Finding, Severity};

/// The lowest nonzero dose reaching at least this effect fraction means the curve is already on
/// its top plateau: the rising part (and ED50) lies below the tested doses.
pub const PLATEAU_FRACTION: f64 = 0.8;
/// The rising part of the curve: effect fractions strictly between these bounds.
pub const RISING_RANGE: (f64, f64) = (0.1, 0.9);
/// Fewer distinct doses than this on the rising part leave the slope and ED50 poorly determined.
pub const RISING_MIN_DOSES: usize = 3;

/// What the diagnostics read of a converged fit; a view, so that this file does not import the
/// `Fit` of `dose_response/mod.rs`, which calls it.
pub(crate) struct FittedCurve<'a> {
    pub model: Model,
    /// Internal parameter estimates (ED50 as log ED50).
    pub theta: &'a [f64],
    pub ed50: f64,
    pub n: usize,
    pub df: usize,
}

impl FittedCurve<'_> {
    fn effect_fraction(&self, dose: f64) -> f64 {
        self.model.effect_fraction(self.theta, dose)
    }
}

/// The distinct doses, ascending.
pub(crate) fn distinct_doses(doses: &[f64]) -> Vec<f64> {
    let mut d = doses.to_vec();
    d.sort_by(f64::total_cmp);
    d.dedup();
    d
}

pub(crate) fn findings(fit: &FittedCurve, doses: &[f64]) -> Vec<Finding> {
    let mut out = Vec::new();
    let distinct = distinct_doses(doses);
    let positive: Vec<f64> = distinct.iter().copied().filter(|&d| d > 0.0).collect();
    let p = fit.model.n_params();

    if let Some(&lowest) = positive.first() {
        let phi = fit.effect_fraction(lowest);
        if phi >= PLATEAU_FRACTION {
            out.push(Finding::new(
                "top_plateau_at_lowest_dose",
                Severity::Warning,
                format!(
                    "the lowest nonzero dose ({lowest}) already gives {:.0} % of the fitted maximum effect: \
                     the rising part of the curve lies below the tested doses, so ED50 ({:.4}) is an \
                     extrapolation; add lower doses",
                    100.0 * phi,
                    fit.ed50
                ),
                format!("dose_response::diagnostics: effect fraction at lowest nonzero dose >= {PLATEAU_FRACTION}"),
            ));
        }
    }

    let rising = distinct
        .iter()
        .filter(|&&d| {
            let phi = fit.effect_fraction(d);
            phi > RISING_RANGE.0 && phi < RISING_RANGE.1
        })
        .count();
    if rising < RISING_MIN_DOSES {
        out.push(Finding::new(
            "few_doses_on_rising_part",
            Severity::Warning,
            format!(
                "{rising} distinct dose(s) lie on the rising part of the curve (between {:.0} % and {:.0} % \
                 of the fitted effect range); at least {RISING_MIN_DOSES} are needed to determine the slope \
                 and ED50 well",
                100.0 * RISING_RANGE.0,
                100.0 * RISING_RANGE.1
            ),
            format!(
                "dose_response::diagnostics: distinct doses with effect fraction in ({}, {}) < {RISING_MIN_DOSES}",
                RISING_RANGE.0, RISING_RANGE.1
            ),
        ));
    }

    if let Some(&highest) = positive.last() {
        if fit.ed50 > highest {
            out.push(Finding::new(
                "ed50_above_highest_dose",
                Severity::Warning,
                format!(
                    "ED50 ({:.4}) is above the highest dose ({highest}): the top plateau is not reached and \
                     ED50 is an extrapolation",
                    fit.ed50
                ),
                "dose_response::diagnostics: ED50 > highest dose",
            ));
        }
    }

    if distinct.len() <= p || fit.df < 3 {
        out.push(Finding::new(
            "few_points_for_model",
            Severity::Warning,
            format!(
                "{} points at {} distinct doses for the {}-parameter {} model ({} residual df): the model \
                 shape is barely checked by the data and the standard errors are unreliable",
                fit.n,
                distinct.len(),
                p,
                fit.model,
                fit.df
            ),
            format!("dose_response::diagnostics: distinct doses <= {p} or residual df < 3"),
        ));
    }
    out
}
