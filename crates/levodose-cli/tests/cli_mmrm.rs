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
        (
            vec!["--formula", "CHG ~ ARMX + us(VISIT | USUBJID)"],
            "ARMX",
        ),
        (vec!["--formula", "CHG ~ ARM + "], "formula"),
        (vec!["--formula", "CHG ~ ARM"], "us(VISIT | SUBJECT)"),
        (vec!["--formula", formula, "--reference", "ARM=XYZ"], "XYZ"),
        (
            vec!["--formula", "CHG ~ USUBJID + BASE + us(VISIT | USUBJID)"],
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

/// A copy of the generated trial dataset with `edit` applied to its lines, in a scratch folder.
fn edited_example(name: &str, edit: impl Fn(usize, &str) -> Option<String>) -> PathBuf {
    let text =
        std::fs::read_to_string(repo_root().join("examples/analysis/mmrm_trial.csv")).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(l) = edit(i + 1, line) {
            out.push_str(&l);
            out.push('\n');
        }
    }
    let dir = std::env::temp_dir().join(format!("levodose-mmrm-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("data.csv");
    std::fs::write(&path, out).unwrap();
    path
}

/// Issue 8 item 18: a duplicate names the subject's ID, a subject whose arm changes is
/// rejected, and an observed row dropped for an empty arm is noted by row and subject.
#[test]
fn mmrm_input_problems_name_the_subject() {
    let formula = "CHG ~ ARM*VISIT + us(VISIT | USUBJID)";
    let args = |p: &PathBuf| -> Vec<String> {
        [
            "analyze",
            "mmrm",
            p.to_str().unwrap(),
            "--formula",
            formula,
            "--arm",
            "ARM",
            "--json",
        ]
        .map(String::from)
        .to_vec()
    };
    let run_owned = |a: Vec<String>| run(&a.iter().map(String::as_str).collect::<Vec<_>>());

    // line 2 is S001 W2; repeat it at the end
    let dup = edited_example("dup", |i, l| {
        Some(if i == 641 {
            format!("{l}\nS001,PBO,W2,33,-4.0")
        } else {
            l.to_string()
        })
    });
    let (code, _, err) = run_owned(args(&dup));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("USUBJID S001 has more than one row for VISIT W2"),
        "{err}"
    );
    assert!(err.contains("rows 2 and 642"), "{err}");

    let switched = edited_example("switch", |i, l| {
        Some(if i == 4 {
            l.replace(",PBO,", ",TRT,")
        } else {
            l.to_string()
        })
    });
    let (code, _, err) = run_owned(args(&switched));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("USUBJID S001: ARM is PBO on row 2 but TRT on row 4"),
        "{err}"
    );

    let empty_arm = edited_example("empty", |i, l| {
        Some(if i == 3 {
            l.replace(",PBO,", ",,")
        } else {
            l.to_string()
        })
    });
    let (code, out, err) = run_owned(args(&empty_arm));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("1 rows with an observed CHG were not used")
            && notes.contains("row 3 (subject S001, VISIT W4): empty ARM"),
        "{notes}"
    );
}

/// Issue 9 item 13: Type III tests for every term, LS means without --arm for the first
/// categorical term, and --arm for a column not in the formula said in words.
#[test]
fn mmrm_type3_default_lsmeans_and_arm_outside_formula() {
    let data = "examples/analysis/mmrm_trial.csv";
    let (code, out, err) = run(&[
        "analyze",
        "mmrm",
        data,
        "--formula",
        "CHG ~ ARM*VISIT + BASE + us(VISIT | USUBJID)",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let effects: Vec<&str> = v["type3"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["effect"].as_str().unwrap())
        .collect();
    assert_eq!(effects.len(), 4, "{effects:?}");
    for e in ["ARM", "VISIT", "BASE"] {
        assert!(effects.contains(&e), "{effects:?}");
    }
    for t in v["type3"].as_array().unwrap() {
        assert!(t["f"].as_f64().unwrap() >= 0.0 && t["p"].as_f64().unwrap() <= 1.0);
    }
    assert_eq!(v["lsmeans_factor"], "ARM");
    assert_eq!(v["lsmeans"].as_array().unwrap().len(), 8);

    let (code, _, err) = run(&[
        "analyze",
        "mmrm",
        data,
        "--formula",
        "CHG ~ VISIT + BASE + us(VISIT | USUBJID)",
        "--arm",
        "ARM",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--arm ARM: ARM is not a term of the formula"),
        "{err}"
    );

    let (code, out, _) = run(&[
        "analyze",
        "mmrm",
        data,
        "--formula",
        "CHG ~ VISIT + BASE + us(VISIT | USUBJID)",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("LS means: no LS means: the model has no categorical term"),
        "{out}"
    );
}
