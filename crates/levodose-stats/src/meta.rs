//! Meta-analysis of study estimates with known standard errors: the inverse-variance fixed-effect
//! pool and the DerSimonian-Laird random-effects pool (R metafor `rma(yi, vi, method = "DL")`),
//! and weighted meta-regression on one or two columns (metafor `rma(yi, vi, mods = ...)` with a
//! fixed tau^2). Names follow metafor: `tau2`, `QE`, `I2`, `H2`.
//!
//! DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials 1986;7:177-188:
//! tau^2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w)), w = 1 / v, then the pool with
//! weights 1 / (v + tau^2).

use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// One study: its estimate and the standard error of that estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Study {
    pub label: String,
    pub estimate: f64,
    pub se: f64,
}

/// A pooled estimate (metafor `rma` output names).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetaResult {
    /// "DL" (random effects) or "FE" (one study: no heterogeneity to estimate).
    pub method: String,
    pub k: usize,
    pub estimate: f64,
    pub se: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    pub z: f64,
    pub p_value: f64,
    /// Between-study variance (0 for k = 1).
    pub tau2: f64,
    /// Cochran's Q with k - 1 df (QE in metafor) and its p-value (None for k = 1).
    pub q: f64,
    pub q_df: usize,
    pub q_p_value: Option<f64>,
    /// I^2 in percent: (Q - df) / Q, floored at 0.
    pub i2_percent: f64,
    /// Inverse-variance fixed-effect pool, for comparison.
    pub fixed_estimate: f64,
    pub fixed_se: f64,
    /// Random-effects weights in percent, in the order of the studies.
    pub weights_percent: Vec<f64>,
}

/// Why a meta-analysis cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetaError {
    #[error("no studies to pool")]
    Empty,
    #[error(
        "study {label}: estimate and standard error must be finite, SE > 0 (got {estimate}, {se})"
    )]
    BadStudy {
        label: String,
        estimate: f64,
        se: f64,
    },
    #[error("confidence level must lie in (0, 1), got {0}")]
    Level(f64),
    #[error("meta-regression needs more studies ({k}) than coefficients ({p}) and columns that are not collinear")]
    Singular { k: usize, p: usize },
}

fn check(studies: &[Study]) -> Result<(), MetaError> {
    if studies.is_empty() {
        return Err(MetaError::Empty);
    }
    for s in studies {
        if !(s.estimate.is_finite() && s.se.is_finite() && s.se > 0.0) {
            return Err(MetaError::BadStudy {
                label: s.label.clone(),
                estimate: s.estimate,
                se: s.se,
            });
        }
    }
    Ok(())
}

/// Two-sided normal quantile for a confidence level (1.96 for 0.95).
pub fn z_quantile(level: f64) -> Result<f64, MetaError> {
    if !(level > 0.0 && level < 1.0) {
        return Err(MetaError::Level(level));
    }
    let n = Normal::new(0.0, 1.0).map_err(|_| MetaError::Level(level))?;
    Ok(n.inverse_cdf(0.5 + level / 2.0))
}

fn normal_two_sided_p(z: f64) -> f64 {
    let n = Normal::new(0.0, 1.0).expect("standard normal");
    2.0 * n.cdf(-z.abs())
}

/// DerSimonian-Laird random-effects pool with a `level` confidence interval (normal, as metafor's
/// default `test = "z"`). One study: its own estimate, tau^2 = 0, method "FE".
pub fn dersimonian_laird(studies: &[Study], level: f64) -> Result<MetaResult, MetaError> {
    check(studies)?;
    let zq = z_quantile(level)?;
    let k = studies.len();
    let w: Vec<f64> = studies.iter().map(|s| 1.0 / (s.se * s.se)).collect();
    let sw: f64 = w.iter().sum();
    let fixed = studies
        .iter()
        .zip(&w)
        .map(|(s, w)| w * s.estimate)
        .sum::<f64>()
        / sw;
    let q: f64 = studies
        .iter()
        .zip(&w)
        .map(|(s, w)| w * (s.estimate - fixed).powi(2))
        .sum();
    let df = k - 1;
    let c = sw - w.iter().map(|w| w * w).sum::<f64>() / sw;
    let tau2 = if k > 1 && c > 0.0 {
        ((q - df as f64) / c).max(0.0)
    } else {
        0.0
    };
    let ws: Vec<f64> = studies.iter().map(|s| 1.0 / (s.se * s.se + tau2)).collect();
    let sws: f64 = ws.iter().sum();
    let estimate = studies
        .iter()
        .zip(&ws)
        .map(|(s, w)| w * s.estimate)
        .sum::<f64>()
        / sws;
    let se = (1.0 / sws).sqrt();
    let z = estimate / se;
    let q_p_value = (df > 0).then(|| {
        ChiSquared::new(df as f64)
            .map(|d| 1.0 - d.cdf(q))
            .unwrap_or(f64::NAN)
    });
    Ok(MetaResult {
        method: if k > 1 { "DL" } else { "FE" }.into(),
        k,
        estimate,
        se,
        ci_lower: estimate - zq * se,
        ci_upper: estimate + zq * se,
        z,
        p_value: normal_two_sided_p(z),
        tau2,
        q,
        q_df: df,
        q_p_value,
        i2_percent: if q > 0.0 && df > 0 {
            (100.0 * (q - df as f64) / q).max(0.0)
        } else {
            0.0
        },
        fixed_estimate: fixed,
        fixed_se: (1.0 / sw).sqrt(),
        weights_percent: ws.iter().map(|w| 100.0 * w / sws).collect(),
    })
}

/// A weighted regression of study estimates on one or two columns (no intercept is added: give
/// a column of ones for one), weights 1 / (se^2 + tau2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetaRegression {
    pub coefficients: Vec<f64>,
    pub se: Vec<f64>,
    pub z: Vec<f64>,
    pub p_values: Vec<f64>,
    /// Residual heterogeneity QE with k - p df and its p-value.
    pub qe: f64,
    pub qe_df: usize,
    pub qe_p_value: Option<f64>,
    /// -2 log-likelihood of the normal model with known variances (up to a constant shared by
    /// every model fitted to the same studies) and AIC = that + 2 p.
    pub minus2_log_likelihood: f64,
    pub aic: f64,
    pub tau2: f64,
}

/// Fits y = X b by weighted least squares with weights 1 / (se^2 + tau2); X has one or two
/// columns (`columns[j][i]` = column j at study i).
pub fn meta_regression(
    studies: &[Study],
    columns: &[Vec<f64>],
    tau2: f64,
) -> Result<MetaRegression, MetaError> {
    check(studies)?;
    let k = studies.len();
    let p = columns.len();
    if p == 0 || p > 2 || k <= p || columns.iter().any(|c| c.len() != k) {
        return Err(MetaError::Singular { k, p });
    }
    let w: Vec<f64> = studies
        .iter()
        .map(|s| 1.0 / (s.se * s.se + tau2.max(0.0)))
        .collect();
    // Normal equations X'WX b = X'Wy.
    let mut xtx = [[0.0; 2]; 2];
    let mut xty = [0.0; 2];
    for i in 0..k {
        for a in 0..p {
            xty[a] += w[i] * columns[a][i] * studies[i].estimate;
            for b in 0..p {
                xtx[a][b] += w[i] * columns[a][i] * columns[b][i];
            }
        }
    }
    let inv = if p == 1 {
        if xtx[0][0] <= 0.0 {
            return Err(MetaError::Singular { k, p });
        }
        [[1.0 / xtx[0][0], 0.0], [0.0, 0.0]]
    } else {
        let det = xtx[0][0] * xtx[1][1] - xtx[0][1] * xtx[1][0];
        if det.abs() <= 1e-12 * (xtx[0][0] * xtx[1][1]).abs() {
            return Err(MetaError::Singular { k, p });
        }
        [
            [xtx[1][1] / det, -xtx[0][1] / det],
            [-xtx[1][0] / det, xtx[0][0] / det],
        ]
    };
    let coefficients: Vec<f64> = (0..p)
        .map(|a| (0..p).map(|b| inv[a][b] * xty[b]).sum())
        .collect();
    let se: Vec<f64> = (0..p).map(|a| inv[a][a].sqrt()).collect();
    let z: Vec<f64> = coefficients.iter().zip(&se).map(|(b, s)| b / s).collect();
    let qe: f64 = (0..k)
        .map(|i| {
            let fit: f64 = (0..p).map(|a| coefficients[a] * columns[a][i]).sum();
            w[i] * (studies[i].estimate - fit).powi(2)
        })
        .sum();
    let df = k - p;
    let log_det: f64 = w.iter().map(|w| -w.ln()).sum();
    let m2ll = qe + log_det + k as f64 * (2.0 * std::f64::consts::PI).ln();
    Ok(MetaRegression {
        p_values: z.iter().map(|z| normal_two_sided_p(*z)).collect(),
        coefficients,
        se,
        z,
        qe,
        qe_df: df,
        qe_p_value: ChiSquared::new(df as f64).ok().map(|d| 1.0 - d.cdf(qe)),
        minus2_log_likelihood: m2ll,
        aic: m2ll + 2.0 * p as f64,
        tau2,
    })
}

/// Meta-regression with tau^2 by the method of moments (the DerSimonian-Laird estimator
/// generalised to moderators, metafor `rma(yi, vi, mods, method = "DL")`): fit with tau^2 = 0,
/// tau^2 = max(0, (QE - (k - p)) / (sum w - tr[(X'WX)^-1 X'W^2X])), then refit with it.
pub fn meta_regression_dl(
    studies: &[Study],
    columns: &[Vec<f64>],
) -> Result<MetaRegression, MetaError> {
    let fe = meta_regression(studies, columns, 0.0)?;
    let k = studies.len();
    let p = columns.len();
    let w: Vec<f64> = studies.iter().map(|s| 1.0 / (s.se * s.se)).collect();
    let mut xtwx = [[0.0; 2]; 2];
    let mut xtw2x = [[0.0; 2]; 2];
    for i in 0..k {
        for a in 0..p {
            for b in 0..p {
                xtwx[a][b] += w[i] * columns[a][i] * columns[b][i];
                xtw2x[a][b] += w[i] * w[i] * columns[a][i] * columns[b][i];
            }
        }
    }
    let trace = if p == 1 {
        xtw2x[0][0] / xtwx[0][0]
    } else {
        let det = xtwx[0][0] * xtwx[1][1] - xtwx[0][1] * xtwx[1][0];
        let inv = [
            [xtwx[1][1] / det, -xtwx[0][1] / det],
            [-xtwx[1][0] / det, xtwx[0][0] / det],
        ];
        (0..2)
            .map(|a| (0..2).map(|b| inv[a][b] * xtw2x[b][a]).sum::<f64>())
            .sum()
    };
    let denom = w.iter().sum::<f64>() - trace;
    let tau2 = if denom > 0.0 {
        ((fe.qe - (k - p) as f64) / denom).max(0.0)
    } else {
        0.0
    };
    meta_regression(studies, columns, tau2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BCG vaccine trials (Colditz et al. 1994; R metafor `dat.bcg`): tpos, tneg, cpos, cneg.
    const BCG: [(f64, f64, f64, f64); 13] = [
        (4., 119., 11., 128.),
        (6., 300., 29., 274.),
        (3., 228., 11., 209.),
        (62., 13536., 248., 12619.),
        (33., 5036., 47., 5761.),
        (180., 1361., 372., 1079.),
        (8., 2537., 10., 619.),
        (505., 87886., 499., 87892.),
        (29., 7470., 45., 7232.),
        (17., 1699., 65., 1600.),
        (186., 50448., 141., 27197.),
        (5., 2493., 3., 2338.),
        (27., 16886., 29., 17825.),
    ];

    /// Log risk ratios and their sampling variances (metafor `escalc(measure = "RR")`).
    fn bcg() -> Vec<Study> {
        BCG.iter()
            .enumerate()
            .map(|(i, &(a, b, c, d))| Study {
                label: format!("trial {}", i + 1),
                estimate: ((a / (a + b)) / (c / (c + d))).ln(),
                se: (1.0 / a - 1.0 / (a + b) + 1.0 / c - 1.0 / (c + d)).sqrt(),
            })
            .collect()
    }

    /// Published reference: R metafor on `dat.bcg`, `rma(yi, vi, method = "DL")`: estimate
    /// -0.7141, SE 0.1787, 95 % CI -1.0644 to -0.3638, tau^2 0.3088, Q(df = 12) 152.2330,
    /// I^2 92.12 %; the fixed-effect pool -0.4303 (CI -0.5097 to -0.3509, z -10.6247), as in
    /// metafor's test suite comparing `rma.uni` with Stata `metan` (tests/test_misc_rma_vs_metan.r).
    #[test]
    fn dersimonian_laird_matches_metafor_on_bcg() {
        let r = dersimonian_laird(&bcg(), 0.95).unwrap();
        let close =
            |got: f64, want: f64, tol: f64| assert!((got - want).abs() <= tol, "{got} vs {want}");
        assert_eq!(r.method, "DL");
        close(r.estimate, -0.7141, 5e-5);
        close(r.se, 0.1787, 5e-5);
        close(r.ci_lower, -1.0644, 5e-5);
        close(r.ci_upper, -0.3638, 5e-5);
        close(r.tau2, 0.3088, 5e-5);
        close(r.q, 152.2330, 5e-5);
        close(r.i2_percent, 92.12, 5e-3);
        close(r.fixed_estimate, -0.4303, 5e-5);
        close(r.fixed_estimate / r.fixed_se, -10.6247, 5e-4);
        close(r.weights_percent.iter().sum::<f64>(), 100.0, 1e-9);
    }

    /// Invariant: identical studies have Q = 0, tau^2 = 0 and SE = se / sqrt(k).
    #[test]
    fn identical_studies_pool_to_their_value() {
        let s: Vec<Study> = (0..4)
            .map(|i| Study {
                label: i.to_string(),
                estimate: -3.0,
                se: 2.0,
            })
            .collect();
        let r = dersimonian_laird(&s, 0.95).unwrap();
        assert!((r.estimate + 3.0).abs() < 1e-12 && r.tau2 == 0.0 && r.q.abs() < 1e-12);
        assert!((r.se - 1.0).abs() < 1e-12);
    }

    /// A regression on a column of ones with tau^2 = 0 is the fixed-effect pool; with the DL
    /// tau^2 it is the DL pool.
    #[test]
    fn intercept_regression_is_the_pool() {
        let s = bcg();
        let r = dersimonian_laird(&s, 0.95).unwrap();
        let ones = vec![1.0; s.len()];
        let fe = meta_regression(&s, std::slice::from_ref(&ones), 0.0).unwrap();
        assert!((fe.coefficients[0] - r.fixed_estimate).abs() < 1e-12);
        assert!((fe.qe - r.q).abs() < 1e-9);
        let re = meta_regression(&s, &[ones], r.tau2).unwrap();
        assert!((re.coefficients[0] - r.estimate).abs() < 1e-12);
        assert!((re.se[0] - r.se).abs() < 1e-12);
    }

    /// The moment estimator on an intercept-only model is the DL tau^2.
    #[test]
    fn regression_dl_on_intercept_is_dersimonian_laird() {
        let s = bcg();
        let r = dersimonian_laird(&s, 0.95).unwrap();
        let m = meta_regression_dl(&s, &[vec![1.0; s.len()]]).unwrap();
        assert!((m.tau2 - r.tau2).abs() < 1e-12, "{} vs {}", m.tau2, r.tau2);
        assert!((m.coefficients[0] - r.estimate).abs() < 1e-12);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert_eq!(dersimonian_laird(&[], 0.95), Err(MetaError::Empty));
        let s = [Study {
            label: "x".into(),
            estimate: 1.0,
            se: 0.0,
        }];
        assert!(matches!(
            dersimonian_laird(&s, 0.95),
            Err(MetaError::BadStudy { .. })
        ));
    }
}
