//! Preclinical lint rules. Thresholds come from the monograph (`preclinical.design_rules`);
//! predictions from the species model (allometric unless the scenario gives measured PK).
//!
//! Codes: test_outside_exposure_window, once_daily_short_half_life, dose_range_narrow,
//! doses_on_plateau, single_behavioral_assay, no_locomotor_control, underpowered,
//! salt_form_unstated, serotonin_driven_model (info).

use crate::design::scenario::{abs_time_h, PreclinicalScenario, Resolved};
use crate::error::{Error, Result};
use crate::finding::{Finding, Severity};
use crate::monograph::{Assay, Monograph};
use crate::occupancy::Basis;
use crate::regimen::DoseEvent;
use crate::translate::dose_range::{self, DosePoint};
use crate::translate::exposure_match::animal_periodic;
use crate::translate::species::{self, SpeciesModel};
use crate::translate::{human_level, Metric, Schedule};

/// Looks up an assay by key; the error lists the allowed keys.
pub fn assay<'a>(m: &'a Monograph, key: &str, field: &str) -> Result<&'a Assay> {
    let pre = species::preclinical(m)?;
    pre.assays.iter().find(|a| a.name == key).ok_or_else(|| {
        Error::input(
            field,
            format!(
                "unknown assay \"{key}\"; allowed: {}",
                pre.assays
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

/// The metric whose transporter the plateau and trough checks use (NET unless the target is SERT).
fn occupancy_metric(target: Option<Metric>) -> Metric {
    match target {
        Some(Metric::SertOccupancyTrough | Metric::SertOccupancyAverage) => {
            Metric::SertOccupancyAverage
        }
        _ => Metric::NetOccupancyAverage,
    }
}

/// Total plasma concentration (ng/mL) at absolute time `t_h` for `dose_mg_per_kg` on the
/// scenario's schedule (exact multi-dose simulation).
pub fn conc_at(
    model: &SpeciesModel,
    sc: &PreclinicalScenario,
    schedule: Schedule,
    dose_mg_per_kg: f64,
    t_h: f64,
) -> Result<f64> {
    let amount = dose_mg_per_kg * model.weight_kg;
    let mut params = model.params;
    let doses: Vec<DoseEvent> = if schedule == Schedule::Minipump {
        let a = amount * params.bioavailability;
        params.bioavailability = 1.0;
        (0..sc.dosing.days)
            .map(|d| DoseEvent {
                time_h: d as f64 * 24.0,
                amount_mg: a,
                route: crate::regimen::Route::Iv,
                infusion_h: Some(24.0),
            })
            .collect()
    } else {
        sc.dose_times_h(schedule)
            .into_iter()
            .map(|t| DoseEvent {
                time_h: t,
                amount_mg: amount,
                route: model.route.engine_route(),
                infusion_h: None,
            })
            .collect()
    };
    // The value just after any dose at exactly t_h is wanted: nudge past it.
    Ok(crate::pk::concentrations(&params, &doses, &[t_h + 1e-9])?[0])
}

/// All preclinical findings for a scenario.
pub fn lint(m: &Monograph, sc: &PreclinicalScenario) -> Result<Vec<Finding>> {
    let Resolved {
        species: sp,
        route,
        schedule,
        metric,
    } = sc.validate()?;
    let pre = species::preclinical(m)?;
    let rules = &pre.design_rules;
    let basis = sc
        .target
        .as_ref()
        .and_then(|t| t.basis)
        .unwrap_or(Basis::Ki);
    let model = species::resolve(m, sp, route, sc.study.weight_kg, basis, &sc.pk)?;
    let doses = sc.drug_doses();
    let occ_metric = occupancy_metric(metric);
    let mut out = Vec::new();

    let tests: Vec<(&crate::design::scenario::Test, &Assay)> = sc
        .tests
        .iter()
        .enumerate()
        .map(|(i, t)| assay(m, &t.assay, &format!("tests[{i}].assay")).map(|a| (t, a)))
        .collect::<Result<_>>()?;

    // salt_form_unstated (only for a compound with a salt form: otherwise there is no ambiguity)
    if let (None, Some(salt_form)) = (&sc.dosing.dose_stated_as, m.compound.salt.as_ref()) {
        let salt = &salt_form.name;
        let salt_mm = salt_form.molar_mass_g_per_mol.value;
        out.push(
            Finding::new(
                "salt_form_unstated",
                Severity::Warning,
                format!("doses do not say whether they are free base or {salt}; the two differ by {:.1} %", 100.0 * (salt_mm / m.compound.molar_mass_base_g_per_mol.value - 1.0)),
                m.compound.molar_mass_base_g_per_mol.source.clone(),
            )
            .with_suggestion("set [dosing] dose_stated_as = \"base\" or \"salt\""),
        );
    }

    // dose_range_narrow, doses_on_plateau (peak occupancy at steady state: where acute tests run)
    if !doses.is_empty() {
        let points: Vec<DosePoint> = doses
            .iter()
            .map(|&d| {
                let p = animal_periodic(&model, schedule, d)?;
                Ok(DosePoint {
                    dose_mg_per_kg: d,
                    predicted: p.levels(occ_metric, &model.occupancy).peak,
                })
            })
            .collect::<Result<_>>()?;
        let what = format!(
            "levomilnacipran doses ({} peak occupancy at steady state)",
            if occ_metric == Metric::NetOccupancyAverage {
                "NET"
            } else {
                "SERT"
            }
        );
        let mut found = dose_range::check(&points, occ_metric, rules, &what);
        out.append(&mut found);
    }

    // once_daily_short_half_life
    if schedule == Schedule::Qd && sc.dosing.days > 1 {
        let ratio = rules.trough_to_peak_min_ratio.value;
        let mut low = Vec::new();
        for &d in &doses {
            let l = animal_periodic(&model, schedule, d)?.levels(occ_metric, &model.occupancy);
            if l.trough < ratio * l.peak {
                low.push(format!(
                    "{d} mg/kg: trough {:.0} % vs peak {:.0} %",
                    100.0 * l.trough,
                    100.0 * l.peak
                ));
            }
        }
        if !low.is_empty() {
            out.push(
                Finding::new(
                    "once_daily_short_half_life",
                    Severity::Warning,
                    format!(
                        "chronic once-daily dosing, but the {} half-life is {:.1} h{}: trough occupancy falls below {ratio} x the peak ({})",
                        sp.as_str(),
                        model.half_life_h,
                        match (&model.pk_source, model.is_allometric()) {
                            (Some(src), _) => format!(" ({src})"),
                            (None, true) => " (assumed: allometric)".to_string(),
                            (None, false) => String::new(),
                        },
                        low.join("; ")
                    ),
                    rules.trough_to_peak_min_ratio.source.clone(),
                )
                .with_suggestion("dose twice daily or use an osmotic minipump (`levodose translate` gives the doses)"),
            );
        }
    }

    // test_outside_exposure_window
    if !doses.is_empty() {
        let top = *doses.last().unwrap_or(&0.0);
        let target = match (&sc.target, metric) {
            (Some(t), Some(mt)) => Some((mt, human_level(m, &t.human_regimen, mt, basis)?.0)),
            _ => None,
        };
        let tmax = animal_periodic(&model, schedule, top)?.tmax_h;
        let far = tmax + rules.max_half_lives_after_tmax.value * model.half_life_h;
        let times = sc.dose_times_h(schedule);
        for (t, a) in &tests {
            if a.safety || a.duration_min.value / 60.0 >= schedule.tau_h() {
                continue; // long tests average over dosing intervals
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
            } else if at > sc.dosing.days as f64 * 24.0 {
                reasons.push("after the minipump period ends".into());
            }
            if let Some((mt, level)) = target {
                let c = conc_at(&model, sc, schedule, top, at)?;
                let q = mt.instantaneous(&model.occupancy, c);
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
                        format!("{} (day {}, {:02}:{:02}): {}", a.display_name, t.day, t.hour.floor() as u32, ((t.hour.fract()) * 60.0).round() as u32, reasons.join("; ")),
                        rules.max_half_lives_after_tmax.source.clone(),
                    )
                    .with_suggestion("dose on the test day and test within the window `levodose translate` reports, or dose by minipump"),
                );
            }
        }
    }

    // single_behavioral_assay, no_locomotor_control
    let efficacy: Vec<&&Assay> = tests
        .iter()
        .map(|(_, a)| a)
        .filter(|a| !a.safety && !a.locomotor)
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
    let despair = tests.iter().any(|(_, a)| a.despair);
    let locomotor = tests.iter().any(|(_, a)| a.locomotor);
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

    // underpowered
    if let (Some(n), Some(e)) = (sc.study.n_per_group, &sc.endpoint) {
        let completers = n as f64 * (1.0 - e.attrition);
        let power = crate::design::power_at(e, sc.groups.len(), completers)?;
        if power < rules.min_power_fraction.value {
            out.push(
                Finding::new(
                    "underpowered",
                    Severity::Warning,
                    format!(
                        "{n} per group ({completers:.1} completers) gives power {power:.2} for the stated effect ({}), below {}",
                        crate::design::effect_text(e, sc.groups.len())?,
                        rules.min_power_fraction.value
                    ),
                    rules.min_power_fraction.source.clone(),
                )
                .with_suggestion("use the n per group from `levodose design preclinical`"),
            );
        }
    }

    // serotonin_driven_model
    if let Some(key) = &sc.study.model {
        let model_entry = pre.models.iter().find(|x| &x.name == key).ok_or_else(|| {
            Error::input(
                "study.model",
                format!(
                    "unknown model \"{key}\"; allowed: {}",
                    pre.models
                        .iter()
                        .map(|x| x.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        if model_entry.serotonin_driven {
            out.push(Finding::new(
                "serotonin_driven_model",
                Severity::Info,
                format!(
                    "{}: {}; {} prefers NET functionally (uptake IC50 NE {} vs 5-HT {} nM)",
                    model_entry.display_name,
                    model_entry.rationale,
                    m.compound.name,
                    m.targets
                        .net_ic50_nm
                        .as_ref()
                        .map(|v| v.value.to_string())
                        .unwrap_or_else(|| "?".into()),
                    m.targets
                        .sert_ic50_nm
                        .as_ref()
                        .map(|v| v.value.to_string())
                        .unwrap_or_else(|| "?".into())
                ),
                model_entry.source.clone(),
            ));
        }
    }
    for (_, a) in &tests {
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
