//! The preclinical study file (`[study] kind = "preclinical"`), shared by `design` and `lint`;
//! the schema is documented key by key in docs/scenarios.md. This module owns the file: parsing,
//! range checks, the conversion of salt doses to free base (once, here, so every exposure path
//! sees base), the dosing times and the endpoint's power calculation.

use crate::error::{check_limit, check_range, Error, Result};
use crate::limits::ANIMAL_WEIGHT_KG;
use crate::monograph::Monograph;
use crate::translate::species::{AnimalRoute, Species, SpeciesPkOverride};
use crate::translate::{Metric, Schedule};
use levodose_stats::power::{self as pw, Alternative};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreclinicalScenario {
    pub study: Study,
    pub dosing: Dosing,
    #[serde(default)]
    pub target: Option<Target>,
    #[serde(default)]
    pub pk: SpeciesPkOverride,
    pub groups: Vec<Group>,
    #[serde(default)]
    pub challenge: Option<Challenge>,
    #[serde(default)]
    pub tests: Vec<Test>,
    #[serde(default)]
    pub endpoint: Option<Endpoint>,
    #[serde(default)]
    pub tissue: Option<Tissue>,
    /// How `analyze study` analyses the returned data (same names as its flags).
    #[serde(default)]
    pub analysis: Option<crate::study::settings::Settings>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Study {
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default = "default_compound")]
    pub compound: String,
    pub species: String,
    #[serde(default)]
    pub strain: String,
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub weight_kg: Option<f64>,
    /// Disease model key (monograph `preclinical.models`), e.g. "lps".
    #[serde(default)]
    pub model: Option<String>,
    /// Animals per group as planned (None = from the power calculation).
    #[serde(default)]
    pub n_per_group: Option<u32>,
    /// Hours of light per 24 h (None = the monograph's convention).
    #[serde(default)]
    pub light_phase_h: Option<f64>,
    #[serde(default = "default_acclimation")]
    pub acclimation_days: u32,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default)]
    pub note: String,
}

fn default_compound() -> String {
    "levomilnacipran".into()
}
fn default_acclimation() -> u32 {
    7
}
fn default_seed() -> u64 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dosing {
    pub route: String,
    /// qd, bid, tid or minipump.
    pub frequency: String,
    /// Dosing on study days 1..=days.
    pub days: u32,
    /// Clock hour of the first daily dose (None = the monograph's convention).
    #[serde(default)]
    pub first_dose_hour: Option<f64>,
    /// "base" or "salt" (hydrochloride); absent = unstated (a lint finding).
    #[serde(default)]
    pub dose_stated_as: Option<String>,
    #[serde(default)]
    pub dose_volume_ml_per_kg: Option<f64>,
    #[serde(default = "default_vehicle")]
    pub vehicle: String,
}

fn default_vehicle() -> String {
    "saline".into()
}

/// The human exposure the study aims to reproduce.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub metric: String,
    #[serde(rename = "match")]
    pub human_regimen: String,
    #[serde(default)]
    pub basis: Option<crate::occupancy::Basis>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    Vehicle,
    Levomilnacipran,
    PositiveControl,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    pub treatment: Treatment,
    #[serde(default)]
    pub dose_mg_per_kg: Option<f64>,
    /// The positive control's compound (free text).
    #[serde(default)]
    pub agent: Option<String>,
    /// Receives the challenge (e.g. LPS) rather than its vehicle.
    #[serde(default)]
    pub challenge: bool,
    /// The user's statement about the dose: true = checked against the literature, false =
    /// a placeholder or unverified. Absent = a user value nobody vouched for (shown as "user").
    #[serde(default)]
    pub verified: Option<bool>,
    #[serde(default)]
    pub note: String,
}

impl Group {
    /// "yes" (the file says verified), "NO" (says unverified), "user" (says nothing).
    pub fn verified_label(&self) -> &'static str {
        match self.verified {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "user",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    pub agent: String,
    pub dose_mg_per_kg: f64,
    #[serde(default = "default_ip")]
    pub route: String,
    pub day: u32,
    pub hour: f64,
    /// As for a group: Some(true) checked, Some(false) unverified, None = user value.
    #[serde(default)]
    pub verified: Option<bool>,
    #[serde(default)]
    pub note: String,
}

fn default_ip() -> String {
    "ip".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Test {
    /// Assay key (monograph `preclinical.assays`).
    pub assay: String,
    pub day: u32,
    pub hour: f64,
    #[serde(default)]
    pub note: String,
}

/// Primary endpoint and the power calculation inputs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub assay: String,
    /// "t-test" (two groups) or "anova" (one-way, all groups).
    #[serde(default = "default_t")]
    pub analysis: String,
    /// t-test: the difference to detect, in the endpoint's units.
    #[serde(default)]
    pub difference: Option<f64>,
    /// anova: expected mean of each group, in group order.
    #[serde(default)]
    pub means: Vec<f64>,
    pub sd: f64,
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    #[serde(default = "default_power")]
    pub power: f64,
    #[serde(default)]
    pub attrition: f64,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub note: String,
}

fn default_t() -> String {
    "t-test".into()
}
fn default_alpha() -> f64 {
    0.05
}
fn default_power() -> f64 {
    0.8
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tissue {
    pub day: u32,
    pub hour: f64,
    #[serde(default)]
    pub description: String,
}

/// Parsed and checked fields of a scenario.
#[derive(Debug, Clone, Copy)]
pub struct Resolved {
    pub species: Species,
    pub route: AnimalRoute,
    pub schedule: Schedule,
    pub metric: Option<Metric>,
}

/// The `[table]` (or `[[table]]`) header in force at byte `pos` of a TOML text, if any.
pub fn table_at(text: &str, pos: usize) -> Option<String> {
    let mut table = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if offset > pos {
            break;
        }
        let t = line.trim();
        if t.starts_with('[') {
            let name = t
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim();
            if !name.is_empty() {
                let arr = t.starts_with("[[");
                table = Some(if arr {
                    format!("[[{name}]]")
                } else {
                    format!("[{name}]")
                });
            }
        }
        offset += line.len();
    }
    table
}

/// A TOML parse error with the file and the table the offending key sits in.
pub fn toml_error(text: &str, file: &str, e: &toml::de::Error) -> Error {
    let table = e.span().and_then(|sp| table_at(text, sp.start));
    let field = match table {
        Some(t) => format!("scenario {file}, table {t}"),
        None => format!("scenario {file}, top level (outside any table)"),
    };
    Error::input(field, e.message().trim().to_string())
}

impl PreclinicalScenario {
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self> {
        let sc: PreclinicalScenario =
            toml::from_str(text).map_err(|e| toml_error(text, file, &e))?;
        sc.validate()?;
        Ok(sc)
    }

    /// Free base per unit of dose as written: 1 for base (or unstated: lint flags it),
    /// M_base / M_salt for salt. The one place salt becomes base.
    pub fn base_per_stated(&self, m: &Monograph) -> Result<f64> {
        let form = match &self.dosing.dose_stated_as {
            Some(s) => crate::translate::preparation::DoseForm::parse(s)
                .map_err(|e| rename(e, "dosing.dose_stated_as"))?,
            None => crate::translate::preparation::DoseForm::Base,
        };
        match form {
            crate::translate::preparation::DoseForm::Base => Ok(1.0),
            crate::translate::preparation::DoseForm::Salt => {
                let salt = m.salt_molar_mass().ok_or_else(|| {
                    Error::input(
                        "dosing.dose_stated_as",
                        format!(
                            "\"salt\", but {} has no salt form in its monograph; allowed: base",
                            m.compound.name
                        ),
                    )
                })?;
                Ok(m.compound.molar_mass_base_g_per_mol.value / salt)
            }
        }
    }

    /// Levomilnacipran doses studied as free base (mg/kg, ascending, distinct).
    pub fn drug_doses_base(&self, m: &Monograph) -> Result<Vec<f64>> {
        let f = self.base_per_stated(m)?;
        Ok(self.drug_doses().into_iter().map(|d| d * f).collect())
    }

    /// Clock hour of the first daily dose: the file's, else the monograph's convention.
    pub fn first_dose_hour_h(&self, m: &Monograph) -> Result<f64> {
        match self.dosing.first_dose_hour {
            Some(h) => Ok(h),
            None => Ok(crate::translate::species::preclinical(m)?
                .conventions
                .first_dose_hour_h
                .value),
        }
    }

    /// Checks ranges and names; errors name the field and the allowed values.
    pub fn validate(&self) -> Result<Resolved> {
        if self.study.kind != "preclinical" {
            return Err(Error::input(
                "study.kind",
                format!("\"{}\" is not \"preclinical\"", self.study.kind),
            ));
        }
        let species =
            Species::parse(&self.study.species).map_err(|e| rename(e, "study.species"))?;
        let schedule =
            Schedule::parse(&self.dosing.frequency).map_err(|e| rename(e, "dosing.frequency"))?;
        let mut route =
            AnimalRoute::parse(&self.dosing.route).map_err(|e| rename(e, "dosing.route"))?;
        if schedule == Schedule::Minipump {
            route = AnimalRoute::Minipump;
        }
        if let Some(w) = self.study.weight_kg {
            check_limit("study.weight_kg", w, ANIMAL_WEIGHT_KG)?;
        }
        if self.dosing.days == 0 || self.dosing.days > 365 {
            return Err(Error::input(
                "dosing.days",
                format!("{} is outside 1 to 365", self.dosing.days),
            ));
        }
        if let Some(h) = self.dosing.first_dose_hour {
            check_range("dosing.first_dose_hour", h, 0.0, 23.99, "h")?;
        }
        if let Some(h) = self.study.light_phase_h {
            check_range("study.light_phase_h", h, 0.0, 24.0, "h")?;
        }
        if let Some(v) = self.dosing.dose_volume_ml_per_kg {
            check_range("dosing.dose_volume_ml_per_kg", v, 0.1, 50.0, "mL/kg")?;
        }
        if let Some(s) = &self.dosing.dose_stated_as {
            crate::translate::preparation::DoseForm::parse(s)
                .map_err(|e| rename(e, "dosing.dose_stated_as"))?;
        }
        if self.study.acclimation_days > 60 {
            return Err(Error::input(
                "study.acclimation_days",
                "must be 0 to 60 days",
            ));
        }
        if let Some(n) = self.study.n_per_group {
            if !(2..=1000).contains(&n) {
                return Err(Error::input(
                    "study.n_per_group",
                    format!("{n} is outside 2 to 1000"),
                ));
            }
        }
        if self.groups.len() < 2 || self.groups.len() > 26 {
            return Err(Error::input(
                "groups",
                format!("{} groups; allowed 2 to 26", self.groups.len()),
            ));
        }
        for (i, g) in self.groups.iter().enumerate() {
            match (g.treatment, g.dose_mg_per_kg) {
                (Treatment::Levomilnacipran, None) => {
                    return Err(Error::input(
                        format!("groups[{i}].dose_mg_per_kg"),
                        "a levomilnacipran group needs a dose in mg/kg",
                    ))
                }
                (_, Some(d)) => {
                    check_range(
                        &format!("groups[{i}].dose_mg_per_kg"),
                        d,
                        0.0,
                        2000.0,
                        "mg/kg",
                    )?;
                }
                _ => {}
            }
        }
        for (i, t) in self.tests.iter().enumerate() {
            check_range(&format!("tests[{i}].hour"), t.hour, 0.0, 23.99, "h")?;
            if t.day == 0 || t.day > 400 {
                return Err(Error::input(format!("tests[{i}].day"), "must be 1 to 400"));
            }
        }
        if let Some(c) = &self.challenge {
            check_range("challenge.hour", c.hour, 0.0, 23.99, "h")?;
            check_range(
                "challenge.dose_mg_per_kg",
                c.dose_mg_per_kg,
                0.0,
                2000.0,
                "mg/kg",
            )?;
        }
        if let Some(e) = &self.endpoint {
            check_range("endpoint.sd", e.sd, 1e-12, 1e12, "")?;
            check_range("endpoint.alpha", e.alpha, 1e-6, 0.5, "")?;
            check_range("endpoint.power", e.power, 0.5, 0.999, "")?;
            check_range("endpoint.attrition", e.attrition, 0.0, 0.9, "")?;
            match e.analysis.as_str() {
                "t-test" => {
                    let d = e.difference.ok_or_else(|| {
                        Error::input(
                            "endpoint.difference",
                            "a t-test needs the difference to detect",
                        )
                    })?;
                    if !(d.is_finite() && d != 0.0) {
                        return Err(Error::input(
                            "endpoint.difference",
                            "must be a nonzero number",
                        ));
                    }
                }
                "anova" => {
                    if e.means.len() != self.groups.len() {
                        return Err(Error::input(
                            "endpoint.means",
                            format!(
                                "one mean per group: {} groups, {} means",
                                self.groups.len(),
                                e.means.len()
                            ),
                        ));
                    }
                }
                other => {
                    return Err(Error::input(
                        "endpoint.analysis",
                        format!("\"{other}\" is not t-test or anova"),
                    ))
                }
            }
        }
        let metric = match &self.target {
            Some(t) => Some(Metric::parse(&t.metric).map_err(|e| rename(e, "target.metric"))?),
            None => None,
        };
        Ok(Resolved {
            species,
            route,
            schedule,
            metric,
        })
    }

    /// Levomilnacipran doses studied as written (mg/kg, ascending, distinct; salt or base as
    /// `dose_stated_as` says: use `drug_doses_base` for anything that predicts exposure).
    pub fn drug_doses(&self) -> Vec<f64> {
        let mut d: Vec<f64> = self
            .groups
            .iter()
            .filter(|g| g.treatment == Treatment::Levomilnacipran)
            .filter_map(|g| g.dose_mg_per_kg)
            .filter(|&x| x > 0.0)
            .collect();
        d.sort_by(f64::total_cmp);
        d.dedup();
        d
    }

    /// Dose times (h from day 1 00:00) of the daily schedule, first dose of each day at
    /// `first_hour_h`; empty for a minipump.
    pub fn dose_times_h(&self, schedule: Schedule, first_hour_h: f64) -> Vec<f64> {
        if schedule == Schedule::Minipump {
            return Vec::new();
        }
        let per_day = schedule.doses_per_day() as u32;
        let mut t = Vec::new();
        for day in 1..=self.dosing.days {
            for k in 0..per_day {
                t.push((day - 1) as f64 * 24.0 + first_hour_h + k as f64 * schedule.tau_h());
            }
        }
        t
    }
}

fn pw_err(e: pw::PowerError) -> Error {
    Error::input("endpoint", e.to_string())
}

impl Endpoint {
    /// Standardised effect: Cohen's d = difference / SD (t-test) or Cohen's f from the means.
    pub fn effect_size(&self) -> Result<f64> {
        match self.analysis.as_str() {
            "anova" => pw::cohens_f(&self.means, self.sd).map_err(pw_err),
            _ => Ok(self.difference.unwrap_or(0.0).abs() / self.sd),
        }
    }

    /// The effect in words.
    pub fn effect_text(&self, groups: usize) -> Result<String> {
        let es = self.effect_size()?;
        Ok(match self.analysis.as_str() {
            "anova" => format!(
                "one-way ANOVA over {groups} groups, Cohen's f {es:.3}, alpha {}",
                self.alpha
            ),
            _ => format!(
                "two-sample t-test, difference {} / SD {} = d {es:.3}, alpha {} two-sided",
                self.difference.unwrap_or(0.0),
                self.sd,
                self.alpha
            ),
        })
    }

    /// Power at `n` completers per group.
    pub fn power_at(&self, groups: usize, n: f64) -> Result<f64> {
        if n < 2.0 {
            return Ok(0.0);
        }
        let es = self.effect_size()?;
        match self.analysis.as_str() {
            "anova" => pw::anova_power(groups, n, es, self.alpha).map_err(pw_err),
            _ => pw::two_sample_t_power(n, es, self.alpha, Alternative::TwoSided).map_err(pw_err),
        }
    }
}

/// Absolute time (h from day 1 00:00) of `day` at clock `hour`.
pub fn abs_time_h(day: u32, hour: f64) -> f64 {
    (day as f64 - 1.0) * 24.0 + hour
}

fn rename(e: Error, field: &str) -> Error {
    match e {
        Error::Input { reason, .. } => Error::input(field, reason),
        other => other,
    }
}
