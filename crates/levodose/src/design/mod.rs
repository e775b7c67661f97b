//! Preclinical study designer: groups, n per group from a power calculation, timeline,
//! seeded blocked blinded randomisation, safety observations mirroring clinical adverse events,
//! dose preparation, and the protocol text (`protocol.md`, `schedule.csv`, `randomisation.csv`).
//! `design` runs named steps: resolve the scenario, choose n, build groups, timeline and safety
//! observations, list unverified numbers. Doses enter as free base (`study::drug_doses_base`).

pub mod protocol;
pub mod randomise;
/// The study file; it lives in `crate::study` (shared with `lint`), re-exported here.
pub use crate::study as scenario;

use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::monograph::{Monograph, Preclinical};
use crate::occupancy::Basis;
use crate::study::{abs_time_h, Endpoint, PreclinicalScenario, Resolved, Treatment};
use crate::translate::exposure_match::animal_periodic;
use crate::translate::preparation::{self, DoseForm, Preparation};
use crate::translate::species::{self, SpeciesModel};
use crate::translate::Schedule;
use levodose_stats::power::{self as pw, Alternative};
use serde::Serialize;

/// The built-in LPS neuroinflammation template (seed protocol 1), every number editable; the text
/// lives in `levodose-data`.
pub use levodose_data::LPS_TEMPLATE;

/// Built-in templates by name.
pub fn template(name: &str) -> Result<&'static str> {
    match name {
        "lps" => Ok(LPS_TEMPLATE),
        other => Err(Error::input(
            "template",
            format!("\"{other}\" is not a built-in template; allowed: lps"),
        )),
    }
}

fn pw_err(e: pw::PowerError) -> Error {
    Error::input("endpoint", e.to_string())
}

/// Standardised effect of an endpoint (see `Endpoint::effect_size`).
pub fn effect_size(e: &Endpoint) -> Result<f64> {
    e.effect_size()
}

/// The effect in words (see `Endpoint::effect_text`).
pub fn effect_text(e: &Endpoint, groups: usize) -> Result<String> {
    e.effect_text(groups)
}

/// Power at `n` completers per group (see `Endpoint::power_at`).
pub fn power_at(e: &Endpoint, groups: usize, n: f64) -> Result<f64> {
    e.power_at(groups, n)
}

/// Sample size for the primary endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct SampleSize {
    pub analysis: String,
    pub effect: String,
    pub effect_size: f64,
    pub alpha: f64,
    pub power: f64,
    pub attrition: f64,
    /// Completers per group (smallest integer reaching the power).
    pub n_per_group: u64,
    pub n_exact: f64,
    pub achieved_power: f64,
    /// ceil(n / (1 - attrition)).
    pub n_enrolled_per_group: u64,
    /// n per group stated in the scenario, if any, and its power.
    pub stated_n_per_group: Option<u32>,
    pub stated_power: Option<f64>,
}

/// n per group from the endpoint (two-sample t-test or one-way ANOVA) with attrition.
pub fn sample_size(e: &Endpoint, groups: usize, stated: Option<u32>) -> Result<SampleSize> {
    let es = e.effect_size()?;
    let s = match e.analysis.as_str() {
        "anova" => pw::anova_n(groups, es, e.alpha, e.power),
        _ => pw::two_sample_t_n(es, e.alpha, e.power, Alternative::TwoSided),
    }
    .and_then(|s| s.with_attrition(e.attrition))
    .map_err(pw_err)?;
    let stated_power = match stated {
        Some(n) => Some(e.power_at(groups, n as f64 * (1.0 - e.attrition))?),
        None => None,
    };
    Ok(SampleSize {
        analysis: e.analysis.clone(),
        effect: e.effect_text(groups)?,
        effect_size: es,
        alpha: e.alpha,
        power: e.power,
        attrition: e.attrition,
        n_per_group: s.n_per_group,
        n_exact: s.n_exact,
        achieved_power: s.achieved_power,
        n_enrolled_per_group: s.n_enrolled_per_group,
        stated_n_per_group: stated,
        stated_power,
    })
}

/// One timeline entry; times are study day (1 = first dose) and clock hour.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub day: i64,
    pub hour: f64,
    pub event: String,
    pub groups: String,
    pub duration_min: Option<f64>,
    pub hours_after_last_dose: Option<f64>,
    pub note: String,
}

/// A study group with its blind code and size.
#[derive(Debug, Clone, Serialize)]
pub struct GroupOut {
    pub name: String,
    pub code: String,
    pub treatment: Treatment,
    pub dose_mg_per_kg: Option<f64>,
    pub challenge: bool,
    pub n: u64,
    /// As the file states it: Some(true) verified, Some(false) unverified, None = a user value
    /// nobody vouched for (never shown as verified).
    pub verified: Option<bool>,
    /// "yes", "NO" or "user" (see `verified`).
    pub verified_label: &'static str,
    pub note: String,
    pub preparation: Option<Preparation>,
}

/// A clinical adverse event mirrored by animal observations.
#[derive(Debug, Clone, Serialize)]
pub struct SafetyOut {
    pub adverse_event: String,
    /// Incidence (%) or, for a vital sign, the change in its own unit.
    pub clinical_incidence_percent: f64,
    pub placebo_percent: f64,
    /// "%" for an adverse event, the outcome's own unit (bpm, mmHg) for a vital sign.
    pub unit: String,
    pub at_human_dose_mg: f64,
    pub observations: Vec<String>,
    pub rationale: String,
    pub source: String,
}

/// The complete design.
#[derive(Debug, Clone, Serialize)]
pub struct Design {
    pub title: String,
    pub species: String,
    pub route: String,
    pub frequency: String,
    pub seed: u64,
    pub groups: Vec<GroupOut>,
    pub sample_size: Option<SampleSize>,
    pub n_per_group: u64,
    /// Where `n_per_group` came from: "study.n_per_group" (the file) or "power calculation".
    pub n_source: &'static str,
    /// The dose unit of the groups as written ("free base" or the salt name) and the factor to
    /// free base; every exposure prediction uses base.
    pub doses_stated_as: String,
    pub base_per_stated: f64,
    pub timeline: Vec<Event>,
    pub randomisation: Vec<randomise::Allocation>,
    pub safety_observations: Vec<SafetyOut>,
    pub human_equivalent_dose_mg: Option<f64>,
    pub findings: Vec<Finding>,
    pub assumptions: Vec<String>,
    pub unverified: Vec<String>,
    pub research_note: &'static str,
}

/// Designs the study described by `sc`.
pub fn design(m: &Monograph, sc: &PreclinicalScenario) -> Result<Design> {
    let r = sc.validate()?;
    let pre = species::preclinical(m)?;
    let basis = sc
        .target
        .as_ref()
        .and_then(|t| t.basis)
        .unwrap_or(Basis::Ki);
    let model = species::resolve(m, r.species, r.route, sc.study.weight_kg, basis, &sc.pk)?;
    let findings = crate::lint::preclinical::lint(m, sc)?;
    let (sample_size, n, n_source) = choose_n(sc)?;
    let groups = build_groups(m, sc, &model, n)?;
    let randomisation = randomise::blocked(
        &groups.iter().map(|g| g.code.clone()).collect::<Vec<_>>(),
        n,
        sc.study.seed,
        r.species.as_str(),
    );
    let timeline = timeline(m, pre, sc, &r)?;
    let (safety_observations, hed) = safety_observations(m, pre, sc, &model, &r)?;
    let stated_salt = sc.base_per_stated(m)? != 1.0;
    Ok(Design {
        title: if sc.study.title.is_empty() {
            "Preclinical study".into()
        } else {
            sc.study.title.clone()
        },
        species: r.species.as_str().into(),
        route: route_text(sc, &r),
        frequency: sc.dosing.frequency.clone(),
        seed: sc.study.seed,
        groups,
        sample_size,
        n_per_group: n,
        n_source,
        doses_stated_as: match (&m.compound.salt, stated_salt) {
            (Some(s), true) => s.name.clone(),
            _ => "free base".into(),
        },
        base_per_stated: sc.base_per_stated(m)?,
        timeline,
        randomisation,
        safety_observations,
        human_equivalent_dose_mg: hed,
        findings,
        assumptions: model.assumptions.clone(),
        unverified: unverified(pre, sc),
        research_note: crate::RESEARCH_USE_NOTE,
    })
}

/// n per group: the file's `study.n_per_group` if given (its power is reported beside the
/// calculated n), else the power calculation's enrolled n.
fn choose_n(sc: &PreclinicalScenario) -> Result<(Option<SampleSize>, u64, &'static str)> {
    let sample_size = match &sc.endpoint {
        Some(e) => Some(sample_size(e, sc.groups.len(), sc.study.n_per_group)?),
        None => None,
    };
    let (n, source) = match (sc.study.n_per_group, &sample_size) {
        (Some(n), _) => (n as u64, "study.n_per_group"),
        (None, Some(s)) => (s.n_enrolled_per_group, "power calculation"),
        (None, None) => {
            return Err(Error::input(
                "endpoint",
                "give [endpoint] (for a power calculation) or study.n_per_group",
            ))
        }
    };
    Ok((sample_size, n, source))
}

/// Groups with blind codes and the dose preparation of each drug group.
fn build_groups(
    m: &Monograph,
    sc: &PreclinicalScenario,
    model: &SpeciesModel,
    n: u64,
) -> Result<Vec<GroupOut>> {
    let stated = sc
        .dosing
        .dose_stated_as
        .as_deref()
        .map(DoseForm::parse)
        .transpose()?
        .unwrap_or(DoseForm::Base);
    let vol = sc
        .dosing
        .dose_volume_ml_per_kg
        .or(model.dose_volume_ml_per_kg);
    let weigh_salt = m.compound.salt.is_some();
    let codes = randomise::blind_codes(sc.groups.len(), sc.study.seed);
    sc.groups
        .iter()
        .zip(&codes)
        .map(|(g, code)| {
            let prep = match (g.treatment, g.dose_mg_per_kg, vol) {
                (Treatment::Levomilnacipran, Some(d), Some(v)) if d > 0.0 => Some(
                    preparation::prepare(m, d, stated, weigh_salt, model.weight_kg, v)?,
                ),
                _ => None,
            };
            Ok(GroupOut {
                name: g.name.clone(),
                code: code.clone(),
                treatment: g.treatment,
                dose_mg_per_kg: g.dose_mg_per_kg,
                challenge: g.challenge,
                n,
                verified: g.verified,
                verified_label: g.verified_label(),
                note: g.note.clone(),
                preparation: prep,
            })
        })
        .collect()
}

fn route_text(sc: &PreclinicalScenario, r: &Resolved) -> String {
    if r.schedule == Schedule::Minipump {
        "minipump".to_string()
    } else {
        sc.dosing.route.clone()
    }
}

/// Timeline: acclimation, randomisation, dosing, challenge, tests (with any pre-test the
/// monograph requires, e.g. the rat forced swim pre-test of Porsolt 1978), tissue collection.
/// Clock hours of procedures and the light cycle come from the monograph's conventions unless
/// the scenario sets them.
fn timeline(
    m: &Monograph,
    pre: &Preclinical,
    sc: &PreclinicalScenario,
    r: &Resolved,
) -> Result<Vec<Event>> {
    let conv = &pre.conventions;
    let proc_hour = conv.procedure_hour_h.value;
    let light = sc.study.light_phase_h.unwrap_or(conv.light_phase_h.value);
    let first_hour = sc.first_dose_hour_h(m)?;
    let mut timeline = Vec::new();
    let acc = sc.study.acclimation_days as i64;
    if acc > 0 {
        timeline.push(Event {
            day: 1 - acc,
            hour: proc_hour,
            event: format!("arrival and acclimation ({acc} days)"),
            groups: "all".into(),
            duration_min: None,
            hours_after_last_dose: None,
            note: format!(
                "standard housing, {light} h light / {} h dark, food and water ad libitum",
                24.0 - light
            ),
        });
    }
    timeline.push(Event {
        day: 0,
        hour: proc_hour,
        event: "weigh, randomise (blocked, blinded), baseline measures".into(),
        groups: "all".into(),
        duration_min: None,
        hours_after_last_dose: None,
        note: format!("seed {}", sc.study.seed),
    });
    let times = sc.dose_times_h(r.schedule, first_hour);
    if r.schedule == Schedule::Minipump {
        timeline.push(Event {
            day: 1,
            hour: first_hour,
            event: format!("implant osmotic minipumps (s.c.), {} days", sc.dosing.days),
            groups: "all".into(),
            duration_min: None,
            hours_after_last_dose: None,
            note: "vehicle pumps in vehicle groups".into(),
        });
    } else {
        timeline.push(Event {
            day: 1,
            hour: first_hour,
            event: format!(
                "daily dosing {} {} days 1-{} (drug or {} vehicle), {} per day",
                route_text(sc, r),
                sc.dosing.frequency,
                sc.dosing.days,
                sc.dosing.vehicle,
                r.schedule.doses_per_day()
            ),
            groups: "all".into(),
            duration_min: None,
            hours_after_last_dose: None,
            note: format!(
                "dose times {} + every {} h; weigh daily",
                hhmm(first_hour),
                r.schedule.tau_h()
            ),
        });
    }
    let since = |at: f64| -> Option<f64> {
        let last = times
            .iter()
            .copied()
            .filter(|&t| t <= at + 1e-9)
            .fold(f64::NAN, f64::max);
        (!last.is_nan()).then_some(at - last)
    };
    if let Some(c) = &sc.challenge {
        let at = abs_time_h(c.day, c.hour);
        timeline.push(Event {
            day: c.day as i64,
            hour: c.hour,
            event: format!(
                "challenge: {} {} mg/kg {} (saline in non-challenged groups)",
                c.agent, c.dose_mg_per_kg, c.route
            ),
            groups: "all".into(),
            duration_min: None,
            hours_after_last_dose: since(at),
            note: match c.verified {
                Some(true) => c.note.clone(),
                Some(false) => format!("UNVERIFIED dose. {}", c.note),
                None => format!("user value, not verified. {}", c.note),
            },
        });
    }
    for (i, t) in sc.tests.iter().enumerate() {
        let a = pre.assay(&t.assay, &format!("tests[{i}].assay"))?;
        let at = abs_time_h(t.day, t.hour);
        timeline.push(Event {
            day: t.day as i64,
            hour: t.hour,
            event: format!("test: {}", a.display_name),
            groups: "all".into(),
            duration_min: Some(a.duration_min.value),
            hours_after_last_dose: since(at),
            note: t.note.clone(),
        });
    }
    for (a, rule, day, p) in crate::lint::preclinical::missing_pretests(pre, sc, r.species.as_str())
    {
        let t = sc
            .tests
            .iter()
            .find(|t| t.assay == a.name)
            .map(|t| t.hour)
            .unwrap_or(proc_hour);
        timeline.push(Event {
            day,
            hour: t,
            event: format!("test: {}", p.display_name),
            groups: "all".into(),
            duration_min: Some(p.duration_min.value),
            hours_after_last_dose: if day >= 1 {
                since(abs_time_h(day as u32, t))
            } else {
                None
            },
            note: format!(
                "added by levodose: the {} needs this pre-test {} day(s) before ({}); not in the scenario",
                a.display_name, rule.days_before, rule.source
            ),
        });
    }
    if let Some(ts) = &sc.tissue {
        timeline.push(Event {
            day: ts.day as i64,
            hour: ts.hour,
            event: "euthanasia and tissue collection".into(),
            groups: "all".into(),
            duration_min: None,
            hours_after_last_dose: since(abs_time_h(ts.day, ts.hour)),
            note: ts.description.clone(),
        });
    }
    timeline.sort_by(|a, b| {
        (a.day, a.hour)
            .partial_cmp(&(b.day, b.hour))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Ok(timeline)
}

fn hhmm(h: f64) -> String {
    let total = (h * 60.0).round() as i64;
    format!("{:02}:{:02}", total / 60, total % 60)
}

/// Safety observations for the doses studied: the human-equivalent dose of the highest
/// free-base dose by free Cavg, and the clinical adverse events at the nearest clinical dose
/// (incidence and placebo ratio thresholds from the monograph) mirrored by animal observations.
fn safety_observations(
    m: &Monograph,
    pre: &Preclinical,
    sc: &PreclinicalScenario,
    model: &SpeciesModel,
    r: &Resolved,
) -> Result<(Vec<SafetyOut>, Option<f64>)> {
    let doses = sc.drug_doses_base(m)?;
    let mut out = Vec::new();
    let (Some(top), Some(s)) = (doses.last(), &m.safety) else {
        return Ok((out, None));
    };
    let p = animal_periodic(model, r.schedule, *top)?;
    let free = model.occupancy.free_ng_per_ml(p.cavg_ng_per_ml);
    // Human oral daily mg giving the same free Cavg (typical human PK, bioavailability included).
    let mg = crate::translate::human_daily_mg_for_free_cavg(m, free)?;
    let sel = &pre.safety_selection;
    let male_only_ok = !sc.study.sex.eq_ignore_ascii_case("female");
    for t in s.adverse_events.iter().chain(&s.vital_signs) {
        if t.population == "men" && !male_only_ok {
            continue;
        }
        let Some(obs) = pre
            .safety_observations
            .iter()
            .find(|o| o.adverse_event == t.name)
        else {
            continue;
        };
        let placebo = t
            .doses_mg
            .iter()
            .position(|&d| d == 0.0)
            .map(|i| t.values[i])
            .unwrap_or(0.0);
        let cols: Vec<usize> = (0..t.doses_mg.len())
            .filter(|&i| t.doses_mg[i] > 0.0)
            .collect();
        let Some(&first) = cols.first() else { continue };
        let col = cols
            .iter()
            .copied()
            .rfind(|&i| t.doses_mg[i] <= mg)
            .unwrap_or(first);
        let v = t.values[col];
        let keep = if t.unit == "%" {
            v >= sel.min_incidence_percent.value
                && v >= sel.min_ratio_to_placebo_ratio.value * placebo
        } else {
            v > placebo
        };
        if keep {
            out.push(SafetyOut {
                adverse_event: t.name.clone(),
                clinical_incidence_percent: v,
                placebo_percent: placebo,
                unit: t.unit.clone(),
                at_human_dose_mg: t.doses_mg[col],
                observations: obs.observations.clone(),
                rationale: obs.rationale.clone(),
                source: format!("{} (clinical); {} (observation)", t.source, obs.source),
            });
        }
    }
    Ok((out, Some(mg)))
}

/// Numbers the protocol must show as unverified: group doses the file marks unverified or
/// leaves unstated (user values), an unverified challenge, an endpoint with a caveat.
fn unverified(pre: &Preclinical, sc: &PreclinicalScenario) -> Vec<String> {
    let mut out = Vec::new();
    for g in &sc.groups {
        match (g.verified, g.dose_mg_per_kg) {
            (Some(false), _) => out.push(format!(
                "group \"{}\": {}",
                g.name,
                if g.note.is_empty() {
                    "dose not verified"
                } else {
                    &g.note
                }
            )),
            (None, Some(d)) => out.push(format!(
                "group \"{}\": {d} mg/kg is a user value (verified not stated){}",
                g.name,
                if g.note.is_empty() {
                    String::new()
                } else {
                    format!("; {}", g.note)
                }
            )),
            _ => {}
        }
    }
    if let Some(c) = &sc.challenge {
        if c.verified != Some(true) {
            out.push(format!(
                "challenge {} {} mg/kg: {}",
                c.agent,
                c.dose_mg_per_kg,
                if c.note.is_empty() {
                    if c.verified.is_none() {
                        "user value (verified not stated)"
                    } else {
                        "not verified"
                    }
                } else {
                    &c.note
                }
            ));
        }
    }
    if let Some(e) = &sc.endpoint {
        if !e.note.is_empty() {
            let name = pre
                .assays
                .iter()
                .find(|a| a.name == e.assay)
                .map(|a| a.display_name.clone())
                .unwrap_or_else(|| e.assay.clone());
            out.push(format!("primary endpoint ({name}): {}", e.note));
        }
    }
    out
}
