//! `levodose analyze mmrm` end to end on fev_data against the SAS PROC MIXED reference.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether `../shared/reference` is beside the repository; prints a one-line notice when not,
/// so a clone alone passes while CI (which requires the folder) always runs the comparison.
fn have_reference() -> bool {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference");
    let found = dir.is_dir();
    if !found {
        eprintln!("skipped: ../shared/reference not found");
    }
    found
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .current_dir(repo_root())
        .args(args)
        .output()
        .expect("run levodose");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const FORMULA: &str = "FEV1 ~ ARMCD*AVISIT + RACE + SEX + us(AVISIT | USUBJID)";

fn num(v: &Value) -> f64 {
    v.as_f64().expect("number")
}

#[test]
fn cli_mmrm_json_matches_sas() {
    if !have_reference() {
        return;
    }
    let (code, stdout, stderr) = run(&[
        "analyze",
        "mmrm",
        "../shared/reference/mmrm/fev_data.csv",
        "--formula",
        FORMULA,
        "--arm",
        "ARMCD",
        "--reference",
        "ARMCD=PBO",
        "--reference",
        "SEX=Male",
        "--reference",
        "RACE=Asian",
        "--reference",
        "AVISIT=VIS1",
        "--json",
    ]);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(!stdout.contains("NaN"));
    let out: Value = serde_json::from_str(&stdout).expect("JSON");
    let text = std::fs::read_to_string(repo_root().join("../shared/reference/mmrm/reference.json"))
        .unwrap();
    let reference: Value = serde_json::from_str(&text).unwrap();
    let r = &reference["fev_reml_un_satterthwaite"];

    assert!((num(&out["neg2_reml_loglik"]) - num(&r["neg2_reml_loglik"])).abs() <= 1e-4);
    assert!((num(&out["aic"]) - 3406.4).abs() <= 0.05);
    assert_eq!(out["n_subjects"], r["subjects"]);
    assert_eq!(out["n_observations"], r["observations_used"]);
    assert_eq!(
        out["visits"],
        serde_json::json!(["VIS1", "VIS2", "VIS3", "VIS4"])
    );
    // SAS lists UN(i,j) in CLASS order VIS2 VIS3 VIS4 VIS1 (reference level last).
    let sas_order = [3usize, 0, 1, 2];
    let sas_cov = r["covariance_un_visits_VIS1_to_VIS4"].as_array().unwrap();
    for i in 0..4 {
        for j in 0..4 {
            let sas = num(&sas_cov[sas_order[i]][sas_order[j]]);
            let tol = if sas.abs() >= 100.0 { 0.005 } else { 0.00005 };
            let ours = num(&out["covariance"][i][j]);
            assert!(
                (ours - sas).abs() <= tol,
                "covariance[{i}][{j}] {ours} vs {sas}"
            );
        }
    }
    let fixed = out["fixed_effects"].as_array().unwrap();
    for (term, sas) in [
        ("(Intercept)", 0usize),
        ("ARMCDTRT", 1),
        ("ARMCDTRT:AVISITVIS4", 7),
        ("SEXFemale", 10),
    ] {
        let ours = fixed.iter().find(|f| f["term"] == term).unwrap();
        let s = &r["fixed_effects"][sas];
        assert!(
            (num(&ours["estimate"]) - num(&s["estimate"])).abs() <= 0.5e-4,
            "{term}"
        );
        assert!((num(&ours["se"]) - num(&s["se"])).abs() <= 0.5e-4, "{term}");
        assert!((num(&ours["df"]) - num(&s["df"])).abs() <= 0.5, "{term}");
        for key in ["t", "p"] {
            assert!(ours[key].is_f64(), "{term} {key}");
        }
    }
    let lsmeans = out["lsmeans"].as_array().unwrap();
    assert_eq!(lsmeans.len(), 8);
    for l in r["lsmeans"].as_array().unwrap() {
        let ours = lsmeans
            .iter()
            .find(|m| m["arm"] == l["arm"] && m["visit"] == l["visit"])
            .unwrap();
        for key in ["estimate", "se"] {
            assert!(
                (num(&ours[key]) - num(&l[key])).abs() <= 0.5e-4,
                "{l} {key}"
            );
        }
        assert!((num(&ours["df"]) - num(&l["df"])).abs() <= 0.5, "{l} df");
        assert!(
            num(&ours["lower"]) < num(&ours["estimate"])
                && num(&ours["estimate"]) < num(&ours["upper"])
        );
    }
    let diffs = out["differences"].as_array().unwrap();
    assert_eq!(diffs.len(), 4);
    for d in r["differences_trt_minus_pbo"].as_array().unwrap() {
        let ours = diffs.iter().find(|x| x["visit"] == d["visit"]).unwrap();
        assert_eq!(ours["arm"], "TRT");
        assert_eq!(ours["reference_arm"], "PBO");
        for key in ["estimate", "se", "lower", "upper"] {
            assert!(
                (num(&ours[key]) - num(&d[key])).abs() <= 0.5e-4,
                "{} {key}",
                d["visit"]
            );
        }
        assert!((num(&ours["df"]) - num(&d["df"])).abs() <= 0.5);
        if let Some(p) = d.get("p") {
            assert!((num(&ours["p"]) - num(p)).abs() <= 0.5e-4);
        }
    }
}

#[test]
fn cli_mmrm_tables_and_bad_input() {
    // The trial dataset levodose generates itself (crates/levodose-stats/tests/example_datasets.rs).
    let data = "examples/analysis/mmrm_trial.csv";
    let formula = "CHG ~ ARM*VISIT + BASE + us(VISIT | USUBJID)";
    let (code, stdout, stderr) = run(&[
        "analyze",
        "mmrm",
        data,
        "--formula",
        "CHG ~ ARM + us(VISIT | USUBJID)",
        "--arm",
        "ARM",
        "--reference",
        "ARM=PBO",
        "--df",
        "kenward-roger",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("LS means")
            && stdout.contains(levodose::RESEARCH_USE_NOTE)
            && !stdout.contains("NaN"),
        "{stdout}"
    );

    for (args, needle) in [
        (vec!["--formula", "CHG ~ ARMX + us(VISIT | USUBJID)"], "ARMX"),
        (vec!["--formula", "CHG ~ ARM + "], "formula"),
        (vec!["--formula", "CHG ~ ARM"], "us(VISIT | SUBJECT)"),
        (vec!["--formula", formula, "--reference", "ARM=XYZ"], "XYZ"),
        (
            vec![
                "--formula",
                "CHG ~ USUBJID + BASE + us(VISIT | USUBJID)",
            ],
            "singular design",
        ),
    ] {
        let mut full = vec!["analyze", "mmrm", data];
        full.extend(args);
        let (code, stdout, stderr) = run(&full);
        assert_eq!(code, 2, "{full:?}: {stdout} {stderr}");
        assert!(stderr.contains(needle), "{full:?}: {stderr}");
        assert!(!stderr.contains("panicked"));
    }
}
