//! Per-group descriptive statistics (R's mean, sd with n - 1, median, min, max).

use serde::Serialize;

/// Descriptives of one group on one endpoint. `sd`/`sem` are null for a group of one.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupSummary {
    pub group: String,
    pub n: usize,
    pub n_missing: usize,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub sem: Option<f64>,
    pub median: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

pub fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Sample variance (n - 1), two-pass; None below two values.
pub fn variance(v: &[f64]) -> Option<f64> {
    if v.len() < 2 {
        return None;
    }
    let m = mean(v);
    Some(v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64)
}

/// Median as R's `median` (mean of the two middle values for even n).
pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        0.5 * (s[n / 2 - 1] + s[n / 2])
    }
}

/// Descriptives of `values` (missing already removed; `n_missing` counted by the caller).
pub fn summarise(group: &str, values: &[f64], n_missing: usize) -> GroupSummary {
    let n = values.len();
    if n == 0 {
        return GroupSummary {
            group: group.to_string(),
            n,
            n_missing,
            mean: None,
            sd: None,
            sem: None,
            median: None,
            min: None,
            max: None,
        };
    }
    let sd = variance(values).map(f64::sqrt);
    GroupSummary {
        group: group.to_string(),
        n,
        n_missing,
        mean: Some(mean(values)),
        sd,
        sem: sd.map(|s| s / (n as f64).sqrt()),
        median: Some(median(values)),
        min: values.iter().copied().reduce(f64::min),
        max: values.iter().copied().reduce(f64::max),
    }
}
