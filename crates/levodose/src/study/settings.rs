//! What to analyse: the flags of `levodose analyze study`, or the `[analysis]` section of a
//! preclinical scenario (same names). Flags given on the command line replace the section's.

use serde::{Deserialize, Serialize};

/// The `[analysis]` section / the resolved settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Column holding the group labels (or blind codes).
    #[serde(default = "default_group")]
    pub group: String,
    /// Comparator for Dunnett, Dunn and effect sizes (normally "vehicle + LPS").
    #[serde(default)]
    pub control: String,
    /// Reference group for qPCR and Western normalisation (normally "vehicle + saline").
    #[serde(default)]
    pub calibrator: Option<String>,
    #[serde(default)]
    pub endpoints: Vec<String>,
    /// [sucrose column, water column]
    #[serde(default)]
    pub sucrose_preference: Option<(String, String)>,
    /// (target Ct column, reference Ct column)
    #[serde(default)]
    pub qpcr: Vec<(String, String)>,
    /// Primer efficiency (amplification factor per cycle, 2 = 100 %) by gene name.
    #[serde(default)]
    pub efficiency: Vec<(String, f64)>,
    /// (signal column, loading-control column)
    #[serde(default)]
    pub western: Vec<(String, String)>,
    #[serde(default)]
    pub forced_swim: Option<String>,
    #[serde(default)]
    pub locomotor: Option<String>,
    /// Doses of the drug groups (group name, mg/kg) for the trend test.
    #[serde(default)]
    pub doses: Vec<(String, f64)>,
    /// Level order; empty = order of first appearance.
    #[serde(default)]
    pub levels: Vec<String>,
}

fn default_group() -> String {
    "GROUP".into()
}

/// Gene name of a Ct column: the name without a leading `CT_`.
pub fn gene_name(ct_column: &str) -> &str {
    ct_column.strip_prefix("CT_").unwrap_or(ct_column)
}
