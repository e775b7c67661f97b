//! Trial scenario files (TOML, top-level `[trial]` table) and their resolution against the
//! monograph: every value the user leaves out comes from the monograph's `efficacy` and `label`
//! sections, with its source, so the output can say where each assumption came from.
//!
//! Drug effect keys of an arm (`[[trial.arms]]`, example `examples/trial/madrs_exposure.toml`):
//! - `effect = "arm"` (default): one difference from placebo for the arm (`difference_madrs`, or
//!   the monograph's evidence: the DerSimonian-Laird pool of every trial arm at that fixed dose,
//!   interpolated between pooled doses, or the pool of the flexible-dose trials for a flexible
//!   arm; `evidence` module).
//! - `effect = "dose"`: the pooled dose table interpolated at the subject's current dose.
//! - `effect = "exposure"`: the reference difference at the subject's dose (the arm's difference
//!   for a fixed arm, the fixed-dose table for a flexible arm) x Cavg of the subject / Cavg of the
//!   typical subject at that dose, steady state once every `compound.usual_tau_h`.
//! - `effect = "occupancy"`: E_occ x the subject's time-averaged NET occupancy, with E_occ the one
//!   exposure-response fitted to all fixed-dose arms of all trials (`evidence`); with a user
//!   `difference_madrs` on a fixed arm, E_occ = that difference / typical occupancy at its dose.
//! - `pk_variability = true | false` (exposure and occupancy; default true): log-normal CL/F,
//!   V/F and ka from the monograph `[variability]`; false = the typical subject. Covariates
//!   (renal function, co-medication) are not sampled.
//!
//! `[trial.outcome] clamp_to_scale = true | false` (default true): screening, baseline and visit
//! scores are clamped to the scale range of the monograph (`efficacy.scale_min_score`,
//! `scale_max_score`: MADRS 0-60).

use super::evidence::{self, DosePool, ExposureResponse};
use super::exposure::{EffectPk, Metric};
use super::interpolate::{interpolate, BelowFirst};
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

/// A value used by the simulator with its origin (monograph source key, or `user` with
/// `status = "user"`; the CLI names the scenario file as the source).
#[derive(Debug, Clone, Serialize)]
pub struct Used {
    pub name: String,
    pub value: f64,
    pub unit: String,
    pub source: String,
    pub status: Status,
    /// Standard error of the value where it is an estimate (pooled effects, fitted E_occ).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub se: Option<f64>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl Used {
    fn new(
        name: impl Into<String>,
        value: f64,
        unit: &str,
        source: impl Into<String>,
        status: Status,
    ) -> Used {
        Used {
            name: name.into(),
            value,
            unit: unit.into(),
            source: source.into(),
            status,
            se: None,
            note: String::new(),
        }
    }

    /// A value the user gave in the scenario file.
    fn user(name: impl Into<String>, value: f64, unit: &str) -> Used {
        Used::new(name, value, unit, "user", Status::User)
    }
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
    /// `effect = "occupancy"`: difference at full NET occupancy (E_occ).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub difference_at_full_occupancy_madrs: Option<f64>,
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
    /// Pooled fixed-dose table (dose mg, difference) for `effect = "dose"` and `"exposure"`.
    pub dose_table: Vec<(f64, f64)>,
    /// Random-effects meta-analysis of every trial arm in the monograph, by dose.
    pub evidence_by_dose: Vec<DosePool>,
    /// The one exposure-response fitted to all fixed-dose arms (None without trial arms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure_response: Option<ExposureResponse>,
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
                Status::User,
                default.unit.clone(),
            ),
            None => (
                default.value,
                default.source.clone(),
                default.status,
                default.unit.clone(),
            ),
        };
        let mut u = Used::new(name, value, &unit, source, status);
        if user.is_none() {
            u.note = default.note.clone();
        }
        self.used.push(u);
        Ok(value)
    }
}

/// Visit schedule, primary visit and taper, resolved.
struct Schedule {
    visit_weeks: Vec<f64>,
    primary_visit: usize,
    inclusion: f64,
    taper_weeks: f64,
}

/// Screening and single-blind run-in, resolved.
struct RunIn {
    weeks: f64,
    change: f64,
    sd: f64,
    exclusion: f64,
    screening_mean: f64,
    screening_sd: f64,
}

/// Outcome model and dropout, resolved.
struct Outcome {
    change_sd: Vec<f64>,
    rho: f64,
    tau: f64,
    placebo_change: f64,
    response: f64,
    mar_logit: f64,
}

/// The monograph's efficacy evidence as the simulator uses it.
struct Evidence {
    pools: Vec<DosePool>,
    dose_table: Vec<(f64, f64)>,
    /// Default difference of a flexible arm and its source.
    flexible: (f64, String),
    exposure_response: Option<ExposureResponse>,
}

/// The [efficacy] and [label] sections a trial needs; errors name the compound.
fn sections(m: &Monograph) -> Result<(&Efficacy, &Label)> {
    let missing = |what: &str| {
        Error::input(
            "trial.compound",
            format!(
                "the monograph of {} has no [{what}] section",
                m.compound.name
            ),
        )
    };
    Ok((
        m.efficacy.as_ref().ok_or_else(|| missing("efficacy"))?,
        m.label.as_ref().ok_or_else(|| missing("label"))?,
    ))
}

/// The scale range of the monograph (MADRS 0-60), if it gives one.
fn scale_range(eff: &Efficacy) -> Result<Option<(f64, f64)>> {
    match (&eff.scale_min_score, &eff.scale_max_score) {
        (Some(lo), Some(hi)) if lo.value < hi.value => Ok(Some((lo.value, hi.value))),
        (Some(_), Some(_)) => Err(Error::input(
            "efficacy.scale_max_score",
            "must be greater than scale_min_score",
        )),
        _ => Ok(None),
    }
}

/// Meta-analysis by dose and the exposure-response fit, recorded in `used` with their SEs.
/// Without `efficacy.trial_arms` the single-trial fixed-dose table and the flexible-dose value
/// of the monograph are used as they are.
fn resolve_evidence(m: &Monograph, eff: &Efficacy, used: &mut Vec<Used>) -> Result<Evidence> {
    if eff.trial_arms.is_empty() {
        return Ok(Evidence {
            pools: Vec::new(),
            dose_table: eff
                .fixed_dose
                .iter()
                .map(|d| (d.dose_mg.value, d.difference_madrs.value))
                .collect(),
            flexible: (
                eff.flexible_difference_madrs.value,
                eff.flexible_difference_madrs.source.clone(),
            ),
            exposure_response: None,
        });
    }
    let pools = evidence::meta_by_dose(eff)?;
    for p in &pools {
        let r = &p.meta;
        let mut u = Used::new(
            format!("efficacy.meta_analysis[{}]", p.stratum),
            r.estimate,
            "MADRS points",
            p.sources.join(", "),
            Status::Derived,
        );
        u.se = Some(r.se);
        u.note = format!(
            "{} pool of {} arm(s) ({}): 95 % CI {:.2} to {:.2}, tau^2 {:.3}, I^2 {:.0} %",
            r.method,
            r.k,
            p.arms.join("; "),
            r.ci_lower,
            r.ci_upper,
            r.tau2,
            r.i2_percent
        );
        used.push(u);
    }
    let exposure_response = Some(evidence::fit_exposure_response(
        eff,
        &EffectPk::from_monograph(m)?,
    )?);
    if let Some(er) = &exposure_response {
        let mut u = Used::new(
            "efficacy.exposure_response.e_occ_madrs",
            er.e_occ_madrs,
            "MADRS points",
            er.arms
                .iter()
                .map(|a| a.arm.split(' ').next().unwrap_or("").to_string())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(", "),
            Status::Derived,
        );
        u.se = Some(er.e_occ_se_madrs);
        u.note = format!("{}; {}", er.model, er.statement);
        used.push(u);
    }
    let flexible = match evidence::flexible_pool(&pools) {
        Some(p) => (p.meta.estimate, p.sources.join(", ")),
        None => (
            eff.flexible_difference_madrs.value,
            eff.flexible_difference_madrs.source.clone(),
        ),
    };
    Ok(Evidence {
        dose_table: evidence::dose_table(&pools),
        pools,
        flexible,
        exposure_response,
    })
}

impl TrialScenario {
    /// Fills defaults from the monograph and checks ranges; errors name the field.
    pub fn resolve(&self, m: &Monograph) -> Result<TrialDesign> {
        let (eff, label) = sections(m)?;
        let mut r = Resolver {
            used: Vec::new(),
            eff,
            scale: scale_range(eff)?,
        };
        check_range(
            "trial.n_per_arm",
            self.n_per_arm as f64,
            MIN_N_PER_ARM as f64,
            100_000.0,
            "subjects",
        )?;
        check_range("trial.alpha", self.alpha, 1e-6, 0.5, "")?;
        let schedule = self.resolve_schedule(&mut r)?;
        let run_in = self.resolve_run_in(&mut r)?;
        let outcome = self.resolve_outcome(&mut r, &schedule.visit_weeks)?;
        let evidence = resolve_evidence(m, eff, &mut r.used)?;
        let pk = if self.arms.iter().any(|a| a.effect.uses_pk()) {
            Some(EffectPk::from_monograph(m)?)
        } else {
            None
        };
        let arms = self.resolve_arms(&mut r, label, &evidence, pk.as_ref())?;
        let (scale_min, scale_max, clamp) = self.resolve_clamp(eff, &mut r.used)?;
        let (placebo_arm, primary_arm) = self.placebo_and_primary(&arms)?;
        if !self.analysis.method.eq_ignore_ascii_case("mmrm") {
            return Err(Error::input(
                "trial.analysis.method",
                "only \"mmrm\" is simulated (lint reports other choices)",
            ));
        }
        Ok(TrialDesign {
            name: self.name.clone(),
            alpha: self.alpha,
            visit_weeks: schedule.visit_weeks,
            primary_visit: schedule.primary_visit,
            arms,
            placebo_arm,
            primary_arm,
            inclusion_min_madrs: schedule.inclusion,
            run_in_weeks: run_in.weeks,
            run_in_change_madrs: run_in.change,
            run_in_sd_madrs: run_in.sd,
            run_in_exclusion_improvement_fraction: run_in.exclusion,
            screening_mean_madrs: run_in.screening_mean,
            screening_sd_madrs: run_in.screening_sd,
            change_sd_madrs: outcome.change_sd,
            correlation_per_week: outcome.rho,
            time_constant_weeks: outcome.tau,
            placebo_change_madrs: outcome.placebo_change,
            response_improvement_fraction: outcome.response,
            mechanism: self.dropout.mechanism,
            mar_logit_per_madrs: outcome.mar_logit,
            baseline_covariate: self.analysis.baseline_covariate,
            taper_weeks: schedule.taper_weeks,
            dose_table: evidence.dose_table,
            evidence_by_dose: evidence.pools,
            exposure_response: evidence.exposure_response,
            scale_min_madrs: scale_min,
            scale_max_madrs: scale_max,
            clamp_to_scale: clamp,
            pk,
            assumptions: r.used,
        })
    }

    /// Visits, primary week, inclusion threshold and taper.
    fn resolve_schedule(&self, r: &mut Resolver<'_>) -> Result<Schedule> {
        let eff = r.eff;
        let visit_weeks = match &self.visit_weeks {
            Some(v) => v.clone(),
            None => eff.visit_weeks.values.clone(),
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
        Ok(Schedule {
            visit_weeks,
            primary_visit,
            inclusion,
            taper_weeks,
        })
    }

    /// Screening distribution and the single-blind placebo run-in.
    fn resolve_run_in(&self, r: &mut Resolver<'_>) -> Result<RunIn> {
        let eff = r.eff;
        let ri = &self.run_in;
        Ok(RunIn {
            weeks: r.pick("trial.run_in.weeks", ri.weeks, &eff.run_in_weeks, 0.0, 12.0)?,
            change: r.pick_madrs(
                "trial.run_in.change_madrs",
                ri.change_madrs,
                &eff.run_in_change_madrs,
                MadrsKind::Change,
            )?,
            sd: r.pick(
                "trial.run_in.sd_madrs",
                ri.sd_madrs,
                &eff.run_in_sd_madrs,
                0.0,
                30.0,
            )?,
            exclusion: r.pick(
                "trial.run_in.exclusion_improvement_fraction",
                ri.exclusion_improvement_fraction,
                &eff.run_in_exclusion_improvement_fraction,
                0.0,
                1.0,
            )?,
            screening_mean: r.pick_madrs(
                "trial.run_in.screening_mean_madrs",
                ri.screening_mean_madrs,
                &eff.screening_mean_madrs,
                MadrsKind::Score,
            )?,
            screening_sd: r.pick(
                "trial.run_in.screening_sd_madrs",
                ri.screening_sd_madrs,
                &eff.screening_sd_madrs,
                0.0,
                30.0,
            )?,
        })
    }

    /// Visit SDs, correlation, time course, placebo response, responder rule and dropout model.
    fn resolve_outcome(&self, r: &mut Resolver<'_>, visit_weeks: &[f64]) -> Result<Outcome> {
        let eff = r.eff;
        let o = &self.outcome;
        let change_sd = resolve_sds(o.change_sd_madrs.as_deref(), eff, visit_weeks, &mut r.used)?;
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
            (_, Some(b)) => {
                let b = check_range(
                    "trial.dropout.logit_per_madrs",
                    b,
                    -5.0,
                    5.0,
                    "per MADRS point",
                )?;
                r.used.push(Used::user(
                    "trial.dropout.logit_per_madrs",
                    b,
                    "per MADRS point",
                ));
                b
            }
            (Mechanism::Mar, None) => {
                return Err(Error::input(
                    "trial.dropout.logit_per_madrs",
                    "mechanism = \"mar\" needs logit_per_madrs (no published default)",
                ))
            }
            (Mechanism::Mcar, None) => 0.0,
        };
        Ok(Outcome {
            change_sd,
            rho,
            tau,
            placebo_change,
            response,
            mar_logit,
        })
    }

    /// Scale range and whether scores are clamped to it.
    fn resolve_clamp(&self, eff: &Efficacy, used: &mut Vec<Used>) -> Result<(f64, f64, bool)> {
        match (
            &eff.scale_min_score,
            &eff.scale_max_score,
            self.outcome.clamp_to_scale,
        ) {
            (Some(lo), Some(hi), clamp) => {
                for (name, v) in [("scale_min_score", lo), ("scale_max_score", hi)] {
                    used.push(Used::new(
                        format!("efficacy.{name}"),
                        v.value,
                        &v.unit,
                        v.source.clone(),
                        v.status,
                    ));
                }
                Ok((lo.value, hi.value, clamp.unwrap_or(true)))
            }
            (_, _, Some(true)) => Err(Error::input(
                "trial.outcome.clamp_to_scale",
                "the monograph's [efficacy] section gives no scale_min_score / scale_max_score",
            )),
            _ => Ok((f64::NEG_INFINITY, f64::INFINITY, false)),
        }
    }

    /// Index of the one placebo arm and of the primary active arm.
    fn placebo_and_primary(&self, arms: &[Arm]) -> Result<(usize, usize)> {
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
        Ok((placebo_arm, primary_arm))
    }

    fn resolve_arms(
        &self,
        r: &mut Resolver<'_>,
        label: &Label,
        evidence: &Evidence,
        pk: Option<&EffectPk>,
    ) -> Result<Vec<Arm>> {
        let mut arms: Vec<Arm> = Vec::new();
        for (i, a) in self.arms.iter().enumerate() {
            let f = |k: &str| format!("trial.arms[{i}].{k}");
            if a.name.trim().is_empty() || arms.iter().any(|x| x.name == a.name) {
                return Err(Error::input(
                    f("name"),
                    "arm names must be non-empty and distinct",
                ));
            }
            let arm = self.resolve_arm(r, label, evidence, pk, a, &f)?;
            arms.push(arm);
        }
        Ok(arms)
    }

    /// One arm: size, dropout, doses, difference from placebo and its PK scaling.
    fn resolve_arm(
        &self,
        r: &mut Resolver<'_>,
        label: &Label,
        evidence: &Evidence,
        pk: Option<&EffectPk>,
        a: &ArmSpec,
        f: &dyn Fn(&str) -> String,
    ) -> Result<Arm> {
        check_range(&f("allocation"), a.allocation, 0.01, 100.0, "")?;
        let n = (self.n_per_arm as f64 * a.allocation)
            .round()
            .max(MIN_N_PER_ARM as f64) as usize;
        let dropout = arm_dropout(r, a, f)?;
        let step = match a.step_mg {
            Some(s) => check_range(&f("step_mg"), s, 0.0, 1000.0, "mg")?,
            None => label.titration_step_mg.value,
        };
        let (dose, dose_max, default_diff) = arm_doses(label, evidence, a, f)?;
        let difference = arm_difference(r, a, default_diff, f)?;
        if let Some(t) = &a.titration {
            let rule = crate::regimen::TitrationRule::from_label(label);
            crate::regimen::parse(t, Some(&rule))
                .map_err(|e| Error::input(f("titration"), e.to_string()))?;
        }
        let pk_variability = a.pk_variability.unwrap_or(true);
        let mut full = None;
        if let (Some(pk), true) = (pk, a.effect.uses_pk() && a.kind != ArmKind::Placebo) {
            if pk_variability {
                r.used.push(Used::new(
                    f("pk_variability"),
                    pk.omega.sd()[0],
                    "omega of ln CL/F",
                    "monograph [variability]",
                    Status::Derived,
                ));
            }
            let typical = pk.metric(&pk.typical, dose, Metric::Cavg)?;
            r.used.push(Used::new(
                f("typical_cavg_ng_per_ml"),
                typical,
                "ng/mL",
                "levodose PK engine (human typical parameters)",
                Status::Derived,
            ));
            if a.effect == EffectModel::Occupancy {
                full = Some(full_occupancy_effect(
                    evidence,
                    pk,
                    a,
                    dose,
                    difference,
                    f,
                    &mut r.used,
                )?);
            }
        }
        Ok(Arm {
            name: a.name.clone(),
            kind: a.kind,
            n,
            dose_mg: dose,
            dose_max_mg: dose_max,
            step_mg: step,
            difference_madrs: difference,
            effect: a.effect,
            pk_variability,
            difference_at_full_occupancy_madrs: full,
            dropout_fraction: dropout,
        })
    }
}

/// Share dropping out by the primary week: the user's, or 1 - published completion.
fn arm_dropout(r: &mut Resolver<'_>, a: &ArmSpec, f: &dyn Fn(&str) -> String) -> Result<f64> {
    let completion = if a.kind == ArmKind::Placebo {
        &r.eff.completion_placebo_fraction
    } else {
        &r.eff.completion_drug_fraction
    };
    Ok(match a.dropout_fraction {
        Some(q) => {
            let q = check_range(&f("dropout_fraction"), q, 0.0, 0.95, "")?;
            r.used.push(Used::user(f("dropout_fraction"), q, "1"));
            q
        }
        None => {
            let q = 1.0 - completion.value;
            r.used.push(Used::new(
                f("dropout_fraction"),
                q,
                "1",
                completion.source.clone(),
                Status::Derived,
            ));
            q
        }
    })
}

/// (dose, maximum dose, default difference with its source) of an arm.
#[allow(clippy::type_complexity)]
fn arm_doses(
    label: &Label,
    evidence: &Evidence,
    a: &ArmSpec,
    f: &dyn Fn(&str) -> String,
) -> Result<(f64, f64, Option<(f64, String)>)> {
    Ok(match a.kind {
        ArmKind::Placebo => (0.0, 0.0, None),
        ArmKind::Fixed => {
            let d = a
                .dose_mg
                .ok_or_else(|| Error::input(f("dose_mg"), "a fixed arm needs dose_mg"))?;
            check_range(&f("dose_mg"), d, 0.1, 10_000.0, "mg")?;
            let src = evidence
                .pools
                .iter()
                .find(|p| p.dose_mg.is_some_and(|x| (x - d).abs() < 1e-9))
                .map(|p| format!("random-effects pool of {}", p.sources.join(", ")))
                .unwrap_or_else(|| "interpolated in the pooled dose table".into());
            (
                d,
                d,
                Some((
                    interpolate(&evidence.dose_table, d, BelowFirst::ToZero),
                    src,
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
            (lo, hi, Some(evidence.flexible.clone()))
        }
    })
}

/// The arm's difference from placebo: the user's (checked against the scale) or the default.
fn arm_difference(
    r: &mut Resolver<'_>,
    a: &ArmSpec,
    default: Option<(f64, String)>,
    f: &dyn Fn(&str) -> String,
) -> Result<f64> {
    match (a.difference_madrs, default) {
        (Some(d), _) if a.kind != ArmKind::Placebo => {
            let (lo, hi) = r.madrs_bounds(&f("difference_madrs"), MadrsKind::Change)?;
            let d = check_range(&f("difference_madrs"), d, lo, hi, "MADRS points")?;
            r.used
                .push(Used::user(f("difference_madrs"), d, "MADRS points"));
            Ok(d)
        }
        (Some(_), _) => Err(Error::input(
            f("difference_madrs"),
            "a placebo arm has no difference from placebo",
        )),
        (None, Some((d, src))) => {
            r.used.push(Used::new(
                f("difference_madrs"),
                d,
                "MADRS points",
                src,
                Status::Derived,
            ));
            Ok(d)
        }
        (None, None) => Ok(0.0),
    }
}

/// E_occ of an `effect = "occupancy"` arm: the fitted exposure-response (one value for every
/// arm and dose), or for a fixed arm with a user difference, that difference / the typical
/// subject's occupancy at its dose.
fn full_occupancy_effect(
    evidence: &Evidence,
    pk: &EffectPk,
    a: &ArmSpec,
    dose: f64,
    difference: f64,
    f: &dyn Fn(&str) -> String,
    used: &mut Vec<Used>,
) -> Result<f64> {
    let name = f("difference_at_full_net_occupancy_madrs");
    if a.kind == ArmKind::Fixed && a.difference_madrs.is_some() {
        let o = pk.metric(&pk.typical, dose, Metric::NetOccupancyAverage)?;
        let v = if o > 0.0 { difference / o } else { 0.0 };
        used.push(Used::new(
            name,
            v,
            "MADRS points",
            "user difference / typical NET occupancy",
            Status::Derived,
        ));
        return Ok(v);
    }
    let er = evidence.exposure_response.as_ref().ok_or_else(|| {
        Error::input(
            f("effect"),
            "effect = \"occupancy\" needs the monograph's efficacy.trial_arms (fixed-dose arms with SEs)",
        )
    })?;
    let mut u = Used::new(
        name,
        er.e_occ_madrs,
        "MADRS points",
        "efficacy.exposure_response (fitted to all fixed-dose arms)",
        Status::Derived,
    );
    u.se = Some(er.e_occ_se_madrs);
    used.push(u);
    Ok(er.e_occ_madrs)
}

fn resolve_sds(
    user: Option<&[f64]>,
    eff: &Efficacy,
    weeks: &[f64],
    used: &mut Vec<Used>,
) -> Result<Vec<f64>> {
    let field = "trial.outcome.change_sd_madrs";
    let (sds, source, status) = match user {
        Some([one]) => (vec![*one; weeks.len()], "user".to_string(), Status::User),
        Some(v) if v.len() == weeks.len() => (v.to_vec(), "user".to_string(), Status::User),
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
                weeks
                    .iter()
                    .map(|w| interpolate(&table, *w, BelowFirst::ToZero))
                    .collect(),
                eff.change_sd_madrs.source.clone(),
                eff.change_sd_madrs.status,
            )
        }
    };
    for (i, s) in sds.iter().enumerate() {
        check_range(&format!("{field}[{i}]"), *s, 0.01, 100.0, "MADRS points")?;
        used.push(Used::new(
            format!("{field}[week {}]", weeks[i]),
            *s,
            "MADRS points",
            source.clone(),
            status,
        ));
    }
    Ok(sds)
}
