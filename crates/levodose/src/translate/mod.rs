//! Preclinical translation: species PK (measured or allometric),
//! exposure matching of a human steady-state metric, test timing, body-surface-area comparison,
//! dose-range design and dose preparation.

pub mod dose_range;
pub mod exposure_match;
pub mod measured;
pub mod preparation;
pub mod species;
pub mod toxicology;

pub use exposure_match::{Levels, Metric, Periodic, Schedule, Window};
pub use species::{AnimalRoute, Species, SpeciesModel, SpeciesPkOverride};

use crate::error::{Error, Result};
use crate::finding::{Finding, Severity};
use crate::monograph::Monograph;
use crate::occupancy::{Basis, OccupancyModel};
use crate::regimen::{DoseEvent, Frequency, ResolveContext, Route};
use crate::subject::{typical_human, PkOverride};
use serde::Serialize;

/// A translation question.
#[derive(Debug, Clone)]
pub struct Request {
    pub species: Species,
    pub route: AnimalRoute,
    /// Human regimen to match, e.g. "80mg qd" (its maintenance segment at steady state).
    pub human_regimen: String,
    pub metric: Metric,
    pub weight_kg: Option<f64>,
    pub basis: Basis,
    pub pk: SpeciesPkOverride,
    /// The user doses the salt: report what to weigh as salt.
    pub weigh_salt: bool,
    /// Dosing volume (mL/kg); None = the species/route default.
    pub dose_volume_ml_per_kg: Option<f64>,
}

/// One animal schedule that matches the human level.
#[derive(Debug, Clone, Serialize)]
pub struct OptionOut {
    pub frequency: Schedule,
    pub route: AnimalRoute,
    /// Free base, per administration (per day for a minipump).
    pub dose_mg_per_kg: f64,
    pub daily_dose_mg_per_kg: f64,
    pub dose_salt_mg_per_kg: Option<f64>,
    pub trough: f64,
    pub peak: f64,
    pub average: f64,
    pub trough_to_peak_ratio: f64,
    /// Hours per 24 h (all doses of the day) with the metric's instantaneous quantity at or
    /// above the human level; 24 for a minipump.
    pub hours_at_or_above_human: f64,
    /// Hours after each dose (one dosing interval) with the quantity at or above the human
    /// level; None for a minipump (continuous exposure, no dose to time a test from).
    pub test_window_h: Option<Window>,
    pub tmax_h: Option<f64>,
    /// Steady-state profile over 24 h: (time h, metric quantity).
    #[serde(skip)]
    pub profile: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Recommended {
    pub frequency: Schedule,
    pub dose_mg_per_kg: f64,
    pub route: AnimalRoute,
}

/// The answer of `translate`; field names are the JSON interface.
#[derive(Debug, Clone, Serialize)]
pub struct Translation {
    pub compound: String,
    pub species: Species,
    pub route: AnimalRoute,
    pub weight_kg: f64,
    pub metric: Metric,
    pub metric_unit: &'static str,
    pub human_regimen: String,
    pub human_level: f64,
    pub species_half_life_h: f64,
    pub species_parameters: crate::pk::PkParams,
    pub options: Vec<OptionOut>,
    pub recommended: Recommended,
    pub test_window_h: Option<Window>,
    pub tmax_h: Option<f64>,
    pub bsa_scaled_dose_mg_per_kg: f64,
    pub preparation: Option<preparation::Preparation>,
    pub findings: Vec<Finding>,
    pub assumptions: Vec<String>,
    pub notes: Vec<String>,
    pub research_note: &'static str,
}

/// Human steady-state value of `metric` for a regimen text, with the human occupancy model;
/// returns (value, the parsed regimen as text, the maintenance daily free-base dose in mg/day).
/// mg/kg human doses resolve at the monograph's human reference weight.
pub fn human_level(
    m: &Monograph,
    regimen_text: &str,
    metric: Metric,
    basis: Basis,
) -> Result<(f64, String, f64)> {
    let reg = crate::simulate::parse_regimen(m, regimen_text)?;
    let seg = reg
        .maintenance()
        .ok_or_else(|| Error::input("match", "the regimen has no dose"))?;
    let tau = match seg.frequency {
        Frequency::EveryHours(h) => h,
        Frequency::Once => {
            return Err(Error::input(
                "match",
                "a repeated human regimen such as \"80mg qd\" (steady state)",
            ))
        }
    };
    if seg.route != Route::Po {
        return Err(Error::input(
            "match",
            "the human regimen must be oral (the marketed capsule)",
        ));
    }
    let ctx = ResolveContext {
        weight_kg: Some(m.human.weight_reference_kg.value),
        molar_mass_base: m.compound.molar_mass_base_g_per_mol.value,
        molar_mass_salt: m.salt_molar_mass(),
        days: 1,
    };
    let mg = crate::label::segment_base_mg(seg, &ctx)
        .ok_or_else(|| Error::input("match", "cannot resolve the human dose"))?;
    let daily_mg = crate::label::daily_mg(seg, &ctx)
        .ok_or_else(|| Error::input("match", "cannot resolve the human dose"))?;
    let params = typical_human(m, &PkOverride::default())?;
    let occ = OccupancyModel::from_monograph(m, basis, None, None)?;
    let p = exposure_match::periodic(
        &params,
        &DoseEvent {
            time_h: 0.0,
            amount_mg: mg,
            route: Route::Po,
            infusion_h: None,
        },
        tau,
    )?;
    let mut v = p.metric(metric, &occ);
    if metric == Metric::FreeAuc24 {
        // AUC over 24 h for any human interval.
        v = occ.free_ng_per_ml(p.cavg_ng_per_ml) * 24.0;
    }
    Ok((v, reg.to_string(), daily_mg))
}

/// Human oral daily free-base dose (mg/day) whose steady-state free Cavg is `free_ng_per_ml`,
/// with the typical human PK (bioavailability included) and unbound fraction. Linear PK: the
/// free Cavg of a 1 mg once-daily reference regimen is scaled.
pub fn human_daily_mg_for_free_cavg(m: &Monograph, free_ng_per_ml: f64) -> Result<f64> {
    let params = typical_human(m, &PkOverride::default())?;
    let occ = OccupancyModel::from_monograph(m, Basis::Ki, None, None)?;
    let p = exposure_match::periodic(
        &params,
        &DoseEvent {
            time_h: 0.0,
            amount_mg: 1.0,
            route: Route::Po,
            infusion_h: None,
        },
        24.0,
    )?;
    let per_mg = occ.free_ng_per_ml(p.cavg_ng_per_ml);
    if !(per_mg.is_finite() && per_mg > 0.0) {
        return Err(Error::Numerical(
            "human free Cavg per mg is not positive".into(),
        ));
    }
    Ok(free_ng_per_ml / per_mg)
}

fn option_for(
    model: &SpeciesModel,
    schedule: Schedule,
    metric: Metric,
    level: f64,
    salt_factor: Option<f64>,
) -> Result<OptionOut> {
    let dose = exposure_match::solve_dose(model, schedule, metric, level)?;
    let p = exposure_match::animal_periodic(model, schedule, dose)?;
    let occ = &model.occupancy;
    let l = p.levels(metric, occ);
    let inst_level = metric.instantaneous_level(level);
    let per_day = if schedule == Schedule::Minipump {
        1.0
    } else {
        schedule.doses_per_day()
    };
    let continuous = schedule == Schedule::Minipump;
    let mut profile = Vec::new();
    for k in 0..per_day as usize {
        let off = k as f64 * p.tau_h;
        profile.extend(
            p.samples
                .iter()
                .map(|&(t, c)| (t + off, metric.instantaneous(occ, c))),
        );
    }
    Ok(OptionOut {
        frequency: schedule,
        route: if continuous {
            AnimalRoute::Minipump
        } else {
            model.route
        },
        dose_mg_per_kg: dose,
        daily_dose_mg_per_kg: dose * per_day,
        dose_salt_mg_per_kg: salt_factor.map(|f| dose * f),
        trough: l.trough,
        peak: l.peak,
        average: l.average,
        trough_to_peak_ratio: if l.peak > 0.0 { l.trough / l.peak } else { 0.0 },
        // A minipump holds the matched level all day by construction (its dose solves
        // average = level); sample ripple around a flat line must not read as hours below it.
        hours_at_or_above_human: if continuous {
            24.0
        } else {
            p.hours_at_or_above(metric, occ, inst_level) * per_day
        },
        // No dose, no window after it: the pump's exposure is continuous.
        test_window_h: if continuous {
            None
        } else {
            p.window(metric, occ, inst_level)
        },
        tmax_h: if continuous { None } else { Some(p.tmax_h) },
        profile,
    })
}

/// "once daily", "twice daily", "three times daily", "by minipump (per day)".
pub fn schedule_words(s: Schedule) -> &'static str {
    match s {
        Schedule::Qd => "once daily",
        Schedule::Bid => "twice daily",
        Schedule::Tid => "three times daily",
        Schedule::Minipump => "by minipump (per day)",
    }
}

/// Findings on whether the recommended dose is plausible: `implausible_recommendation` (further
/// than the monograph's fold from the body-surface-area dose, or above the published effective
/// range) and `below_published_effective_doses` (under every published minimum effective dose of
/// the species: the exposure match probably under-doses).
fn plausibility(
    m: &Monograph,
    req: &Request,
    rec: &OptionOut,
    bsa_mg_per_kg_day: f64,
    allometric: bool,
) -> Result<Vec<Finding>> {
    let pre = species::preclinical(m)?;
    let rules = &pre.design_rules;
    let mut out = Vec::new();
    let dose = rec.dose_mg_per_kg;
    let daily = rec.daily_dose_mg_per_kg;
    let what = format!("{dose:.3} mg/kg {}", schedule_words(rec.frequency));
    let fold = (daily / bsa_mg_per_kg_day).max(bsa_mg_per_kg_day / daily);
    let fold_max = rules.implausible_bsa_fold.value;
    if fold > fold_max {
        out.push(
            Finding::new(
                "implausible_recommendation",
                Severity::Warning,
                format!(
                    "the recommended {what} ({daily:.3} mg/kg/day) is {fold:.1}-fold from the body-surface-area dose {bsa_mg_per_kg_day:.2} mg/kg/day, more than the {fold_max}-fold plausibility limit"
                ),
                rules.implausible_bsa_fold.source.clone(),
            )
            .with_suggestion("check the metric (a trough target on a short half-life inflates the dose), prefer bid or a minipump, and measure plasma levels"),
        );
    }
    let meds: Vec<&crate::monograph::EffectiveDose> = pre
        .minimum_effective_doses
        .iter()
        .filter(|d| d.species == req.species.as_str())
        .collect();
    if let (Some(lo), Some(hi)) = (
        meds.iter()
            .min_by(|a, b| a.dose_mg_per_kg.value.total_cmp(&b.dose_mg_per_kg.value)),
        meds.iter()
            .max_by(|a, b| a.dose_mg_per_kg.value.total_cmp(&b.dose_mg_per_kg.value)),
    ) {
        let range_fold = rules.effective_range_fold.value;
        let top = hi.dose_mg_per_kg.value;
        if dose > range_fold * top {
            out.push(
                Finding::new(
                    "implausible_recommendation",
                    Severity::Warning,
                    format!(
                        "the recommended {what} is {:.1} x the highest published minimum effective dose in the {} ({}: {top} mg/kg {}), above the {range_fold} x limit of the published effective range",
                        dose / top,
                        req.species.as_str(),
                        hi.name,
                        hi.route
                    ),
                    hi.dose_mg_per_kg.source.clone(),
                )
                .with_suggestion("doses this high are not needed for effect in published studies; reconsider the matched metric"),
            );
        }
        if dose < lo.dose_mg_per_kg.value {
            let list: Vec<String> = meds
                .iter()
                .map(|d| format!("{} {} mg/kg {}", d.name, d.dose_mg_per_kg.value, d.route))
                .collect();
            out.push(
                Finding::new(
                    "below_published_effective_doses",
                    Severity::Warning,
                    format!(
                        "the recommended {what} is below every published minimum effective dose in the {} ({}){}",
                        req.species.as_str(),
                        list.join("; "),
                        if allometric {
                            ": allometric clearance probably under-predicts rodent clearance (rodents clear small, renally excreted drugs faster than W^0.75 scaling from human predicts), so the matched dose is likely too low. No rat or mouse clearance of levomilnacipran or racemic milnacipran was retrievable to use as a proxy (BAGCHI gives mouse i.p. Tmax and bioavailability only)"
                        } else {
                            ": the matched exposure may be lower than the exposure those studies reached"
                        }
                    ),
                    lo.dose_mg_per_kg.source.clone(),
                )
                .with_suggestion("measure plasma levels in a satellite group and give them under [pk] (--cl-l-per-h-per-kg, --v-l-per-kg), or bracket the published effective doses in a dose-range design"),
            );
        }
    }
    Ok(out)
}

/// Answers a translation request.
pub fn translate(m: &Monograph, req: &Request) -> Result<Translation> {
    let pre = species::preclinical(m)?;
    let rules = &pre.design_rules;
    let (level, human_regimen, human_daily) =
        human_level(m, &req.human_regimen, req.metric, req.basis)?;
    let model = species::resolve(m, req.species, req.route, req.weight_kg, req.basis, &req.pk)?;
    let salt_factor = m
        .salt_molar_mass()
        .map(|s| s / m.compound.molar_mass_base_g_per_mol.value);
    let mut options = Vec::new();
    if req.route != AnimalRoute::Minipump {
        for s in [Schedule::Qd, Schedule::Bid, Schedule::Tid] {
            options.push(option_for(&model, s, req.metric, level, salt_factor)?);
        }
    }
    let pump = species::resolve(
        m,
        req.species,
        AnimalRoute::Minipump,
        req.weight_kg,
        req.basis,
        &req.pk,
    )?;
    options.push(option_for(
        &pump,
        Schedule::Minipump,
        req.metric,
        level,
        salt_factor,
    )?);

    let ratio_min = rules.trough_to_peak_min_ratio.value;
    let mut findings = Vec::new();
    let qd = options.iter().find(|o| o.frequency == Schedule::Qd);
    if let Some(qd) = qd {
        if qd.trough_to_peak_ratio < ratio_min {
            findings.push(
                Finding::new(
                    "once_daily_short_half_life",
                    Severity::Warning,
                    format!(
                        "once daily, the {} trough ({:.3}) is below {ratio_min} x its peak ({:.3}): the {} half-life ({:.1} h) is too short for a 24-h interval",
                        req.metric.as_str(),
                        qd.trough,
                        qd.peak,
                        req.species.as_str(),
                        model.half_life_h
                    ),
                    rules.trough_to_peak_min_ratio.source.clone(),
                )
                .with_suggestion("dose twice daily or by osmotic minipump for chronic studies"),
            );
        }
    }
    // Least frequent practical schedule whose trough keeps half the peak; tid is shown but not
    // recommended (three injections a day for weeks are a stress confound); else a minipump.
    let rec = options
        .iter()
        .filter(|o| matches!(o.frequency, Schedule::Qd | Schedule::Bid))
        .find(|o| o.trough_to_peak_ratio >= ratio_min)
        .or_else(|| options.iter().find(|o| o.frequency == Schedule::Minipump))
        .ok_or_else(|| Error::Numerical("no schedule to recommend".into()))?
        .clone();

    // Body-surface-area scaling of the human daily dose (FDA 2005). The daily mg is the one
    // `human_level` resolved; the mg -> mg/kg conversion uses the FDA guidance's 60 kg human
    // reference (`[preclinical.bsa] human_reference_weight_kg`), as the Km factors assume it.
    if !(human_daily.is_finite() && human_daily > 0.0) {
        return Err(Error::input(
            "human_regimen",
            "the human daily dose must be positive for body-surface-area scaling",
        ));
    }
    let km = species::species_data(m, req.species)?.km_kg_per_m2.value;
    let bsa = human_daily / pre.bsa.human_reference_weight_kg.value
        * pre.bsa.human_km_kg_per_m2.value
        / km;
    if !(bsa.is_finite() && bsa > 0.0 && rec.daily_dose_mg_per_kg > 0.0) {
        return Err(Error::input(
            "human_regimen",
            "body-surface-area scaling and exposure matching need positive daily doses",
        ));
    }
    let fold = (rec.daily_dose_mg_per_kg / bsa).max(bsa / rec.daily_dose_mg_per_kg);
    let fold_max = rules.bsa_disagreement_fold.value;
    if fold > fold_max {
        findings.push(Finding::new(
            "bsa_scaling_disagrees",
            Severity::Info,
            format!(
                "body-surface-area scaling gives {bsa:.2} mg/kg/day, exposure matching {:.2} mg/kg/day ({fold:.1}-fold apart, more than {fold_max}-fold): BSA scaling ignores the species half-life and binding; prefer exposure matching, and measure plasma levels",
                rec.daily_dose_mg_per_kg
            ),
            pre.bsa.human_km_kg_per_m2.source.clone(),
        ));
    }
    findings.extend(plausibility(m, req, &rec, bsa, model.is_allometric())?);
    findings.extend(toxicology::check(
        m,
        req.species,
        &options
            .iter()
            .map(|o| toxicology::DoseToCheck {
                what: format!("{} {}", o.route.as_str(), schedule_words(o.frequency)),
                per_dose_mg_per_kg: o.dose_mg_per_kg,
                daily_mg_per_kg: o.daily_dose_mg_per_kg,
            })
            .collect::<Vec<_>>(),
    )?);
    if model.is_allometric() {
        findings.push(
            Finding::new(
                "allometric_assumption",
                Severity::Info,
                format!(
                    "assumed: allometric — no measured {} levomilnacipran PK; clearance and volume scaled from human (CL ~ W^{}, V ~ W^{}), half-life {:.1} h",
                    req.species.as_str(),
                    pre.allometry.clearance_exponent.value,
                    pre.allometry.volume_exponent.value,
                    model.half_life_h
                ),
                pre.allometry.clearance_exponent.source.clone(),
            )
            .with_suggestion("measure plasma levels in a satellite group and give them under [pk] in a scenario file"),
        );
    }
    let mut notes = Vec::new();
    for d in &pre.minimum_effective_doses {
        if d.species == req.species.as_str() && d.route == req.route.as_str() {
            notes.push(format!(
                "published minimum effective dose, {}: {} mg/kg {} ({})",
                d.name, d.dose_mg_per_kg.value, d.route, d.dose_mg_per_kg.source
            ));
        }
    }
    notes.push(format!(
        "recommended rule: the least frequent of qd, bid whose trough keeps {ratio_min} x the peak, else an osmotic minipump; tid is listed for comparison"
    ));
    if rec.frequency != Schedule::Minipump {
        notes.push("test window: hours after the dose (at steady state) with the metric at or above the human level; run acute tests near Tmax".into());
    }
    let preparation = if rec.frequency == Schedule::Minipump {
        None
    } else {
        let vol = match req.dose_volume_ml_per_kg.or(model.dose_volume_ml_per_kg) {
            Some(v) => v,
            None => {
                return Err(Error::input(
                    "dose_volume_ml_per_kg",
                    "no default dosing volume for this route; give one",
                ))
            }
        };
        Some(preparation::prepare(
            m,
            rec.dose_mg_per_kg,
            preparation::DoseForm::Base,
            req.weigh_salt,
            model.weight_kg,
            vol,
        )?)
    };
    Ok(Translation {
        compound: m.compound.name.clone(),
        species: req.species,
        route: req.route,
        weight_kg: model.weight_kg,
        metric: req.metric,
        metric_unit: req.metric.unit(),
        human_regimen,
        human_level: level,
        species_half_life_h: model.half_life_h,
        species_parameters: model.params,
        test_window_h: rec.test_window_h,
        tmax_h: rec.tmax_h,
        recommended: Recommended {
            frequency: rec.frequency,
            dose_mg_per_kg: rec.dose_mg_per_kg,
            route: rec.route,
        },
        options,
        bsa_scaled_dose_mg_per_kg: bsa,
        preparation,
        findings,
        assumptions: model.assumptions.clone(),
        notes,
        research_note: crate::RESEARCH_USE_NOTE,
    })
}
