//! The monograph schema. Optional sections are absent for compounds where they are not needed
//! (comparators carry identity, human PK and targets).

use super::value::{Value, ValueList};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Monograph {
    pub schema_version: u32,
    pub compound: Compound,
    pub references: BTreeMap<String, super::Reference>,
    pub human: HumanPk,
    pub targets: Targets,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactions: Option<Interactions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety: Option<Safety>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variability: Option<Variability>,
    /// Physiological bounds of user-given PK values (scenario `[pk]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pk_bounds: Option<PkBounds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<PopulationDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_research_target: Option<ResearchTarget>,
    /// Rodent species, allometry, assays and design rules (`translate`, `design`, `lint`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preclinical: Option<super::preclinical::Preclinical>,
    /// Published MADRS trial effects and the assumptions of the trial simulator (`trial`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efficacy: Option<Efficacy>,
    /// Active metabolites that bind the same transporters (`compare` sums them competitively).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metabolites: Vec<ActiveMetabolite>,
    /// Published PET transporter occupancies in patients or volunteers (`compare` shows them
    /// beside the Ki-basis prediction).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pet_occupancy: Vec<PetOccupancy>,
}

/// An active metabolite whose own monograph (`compound`) gives its PK and transporter
/// constants; `formation_fraction` is the share of the parent dose converted to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActiveMetabolite {
    pub compound: String,
    pub formation_fraction: Value,
}

/// A published PET occupancy at a dose.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PetOccupancy {
    /// "sert" or "net".
    pub transporter: String,
    pub dose_mg: Value,
    pub occupancy_fraction: Value,
    /// When after the dose and after how long on treatment, tracer and region.
    pub timing: String,
}

/// Identity: names, molar masses (free base and salt), usual clinical dosing (for comparisons).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compound {
    pub name: String,
    pub display_name: String,
    pub class: String,
    #[serde(default)]
    pub synonyms: Vec<String>,
    pub molar_mass_base_g_per_mol: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<Salt>,
    /// Usual once-daily maintenance doses (free base unless the note says otherwise).
    pub usual_doses_mg: ValueList,
    /// Usual dosing interval of the marketed product.
    pub usual_tau_h: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Salt {
    pub name: String,
    pub molar_mass_g_per_mol: Value,
}

/// Typical human PK of the marketed oral product, as apparent parameters (CL/F, V/F) with
/// `bioavailability_fraction` = 1 unless absolute values are published.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HumanPk {
    pub formulation: String,
    pub weight_reference_kg: Value,
    pub clearance_l_per_h: Value,
    pub volume_l: Value,
    pub ka_per_h: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag_h: Option<Value>,
    pub bioavailability_fraction: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intercompartmental_clearance_l_per_h: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peripheral_volume_l: Option<Value>,
    pub unbound_fraction: Value,
    /// Share of total clearance that is renal (fraction excreted unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renal_fraction: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crcl_reference_ml_per_min: Option<Value>,
    /// How non-renal clearance and volume change with CrCl (sigmoid Emax; `subject`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renal_model: Option<RenalModel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fm_cyp3a4_fraction: Option<Value>,
    /// Published checks that the parameters must reproduce (tests read these).
    pub half_life_h: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmax_low_h: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmax_high_h: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steady_state_check: Option<SteadyStateCheck>,
    /// A published single-dose study not used in fitting (validation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_dose_check: Option<SingleDoseCheck>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renal_impairment: Vec<RenalGroup>,
}

/// A published steady-state exposure at a stated dose.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SteadyStateCheck {
    pub dose_mg: Value,
    pub tau_h: Value,
    pub cmax_ng_per_ml: Value,
    pub auc_tau_ng_h_per_ml: Value,
}

/// A published single-dose study: exposure after one dose (validation data).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SingleDoseCheck {
    pub dose_mg: Value,
    pub cmax_ng_per_ml: Value,
    pub auc_inf_ng_h_per_ml: Value,
    pub half_life_h: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renal_clearance_ml_per_min: Option<Value>,
}

/// Renal function beyond the renal route: non-renal clearance and volume as sigmoid Emax
/// functions of CrCl, g = 1 - Imax_nr s and v = 1 - Imax_v s with s = 1 / (1 + (CrCl/CrCl50)^hill).
/// A sigmoid rather than a line because the published groups show a threshold.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenalModel {
    pub nonrenal_imax_fraction: Value,
    pub crcl50_ml_per_min: Value,
    pub hill: Value,
    pub volume_imax_fraction: Value,
}

/// A renal-impairment group from a published PK study: its CrCl and ratios to normal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenalGroup {
    pub group: String,
    pub crcl_ml_per_min: Value,
    pub auc_ratio: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub half_life_ratio: Option<Value>,
}

/// Transporter affinities and the occupancy basis.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    pub net_ki_nm: Value,
    pub sert_ki_nm: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_ic50_nm: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sert_ic50_nm: Option<Value>,
    pub brain_to_plasma_unbound_ratio: Value,
}

/// Label rules (US prescribing information).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    pub source: String,
    pub capsule_strengths_mg: ValueList,
    pub start_dose_mg: Value,
    pub start_days: Value,
    pub titration_step_mg: Value,
    pub titration_min_interval_days: Value,
    pub min_maintenance_mg: Value,
    pub max_maintenance_mg: Value,
    pub strong_cyp3a4_inhibitor_max_mg: Value,
    pub maoi_stop_before_start_days: Value,
    pub maoi_start_after_stop_days: Value,
    pub renal: Vec<RenalCap>,
    pub taper: Rule,
}

/// A renal band [crcl_min, crcl_max) with its maximum maintenance dose, or not recommended.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenalCap {
    /// Class name used by `--renal` (mild, moderate, severe, esrd).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub crcl_min_ml_per_min: f64,
    pub crcl_max_ml_per_min: f64,
    #[serde(default)]
    pub max_dose_mg: Option<f64>,
    #[serde(default)]
    pub not_recommended: bool,
    pub source: String,
    #[serde(default)]
    pub note: String,
}

/// A rule stated in words with its source.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub text: String,
    pub source: String,
}

/// Class of a co-medication as far as levomilnacipran is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ComedClass {
    StrongCyp3a4Inhibitor,
    ModerateCyp3a4Inhibitor,
    WeakCyp3a4Inhibitor,
    StrongCyp3a4Inducer,
    ModerateCyp3a4Inducer,
    WeakCyp3a4Inducer,
    /// Inducers stronger than the carbamazepine-calibrated strong class (rifampin).
    RifampinClassCyp3a4Inducer,
    Maoi,
    /// Ethanol: a formulation interaction (dose dumping of the ER capsule), not a CYP3A4 one.
    Alcohol,
}

impl ComedClass {
    pub fn key(self) -> &'static str {
        match self {
            ComedClass::StrongCyp3a4Inhibitor => "strong_cyp3a4_inhibitor",
            ComedClass::ModerateCyp3a4Inhibitor => "moderate_cyp3a4_inhibitor",
            ComedClass::WeakCyp3a4Inhibitor => "weak_cyp3a4_inhibitor",
            ComedClass::StrongCyp3a4Inducer => "strong_cyp3a4_inducer",
            ComedClass::ModerateCyp3a4Inducer => "moderate_cyp3a4_inducer",
            ComedClass::WeakCyp3a4Inducer => "weak_cyp3a4_inducer",
            ComedClass::RifampinClassCyp3a4Inducer => "rifampin_class_cyp3a4_inducer",
            ComedClass::Maoi => "maoi",
            ComedClass::Alcohol => "alcohol",
        }
    }
    pub fn is_cyp3a4(self) -> bool {
        !matches!(self, ComedClass::Maoi | ComedClass::Alcohol)
    }
    /// Inducers act through enzyme synthesis: their effect builds up and fades over days.
    pub fn is_inducer(self) -> bool {
        matches!(
            self,
            ComedClass::StrongCyp3a4Inducer
                | ComedClass::ModerateCyp3a4Inducer
                | ComedClass::WeakCyp3a4Inducer
                | ComedClass::RifampinClassCyp3a4Inducer
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interactions {
    /// Days over which induction builds up after an inducer starts (and fades after it stops).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub induction_onset_days: Option<Value>,
    /// Remaining CYP3A4 activity r for each perpetrator class (static model), keyed by class.
    pub class_activity_ratio: BTreeMap<String, Value>,
    pub comedications: Vec<Comedication>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comedication {
    pub name: String,
    pub class: ComedClass,
    pub source: String,
    #[serde(default)]
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_auc_ratio: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_cmax_ratio: Option<Value>,
    /// Contraindicated in combination (e.g. linezolid, IV methylene blue).
    #[serde(default)]
    pub contraindicated: bool,
}

/// Safety tables by dose (0 = placebo).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Safety {
    pub adverse_events: Vec<DoseTable>,
    pub vital_signs: Vec<DoseTable>,
    pub discontinuation_for_ae: DoseTable,
    /// Adverse reactions published only as a pool over a dose range (not by dose).
    #[serde(default)]
    pub pooled_adverse_reactions: Vec<PooledRate>,
}

/// An incidence pooled over the active doses of several trials, with its placebo pool: counts
/// as published, so the percentages are derived, not rounded twice.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PooledRate {
    pub name: String,
    /// "all" or a subgroup such as "men".
    #[serde(default = "all_population")]
    pub population: String,
    /// Lowest and highest active dose of the pool (mg/day).
    pub dose_range_mg: [f64; 2],
    pub active_events: u32,
    pub active_n: u32,
    pub placebo_events: u32,
    pub placebo_n: u32,
    pub source: String,
    #[serde(default)]
    pub note: String,
}

/// One outcome by dose: `values[i]` at `doses_mg[i]` (dose 0 = placebo), with group sizes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoseTable {
    pub name: String,
    /// "all" or a subgroup such as "men".
    #[serde(default = "all_population")]
    pub population: String,
    pub unit: String,
    pub doses_mg: Vec<f64>,
    pub values: Vec<f64>,
    #[serde(default)]
    pub n: Vec<u32>,
    pub source: String,
    #[serde(default)]
    pub note: String,
}

fn all_population() -> String {
    "all".into()
}

/// Physiological bounds of user-given human PK values: beyond them a value is a typo or a unit
/// slip, and the error states the bound with its reasoning.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PkBounds {
    pub clearance_min_l_per_h: Value,
    pub clearance_max_l_per_h: Value,
    pub volume_min_l: Value,
    pub volume_max_l: Value,
    pub ka_min_per_h: Value,
    pub ka_max_per_h: Value,
}

/// Log-normal inter-individual variability of CL/F, V/F and ka (CV as a fraction) with the
/// correlations of their log-deviations (`population` module).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variability {
    pub model: String,
    pub clearance_cv_fraction: Value,
    pub volume_cv_fraction: Value,
    pub ka_cv_fraction: Value,
    pub correlation_clearance_volume: Value,
    pub correlation_clearance_ka: Value,
    pub correlation_volume_ka: Value,
    /// Proportional residual error (SD of the relative deviation of a measured level from the
    /// individual prediction: assay error plus model misspecification), the likelihood of a
    /// measured level in `levodose individualize`. Optional: monographs without it cannot serve
    /// as a Bayesian prior.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual_proportional_sd_fraction: Option<Value>,
}

/// A default virtual population: log-normal weight and CrCl, truncated to [min, max].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationDef {
    pub name: String,
    #[serde(default)]
    pub note: String,
    pub weight_median_kg: Value,
    pub weight_cv_fraction: Value,
    pub weight_min_kg: Value,
    pub weight_max_kg: Value,
    pub crcl_median_ml_per_min: Value,
    pub crcl_cv_fraction: Value,
    pub crcl_min_ml_per_min: Value,
    pub crcl_max_ml_per_min: Value,
}

/// The research target `optimize` uses when the user gives none (a `target` expression).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResearchTarget {
    pub expression: String,
    pub source: String,
    #[serde(default)]
    pub status: super::Status,
    pub note: String,
}

/// Clinical efficacy on the MADRS: published effects (defaults of the trial simulator) and the
/// simulator's assumptions (each marked `status = "assumed"`). Differences are drug minus
/// placebo in change from baseline (negative favours the drug).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Efficacy {
    pub scale: String,
    /// Week of the primary endpoint.
    pub primary_week: Value,
    /// Efficacy visit weeks after randomisation (the visit SDs follow them).
    pub visit_weeks: ValueList,
    /// LS-mean difference vs placebo at the primary week, by fixed dose.
    pub fixed_dose: Vec<DoseEffect>,
    /// Every placebo-controlled arm with its difference and SE (efficacy meta-analysis).
    #[serde(default)]
    pub trial_arms: Vec<TrialArmEffect>,
    pub flexible_difference_madrs: Value,
    pub pooled_drug_change_madrs: Value,
    pub pooled_placebo_change_madrs: Value,
    pub negative_trial_drug_change_madrs: Value,
    pub negative_trial_placebo_change_madrs: Value,
    pub meta_analysis_difference_madrs: Value,
    pub inclusion_min_madrs: Value,
    pub completion_drug_fraction: Value,
    pub completion_placebo_fraction: Value,
    pub run_in_weeks: Value,
    pub taper_weeks: Value,
    /// SD of change from baseline at each of `visit_weeks`.
    pub change_sd_madrs: ValueList,
    /// Correlation of the change scores one week apart; corr = rho^|t_j - t_k| (weeks).
    pub within_subject_correlation_per_week: Value,
    /// Time constant of the exponential approach of placebo and drug effects.
    pub response_time_constant_weeks: Value,
    pub screening_mean_madrs: Value,
    pub screening_sd_madrs: Value,
    pub run_in_change_madrs: Value,
    pub run_in_sd_madrs: Value,
    pub run_in_exclusion_improvement_fraction: Value,
    pub response_improvement_fraction: Value,
    /// Lowest and highest total score of the scale (simulated scores are clamped to them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_min_score: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_max_score: Option<Value>,
}

/// A fixed dose and its published difference from placebo.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoseEffect {
    pub name: String,
    pub dose_mg: Value,
    pub difference_madrs: Value,
}

/// One active arm of a placebo-controlled trial: its difference from placebo at the primary
/// week and the standard error of that difference. A fixed arm gives `dose_mg`; a flexible arm
/// gives `dose_min_mg` and `dose_max_mg`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialArmEffect {
    /// Reference key of the trial.
    pub trial: String,
    pub arm: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose_mg: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose_min_mg: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose_max_mg: Option<Value>,
    pub difference_madrs: Value,
    pub se_madrs: Value,
}
