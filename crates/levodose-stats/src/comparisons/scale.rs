//! The scale variable S = sqrt(chi2_df / df) of the studentised statistics: its density and the
//! pieces of its range over which the Dunnett and Tukey double integrals are taken.

use statrs::function::gamma::ln_gamma;

/// log density of S = sqrt(chi2_df / df) at s > 0.
pub fn ln_density(s: f64, df: f64) -> f64 {
    let x = df * s * s;
    let ln_chisq = (0.5 * df - 1.0) * x.ln() - 0.5 * x - 0.5 * df * 2f64.ln() - ln_gamma(0.5 * df);
    2f64.ln() + df.ln() + s.ln() + ln_chisq
}

/// Breakpoints covering the range where the density exceeds e^-60 of its scale (the cut
/// tails carry far less than 1e-20), with the mode region split finely.
pub fn pieces(df: f64) -> Vec<f64> {
    const CUT: f64 = -60.0;
    let mut lo = 1.0;
    while ln_density(lo, df) > CUT && lo > 1e-12 {
        lo *= 0.9;
    }
    let mut hi = 1.0;
    while ln_density(hi, df) > CUT && hi < 1e6 {
        hi *= 1.1;
    }
    let mut b: Vec<f64> = (0..=12).map(|i| lo + (hi - lo) * i as f64 / 12.0).collect();
    b.push(1.0);
    b.sort_by(f64::total_cmp);
    b.dedup();
    b
}

/// E_S[g(S)] for S = sqrt(chi2_df / df), to relative accuracy `rel_tol`.
pub fn expect(g: impl Fn(f64) -> f64, df: f64, rel_tol: f64) -> f64 {
    let br = pieces(df);
    super::quadrature::integrate(
        &|s: f64| {
            if s <= 0.0 {
                0.0
            } else {
                g(s) * ln_density(s, df).exp()
            }
        },
        &br,
        rel_tol,
        1e-300,
        2000,
    )
}
