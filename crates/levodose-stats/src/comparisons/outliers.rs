//! Grubbs' test for one outlier in a group (the value farthest from the mean), with the p-value of
//! R's `outliers::grubbs.test(x, type = 10)`: p = min(1, n P(T_{n-2} > t)),
//! t = sqrt(n (n - 2) G^2 / ((n - 1)^2 - n G^2)). Outliers are flagged, never removed.

use super::describe::{mean, variance};
use super::distributions::t_two_sided;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Grubbs {
    pub group: String,
    pub value: f64,
    pub g: f64,
    pub p: f64,
}

/// Grubbs' statistic for the most extreme value; None for n < 3 or zero SD.
pub fn grubbs(group: &str, values: &[f64]) -> Option<Grubbs> {
    let n = values.len();
    if n < 3 {
        return None;
    }
    let sd = variance(values)?.sqrt();
    if sd.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    let m = mean(values);
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    // As outliers::grubbs.test: the lowest value when it lies farther from the mean, else the highest.
    let value = if sorted[n - 1] - m < m - sorted[0] {
        sorted[0]
    } else {
        sorted[n - 1]
    };
    let g = (value - m).abs() / sd;
    let nf = n as f64;
    let denom = (nf - 1.0) * (nf - 1.0) - nf * g * g;
    let p = if denom <= 0.0 {
        0.0
    } else {
        let t = (nf * (nf - 2.0) * g * g / denom).sqrt();
        (nf * 0.5 * t_two_sided(t, nf - 2.0)).min(1.0)
    };
    Some(Grubbs {
        group: group.to_string(),
        value,
        g,
        p,
    })
}
