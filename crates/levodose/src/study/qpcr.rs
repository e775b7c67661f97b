//! qPCR by the 2^-ddCt method (Livak & Schmittgen 2001): dCt = Ct(target) - Ct(reference gene),
//! ddCt = dCt - mean dCt of the calibrator group, fold change at the group mean of ddCt with a
//! 95 % t-interval of ddCt carried through 2^-x. With primer efficiencies E (amplification factor
//! per cycle) the Pfaffl (2001) ratio is used: each Ct is weighted by log2(E), so dCt is in log2
//! units and 2^-ddCt is the efficiency-corrected ratio. Statistics run on dCt, never on fold changes.

use super::settings::gene_name;
use super::settings::Settings;
use super::table::{by_group, Ordered, StudyData};
use crate::error::{Error, Result};
use levodose_stats::comparisons::describe::{mean, variance};
use levodose_stats::comparisons::distributions::t_quantile;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct QpcrGroup {
    pub group: String,
    pub n: usize,
    pub mean_dct: Option<f64>,
    pub mean_ddct: Option<f64>,
    pub sd_ddct: Option<f64>,
    pub se_ddct: Option<f64>,
    pub fold_change: Option<f64>,
    pub fold_change_lower: Option<f64>,
    pub fold_change_upper: Option<f64>,
    pub log2_fold_change: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QpcrTarget {
    pub target_column: String,
    pub reference_column: String,
    /// "2^-ddCt" or "Pfaffl"
    pub method: String,
    pub efficiency_target: f64,
    pub efficiency_reference: f64,
    pub calibrator: String,
    pub reference_mean_dct: f64,
    pub groups: Vec<QpcrGroup>,
}

/// Primer efficiency of `gene` (amplification factor; 2 when not given).
fn efficiency(s: &Settings, gene: &str) -> Result<f64> {
    match s.efficiency.iter().find(|e| e.0 == gene) {
        None => Ok(2.0),
        Some((_, e)) => crate::error::check_range(
            &format!("--efficiency {gene}"),
            *e,
            1.5,
            2.2,
            "(amplification factor per cycle)",
        ),
    }
}

fn is_pfaffl(s: &Settings, target: &str, reference: &str) -> bool {
    s.efficiency
        .iter()
        .any(|e| e.0 == gene_name(target) || e.0 == gene_name(reference))
}

/// dCt per animal (efficiency-weighted when efficiencies are given).
pub fn delta_ct(
    data: &StudyData,
    s: &Settings,
    target: &str,
    reference: &str,
) -> Result<Vec<Option<f64>>> {
    let t = data.column(target, "--qpcr")?;
    let r = data.column(reference, "--qpcr")?;
    let pf = is_pfaffl(s, target, reference);
    let (wt, wr) = (
        efficiency(s, gene_name(target))?.log2(),
        efficiency(s, gene_name(reference))?.log2(),
    );
    Ok(t.iter()
        .zip(r)
        .map(|(a, b)| match (a, b) {
            (Some(a), Some(b)) if pf => Some(a * wt - b * wr),
            (Some(a), Some(b)) => Some(a - b),
            _ => None,
        })
        .collect())
}

/// Fold changes for every `--qpcr` pair (empty without a calibrator).
pub fn fold_changes(
    data: &StudyData,
    s: &Settings,
    idx: &[usize],
    levels: &[String],
    calibrator: Option<usize>,
) -> Result<Ordered<QpcrTarget>> {
    let mut out = Ordered::default();
    let Some(cal) = calibrator else {
        return Ok(out);
    };
    for (target, reference) in &s.qpcr {
        let dct = delta_ct(data, s, target, reference)?;
        let (groups, _) = by_group(&dct, idx, levels.len());
        if groups[cal].is_empty() {
            return Err(Error::input(
                "--calibrator",
                format!(
                    "group '{}' has no {target}/{reference} values to normalise to",
                    levels[cal]
                ),
            ));
        }
        let reference_mean_dct = mean(&groups[cal]);
        let rows = levels
            .iter()
            .zip(&groups)
            .map(|(name, v)| group_row(name, v, reference_mean_dct))
            .collect();
        out.0.push((
            gene_name(target).to_string(),
            QpcrTarget {
                target_column: target.clone(),
                reference_column: reference.clone(),
                method: if is_pfaffl(s, target, reference) {
                    "Pfaffl"
                } else {
                    "2^-ddCt"
                }
                .into(),
                efficiency_target: efficiency(s, gene_name(target))?,
                efficiency_reference: efficiency(s, gene_name(reference))?,
                calibrator: levels[cal].clone(),
                reference_mean_dct,
                groups: rows,
            },
        ));
    }
    Ok(out)
}

fn group_row(name: &str, dct: &[f64], reference: f64) -> QpcrGroup {
    let ddct: Vec<f64> = dct.iter().map(|d| d - reference).collect();
    let n = ddct.len();
    let m = (n > 0).then(|| mean(&ddct));
    let sd = variance(&ddct).map(f64::sqrt);
    let se = sd.map(|s| s / (n as f64).sqrt());
    let half = se.map(|se| t_quantile(0.975, n as f64 - 1.0) * se);
    QpcrGroup {
        group: name.to_string(),
        n,
        mean_dct: (n > 0).then(|| mean(dct)),
        mean_ddct: m,
        sd_ddct: sd,
        se_ddct: se,
        fold_change: m.map(|m| (-m).exp2()),
        fold_change_lower: m.zip(half).map(|(m, h)| (-(m + h)).exp2()),
        fold_change_upper: m.zip(half).map(|(m, h)| (-(m - h)).exp2()),
        log2_fold_change: m.map(|m| -m),
    }
}
