//! Western blot: signal / loading control per animal, normalised to the calibrator group's mean
//! ratio, so the calibrator's mean is 1; statistics run on the normalised ratio.

use super::settings::Settings;
use super::table::{by_group, Ordered, StudyData};
use crate::error::{Error, Result};
use crate::finding::{Finding, Severity};
use levodose_stats::comparisons::describe::{mean, summarise, GroupSummary};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct WesternResult {
    pub signal_column: String,
    pub loading_column: String,
    pub calibrator: String,
    pub reference_mean_ratio: f64,
    /// Descriptives of the normalised ratio.
    pub groups: Vec<GroupSummary>,
}

pub fn endpoint_name(signal: &str, loading: &str) -> String {
    format!("{signal}_over_{loading}")
}

fn ratios(
    data: &StudyData,
    signal: &str,
    loading: &str,
    findings: &mut Vec<Finding>,
) -> Result<Vec<Option<f64>>> {
    let s = data.column(signal, "--western")?;
    let l = data.column(loading, "--western")?;
    Ok(s.iter()
        .zip(l)
        .enumerate()
        .map(|(row, (a, b))| match (a, b) {
            (Some(a), Some(b)) if *b > 0.0 => Some(a / b),
            (Some(_), Some(b)) => {
                findings.push(Finding::new(
                    "western_loading_not_positive",
                    Severity::Warning,
                    format!("data row {}: loading control {loading} = {b} is not positive; the ratio is left out", row + 1),
                    "analyze study --western",
                ));
                None
            }
            _ => None,
        })
        .collect())
}

/// Normalised ratio per animal.
pub fn normalised(
    data: &StudyData,
    signal: &str,
    loading: &str,
    idx: &[usize],
    k: usize,
    cal: usize,
    findings: &mut Vec<Finding>,
) -> Result<Vec<Option<f64>>> {
    let r = ratios(data, signal, loading, findings)?;
    let reference = reference_mean(&r, idx, k, cal, signal, loading)?;
    Ok(r.iter().map(|x| x.map(|x| x / reference)).collect())
}

fn reference_mean(
    r: &[Option<f64>],
    idx: &[usize],
    k: usize,
    cal: usize,
    signal: &str,
    loading: &str,
) -> Result<f64> {
    let (g, _) = by_group(r, idx, k);
    let m = (!g[cal].is_empty()).then(|| mean(&g[cal]));
    match m {
        Some(m) if m > 0.0 => Ok(m),
        _ => Err(Error::input(
            "--calibrator",
            format!(
                "the calibrator group has no positive {signal}/{loading} ratio to normalise to"
            ),
        )),
    }
}

/// Western summaries for every `--western` pair (empty without a calibrator).
pub fn summaries(
    data: &StudyData,
    s: &Settings,
    idx: &[usize],
    levels: &[String],
    calibrator: Option<usize>,
) -> Result<Ordered<WesternResult>> {
    let mut out = Ordered::default();
    let Some(cal) = calibrator else {
        return Ok(out);
    };
    for (signal, loading) in &s.western {
        let mut ignore = Vec::new();
        let r = ratios(data, signal, loading, &mut ignore)?;
        let reference = reference_mean(&r, idx, levels.len(), cal, signal, loading)?;
        let norm: Vec<Option<f64>> = r.iter().map(|x| x.map(|x| x / reference)).collect();
        let (g, miss) = by_group(&norm, idx, levels.len());
        out.0.push((
            endpoint_name(signal, loading),
            WesternResult {
                signal_column: signal.clone(),
                loading_column: loading.clone(),
                calibrator: levels[cal].clone(),
                reference_mean_ratio: reference,
                groups: levels
                    .iter()
                    .zip(g.iter().zip(&miss))
                    .map(|(n, (v, m))| summarise(n, v, *m))
                    .collect(),
            },
        ));
    }
    Ok(out)
}
