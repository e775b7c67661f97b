//! Dunnett's many-to-one comparisons after a one-way ANOVA, with single-step adjusted p-values
//! computed deterministically. In a one-way design the correlation of the comparison t
//! statistics is rho_ij = l_i l_j with l_i = sqrt(n_i / (n_i + n_control)), so the
//! multivariate-t probability reduces to a double integral (Dunnett 1955):
//!   P(max_i |T_i| > c) = E_S E_Z [1 - prod_i (1 - q_i)],
//!   q_i = P(|l_i Z + sqrt(1 - l_i^2) E| > c S | Z, S),  Z, E ~ N(0,1), S = sqrt(chi2_df/df).
//! This is the `p_integral` of the R reference; Genz-Bretz Monte Carlo (multcomp's default)
//! is not used because its absolute error bound makes small p-values unreliable.

use super::anova::Anova;
use super::describe::mean;
use super::distributions::{norm_pdf, norm_sf, t_two_sided};
use super::{quadrature, root, scale};
use crate::optim::Termination;
use serde::Serialize;

const REL_TOL: f64 = 1e-12;

/// One comparison of a group with the control.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DunnettRow {
    pub group: String,
    pub n_group: usize,
    pub n_control: usize,
    /// mean(group) - mean(control)
    pub estimate: f64,
    pub se: f64,
    pub t: f64,
    pub p_unadjusted: f64,
    pub p_adjusted: f64,
    /// Simultaneous 95 % interval: estimate -/+ critical_value_95 * se.
    pub lower: f64,
    pub upper: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Dunnett {
    pub control: String,
    pub df: f64,
    pub critical_value_95: f64,
    pub comparisons: Vec<DunnettRow>,
    /// How the search for the critical value ended (a finding unless converged).
    #[serde(skip)]
    pub critical_value_search: Termination,
}

/// P(max_i |T_i| > c) for the one-way correlation structure given by `lambda`, with `df`
/// residual degrees of freedom.
pub fn p_exceed(c: f64, lambda: &[f64], df: f64) -> f64 {
    let r: Vec<f64> = lambda.iter().map(|l| (1.0 - l * l).sqrt()).collect();
    // The Z integrand is even in z: integrate over z >= 0 and double.
    let z_breaks: Vec<f64> = (0..=10).map(|i| 2.0 * i as f64).chain([38.0]).collect();
    let conditional = |s: f64| {
        let cs = c * s;
        let g = |z: f64| {
            let mut log_keep = 0.0;
            for (l, r) in lambda.iter().zip(&r) {
                let q = norm_sf((cs + l * z) / r) + norm_sf((cs - l * z) / r);
                log_keep += (-q.min(1.0)).ln_1p();
            }
            -log_keep.exp_m1() * norm_pdf(z)
        };
        2.0 * quadrature::integrate(&g, &z_breaks, REL_TOL, 1e-300, 2000)
    };
    scale::expect(conditional, df, REL_TOL).clamp(0.0, 1.0)
}

/// The two-sided critical value, P(max |T_i| > c) = `alpha`, and how its search ended.
pub fn critical_value(lambda: &[f64], df: f64, alpha: f64) -> (f64, Termination) {
    root::illinois(|c| p_exceed(c, lambda, df) - alpha, 1.0, 60.0, 1e-12)
}

/// Dunnett comparisons of every group with `control` (index into `groups`).
pub fn dunnett(names: &[String], groups: &[&[f64]], control: usize, fit: &Anova) -> Dunnett {
    let nc = groups[control].len();
    let mc = mean(groups[control]);
    let others: Vec<usize> = (0..groups.len()).filter(|&i| i != control).collect();
    let lambda: Vec<f64> = others
        .iter()
        .map(|&i| {
            let n = groups[i].len() as f64;
            (n / (n + nc as f64)).sqrt()
        })
        .collect();
    let (crit, critical_value_search) = critical_value(&lambda, fit.df2, 0.05);
    let comparisons = others
        .iter()
        .map(|&i| {
            let n = groups[i].len();
            let estimate = mean(groups[i]) - mc;
            let se = (fit.ms_within * (1.0 / n as f64 + 1.0 / nc as f64)).sqrt();
            let t = estimate / se;
            DunnettRow {
                group: names[i].clone(),
                n_group: n,
                n_control: nc,
                estimate,
                se,
                t,
                p_unadjusted: t_two_sided(t, fit.df2),
                p_adjusted: p_exceed(t.abs(), &lambda, fit.df2),
                lower: estimate - crit * se,
                upper: estimate + crit * se,
            }
        })
        .collect();
    Dunnett {
        control: names[control].clone(),
        df: fit.df2,
        critical_value_95: crit,
        comparisons,
        critical_value_search,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_comparison_is_the_t_test() {
        // With a single comparison the Dunnett probability is the two-sided t tail.
        let p = p_exceed(2.3, &[0.7], 15.0);
        assert!((p - t_two_sided(2.3, 15.0)).abs() < 1e-12, "{p}");
    }
}
