//! Preclinical lint rules. Thresholds come from the monograph (`preclinical.design_rules`);
//! predictions from the species model (allometric unless the scenario gives measured PK).
//! Doses enter as free base (`PreclinicalScenario::drug_doses_base`, the one salt conversion).
//!
//! Codes: test_outside_exposure_window, once_daily_short_half_life, dose_range_narrow,
//! doses_on_plateau, dose_above_ld50_fraction (error), dose_above_toxicity_level,
//! single_behavioral_assay, no_locomotor_control, forced_swim_pretest_missing, underpowered,
//! salt_form_unstated, serotonin_driven_model (info).

use crate::error::Result;
use crate::finding::{Finding, Severity};
use crate::monograph::{Assay, Monograph, Preclinical};
use crate::occupancy::Basis;
use crate::study::{abs_time_h, PreclinicalScenario, Resolved, Test};
use crate::translate::dose_range::{self, DosePoint};
use crate::translate::exposure_match::{animal_periodic, conc_at};
use crate::translate::species::{self, SpeciesModel};
use crate::translate::{human_level, toxicology, Metric, Schedule};

/// The metric plateau and range are judged on: the scenario's target metric when it is an
/// occupancy (as `design dose-range` predicts it), else NET average occupancy.
pub fn judged_metric(target: Option<Metric>) -> Metric {
    match target {
        Some(m) if m.is_occupancy() => m,
        _ => Metric::NetOccupancyAverage,
    }
}

/// Everything the rules share: the resolved scenario, species model and free-base doses.
struct Context<'a> {
    m: &'a Monograph,
    sc: &'a PreclinicalScenario,
    pre: &'a Preclinical,
    r: Resolved,
    basis: Basis,
    model: SpeciesModel,
    /// Levomilnacipran doses, free base mg/kg, ascending.
    doses: Vec<f64>,
    tests: Vec<(&'a Test, &'a Assay)>,
    first_hour_h: f64,
    judged: Metric,
}

impl<'a> Context<'a> {
    fn new(m: &'a Monograph, sc: &'a PreclinicalScenario) -> Result<Self> {
        let r = sc.validate()?;
        let pre = species::preclinical(m)?;
        let basis = sc
            .target
            .as_ref()
            .and_then(|t| t.basis)
            .unwrap_or(Basis::Ki);
        let model = species::resolve(m, r.species, r.route, sc.study.weight_kg, basis, &sc.pk)?;
        let tests = sc
            .tests
            .iter()
            .enumerate()
            .map(|(i, t)| {
                pre.assay(&t.assay, &format!("tests[{i}].assay"))
                    .map(|a| (t, a))
            })
            .collect::<Result<_>>()?;
        Ok(Context {
            m,
            sc,
            pre,
            basis,
            doses: sc.drug_doses_base(m)?,
            tests,
            first_hour_h: sc.first_dose_hour_h(m)?,
            judged: judged_metric(r.metric),
            model,
            r,
        })
    }

    fn dose_times(&self) -> Vec<f64> {
        self.sc.dose_times_h(self.r.schedule, self.first_hour_h)
    }
}

/// All preclinical findings for a scenario.
pub fn lint(m: &Monograph, sc: &PreclinicalScenario) -> Result<Vec<Finding>> {
    let c = Context::new(m, sc)?;
    let mut out = Vec::new();
    out.extend(salt_form(&c));
    out.extend(dose_range_rules(&c)?);
    out.extend(once_daily(&c)?);
    out.extend(toxicity(&c)?);
    out.extend(exposure_window(&c)?);
    out.extend(assay_battery(&c));
    out.extend(forced_swim_pretest(&c));
    out.extend(power(&c)?);
    out.extend(serotonin_models(&c)?);
    Ok(out)
}

/// salt_form_unstated (only for a compound with a salt form: otherwise no ambiguity).
fn salt_form(c: &Context) -> Option<Finding> {
    let salt_form = c.m.compound.salt.as_ref()?;
    if c.sc.dosing.dose_stated_as.is_some() {
        return None;
    }
    let base = c.m.compound.molar_mass_base_g_per_mol.value;
    Some(
        Finding::new(
            "salt_form_unstated",
            Severity::Warning,
            format!(
                "doses do not say whether they are free base or {}; the two differ by {:.1} % (predictions assume free base)",
                salt_form.name,
                100.0 * (salt_form.molar_mass_g_per_mol.value / base - 1.0)
            ),
            c.m.compound.molar_mass_base_g_per_mol.source.clone(),
        )
        .with_suggestion("set [dosing] dose_stated_as = \"base\" or \"salt\""),
    )
}

/// dose_range_narrow, doses_on_plateau on the judged metric at steady state (the same
/// prediction `design dose-range` makes).
fn dose_range_rules(c: &Context) -> Result<Vec<Finding>> {
    if c.doses.is_empty() {
        return Ok(Vec::new());
    }
    let points: Vec<DosePoint> = dose_range::predict(&c.model, c.r.schedule, c.judged, &c.doses)?;
    let what = format!(
        "levomilnacipran doses (free base; {} at steady state{})",
        c.judged.as_str(),
        if c.r.metric == Some(c.judged) {
            ", the scenario's target metric"
        } else {
            ", the default when [target] names no occupancy metric"
        }
    );
    Ok(dose_range::check(
        &points,
        c.judged,
        &c.pre.design_rules,
        &what,
    ))
}

/// The occupancy metric of the judged transporter, time-averaged (for trough/peak levels).
fn transporter_average(judged: Metric) -> Metric {
    match judged {
        Metric::SertOccupancyTrough | Metric::SertOccupancyAverage => Metric::SertOccupancyAverage,
        _ => Metric::NetOccupancyAverage,
    }
}

/// once_daily_short_half_life: chronic qd dosing whose trough falls below the rule x the peak.
fn once_daily(c: &Context) -> Result<Vec<Finding>> {
    if c.r.schedule != Schedule::Qd || c.sc.dosing.days <= 1 {
        return Ok(Vec::new());
    }
    let rules = &c.pre.design_rules;
    // The judged transporter, and NET (the drug's functional target) in any case: SERT can stay
    // saturated at trough while NET occupancy falls away.
    let mut metrics = vec![transporter_average(c.judged)];
    if metrics[0] != Metric::NetOccupancyAverage {
        metrics.push(Metric::NetOccupancyAverage);
    }
    let ratio = rules.trough_to_peak_min_ratio.value;
    let mut low = Vec::new();
    for &d in &c.doses {
        let p = animal_periodic(&c.model, c.r.schedule, d)?;
        for &mt in &metrics {
            let l = p.levels(mt, &c.model.occupancy);
            if l.trough < ratio * l.peak {
                low.push(format!(
                    "{} mg/kg: {} trough {:.0} % vs peak {:.0} %",
                    round3(d),
                    if mt == Metric::NetOccupancyAverage {
                        "NET"
                    } else {
                        "SERT"
                    },
                    100.0 * l.trough,
                    100.0 * l.peak
                ));
            }
        }
    }
    if low.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![Finding::new(
        "once_daily_short_half_life",
        Severity::Warning,
        format!(
            "chronic once-daily dosing, but the {} half-life is {:.1} h{}: trough occupancy falls below {ratio} x the peak ({})",
            c.r.species.as_str(),
            c.model.half_life_h,
            match (&c.model.pk_source, c.model.is_allometric()) {
                (Some(src), _) => format!(" ({src})"),
                (None, true) => " (assumed: allometric)".to_string(),
                (None, false) => String::new(),
            },
            low.join("; ")
        ),
        rules.trough_to_peak_min_ratio.source.clone(),
    )
    .with_suggestion("dose twice daily or use an osmotic minipump (`levodose translate` gives the doses)")])
}

/// dose_above_ld50_fraction, dose_above_toxicity_level for every levomilnacipran group.
fn toxicity(c: &Context) -> Result<Vec<Finding>> {
    let per_day = if c.r.schedule == Schedule::Minipump {
        1.0
    } else {
        c.r.schedule.doses_per_day()
    };
    let doses: Vec<toxicology::DoseToCheck> = c
        .doses
        .iter()
        .map(|&d| toxicology::DoseToCheck {
            what: format!("group dose {} ({})", round3(d), c.sc.dosing.frequency),
            per_dose_mg_per_kg: d,
            daily_mg_per_kg: d * per_day,
        })
        .collect();
    toxicology::check(c.m, c.r.species, &doses)
}

/// test_outside_exposure_window: acute tests far past Tmax, before dosing, after the pump
/// period, or below the target exposure at the highest dose.
fn exposure_window(c: &Context) -> Result<Vec<Finding>> {
    let Some(&top) = c.doses.last() else {
        return Ok(Vec::new());
    };
    let rules = &c.pre.design_rules;
    let schedule = c.r.schedule;
    let target = match (&c.sc.target, c.r.metric) {
        (Some(t), Some(mt)) => Some((mt, human_level(c.m, &t.human_regimen, mt, c.basis)?.0)),
        _ => None,
    };
    let tmax = animal_periodic(&c.model, schedule, top)?.tmax_h;
    let far = tmax + rules.max_half_lives_after_tmax.value * c.model.half_life_h;
    let times = c.dose_times();
    let mut out = Vec::new();
    for (t, a) in &c.tests {
        if a.safety || a.pretest_for.is_some() || a.duration_min.value / 60.0 >= schedule.tau_h() {
            continue; // long tests average over dosing intervals; a pre-test is not scored
        }
        let at = abs_time_h(t.day, t.hour);
        let mut reasons = Vec::new();
        let since = times
            .iter()
            .copied()
            .filter(|&x| x <= at + 1e-9)
            .fold(f64::NAN, f64::max);
        if schedule != Schedule::Minipump {
            if since.is_nan() {
                reasons.push("before the first dose".to_string());
            } else if at - since > far {
                reasons.push(format!(
                    "{:.1} h after the last dose, far past Tmax ({:.2} h; more than Tmax + {} half-lives = {:.1} h)",
                    at - since,
                    tmax,
                    rules.max_half_lives_after_tmax.value,
                    far
                ));
            }
        } else if at > c.sc.dosing.days as f64 * 24.0 {
            reasons.push("after the minipump period ends".into());
        }
        if let Some((mt, level)) = target {
            let conc = conc_at(&c.model, schedule, top, &times, c.sc.dosing.days, at)?;
            let q = mt.instantaneous(&c.model.occupancy, conc);
            let lvl = mt.instantaneous_level(level);
            if q < lvl {
                reasons.push(format!(
                    "predicted {} {:.3} at the highest dose is below the target {:.3}",
                    mt.as_str(),
                    q,
                    lvl
                ));
            }
        }
        if !reasons.is_empty() {
            out.push(
                Finding::new(
                    "test_outside_exposure_window",
                    Severity::Warning,
                    format!(
                        "{} (day {}, {:02}:{:02}): {}",
                        a.display_name,
                        t.day,
                        t.hour.floor() as u32,
                        (t.hour.fract() * 60.0).round() as u32,
                        reasons.join("; ")
                    ),
                    rules.max_half_lives_after_tmax.source.clone(),
                )
                .with_suggestion("dose on the test day and test within the window `levodose translate` reports, or dose by minipump"),
            );
        }
    }
    Ok(out)
}

/// single_behavioral_assay, no_locomotor_control.
fn assay_battery(c: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    let efficacy: Vec<&Assay> = c
        .tests
        .iter()
        .map(|(_, a)| *a)
        .filter(|a| !a.safety && !a.locomotor && a.pretest_for.is_none())
        .collect();
    let mut names: Vec<&str> = efficacy.iter().map(|a| a.name.as_str()).collect();
    names.sort();
    names.dedup();
    if names.len() == 1 {
        let a = efficacy[0];
        out.push(
            Finding::new(
                "single_behavioral_assay",
                Severity::Warning,
                format!(
                    "one behavioural assay only ({}){}",
                    a.display_name,
                    if a.ceiling {
                        ": it has a ceiling, so higher doses cannot show more effect"
                    } else {
                        ""
                    }
                ),
                a.source.clone(),
            )
            .with_suggestion(
                "add an assay of another construct, e.g. sucrose preference (anhedonia)",
            ),
        );
    }
    let despair = c.tests.iter().any(|(_, a)| a.despair);
    let locomotor = c.tests.iter().any(|(_, a)| a.locomotor);
    if despair && !locomotor {
        out.push(
            Finding::new(
                "no_locomotor_control",
                Severity::Warning,
                "a despair test without an open-field or locomotor measure: reduced immobility could be hyperactivity",
                "PRUT",
            )
            .with_suggestion("add an open field test in the same animals before the despair test"),
        );
    }
    out
}

/// The pre-tests a scenario's tests need in its species and lacks: (test, its rule, the day
/// the pre-test belongs on). `design` adds these to the timeline; lint reports them.
pub fn missing_pretests<'a>(
    pre: &'a Preclinical,
    sc: &PreclinicalScenario,
    species: &str,
) -> Vec<(&'a Assay, &'a crate::monograph::PretestRule, i64, &'a Assay)> {
    let mut out = Vec::new();
    for t in &sc.tests {
        let Some(a) = pre.assays.iter().find(|a| a.name == t.assay) else {
            continue;
        };
        let Some(rule) = &a.pretest else { continue };
        if !rule.species.iter().any(|s| s == species) {
            continue;
        }
        let day = t.day as i64 - rule.days_before as i64;
        let present = sc
            .tests
            .iter()
            .any(|x| x.assay == rule.assay && x.day as i64 == day);
        if present {
            continue;
        }
        if let Some(p) = pre.assays.iter().find(|x| x.name == rule.assay) {
            out.push((a, rule, day, p));
        }
    }
    out
}

/// forced_swim_pretest_missing: a rat forced swim test without its 15-min pre-test the day
/// before (Porsolt 1978).
fn forced_swim_pretest(c: &Context) -> Vec<Finding> {
    missing_pretests(c.pre, c.sc, c.r.species.as_str())
        .into_iter()
        .map(|(a, rule, day, p)| {
            Finding::new(
                format!("{}_pretest_missing", a.name),
                Severity::Warning,
                format!(
                    "the {} in {}s needs its {} on day {day} ({} day(s) before the test); the scenario has none",
                    a.display_name,
                    c.r.species.as_str(),
                    p.display_name,
                    rule.days_before
                ),
                rule.source.clone(),
            )
            .with_suggestion(format!(
                "add [[tests]] assay = \"{}\", day = {day}, at the hour of the test",
                rule.assay
            ))
        })
        .collect()
}

/// underpowered: the stated n per group below the minimum power for the stated effect.
fn power(c: &Context) -> Result<Vec<Finding>> {
    let (Some(n), Some(e)) = (c.sc.study.n_per_group, &c.sc.endpoint) else {
        return Ok(Vec::new());
    };
    let rules = &c.pre.design_rules;
    let groups = c.sc.groups.len();
    let completers = n as f64 * (1.0 - e.attrition);
    let power = e.power_at(groups, completers)?;
    if power >= rules.min_power_fraction.value {
        return Ok(Vec::new());
    }
    Ok(vec![Finding::new(
        "underpowered",
        Severity::Warning,
        format!(
            "{n} per group ({completers:.1} completers) gives power {power:.2} for the stated effect ({}), below {}",
            e.effect_text(groups)?,
            rules.min_power_fraction.value
        ),
        rules.min_power_fraction.source.clone(),
    )
    .with_suggestion("use the n per group from `levodose design preclinical`")])
}

/// serotonin_driven_model (info): the disease model or an assay depends mainly on serotonin.
fn serotonin_models(c: &Context) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    if let Some(key) = &c.sc.study.model {
        let model_entry = c
            .pre
            .models
            .iter()
            .find(|x| &x.name == key)
            .ok_or_else(|| {
                crate::error::Error::input(
                    "study.model",
                    format!(
                        "unknown model \"{key}\"; allowed: {}",
                        c.pre
                            .models
                            .iter()
                            .map(|x| x.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
        if model_entry.serotonin_driven {
            let ic50 = |v: &Option<crate::monograph::Value>| {
                v.as_ref()
                    .map(|v| v.value.to_string())
                    .unwrap_or_else(|| "?".into())
            };
            out.push(Finding::new(
                "serotonin_driven_model",
                Severity::Info,
                format!(
                    "{}: {}; {} prefers NET functionally (uptake IC50 NE {} vs 5-HT {} nM)",
                    model_entry.display_name,
                    model_entry.rationale,
                    c.m.compound.name,
                    ic50(&c.m.targets.net_ic50_nm),
                    ic50(&c.m.targets.sert_ic50_nm)
                ),
                model_entry.source.clone(),
            ));
        }
    }
    for (_, a) in &c.tests {
        if a.serotonin_driven {
            out.push(Finding::new(
                "serotonin_driven_model",
                Severity::Info,
                format!(
                    "{} depends mainly on serotonin; a NET-preferring drug may separate poorly",
                    a.display_name
                ),
                a.source.clone(),
            ));
        }
    }
    Ok(out)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
