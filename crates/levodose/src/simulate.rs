//! One-subject simulation of a scenario: regimen -> dose events -> exact PK -> free
//! concentration -> NET/SERT occupancy, with exposure metrics and label findings.

use crate::error::{check_range, Error, Result};
use crate::finding::Finding;
use crate::label::{self, LabelContext};
use crate::metric::{Metric, SteadyMetrics};
use crate::monograph::Monograph;
use crate::occupancy::{Basis, OccupancyModel, OccupancySummary};
use crate::pk::{
    self, actions_with_clearance, interval_profile, Cursor, ExposureMetrics, PkParams,
};
use crate::regimen::{self, DoseEvent, Regimen, ResolveContext, Route, TitrationRule};
use crate::subject::{individual_human_over, ClearanceChange, PkOverride, Subject};
use serde::{Deserialize, Serialize};

/// Longest simulation (days).
pub const MAX_DAYS: u32 = 3650;

/// Finest and coarsest output grid step (h).
pub const MIN_STEP_H: f64 = 0.01;
pub const MAX_STEP_H: f64 = 24.0;

/// Occupancy settings of a scenario.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OccupancyChoice {
    pub basis: Option<Basis>,
    pub brain_to_plasma_unbound_ratio: Option<f64>,
}

/// A simulation scenario (TOML file or CLI flags; flags override the file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default = "default_compound")]
    pub compound: String,
    #[serde(default = "default_species")]
    pub species: String,
    #[serde(default = "default_regimen")]
    pub regimen: String,
    #[serde(default = "default_days")]
    pub days: u32,
    #[serde(default = "default_step")]
    pub step_h: f64,
    #[serde(default)]
    pub subject: Subject,
    #[serde(default)]
    pub occupancy: OccupancyChoice,
    #[serde(default)]
    pub pk: PkOverride,
}

fn default_compound() -> String {
    "levomilnacipran".into()
}
fn default_species() -> String {
    "human".into()
}
fn default_regimen() -> String {
    "label-titration".into()
}
fn default_days() -> u32 {
    14
}
fn default_step() -> f64 {
    1.0
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            compound: default_compound(),
            species: default_species(),
            regimen: default_regimen(),
            days: default_days(),
            step_h: default_step(),
            subject: Subject::default(),
            occupancy: OccupancyChoice::default(),
            pk: PkOverride::default(),
        }
    }
}

impl Scenario {
    /// Parses a scenario from TOML text; `file` names it in errors.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Scenario> {
        toml::from_str(text)
            .map_err(|e| Error::input(format!("scenario {file}"), e.message().to_string()))
    }

    pub fn validate(&self) -> Result<()> {
        if self.days == 0 || self.days > MAX_DAYS {
            return Err(Error::input(
                "days",
                format!("{} is outside 1 to {MAX_DAYS}", self.days),
            ));
        }
        check_range("step_h", self.step_h, MIN_STEP_H, MAX_STEP_H, "h")?;
        if (self.days as f64 * 24.0 / self.step_h) > 2.0e6 {
            return Err(Error::input(
                "step_h",
                "the output grid would exceed 2 million points; use a larger step",
            ));
        }
        if self.species != "human" {
            return Err(Error::input("species", format!("\"{}\" is not supported by simulate; allowed: human (use `levodose translate` for rat and mouse)", self.species)));
        }
        self.subject.validate()
    }
}

/// The individual parameters used, with the derived half-life.
#[derive(Debug, Clone, Serialize)]
pub struct ParametersUsed {
    pub clearance_l_per_h: f64,
    pub volume_l: f64,
    pub ka_per_h: f64,
    pub bioavailability: f64,
    pub lag_h: f64,
    pub half_life_h: f64,
    /// CL / CL_typical from renal function and co-medication (day 1).
    pub clearance_factor: f64,
    /// V / V_typical from renal function.
    pub volume_factor: f64,
    /// Clearance changes from co-medications with day ranges (empty if none).
    pub clearance_changes: Vec<ClearanceChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoseOut {
    pub time_h: f64,
    pub amount_mg: f64,
    pub route: Route,
}

#[derive(Debug, Clone, Serialize)]
pub struct Occupancies {
    pub net: OccupancySummary,
    pub sert: OccupancySummary,
}

#[derive(Debug, Clone, Serialize)]
pub struct LastInterval {
    pub start_h: f64,
    pub end_h: f64,
    pub cmax_ng_per_ml: f64,
    /// Hours after the interval start.
    pub tmax_h: f64,
    pub cmin_ng_per_ml: f64,
    pub cavg_ng_per_ml: f64,
    pub auc_ng_h_per_ml: f64,
    pub occupancy: Occupancies,
}

/// Steady state of the maintenance dose: the dose and interval with its metrics.
/// The metrics are the one `metric::SteadyMetrics`; the JSON keeps the shape `summary.steady_state`
/// has always had (flat exposure fields, occupancies nested as `occupancy.net.trough`).
#[derive(Debug, Clone)]
pub struct SteadyStateOut {
    pub dose_mg: f64,
    pub tau_h: f64,
    pub metrics: SteadyMetrics,
}

impl Serialize for SteadyStateOut {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        // The JSON interface (keys checked by levodose-cli/tests/cli_simulate.rs): the dose and interval, the exposure metrics
        // flat under their names in `Metric::STEADY_STATE` order, the occupancies nested.
        use serde::ser::SerializeStruct;
        let m = &self.metrics;
        let exposure = Metric::STEADY_STATE
            .into_iter()
            .filter(|x| !x.is_occupancy());
        let mut s =
            serializer.serialize_struct("SteadyStateOut", 2 + exposure.clone().count() + 1)?;
        s.serialize_field("dose_mg", &self.dose_mg)?;
        s.serialize_field("tau_h", &self.tau_h)?;
        for x in exposure {
            s.serialize_field(x.name(), &m[x])?;
        }
        s.serialize_field(
            "occupancy",
            &Occupancies {
                net: m.net_occupancy(),
                sert: m.sert_occupancy(),
            },
        )?;
        s.end()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub last_interval: LastInterval,
    pub steady_state: Option<SteadyStateOut>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProfilePoint {
    pub time_h: f64,
    pub conc_ng_per_ml: f64,
    pub free_conc_ng_per_ml: f64,
    pub net_occupancy: f64,
    pub sert_occupancy: f64,
}

/// The result of `simulate`; field names are the JSON interface (the keys are checked by
/// `levodose-cli/tests/cli_simulate.rs`).
#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    pub compound: String,
    pub species: String,
    pub regimen: String,
    pub research_note: &'static str,
    pub parameters: ParametersUsed,
    pub occupancy_model: OccupancyModel,
    pub dose_events: Vec<DoseOut>,
    pub summary: Summary,
    pub profile: Vec<ProfilePoint>,
    pub findings: Vec<Finding>,
    /// Assumptions and derivations the numbers rest on.
    pub notes: Vec<String>,
}

/// Resolves the regimen text against the compound (label titration rule, salt, mg/kg).
pub fn parse_regimen(m: &Monograph, text: &str) -> Result<Regimen> {
    let rule = m.label.as_ref().map(TitrationRule::from_label);
    regimen::parse(text, rule.as_ref())
}

/// Steady state of `seg` as metrics and occupancy.
pub fn steady_state_out(
    params: &PkParams,
    occ: &OccupancyModel,
    dose: &DoseEvent,
    tau_h: f64,
) -> Result<SteadyStateOut> {
    let ss = pk::steady_state(params, dose, tau_h)?;
    let m = ss.profile.metrics;
    let (net, sert) = occ.summary(&ss.profile.samples, m.cmin_ng_per_ml, m.cmax_ng_per_ml);
    Ok(SteadyStateOut {
        dose_mg: dose.amount_mg,
        tau_h,
        metrics: SteadyMetrics {
            cmax_ng_per_ml: m.cmax_ng_per_ml,
            tmax_h: m.tmax_h,
            cmin_ng_per_ml: m.cmin_ng_per_ml,
            cavg_ng_per_ml: m.cavg_ng_per_ml,
            auc_tau_ng_h_per_ml: m.auc_ng_h_per_ml,
            accumulation_ratio: ss.accumulation_ratio,
            time_to_90pct_h: ss.time_to_90pct_h,
            net_occupancy_trough: net.trough,
            net_occupancy_peak: net.peak,
            net_occupancy_average: net.average,
            sert_occupancy_trough: sert.trough,
            sert_occupancy_peak: sert.peak,
            sert_occupancy_average: sert.average,
        },
    })
}

/// Doses before time 0 for a first segment marked `ss` (already at steady state): enough
/// intervals to cover 30 half-lives, so the state at time 0 is steady state to 1e-9.
fn steady_state_history(
    regimen: &Regimen,
    ctx: &ResolveContext,
    params: &PkParams,
) -> Result<Vec<DoseEvent>> {
    let Some(seg) = regimen.segments.iter().find(|s| s.steady_state) else {
        return Ok(Vec::new());
    };
    let tau = seg.frequency.tau_h().unwrap_or(24.0);
    let amount = label::segment_base_mg(seg, ctx).ok_or_else(|| {
        Error::input(
            "regimen",
            format!("segment \"{seg}\" is in mg/kg: give a body weight (--weight-kg)"),
        )
    })?;
    let n = (30.0 * params.half_life_h() / tau)
        .ceil()
        .clamp(1.0, 100_000.0) as usize;
    Ok((1..=n)
        .rev()
        .map(|k| DoseEvent {
            time_h: -(k as f64) * tau,
            amount_mg: amount,
            route: seg.route,
            infusion_h: seg.infusion_h,
        })
        .collect())
}

/// Runs a scenario for one subject.
pub fn run(m: &Monograph, sc: &Scenario) -> Result<Simulation> {
    sc.validate()?;
    let regimen = parse_regimen(m, &sc.regimen)?;
    let ind = individual_human_over(m, &sc.subject, &sc.pk, sc.days)?;
    let params = ind.params;
    let basis = sc.occupancy.basis.unwrap_or_default();
    let occ =
        OccupancyModel::from_monograph(m, basis, sc.occupancy.brain_to_plasma_unbound_ratio, None)?;
    let ctx = ResolveContext {
        weight_kg: sc.subject.weight_kg,
        molar_mass_base: m.compound.molar_mass_base_g_per_mol.value,
        molar_mass_salt: m.salt_molar_mass(),
        days: sc.days,
    };
    let mut doses = regimen.events(&ctx)?;
    let history = steady_state_history(&regimen, &ctx, &params)?;
    if doses.is_empty() {
        return Err(Error::input(
            "regimen",
            format!("no dose falls within the {} simulated days", sc.days),
        ));
    }
    if doses.iter().any(|d| d.route.is_extravascular())
        && doses
            .iter()
            .any(|d| d.route.is_extravascular() && d.route != doses[0].route)
    {
        return Err(Error::input(
            "regimen",
            "one extravascular route per simulation (po or ip)",
        ));
    }
    let horizon = sc.days as f64 * 24.0;
    let n = (horizon / sc.step_h).round() as usize;
    let times: Vec<f64> = (0..=n)
        .map(|i| (i as f64 * sc.step_h).min(horizon))
        .collect();
    let visible_doses = doses.clone();
    if !history.is_empty() {
        doses.splice(0..0, history.iter().copied());
    }
    let changes: Vec<(f64, f64)> = ind
        .clearance_changes
        .iter()
        .map(|c| (c.time_h, c.clearance_l_per_h))
        .collect();
    let conc = pk::concentrations_with_clearance(&params, &doses, &changes, &times)?;
    let profile = times
        .iter()
        .zip(&conc)
        .map(|(&t, &c)| ProfilePoint {
            time_h: t,
            conc_ng_per_ml: c,
            free_conc_ng_per_ml: occ.free_ng_per_ml(c),
            net_occupancy: occ.net(c),
            sert_occupancy: occ.sert(c),
        })
        .collect();

    // Last dosing interval: from the last dose to one interval later (or the end of the run).
    let last = *doses.last().unwrap_or(&doses[0]);
    let maint = regimen.maintenance();
    let tau_last = maint
        .and_then(|s| s.frequency.tau_h())
        .unwrap_or(horizon - last.time_h);
    let end = (last.time_h + tau_last)
        .min(horizon)
        .max(last.time_h + 1e-6);
    let actions = actions_with_clearance(&params, &doses, &changes);
    let start_h = doses.first().map(|d| d.time_h.min(0.0)).unwrap_or(0.0);
    let mut cur = Cursor::with_state(&params, &actions, start_h, Default::default(), 0.0);
    cur.advance_to(last.time_h);
    let li = interval_profile(&cur, end - last.time_h);
    let ExposureMetrics {
        cmax_ng_per_ml,
        tmax_h,
        cmin_ng_per_ml,
        cavg_ng_per_ml,
        auc_ng_h_per_ml,
    } = li.metrics;
    let (net, sert) = occ.summary(&li.samples, cmin_ng_per_ml, cmax_ng_per_ml);
    let last_interval = LastInterval {
        start_h: last.time_h,
        end_h: end,
        cmax_ng_per_ml,
        tmax_h,
        cmin_ng_per_ml,
        cavg_ng_per_ml,
        auc_ng_h_per_ml,
        occupancy: Occupancies { net, sert },
    };

    let mut notes = ind.notes.clone();
    if !history.is_empty() {
        notes.push(format!(
            "\"ss\": already at steady state on day 1, simulated as {} earlier doses (over 30 half-lives)",
            history.len()
        ));
    }
    // Steady state under the conditions at the end of the run (after every co-medication change).
    let mut final_params = params;
    if let Some(c) = ind.clearance_changes.last() {
        final_params.clearance_l_per_h = c.clearance_l_per_h;
        notes.push(format!(
            "clearance changes during the run ({} changes); the steady state is the one reached under the conditions from day {} on (CL/F {:.2} L/h)",
            ind.clearance_changes.len(),
            c.day,
            c.clearance_l_per_h
        ));
    }
    let steady_state = match maint.and_then(|s| s.frequency.tau_h().map(|tau| (s, tau))) {
        Some((seg, tau)) => {
            let dose = DoseEvent {
                time_h: 0.0,
                amount_mg: label::segment_base_mg(seg, &ctx).unwrap_or(last.amount_mg),
                route: seg.route,
                infusion_h: seg.infusion_h,
            };
            Some(steady_state_out(&final_params, &occ, &dose, tau)?)
        }
        None => {
            notes.push("the last segment is a single dose: no steady state".into());
            None
        }
    };
    let findings = label::check(
        m,
        &regimen,
        &LabelContext {
            species: &sc.species,
            crcl_ml_per_min: sc.subject.crcl_ml_per_min,
            comedications: &ind.comedications,
            resolve: ctx,
        },
    );
    notes.push(format!(
        "occupancy basis {}: K(NET) {} nM, K(SERT) {} nM, fu {}, Kp,uu {}; in vivo occupancy of milnacipran (PET) is far below such predictions, so read these as upper bounds",
        occ.basis.as_str(),
        occ.net_k_nm,
        occ.sert_k_nm,
        occ.unbound_fraction,
        occ.brain_to_plasma_unbound_ratio
    ));
    for (name, v) in [
        ("ka_per_h", &m.human.ka_per_h),
        ("volume_l", &m.human.volume_l),
        ("clearance_l_per_h", &m.human.clearance_l_per_h),
    ] {
        if v.status != crate::monograph::Status::Published {
            notes.push(format!(
                "{name} {} {} is {}: {}",
                v.value, v.unit, v.status, v.note
            ));
        }
    }
    Ok(Simulation {
        compound: m.compound.name.clone(),
        species: sc.species.clone(),
        regimen: regimen.to_string(),
        research_note: crate::RESEARCH_USE_NOTE,
        parameters: ParametersUsed {
            clearance_l_per_h: params.clearance_l_per_h,
            volume_l: params.volume_l,
            ka_per_h: params.ka_per_h,
            bioavailability: params.bioavailability,
            lag_h: params.lag_h,
            half_life_h: params.half_life_h(),
            clearance_factor: ind.clearance_factor,
            volume_factor: ind.volume_factor,
            clearance_changes: ind.clearance_changes.clone(),
        },
        occupancy_model: occ,
        dose_events: visible_doses
            .iter()
            .map(|d| DoseOut {
                time_h: d.time_h,
                amount_mg: d.amount_mg,
                route: d.route,
            })
            .collect(),
        summary: Summary {
            last_interval,
            steady_state,
        },
        profile,
        findings,
        notes,
    })
}
