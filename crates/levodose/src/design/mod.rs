//! Preclinical study designer: groups, n per group from a power calculation, timeline,
//! seeded blocked blinded randomisation, safety observations mirroring clinical adverse events,
//! dose preparation, and the protocol text (`protocol.md`, `schedule.csv`, `randomisation.csv`).

pub mod protocol;
pub mod randomise;
pub mod scenario;

use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::monograph::Monograph;
use crate::occupancy::Basis;
use crate::translate::exposure_match::animal_periodic;
use crate::translate::preparation::{self, DoseForm, Preparation};
use crate::translate::species;
use levodose_stats::power::{self as pw, Alternative};
use scenario::{abs_time_h, Endpoint, PreclinicalScenario, Treatment};
use serde::Serialize;

/// The built-in LPS neuroinflammation template (seed protocol 1), every number editable.
pub const LPS_TEMPLATE: &str = include_str!("../../../../examples/preclinical/lps_template.toml");

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

/// Standardised effect: Cohen's d = difference / SD (t-test) or Cohen's f from the group means.
pub fn effect_size(e: &Endpoint) -> Result<f64> {
    match e.analysis.as_str() {
        "anova" => pw::cohens_f(&e.means, e.sd).map_err(pw_err),
        _ => Ok(e.difference.unwrap_or(0.0).abs() / e.sd),
    }
}

/// The effect in words.
pub fn effect_text(e: &Endpoint, groups: usize) -> Result<String> {
    let es = effect_size(e)?;
    Ok(match e.analysis.as_str() {
        "anova" => format!(
            "one-way ANOVA over {groups} groups, Cohen's f {es:.3}, alpha {}",
            e.alpha
        ),
        _ => format!(
            "two-sample t-test, difference {} / SD {} = d {es:.3}, alpha {} two-sided",
            e.difference.unwrap_or(0.0),
            e.sd,
            e.alpha
        ),
    })
}

/// Power at `n` completers per group.
pub fn power_at(e: &Endpoint, groups: usize, n: f64) -> Result<f64> {
    if n < 2.0 {
        return Ok(0.0);
    }
    let es = effect_size(e)?;
    match e.analysis.as_str() {
        "anova" => pw::anova_power(groups, n, es, e.alpha).map_err(pw_err),
        _ => pw::two_sample_t_power(n, es, e.alpha, Alternative::TwoSided).map_err(pw_err),
    }
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
    let es = effect_size(e)?;
    let s = match e.analysis.as_str() {
        "anova" => pw::anova_n(groups, es, e.alpha, e.power),
        _ => pw::two_sample_t_n(es, e.alpha, e.power, Alternative::TwoSided),
    }
    .and_then(|s| s.with_attrition(e.attrition))
    .map_err(pw_err)?;
    let stated_power = match stated {
        Some(n) => Some(power_at(e, groups, n as f64 * (1.0 - e.attrition))?),
        None => None,
    };
    Ok(SampleSize {
        analysis: e.analysis.clone(),
        effect: effect_text(e, groups)?,
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
    pub verified: bool,
    pub note: String,
    pub preparation: Option<Preparation>,
}

/// A clinical adverse event mirrored by animal observations.
#[derive(Debug, Clone, Serialize)]
pub struct SafetyOut {
    pub adverse_event: String,
    /// Clinical value at the dose, in `unit` (% for incidences, bpm or mmHg for vital signs;
    /// the field name is kept for compatibility).
    pub clinical_incidence_percent: f64,
    pub placebo_percent: f64,
    /// Unit of the clinical and placebo values.
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
    pub timeline: Vec<Event>,
    pub randomisation: Vec<randomise::Allocation>,
    pub safety_observations: Vec<SafetyOut>,
    pub human_equivalent_dose_mg: Option<f64>,
    pub findings: Vec<Finding>,
    pub assumptions: Vec<String>,
    pub unverified: Vec<String>,
    pub research_note: &'static str,
}

fn assay_name(m: &Monograph, key: &str) -> String {
    species::preclinical(m)
        .ok()
        .and_then(|p| p.assays.iter().find(|a| a.name == key))
        .map(|a| a.display_name.clone())
        .unwrap_or_else(|| key.into())
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

    let sample_size = match &sc.endpoint {
        Some(e) => Some(sample_size(e, sc.groups.len(), sc.study.n_per_group)?),
        None => None,
    };
    let n = match (sc.study.n_per_group, &sample_size) {
        (Some(n), _) => n as u64,
        (None, Some(s)) => s.n_enrolled_per_group,
        (None, None) => {
            return Err(Error::input(
                "endpoint",
                "give [endpoint] (for a power calculation) or study.n_per_group",
            ))
        }
    };

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
    let groups: Vec<GroupOut> = sc
        .groups
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
                note: g.note.clone(),
                preparation: prep,
            })
        })
        .collect::<Result<_>>()?;
    let randomisation = randomise::blocked(
        &groups.iter().map(|g| g.code.clone()).collect::<Vec<_>>(),
        n,
        sc.study.seed,
        r.species.as_str(),
    );

    // Timeline.
    let mut timeline = Vec::new();
    let acc = sc.study.acclimation_days as i64;
    if acc > 0 {
        timeline.push(Event {
            day: 1 - acc,
            hour: 9.0,
            event: format!("arrival and acclimation ({acc} days)"),
            groups: "all".into(),
            duration_min: None,
            hours_after_last_dose: None,
            note: "standard housing, 12 h light/dark, food and water ad libitum".into(),
        });
    }
    timeline.push(Event {
        day: 0,
        hour: 9.0,
        event: "weigh, randomise (blocked, blinded), baseline measures".into(),
        groups: "all".into(),
        duration_min: None,
        hours_after_last_dose: None,
        note: format!("seed {}", sc.study.seed),
    });
    let times = sc.dose_times_h(r.schedule);
    let route_txt = if r.schedule == crate::translate::Schedule::Minipump {
        "minipump".to_string()
    } else {
        sc.dosing.route.clone()
    };
    if r.schedule == crate::translate::Schedule::Minipump {
        timeline.push(Event {
            day: 1,
            hour: sc.dosing.first_dose_hour,
            event: format!("implant osmotic minipumps (s.c.), {} days", sc.dosing.days),
            groups: "all".into(),
            duration_min: None,
            hours_after_last_dose: None,
            note: "vehicle pumps in vehicle groups".into(),
        });
    } else {
        timeline.push(Event {
            day: 1,
            hour: sc.dosing.first_dose_hour,
            event: format!(
                "daily dosing {} {} days 1-{} (drug or {} vehicle), {} per day",
                route_txt,
                sc.dosing.frequency,
                sc.dosing.days,
                sc.dosing.vehicle,
                r.schedule.doses_per_day()
            ),
            groups: "all".into(),
            duration_min: None,
            hours_after_last_dose: None,
            note: format!(
                "dose times {:02}:00 + every {} h; weigh daily",
                sc.dosing.first_dose_hour as u32,
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
            note: if c.verified {
                c.note.clone()
            } else {
                format!("UNVERIFIED dose. {}", c.note)
            },
        });
    }
    for t in &sc.tests {
        let a = crate::lint::preclinical::assay(m, &t.assay, "tests.assay")?;
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

    // Safety observations for the doses studied: human-equivalent dose by free Cavg.
    let doses = sc.drug_doses();
    let mut safety_observations = Vec::new();
    let mut hed = None;
    if let (Some(top), Some(s)) = (doses.last(), &m.safety) {
        let p = animal_periodic(&model, r.schedule, *top)?;
        let free = model.occupancy.free_ng_per_ml(p.cavg_ng_per_ml);
        // Human oral daily mg giving the same free Cavg (typical human PK, bioavailability included).
        let mg = crate::translate::human_daily_mg_for_free_cavg(m, free)?;
        hed = Some(mg);
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
                safety_observations.push(SafetyOut {
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
    }
    let mut unverified = Vec::new();
    for g in &sc.groups {
        if !g.verified {
            unverified.push(format!(
                "group \"{}\": {}",
                g.name,
                if g.note.is_empty() {
                    "dose not verified"
                } else {
                    &g.note
                }
            ));
        }
    }
    if let Some(c) = &sc.challenge {
        if !c.verified {
            unverified.push(format!(
                "challenge {} {} mg/kg: {}",
                c.agent,
                c.dose_mg_per_kg,
                if c.note.is_empty() {
                    "not verified"
                } else {
                    &c.note
                }
            ));
        }
    }
    if let Some(e) = &sc.endpoint {
        if !e.note.is_empty() {
            unverified.push(format!(
                "primary endpoint ({}): {}",
                assay_name(m, &e.assay),
                e.note
            ));
        }
    }
    Ok(Design {
        title: if sc.study.title.is_empty() {
            "Preclinical study".into()
        } else {
            sc.study.title.clone()
        },
        species: r.species.as_str().into(),
        route: route_txt,
        frequency: sc.dosing.frequency.clone(),
        seed: sc.study.seed,
        groups,
        sample_size,
        n_per_group: n,
        timeline,
        randomisation,
        safety_observations,
        human_equivalent_dose_mg: hed,
        findings,
        assumptions: model.assumptions.clone(),
        unverified,
        research_note: crate::RESEARCH_USE_NOTE,
    })
}
