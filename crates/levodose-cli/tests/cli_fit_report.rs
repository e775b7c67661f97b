//! `levodose fit --out`: report.html with the estimates and every figure inline, individual
//! fits capped at 12 subjects, the VPC (figure and vpc.csv), its flags refused without --out,
//! and the same VPC files for any thread count.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn levodose(args: &[&str], threads: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_levodose"));
    c.args(args).current_dir(root());
    if let Some(t) = threads {
        c.env("RAYON_NUM_THREADS", t);
    }
    c.output().unwrap()
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "levodose-cli-fit-report-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

const DATA: &str = "examples/fit/levomilnacipran_sim.csv";
const MODEL: &str = "examples/fit/oral1_lag.toml";

fn svg_stems(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "svg").then(|| p.file_stem().unwrap().to_string_lossy().to_string())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn fit_out_writes_a_report_with_the_estimates_and_every_figure_inline() {
    let dir = out_dir("full");
    let d = dir.to_str().unwrap();
    let out = levodose(
        &[
            "fit",
            DATA,
            "--model",
            MODEL,
            "--out",
            d,
            "--vpc-replicates",
            "20",
            "--seed",
            "3",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    // The answer comes first.
    let answer = html.find("id=\"answer\"").unwrap();
    assert!(html[answer..].contains("OFV"));
    let ofv_pos = html.find("OFV").unwrap();
    assert!(ofv_pos < html.find("<h2>Inputs</h2>").unwrap());
    for name in [
        "<td>cl</td>",
        "<td>v</td>",
        "<td>ka</td>",
        "<td>lag</td>",
        "<td>cl_crcl</td>",
        "<td>eta_cl</td>",
        "<td>eta_v</td>",
        "<td>eta_ka</td>",
        "correlation cl,v",
        "proportional SD",
        "shrinkage (%)",
        "RSE (%)",
        levodose::RESEARCH_USE_NOTE,
    ] {
        assert!(html.contains(name), "report.html lacks {name}");
    }
    let stems = svg_stems(&dir);
    // 60 subjects: individual fits are capped at the first 12.
    let individual: Vec<&String> = stems
        .iter()
        .filter(|s| s.starts_with("individual_"))
        .collect();
    assert_eq!(individual.len(), 12, "{stems:?}");
    assert!(stems.contains(&"individual_1".to_string()));
    assert!(html.contains("The first 12 of 60 subjects"));
    for s in [
        "dv_vs_pred",
        "dv_vs_ipred",
        "cwres_vs_time",
        "cwres_vs_pred",
        "vpc",
    ] {
        assert!(stems.contains(&s.to_string()), "{s}.svg missing: {stems:?}");
    }
    // Every figure file is inlined in the report, byte for byte.
    for s in &stems {
        let svg = std::fs::read_to_string(dir.join(format!("{s}.svg"))).unwrap();
        assert!(svg.starts_with("<svg"), "{s}");
        assert!(
            html.contains(&format!("id=\"fig-{s}\"")),
            "{s} not in report"
        );
        assert!(
            html.contains(&svg),
            "{s}.svg differs from the inline figure"
        );
    }
    // Individual figures have units on both axes.
    let ind = std::fs::read_to_string(dir.join("individual_1.svg")).unwrap();
    assert!(ind.contains("time (h)") && ind.contains("concentration (ng/mL)"));
    // vpc.csv: one row per nominal sampling time (6 in this design).
    let csv = std::fs::read_to_string(dir.join("vpc.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 7, "{csv}");
    let times: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(times, ["5", "8", "12", "24", "30", "54"]);
    let fit: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("fit.json")).unwrap()).unwrap();
    assert_eq!(fit["n_subjects"], 60);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_vpc_files_are_the_same_on_one_and_two_threads() {
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let dir = out_dir(&format!("threads{threads}"));
        let out = levodose(
            &[
                "fit",
                DATA,
                "--model",
                MODEL,
                "--posthoc-only",
                "--covariance",
                "none",
                "--out",
                dir.to_str().unwrap(),
                "--vpc-replicates",
                "30",
                "--seed",
                "11",
            ],
            Some(threads),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        files.push((
            std::fs::read(dir.join("vpc.csv")).unwrap(),
            std::fs::read(dir.join("vpc.svg")).unwrap(),
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(files[0] == files[1], "VPC depends on the thread count");
}

#[test]
fn vpc_flags_need_out_and_a_valid_count() {
    let out = levodose(&["fit", DATA, "--model", MODEL, "--seed", "3"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--seed") && err.contains("--out"), "{err}");

    let dir = out_dir("bad");
    let out = levodose(
        &[
            "fit",
            DATA,
            "--model",
            MODEL,
            "--out",
            dir.to_str().unwrap(),
            "--vpc-replicates",
            "0",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--vpc-replicates") && err.contains("1..=100000"),
        "{err}"
    );
    assert!(!dir.exists(), "no output on bad input");
}
