//! Sparse (destructive or batch) sampling: the AUC of the mean profile with its standard error.
//!
//! With n_j animals sampled at time t_j (j = 0..J), the mean concentrations ȳ_j are joined by
//! linear trapezoids, so AUC = Σ w_j ȳ_j with weights w_0 = (t_1 - t_0)/2,
//! w_j = (t_{j+1} - t_{j-1})/2, w_J = (t_J - t_{J-1})/2.
//! - Serial (one sample per animal; Bailer 1988, J Pharmacokinet Biopharm 16:303):
//!   Var(AUC) = Σ w_j² s_j² / n_j, with Satterthwaite degrees of freedom
//!   (Σ w_j² s_j²/n_j)² / Σ (w_j² s_j²/n_j)² / (n_j - 1) (Nedelman, Gibiansky and Lau 1995).
//! - Batch (animals give several samples; Nedelman and Jia 1998, J Biopharm Stat 8:317, with
//!   Holder's unbiased covariance, Holder 2001): Var(AUC) = Σ_j Σ_k w_j w_k r_jk σ_jk / (n_j n_k),
//!   r_jk the animals sampled at both times and
//!   σ_jk = Σ_i (y_ij - ȳ_j)(y_ik - ȳ_k) / ((r_jk - 1) + (1 - r_jk/n_j)(1 - r_jk/n_k)).
//!   The degrees of freedom are not given for this design (as in PKNCA).
//!
//! Individual parameters (lambda_z, AUCINF per animal) are not estimable from such data.

use super::{data_error, NcaError};
use serde::Serialize;
use std::collections::HashMap;

/// One observation of a sparse design.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseSample {
    pub subject: String,
    pub time: f64,
    pub conc: f64,
}

/// The mean at one nominal time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeanPoint {
    pub time: f64,
    pub n: usize,
    pub mean: f64,
    pub sd: Option<f64>,
}

/// Sparse-sampling result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SparseResult {
    /// "serial" (one sample per animal) or "batch".
    pub design: &'static str,
    pub mean_profile: Vec<MeanPoint>,
    /// AUC from the first to the last time of the mean profile (linear trapezoids).
    pub auclast: f64,
    pub auclast_se: Option<f64>,
    /// Satterthwaite df (serial design only).
    pub auclast_df: Option<f64>,
    pub cmax: f64,
    pub tmax: f64,
}

/// Trapezoid weights of the linear AUC for the given sorted times.
pub fn trapezoid_weights(times: &[f64]) -> Vec<f64> {
    let j = times.len();
    (0..j)
        .map(|i| {
            let left = if i > 0 { times[i] - times[i - 1] } else { 0.0 };
            let right = if i + 1 < j {
                times[i + 1] - times[i]
            } else {
                0.0
            };
            0.5 * (left + right)
        })
        .collect()
}

/// Mean-profile AUC with Bailer's (serial) or Nedelman-Jia's (batch) standard error.
/// Errors: a time with fewer than 2 animals, fewer than 2 times, negative or non-finite values,
/// an animal sampled twice at one time.
pub fn sparse_auc(samples: &[SparseSample]) -> Result<SparseResult, NcaError> {
    let mut times: Vec<f64> = Vec::new();
    for s in samples {
        if !s.time.is_finite() || s.time < 0.0 || !s.conc.is_finite() || s.conc < 0.0 {
            return Err(data_error(
                &s.subject,
                format!(
                    "time {} / concentration {}: both must be finite and >= 0",
                    s.time, s.conc
                ),
            ));
        }
        if !times.contains(&s.time) {
            times.push(s.time);
        }
    }
    times.sort_by(f64::total_cmp);
    if times.len() < 2 {
        return Err(data_error(
            "(all)",
            "sparse AUC needs at least 2 sampling times",
        ));
    }
    // values[j]: subject -> conc at time j
    let mut values: Vec<HashMap<&str, f64>> = vec![HashMap::new(); times.len()];
    for s in samples {
        let j = times.iter().position(|&t| t == s.time).unwrap_or(0);
        if values[j].insert(s.subject.as_str(), s.conc).is_some() {
            return Err(data_error(
                &s.subject,
                format!("sampled twice at time {}", s.time),
            ));
        }
    }
    let mut mean_profile = Vec::with_capacity(times.len());
    for (j, v) in values.iter().enumerate() {
        let n = v.len();
        let mean = v.values().sum::<f64>() / n as f64;
        let sd = (n > 1).then(|| {
            (v.values().map(|y| (y - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0)).sqrt()
        });
        mean_profile.push(MeanPoint {
            time: times[j],
            n,
            mean,
            sd,
        });
    }
    let w = trapezoid_weights(&times);
    let auclast: f64 = w.iter().zip(&mean_profile).map(|(w, m)| w * m.mean).sum();
    let serial = {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for s in samples {
            *seen.entry(s.subject.as_str()).or_default() += 1;
        }
        seen.values().all(|&c| c == 1)
    };
    let too_few = mean_profile.iter().any(|m| m.n < 2);
    let (se, df) = if too_few {
        (None, None)
    } else if serial {
        let terms: Vec<f64> = mean_profile
            .iter()
            .zip(&w)
            .map(|(m, w)| w * w * m.sd.unwrap_or(0.0).powi(2) / m.n as f64)
            .collect();
        let var: f64 = terms.iter().sum();
        let denom: f64 = terms
            .iter()
            .zip(&mean_profile)
            .map(|(t, m)| t * t / (m.n as f64 - 1.0))
            .sum();
        (Some(var.sqrt()), (denom > 0.0).then(|| var * var / denom))
    } else {
        let mut var = 0.0;
        for j in 0..times.len() {
            for k in 0..times.len() {
                let (nj, nk) = (values[j].len() as f64, values[k].len() as f64);
                let (mj, mk) = (mean_profile[j].mean, mean_profile[k].mean);
                let both: Vec<(f64, f64)> = values[j]
                    .iter()
                    .filter_map(|(id, &yj)| values[k].get(id).map(|&yk| (yj, yk)))
                    .collect();
                let r = both.len() as f64;
                if r == 0.0 {
                    continue;
                }
                let denom = (r - 1.0) + (1.0 - r / nj) * (1.0 - r / nk);
                if denom <= 0.0 {
                    continue;
                }
                let cov = both.iter().map(|(a, b)| (a - mj) * (b - mk)).sum::<f64>() / denom;
                var += w[j] * w[k] * r * cov / (nj * nk);
            }
        }
        (Some(var.max(0.0).sqrt()), None)
    };
    let imax =
        mean_profile.iter().enumerate().fold(
            0,
            |b, (i, m)| if m.mean > mean_profile[b].mean { i } else { b },
        );
    Ok(SparseResult {
        design: if serial { "serial" } else { "batch" },
        cmax: mean_profile[imax].mean,
        tmax: mean_profile[imax].time,
        mean_profile,
        auclast,
        auclast_se: se,
        auclast_df: df,
    })
}
