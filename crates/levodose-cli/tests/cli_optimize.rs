//! `levodose optimize` end to end: label caps by population, honest null recommendation with
//! exit 0, report files, input errors with exit 2.

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
    let mut a = args.to_vec();
    a.extend(["--json", "--subjects", "800"]);
    let (code, out, err) = run(&a);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn caps_hold_for_ketoconazole_and_renal_impairment() {
    for (flags, cap) in [
        (vec!["optimize", "--comed", "ketoconazole"], 80.0),
        (vec!["optimize", "--crcl", "45"], 80.0),
        (vec!["optimize", "--crcl", "20"], 40.0),
    ] {
        for target in ["net_occupancy.trough>=0.3", "net_occupancy.trough>=0.75"] {
            let mut a = flags.clone();
            a.extend(["--target", target]);
            let v = json(&a);
            // A recommendation, or (none qualifies) the closest eligible dose: within the cap either way.
            let d = v["recommendation"]["dose_mg"]
                .as_f64()
                .or_else(|| v["closest_dose_mg"].as_f64())
                .unwrap_or_else(|| {
                    panic!("{a:?}: neither a recommendation nor a closest dose: {v}")
                });
            assert!(d <= cap, "{a:?}: {d}");
        }
    }
}

#[test]
fn unreachable_target_is_null_with_exit_zero() {
    let v = json(&["optimize", "--target", "net_occupancy.trough>=0.99"]);
    assert!(v["recommendation"].is_null());
    assert!(v["message"]
        .as_str()
        .unwrap()
        .contains("no eligible dose qualifies"));
    assert_eq!(v["candidates"].as_array().unwrap().len(), 3);
    // the dose closest to the target is named (highest PTA, then highest median: 120 mg here)
    assert_eq!(v["closest_dose_mg"], 120.0);
}

#[test]
fn out_dir_has_report_json_and_plots() {
    let dir = std::env::temp_dir().join(format!("levodose-opt-{}", std::process::id()));
    let (code, _, err) = run(&[
        "optimize",
        "--subjects",
        "500",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    for f in [
        "report.md",
        "optimize.json",
        "pta_by_dose.svg",
        "target_spread.svg",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(report.contains("Research use only"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_input_exits_2_naming_the_field() {
    for (args, needle) in [
        (vec!["optimize", "--pta", "2"], "pta"),
        (vec!["optimize", "--target", "foo>=1"], "target"),
        (vec!["optimize", "--comed", "aspirin"], "comed"),
        (
            vec!["optimize", "--occupancy-basis", "kd"],
            "occupancy-basis",
        ),
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(needle), "{err}");
    }
}

/// Issue 9 item 9: `--renal CLASS` and `--crcl MIN:MAX` describe a population spread over a band.
#[test]
fn renal_class_and_crcl_range_for_optimize() {
    let v = json(&["optimize", "--renal", "moderate"]);
    assert_eq!(v["label_cap_mg"], 80.0, "{v}");
    assert_eq!(v["crcl_range_ml_per_min"][0], 30.0, "{v}");
    assert!(v["crcl_ml_per_min"].is_null(), "{v}");
    let v = json(&["optimize", "--crcl", "15:29"]);
    assert_eq!(v["label_cap_mg"], 40.0, "{v}");
    let (c, _, e) = run(&["optimize", "--renal", "mild", "--crcl", "45"]);
    assert_eq!(c, 2, "{e}");
    let (c, _, e) = run(&["optimize", "--crcl", "59:30"]);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("lower bound"), "{e}");
}
