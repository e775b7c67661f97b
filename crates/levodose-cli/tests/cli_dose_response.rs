//! `levodose analyze dose-response` on DNase run 1 against R nls/SSfpl, files, and bad input.

use std::path::PathBuf;
use std::process::{Command, Output};

/// `../shared/reference/dose-response`, or `None` (with a one-line notice) in a clone without it.
fn reference_dir() -> Option<PathBuf> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/dose-response");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared/reference not found");
        None
    }
}

/// The dose-response example levodose generates itself (crates/levodose-stats/tests/example_datasets.rs).
fn example() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/analysis/dose_response.csv")
        .to_string_lossy()
        .into_owned()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(args)
        .output()
        .expect("run levodose")
}

fn dnase(dir: &std::path::Path) -> String {
    dir.join("dnase_run1.csv").to_string_lossy().into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("levodose-dr-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rel(got: f64, want: f64) -> f64 {
    ((got - want) / want).abs()
}

#[test]
fn json_matches_r_nls_on_dnase() {
    let Some(dir) = reference_dir() else { return };
    let out = run(&[
        "analyze",
        "dose-response",
        &dnase(&dir),
        "--dose",
        "conc",
        "--response",
        "density",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("dnase_run1_fpl.json")).unwrap())
            .unwrap();
    let re = |k: &str| r["estimates"][k].as_f64().unwrap();
    let rs = |k: &str| r["se"][k].as_f64().unwrap();
    let est = |k: &str| v["parameters"][k]["estimate"].as_f64().unwrap();
    let se = |k: &str| v["parameters"][k]["se"].as_f64().unwrap();
    assert_eq!(v["model"], "ll4");
    assert_eq!(v["n"], 16);
    assert_eq!(v["df"], 12);
    let checks = [
        ("bottom", est("bottom"), re("A")),
        ("top", est("top"), re("B")),
        ("ec50", est("ec50"), re("xmid").exp()),
        ("hill", est("hill"), 1.0 / re("scal")),
        ("SE bottom", se("bottom"), rs("A")),
        ("SE top", se("top"), rs("B")),
        ("SE log ec50", se("ec50") / est("ec50"), rs("xmid")),
        ("SE scal", se("hill") / est("hill").powi(2), rs("scal")),
        (
            "ed50",
            v["ed50"]["estimate"].as_f64().unwrap(),
            r["ec50_conc"].as_f64().unwrap(),
        ),
        (
            "residual_se",
            v["residual_se"].as_f64().unwrap(),
            r["residual_se"].as_f64().unwrap(),
        ),
    ];
    for (what, got, want) in checks {
        assert!(rel(got, want) <= 1e-4, "{what}: {got} vs R {want}");
    }
    let (lo, hi) = (
        v["ed50"]["lower"].as_f64().unwrap(),
        v["ed50"]["upper"].as_f64().unwrap(),
    );
    let t12 = 2.17881282966787;
    assert!(rel(lo, (re("xmid") - t12 * rs("xmid")).exp()) <= 1e-4);
    assert!(rel(hi, (re("xmid") + t12 * rs("xmid")).exp()) <= 1e-4);
    assert!(v["aic"].is_f64());
    assert!(v["findings"].is_array());
    let cmp = v["comparison"].as_array().unwrap();
    let models: Vec<&str> = cmp.iter().map(|c| c["model"].as_str().unwrap()).collect();
    assert_eq!(models, ["ll4", "emax", "emax0"]);
    assert!(cmp
        .iter()
        .all(|c| c.get("aic").is_some() && c["converged"].is_boolean()));
}

#[test]
fn out_writes_fit_json_and_svg() {
    let dir = scratch("out");
    let out = run(&[
        "analyze",
        "dose-response",
        &example(),
        "--dose",
        "dose_mg_per_kg",
        "--response",
        "response",
        "--model",
        "emax",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ED50") && text.contains(levodose::RESEARCH_USE_NOTE),
        "{text}"
    );
    let fit: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("fit.json")).unwrap()).unwrap();
    assert_eq!(fit["model"], "emax");
    let svg = std::fs::read_to_string(dir.join("dose_response.svg")).unwrap();
    assert!(svg.starts_with("<svg") || svg.contains("<svg"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn zero_dose_is_plotted_at_an_offset() {
    let dir = scratch("zero");
    let csv = dir.join("zero.csv");
    std::fs::write(
        &csv,
        "dose,resp\n0,1.0\n0,1.1\n1,2.0\n3,4.1\n10,7.9\n30,10.2\n100,11.0\n300,11.4\n",
    )
    .unwrap();
    let out = run(&[
        "analyze",
        "dose-response",
        csv.to_str().unwrap(),
        "--dose",
        "dose",
        "--response",
        "resp",
        "--model",
        "emax",
        "--json",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = std::fs::read_to_string(dir.join("dose_response.svg")).unwrap();
    assert!(
        svg.contains("Dose 0 plotted at"),
        "note about zero dose missing"
    );
    let _ = std::fs::remove_dir_all(dir);
}

fn expect_input_error(csv_text: &str, extra: &[&str], needle: &str) {
    let dir = scratch(&format!("bad{}", needle.len()));
    let csv = dir.join("bad.csv");
    std::fs::write(&csv, csv_text).unwrap();
    let mut args = vec!["analyze", "dose-response", csv.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = run(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains(needle), "'{needle}' not in: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

const GOOD: &str = "d,y\n0,1\n1,2\n3,4\n10,7\n30,9\n100,10\n";

#[test]
fn missing_column_is_exit_2() {
    expect_input_error(
        GOOD,
        &["--dose", "dose", "--response", "y"],
        "--dose 'dose'",
    );
    expect_input_error(
        GOOD,
        &["--dose", "d", "--response", "resp"],
        "--response 'resp'",
    );
}

#[test]
fn non_numeric_cell_is_exit_2() {
    expect_input_error(
        "d,y\n0,1\n1,abc\n3,4\n10,7\n30,9\n",
        &["--dose", "d", "--response", "y"],
        "data row 2",
    );
}

#[test]
fn negative_dose_is_exit_2() {
    expect_input_error(
        "d,y\n0,1\n-1,2\n3,4\n10,7\n30,9\n",
        &["--dose", "d", "--response", "y"],
        "negative",
    );
}

#[test]
fn too_few_points_is_exit_2() {
    expect_input_error(
        "d,y\n1,2\n3,4\n10,7\n",
        &["--dose", "d", "--response", "y", "--model", "ll4"],
        "ll4",
    );
}

#[test]
fn constant_response_is_exit_2_not_a_panic() {
    expect_input_error(
        "d,y\n0,5\n1,5\n3,5\n10,5\n30,5\n100,5\n",
        &["--dose", "d", "--response", "y", "--model", "emax"],
        "emax",
    );
}
