//! One-way ANOVA (R's `anova(lm(y ~ g))`), Welch's ANOVA (`oneway.test(var.equal = FALSE)`),
//! planned contrasts on the ANOVA model (as `emmeans::contrast`), and Brown-Forsythe's test
//! (the ANOVA of absolute deviations from the group medians).

use super::describe::{mean, median, variance};
use super::distributions::{f_sf, t_quantile, t_two_sided};
use serde::Serialize;

/// The ANOVA table's numbers; `mse` and `pooled_sd` feed Dunnett, Tukey and contrasts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Anova {
    pub f: f64,
    pub df1: f64,
    pub df2: f64,
    pub p: f64,
    pub ss_between: f64,
    pub ss_within: f64,
    pub ms_between: f64,
    pub ms_within: f64,
    pub pooled_sd: f64,
}

/// Welch's heteroscedastic one-way ANOVA.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Welch {
    pub f: f64,
    pub df1: f64,
    pub df2: f64,
    pub p: f64,
}

/// A linear contrast sum(c_i mean_i) with the ANOVA's pooled variance and df.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Contrast {
    pub contrast: String,
    pub estimate: f64,
    pub se: f64,
    pub df: f64,
    pub t: f64,
    pub p: f64,
    pub ci95_lower: f64,
    pub ci95_upper: f64,
}

/// One-way ANOVA over non-empty groups. None when there is no within-group variation
/// (MS within = 0), no residual df, or fewer than two groups: F is then undefined.
pub fn anova(groups: &[&[f64]]) -> Option<Anova> {
    let k = groups.len();
    let n: usize = groups.iter().map(|g| g.len()).sum();
    if k < 2 || n <= k || groups.iter().any(|g| g.is_empty()) {
        return None;
    }
    let all: Vec<f64> = groups.iter().flat_map(|g| g.iter().copied()).collect();
    let grand = mean(&all);
    let mut ssb = 0.0;
    let mut ssw = 0.0;
    for g in groups {
        let m = mean(g);
        ssb += g.len() as f64 * (m - grand) * (m - grand);
        ssw += g.iter().map(|x| (x - m) * (x - m)).sum::<f64>();
    }
    let (df1, df2) = ((k - 1) as f64, (n - k) as f64);
    let msw = ssw / df2;
    if msw.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    let msb = ssb / df1;
    let f = msb / msw;
    Some(Anova {
        f,
        df1,
        df2,
        p: f_sf(f, df1, df2),
        ss_between: ssb,
        ss_within: ssw,
        ms_between: msb,
        ms_within: msw,
        pooled_sd: msw.sqrt(),
    })
}

/// Welch's ANOVA. None when a group has fewer than two values or zero variance (its weight
/// n/s^2 is then undefined).
pub fn welch(groups: &[&[f64]]) -> Option<Welch> {
    let k = groups.len();
    if k < 2 {
        return None;
    }
    let mut w = Vec::with_capacity(k);
    for g in groups {
        let v = variance(g)?;
        if v.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        w.push(g.len() as f64 / v);
    }
    let u: f64 = w.iter().sum();
    let m: Vec<f64> = groups.iter().map(|g| mean(g)).collect();
    let yw: f64 = w.iter().zip(&m).map(|(w, m)| w * m).sum::<f64>() / u;
    let kf = k as f64;
    let tmp: f64 = groups
        .iter()
        .zip(&w)
        .map(|(g, w)| (1.0 - w / u).powi(2) / (g.len() as f64 - 1.0))
        .sum::<f64>()
        / (kf * kf - 1.0);
    let num: f64 = w
        .iter()
        .zip(&m)
        .map(|(w, m)| w * (m - yw) * (m - yw))
        .sum::<f64>()
        / (kf - 1.0);
    let f = num / (1.0 + 2.0 * (kf - 2.0) * tmp);
    let df2 = 1.0 / (3.0 * tmp);
    Some(Welch {
        f,
        df1: kf - 1.0,
        df2,
        p: f_sf(f, kf - 1.0, df2),
    })
}

/// Contrast `coefficients` (one per group) on the group means with the ANOVA's MSE.
pub fn contrast(name: &str, groups: &[&[f64]], coefficients: &[f64], fit: &Anova) -> Contrast {
    let estimate: f64 = groups
        .iter()
        .zip(coefficients)
        .map(|(g, c)| c * mean(g))
        .sum();
    let se = (fit.ms_within
        * groups
            .iter()
            .zip(coefficients)
            .map(|(g, c)| c * c / g.len() as f64)
            .sum::<f64>())
    .sqrt();
    let t = estimate / se;
    let q = t_quantile(0.975, fit.df2);
    Contrast {
        contrast: name.to_string(),
        estimate,
        se,
        df: fit.df2,
        t,
        p: t_two_sided(t, fit.df2),
        ci95_lower: estimate - q * se,
        ci95_upper: estimate + q * se,
    }
}

/// Brown-Forsythe (Levene on medians): the ANOVA of |y - median(group)|.
pub fn brown_forsythe(groups: &[&[f64]]) -> Option<Anova> {
    let dev: Vec<Vec<f64>> = groups
        .iter()
        .map(|g| {
            let m = median(g);
            g.iter().map(|x| (x - m).abs()).collect()
        })
        .collect();
    let refs: Vec<&[f64]> = dev.iter().map(|v| v.as_slice()).collect();
    anova(&refs)
}
