//! Clinical lint rules for trial scenarios and scenario validation.

use levodose::monograph::builtin;
use levodose::trial::{is_trial_scenario, lint_trial_str, parse};

fn codes(text: &str) -> Vec<String> {
    let m = builtin("levomilnacipran").unwrap();
    lint_trial_str(text, &m)
        .into_iter()
        .map(|f| f.code)
        .collect()
}

const SEED_TRIAL: &str = include_str!("../../../examples/trial/madrs_8week.toml");

/// The seed protocol plans power 0.9 with 220 per arm; its design cannot deliver that (issue 9
/// item 7), and lint says so. With arms large enough for the plan, it is clean.
#[test]
fn seed_trial_is_recognised_and_its_power_shortfall_flagged() {
    assert!(is_trial_scenario(SEED_TRIAL));
    assert!(!is_trial_scenario("[regimen]\ntext = \"40mg qd\"\n"));
    assert_eq!(codes(SEED_TRIAL), ["trial_power_shortfall"]);
    let modest = SEED_TRIAL.replace("n_per_arm = 220", "n_per_arm = 1500");
    assert!(codes(&modest).is_empty(), "{:?}", codes(&modest));
}

/// The shortfall message carries the analytic power: the two-sample t power of the resolved
/// design's completers, recomputed here from the resolved design.
#[test]
fn power_shortfall_states_the_analytic_power() {
    let m = builtin("levomilnacipran").unwrap();
    let d = parse(SEED_TRIAL).unwrap().resolve(&m).unwrap();
    let arm = &d.arms[d.primary_arm];
    let pbo = &d.arms[d.placebo_arm];
    let n = (arm.n as f64 * (1.0 - arm.dropout_fraction))
        .min(pbo.n as f64 * (1.0 - pbo.dropout_fraction));
    let es = arm.difference_madrs.abs() / d.change_sd_madrs[d.primary_visit];
    let p = levodose_stats::power::two_sample_t_power(
        n,
        es,
        0.05,
        levodose_stats::power::Alternative::TwoSided,
    )
    .unwrap();
    assert!(p < 0.89, "{p}");
    let f = lint_trial_str(SEED_TRIAL, &m)
        .into_iter()
        .find(|f| f.code == "trial_power_shortfall")
        .expect("shortfall finding");
    assert!(f.message.contains(&format!("{p:.3}")), "{}", f.message);
}

#[test]
fn each_rule_fires() {
    let bad = SEED_TRIAL
        .replace("maoi_washout_days = 14", "maoi_washout_days = 7")
        .replace("planned_power = 0.9", "planned_power = 0.7")
        .replace("taper_weeks = 2", "taper_weeks = 0")
        .replace("weeks = 1\n", "weeks = 0\n")
        .replace("dose_max_mg = 120", "dose_max_mg = 160")
        .replace(
            "titration = \"label-titration:40\"",
            "titration = \"40mg qd d1-7; 120mg qd d8-\"",
        )
        .replace("method = \"mmrm\"", "method = \"locf-ancova\"");
    let c = codes(&bad);
    for code in [
        "trial_maoi_washout_short",
        "trial_power_low",
        "trial_no_down_taper",
        "trial_no_placebo_run_in",
        "trial_dose_outside_label",
        "trial_titration_too_fast",
        "trial_primary_analysis_not_mmrm_mitt",
    ] {
        assert!(c.iter().any(|x| x == code), "{code} missing from {c:?}");
    }
}

#[test]
fn bad_input_names_the_field() {
    let m = builtin("levomilnacipran").unwrap();
    let e = parse(&SEED_TRIAL.replace("alpha = 0.05", "alpha = 0.05\nalfa = 1"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("alfa"), "{e}");
    let e = parse(&SEED_TRIAL.replace("dose_max_mg = 120", "dose_max_mg = 20"))
        .unwrap()
        .resolve(&m)
        .unwrap_err()
        .to_string();
    assert!(e.contains("trial.arms[1].dose_max_mg"), "{e}");
    let e = parse(&SEED_TRIAL.replace("primary_week = 8", "primary_week = 7"))
        .unwrap()
        .resolve(&m)
        .unwrap_err()
        .to_string();
    assert!(e.contains("trial.primary_week"), "{e}");
}

/// Issue 8 item 1 for trial arms: a titration whose middle segment exceeds the label maximum is
/// flagged, naming the segment, even when the arm ends on an on-label dose.
#[test]
fn titration_middle_segment_above_label_max_is_flagged() {
    let m = builtin("levomilnacipran").unwrap();
    let bad = SEED_TRIAL.replace(
        "titration = \"label-titration:40\"",
        "titration = \"20mg qd d1-2; 40mg qd d3-4; 200mg qd d5-30; 40mg qd d31-\"",
    );
    assert_ne!(bad, SEED_TRIAL);
    let f: Vec<_> = lint_trial_str(&bad, &m)
        .into_iter()
        .filter(|f| f.code == "trial_dose_outside_label")
        .collect();
    assert!(
        f.iter().any(|f| f.message.contains("200mg po qd d5-30")),
        "{f:?}"
    );
}
