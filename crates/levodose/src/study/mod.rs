//! Protocol-1 study analysis (rat LPS model): turns the returned data table into endpoints
//! (sucrose preference, qPCR delta Ct, Western ratios), runs the one-way battery of
//! `levodose_stats::comparisons` on each, and adds the qPCR fold changes, the Western
//! normalisation and the locomotor confound check. No I/O: the CLI parses the files.
//!
//! `scenario` is the preclinical study file itself (design, lint and the `[analysis]` section);
//! its items are re-exported here so `crate::study::PreclinicalScenario` names the file.

pub mod derived;
pub mod locomotor;
pub mod qpcr;
pub mod scenario;
pub mod settings;
pub mod table;
pub mod unblind;
pub mod western;

use crate::error::{Error, Result};
use crate::finding::{Finding, Severity};
use levodose_stats::comparisons::{self, EndpointAnalysis, OneWayInput};
use serde::Serialize;

pub use scenario::*;
pub use settings::Settings;
pub use table::{by_group, Ordered, StudyData};

/// Study-level facts the methods paragraph and the reader need.
#[derive(Debug, Clone, Serialize)]
pub struct StudyInfo {
    pub n_animals: usize,
    pub levels: Vec<String>,
    pub n_per_group: Vec<usize>,
    pub control: String,
    pub calibrator: Option<String>,
    pub dose_mg_per_kg: Vec<(String, f64)>,
}

/// The whole analysis; `--json` prints it, the tables and figures are rendered from it.
#[derive(Debug, Clone, Serialize)]
pub struct StudyResult {
    pub study: StudyInfo,
    pub endpoints: Ordered<EndpointAnalysis>,
    pub qpcr: Ordered<qpcr::QpcrTarget>,
    pub western: Ordered<western::WesternResult>,
    pub locomotor_check: Vec<locomotor::LocomotorRow>,
    pub findings: Vec<Finding>,
    /// Per-animal values of every endpoint by group (for the figures; not serialised).
    #[serde(skip)]
    pub values: Ordered<Vec<Vec<f64>>>,
}

/// Group index of every animal in `levels` order; errors name the unknown label.
fn group_index(data: &StudyData, levels: &[String]) -> Result<Vec<usize>> {
    data.group
        .iter()
        .enumerate()
        .map(|(row, g)| {
            levels.iter().position(|l| l == g).ok_or_else(|| {
                Error::input(
                    "--group",
                    format!(
                        "data row {}: group '{g}' is not in --levels ({})",
                        row + 1,
                        levels.join(", ")
                    ),
                )
            })
        })
        .collect()
}

/// Level order: `--levels` if given (every level must occur), else first appearance.
pub fn levels(data: &StudyData, given: &[String]) -> Result<Vec<String>> {
    if !given.is_empty() {
        for l in given {
            if !data.group.contains(l) {
                return Err(Error::input(
                    "--levels",
                    format!("level '{l}' does not occur in the group column"),
                ));
            }
        }
        return Ok(given.to_vec());
    }
    let mut out: Vec<String> = Vec::new();
    for g in &data.group {
        if !out.contains(g) {
            out.push(g.clone());
        }
    }
    Ok(out)
}

fn find_level(levels: &[String], name: &str, flag: &str) -> Result<usize> {
    levels.iter().position(|l| l == name).ok_or_else(|| {
        Error::input(
            flag,
            format!(
                "'{name}' is not a group level (levels: {})",
                levels.join(", ")
            ),
        )
    })
}

/// Runs the whole analysis.
pub fn analyse(data: &StudyData, s: &Settings) -> Result<StudyResult> {
    let levels = levels(data, &s.levels)?;
    if levels.len() < 2 {
        return Err(Error::input(
            "--group",
            format!(
                "the group column has {} level(s); a comparison needs at least 2",
                levels.len()
            ),
        ));
    }
    let idx = group_index(data, &levels)?;
    let k = levels.len();
    let control = find_level(&levels, &s.control, "--control")?;
    let calibrator = match &s.calibrator {
        Some(c) => Some(find_level(&levels, c, "--calibrator")?),
        None => None,
    };
    let mut doses = Vec::new();
    for (g, d) in &s.doses {
        let i = find_level(&levels, g, "--dose-of")?;
        crate::error::check_range(&format!("--dose-of {g}"), *d, 0.0, 2000.0, "mg/kg")?;
        doses.push((i, *d));
    }
    let mut findings = Vec::new();
    let endpoints_in = derived::endpoints(data, s, &idx, k, calibrator, &mut findings)?;

    let mut endpoints = Ordered::default();
    let mut all_values = Ordered::default();
    for ep in &endpoints_in {
        let (values, missing) = by_group(&ep.values, &idx, k);
        let input = OneWayInput {
            names: &levels,
            values: &values,
            n_missing: &missing,
            control,
            planned_reference: calibrator,
            doses: &doses,
            endpoint: &ep.name,
        };
        let mut a = comparisons::analyse(&input);
        findings.append(&mut a.findings);
        endpoints.0.push((ep.name.clone(), a));
        all_values.0.push((ep.name.clone(), values));
    }
    let qpcr = qpcr::fold_changes(data, s, &idx, &levels, calibrator)?;
    let western = western::summaries(data, s, &idx, &levels, calibrator)?;
    let locomotor_check = match (&s.forced_swim, &s.locomotor) {
        (Some(f), Some(l)) => locomotor::check(
            &endpoints,
            f,
            l,
            &levels,
            control,
            calibrator,
            &mut findings,
        ),
        _ => Vec::new(),
    };
    let n_per_group = (0..k)
        .map(|g| idx.iter().filter(|&&i| i == g).count())
        .collect();
    if calibrator.is_none() && (!s.qpcr.is_empty() || !s.western.is_empty()) {
        findings.push(Finding::new(
            "no_calibrator",
            Severity::Warning,
            "qPCR and Western normalisation need --calibrator; fold changes are not reported",
            "analyze study",
        ));
    }
    Ok(StudyResult {
        study: StudyInfo {
            n_animals: data.group.len(),
            levels: levels.clone(),
            n_per_group,
            control: levels[control].clone(),
            calibrator: calibrator.map(|c| levels[c].clone()),
            dose_mg_per_kg: doses
                .iter()
                .map(|(i, d)| (levels[*i].clone(), *d))
                .collect(),
        },
        endpoints,
        qpcr,
        western,
        locomotor_check,
        findings,
        values: all_values,
    })
}
