//! Power and sample size against R (`stats::power.t.test`, `pwr`) and G*Power values, and
//! analytic identities. R's sample sizes come from `uniroot` with tol = .Machine$double.eps^0.25
//! (1.2e-4), which bounds how closely `n_exact` can be compared with R's printed n.

use levodose_stats::power::*;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use statrs::function::gamma::ln_gamma;

const R_UNIROOT_TOL: f64 = 1.5e-4;

fn close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:.9}, want {want:.9} (|diff| {:.2e})",
        (got - want).abs()
    );
}

/// R: power.t.test(n = 20, delta = 1) → power = 0.8689528 (upper tail only, strict = FALSE).
#[test]
fn noncentral_t_upper_tail_matches_r_power_t_test() {
    let q = StudentsT::new(0.0, 1.0, 38.0).unwrap().inverse_cdf(0.975);
    close(
        "upper tail",
        1.0 - noncentral_t_cdf(q, 38.0, 10f64.sqrt()),
        0.8689528,
        5e-8,
    );
}

/// Brief's check: d = 1, n = 17 per group, two-sided alpha 0.05 → 0.8070 (R power.t.test 0.8069 +
/// the lower tail); to the 4 digits quoted.
#[test]
fn two_sample_power_d1_n17() {
    let p = two_sample_t_power(17.0, 1.0, 0.05, Alternative::TwoSided).unwrap();
    close("power", p, 0.8070, 5e-5);
}

/// R pwr: pwr.t.test(d = 0.5, power = 0.8) → n = 63.76561, so 64 per group.
#[test]
fn two_sample_n_d05_power08() {
    let s = two_sample_t_n(0.5, 0.05, 0.8, Alternative::TwoSided).unwrap();
    assert_eq!(s.n_per_group, 64);
    close("n_exact", s.n_exact, 63.76561, R_UNIROOT_TOL);
    assert!(s.achieved_power >= 0.8);
    assert!(two_sample_t_power(63.0, 0.5, 0.05, Alternative::TwoSided).unwrap() < 0.8);
}

/// R: power.t.test(power = .90, delta = 1) → n = 22.02110; one-sided → n = 17.84713.
#[test]
fn two_sample_n_matches_r_power_t_test_examples() {
    let s = two_sample_t_n(1.0, 0.05, 0.9, Alternative::TwoSided).unwrap();
    close("two-sided n", s.n_exact, 22.02110, R_UNIROOT_TOL);
    assert_eq!(s.n_per_group, 23);
    let s = two_sample_t_n(1.0, 0.05, 0.9, Alternative::OneSided).unwrap();
    close("one-sided n", s.n_exact, 17.84713, R_UNIROOT_TOL);
    assert_eq!(s.n_per_group, 18);
}

/// R pwr: pwr.anova.test(k = 3, f = 0.25, power = 0.8) → n = 52.3966; G*Power: total N = 159,
/// actual power 0.8048873.
#[test]
fn anova_k3_f025() {
    let s = anova_n(3, 0.25, 0.05, 0.8).unwrap();
    assert_eq!(s.n_per_group, 53);
    close("n_exact", s.n_exact, 52.3966, R_UNIROOT_TOL);
    close(
        "power n = 53",
        anova_power(3, 53.0, 0.25, 0.05).unwrap(),
        0.8048873,
        5e-8,
    );
}

/// R pwr: pwr.anova.test(f = 0.28, k = 4, n = 20) → power = 0.5149793;
/// pwr.anova.test(f = 0.28, k = 4, power = 0.80) → n = 35.75789.
#[test]
fn anova_matches_pwr_examples() {
    close(
        "power",
        anova_power(4, 20.0, 0.28, 0.05).unwrap(),
        0.5149793,
        5e-8,
    );
    let s = anova_n(4, 0.28, 0.05, 0.8).unwrap();
    close("n_exact", s.n_exact, 35.75789, R_UNIROOT_TOL);
    assert_eq!(s.n_per_group, 36);
}

/// T² ~ F(1, ν, δ²): ANOVA with k = 2 and f = d/2 (λ = 2n f² = n d²/2 = δ²) is the two-sided t-test.
#[test]
fn anova_with_two_groups_equals_two_sided_t() {
    for &(n, d) in &[(5.0, 0.3), (12.0, 1.1), (40.0, 0.5), (150.0, 0.2)] {
        let t = two_sample_t_power(n, d, 0.05, Alternative::TwoSided).unwrap();
        let f = anova_power(2, n, d / 2.0, 0.05).unwrap();
        close("t vs F", f, t, 1e-9);
    }
}

/// P(T ≤ t) = ∫₀^∞ Φ(t·u/√ν − δ) f_χν(u) du, f_χν(u) = u^{ν−1} e^{−u²/2} / (2^{ν/2−1} Γ(ν/2)),
/// by composite Simpson on the chi scale (smooth integrand).
fn nct_cdf_by_quadrature(t: f64, df: f64, ncp: f64) -> f64 {
    let z = Normal::new(0.0, 1.0).unwrap();
    let log_norm = (df / 2.0 - 1.0) * 2f64.ln() + ln_gamma(df / 2.0);
    let upper = df.sqrt() + 40.0;
    let m = 200_000;
    let h = upper / m as f64;
    let g = |u: f64| {
        if u <= 0.0 {
            0.0
        } else {
            z.cdf(t * u / df.sqrt() - ncp) * ((df - 1.0) * u.ln() - u * u / 2.0 - log_norm).exp()
        }
    };
    let mut s = g(0.0) + g(upper);
    for i in 1..m {
        s += g(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    s * h / 3.0
}

#[test]
fn noncentral_t_cdf_matches_quadrature() {
    for &(t, df, ncp) in &[
        (2.0, 10.0, 1.5),
        (-1.0, 5.0, 0.7),
        (3.5, 30.0, 4.0),
        (0.5, 3.0, -2.0),
        (8.0, 60.0, 6.0),
    ] {
        close(
            "nct cdf",
            noncentral_t_cdf(t, df, ncp),
            nct_cdf_by_quadrature(t, df, ncp),
            1e-9,
        );
    }
}

#[test]
fn power_is_alpha_without_effect() {
    close(
        "two-sided",
        two_sample_t_power(10.0, 0.0, 0.05, Alternative::TwoSided).unwrap(),
        0.05,
        1e-12,
    );
    close(
        "one-sided",
        two_sample_t_power(10.0, 0.0, 0.05, Alternative::OneSided).unwrap(),
        0.05,
        1e-12,
    );
    close(
        "anova",
        anova_power(4, 10.0, 0.0, 0.05).unwrap(),
        0.05,
        1e-12,
    );
}

/// At the largest supported n the central quantiles still reproduce alpha.
#[test]
fn power_is_alpha_without_effect_at_max_n() {
    let n = MAX_N_PER_GROUP;
    let t = two_sample_t_power(n, 0.0, 0.05, Alternative::TwoSided).unwrap();
    close("two-sided", t, 0.05, 1e-7);
    close("anova", anova_power(3, n, 0.0, 0.05).unwrap(), 0.05, 1e-7);
    assert!(anova_power(3, 10.0 * n, 0.1, 0.05).is_err());
}

#[test]
fn power_increases_with_n_and_effect() {
    let mut last = 0.0;
    for n in 2..80 {
        let p = two_sample_t_power(n as f64, 0.4, 0.05, Alternative::TwoSided).unwrap();
        assert!(p > last, "n = {n}");
        last = p;
    }
    let mut last = 0.0;
    for i in 0..40 {
        let p = anova_power(3, 10.0, 0.05 * i as f64, 0.05).unwrap();
        assert!(p > last || i == 0, "f step {i}");
        last = p;
    }
}

/// Cohen's f for means (0, 0, 1), SD 1: √((1/9 + 1/9 + 4/9)/3) = √2/3.
#[test]
fn cohens_f_from_means() {
    close(
        "f",
        cohens_f(&[0.0, 0.0, 1.0], 1.0).unwrap(),
        2f64.sqrt() / 3.0,
        1e-15,
    );
    assert!(cohens_f(&[1.0], 1.0).is_err());
    assert!(cohens_f(&[1.0, 2.0], 0.0).is_err());
}

/// 64 / 0.85 = 75.29 → 76; 8 / 0.8 = 10 exactly; no attrition keeps n.
#[test]
fn attrition_inflation_rounds_up() {
    assert_eq!(inflate_for_attrition(64, 0.15).unwrap(), 76);
    assert_eq!(inflate_for_attrition(8, 0.2).unwrap(), 10);
    assert_eq!(inflate_for_attrition(53, 0.0).unwrap(), 53);
    assert!(inflate_for_attrition(10, 1.0).is_err());
    assert!(inflate_for_attrition(10, -0.1).is_err());
    let s = anova_n(3, 0.25, 0.05, 0.8)
        .unwrap()
        .with_attrition(0.1)
        .unwrap();
    assert_eq!((s.n_per_group, s.n_enrolled_per_group), (53, 59));
}

#[test]
fn invalid_arguments_are_errors() {
    assert!(two_sample_t_n(0.5, 0.05, 0.01, Alternative::TwoSided).is_err());
    assert!(two_sample_t_n(0.0, 0.05, 0.8, Alternative::TwoSided).is_err());
    assert!(two_sample_t_n(-0.5, 0.05, 0.8, Alternative::OneSided).is_err());
    assert!(two_sample_t_power(1.0, 0.5, 0.05, Alternative::TwoSided).is_err());
    assert!(anova_n(1, 0.25, 0.05, 0.8).is_err());
    assert!(anova_power(3, 10.0, 0.25, 1.5).is_err());
    assert!(matches!(
        anova_n(3, 1e-6, 0.05, 0.8),
        Err(PowerError::Unreachable { .. })
    ));
}
