//! Preclinical section of a monograph: species (rat, mouse), allometry, body-surface-area
//! factors, minimum effective doses, the clinical-adverse-event to animal-observation map,
//! behavioural assays and disease models, and the design thresholds lint uses.

use super::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preclinical {
    pub allometry: Allometry,
    pub bsa: BsaScaling,
    pub species: BTreeMap<String, SpeciesData>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub minimum_effective_doses: Vec<EffectiveDose>,
    pub safety_selection: SafetySelection,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub safety_observations: Vec<SafetyObservation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assays: Vec<Assay>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<DiseaseModel>,
    /// Published rodent toxicity limits (LD50, NOAEL) that cap translated and designed doses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub toxicology: Vec<ToxicologyLimit>,
    /// Study conventions (clock hour of dosing, light cycle) used as scenario defaults.
    pub conventions: StudyConventions,
    pub design_rules: DesignRules,
}

/// What a toxicology limit measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToxicologyKind {
    /// Median lethal single dose.
    Ld50,
    /// No-observed-adverse-effect level (daily dose, repeated dosing).
    Noael,
    /// Lowest-observed-adverse-effect level (daily dose), used when no NOAEL is published.
    Loael,
}

impl ToxicologyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ToxicologyKind::Ld50 => "LD50",
            ToxicologyKind::Noael => "NOAEL",
            ToxicologyKind::Loael => "LOAEL",
        }
    }
}

/// A published rodent toxicity limit; `compound_tested` says whether it is the racemate.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToxicologyLimit {
    pub kind: ToxicologyKind,
    pub species: String,
    pub route: String,
    pub compound_tested: String,
    /// What was observed (or not) at the limit, in words.
    pub endpoint: String,
    /// Per administration for an LD50, per day for a NOAEL.
    pub dose_mg_per_kg: Value,
}

/// Conventions of a rodent study that a scenario may override.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyConventions {
    /// Clock hour of the first daily dose (`[dosing] first_dose_hour` default).
    pub first_dose_hour_h: Value,
    /// Clock hour of arrival, randomisation and baseline measures.
    pub procedure_hour_h: Value,
    /// Hours of light per 24 h (light/dark cycle of the housing).
    pub light_phase_h: Value,
}

/// Simple allometry: P_animal = P_human (W_animal / W_human)^b.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allometry {
    pub clearance_exponent: Value,
    pub volume_exponent: Value,
}

/// Body-surface-area dose conversion: mg/kg_animal = mg/kg_human * Km_human / Km_animal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BsaScaling {
    pub human_km_kg_per_m2: Value,
    pub human_reference_weight_kg: Value,
}

/// One species: defaults, PK where measured (None = allometric from human), binding, routes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeciesData {
    pub display_name: String,
    pub body_weight_kg: Value,
    pub km_kg_per_m2: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clearance_l_per_h_per_kg: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_l_per_kg: Option<Value>,
    /// None = the human value, marked as assumed in every output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unbound_fraction: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_ki_nm: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sert_ki_nm: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_ic50_nm: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sert_ic50_nm: Option<Value>,
    /// Absorption by route: "po" (solution), "ip", "iv", "minipump" (subcutaneous osmotic pump).
    pub routes: BTreeMap<String, RouteAbsorption>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteAbsorption {
    /// First-order absorption rate; absent for iv and minipump (zero-order into plasma).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ka_per_h: Option<Value>,
    pub bioavailability_fraction: Value,
    /// Default dosing volume (absent for the osmotic minipump).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose_volume_ml_per_kg: Option<Value>,
}

/// A published minimum effective dose in an animal model.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EffectiveDose {
    pub name: String,
    pub species: String,
    pub route: String,
    pub dose_mg_per_kg: Value,
}

/// Which clinical adverse events an animal study should mirror: incidence at least
/// `min_incidence_percent` and at least `min_ratio_to_placebo_ratio` times placebo.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetySelection {
    pub min_incidence_percent: Value,
    pub min_ratio_to_placebo_ratio: Value,
}

/// Clinical adverse event (name as in `safety.adverse_events` / `vital_signs`) -> observations.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetyObservation {
    pub adverse_event: String,
    pub observations: Vec<String>,
    pub rationale: String,
    pub source: String,
}

/// A behavioural assay and the properties that matter for design.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assay {
    pub name: String,
    pub display_name: String,
    pub construct: String,
    /// A "behavioural despair" test (forced swim, tail suspension).
    pub despair: bool,
    /// Measures locomotion (a control for despair tests).
    pub locomotor: bool,
    /// Known ceiling: higher doses cannot reduce the score further.
    pub ceiling: bool,
    /// The readout depends mainly on serotonin.
    pub serotonin_driven: bool,
    /// A safety observation rather than an efficacy test.
    #[serde(default)]
    pub safety: bool,
    pub duration_min: Value,
    pub source: String,
    #[serde(default)]
    pub note: String,
    /// The test this session prepares (a pre-test the day before, e.g. the rat forced swim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretest_for: Option<String>,
    /// Species in which this test needs its pre-test (`pretest` assay key) the day before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretest: Option<PretestRule>,
}

/// "In `species`, run assay `assay` `days_before` days before this test" (e.g. Porsolt 1978).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PretestRule {
    pub assay: String,
    pub species: Vec<String>,
    pub days_before: u32,
    pub source: String,
}

/// A disease model (challenge or lesion) and whether it depends mainly on serotonin.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiseaseModel {
    pub name: String,
    pub display_name: String,
    pub serotonin_driven: bool,
    pub rationale: String,
    pub source: String,
}

/// Thresholds of the design lint (conventions, each with its source).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignRules {
    pub plateau_occupancy_fraction: Value,
    pub min_dose_spacing_ratio: Value,
    pub min_dose_count: Value,
    pub min_power_fraction: Value,
    pub trough_to_peak_min_ratio: Value,
    /// A test later than Tmax + this many species half-lives is "far past Tmax".
    pub max_half_lives_after_tmax: Value,
    /// Flag when allometric exposure matching and BSA scaling differ by more than this fold.
    pub bsa_disagreement_fold: Value,
    /// A recommendation further than this fold from the BSA dose is implausible (warning).
    pub implausible_bsa_fold: Value,
    /// A recommendation above this multiple of the highest published minimum effective dose
    /// (same species) is above the published effective range (warning).
    pub effective_range_fold: Value,
    /// Error when a dose exceeds this fraction of the LD50.
    pub ld50_error_fraction: Value,
}

impl Preclinical {
    /// Looks up an assay by key; the error names `field` and lists the allowed keys.
    pub fn assay(&self, key: &str, field: &str) -> crate::error::Result<&Assay> {
        self.assays.iter().find(|a| a.name == key).ok_or_else(|| {
            crate::error::Error::input(
                field,
                format!(
                    "unknown assay \"{key}\"; allowed: {}",
                    self.assays
                        .iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
    }
}
