//! Standardised mean differences of a group against the control: Cohen's d with the pooled SD of
//! the two groups only, and Hedges' g with the exact small-sample factor
//! J = Gamma(df/2) / (sqrt(df/2) Gamma((df - 1)/2)), df = n1 + n2 - 2 (Hedges 1981).

use super::describe::{mean, variance};
use serde::Serialize;
use statrs::function::gamma::ln_gamma;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EffectSize {
    pub group: String,
    pub sd_pooled: f64,
    pub df: f64,
    pub cohens_d: f64,
    pub hedges_j: f64,
    pub hedges_g: f64,
}

/// The exact bias-correction factor J(df).
pub fn hedges_j(df: f64) -> f64 {
    (ln_gamma(df / 2.0) - ln_gamma((df - 1.0) / 2.0)).exp() / (df / 2.0).sqrt()
}

/// d and g of `group` vs `control`; None when the pooled SD is zero or df < 2.
pub fn effect_size(name: &str, group: &[f64], control: &[f64]) -> Option<EffectSize> {
    let (n1, n2) = (group.len() as f64, control.len() as f64);
    let df = n1 + n2 - 2.0;
    if df < 2.0 {
        return None;
    }
    let ss =
        variance(group).unwrap_or(0.0) * (n1 - 1.0) + variance(control).unwrap_or(0.0) * (n2 - 1.0);
    let sd_pooled = (ss / df).sqrt();
    if sd_pooled.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    let d = (mean(group) - mean(control)) / sd_pooled;
    let j = hedges_j(df);
    Some(EffectSize {
        group: name.to_string(),
        sd_pooled,
        df,
        cohens_d: d,
        hedges_j: j,
        hedges_g: d * j,
    })
}
