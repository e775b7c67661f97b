//! Issues 8 and 9 end to end: toxicity errors in translate output, the minipump row, lint's
//! help text, the trial template, and which n design used.

use std::process::Command;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_levodose"));
    c.current_dir(ROOT);
    c
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = bin().args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn mouse_ip_once_daily_dose_prints_an_ld50_error() {
    let (ok, out, err) = run(&["translate", "--species", "mouse", "--route", "ip"]);
    assert!(ok, "{err}");
    let qd = out.lines().find(|l| l.starts_with("qd ")).unwrap();
    let dose: f64 = qd.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(dose > 42.6, "{qd}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("error: dose_above_ld50_fraction") && l.contains("once daily")),
        "{out}"
    );
}

#[test]
fn minipump_row_reads_continuous_and_recommendation_is_not_doubled() {
    let (ok, out, err) = run(&[
        "translate",
        "--species",
        "rat",
        "--route",
        "ip",
        "--metric",
        "free-cavg",
    ]);
    assert!(ok, "{err}");
    assert!(!out.contains("minipump minipump"), "{out}");
    let pump = out.lines().find(|l| l.starts_with("minipump")).unwrap();
    assert!(
        pump.contains("24.0") && pump.contains("continuous"),
        "{pump}"
    );
    assert!(out.contains("h>=human/day") && out.contains("window (h after each dose)"));
}

#[test]
fn lint_help_has_no_backslashes() {
    let (ok, out, _) = run(&["lint", "--help"]);
    assert!(ok);
    assert!(out.contains("kind = \"preclinical\""), "{out}");
    assert!(!out.contains('\\'), "{out}");
}

#[test]
fn trial_write_template_prints_a_parseable_trial() {
    let (ok, out, err) = run(&["trial", "--write-template"]);
    assert!(ok, "{err}");
    assert!(out.contains("[trial]") && out.contains("[[trial.arms]]"));
    let dir = std::env::temp_dir().join(format!("levodose-c-trial-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("t.toml");
    std::fs::write(&f, out).unwrap();
    let (ok, _, err) = run(&["lint", f.to_str().unwrap()]);
    assert!(ok, "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn design_says_which_n_it_used() {
    let (ok, out, err) = run(&["design", "preclinical", "--template", "lps"]);
    assert!(ok, "{err}");
    let line = out.lines().find(|l| l.starts_with("n per group:")).unwrap();
    assert!(line.contains("from the power calculation"), "{line}");
    let (ok, out, err) = run(&[
        "design",
        "preclinical",
        "examples/preclinical/lint_clean.toml",
    ]);
    assert!(ok, "{err}");
    let line = out.lines().find(|l| l.starts_with("n per group:")).unwrap();
    assert!(line.contains("study.n_per_group"), "{line}");
}

#[test]
fn unknown_key_names_its_table() {
    let dir = std::env::temp_dir().join(format!("levodose-c-unknown-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("s.toml");
    let text = std::fs::read_to_string(format!("{ROOT}/examples/preclinical/lint_clean.toml"))
        .unwrap()
        .replace("sex = \"male\"", "sex = \"male\"\ngenotype = \"wt\"");
    std::fs::write(&f, text).unwrap();
    let out = bin().args(["lint", f.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[study]") && err.contains("genotype"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
