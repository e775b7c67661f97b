//! Locomotor confound check: reduced immobility in the forced swim test can come from
//! hyperlocomotion rather than an antidepressant-like effect (Porsolt et al. 1977; Cryan et al.
//! 2005), and increased immobility with reduced locomotion suggests sedation. For each drug group
//! the two Dunnett comparisons with the control are put side by side.

use super::table::Ordered;
use crate::finding::{Finding, Severity};
use levodose_stats::comparisons::{EndpointAnalysis, ALPHA};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct LocomotorRow {
    pub group: String,
    pub fst_estimate: f64,
    pub fst_p_adjusted: f64,
    pub oft_estimate: f64,
    pub oft_pct_of_control: Option<f64>,
    pub oft_p_adjusted: f64,
    pub fst_significant: bool,
    pub oft_significant: bool,
}

/// Rows for every group other than the control and the calibrator.
pub fn check(
    endpoints: &Ordered<EndpointAnalysis>,
    fst: &str,
    oft: &str,
    levels: &[String],
    control: usize,
    calibrator: Option<usize>,
    findings: &mut Vec<Finding>,
) -> Vec<LocomotorRow> {
    let (Some(f), Some(o)) = (endpoints.get(fst), endpoints.get(oft)) else {
        return Vec::new();
    };
    let control_oft_mean = o.groups[control].mean;
    let mut rows = Vec::new();
    for (i, g) in levels.iter().enumerate() {
        if i == control || Some(i) == calibrator {
            continue;
        }
        let (Some(fr), Some(or)) = (
            f.dunnett.iter().find(|r| &r.group == g),
            o.dunnett.iter().find(|r| &r.group == g),
        ) else {
            continue;
        };
        let row = LocomotorRow {
            group: g.clone(),
            fst_estimate: fr.estimate,
            fst_p_adjusted: fr.p_adjusted,
            oft_estimate: or.estimate,
            oft_pct_of_control: control_oft_mean
                .filter(|m| *m != 0.0)
                .map(|m| 100.0 * or.estimate / m),
            oft_p_adjusted: or.p_adjusted,
            fst_significant: fr.p_adjusted < ALPHA,
            oft_significant: or.p_adjusted < ALPHA,
        };
        if row.fst_estimate < 0.0 && row.oft_estimate > 0.0 && row.oft_significant {
            findings.push(
                Finding::new(
                    "hyperlocomotion_confound",
                    Severity::Warning,
                    format!("'{g}': lower immobility comes with significantly more distance travelled (Dunnett p = {:.4}); the forced swim effect may reflect hyperlocomotion", row.oft_p_adjusted),
                    "analyze study: locomotor check",
                )
                .with_suggestion("report the open-field result next to the forced swim result"),
            );
        }
        if row.fst_estimate > 0.0 && row.oft_estimate < 0.0 && row.oft_significant {
            findings.push(Finding::new(
                "possible_sedation",
                Severity::Info,
                format!("'{g}': higher immobility comes with significantly less distance travelled (Dunnett p = {:.4}); consider sedation", row.oft_p_adjusted),
                "analyze study: locomotor check",
            ));
        }
        rows.push(row);
    }
    rows
}
