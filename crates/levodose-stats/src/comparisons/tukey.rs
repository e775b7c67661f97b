//! Tukey-Kramer all-pairs comparisons (R's `TukeyHSD`), with the studentized range upper tail
//! computed by direct double integration:
//!   P(Q > q) = E_S [ k int phi(x) (a^(k-1) - (a - b)^(k-1)) dx ],  a = P(Z > x), b = P(Z > x + q S),
//! the bracket written as a^(k-1) * (-expm1((k-1) log1p(-b/a))) to keep relative precision.

use super::anova::Anova;
use super::describe::mean;
use super::distributions::{norm_pdf, norm_sf};
use super::{quadrature, root, scale};
use crate::optim::Termination;
use serde::Serialize;

const REL_TOL: f64 = 1e-12;

/// One row of TukeyHSD: "group1-group2", group1 later in the level order.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TukeyRow {
    pub group1: String,
    pub group2: String,
    /// mean(group1) - mean(group2)
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
    pub q: f64,
    pub p_adjusted: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tukey {
    pub df: f64,
    pub qtukey_95: f64,
    pub comparisons: Vec<TukeyRow>,
    /// How the search for the quantile ended (a finding unless converged).
    #[serde(skip)]
    pub quantile_search: Termination,
}

/// Upper tail of the studentized range of `k` means with `df` residual df (R's
/// `ptukey(q, k, df, lower.tail = FALSE)`).
pub fn p_range(q: f64, k: usize, df: f64) -> f64 {
    let km1 = (k - 1) as f64;
    let x_breaks: Vec<f64> = (0..=12).map(|i| -12.0 + 2.0 * i as f64).collect();
    let conditional = |s: f64| {
        let w = q * s;
        let g = |x: f64| {
            let a = norm_sf(x);
            if a <= 0.0 {
                return 0.0;
            }
            let b = norm_sf(x + w);
            k as f64 * norm_pdf(x) * a.powf(km1) * (-(km1 * (-b / a).ln_1p()).exp_m1())
        };
        quadrature::integrate(&g, &x_breaks, REL_TOL, 1e-300, 2000)
    };
    scale::expect(conditional, df, REL_TOL).clamp(0.0, 1.0)
}

/// The studentized range quantile with upper tail `alpha` (R's `qtukey(1 - alpha, k, df)`,
/// solved tightly), and how its search ended.
pub fn q_critical(k: usize, df: f64, alpha: f64) -> (f64, Termination) {
    root::illinois(|q| p_range(q, k, df) - alpha, 0.5, 60.0, 1e-12)
}

/// All pairwise comparisons in TukeyHSD's row order.
pub fn tukey(names: &[String], groups: &[&[f64]], fit: &Anova) -> Tukey {
    let k = groups.len();
    let (qc, quantile_search) = q_critical(k, fit.df2, 0.05);
    let mut comparisons = Vec::new();
    for a in 0..k {
        for b in a + 1..k {
            let estimate = mean(groups[b]) - mean(groups[a]);
            let se_q = (fit.ms_within / 2.0
                * (1.0 / groups[a].len() as f64 + 1.0 / groups[b].len() as f64))
                .sqrt();
            let q = estimate.abs() / se_q;
            comparisons.push(TukeyRow {
                group1: names[b].clone(),
                group2: names[a].clone(),
                estimate,
                lower: estimate - qc * se_q,
                upper: estimate + qc * se_q,
                q,
                p_adjusted: p_range(q, k, fit.df2),
            });
        }
    }
    Tukey {
        df: fit.df2,
        qtukey_95: qc,
        comparisons,
        quantile_search,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_means_range_is_the_t_test() {
        // For k = 2, Q = sqrt(2) |T|: P(Q > q) = P(|T| > q / sqrt 2).
        let p = p_range(3.0, 2, 12.0);
        let t = super::super::distributions::t_two_sided(3.0 / 2f64.sqrt(), 12.0);
        // Each of the two nested integrals is taken to 1e-12 relative.
        assert!((p - t).abs() < 1e-10 * t, "{p} vs {t}");
    }
}
