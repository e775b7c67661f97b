//! `levodose trial` end to end: determinism across thread counts, power against the analytic
//! t-test, bad input exit code, outputs.

use std::path::PathBuf;
use std::process::{Command, Output};

fn levodose(args: &[&str], threads: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .unwrap()
}

const SEED_TRIAL: &str = "examples/trial/madrs_8week.toml";

#[test]
fn identical_json_with_one_or_two_threads() {
    let args = [
        "trial",
        SEED_TRIAL,
        "--replicates",
        "30",
        "--seed",
        "11",
        "--n-per-arm",
        "60",
        "--json",
    ];
    let a = levodose(&args, "1");
    let b = levodose(&args, "2");
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let p = v["result"]["power"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));
    assert!(v["research_use_note"]
        .as_str()
        .unwrap()
        .contains("Research use only"));
    assert!(v["design"]["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["status"] == "assumed"));
}

/// One visit, no dropout, no covariate: the MMRM is the two-sample t-test, so the power the CLI
/// prints must match the analytic noncentral-t power for the design's n and effect within Monte
/// Carlo error (4 SE), as in the library test `trial_power`.
#[test]
fn one_visit_power_matches_analytic_t_test() {
    let reps = 4000;
    let out = levodose(
        &[
            "trial",
            "examples/trial/analytic_one_visit.toml",
            "--replicates",
            &reps.to_string(),
            "--seed",
            "20240502",
            "--json",
            "--quiet",
        ],
        "2",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v["design"];
    let n = d["arms"][0]["n"].as_f64().unwrap();
    assert_eq!(d["arms"][1]["n"].as_f64().unwrap(), n);
    let effect = d["arms"][1]["difference_madrs"].as_f64().unwrap().abs()
        / d["change_sd_madrs"][0].as_f64().unwrap();
    let alpha = d["alpha"].as_f64().unwrap();
    let analytic = levodose_stats::power::two_sample_t_power(
        n,
        effect,
        alpha,
        levodose_stats::power::Alternative::TwoSided,
    )
    .unwrap();
    let r = &v["result"];
    assert_eq!(r["replicates"].as_u64(), Some(reps));
    assert_eq!(r["failed_fits"].as_u64(), Some(0));
    let p = r["power"].as_f64().unwrap();
    let se = (analytic * (1.0 - analytic) / reps as f64).sqrt();
    assert!(
        (p - analytic).abs() < 4.0 * se,
        "simulated {p} vs analytic {analytic} (MC SE {se})"
    );
}

#[test]
fn bad_input_exits_2_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("levodose_cli_trial_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(SEED_TRIAL),
    )
    .unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, text.replace("alpha = 0.05", "alpha = 2")).unwrap();
    let out = levodose(&["trial", bad.to_str().unwrap(), "--replicates", "2"], "1");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("trial.alpha"));
    let out = levodose(&["trial", SEED_TRIAL, "--replicates", "0"], "1");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--replicates"));
}

#[test]
fn out_dir_has_summary_and_plots() {
    let dir = std::env::temp_dir().join(format!("levodose_cli_trial_out_{}", std::process::id()));
    let out = levodose(
        &[
            "trial",
            "examples/trial/analytic_one_visit.toml",
            "--replicates",
            "40",
            "--out",
            dir.to_str().unwrap(),
            "--quiet",
        ],
        "2",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "summary.json",
        "trajectories.svg",
        "power_curve.svg",
        "report.html",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    let curve = v["power_curve"].as_array().unwrap();
    assert_eq!(curve.len(), 5);
}

/// n search: the chosen n reaches the target and n - 1 (if evaluated) does not.
#[test]
fn target_power_search_brackets_the_target() {
    let out = levodose(
        &[
            "trial",
            "examples/trial/analytic_one_visit.toml",
            "--replicates",
            "200",
            "--target-power",
            "0.8",
            "--json",
            "--quiet",
        ],
        "2",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["n_search"];
    let n = s["n_per_arm"].as_u64().unwrap();
    let ev = s["evaluated"].as_array().unwrap();
    let at = |k: u64| {
        ev.iter()
            .find(|p| p["n_per_arm"].as_u64() == Some(k))
            .map(|p| p["power"].as_f64().unwrap())
    };
    // analytic n for d = 0.4, power 0.8: 100 per arm; the simulated answer is close (MC error).
    assert!((80..=125).contains(&n), "n {n}");
    // Both brackets were simulated: the search ends by bisection on integers with hi - lo = 1
    // (n is far above the smallest n searched, so n - 1 is the lower bracket, not a floor).
    let upper = at(n).unwrap_or_else(|| panic!("n {n} was not evaluated"));
    let lower = at(n - 1).unwrap_or_else(|| panic!("n - 1 = {} was not evaluated", n - 1));
    assert!(upper >= 0.8, "power {upper} at n {n}");
    assert!(lower < 0.8, "power {lower} at n - 1 = {}", n - 1);
}

/// `--write-data` writes the replicate's simulated data as CSV that `analyze mmrm` reads, and
/// the MMRM on that file gives the same primary difference the trial reports for that replicate
/// (one replicate: the mean over replicates is that replicate's estimate).
#[test]
fn write_data_round_trips_through_analyze_mmrm() {
    let dir = std::env::temp_dir().join(format!("levodose_trial_data_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let out = levodose(
        &[
            "trial",
            SEED_TRIAL,
            "--replicates",
            "1",
            "--seed",
            "5",
            "--n-per-arm",
            "40",
            "--write-data",
            d,
            "--json",
            "--quiet",
        ],
        "1",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let want = v["result"]["arms"][1]["mean_difference_madrs"]
        .as_f64()
        .unwrap();
    let arm = v["result"]["arms"][1]["name"].as_str().unwrap().to_string();
    let csv = dir.join("replicate_001.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("ID,ARM,VISIT,BASE,CHG"));
    assert_eq!(
        text.lines().count(),
        1 + 80 * 5,
        "header + 80 subjects x 5 visits"
    );
    let a = levodose(
        &[
            "analyze",
            "mmrm",
            csv.to_str().unwrap(),
            "--formula",
            "CHG ~ ARM*VISIT + BASE*VISIT + us(VISIT | ID)",
            "--arm",
            "ARM",
            "--reference",
            "ARM=placebo",
            "--json",
        ],
        "1",
    );
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let f: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let got = f["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["visit"] == "W8" && x["arm"] == arm.as_str())
        .expect("W8 difference")["estimate"]
        .as_f64()
        .unwrap();
    assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Scenario values appear in `assumptions` with status "user" and the file as their source.
#[test]
fn user_values_name_the_scenario_file() {
    let out = levodose(
        &[
            "trial",
            SEED_TRIAL,
            "--replicates",
            "2",
            "--n-per-arm",
            "20",
            "--json",
            "--quiet",
        ],
        "1",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = v["design"]["assumptions"].as_array().unwrap();
    let inc = a
        .iter()
        .find(|u| u["name"] == "trial.inclusion_min_madrs")
        .unwrap();
    assert_eq!(inc["status"], "user");
    assert_eq!(inc["source"], format!("user: {SEED_TRIAL}"));
    assert!(a
        .iter()
        .all(|u| u["status"] != "user" || u["source"].as_str().unwrap().starts_with("user: ")));
}

/// `--nonmem-out`: the drug arm's patients as a NONMEM dataset, read back with levodose's reader.
/// Invariants: one subject per drug-arm patient (placebo has no PK), one dose record per day of
/// the once-daily label titration to the last visit (week 8: 56 doses, 20 mg on days 1-2 then
/// 40 mg), one sample per visit, and every DV equal to the engine's concentration for that
/// subject's own parameters (SIM* columns) and doses. Same seed -> byte-identical file.
#[test]
fn nonmem_out_writes_the_drug_arm_pk_readable_by_the_reader() {
    let dir = std::env::temp_dir().join(format!("levodose-trial-nm-{}", std::process::id()));
    let file = dir.join("trial_pk.csv");
    let args = [
        "trial",
        SEED_TRIAL,
        "--replicates",
        "2",
        "--n-per-arm",
        "6",
        "--seed",
        "5",
        "--quiet",
        "--json",
        "--nonmem-out",
        file.to_str().unwrap(),
    ];
    let o = levodose(&args, "1");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&file).unwrap();
    let o2 = levodose(&args, "2");
    assert!(o2.status.success());
    assert_eq!(text, std::fs::read_to_string(&file).unwrap());

    let d = levodose::dataset::read(&text, &Default::default()).unwrap();
    assert_eq!(d.units.dv.as_str(), "ng/mL");
    assert_eq!(d.subjects.len(), 6);
    let visits_h = [1.0, 2.0, 4.0, 6.0, 8.0].map(|w| w * 168.0);
    for s in &d.subjects {
        assert_eq!(
            s.covariates["ARM"], 2.0,
            "the drug arm is the file's second arm"
        );
        assert_eq!(s.doses.len(), 56);
        assert!(s.doses[..2].iter().all(|x| x.amount_mg == 20.0));
        assert!(s.doses[2..].iter().all(|x| x.amount_mg == 40.0));
        assert_eq!(s.doses.last().unwrap().time_h, 55.0 * 24.0);
        assert_eq!(s.observation_times_h(), visits_h.to_vec());
        let c = &s.covariates;
        let params = levodose::pk::PkParams {
            clearance_l_per_h: c["SIMCL"],
            volume_l: c["SIMV"],
            ka_per_h: c["SIMKA"],
            bioavailability: c["SIMF"],
            lag_h: c["SIMLAG"],
            peripheral: None,
        };
        let engine =
            levodose::pk::concentrations(&params, &s.dose_events(Some(1)), &visits_h).unwrap();
        for (o, e) in s.observations.iter().zip(engine) {
            assert!(e > 0.0);
            assert!(
                (o.dv - e).abs() <= 1e-9 * e,
                "line {}: {} vs {e}",
                o.line,
                o.dv
            );
        }
    }
}

/// The `<polyline>` elements of an SVG: (the tag's attributes, its points).
fn polylines(svg: &str) -> Vec<(String, Vec<(f64, f64)>)> {
    svg.split("<polyline")
        .skip(1)
        .map(|rest| {
            let tag = &rest[..rest.find("/>").unwrap()];
            let pts = tag
                .split("points=\"")
                .nth(1)
                .map(|p| &p[..p.find('"').unwrap()])
                .unwrap_or("");
            let points = pts
                .split_whitespace()
                .filter_map(|xy| {
                    let (x, y) = xy.split_once(',')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect();
            (tag.to_string(), points)
        })
        .collect()
}

/// The trajectory figure: a shaded band per arm, n per arm in the legend, and the primary-visit
/// mark inside the plot area (left of its right edge by a margin), not on the clipped edge;
/// the power curve marks every evaluated n. The report holds both figures.
#[test]
fn trial_figures_have_bands_n_per_arm_and_an_unclipped_primary_mark() {
    let dir = std::env::temp_dir().join(format!("levodose_cli_trial_fig_{}", std::process::id()));
    let out = levodose(
        &[
            "trial",
            "examples/trial/madrs_8week.toml",
            "--replicates",
            "20",
            "--out",
            dir.to_str().unwrap(),
            "--quiet",
            "--json",
        ],
        "2",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let arms = v["result"]["arms"].as_array().unwrap();
    let svg = std::fs::read_to_string(dir.join("trajectories.svg")).unwrap();
    assert!(
        svg.matches("<polygon").count() >= arms.len(),
        "one band per arm"
    );
    for a in arms {
        let label = format!(
            "{} (n = {})",
            a["name"].as_str().unwrap(),
            a["n_randomised"]
        );
        assert!(svg.contains(&label), "legend shows {label}");
    }
    let lines = polylines(&svg);
    // The x axis (plotters draws it as the longest horizontal axis-style polyline) spans the
    // plot area.
    let (left, right) = lines
        .iter()
        .filter(|(t, p)| t.contains("opacity=\"0.7\"") && p.len() == 2 && p[0].1 == p[1].1)
        .map(|(_, p)| (p[0].0.min(p[1].0), p[0].0.max(p[1].0)))
        .max_by(|a, b| (a.1 - a.0).total_cmp(&(b.1 - b.0)))
        .expect("x axis");
    // The primary-visit mark: the vertical reference mark (opacity 0.6, width 2).
    let marks: Vec<f64> = lines
        .iter()
        .filter(|(t, p)| {
            t.contains("opacity=\"0.6\"")
                && t.contains("stroke-width=\"2\"")
                && p.len() == 2
                && p[0].0 == p[1].0
        })
        .map(|(_, p)| p[0].0)
        .collect();
    assert_eq!(marks.len(), 1, "one primary-visit mark");
    assert!(
        marks[0] > left && marks[0] < right - 5.0,
        "mark at x = {} must lie inside the plot area {left}..{right} with a margin",
        marks[0]
    );
    let curve = std::fs::read_to_string(dir.join("power_curve.svg")).unwrap();
    let n_points = v["power_curve"].as_array().unwrap().len();
    assert!(
        curve.matches("<circle").count() >= n_points,
        "every evaluated n marked"
    );
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("id=\"fig-trajectories\"") && html.contains("id=\"fig-power_curve\""));
    let _ = std::fs::remove_dir_all(&dir);
}
