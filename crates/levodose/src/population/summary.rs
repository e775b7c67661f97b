//! Population summaries: percentiles (5, 50, 95), means, and probability of target attainment.
//!
//! Percentiles interpolate linearly between order statistics (Hyndman-Fan type 7, the default of
//! R and NumPy): with sorted x_(0..n-1) and h = (n - 1) p, q = x_(floor h) + (h - floor h)(x_(floor h + 1) - x_(floor h)).

use serde::Serialize;

/// 5th, 50th and 95th percentiles and the mean of one quantity across subjects.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stat {
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
    pub mean: f64,
}

/// Percentile `p` (0-1) of `v` by type-7 interpolation; reorders `v`. NaN for an empty slice.
pub fn quantile_mut(v: &mut [f64], p: f64) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let (_, x_lo, rest) = v.select_nth_unstable_by(lo, f64::total_cmp);
    let x_lo = *x_lo;
    let frac = h - lo as f64;
    if frac == 0.0 || rest.is_empty() {
        return x_lo;
    }
    let x_hi = rest.iter().copied().fold(f64::INFINITY, f64::min);
    x_lo + frac * (x_hi - x_lo)
}

/// p05, p50, p95 and mean of `values` (the mean is summed in input order, so it is deterministic).
pub fn stat(values: &[f64]) -> Stat {
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    let mut buf = values.to_vec();
    Stat {
        p05: quantile_mut(&mut buf, 0.05),
        p50: quantile_mut(&mut buf, 0.50),
        p95: quantile_mut(&mut buf, 0.95),
        mean,
    }
}

/// Share of `flags` that are true (probability of target attainment).
pub fn share(flags: impl Iterator<Item = bool>) -> f64 {
    let (mut yes, mut n) = (0usize, 0usize);
    for f in flags {
        n += 1;
        yes += f as usize;
    }
    if n == 0 {
        f64::NAN
    } else {
        yes as f64 / n as f64
    }
}
