//! `levodose simulate --subjects/--parameters`: determinism across thread counts, the
//! population JSON block, --no-profile, parameter tables.

use std::process::Command;

fn run_env(args: &[&str], threads: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn same_seed_identical_json_with_one_or_two_threads() {
    let args = [
        "simulate",
        "--regimen",
        "label-titration:80",
        "--days",
        "12",
        "--subjects",
        "1500",
        "--seed",
        "9",
        "--json",
    ];
    let (c1, a, e) = run_env(&args, "1");
    assert_eq!(c1, 0, "{e}");
    let (_, b, _) = run_env(&args, "2");
    assert_eq!(a, b);
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    let p = &v["population"];
    assert_eq!(p["n"], 1500);
    for (name, s) in p["metrics"].as_object().unwrap() {
        let (lo, mid, hi) = (
            s["p05"].as_f64().unwrap(),
            s["p50"].as_f64().unwrap(),
            s["p95"].as_f64().unwrap(),
        );
        assert!(lo < mid && mid < hi, "{name}");
    }
    assert_eq!(p["profile_bands"].as_array().unwrap().len(), 12 * 24 + 1);
}

#[test]
fn no_profile_omits_arrays_and_targets_give_pta() {
    let (c, out, e) = run_env(
        &[
            "simulate",
            "--regimen",
            "80mg qd",
            "--subjects",
            "2000",
            "--no-profile",
            "--target",
            "net_occupancy.trough>=0.5",
            "--json",
        ],
        "2",
    );
    assert_eq!(c, 0, "{e}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v.get("profile").is_none());
    assert!(v["population"].get("profile_bands").is_none());
    // PTA at the population median of the metric is one half (binomial SD 0.011 for n = 2000).
    let p50 = v["population"]["metrics"]["net_occupancy_trough"]["p50"]
        .as_f64()
        .unwrap();
    let target = format!("net_occupancy.trough>={p50}");
    let (c, out, e) = run_env(
        &[
            "simulate",
            "--regimen",
            "80mg qd",
            "--subjects",
            "2000",
            "--no-profile",
            "--target",
            &target,
            "--json",
        ],
        "2",
    );
    assert_eq!(c, 0, "{e}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let pta = v["population"]["pta"].as_f64().unwrap();
    assert!((pta - 0.5).abs() < 0.005, "PTA at the median {pta}");
}

#[test]
fn parameter_file_rows_match_single_subject_runs() {
    let dir = std::env::temp_dir().join(format!("levodose-params-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("p.csv");
    std::fs::write(&file, "ID,CL,V,KA,LAG\n1,23.1,400,1.0,4\n2,15,350,0.6,3\n").unwrap();
    let (c, out, e) = run_env(
        &[
            "simulate",
            "--regimen",
            "80mg qd",
            "--parameters",
            file.to_str().unwrap(),
            "--json",
        ],
        "2",
    );
    assert_eq!(c, 0, "{e}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let subjects = v["population"]["subjects"].as_array().unwrap();
    // Row 1 is the typical subject: its steady state equals the single-subject engine's.
    let ss = &v["summary"]["steady_state"];
    let row = &subjects[0]["steady_state"];
    for k in ["cmin_ng_per_ml", "cmax_ng_per_ml", "auc_tau_ng_h_per_ml"] {
        let (a, b) = (row[k].as_f64().unwrap(), ss[k].as_f64().unwrap());
        assert!((a - b).abs() / b < 1e-6, "{k}: {a} vs {b}");
    }
    std::fs::write(&file, "ID,CL,V,KA\n1,-3,400,1\n").unwrap();
    let (c, _, e) = run_env(&["simulate", "--parameters", file.to_str().unwrap()], "2");
    assert_eq!(c, 2);
    assert!(e.contains("column CL"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Issue 9 item 9: a CrCl range or a label renal class describes a population; one subject
/// takes a single value, and unknown classes or both flags are input errors (exit 2).
#[test]
fn renal_class_and_crcl_range_for_populations() {
    let base = [
        "simulate",
        "--regimen",
        "80mg qd",
        "--days",
        "5",
        "--no-profile",
    ];
    let with = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        run_env(&a, "1")
    };
    let (c, _, e) = with(&["--subjects", "50", "--renal", "moderate", "--json"]);
    assert_eq!(c, 0, "{e}");
    let (c, _, e) = with(&["--subjects", "50", "--crcl", "30:59"]);
    assert_eq!(c, 0, "{e}");
    let (c, _, e) = with(&["--crcl", "30:59"]);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("--subjects"), "{e}");
    let (c, _, e) = with(&["--subjects", "50", "--renal", "awful"]);
    assert_eq!(c, 2);
    assert!(
        e.contains("mild") && e.contains("moderate") && e.contains("severe"),
        "{e}"
    );
    let (c, _, _) = with(&["--subjects", "50", "--renal", "mild", "--crcl", "45"]);
    assert_eq!(c, 2);
    let (c, _, e) = with(&["--subjects", "50", "--comed", "ketoconazole d8-"]);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("ketoconazole d8-"), "{e}");
}

/// `--out` of a population run writes report.html beside summary.json, and the report shows
/// the run's own numbers: the PTA and the steady-state median of summary.json (invariant: one
/// result rendered twice), with both band figures inline.
#[test]
fn population_out_writes_report_html_with_the_summary_numbers() {
    let dir = std::env::temp_dir().join(format!("levodose-pop-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (c, _, e) = run_env(
        &[
            "simulate",
            "--regimen",
            "80mg qd",
            "--days",
            "7",
            "--subjects",
            "200",
            "--target",
            "net_occupancy_trough>=0.5",
            "--out",
            dir.to_str().unwrap(),
        ],
        "2",
    );
    assert_eq!(c, 0, "{e}");
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html written");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let pop = &v["population"];
    let pta = pop["pta"].as_f64().expect("a target gives a PTA");
    assert!(
        html.contains(&format!("{:.1} % of 200 subjects", 100.0 * pta)),
        "PTA {pta} not in the report"
    );
    let median = pop["metrics"]["cavg_ng_per_ml"]["p50"].as_f64().unwrap();
    assert!(
        html.contains(&format!("{median:.4}")),
        "Cavg median {median}"
    );
    assert!(html.contains("Steady state (population percentiles)"));
    assert_eq!(
        html.matches("<svg").count(),
        2,
        "concentration and occupancy bands"
    );
    assert!(dir.join("concentration.svg").exists() && dir.join("occupancy.svg").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
