//! `levodose lint` on clinical trial scenarios: each planted problem gives its code; the seed
//! protocol gives none.

use std::path::PathBuf;
use std::process::Command;

fn lint(file: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(["lint", file, "--json"])
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn flawed_trial_reports_each_rule_and_seed_trial_none() {
    let v = lint("examples/trial/lint_bad_trial.toml");
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    for code in [
        "trial_dose_outside_label",
        "trial_titration_too_fast",
        "trial_no_placebo_run_in",
        "trial_maoi_washout_short",
        "trial_no_down_taper",
        "trial_primary_analysis_not_mmrm_mitt",
        "trial_power_low",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    assert_eq!(v["kind"], "clinical");
    // The seed protocol's only finding: its planned power 0.9 exceeds what 220 per arm gives.
    let seed = lint("examples/trial/madrs_8week.toml");
    let codes: Vec<&str> = seed["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["trial_power_shortfall"], "{}", seed["findings"]);
}
