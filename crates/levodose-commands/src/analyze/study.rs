//! `levodose analyze study`: the preclinical group comparison of seed protocol 1 (rat LPS model).
//! Reads the data table (and optionally the scenario's `[analysis]` section and the blinding
//! key), hands the values to `levodose::study`, and renders the result as text, JSON, a methods
//! paragraph, a results table and SVG figures. It computes no statistics itself.

use super::study_figures as figures;
use super::study_report as report;
use crate::error::{CliError, CliResult};
use crate::io::{file_names, print_json, to_json, write_files};
use levodose::design::scenario::{PreclinicalScenario, Treatment};
use levodose::study::{self, unblind::KeyEntry, Settings, StudyData, StudyResult};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  levodose analyze study examples/study/data.csv --scenario examples/study/scenario.toml --unblind examples/study/design/blinding_key.csv --out results/"
)]
pub struct Args {
    /// CSV file, one row per animal, with a header row; empty cells are missing values.
    pub data: PathBuf,
    /// Preclinical scenario whose [analysis] section (and group doses) supply the settings.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Column holding the group names (or blind codes with --unblind). Default GROUP.
    #[arg(long)]
    pub group: Option<String>,
    /// Comparator for Dunnett, Dunn and effect sizes (normally "vehicle + LPS").
    #[arg(long)]
    pub control: Option<String>,
    /// Reference group for qPCR and Western normalisation (normally "vehicle + saline").
    #[arg(long)]
    pub calibrator: Option<String>,
    /// A numeric column to analyse (repeatable).
    #[arg(long = "endpoint")]
    pub endpoints: Vec<String>,
    /// SUCROSE_COL,WATER_COL: adds sucrose_preference_pct and total_fluid_ml.
    #[arg(long)]
    pub sucrose_preference: Option<String>,
    /// TARGET_CT_COL:REFERENCE_CT_COL (repeatable); adds delta_ct_TARGET.
    #[arg(long)]
    pub qpcr: Vec<String>,
    /// NAME=VALUE primer efficiency as amplification factor per cycle (2 = 100 %), repeatable; switches to Pfaffl.
    #[arg(long)]
    pub efficiency: Vec<String>,
    /// SIGNAL_COL:LOADING_COL (repeatable); adds SIGNAL_over_LOADING normalised to the calibrator.
    #[arg(long)]
    pub western: Vec<String>,
    /// Forced swim immobility column (for the locomotor confound check).
    #[arg(long)]
    pub forced_swim: Option<String>,
    /// Open-field distance column (for the locomotor confound check).
    #[arg(long)]
    pub locomotor: Option<String>,
    /// "GROUP=MG_PER_KG" dose of a drug group for the trend test (repeatable).
    #[arg(long)]
    pub dose_of: Vec<String>,
    /// Level order, comma-separated group names (default: order of first appearance).
    #[arg(long)]
    pub levels: Option<String>,
    /// blinding_key.csv from `design preclinical`: maps blind codes to group names.
    #[arg(long)]
    pub unblind: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write analysis.json, methods.md, results.csv, report.html and SVG figures here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Resolves the settings, reads (and unblinds) the data and analyses it (shared by the CLI and
/// `levodose serve`).
pub fn compute(args: &Args) -> CliResult<StudyResult> {
    let settings = resolve(args)?;
    if settings.control.is_empty() {
        return Err(CliError::input(
            "--control: give the comparator group (e.g. \"vehicle + LPS\") or set control in [analysis]",
        ));
    }
    let mut data = read_table(&args.data, &settings)?;
    if let Some(key) = &args.unblind {
        let key = read_key(key)?;
        data.group = study::unblind::apply(&data.group, &key)?;
    }
    Ok(study::analyse(&data, &settings)?)
}

pub fn run(args: Args) -> CliResult {
    let result = compute(&args)?;
    let json = report::json(&result)?;
    if let Some(dir) = &args.out {
        let doc = super::html::study::document(&result, &args)?;
        let mut files: Vec<(String, Vec<u8>)> = vec![
            ("analysis.json".into(), to_json(&json)?.into_bytes()),
            ("methods.md".into(), report::methods(&result).into_bytes()),
            (
                "results.csv".into(),
                report::results_csv(&result).into_bytes(),
            ),
            (
                "report.html".into(),
                levodose_report::render_html(&doc)?.into_bytes(),
            ),
        ];
        files.extend(
            figures::all(&result)
                .into_iter()
                .map(|(n, s)| (n, s.into_bytes())),
        );
        write_files(dir, &files)?;
        if !args.json {
            println!("Wrote {} to {}\n", file_names(&files), dir.display());
        }
    }
    if args.json {
        print_json(&json)
    } else {
        print!("{}", report::text(&result));
        Ok(())
    }
}

/// Settings from the scenario's [analysis] section, then the flags on top.
fn resolve(a: &Args) -> CliResult<Settings> {
    let mut s = Settings {
        group: "GROUP".into(),
        ..Settings::default()
    };
    if let Some(p) = &a.scenario {
        let n = p.display().to_string();
        let text = std::fs::read_to_string(p)
            .map_err(|e| CliError::input(format!("--scenario {n}: cannot read: {e}")))?;
        let sc = PreclinicalScenario::from_toml_str(&text, &n)?;
        if let Some(an) = sc.analysis.clone() {
            s = an;
        }
        for g in &sc.groups {
            if let (Treatment::Levomilnacipran, Some(d)) = (g.treatment, g.dose_mg_per_kg) {
                if !s.doses.iter().any(|x| x.0 == g.name) {
                    s.doses.push((g.name.clone(), d));
                }
            }
        }
    }
    if let Some(g) = &a.group {
        s.group = g.clone();
    }
    if let Some(c) = &a.control {
        s.control = c.clone();
    }
    if let Some(c) = &a.calibrator {
        s.calibrator = Some(c.clone());
    }
    if !a.endpoints.is_empty() {
        s.endpoints = a.endpoints.clone();
    }
    if let Some(sp) = &a.sucrose_preference {
        s.sucrose_preference = Some(pair(
            sp,
            ',',
            "--sucrose-preference",
            "SUCROSE_COL,WATER_COL",
        )?);
    }
    if !a.qpcr.is_empty() {
        s.qpcr = a
            .qpcr
            .iter()
            .map(|q| pair(q, ':', "--qpcr", "TARGET_CT_COL:REFERENCE_CT_COL"))
            .collect::<CliResult<_>>()?;
    }
    if !a.western.is_empty() {
        s.western = a
            .western
            .iter()
            .map(|q| pair(q, ':', "--western", "SIGNAL_COL:LOADING_COL"))
            .collect::<CliResult<_>>()?;
    }
    for e in &a.efficiency {
        let (n, v) = pair(e, '=', "--efficiency", "NAME=VALUE")?;
        let v = number(&v, "--efficiency", e)?;
        s.efficiency.retain(|x| x.0 != n);
        s.efficiency.push((n, v));
    }
    for d in &a.dose_of {
        let (n, v) = pair(d, '=', "--dose-of", "GROUP=MG_PER_KG")?;
        let v = number(&v, "--dose-of", d)?;
        s.doses.retain(|x| x.0 != n);
        s.doses.push((n, v));
    }
    if a.forced_swim.is_some() {
        s.forced_swim = a.forced_swim.clone();
    }
    if a.locomotor.is_some() {
        s.locomotor = a.locomotor.clone();
    }
    if let Some(l) = &a.levels {
        s.levels = l
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect();
    }
    Ok(s)
}

fn pair(text: &str, sep: char, flag: &str, form: &str) -> CliResult<(String, String)> {
    match text.split_once(sep) {
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
            Ok((a.trim().to_string(), b.trim().to_string()))
        }
        _ => Err(CliError::input(format!("{flag} '{text}': expected {form}"))),
    }
}

fn number(text: &str, flag: &str, whole: &str) -> CliResult<f64> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| CliError::input(format!("{flag} '{whole}': '{text}' is not a number")))
}

/// Columns the settings refer to (each parsed as numbers; other columns may hold text).
fn referenced(s: &Settings) -> Vec<String> {
    let mut c: Vec<String> = s.endpoints.clone();
    if let Some((a, b)) = &s.sucrose_preference {
        c.extend([a.clone(), b.clone()]);
    }
    for (a, b) in s.qpcr.iter().chain(&s.western) {
        c.extend([a.clone(), b.clone()]);
    }
    c.extend(s.forced_swim.iter().cloned());
    c.extend(s.locomotor.iter().cloned());
    c.dedup();
    c
}

/// Reads the data table; errors name the file, column and data row.
fn read_table(path: &Path, s: &Settings) -> CliResult<StudyData> {
    let p = path.display();
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| CliError::input(format!("DATA {p}: cannot read: {e}")))?;
    let headers = rdr
        .headers()
        .map_err(|e| CliError::input(format!("DATA {p}: cannot read the header row: {e}")))?
        .clone();
    let names: Vec<&str> = headers.iter().collect();
    let find = |name: &str, flag: &str| -> CliResult<usize> {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            CliError::input(format!(
                "{flag} '{name}': no such column in {p} (columns: {})",
                names.join(", ")
            ))
        })
    };
    let gi = find(&s.group, "--group")?;
    let cols: Vec<(String, usize)> = referenced(s)
        .into_iter()
        .map(|c| find(&c, "column").map(|i| (c, i)))
        .collect::<CliResult<_>>()?;
    let mut data = StudyData {
        group: Vec::new(),
        columns: cols.iter().map(|(c, _)| (c.clone(), Vec::new())).collect(),
    };
    for (r, rec) in rdr.records().enumerate() {
        let row = r + 1;
        let rec = rec.map_err(|e| CliError::input(format!("DATA {p} data row {row}: {e}")))?;
        let g = rec.get(gi).unwrap_or("");
        if g.is_empty() {
            return Err(CliError::input(format!(
                "--group column '{}', data row {row}: empty group label",
                s.group
            )));
        }
        data.group.push(g.to_string());
        for (k, (c, i)) in cols.iter().enumerate() {
            let text = rec.get(*i).unwrap_or("");
            let v = if text.is_empty() || text == "NA" {
                None
            } else {
                match text.parse::<f64>() {
                    Ok(v) if v.is_finite() => Some(v),
                    _ => {
                        return Err(CliError::input(format!(
                            "column '{c}', data row {row}: '{text}' is not a finite number (leave the cell empty for a missing value)"
                        )))
                    }
                }
            };
            data.columns[k].1.push(v);
        }
    }
    if data.group.is_empty() {
        return Err(CliError::input(format!("DATA {p}: no data rows")));
    }
    Ok(data)
}

/// Reads `blinding_key.csv` (code,group[,dose_mg_per_kg]).
fn read_key(path: &Path) -> CliResult<Vec<KeyEntry>> {
    let p = path.display();
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| CliError::input(format!("--unblind {p}: cannot read: {e}")))?;
    let headers = rdr
        .headers()
        .map_err(|e| CliError::input(format!("--unblind {p}: {e}")))?
        .clone();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(ci), Some(gi)) = (col("code"), col("group")) else {
        return Err(CliError::input(format!(
            "--unblind {p}: needs columns code,group (as written by design preclinical)"
        )));
    };
    let di = col("dose_mg_per_kg");
    let mut out = Vec::new();
    for (r, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| CliError::input(format!("--unblind {p} row {}: {e}", r + 1)))?;
        out.push(KeyEntry {
            code: rec.get(ci).unwrap_or("").to_string(),
            group: rec.get(gi).unwrap_or("").to_string(),
            dose_mg_per_kg: di.and_then(|i| rec.get(i)).and_then(|t| t.parse().ok()),
        });
    }
    Ok(out)
}
