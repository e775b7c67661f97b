//! Trial scenario files (TOML, top-level `[trial]` table) and their resolution against the
//! monograph: every value the user leaves out comes from the monograph's `efficacy` and `label`
//! sections, with its source, so the output can say where each assumption came from.
//!
//! Drug effect keys of an arm (`[[trial.arms]]`, example `examples/trial/madrs_exposure.toml`):
//! - `effect = "arm"` (default): one difference from placebo for the arm (`difference_madrs`, or
//!   the published value: the fixed-dose table at a fixed dose, the flexible-dose trial for a
//!   flexible arm).
//! - `effect = "dose"`: the fixed-dose table interpolated at the subject's current dose.
//! - `effect = "exposure"`: the reference difference at the subject's dose (the arm's difference
//!   for a fixed arm, the fixed-dose table for a flexible arm) x Cavg of the subject / Cavg of the
//!   typical subject at that dose, steady state once every `compound.usual_tau_h`.
//! - `effect = "occupancy"`: the difference at full NET occupancy (monograph
//!   `efficacy.fixed_dose[].difference_at_full_net_occupancy_madrs`, derived so the typical
//!   subject reproduces the published effects; with a user `difference_madrs` on a fixed arm,
//!   that difference / typical occupancy) x the subject's time-averaged NET occupancy.
//! - `pk_variability = true | false` (exposure and occupancy; default true): log-normal CL/F,
//!   V/F and ka from the monograph `[variability]`; false = the typical subject. Covariates
//!   (renal function, co-medication) are not sampled.
//!
//! `[trial.outcome] clamp_to_scale = true | false` (default true): screening, baseline and visit
//! scores are clamped to the scale range of the monograph (`efficacy.scale_min_score`,
//! `scale_max_score`: MADRS 0-60).

use super::exposure::{EffectPk, Metric};
use crate::error::{check_range, Error, Result};
use crate::monograph::{Efficacy, Label, Monograph, Status};
use serde::{Deserialize, Serialize};

/// The file: `[trial]` with `[[trial.arms]]`, optional `[trial.outcome]`, `[trial.run_in]`,
/// `[trial.dropout]`, `[trial.analysis]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub trial: TrialScenario,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialScenario {
    #[serde(default)]
    pub name: String,
    #[serde(default = "default_compound")]
    pub compound: String,
    /// Randomised subjects per arm of allocation 1 (arm n = round(n_per_arm x allocation)).
    pub n_per_arm: u32,
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    pub visit_weeks: Option<Vec<f64>>,
    pub primary_week: Option<f64>,
    pub inclusion_min_madrs: Option<f64>,
    pub taper_weeks: Option<f64>,
    /// Screening washout after stopping an MAOI, days (lint: label minimum).
    pub maoi_washout_days: Option<f64>,
    /// Power the protocol plans for (lint: conventional minimum).
    pub planned_power: Option<f64>,
    /// Name of the arm whose difference from placebo is the primary contrast (default: first active arm).
    pub primary_arm: Option<String>,
    pub arms: Vec<ArmSpec>,
    #[serde(default)]
    pub run_in: RunInSpec,
    #[serde(default)]
    pub outcome: OutcomeSpec,
    #[serde(default)]
    pub dropout: DropoutSpec,
    #[serde(default)]
    pub analysis: AnalysisSpec,
}

fn default_compound() -> String {
    "levomilnacipran".into()
}
fn default_alpha() -> f64 {
    0.05
}
fn default_one() -> f64 {
    1.0
}

/// Kind of arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArmKind {
    Placebo,
    Fixed,
    Flexible,
}

/// How the drug effect of an arm is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EffectModel {
    /// One published (or given) difference for the whole arm.
    #[default]
    Arm,
    /// Difference at each subject's current dose, interpolated in the fixed-dose table.
    Dose,
    /// Reference difference at the subject's dose x Cavg of the subject / Cavg of the typical
    /// subject at that dose (individual PK from the monograph `[variability]`).
    Exposure,
    /// Difference at full NET occupancy (monograph, derived from the published fixed-dose
    /// effects) x the subject's time-averaged NET occupancy at its dose.
    Occupancy,
}

impl EffectModel {
    /// True for the models that need individual PK.
    pub fn uses_pk(self) -> bool {
        matches!(self, EffectModel::Exposure | EffectModel::Occupancy)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmSpec {
    pub name: String,
    pub kind: ArmKind,
    #[serde(default = "default_one")]
    pub allocation: f64,
    /// Fixed arms: the maintenance dose.
    pub dose_mg: Option<f64>,
    /// Flexible arms: dose range (default: label maintenance range).
    pub dose_min_mg: Option<f64>,
    pub dose_max_mg: Option<f64>,
    /// Flexible arms: up-titration step at a visit (default: label step).
    pub step_mg: Option<f64>,
    /// Titration to the first maintenance dose in the regimen language (default `label-titration:DOSE`).
    pub titration: Option<String>,
    /// Drug minus placebo change at the primary week (default: the monograph's published value).
    pub difference_madrs: Option<f64>,
    #[serde(default)]
    pub effect: EffectModel,
    /// `effect = "exposure"` or `"occupancy"`: log-normal PK variability from the monograph
    /// `[variability]` (default true); false = every subject is the typical subject.
    pub pk_variability: Option<bool>,
    /// Share randomised who drop out by the primary week (default: 1 - published completion).
    pub dropout_fraction: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunInSpec {
    /// 0 = no single-blind placebo run-in.
    pub weeks: Option<f64>,
    pub change_madrs: Option<f64>,
    pub sd_madrs: Option<f64>,
    pub exclusion_improvement_fraction: Option<f64>,
    pub screening_mean_madrs: Option<f64>,
    pub screening_sd_madrs: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeSpec {
    /// SD of change from baseline at each visit (one value = all visits).
    pub change_sd_madrs: Option<Vec<f64>>,
    pub within_subject_correlation_per_week: Option<f64>,
    pub response_time_constant_weeks: Option<f64>,
    /// Placebo change from baseline at the primary week.
    pub placebo_change_madrs: Option<f64>,
    pub response_improvement_fraction: Option<f64>,
    /// Clamp simulated scores (screening, baseline, each visit) to the scale range of the
    /// monograph (MADRS 0-60; default true).
    pub clamp_to_scale: Option<bool>,
}

/// Dropout mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mechanism {
    /// Missing completely at random: constant hazard per visit.
    #[default]
    Mcar,
    /// Missing at random: the log-odds of dropping out rise with the last observed change.
    Mar,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropoutSpec {
    #[serde(default)]
    pub mechanism: Mechanism,
    /// MAR: log-odds increase per MADRS point of last observed change (worse = higher).
    pub logit_per_madrs: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSpec {
    #[serde(default = "default_method")]
    pub method: String,
    #[serde(default = "default_population")]
    pub population: String,
    /// Adjust for baseline (`+ BASE*VISIT`).
    #[serde(default = "default_true")]
    pub baseline_covariate: bool,
}

impl Default for AnalysisSpec {
    fn default() -> Self {
        AnalysisSpec {
            method: default_method(),
            population: default_population(),
            baseline_covariate: true,
        }
    }
}
fn default_method() -> String {
    "mmrm".into()
}
fn default_population() -> String {
    "mitt".into()
}
fn default_true() -> bool {
    true
}

/// A value used by the simulator with its origin (monograph source key, or `user`).
#[derive(Debug, Clone, Serialize)]
pub struct Used {
    pub name: String,
    pub value: f64,
    pub unit: String,
    pub source: String,
    pub status: Status,
}

/// One arm, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Arm {
    pub name: String,
    pub kind: ArmKind,
    pub n: usize,
    /// Maintenance dose (fixed) or starting maintenance dose (flexible), mg/day.
    pub dose_mg: f64,
    pub dose_max_mg: f64,
    pub step_mg: f64,
    /// Difference from placebo at the primary week (0 for placebo).
    pub difference_madrs: f64,
    pub effect: EffectModel,
    /// Individual PK variability for `effect = "exposure"` / `"occupancy"`.
    pub pk_variability: bool,
    /// `effect = "occupancy"`: (dose mg, difference at full NET occupancy) table.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub full_occupancy_table: Vec<(f64, f64)>,
    pub dropout_fraction: f64,
}

/// A scenario with every default filled in, ready to simulate.
#[derive(Debug, Clone, Serialize)]
pub struct TrialDesign {
    pub name: String,
    pub alpha: f64,
    pub visit_weeks: Vec<f64>,
    pub primary_visit: usize,
    pub arms: Vec<Arm>,
    pub placebo_arm: usize,
    pub primary_arm: usize,
    pub inclusion_min_madrs: f64,
    pub run_in_weeks: f64,
    pub run_in_change_madrs: f64,
    pub run_in_sd_madrs: f64,
    pub run_in_exclusion_improvement_fraction: f64,
    pub screening_mean_madrs: f64,
    pub screening_sd_madrs: f64,
    pub change_sd_madrs: Vec<f64>,
    pub correlation_per_week: f64,
    pub time_constant_weeks: f64,
    pub placebo_change_madrs: f64,
    pub response_improvement_fraction: f64,
    pub mechanism: Mechanism,
    pub mar_logit_per_madrs: f64,
    pub baseline_covariate: bool,
    pub taper_weeks: f64,
    /// Fixed-dose table (dose mg, difference) for `effect = "dose"` and `"exposure"`.
    pub dose_table: Vec<(f64, f64)>,
    /// Scale range; simulated scores are clamped to it when `clamp_to_scale`.
    pub scale_min_madrs: f64,
    pub scale_max_madrs: f64,
    pub clamp_to_scale: bool,
    /// Typical PK, variability and occupancy model when an arm scales its effect by PK.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pk: Option<EffectPk>,
    /// Where every default came from.
    pub assumptions: Vec<Used>,
}

/// Parses a scenario file; errors name the field.
pub fn parse(text: &str) -> Result<TrialScenario> {
    toml::from_str::<ScenarioFile>(text)
        .map(|f| f.trial)
        .map_err(|e| {
            Error::input(
                "trial scenario",
                e.message().to_string() + &span_note(text, e.span()),
            )
        })
}

fn span_note(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(r) => format!(
            " (line {})",
            text[..r.start.min(text.len())].lines().count().max(1)
        ),
        None => String::new(),
    }
}

/// True when a TOML document has a top-level `[trial]` table (a trial scenario for `lint`).
pub fn is_trial_scenario(text: &str) -> bool {
    text.parse::<toml::Table>()
        .map(|t| t.get("trial").is_some_and(|v| v.is_table()))
        .unwrap_or(false)
}

/// Fewest subjects randomised to any arm: the floor of `trial.n_per_arm`, of each arm after
/// allocation, of the n search and of the power curve.
pub const MIN_N_PER_ARM: usize = 4;

struct Resolver<'a> {
    used: Vec<Used>,
    eff: &'a Efficacy,
    /// Lowest and highest score of the scale from the monograph (`efficacy.scale_min_score`,
    /// `scale_max_score`), if it gives them.
    scale: Option<(f64, f64)>,
}

/// Which bounds a MADRS value is checked against.
#[derive(Clone, Copy)]
enum MadrsKind {
    /// A total score: scale_min_score to scale_max_score.
    Score,
    /// A change or difference of scores: -(max - min) to max - min.
    Change,
}

impl Resolver<'_> {
    /// Bounds of a MADRS value from the monograph's scale range; errors name `name` when the
    /// monograph gives no range to check against.
    fn madrs_bounds(&self, name: &str, kind: MadrsKind) -> Result<(f64, f64)> {
        let (lo, hi) = self.scale.ok_or_else(|| {
            Error::input(
                name,
                "cannot be checked: the monograph's [efficacy] section gives no \
                 scale_min_score / scale_max_score",
            )
        })?;
        Ok(match kind {
            MadrsKind::Score => (lo, hi),
            MadrsKind::Change => (-(hi - lo), hi - lo),
        })
    }

    /// `pick` for a MADRS value, checked against the monograph's scale range.
    fn pick_madrs(
        &mut self,
        name: &str,
        user: Option<f64>,
        default: &crate::monograph::Value,
        kind: MadrsKind,
    ) -> Result<f64> {
        let (lo, hi) = match user {
            Some(_) => self.madrs_bounds(name, kind)?,
            None => (f64::NEG_INFINITY, f64::INFINITY),
        };
        self.pick(name, user, default, lo, hi)
    }

    /// The user's value (checked) or the monograph's, recorded in `assumptions`.
    fn pick(
        &mut self,
        name: &str,
        user: Option<f64>,
        default: &crate::monograph::Value,
        lo: f64,
        hi: f64,
    ) -> Result<f64> {
        let (value, source, status, unit) = match user {
            Some(v) => (
                check_range(name, v, lo, hi, &default.unit)?,
                "user".to_string(),
                Status::Published,
                default.unit.clone(),
            ),
            None => (
                default.value,
                default.source.clone(),
                default.status,
                default.unit.clone(),
            ),
        };
        self.used.push(Used {
            name: name.into(),
            value,
            unit,
            source,
            status,
        });
        Ok(value)
    }
}

impl TrialScenario {
    /// Fills defaults from the monograph and checks ranges; errors name the field.
    pub fn resolve(&self, m: &Monograph) -> Result<TrialDesign> {
        let eff = m.efficacy.as_ref().ok_or_else(|| {
            Error::input(
                "trial.compound",
                format!(
                    "the monograph of {} has no [efficacy] section",
                    m.compound.name
                ),
            )
        })?;
        let label = m.label.as_ref().ok_or_else(|| {
            Error::input(
                "trial.compound",
                format!(
                    "the monograph of {} has no [label] section",
                    m.compound.name
                ),
            )
        })?;
        let scale = match (&eff.scale_min_score, &eff.scale_max_score) {
            (Some(lo), Some(hi)) if lo.value < hi.value => Some((lo.value, hi.value)),
            (Some(_), Some(_)) => {
                return Err(Error::input(
                    "efficacy.scale_max_score",
                    "must be greater than scale_min_score",
                ))
            }
            _ => None,
        };
        let mut r = Resolver {
            used: Vec::new(),
            eff,
            scale,
        };
        check_range(
            "trial.n_per_arm",
            self.n_per_arm as f64,
            MIN_N_PER_ARM as f64,
            100_000.0,
            "subjects",
        )?;
        check_range("trial.alpha", self.alpha, 1e-6, 0.5, "")?;
        let visit_weeks = match &self.visit_weeks {
            Some(v) => v.clone(),
            None => r.eff.visit_weeks.values.clone(),
        };
        if visit_weeks.is_empty() || visit_weeks.len() > 20 {
            return Err(Error::input("trial.visit_weeks", "give 1 to 20 visits"));
        }
        for (i, w) in visit_weeks.iter().enumerate() {
            check_range(&format!("trial.visit_weeks[{i}]"), *w, 0.1, 104.0, "week")?;
            if i > 0 && *w <= visit_weeks[i - 1] {
                return Err(Error::input("trial.visit_weeks", "weeks must increase"));
            }
        }
        let primary_week = r.pick(
            "trial.primary_week",
            self.primary_week,
            &eff.primary_week,
            0.1,
            104.0,
        )?;
        let primary_visit = visit_weeks
            .iter()
            .position(|w| (w - primary_week).abs() < 1e-9)
            .ok_or_else(|| {
                Error::input(
                    "trial.primary_week",
                    format!("{primary_week} is not one of visit_weeks {visit_weeks:?}"),
                )
            })?;
        let inclusion = r.pick_madrs(
            "trial.inclusion_min_madrs",
            self.inclusion_min_madrs,
            &eff.inclusion_min_madrs,
            MadrsKind::Score,
        )?;
        let taper_weeks = r.pick(
            "trial.taper_weeks",
            self.taper_weeks,
            &eff.taper_weeks,
            0.0,
            52.0,
        )?;
        let ri = &self.run_in;
        let run_in_weeks = r.pick("trial.run_in.weeks", ri.weeks, &eff.run_in_weeks, 0.0, 12.0)?;
        let run_in_change = r.pick_madrs(
            "trial.run_in.change_madrs",
            ri.change_madrs,
            &eff.run_in_change_madrs,
            MadrsKind::Change,
        )?;
        let run_in_sd = r.pick(
            "trial.run_in.sd_madrs",
            ri.sd_madrs,
            &eff.run_in_sd_madrs,
            0.0,
            30.0,
        )?;
        let run_in_excl = r.pick(
            "trial.run_in.exclusion_improvement_fraction",
            ri.exclusion_improvement_fraction,
            &eff.run_in_exclusion_improvement_fraction,
            0.0,
            1.0,
        )?;
        let scr_mean = r.pick_madrs(
            "trial.run_in.screening_mean_madrs",
            ri.screening_mean_madrs,
            &eff.screening_mean_madrs,
            MadrsKind::Score,
        )?;
        let scr_sd = r.pick(
            "trial.run_in.screening_sd_madrs",
            ri.screening_sd_madrs,
            &eff.screening_sd_madrs,
            0.0,
            30.0,
        )?;

        let o = &self.outcome;
        let change_sd = resolve_sds(o.change_sd_madrs.as_deref(), eff, &visit_weeks, &mut r.used)?;
        let rho = r.pick(
            "trial.outcome.within_subject_correlation_per_week",
            o.within_subject_correlation_per_week,
            &eff.within_subject_correlation_per_week,
            0.0,
            0.999,
        )?;
        let tau = r.pick(
            "trial.outcome.response_time_constant_weeks",
            o.response_time_constant_weeks,
            &eff.response_time_constant_weeks,
            0.01,
            100.0,
        )?;
        let placebo_change = r.pick_madrs(
            "trial.outcome.placebo_change_madrs",
            o.placebo_change_madrs,
            &eff.pooled_placebo_change_madrs,
            MadrsKind::Change,
        )?;
        let response = r.pick(
            "trial.outcome.response_improvement_fraction",
            o.response_improvement_fraction,
            &eff.response_improvement_fraction,
            0.0,
            1.0,
        )?;
        let mar_logit = match (self.dropout.mechanism, self.dropout.logit_per_madrs) {
            (_, Some(b)) => check_range(
                "trial.dropout.logit_per_madrs",
                b,
                -5.0,
                5.0,
                "per MADRS point",
            )?,
            (Mechanism::Mar, None) => {
                return Err(Error::input(
                    "trial.dropout.logit_per_madrs",
                    "mechanism = \"mar\" needs logit_per_madrs (no published default)",
                ))
            }
            (Mechanism::Mcar, None) => 0.0,
        };

        let dose_table: Vec<(f64, f64)> = eff
            .fixed_dose
            .iter()
            .map(|d| (d.dose_mg.value, d.difference_madrs.value))
            .collect();
        let pk = if self.arms.iter().any(|a| a.effect.uses_pk()) {
            Some(EffectPk::from_monograph(m)?)
        } else {
            None
        };
        let arms = self.resolve_arms(&mut r, label, &dose_table, pk.as_ref())?;
        let (scale_min, scale_max, clamp) =
            match (&eff.scale_min_score, &eff.scale_max_score, o.clamp_to_scale) {
                (Some(lo), Some(hi), clamp) => {
                    for (name, v) in [("scale_min_score", lo), ("scale_max_score", hi)] {
                        r.used.push(Used {
                            name: format!("efficacy.{name}"),
                            value: v.value,
                            unit: v.unit.clone(),
                            source: v.source.clone(),
                            status: v.status,
                        });
                    }
                    (lo.value, hi.value, clamp.unwrap_or(true))
                }
                (_, _, Some(true)) => return Err(Error::input(
                    "trial.outcome.clamp_to_scale",
                    "the monograph's [efficacy] section gives no scale_min_score / scale_max_score",
                )),
                _ => (f64::NEG_INFINITY, f64::INFINITY, false),
            };
        let placebo_arm = match arms.iter().filter(|a| a.kind == ArmKind::Placebo).count() {
            1 => arms
                .iter()
                .position(|a| a.kind == ArmKind::Placebo)
                .unwrap_or(0),
            k => {
                return Err(Error::input(
                    "trial.arms",
                    format!("need exactly one arm with kind = \"placebo\", found {k}"),
                ))
            }
        };
        if arms.len() < 2 {
            return Err(Error::input(
                "trial.arms",
                "need a placebo arm and at least one active arm",
            ));
        }
        let primary_arm = match &self.primary_arm {
            Some(name) => arms
                .iter()
                .position(|a| &a.name == name && a.kind != ArmKind::Placebo)
                .ok_or_else(|| {
                    Error::input(
                        "trial.primary_arm",
                        format!("\"{name}\" is not an active arm"),
                    )
                })?,
            None => arms
                .iter()
                .position(|a| a.kind != ArmKind::Placebo)
                .unwrap_or(0),
        };
        if !self.analysis.method.eq_ignore_ascii_case("mmrm") {
            return Err(Error::input(
                "trial.analysis.method",
                "only \"mmrm\" is simulated (lint reports other choices)",
            ));
        }
        Ok(TrialDesign {
            name: self.name.clone(),
            alpha: self.alpha,
            visit_weeks,
            primary_visit,
            arms,
            placebo_arm,
            primary_arm,
            inclusion_min_madrs: inclusion,
            run_in_weeks,
            run_in_change_madrs: run_in_change,
            run_in_sd_madrs: run_in_sd,
            run_in_exclusion_improvement_fraction: run_in_excl,
            screening_mean_madrs: scr_mean,
            screening_sd_madrs: scr_sd,
            change_sd_madrs: change_sd,
            correlation_per_week: rho,
            time_constant_weeks: tau,
            placebo_change_madrs: placebo_change,
            response_improvement_fraction: response,
            mechanism: self.dropout.mechanism,
            mar_logit_per_madrs: mar_logit,
            baseline_covariate: self.analysis.baseline_covariate,
            taper_weeks,
            dose_table,
            scale_min_madrs: scale_min,
            scale_max_madrs: scale_max,
            clamp_to_scale: clamp,
            pk,
            assumptions: r.used,
        })
    }

    fn resolve_arms(
        &self,
        r: &mut Resolver<'_>,
        label: &Label,
        table: &[(f64, f64)],
        pk: Option<&EffectPk>,
    ) -> Result<Vec<Arm>> {
        let eff = r.eff;
        let mut arms = Vec::new();
        for (i, a) in self.arms.iter().enumerate() {
            let f = |k: &str| format!("trial.arms[{i}].{k}");
            check_range(&f("allocation"), a.allocation, 0.01, 100.0, "")?;
            let n = (self.n_per_arm as f64 * a.allocation)
                .round()
                .max(MIN_N_PER_ARM as f64) as usize;
            let dropout_default = if a.kind == ArmKind::Placebo {
                &eff.completion_placebo_fraction
            } else {
                &eff.completion_drug_fraction
            };
            let dropout = match a.dropout_fraction {
                Some(q) => check_range(&f("dropout_fraction"), q, 0.0, 0.95, "")?,
                None => 1.0 - dropout_default.value,
            };
            r.used.push(Used {
                name: f("dropout_fraction"),
                value: dropout,
                unit: "1".into(),
                source: if a.dropout_fraction.is_some() {
                    "user".into()
                } else {
                    dropout_default.source.clone()
                },
                status: if a.dropout_fraction.is_some() {
                    Status::Published
                } else {
                    Status::Derived
                },
            });
            let step = match a.step_mg {
                Some(s) => check_range(&f("step_mg"), s, 0.0, 1000.0, "mg")?,
                None => label.titration_step_mg.value,
            };
            let (dose, dose_max, default_diff) = match a.kind {
                ArmKind::Placebo => (0.0, 0.0, None),
                ArmKind::Fixed => {
                    let d = a
                        .dose_mg
                        .ok_or_else(|| Error::input(f("dose_mg"), "a fixed arm needs dose_mg"))?;
                    check_range(&f("dose_mg"), d, 0.1, 10_000.0, "mg")?;
                    let src = eff
                        .fixed_dose
                        .iter()
                        .find(|x| (x.dose_mg.value - d).abs() < 1e-9)
                        .map(|x| x.difference_madrs.source.clone());
                    (
                        d,
                        d,
                        Some((
                            interpolate(table, d),
                            src.unwrap_or_else(|| "interpolated in efficacy.fixed_dose".into()),
                        )),
                    )
                }
                ArmKind::Flexible => {
                    let lo = check_range(
                        &f("dose_min_mg"),
                        a.dose_min_mg.unwrap_or(label.min_maintenance_mg.value),
                        0.1,
                        10_000.0,
                        "mg",
                    )?;
                    let hi = check_range(
                        &f("dose_max_mg"),
                        a.dose_max_mg.unwrap_or(label.max_maintenance_mg.value),
                        lo,
                        10_000.0,
                        "mg",
                    )?;
                    (
                        lo,
                        hi,
                        Some((
                            eff.flexible_difference_madrs.value,
                            eff.flexible_difference_madrs.source.clone(),
                        )),
                    )
                }
            };
            let difference = match (a.difference_madrs, default_diff) {
                (Some(d), _) if a.kind != ArmKind::Placebo => {
                    let (lo, hi) = r.madrs_bounds(&f("difference_madrs"), MadrsKind::Change)?;
                    let d = check_range(&f("difference_madrs"), d, lo, hi, "MADRS points")?;
                    r.used.push(Used {
                        name: f("difference_madrs"),
                        value: d,
                        unit: "MADRS points".into(),
                        source: "user".into(),
                        status: Status::Published,
                    });
                    d
                }
                (Some(_), _) => {
                    return Err(Error::input(
                        f("difference_madrs"),
                        "a placebo arm has no difference from placebo",
                    ))
                }
                (None, Some((d, src))) => {
                    r.used.push(Used {
                        name: f("difference_madrs"),
                        value: d,
                        unit: "MADRS points".into(),
                        source: src,
                        status: Status::Published,
                    });
                    d
                }
                (None, None) => 0.0,
            };
            if let Some(t) = &a.titration {
                let rule = crate::regimen::TitrationRule::from_label(label);
                crate::regimen::parse(t, Some(&rule))
                    .map_err(|e| Error::input(f("titration"), e.to_string()))?;
            }
            if a.name.trim().is_empty() || arms.iter().any(|x: &Arm| x.name == a.name) {
                return Err(Error::input(
                    f("name"),
                    "arm names must be non-empty and distinct",
                ));
            }
            let pk_variability = a.pk_variability.unwrap_or(true);
            let mut full_occupancy_table = Vec::new();
            if let (Some(pk), true) = (pk, a.effect.uses_pk() && a.kind != ArmKind::Placebo) {
                if pk_variability {
                    let cv = pk.omega.omega[0];
                    r.used.push(Used {
                        name: f("pk_variability"),
                        value: cv,
                        unit: "omega of ln CL/F".into(),
                        source: "monograph [variability]".into(),
                        status: Status::Derived,
                    });
                }
                let typical = pk.metric(&pk.typical, dose, Metric::Cavg)?;
                r.used.push(Used {
                    name: f("typical_cavg_ng_per_ml"),
                    value: typical,
                    unit: "ng/mL".into(),
                    source: "levodose PK engine (human typical parameters)".into(),
                    status: Status::Derived,
                });
                if a.effect == EffectModel::Occupancy {
                    full_occupancy_table =
                        full_occupancy_effects(eff, pk, a, dose, difference, &f, &mut r.used)?;
                }
            }
            arms.push(Arm {
                name: a.name.clone(),
                kind: a.kind,
                n,
                dose_mg: dose,
                dose_max_mg: dose_max,
                step_mg: step,
                difference_madrs: difference,
                effect: a.effect,
                pk_variability,
                full_occupancy_table,
                dropout_fraction: dropout,
            });
        }
        Ok(arms)
    }
}

/// (dose, difference at full NET occupancy) for an `effect = "occupancy"` arm. A fixed arm with a
/// user difference: that difference / typical occupancy at its dose. Otherwise the monograph's
/// derived values by fixed dose (or, where missing, published difference / typical occupancy).
fn full_occupancy_effects(
    eff: &Efficacy,
    pk: &EffectPk,
    a: &ArmSpec,
    dose: f64,
    difference: f64,
    f: &dyn Fn(&str) -> String,
    used: &mut Vec<Used>,
) -> Result<Vec<(f64, f64)>> {
    let occ = |d: f64| pk.metric(&pk.typical, d, Metric::NetOccupancyAverage);
    let mut push = |d: f64, v: f64, source: String, status: Status| {
        used.push(Used {
            name: f(&format!("difference_at_full_net_occupancy_madrs[{d} mg]")),
            value: v,
            unit: "MADRS points".into(),
            source,
            status,
        })
    };
    if a.kind == ArmKind::Fixed && a.difference_madrs.is_some() {
        let o = occ(dose)?;
        let v = if o > 0.0 { difference / o } else { 0.0 };
        push(
            dose,
            v,
            "user / typical NET occupancy".into(),
            Status::Derived,
        );
        return Ok(vec![(dose, v)]);
    }
    let mut table = Vec::new();
    for x in &eff.fixed_dose {
        let d = x.dose_mg.value;
        let (v, source, status) = match &x.difference_at_full_net_occupancy_madrs {
            Some(v) => (v.value, v.source.clone(), v.status),
            None => {
                let o = occ(d)?;
                (
                    if o > 0.0 {
                        x.difference_madrs.value / o
                    } else {
                        0.0
                    },
                    format!("{} / typical NET occupancy", x.difference_madrs.source),
                    Status::Derived,
                )
            }
        };
        push(d, v, source, status);
        table.push((d, v));
    }
    if table.is_empty() {
        return Err(Error::input(
            f("effect"),
            "effect = \"occupancy\" needs the monograph's efficacy.fixed_dose table",
        ));
    }
    Ok(table)
}

fn resolve_sds(
    user: Option<&[f64]>,
    eff: &Efficacy,
    weeks: &[f64],
    used: &mut Vec<Used>,
) -> Result<Vec<f64>> {
    let field = "trial.outcome.change_sd_madrs";
    let (sds, source, status) = match user {
        Some([one]) => (
            vec![*one; weeks.len()],
            "user".to_string(),
            Status::Published,
        ),
        Some(v) if v.len() == weeks.len() => (v.to_vec(), "user".to_string(), Status::Published),
        Some(v) => {
            return Err(Error::input(
                field,
                format!(
                    "{} values for {} visits (give one, or one per visit)",
                    v.len(),
                    weeks.len()
                ),
            ))
        }
        None => {
            // Interpolate the monograph SDs (given at its visit weeks) at the scenario's weeks.
            let table: Vec<(f64, f64)> = eff
                .visit_weeks
                .values
                .iter()
                .copied()
                .zip(eff.change_sd_madrs.values.iter().copied())
                .collect();
            (
                weeks.iter().map(|w| interpolate(&table, *w)).collect(),
                eff.change_sd_madrs.source.clone(),
                eff.change_sd_madrs.status,
            )
        }
    };
    for (i, s) in sds.iter().enumerate() {
        check_range(&format!("{field}[{i}]"), *s, 0.01, 100.0, "MADRS points")?;
        used.push(Used {
            name: format!("{field}[week {}]", weeks[i]),
            value: *s,
            unit: "MADRS points".into(),
            source: source.clone(),
            status,
        });
    }
    Ok(sds)
}

/// Piecewise-linear interpolation in a table sorted by x, held constant beyond the last point;
/// below the first point it falls linearly to y = 0 at x = 0 (no dose, no effect).
pub fn interpolate(table: &[(f64, f64)], x: f64) -> f64 {
    let mut t = table.to_vec();
    t.sort_by(|a, b| a.0.total_cmp(&b.0));
    match (t.first(), t.last()) {
        (Some(&(x0, y0)), Some(&(xn, yn))) => {
            if x <= x0 {
                if x0 > 0.0 {
                    y0 * (x / x0).max(0.0)
                } else {
                    y0
                }
            } else if x >= xn {
                yn
            } else {
                let k = t.windows(2).position(|w| x <= w[1].0).unwrap_or(0);
                let ((xa, ya), (xb, yb)) = (t[k], t[k + 1]);
                ya + (yb - ya) * (x - xa) / (xb - xa)
            }
        }
        _ => 0.0,
    }
}
