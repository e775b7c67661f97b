//! Trial simulator: simulated power vs the analytic two-sample t-test, determinism across thread
//! counts, dropout invariants.

use levodose::monograph::builtin;
use levodose::trial::{parse, power, TrialDesign};
use levodose_stats::power::{two_sample_t_power, Alternative};

fn design(file: &str) -> TrialDesign {
    let text = std::fs::read_to_string(format!(
        "{}/../../examples/trial/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    parse(&text)
        .unwrap()
        .resolve(&builtin("levomilnacipran").unwrap())
        .unwrap()
}

/// One visit, no dropout, no covariate: the MMRM is the pooled two-sample t-test, so simulated
/// power must match the noncentral-t power within Monte Carlo error (4 SE).
#[test]
fn one_visit_power_matches_analytic_t_test() {
    let d = design("analytic_one_visit.toml");
    let n = d.arms[0].n as f64;
    let effect = d.arms[1].difference_madrs.abs() / d.change_sd_madrs[0];
    let analytic = two_sample_t_power(n, effect, d.alpha, Alternative::TwoSided).unwrap();
    let reps = 4000;
    let res = power::run(&d, reps, 20240501, &|| {}).unwrap();
    let se = (analytic * (1.0 - analytic) / reps as f64).sqrt();
    assert_eq!(res.failed_fits, 0);
    assert!(
        (res.power - analytic).abs() < 4.0 * se,
        "simulated {} vs analytic {analytic} (MC SE {se})",
        res.power
    );
    // The mean estimate is unbiased for the difference, and the SD of estimates matches sd*sqrt(2/n).
    let arm = &res.arms[1];
    let sd_theory = d.change_sd_madrs[0] * (2.0 / n).sqrt();
    let mean = arm.mean_difference_madrs.unwrap();
    assert!(
        (mean - d.arms[1].difference_madrs).abs() < 4.0 * sd_theory / (reps as f64).sqrt(),
        "mean {mean}"
    );
    let sd = arm.sd_difference_madrs.unwrap();
    assert!(
        (sd / sd_theory - 1.0).abs() < 0.05,
        "sd {sd} vs {sd_theory}"
    );
    assert!((arm.mean_se_madrs.unwrap() / sd_theory - 1.0).abs() < 0.03);
    // Each arm's LS mean is its sample mean, normal with SD sd/sqrt(n): the 2.5th-97.5th
    // percentile band across replicates is 2 * 1.959964 * sd / sqrt(n) wide (MC SE of the
    // width about 1.5 % at 4000 replicates; tolerance 6 %) and contains the mean.
    let width_theory = 2.0 * 1.959964 * d.change_sd_madrs[0] / n.sqrt();
    for a in &res.arms {
        let (lo, hi) = (
            a.lsmean_change_p025_madrs[0].expect("p2.5 at the only visit"),
            a.lsmean_change_p975_madrs[0].expect("p97.5 at the only visit"),
        );
        let mean = a.mean_lsmean_change_madrs[0].expect("mean LS mean");
        assert!(lo < mean && mean < hi, "{}: {lo} {mean} {hi}", a.name);
        assert!(
            ((hi - lo) / width_theory - 1.0).abs() < 0.06,
            "{}: band width {} vs {width_theory}",
            a.name,
            hi - lo
        );
    }
}

/// Under the null (difference 0) the rejection rate is alpha within Monte Carlo error.
#[test]
fn null_rejection_rate_is_alpha() {
    let mut d = design("analytic_one_visit.toml");
    d.arms[1].difference_madrs = 0.0;
    let reps = 4000;
    let res = power::run(&d, reps, 7, &|| {}).unwrap();
    let se = (d.alpha * (1.0 - d.alpha) / reps as f64).sqrt();
    assert!(
        (res.power - d.alpha).abs() < 4.0 * se,
        "type I error {}",
        res.power
    );
}

fn json_with_threads(d: &TrialDesign, threads: usize) -> String {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| serde_json::to_string(&power::run(d, 40, 99, &|| {}).unwrap()).unwrap())
}

#[test]
fn identical_results_with_one_or_two_threads() {
    let d = design("madrs_8week.toml");
    let d = power::with_n_per_arm(&d, 40, &[1.0, 1.0]);
    assert_eq!(json_with_threads(&d, 1), json_with_threads(&d, 2));
}

/// MCAR dropout: the share missing at the primary visit is the requested fraction (MC error).
#[test]
fn mcar_dropout_share_matches_request() {
    let d = design("bench_300x5.toml");
    let reps = 30;
    let res = power::run(&d, reps, 3, &|| {}).unwrap();
    let n: f64 = d.arms.iter().map(|a| a.n as f64).sum();
    let se = (0.2 * 0.8 / (n * reps as f64)).sqrt();
    for arm in &res.arms {
        assert!(
            (arm.mean_dropout_fraction - 0.2).abs() < 5.0 * se * 2f64.sqrt(),
            "{} {}",
            arm.name,
            arm.mean_dropout_fraction
        );
    }
    // LS-mean change of placebo at the primary week is near the placebo assumption.
    let pbo = &res.arms[d.placebo_arm];
    assert!(
        (pbo.mean_lsmean_change_madrs[d.primary_visit].unwrap() - d.placebo_change_madrs).abs()
            < 1.0
    );
}
