//! First-order absorption rate constant from the absorption phase of one extravascular profile.
//!
//! Method of residuals ("feathering"; Gibaldi and Perrier, *Pharmacokinetics*, 2nd ed., ch. 1): the
//! terminal regression back-extrapolated to the samples before Tmax, minus the observed
//! concentrations, falls with rate ka for a one-compartment model with first-order absorption; ka
//! is the negative slope of ln(residual) on t over those samples (at least 2 positive residuals).
//! Where fewer than 2 samples precede Tmax (fast absorption, as after i.p. dosing), ka solves the
//! one-compartment Tmax equation Tmax = ln(ka/k)/(ka - k) with k = lambda_z (ka > k), which uses
//! only the observed Tmax. Both assume no lag time and ka > lambda_z (no flip-flop).

use super::{LambdaZ, Profile};
use serde::Serialize;

/// How ka was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KaMethod {
    MethodOfResiduals,
    TmaxEquation,
}

/// ka of one subject, in 1/time unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KaEstimate {
    pub ka: f64,
    pub method: KaMethod,
    pub n_points: usize,
}

/// ka for one extravascular profile with terminal fit `fit`; None when not estimable.
pub fn ka(p: &Profile, fit: &LambdaZ, tmax: f64) -> Option<KaEstimate> {
    let k = fit.lambda_z;
    let (mut t, mut lr) = (Vec::new(), Vec::new());
    for s in p
        .samples
        .iter()
        .filter(|s| !s.blq && s.time > 0.0 && s.time < tmax)
    {
        let residual = (fit.intercept - k * s.time).exp() - s.conc;
        if residual > 0.0 {
            t.push(s.time);
            lr.push(residual.ln());
        }
    }
    if t.len() >= 2 {
        let n = t.len() as f64;
        let (mx, my) = (t.iter().sum::<f64>() / n, lr.iter().sum::<f64>() / n);
        let sxx: f64 = t.iter().map(|x| (x - mx).powi(2)).sum();
        let sxy: f64 = t.iter().zip(&lr).map(|(x, y)| (x - mx) * (y - my)).sum();
        let ka = -sxy / sxx;
        if sxx > 0.0 && ka > k && ka.is_finite() {
            return Some(KaEstimate {
                ka,
                method: KaMethod::MethodOfResiduals,
                n_points: t.len(),
            });
        }
    }
    tmax_equation(tmax, k).map(|ka| KaEstimate {
        ka,
        method: KaMethod::TmaxEquation,
        n_points: 0,
    })
}

/// Solves tmax = ln(ka/k)/(ka - k) for ka > k by bisection on x = ka/k (tmax k = ln x/(x - 1),
/// decreasing in x from 1 at x -> 1 to 0 at infinity); None when tmax k >= 1 or tmax <= 0.
pub fn tmax_equation(tmax: f64, k: f64) -> Option<f64> {
    let target = tmax * k;
    if !(target > 0.0 && target < 1.0) {
        return None;
    }
    let g = |x: f64| x.ln() / (x - 1.0) - target;
    let (mut lo, mut hi) = (1.0 + 1e-12, 2.0);
    while g(hi) > 0.0 {
        hi *= 2.0;
        if hi > 1e12 {
            return None;
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if g(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi) * k)
}
