//! The terminal elimination rate constant lambda_z: log-linear least squares on the terminal
//! samples, chosen by WinNonlin's "best fit" rule or given per subject.
//!
//! Best fit (Phoenix WinNonlin user's guide, "Lambda Z calculation"): regressions of ln C on t over
//! the last 3, 4, ... eligible samples; the one with the largest adjusted R² wins, and among fits
//! whose adjusted R² is within 1e-4 of the largest, the one with the most points. Eligible samples
//! are positive concentrations after Cmax for extravascular dosing and infusions, and every
//! positive sample for an i.v. bolus (the fit may start at the first sample). A fit whose slope is
//! not negative is never used.

use serde::Serialize;

/// Tolerance on adjusted R² within which more points are preferred (WinNonlin).
pub const ADJ_R2_TOLERANCE: f64 = 1e-4;
/// Fewest points of a terminal regression.
pub const MIN_POINTS: usize = 3;

/// How lambda_z is chosen for a subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase", tag = "rule")]
pub enum LambdaZRule {
    /// WinNonlin "best fit".
    Auto,
    /// The samples with start <= t <= end, minus the excluded times.
    Manual {
        start: f64,
        end: f64,
        exclude_times: Vec<f64>,
    },
}

/// A terminal regression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LambdaZ {
    pub lambda_z: f64,
    /// Intercept of ln C on t.
    pub intercept: f64,
    pub n_points: usize,
    pub lower: f64,
    pub upper: f64,
    pub r_squared: f64,
    pub r_squared_adjusted: f64,
    pub corr_xy: f64,
    /// The times used.
    pub times: Vec<f64>,
}

/// Least squares of ln C on t; None when the slope is not negative or the times do not vary.
pub fn regress(time: &[f64], conc: &[f64]) -> Option<LambdaZ> {
    let n = time.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mx = time.iter().sum::<f64>() / nf;
    let my = conc.iter().map(|c| c.ln()).sum::<f64>() / nf;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for (&t, &c) in time.iter().zip(conc) {
        let (dx, dy) = (t - mx, c.ln() - my);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    if slope >= 0.0 || slope.is_nan() {
        return None;
    }
    let r = if syy > 0.0 {
        sxy / (sxx * syy).sqrt()
    } else {
        -1.0
    };
    let r2 = r * r;
    let adj = if n > 2 {
        1.0 - (1.0 - r2) * (nf - 1.0) / (nf - 2.0)
    } else {
        r2
    };
    Some(LambdaZ {
        lambda_z: -slope,
        intercept: my - slope * mx,
        n_points: n,
        lower: time[0],
        upper: time[n - 1],
        r_squared: r2,
        r_squared_adjusted: adj,
        corr_xy: r,
        times: time.to_vec(),
    })
}

/// WinNonlin's best fit over the eligible (time, conc) points (sorted, all conc > 0).
pub fn best_fit(time: &[f64], conc: &[f64]) -> Option<LambdaZ> {
    let m = time.len();
    let mut fits = Vec::new();
    for n in MIN_POINTS..=m {
        if let Some(f) = regress(&time[m - n..], &conc[m - n..]) {
            fits.push(f);
        }
    }
    let best = fits
        .iter()
        .map(|f| f.r_squared_adjusted)
        .fold(f64::NEG_INFINITY, f64::max);
    fits.into_iter()
        .filter(|f| f.r_squared_adjusted >= best - ADJ_R2_TOLERANCE)
        .max_by_key(|f| f.n_points)
}

/// Selects the points for the rule and fits. `time`/`conc` are the observed points; `first`
/// is the index of the first eligible one (after Tmax, or 0 for a bolus).
pub fn select(time: &[f64], conc: &[f64], first: usize, rule: &LambdaZRule) -> Option<LambdaZ> {
    let (mut t, mut c) = (Vec::new(), Vec::new());
    for i in first..time.len() {
        let keep = conc[i] > 0.0
            && match rule {
                LambdaZRule::Auto => true,
                LambdaZRule::Manual {
                    start,
                    end,
                    exclude_times,
                } => {
                    time[i] >= *start
                        && time[i] <= *end
                        && !exclude_times.iter().any(|&x| (x - time[i]).abs() < 1e-9)
                }
            };
        if keep {
            t.push(time[i]);
            c.push(conc[i]);
        }
    }
    match rule {
        LambdaZRule::Auto => best_fit(&t, &c),
        LambdaZRule::Manual { .. } if t.len() >= MIN_POINTS => regress(&t, &c),
        LambdaZRule::Manual { .. } => None,
    }
}
