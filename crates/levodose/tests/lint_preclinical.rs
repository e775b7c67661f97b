//! Preclinical lint: the flawed scenario reports each matching code, the clean one none.

use levodose::lint::{detect_kind, lint_str, ScenarioKind};
use levodose::monograph::builtin;

const BAD: &str = include_str!("../../../examples/preclinical/lint_bad.toml");
const CLEAN: &str = include_str!("../../../examples/preclinical/lint_clean.toml");

#[test]
fn flawed_scenario_reports_each_code() {
    let m = builtin("levomilnacipran").unwrap();
    let r = lint_str(&m, BAD, "lint_bad.toml").unwrap();
    let codes: Vec<&str> = r.findings.iter().map(|f| f.code.as_str()).collect();
    for c in [
        "test_outside_exposure_window",
        "once_daily_short_half_life",
        "dose_range_narrow",
        "doses_on_plateau",
        "single_behavioral_assay",
        "no_locomotor_control",
        "underpowered",
        "salt_form_unstated",
    ] {
        assert!(codes.contains(&c), "missing {c}: {codes:?}");
    }
    for f in &r.findings {
        assert!(!f.source.is_empty() && !f.message.is_empty());
    }
}

#[test]
fn clean_scenario_reports_nothing() {
    let m = builtin("levomilnacipran").unwrap();
    let r = lint_str(&m, CLEAN, "lint_clean.toml").unwrap();
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

#[test]
fn serotonin_model_is_info() {
    let m = builtin("levomilnacipran").unwrap();
    let text = CLEAN.replace("model = \"lps\"", "model = \"pcpa\"");
    let r = lint_str(&m, &text, "x.toml").unwrap();
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].code, "serotonin_driven_model");
}

#[test]
fn kind_detection_and_errors() {
    assert_eq!(detect_kind(CLEAN, "a").unwrap(), ScenarioKind::Preclinical);
    assert_eq!(
        detect_kind("[trial]\narms = 2\n", "a").unwrap(),
        ScenarioKind::Clinical
    );
    assert!(detect_kind("x = 1\n", "a").is_err());
    let m = builtin("levomilnacipran").unwrap();
    let e = lint_str(
        &m,
        &CLEAN.replace("assay = \"open_field\"", "assay = \"maze\""),
        "x",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("tests[0].assay") && e.contains("open_field"),
        "{e}"
    );
    let e = lint_str(
        &m,
        &CLEAN.replace("frequency = \"bid\"", "frequency = \"weekly\""),
        "x",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("dosing.frequency"), "{e}");
}

#[test]
fn salt_form_unstated_needs_a_salt_form() {
    let mut m = builtin("levomilnacipran").unwrap();
    let r = lint_str(&m, BAD, "lint_bad.toml").unwrap();
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "salt_form_unstated")
        .unwrap();
    // Hydrochloride 282.81 vs base 246.35 g/mol: 14.8 % apart.
    assert!(f.message.contains("14.8 %"), "{}", f.message);
    m.compound.salt = None;
    let r = lint_str(&m, BAD, "lint_bad.toml").unwrap();
    assert!(!r.findings.iter().any(|f| f.code == "salt_form_unstated"));
}
