//! Analytic power and sample size: two-sample t-test (noncentral t) and one-way ANOVA
//! (noncentral F), with attrition inflation.
//!
//! Two-sample t, n per group, standardised difference d = Δ/σ: ν = 2(n − 1), δ = d·√(n/2);
//! two-sided power = P(T > t_{1−α/2,ν}) + P(T < −t_{1−α/2,ν}) with T ~ t(ν, δ) (both tails, as
//! R `pwr.t.test` and `power.t.test(strict = TRUE)`); one-sided power = P(T > t_{1−α,ν}).
//! One-way ANOVA, k groups of n, Cohen's f: ν₁ = k − 1, ν₂ = k(n − 1), λ = k·n·f²;
//! power = P(F > F_{1−α,ν₁,ν₂}) with F ~ F(ν₁, ν₂, λ) (as R `pwr.anova.test`, G*Power).
//! Sample size: the smallest integer n with power ≥ target; `n_exact` is the real root of
//! power(n) = target as R reports it. Attrition: n_enrolled = ⌈n / (1 − attrition)⌉.

use serde::Serialize;
use statrs::distribution::{Continuous, ContinuousCDF, FisherSnedecor, StudentsT};
use statrs::function::beta::beta_reg;
use statrs::function::erf::erfc;
use statrs::function::gamma::ln_gamma;

/// Errors name the argument and its allowed range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PowerError {
    #[error("{name} = {value} is outside the allowed range {allowed}")]
    OutOfRange {
        name: &'static str,
        value: f64,
        allowed: &'static str,
    },
    #[error("target power {power} is not reached with fewer than {max_n} per group")]
    Unreachable { power: f64, max_n: f64 },
}

/// Sidedness of the t-test. `OneSided` tests for a positive difference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Alternative {
    TwoSided,
    OneSided,
}

/// A sample size per group for a target power.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SampleSize {
    /// Smallest integer n per group (completers) with power ≥ target.
    pub n_per_group: u64,
    /// Real solution of power(n) = target.
    pub n_exact: f64,
    /// Power at `n_per_group`.
    pub achieved_power: f64,
    /// Attrition fraction used for `n_enrolled_per_group` (0 when none).
    pub attrition: f64,
    /// ⌈n_per_group / (1 − attrition)⌉.
    pub n_enrolled_per_group: u64,
}

impl SampleSize {
    /// Inflates the completer n for attrition in [0, 1).
    pub fn with_attrition(self, attrition: f64) -> Result<SampleSize, PowerError> {
        Ok(SampleSize {
            attrition,
            n_enrolled_per_group: inflate_for_attrition(self.n_per_group, attrition)?,
            ..self
        })
    }
}

/// Smallest n_enrolled with n_enrolled·(1 − attrition) ≥ n: ⌈n / (1 − attrition)⌉.
pub fn inflate_for_attrition(n: u64, attrition: f64) -> Result<u64, PowerError> {
    check(
        "attrition",
        attrition,
        (0.0..1.0).contains(&attrition),
        "[0, 1)",
    )?;
    let raw = n as f64 / (1.0 - attrition);
    let rounded = raw.round();
    // a quotient that is an integer up to rounding error (e.g. 8 / 0.8) is not rounded up
    let n_enrolled = if (raw - rounded).abs() <= 1e-9 * raw.max(1.0) {
        rounded
    } else {
        raw.ceil()
    };
    Ok(n_enrolled as u64)
}

fn check(
    name: &'static str,
    value: f64,
    ok: bool,
    allowed: &'static str,
) -> Result<(), PowerError> {
    if ok && !value.is_nan() {
        Ok(())
    } else {
        Err(PowerError::OutOfRange {
            name,
            value,
            allowed,
        })
    }
}

/// Quantile from statrs' inverse CDF polished by Newton steps x ← x − (F(x) − p)/f(x), so that
/// it agrees with the CDF to rounding also at large df.
fn quantile<D: ContinuousCDF<f64, f64> + Continuous<f64, f64>>(dist: &D, p: f64) -> f64 {
    let mut x = dist.inverse_cdf(p);
    for _ in 0..4 {
        let dens = dist.pdf(x);
        if dens.is_nan() || dens <= 0.0 || !x.is_finite() {
            break;
        }
        let step = (dist.cdf(x) - p) / dens;
        x -= step;
        if step.abs() <= 1e-15 * x.abs() {
            break;
        }
    }
    x
}

fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

fn central_t_cdf(t: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df)
        .map(|d| d.cdf(t))
        .unwrap_or(f64::NAN)
}

/// CDF of the noncentral t distribution, P(T ≤ t; ν, δ): the series of Lenth (1989, AS 243)
/// with the refinements of R's `pnt` (error bound 1e-12); for ν > 4·10⁵ or δ² > 2·ln2·1021 the
/// normal approximation of Abramowitz & Stegun 26.7.10, as R.
pub fn noncentral_t_cdf(t: f64, df: f64, ncp: f64) -> f64 {
    if df.is_nan() || df <= 0.0 || t.is_nan() || !ncp.is_finite() {
        return f64::NAN;
    }
    if ncp == 0.0 {
        return central_t_cdf(t, df);
    }
    if t.is_infinite() {
        return if t < 0.0 { 0.0 } else { 1.0 };
    }
    let (negdel, tt, del) = if t >= 0.0 {
        (false, t, ncp)
    } else {
        (true, -t, -ncp)
    };
    if negdel && ncp > 40.0 {
        return 0.0;
    }
    if df > 4e5 || del * del > 2.0 * std::f64::consts::LN_2 * 1021.0 {
        let s = 1.0 / (4.0 * df);
        let z = (tt * (1.0 - s) - del) / (1.0 + tt * tt * 2.0 * s).sqrt();
        let p = normal_cdf(z);
        return if negdel { 1.0 - p } else { p };
    }
    let x = t * t / (t * t + df);
    let mut tnc = 0.0;
    if x > 0.0 {
        let lambda = del * del;
        let mut p = 0.5 * (-0.5 * lambda).exp();
        let mut q = (2.0 / std::f64::consts::PI).sqrt() * p * del;
        let mut s = 0.5 - p;
        if s < 1e-7 {
            s = -0.5 * (-0.5 * lambda).exp_m1();
        }
        let mut a = 0.5;
        let b = 0.5 * df;
        let rxb = (df / (t * t + df)).powf(b);
        let albeta = 0.5 * std::f64::consts::PI.ln() + ln_gamma(b) - ln_gamma(0.5 + b);
        let mut xodd = beta_reg(a, b, x);
        let mut godd = 2.0 * rxb * (a * x.ln() - albeta).exp();
        let bx = b * x;
        let mut xeven = if bx < f64::EPSILON { bx } else { 1.0 - rxb };
        let mut geven = bx * rxb;
        tnc = p * xodd + q * xeven;
        for it in 1..=1000 {
            a += 1.0;
            xodd -= godd;
            xeven -= geven;
            godd *= x * (a + b - 1.0) / a;
            geven *= x * (a + b - 0.5) / (a + 0.5);
            p *= lambda / (2.0 * it as f64);
            q *= lambda / (2.0 * it as f64 + 1.0);
            tnc += p * xodd + q * xeven;
            s -= p;
            if s < -1e-10 || (s <= 0.0 && it > 1) {
                break;
            }
            if (2.0 * s * (xodd - godd)).abs() < 1e-12 {
                break;
            }
        }
    }
    tnc += normal_cdf(-del);
    let tnc = tnc.min(1.0);
    if negdel {
        1.0 - tnc
    } else {
        tnc
    }
}

/// CDF of the noncentral F distribution as a Poisson mixture of central betas:
/// P(F ≤ f) = Σⱼ e^{−λ/2}(λ/2)ʲ/j! · I_x(ν₁/2 + j, ν₂/2), x = ν₁f / (ν₁f + ν₂),
/// summed until the remaining Poisson mass is below 1e-15.
pub fn noncentral_f_cdf(f: f64, df1: f64, df2: f64, ncp: f64) -> f64 {
    if !(df1 > 0.0 && df2 > 0.0 && ncp >= 0.0) || f.is_nan() || !ncp.is_finite() {
        return f64::NAN;
    }
    if f <= 0.0 {
        return 0.0;
    }
    if f.is_infinite() {
        return 1.0;
    }
    let x = df1 * f / (df1 * f + df2);
    if ncp == 0.0 {
        return beta_reg(df1 / 2.0, df2 / 2.0, x);
    }
    let mu = ncp / 2.0;
    let j_max = (mu + 40.0 * mu.sqrt() + 100.0) as usize;
    let (mut total, mut mass) = (0.0, 0.0);
    for j in 0..=j_max {
        let jf = j as f64;
        let w = (-mu + jf * mu.ln() - ln_gamma(jf + 1.0)).exp();
        total += w * beta_reg(df1 / 2.0 + jf, df2 / 2.0, x);
        mass += w;
        if jf > mu && 1.0 - mass < 1e-15 {
            break;
        }
    }
    total.clamp(0.0, 1.0)
}

/// Power of the two-sample t-test with `n_per_group` per group (real n ≥ 2 allowed) and
/// standardised difference `effect_size` = Δ/σ.
pub fn two_sample_t_power(
    n_per_group: f64,
    effect_size: f64,
    alpha: f64,
    alternative: Alternative,
) -> Result<f64, PowerError> {
    check(
        "n_per_group",
        n_per_group,
        (2.0..=MAX_N_PER_GROUP).contains(&n_per_group),
        "[2, 100000]",
    )?;
    check(
        "effect_size",
        effect_size,
        effect_size.is_finite(),
        "finite",
    )?;
    check("alpha", alpha, alpha > 0.0 && alpha < 1.0, "(0, 1)")?;
    Ok(t_power(n_per_group, effect_size, alpha, alternative))
}

fn t_power(n: f64, d: f64, alpha: f64, alternative: Alternative) -> f64 {
    let df = 2.0 * (n - 1.0);
    let ncp = d * (n / 2.0).sqrt();
    let Ok(t) = StudentsT::new(0.0, 1.0, df) else {
        return f64::NAN;
    };
    match alternative {
        Alternative::TwoSided => {
            let c = quantile(&t, 1.0 - alpha / 2.0);
            (1.0 - noncentral_t_cdf(c, df, ncp)) + noncentral_t_cdf(-c, df, ncp)
        }
        Alternative::OneSided => 1.0 - noncentral_t_cdf(quantile(&t, 1.0 - alpha), df, ncp),
    }
}

/// n per group of the two-sample t-test for a target power.
pub fn two_sample_t_n(
    effect_size: f64,
    alpha: f64,
    power: f64,
    alternative: Alternative,
) -> Result<SampleSize, PowerError> {
    check(
        "effect_size",
        effect_size,
        effect_size.is_finite() && effect_size != 0.0,
        "finite, nonzero",
    )?;
    if alternative == Alternative::OneSided {
        check(
            "effect_size",
            effect_size,
            effect_size > 0.0,
            "> 0 for a one-sided test",
        )?;
    }
    check("alpha", alpha, alpha > 0.0 && alpha < 1.0, "(0, 1)")?;
    check("power", power, power > alpha && power < 1.0, "(alpha, 1)")?;
    solve_n(power, |n| t_power(n, effect_size, alpha, alternative))
}

/// Power of the one-way ANOVA F test with `groups` groups of `n_per_group` and Cohen's f.
pub fn anova_power(groups: usize, n_per_group: f64, f: f64, alpha: f64) -> Result<f64, PowerError> {
    check("groups", groups as f64, groups >= 2, "integer >= 2")?;
    check(
        "n_per_group",
        n_per_group,
        (2.0..=MAX_N_PER_GROUP).contains(&n_per_group),
        "[2, 100000]",
    )?;
    check("f", f, f >= 0.0 && f.is_finite(), "[0, inf)")?;
    check("alpha", alpha, alpha > 0.0 && alpha < 1.0, "(0, 1)")?;
    Ok(f_power(groups, n_per_group, f, alpha))
}

fn f_power(k: usize, n: f64, f: f64, alpha: f64) -> f64 {
    let k = k as f64;
    let (df1, df2) = (k - 1.0, k * (n - 1.0));
    let Ok(central) = FisherSnedecor::new(df1, df2) else {
        return f64::NAN;
    };
    let crit = quantile(&central, 1.0 - alpha);
    1.0 - noncentral_f_cdf(crit, df1, df2, k * n * f * f)
}

/// n per group of the one-way ANOVA for a target power.
pub fn anova_n(groups: usize, f: f64, alpha: f64, power: f64) -> Result<SampleSize, PowerError> {
    check("groups", groups as f64, groups >= 2, "integer >= 2")?;
    check("f", f, f > 0.0 && f.is_finite(), "(0, inf)")?;
    check("alpha", alpha, alpha > 0.0 && alpha < 1.0, "(0, 1)")?;
    check("power", power, power > alpha && power < 1.0, "(alpha, 1)")?;
    solve_n(power, |n| f_power(groups, n, f, alpha))
}

/// Cohen's f from group means and a common SD (equal group sizes):
/// f = √(Σ(μᵢ − μ̄)²/k) / σ.
pub fn cohens_f(means: &[f64], sd: f64) -> Result<f64, PowerError> {
    check(
        "means (number of groups)",
        means.len() as f64,
        means.len() >= 2,
        ">= 2",
    )?;
    for &m in means {
        check("means", m, m.is_finite(), "finite")?;
    }
    check("sd", sd, sd > 0.0 && sd.is_finite(), "(0, inf)")?;
    let k = means.len() as f64;
    let mean = means.iter().sum::<f64>() / k;
    Ok((means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / k).sqrt() / sd)
}

/// Largest n per group handled: statrs' central t and F quantiles lose accuracy (and the
/// incomplete-beta inversion can stall) for larger residual df.
pub const MAX_N_PER_GROUP: f64 = 1e5;

/// Root of power(n) = target on [2, MAX_N_PER_GROUP] by bisection (power increases with n), then the
/// smallest integer n with power(n) ≥ target.
fn solve_n(target: f64, power: impl Fn(f64) -> f64) -> Result<SampleSize, PowerError> {
    let unreachable = PowerError::Unreachable {
        power: target,
        max_n: MAX_N_PER_GROUP,
    };
    let at_two = power(2.0);
    if !at_two.is_finite() {
        return Err(unreachable);
    }
    let n_exact = if at_two >= target {
        2.0
    } else {
        let mut hi = 4.0;
        while power(hi) < target {
            if hi >= MAX_N_PER_GROUP {
                return Err(unreachable);
            }
            hi = (2.0 * hi).min(MAX_N_PER_GROUP);
        }
        let mut lo = (hi / 2.0).max(2.0);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if power(mid) >= target {
                hi = mid;
            } else {
                lo = mid;
            }
            if hi - lo <= 1e-10 * hi {
                break;
            }
        }
        0.5 * (lo + hi)
    };
    let mut n = n_exact.ceil().max(2.0);
    while n > 2.0 && power(n - 1.0) >= target {
        n -= 1.0;
    }
    while power(n) < target {
        if n >= MAX_N_PER_GROUP {
            return Err(unreachable);
        }
        n += 1.0;
    }
    Ok(SampleSize {
        n_per_group: n as u64,
        n_exact,
        achieved_power: power(n),
        attrition: 0.0,
        n_enrolled_per_group: n as u64,
    })
}
