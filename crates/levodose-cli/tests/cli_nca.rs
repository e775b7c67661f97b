//! `levodose analyze nca`: JSON layout against WinNonlin (theophylline), files, CDISC rows, bad data
//! (exit 2 naming the row), non-estimable lambda_z (null + finding), sparse sampling, and the
//! measured-PK loop (`--write-pk` then `translate --pk`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run levodose")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("levodose-nca-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn theophylline_json_has_the_issue_layout_and_winnonlin_values() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/nca");
    if !dir.is_dir() {
        eprintln!("skipped: ../shared/reference not found");
        return;
    }
    let data = dir.join("theoph.csv").to_string_lossy().into_owned();
    let o = run(&[
        "analyze",
        "nca",
        &data,
        "--dose",
        "320",
        "--auc-method",
        "linear",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let s1 = &v["subjects"][0];
    assert_eq!(s1["id"], "1");
    // WinNonlin, winnonlin_theoph_linear.csv subject 1: AUClast 148.92305, Lambda_z 0.048456997,
    // Cl_F_obs 1.477296267 (full row checked in levodose-stats tests/nca_winnonlin.rs).
    let p = &s1["parameters"];
    let rel = |k: &str, w: f64| ((p[k].as_f64().unwrap() - w) / w).abs();
    assert!(rel("auclast", 148.92305) < 1e-6);
    assert!(rel("lambda_z", 0.048456997) < 1e-6);
    assert!(rel("cl_obs", 1.477296267) < 1e-6);
    assert_eq!(p["lambda_z_n_points"], 3);
    assert_eq!(s1["lambda_z_points"].as_array().unwrap().len(), 3);
    assert!(s1["exclusions"].is_array());
    assert!(v["summary"][0]["parameters"].is_array());
    assert_eq!(v["summary"][0]["n_subjects"], 12);
    assert_eq!(v["settings"]["route"], "extravascular");
    assert!(v["findings"].is_array());
}

const GOOD: &str = "ID,TIME,CONC,DOSE,ARM\n\
1,0,0,10,A\n1,0.5,4,10,A\n1,1,6,10,A\n1,2,5,10,A\n1,4,3,10,A\n1,8,1.2,10,A\n1,12,0.5,10,A\n\
2,0,0,20,B\n2,0.5,7,20,B\n2,1,11,20,B\n2,2,9,20,B\n2,4,6,20,B\n2,8,2.5,20,B\n2,12,1,20,B\n";

#[test]
fn out_writes_results_json_cdisc_and_plots() {
    let dir = scratch("out");
    let data = write(&dir, "d.csv", GOOD);
    let out = dir.join("res");
    let o = run(&[
        "analyze",
        "nca",
        &data,
        "--dose-column",
        "DOSE",
        "--group",
        "ARM",
        "--auc-interval",
        "0-24",
        "--time-unit",
        "h",
        "--conc-unit",
        "ng/mL",
        "--dose-unit",
        "mg",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "nca.json",
        "nca_results.csv",
        "pp.csv",
        "spaghetti.svg",
        "profile_1_linear.svg",
        "profile_1_log.svg",
        "profile_2_log.svg",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("nca.json")).unwrap()).unwrap();
    assert_eq!(
        v["summary"].as_array().unwrap().len(),
        2,
        "one summary per group"
    );
    assert_eq!(v["settings"]["parameter_units"]["cl_obs"], "mg/(ng/mL*h)");
    let iv = &v["subjects"][0]["auc_intervals"][0];
    assert_eq!(
        (iv["start"].as_f64(), iv["end"].as_f64()),
        (Some(0.0), Some(24.0))
    );
    assert!(
        iv["auc"].as_f64().unwrap() > v["subjects"][0]["parameters"]["auclast"].as_f64().unwrap()
    );
    let pp = std::fs::read_to_string(out.join("pp.csv")).unwrap();
    assert!(pp.starts_with("USUBJID,PPTESTCD,PPTEST,PPORRES,PPORRESU\n"));
    assert!(pp.contains("1,CMAX,Max Conc,6,ng/mL\n"));
    assert!(pp.contains(",CLFO,Total CL Obs by F,"));
    let cdisc = run(&[
        "analyze",
        "nca",
        &data,
        "--dose-column",
        "DOSE",
        "--format",
        "cdisc",
    ]);
    assert!(cdisc.status.success());
    assert!(String::from_utf8_lossy(&cdisc.stdout).contains(",AUCLST,"));
}

#[test]
fn bad_data_exit_2_naming_the_row() {
    let dir = scratch("bad");
    let cases = [
        (
            "unsorted.csv",
            "ID,TIME,CONC\n1,0,0\n1,2,5\n1,1,3\n",
            "data row 3",
            "sorted",
        ),
        (
            "dup.csv",
            "ID,TIME,CONC\n1,0,0\n1,1,5\n1,1,3\n",
            "data row 3",
            "duplicated",
        ),
        (
            "neg.csv",
            "ID,TIME,CONC\n1,0,0\n1,1,-5\n",
            "data row 2",
            "negative",
        ),
        (
            "text.csv",
            "ID,TIME,CONC\n1,0,0\n1,1,BLQ\n",
            "data row 2",
            "--blq-column",
        ),
    ];
    for (name, text, row, word) in cases {
        let data = write(&dir, name, text);
        let o = run(&["analyze", "nca", &data, "--dose", "1"]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        let e = stderr(&o);
        assert!(e.contains(row) && e.contains(word), "{name}: {e}");
    }
    let data = write(&dir, "nodose.csv", "ID,TIME,CONC\n1,0,0\n1,1,5\n");
    let o = run(&["analyze", "nca", &data]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing dose"));
    let data = write(&dir, "nodosecol.csv", "ID,TIME,CONC,DOSE\n1,0,0,\n1,1,5,\n");
    let o = run(&["analyze", "nca", &data, "--dose-column", "DOSE"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing dose: subject 1"));
    let o = run(&[
        "analyze",
        "nca",
        &data,
        "--dose",
        "1",
        "--route",
        "iv-infusion",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--duration"));
}

#[test]
fn non_estimable_lambda_z_is_null_with_a_finding() {
    let dir = scratch("short");
    let data = write(&dir, "s.csv", "ID,TIME,CONC\n1,0,0\n1,1,2\n1,2,5\n1,4,3\n");
    let o = run(&["analyze", "nca", &data, "--dose", "10", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(!text.contains("NaN"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let p = &v["subjects"][0]["parameters"];
    assert!(p["lambda_z"].is_null() && p["aucinf_obs"].is_null() && p["cl_obs"].is_null());
    assert!(p["auclast"].as_f64().is_some());
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "nca_lambda_z_not_estimable"));
}

#[test]
fn sparse_matches_bailer_by_hand() {
    // times 0, 1, 3 with two animals each (m ± 1): AUC 10, SE sqrt(3.5) (Bailer 1988 formula).
    let dir = scratch("sparse");
    let data = write(
        &dir,
        "sp.csv",
        "ID,TIME,CONC\na,0,0\nb,0,2\nc,1,4\nd,1,6\ne,3,1\nf,3,3\n",
    );
    let o = run(&["analyze", "nca", &data, "--dose", "1", "--sparse", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!((v["sparse"]["auclast"].as_f64().unwrap() - 10.0).abs() < 1e-12);
    assert!((v["sparse"]["auclast_se"].as_f64().unwrap() - 3.5f64.sqrt()).abs() < 1e-12);
    assert_eq!(v["sparse"]["design"], "serial");
    assert_eq!(
        v["findings"][0]["code"],
        "nca_sparse_individual_not_estimable"
    );
}

#[test]
fn measured_pk_replaces_allometry_in_translate() {
    let dir = scratch("pk");
    let pk = dir.join("pk.toml");
    let o = run(&[
        "analyze",
        "nca",
        "examples/nca/rat_pilot.csv",
        "--time",
        "TIME_H",
        "--conc",
        "CONC_NG_PER_ML",
        "--dose",
        "3",
        "--time-unit",
        "h",
        "--conc-unit",
        "ng/mL",
        "--dose-unit",
        "mg/kg",
        "--species",
        "rat",
        "--dose-route",
        "ip",
        "--write-pk",
        pk.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&pk).unwrap();
    assert!(text.contains("[pk]") && text.contains("status = \"measured\""));
    assert!(text.contains("source = \"measured: examples/nca/rat_pilot.csv\""));
    let t = run(&[
        "translate",
        "--species",
        "rat",
        "--route",
        "ip",
        "--pk",
        pk.to_str().unwrap(),
    ]);
    assert!(t.status.success(), "{}", stderr(&t));
    let out = String::from_utf8_lossy(&t.stdout);
    assert!(
        out.contains("measured: examples/nca/rat_pilot.csv"),
        "{out}"
    );
    assert!(!out.contains("assumed: allometric"), "{out}");
    // the file belongs to i.p. dosing: refused for gavage
    let t = run(&[
        "translate",
        "--species",
        "rat",
        "--route",
        "po",
        "--pk",
        pk.to_str().unwrap(),
    ]);
    assert_eq!(t.status.code(), Some(2));
}
