//! `levodose translate` end to end: JSON names, recommendation rule, files, bad input exit 2.

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_levodose"))
}

#[test]
fn rat_ip_net_occupancy_json() {
    let out = bin()
        .args([
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
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for k in [
        "species",
        "route",
        "metric",
        "human_level",
        "options",
        "recommended",
        "test_window_h",
        "tmax_h",
        "bsa_scaled_dose_mg_per_kg",
        "findings",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    let opts = v["options"].as_array().unwrap();
    let freqs: Vec<&str> = opts
        .iter()
        .map(|o| o["frequency"].as_str().unwrap())
        .collect();
    assert_eq!(freqs, ["qd", "bid", "tid", "minipump"]);
    for o in opts {
        for k in [
            "dose_mg_per_kg",
            "trough",
            "peak",
            "average",
            "hours_at_or_above_human",
        ] {
            assert!(o[k].is_number(), "{k}");
        }
    }
    let qd = &opts[0];
    if qd["trough"].as_f64().unwrap() < 0.5 * qd["peak"].as_f64().unwrap() {
        assert!(["bid", "minipump"].contains(&v["recommended"]["frequency"].as_str().unwrap()));
    }
    let text = serde_json::to_string(&v["findings"]).unwrap();
    assert!(text.contains("assumed: allometric"));
    let p = &v["preparation"];
    let ratio =
        p["dose_salt_mg_per_kg"].as_f64().unwrap() / p["dose_base_mg_per_kg"].as_f64().unwrap();
    assert!((ratio - 282.81 / 246.35).abs() < 1e-9);
}

#[test]
fn out_dir_gets_plot_and_csv() {
    let dir = std::env::temp_dir().join(format!("levodose-translate-{}", std::process::id()));
    let out = bin()
        .args([
            "translate",
            "--species",
            "mouse",
            "--metric",
            "free-cavg",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in ["translate.json", "profile.csv", "profile.svg"] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_exits_2_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("levodose-translate-bad-{}", std::process::id()));
    let out = bin()
        .args(["translate", "--species", "dog", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("species"));
    assert!(!dir.exists(), "no partial output");
    let out = bin()
        .args(["translate", "--species", "rat", "--metric", "cmax"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("metric"));
}
