//! `levodose lint` end to end on the example scenarios.

use std::process::Command;

fn lint(file: &str) -> (i32, serde_json::Value) {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/preclinical/").to_string() + file;
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(["lint", &path, "--json"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null),
    )
}

#[test]
fn bad_reports_codes_and_exits_0() {
    let (code, v) = lint("lint_bad.toml");
    assert_eq!(code, 0);
    let codes: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
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
        assert!(codes.iter().any(|x| x == c), "missing {c}");
    }
    for f in v["findings"].as_array().unwrap() {
        for k in ["code", "severity", "message", "source"] {
            assert!(f[k].is_string());
        }
    }
}

#[test]
fn clean_reports_none() {
    let (code, v) = lint("lint_clean.toml");
    assert_eq!(code, 0);
    assert!(v["findings"].as_array().unwrap().is_empty());
}

#[test]
fn missing_file_exits_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(["lint", "/nonexistent.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn scenario_compound_selects_the_monograph() {
    let clean = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/preclinical/lint_clean.toml"
    ))
    .unwrap();
    let text = clean.replacen("[study]\n", "[study]\ncompound = \"duloxetine\"\n", 1);
    assert_ne!(text, clean);
    let path = std::env::temp_dir().join(format!("levodose-lint-dlx-{}.toml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(["lint", path.to_str().unwrap()])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("duloxetine has no preclinical section"),
        "{err}"
    );
}
