//! Summaries of a parameter over subjects: n, arithmetic mean, SD, CV %, geometric mean and
//! geometric CV %, median, min, max (the columns of WinNonlin's and PKNCA's summary tables).
//! Null values are not counted; the geometric mean is null unless every value is > 0.

use super::parameters::SubjectResult;
use serde::Serialize;

/// Summary of one parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParameterSummary {
    pub parameter: String,
    pub n: usize,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub cv_pct: Option<f64>,
    pub geometric_mean: Option<f64>,
    /// sqrt(exp(s²) - 1) x 100 with s the SD of the logs.
    pub geometric_cv_pct: Option<f64>,
    pub median: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// Summaries of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    /// The group's label (None: all subjects).
    pub group: Option<String>,
    pub n_subjects: usize,
    pub parameters: Vec<ParameterSummary>,
}

/// Summary statistics of `values` (finite numbers).
pub fn describe(parameter: &str, values: &[f64]) -> ParameterSummary {
    let n = values.len();
    let nf = n as f64;
    let mean = (n > 0).then(|| values.iter().sum::<f64>() / nf);
    let sd = match (mean, n > 1) {
        (Some(m), true) => {
            Some((values.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt())
        }
        _ => None,
    };
    let cv_pct = match (mean, sd) {
        (Some(m), Some(s)) if m != 0.0 => Some(100.0 * s / m),
        _ => None,
    };
    let all_positive = n > 0 && values.iter().all(|&x| x > 0.0);
    let (geometric_mean, geometric_cv_pct) = if all_positive {
        let logs: Vec<f64> = values.iter().map(|x| x.ln()).collect();
        let lm = logs.iter().sum::<f64>() / nf;
        let gcv = (n > 1).then(|| {
            let s2 = logs.iter().map(|l| (l - lm).powi(2)).sum::<f64>() / (nf - 1.0);
            100.0 * (s2.exp() - 1.0).sqrt()
        });
        (Some(lm.exp()), gcv)
    } else {
        (None, None)
    };
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = (n > 0).then(|| {
        if n % 2 == 1 {
            sorted[n / 2]
        } else {
            0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
        }
    });
    ParameterSummary {
        parameter: parameter.to_string(),
        n,
        mean,
        sd,
        cv_pct,
        geometric_mean,
        geometric_cv_pct,
        median,
        min: sorted.first().copied(),
        max: sorted.last().copied(),
    }
}

/// Summaries of every parameter over `subjects` (one group).
pub fn summarize(group: Option<String>, subjects: &[&SubjectResult]) -> GroupSummary {
    let names: Vec<&'static str> = subjects
        .first()
        .map(|s| s.parameters.entries().iter().map(|e| e.0).collect())
        .unwrap_or_default();
    let parameters = names
        .iter()
        .map(|name| {
            let values: Vec<f64> = subjects
                .iter()
                .filter_map(|s| s.parameters.get(name))
                .filter(|v| v.is_finite())
                .collect();
            describe(name, &values)
        })
        .collect();
    GroupSummary {
        group,
        n_subjects: subjects.len(),
        parameters,
    }
}
