//! `levodose design preclinical` end to end: the three files, reproducible randomisation,
//! the template round trip, and dose-range design. Also runs the README walk-through commands.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_levodose"))
}

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("levodose-design-{name}-{}", std::process::id()))
}

fn run_ok(args: &[&str]) -> String {
    let out = bin()
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn template_writes_three_files_and_same_seed_same_list() {
    let (a, b) = (tmp("a"), tmp("b"));
    for d in [&a, &b] {
        run_ok(&[
            "design",
            "preclinical",
            "--template",
            "lps",
            "--out",
            d.to_str().unwrap(),
        ]);
        for f in ["protocol.md", "schedule.csv", "randomisation.csv"] {
            assert!(d.join(f).exists(), "{f}");
        }
    }
    let read = |d: &Path| std::fs::read_to_string(d.join("randomisation.csv")).unwrap();
    assert_eq!(read(&a), read(&b));
    // 4 groups x 19 enrolled (n 17 for d = 1, 10 % attrition) + header.
    assert_eq!(read(&a).lines().count(), 1 + 4 * 19);
    let c = tmp("c");
    run_ok(&[
        "design",
        "preclinical",
        "--template",
        "lps",
        "--seed",
        "99",
        "--out",
        c.to_str().unwrap(),
    ]);
    assert_ne!(read(&a), read(&c));
    for d in [a, b, c] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn written_template_equals_the_example_file() {
    let t = run_ok(&["design", "preclinical", "--write-template", "lps"]);
    assert_eq!(
        t,
        include_str!("../../../examples/preclinical/lps_template.toml")
    );
}

#[test]
fn dose_range_json() {
    let s = run_ok(&[
        "design",
        "dose-range",
        "--species",
        "rat",
        "--frequency",
        "bid",
        "--range",
        "0.2:0.8",
        "--k",
        "4",
        "--doses",
        "20,30,40",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(v["proposed"].as_array().unwrap().len(), 4);
    assert!(v["spacing_ratio"].as_f64().unwrap() >= 2.0);
}

#[test]
fn bad_scenario_exits_2_without_files() {
    let d = tmp("bad");
    let f = tmp("bad.toml");
    std::fs::write(&f, "[study]\nkind = \"preclinical\"\nspecies = \"dog\"\n[dosing]\nroute=\"ip\"\nfrequency=\"qd\"\ndays=3\n[[groups]]\nname=\"a\"\ntreatment=\"vehicle\"\n[[groups]]\nname=\"b\"\ntreatment=\"vehicle\"\n").unwrap();
    let out = bin()
        .args([
            "design",
            "preclinical",
            f.to_str().unwrap(),
            "--out",
            d.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("study.species"));
    assert!(!d.exists());
    let _ = std::fs::remove_file(f);
}

/// The README preclinical walk-through: every command runs and succeeds.
#[test]
fn readme_walkthrough_commands_run() {
    let out = tmp("readme");
    let o = out.to_str().unwrap();
    run_ok(&[
        "translate",
        "--species",
        "rat",
        "--route",
        "ip",
        "--match",
        "80mg qd",
        "--metric",
        "net-occupancy-average",
        "--salt",
        "--weight-kg",
        "0.25",
    ]);
    run_ok(&[
        "design",
        "dose-range",
        "--species",
        "rat",
        "--route",
        "ip",
        "--frequency",
        "bid",
        "--range",
        "0.2:0.8",
        "--k",
        "4",
        "--doses",
        "20,30,40",
    ]);
    run_ok(&["lint", "examples/preclinical/lint_bad.toml"]);
    run_ok(&["lint", "examples/preclinical/lint_clean.toml"]);
    run_ok(&["design", "preclinical", "--template", "lps", "--out", o]);
    let _ = std::fs::remove_dir_all(out);
}

/// `--out` also writes report.html: the answer (groups x n = animals, as the JSON counts them),
/// every group by name, the findings, the sources, and no blind code (the report must not
/// unblind randomisation.csv).
#[test]
fn out_writes_a_report_that_does_not_unblind() {
    let dir = tmp("report");
    let _ = std::fs::remove_dir_all(&dir);
    run_ok(&[
        "design",
        "preclinical",
        "--template",
        "lps",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let json = run_ok(&["design", "preclinical", "--template", "lps", "--json"]);
    let d: serde_json::Value = serde_json::from_str(&json).unwrap();
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    let groups = d["groups"].as_array().unwrap();
    let headline = format!(
        "{} groups x {} = {} animals",
        groups.len(),
        d["n_per_group"],
        d["randomisation"].as_array().unwrap().len()
    );
    assert!(html.contains(&headline), "{headline}");
    for g in groups {
        let name = g["name"].as_str().unwrap();
        assert!(
            html.contains(&name.replace('&', "&amp;").replace('/', "&#x2f;")),
            "group {name}"
        );
        let code = g["code"].as_str().unwrap();
        assert!(
            !html.contains(&format!(">{code}<")),
            "blind code {code} must not be in the report"
        );
    }
    assert!(html.contains("id=\"findings\"") && html.contains("id=\"sources\""));
    let _ = std::fs::remove_dir_all(&dir);
}
