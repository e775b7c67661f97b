//! `levodose analyze study`: bad input gives exit 2 naming the field, degenerate data give
//! findings and nulls (never NaN), and analysing blind-coded data with `--unblind` gives the same
//! result as analysing the unblinded data.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("levodose-study-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// Three groups of four with distinct values; `edit` may change the text.
fn table(edit: impl Fn(String) -> String) -> String {
    let mut s = String::from("ANIMAL,GROUP,Y\n");
    let groups = ["saline", "lps", "drug"];
    for (g, name) in groups.iter().enumerate() {
        for i in 0..4 {
            let y = 10.0 + 3.0 * g as f64 + [0.4, -0.3, 1.1, -0.9][i] * (g as f64 + 1.0);
            s.push_str(&format!("A{g}{i},{name},{y}\n"));
        }
    }
    edit(s)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn json_ok(o: &Output) -> Value {
    assert!(o.status.success(), "{}", stderr(o));
    let text = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(
        !text.contains("NaN") && !text.contains(": inf"),
        "non-finite number in output"
    );
    serde_json::from_str(&text).unwrap()
}

#[test]
fn one_group_is_exit_2() {
    let d = tmp("one");
    let f = write(
        &d,
        "one.csv",
        "ANIMAL,GROUP,Y\nA1,lps,1\nA2,lps,2\nA3,lps,4\n",
    );
    let o = run(&[
        "analyze",
        "study",
        &f,
        "--control",
        "lps",
        "--endpoint",
        "Y",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("at least 2"), "{}", stderr(&o));
}

#[test]
fn unknown_control_is_exit_2_naming_the_levels() {
    let d = tmp("ctl");
    let f = write(&d, "t.csv", &table(|s| s));
    let o = run(&[
        "analyze",
        "study",
        &f,
        "--control",
        "vehicle + LPS",
        "--endpoint",
        "Y",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("--control") && e.contains("saline, lps, drug"),
        "{e}"
    );
}

#[test]
fn non_numeric_cell_is_exit_2_naming_column_and_row() {
    let d = tmp("nonnum");
    let f = write(
        &d,
        "t.csv",
        &table(|s| s.replacen("A01,saline,", "A01,saline,x", 1)),
    );
    let o = run(&[
        "analyze",
        "study",
        &f,
        "--control",
        "lps",
        "--endpoint",
        "Y",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("column 'Y'") && e.contains("data row 2"), "{e}");
}

#[test]
fn constant_endpoint_gives_a_finding_and_nulls() {
    let d = tmp("const");
    let mut s = String::from("ANIMAL,GROUP,Y\n");
    for (i, g) in ["a", "a", "b", "b", "c", "c"].iter().enumerate() {
        s.push_str(&format!("A{i},{g},5\n"));
    }
    let f = write(&d, "t.csv", &s);
    let v = json_ok(&run(&[
        "analyze",
        "study",
        &f,
        "--control",
        "b",
        "--endpoint",
        "Y",
        "--json",
    ]));
    let e = &v["endpoints"]["Y"];
    assert!(e["anova"].is_null() && e["welch"].is_null() && e["kruskal_wallis"].is_null());
    assert_eq!(e["dunnett"].as_array().unwrap().len(), 0);
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"anova_undefined"), "{codes:?}");
}

#[test]
fn group_of_one_gives_null_sd_and_a_welch_finding() {
    let d = tmp("single");
    let f = write(&d, "t.csv", &table(|s| s + "B1,alone,14.2\n"));
    let v = json_ok(&run(&[
        "analyze",
        "study",
        &f,
        "--control",
        "lps",
        "--endpoint",
        "Y",
        "--json",
    ]));
    let e = &v["endpoints"]["Y"];
    let alone = e["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "alone")
        .unwrap();
    assert_eq!(alone["n"], 1);
    assert!(alone["sd"].is_null() && alone["sem"].is_null());
    assert!(e["welch"].is_null());
    // The single animal still enters ANOVA, Dunnett and Tukey with the pooled variance.
    let row = e["dunnett"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["group"] == "alone")
        .unwrap();
    assert!(row["p_adjusted"].as_f64().unwrap() > 0.0);
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"welch_undefined"), "{codes:?}");
}

#[test]
fn missing_value_drops_out_of_its_endpoint_only() {
    let d = tmp("missing");
    let mut s = String::from("ANIMAL,GROUP,SUC,WAT,FST\n");
    for i in 0..12 {
        let g = ["saline", "lps", "drug"][i % 3];
        let wat = if i == 4 {
            String::new()
        } else {
            format!("{}", 10.0 + i as f64 * 0.7)
        };
        s.push_str(&format!(
            "A{i},{g},{},{wat},{}\n",
            30.0 + (i * 7 % 5) as f64,
            100 + (i * 13 % 17)
        ));
    }
    let f = write(&d, "t.csv", &s);
    let v = json_ok(&run(&[
        "analyze",
        "study",
        &f,
        "--control",
        "lps",
        "--endpoint",
        "FST",
        "--sucrose-preference",
        "SUC,WAT",
        "--json",
    ]));
    let lps = |ep: &str| {
        v["endpoints"][ep]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["group"] == "lps")
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            lps("sucrose_preference_pct")["n"].clone(),
            lps("sucrose_preference_pct")["n_missing"].clone()
        ),
        (3.into(), 1.into())
    );
    assert_eq!(
        (lps("FST")["n"].clone(), lps("FST")["n_missing"].clone()),
        (4.into(), 0.into())
    );
}

/// `design preclinical` writes the key; data coded with it and analysed with `--unblind` give
/// exactly the result of the same data with group names.
#[test]
fn unblinded_analysis_equals_analysis_of_named_data() {
    let d = tmp("unblind");
    let design = d.join("design");
    let o = run(&[
        "design",
        "preclinical",
        "--template",
        "lps",
        "--out",
        design.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let key_path = design.join("blinding_key.csv");
    let key = std::fs::read_to_string(&key_path).unwrap();
    let rand = std::fs::read_to_string(design.join("randomisation.csv")).unwrap();
    let code_to_group: Vec<(String, String)> = key
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect();
    let (mut coded, mut named) = (
        String::from("ANIMAL,GROUP,Y,Z\n"),
        String::from("ANIMAL,GROUP,Y,Z\n"),
    );
    for (i, l) in rand.lines().skip(1).enumerate() {
        let f: Vec<&str> = l.split(',').collect();
        let (animal, code) = (f[0], f[3]);
        let gi = code_to_group.iter().position(|c| c.0 == code).unwrap();
        let y = 50.0 + 4.0 * gi as f64 + ((i * 37) % 11) as f64 * 0.9;
        let z = 3.0 + ((i * 17) % 7) as f64 * 0.25 - gi as f64 * 0.3;
        coded.push_str(&format!("{animal},{code},{y},{z}\n"));
        named.push_str(&format!("{animal},{},{y},{z}\n", code_to_group[gi].1));
    }
    let (fc, fn_) = (
        write(&d, "coded.csv", &coded),
        write(&d, "named.csv", &named),
    );
    let args = [
        "--control",
        "vehicle + LPS",
        "--calibrator",
        "vehicle + saline",
        "--endpoint",
        "Y",
        "--endpoint",
        "Z",
        "--json",
    ];
    let mut a: Vec<&str> = vec![
        "analyze",
        "study",
        &fc,
        "--unblind",
        key_path.to_str().unwrap(),
    ];
    a.extend(args);
    let mut b: Vec<&str> = vec!["analyze", "study", &fn_];
    b.extend(args);
    let (va, vb) = (json_ok(&run(&a)), json_ok(&run(&b)));
    assert!(va["endpoints"]["Y"]["dunnett"].as_array().unwrap().len() >= 2);
    assert_eq!(va, vb);
    // Without the key, the codes are not group names: the control is unknown (exit 2).
    let mut c: Vec<&str> = vec!["analyze", "study", &fc];
    c.extend(args);
    assert_eq!(run(&c).status.code(), Some(2));
}
