//! `levodose individualize` end to end (issue 12 item 5): with no levels the prior's typical
//! values come back exactly (read from the monograph file here); with many precise levels that
//! the engine simulated from known parameters the MAP estimate finds those parameters; a level
//! far outside the prior predictive gets a finding; bad levels files exit 2 naming the row; the
//! dose respects the label's renal cap.

use levodose::pk::{self, PkParams};
use levodose::regimen::{DoseEvent, Route};
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut a = vec!["individualize"];
    a.extend_from_slice(args);
    a.extend(["--json", "--samples", "400"]);
    let (code, out, err) = run(&a);
    assert_eq!(code, 0, "{a:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("levodose_indiv_{}_{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn monograph_value(section: &str, key: &str) -> f64 {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text =
        std::fs::read_to_string(root.join("crates/levodose-data/compounds/levomilnacipran.toml"))
            .unwrap();
    let doc: toml::Value = toml::from_str(&text).unwrap();
    doc[section][key]["value"].as_float().unwrap()
}

fn has_finding(v: &serde_json::Value, code: &str) -> bool {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == code)
}

#[test]
fn no_levels_returns_the_prior_typical_values_of_the_monograph() {
    let v = json(&["--regimen", "80mg qd", "--days", "10"]);
    assert_eq!(v["map"]["n_levels"], 0);
    assert_eq!(v["structure"], "oral-1cpt-lag");
    for (name, key) in [
        ("cl", "clearance_l_per_h"),
        ("v", "volume_l"),
        ("ka", "ka_per_h"),
        ("lag", "lag_h"),
    ] {
        let expected = monograph_value("human", key);
        let got = v["map"]["parameters"][name].as_f64().unwrap();
        // Only round-off of exp(ln x) and of the clearance factor (exactly 1 at normal renal
        // function without co-medication) separates them.
        assert!(
            (got / expected - 1.0).abs() < 1e-12,
            "{name}: {got} vs monograph {expected}"
        );
    }
    for name in ["cl", "v", "ka"] {
        assert_eq!(v["map"]["eta"][name].as_f64().unwrap(), 0.0, "{name}");
    }
    // The posterior without levels is the prior: eta variance = ln(1 + CV^2) of the monograph.
    let cv = monograph_value("variability", "clearance_cv_fraction");
    let var = v["map"]["eta_covariance"][0][0].as_f64().unwrap();
    assert!((var - (1.0 + cv * cv).ln()).abs() < 1e-12, "{var}");
    assert_eq!(
        v["residual_error"]["proportional_sd"].as_f64().unwrap(),
        monograph_value("variability", "residual_proportional_sd_fraction")
    );
    assert!(v["research_note"]
        .as_str()
        .unwrap()
        .contains("Research use"));
}

#[test]
fn many_precise_levels_converge_to_the_true_parameters() {
    let dir = temp_dir("precise");
    // A prior centred away from the truth; lag without IIV equals the true lag.
    let model = write(
        &dir,
        "prior.toml",
        "structure = \"oral-1cpt-lag\"\n[parameters.cl]\ninit = 23.1\nomega = 0.06\n[parameters.v]\ninit = 400\nomega = 0.06\n[parameters.ka]\ninit = 1.0\nomega = 0.22\n[parameters.lag]\ninit = 4.0\n[error]\nproportional_sd = 0.001\n",
    );
    let mut truth = PkParams::one_compartment(30.0, 350.0, 1.4);
    truth.lag_h = 4.0;
    // 80 mg once daily on days 1-5 (what `--regimen "80mg qd"` gives up to the last level at 120 h).
    let doses: Vec<DoseEvent> = (0..5)
        .map(|d| DoseEvent {
            time_h: 24.0 * d as f64,
            amount_mg: 80.0,
            route: Route::Po,
            infusion_h: None,
        })
        .collect();
    let times: Vec<f64> = (0..25).map(|i| 72.0 + 2.0 * i as f64).collect();
    let conc = pk::concentrations(&truth, &doses, &times).unwrap();
    let mut csv = String::from("TIME_H,CONC_NG_PER_ML\n");
    for (t, c) in times.iter().zip(&conc) {
        csv.push_str(&format!("{t},{c}\n"));
    }
    let levels = write(&dir, "levels.csv", &csv);
    let v = json(&[
        "--regimen",
        "80mg qd",
        "--levels",
        &levels,
        "--model",
        &model,
    ]);
    assert_eq!(v["map"]["converged"], true);
    assert_eq!(v["map"]["n_levels"], 25);
    for (name, t) in [("cl", 30.0), ("v", 350.0), ("ka", 1.4)] {
        let est = v["map"]["parameters"][name].as_f64().unwrap();
        assert!((est / t - 1.0).abs() < 0.01, "{name}: {est} vs truth {t}");
        let ci = &v["map"]["parameters_ci95"][name];
        let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
        assert!(lo < est && est < hi && hi / lo < 1.05, "{name}: {lo}-{hi}");
    }
    assert!(!has_finding(&v, "level_implausible"));
}

#[test]
fn an_implausible_level_gets_a_finding_and_a_plausible_one_does_not() {
    let dir = temp_dir("implausible");
    // PRED of the typical patient is plausible by construction; 5000 ng/mL after 80 mg is not
    // (label steady-state Cmax at 120 mg is 341 ng/mL).
    let typical = json(&["--regimen", "80mg qd", "--days", "10"]);
    let pred = typical["profiles"]["conc_ng_per_ml"]["map"][432]
        .as_f64()
        .unwrap();
    assert_eq!(typical["profiles"]["time_h"][432], 216.0);
    let ok = write(
        &dir,
        "ok.csv",
        &format!("TIME_H,CONC_NG_PER_ML\n216,{pred}\n"),
    );
    let v = json(&["--regimen", "80mg qd", "--levels", &ok]);
    assert_eq!(v["levels"][0]["plausible"], true);
    assert!(!has_finding(&v, "level_implausible"), "{}", v["findings"]);

    let bad = write(&dir, "bad.csv", "TIME_H,CONC_NG_PER_ML\n216,5000\n");
    let v = json(&["--regimen", "80mg qd", "--levels", &bad]);
    assert_eq!(v["levels"][0]["plausible"], false);
    assert!(v["levels"][0]["prior_p99_ng_per_ml"].as_f64().unwrap() < 5000.0);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "level_implausible")
        .expect("a level_implausible finding");
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("implausible for the recorded dose"));
}

#[test]
fn bad_levels_files_exit_2_naming_the_row() {
    let dir = temp_dir("bad");
    for (name, text, needle) in [
        ("nan.csv", "TIME_H,CONC_NG_PER_ML\n24,50\n48,abc\n", "row 2"),
        ("neg.csv", "TIME_H,CONC_NG_PER_ML\n-1,50\n", "row 1"),
        (
            "negc.csv",
            "TIME_H,CONC_NG_PER_ML\n24,50\n48,60\n72,-3\n",
            "row 3",
        ),
        ("nocol.csv", "TIME_H,LEVEL\n24,50\n", "LEVEL"),
        ("noconc.csv", "TIME_H\n24\n", "CONC_NG_PER_ML"),
        ("empty.csv", "TIME_H,CONC_NG_PER_ML\n", "no rows"),
    ] {
        let p = write(&dir, name, text);
        let (code, _, err) = run(&["individualize", "--regimen", "80mg qd", "--levels", &p]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(needle), "{name}: {err}");
    }
}

#[test]
fn an_untimed_level_is_a_trough_with_a_finding() {
    let dir = temp_dir("untimed");
    let p = write(&dir, "untimed.csv", "CONC_NG_PER_ML\n80\n");
    let v = json(&["--regimen", "80mg qd", "--days", "10", "--levels", &p]);
    assert!(has_finding(&v, "sampling_time_unknown"));
    // the last dose of 10 days once daily is at 216 h; the trough before the next at 240 h
    assert_eq!(v["levels"][0]["time_h"], 240.0);
    let (code, _, err) = run(&["individualize", "--regimen", "80mg qd", "--levels", &p]);
    assert_eq!(code, 2);
    assert!(err.contains("--days"), "{err}");
}

#[test]
fn the_dose_respects_the_renal_cap_for_a_low_crcl() {
    let dir = temp_dir("renal");
    // A low trough: this patient clears fast, so only high doses would reach the target.
    let p = write(&dir, "low.csv", "TIME_H,CONC_NG_PER_ML\n216,40\n");
    for (crcl, cap) in [("45", 80.0), ("20", 40.0)] {
        let v = json(&[
            "--regimen",
            "40mg qd",
            "--levels",
            &p,
            "--crcl",
            crcl,
            "--target",
            "net_occupancy.trough>=0.5",
        ]);
        assert_eq!(v["dose"]["label_cap_mg"].as_f64().unwrap(), cap, "{crcl}");
        let d = v["dose"]["recommended_dose_mg"]
            .as_f64()
            .or_else(|| v["dose"]["closest_dose_mg"].as_f64())
            .unwrap_or_else(|| panic!("CrCl {crcl}: no dose named: {}", v["dose"]));
        assert!(d <= cap, "CrCl {crcl}: {d} mg above the cap {cap}");
        for c in v["dose"]["candidates"].as_array().unwrap() {
            let over = c["dose_mg"].as_f64().unwrap() > cap;
            assert_eq!(c["label_conform"], !over, "{c}");
        }
    }
}

#[test]
fn same_seed_same_output_and_out_writes_the_files() {
    let a = json(&[
        "--regimen",
        "80mg qd",
        "--levels",
        "../../examples/individualize/levels.csv",
    ]);
    let b = json(&[
        "--regimen",
        "80mg qd",
        "--levels",
        "../../examples/individualize/levels.csv",
    ]);
    assert_eq!(a.to_string(), b.to_string());
    let dir = temp_dir("out");
    let (code, _, err) = run(&[
        "individualize",
        "--regimen",
        "80mg qd",
        "--levels",
        "../../examples/individualize/levels.csv",
        "--samples",
        "200",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    for f in [
        "individualize.json",
        "concentration.svg",
        "occupancy.svg",
        "report.html",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
}

#[test]
fn a_nonmem_dataset_gives_the_history_the_levels_and_the_crcl() {
    let data = "../../examples/fit/levomilnacipran_sim.csv";
    let text = std::fs::read_to_string(data).unwrap();
    // Subject 1's rows in the file: doses (EVID 1) and observations (EVID 0).
    let rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| l.starts_with("1,"))
        .map(|l| l.split(',').collect())
        .collect();
    let n_obs = rows.iter().filter(|r| r[4] == "0").count();
    let v = json(&["--dataset", data, "--id", "1"]);
    assert_eq!(v["map"]["n_levels"].as_u64().unwrap() as usize, n_obs);
    let first_obs = rows.iter().find(|r| r[4] == "0").unwrap();
    assert_eq!(
        v["levels"][0]["conc_ng_per_ml"].as_f64().unwrap(),
        first_obs[3].parse::<f64>().unwrap()
    );
    let crcl = rows[0][8];
    assert!(
        v["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains(&format!("CrCl {crcl} mL/min"))),
        "{}",
        v["notes"]
    );
    let (code, _, err) = run(&["individualize", "--dataset", data, "--id", "no-such-id"]);
    assert_eq!(code, 2);
    assert!(err.contains("--id no-such-id"), "{err}");
    let (code, _, err) = run(&["individualize", "--dataset", data]);
    assert_eq!(code, 2);
    assert!(err.contains("--id"), "{err}");
}

#[test]
fn the_output_does_not_depend_on_the_thread_count() {
    let args = [
        "individualize",
        "--regimen",
        "80mg qd",
        "--levels",
        "../../examples/individualize/levels.csv",
        "--samples",
        "300",
        "--json",
    ];
    let outputs: Vec<Vec<u8>> = ["1", "3"]
        .iter()
        .map(|n| {
            let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
                .args(args)
                .env("RAYON_NUM_THREADS", n)
                .output()
                .unwrap();
            assert!(out.status.success());
            out.stdout
        })
        .collect();
    assert_eq!(outputs[0], outputs[1]);
}
