//! `analyze {mmrm, dose-response, nca, study} --out` write `report.html`: the answer shows the
//! numbers the `--json` document holds (an invariant: one result, two renderings), and every SVG
//! figure the command writes is inline in the report, byte for byte.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("levodose-anareport-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Runs `levodose ARGS --json` and `levodose ARGS --out DIR`; returns the JSON and the report.
fn run(args: &[&str], name: &str) -> (Value, String, PathBuf) {
    let json = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(args)
        .arg("--json")
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let dir = out_dir(name);
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(args)
        .arg("--out")
        .arg(&dir)
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html written");
    (serde_json::from_slice(&json.stdout).unwrap(), html, dir)
}

/// Text of HTML with tags removed and the template's escapes undone.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The answer box: the headline, then each detail line.
fn answer_lines(html: &str) -> Vec<String> {
    let start = html.find("id=\"answer\"").expect("an answer box");
    let end = start + html[start..].find("</div>").unwrap();
    let block = &html[start..end];
    let mut lines = vec![text(&block[..block.find("</p>").unwrap()])
        .trim_start_matches(|c| c != '>')
        .trim_start_matches('>')
        .trim()
        .to_string()];
    lines.extend(
        block
            .split("<li>")
            .skip(1)
            .map(|l| text(l).trim().to_string()),
    );
    lines
}

/// The numbers in a line, in order (tokens that parse after trimming punctuation).
fn numbers(line: &str) -> Vec<f64> {
    line.split_whitespace()
        .filter_map(|w| w.trim_matches(|c| "(),;:=".contains(c)).parse().ok())
        .collect()
}

/// Equal to the shown precision (four significant digits or four decimals).
fn close(shown: f64, exact: f64) -> bool {
    (shown - exact).abs() <= 5e-4 * exact.abs() + 5e-5
}

fn assert_numbers(line: &str, expected: &[f64]) {
    let got = numbers(line);
    assert_eq!(got.len(), expected.len(), "{line}: {got:?} vs {expected:?}");
    for (g, e) in got.iter().zip(expected) {
        assert!(close(*g, *e), "{line}: shown {g}, JSON {e}");
    }
}

/// Every `.svg` file in `dir` is inline in the report, and the report has no other figures.
fn assert_every_figure_inline(html: &str, dir: &Path) {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().and_then(|e| e.to_str()) != Some("svg") {
            continue;
        }
        n += 1;
        let svg = std::fs::read_to_string(&p).unwrap();
        let body = &svg[svg.find("<svg").expect("an svg element")..];
        assert!(
            html.contains(body.trim_end()),
            "{} is not inline in report.html",
            p.display()
        );
    }
    assert!(n > 0, "the command writes figures");
    assert_eq!(
        html.matches("<figure").count(),
        n,
        "one figure per SVG file"
    );
}

fn assert_self_contained(html: &str) {
    assert!(text(html).contains(levodose::RESEARCH_USE_NOTE));
    for needle in ["src=\"http", "<script src", "@import"] {
        assert!(!html.contains(needle), "no network: {needle}");
    }
}

#[test]
fn mmrm_report_shows_the_primary_visit_difference_of_the_json() {
    let (json, html, dir) = run(
        &[
            "analyze",
            "mmrm",
            "examples/analysis/mmrm_trial.csv",
            "--formula",
            "CHG ~ ARM*VISIT + BASE:VISIT + us(VISIT | USUBJID)",
            "--arm",
            "ARM",
        ],
        "mmrm",
    );
    let last = json["visits"].as_array().unwrap().last().unwrap().clone();
    let d = json["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["visit"] == last)
        .expect("a difference at the last visit");
    let headline = &answer_lines(&html)[0];
    assert!(
        headline.starts_with(&format!(
            "LS mean difference {} - {} at {}:",
            d["arm"].as_str().unwrap(),
            d["reference_arm"].as_str().unwrap(),
            last.as_str().unwrap()
        )),
        "{headline}"
    );
    let f = |k: &str| d[k].as_f64().unwrap();
    assert_numbers(
        headline,
        &[f("estimate"), 95.0, f("lower"), f("upper"), f("p")],
    );
    assert_every_figure_inline(&html, &dir);
    assert_self_contained(&html);
}

#[test]
fn dose_response_report_shows_the_ed50_of_the_json() {
    let (json, html, dir) = run(
        &[
            "analyze",
            "dose-response",
            "examples/analysis/dose_response.csv",
            "--dose",
            "dose_mg_per_kg",
            "--response",
            "response",
        ],
        "dr",
    );
    let lines = answer_lines(&html);
    let e = &json["ed50"];
    assert!(lines[0].starts_with("ED50 "), "{}", lines[0]);
    assert_numbers(
        &lines[0],
        &[
            e["estimate"].as_f64().unwrap(),
            95.0,
            e["lower"].as_f64().unwrap(),
            e["upper"].as_f64().unwrap(),
        ],
    );
    let hill = &json["parameters"]["hill"];
    assert_numbers(
        &lines[1],
        &[
            hill["estimate"].as_f64().unwrap(),
            hill["se"].as_f64().unwrap(),
        ],
    );
    assert_every_figure_inline(&html, &dir);
    assert_self_contained(&html);
}

#[test]
fn nca_report_shows_the_group_summary_of_the_json() {
    let (json, html, dir) = run(
        &[
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
        ],
        "nca",
    );
    let lines = answer_lines(&html);
    let summary = json["summary"].as_array().unwrap();
    assert_eq!(lines.len(), 1 + summary.len(), "{lines:?}");
    for (line, g) in lines[1..].iter().zip(summary) {
        let p = |name: &str, stat: &str| {
            g["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["parameter"] == name)
                .unwrap_or_else(|| panic!("{name} in the summary"))[stat]
                .as_f64()
                .unwrap()
        };
        assert!(line.starts_with("all subjects (n = "), "{line}");
        assert_numbers(
            line,
            &[
                g["n_subjects"].as_f64().unwrap(),
                p("cmax", "geometric_mean"),
                p("cmax", "geometric_cv_pct"),
                p("auclast", "geometric_mean"),
                p("auclast", "geometric_cv_pct"),
                p("aucinf_obs", "geometric_mean"),
                p("aucinf_obs", "geometric_cv_pct"),
                p("half_life", "median"),
            ],
        );
    }
    assert_every_figure_inline(&html, &dir);
    assert_self_contained(&html);
}

#[test]
fn study_report_shows_each_endpoints_comparisons_of_the_json_and_the_methods() {
    let (json, html, dir) = run(
        &[
            "analyze",
            "study",
            "examples/study/data_blinded.csv",
            "--scenario",
            "examples/study/scenario.toml",
            "--unblind",
            "examples/study/design/blinding_key.csv",
        ],
        "study",
    );
    let lines = answer_lines(&html);
    let control = json["study"]["control"].as_str().unwrap();
    let endpoints = json["endpoints"].as_object().unwrap();
    assert!(!endpoints.is_empty());
    assert_eq!(lines.len(), 1 + endpoints.len(), "{lines:?}");
    for line in &lines[1..] {
        let name = line.split(": ").next().unwrap();
        let a = endpoints
            .get(name)
            .unwrap_or_else(|| panic!("{name} is an endpoint of the JSON"));
        let v = &a["anova"];
        assert!(
            line.contains(&format!(
                "ANOVA F({}, {}) = {:.3}",
                v["df1"].as_f64().unwrap(),
                v["df2"].as_f64().unwrap(),
                v["f"].as_f64().unwrap()
            )),
            "{line}"
        );
        for d in a["dunnett"].as_array().unwrap() {
            let f = |k: &str| d[k].as_f64().unwrap();
            let shown = format!(
                "{} vs {control}: {:.3} (95 % CI {:.3} to {:.3}, Dunnett p = ",
                d["group"].as_str().unwrap(),
                f("estimate"),
                f("lower"),
                f("upper")
            );
            assert!(line.contains(&shown), "{line}\nlacks {shown}");
        }
    }
    let methods = std::fs::read_to_string(dir.join("methods.md")).unwrap();
    assert!(
        text(&html).contains(methods.trim()),
        "the methods paragraph is in the report"
    );
    assert_every_figure_inline(&html, &dir);
    assert_self_contained(&html);
}
