//! Toxicity ceilings for rodent doses: every translated, designed or linted dose is compared with
//! the monograph's `[[preclinical.toxicology]]` limits. An LD50 caps the dose per administration
//! (error above the `ld50_error_fraction` of it); a NOAEL (or, where none is published, a LOAEL)
//! caps the daily dose (warning). A limit published for another rodent species is carried over
//! by body-surface-area scaling (FDA Km factors), and the finding says so, because a missing
//! species limit must not mean "no limit".

use super::species::{self, Species};
use crate::error::Result;
use crate::finding::{Finding, Severity};
use crate::monograph::{Monograph, ToxicologyKind, ToxicologyLimit};
use serde::Serialize;

/// A toxicity limit expressed for one species.
#[derive(Debug, Clone, Serialize)]
pub struct AppliedLimit {
    pub kind: ToxicologyKind,
    /// The limit in the target species, mg/kg (per dose for an LD50, per day otherwise).
    pub dose_mg_per_kg: f64,
    /// Species, route and compound of the published value.
    pub published_species: String,
    pub published_route: String,
    pub published_dose_mg_per_kg: f64,
    pub compound_tested: String,
    pub endpoint: String,
    pub source: String,
    /// "scaled by body surface area from rat (Km 6 -> 3)" when carried over, else None.
    pub scaled: Option<String>,
}

impl AppliedLimit {
    fn describe(&self) -> String {
        let mut s = format!(
            "{} {} {} of {} ({}, {} mg/kg)",
            self.published_species,
            self.published_route,
            self.kind.as_str(),
            self.compound_tested,
            self.endpoint,
            fmt(self.published_dose_mg_per_kg)
        );
        if let Some(sc) = &self.scaled {
            s.push_str(&format!("; {sc}: {} mg/kg", fmt(self.dose_mg_per_kg)));
        }
        s
    }
}

fn fmt(x: f64) -> String {
    format!("{}", (x * 10.0).round() / 10.0)
}

fn apply(m: &Monograph, t: &ToxicologyLimit, to: Species) -> Result<Option<AppliedLimit>> {
    let from = match Species::parse(&t.species) {
        Ok(s) => s,
        Err(_) => return Ok(None),
    };
    let (dose, scaled) = if from == to {
        (t.dose_mg_per_kg.value, None)
    } else {
        let km_from = species::species_data(m, from)?.km_kg_per_m2.value;
        let km_to = species::species_data(m, to)?.km_kg_per_m2.value;
        (
            t.dose_mg_per_kg.value * km_from / km_to,
            Some(format!(
                "derived: scaled by body surface area from {} to {} (Km {km_from} / {km_to})",
                from.as_str(),
                to.as_str()
            )),
        )
    };
    Ok(Some(AppliedLimit {
        kind: t.kind,
        dose_mg_per_kg: dose,
        published_species: t.species.clone(),
        published_route: t.route.clone(),
        published_dose_mg_per_kg: t.dose_mg_per_kg.value,
        compound_tested: t.compound_tested.clone(),
        endpoint: t.endpoint.clone(),
        source: t.dose_mg_per_kg.source.clone(),
        scaled,
    }))
}

/// The lowest limit of each kind for `species`: its own published value if any, else the value
/// of another rodent scaled by body surface area. An LD50 first, then the daily limit (NOAEL,
/// else LOAEL).
pub fn limits_for(m: &Monograph, sp: Species) -> Result<Vec<AppliedLimit>> {
    let pre = species::preclinical(m)?;
    let mut out = Vec::new();
    for kinds in [
        &[ToxicologyKind::Ld50][..],
        &[ToxicologyKind::Noael][..],
        &[ToxicologyKind::Loael][..],
    ] {
        let candidates: Vec<&ToxicologyLimit> = pre
            .toxicology
            .iter()
            .filter(|t| kinds.contains(&t.kind))
            .collect();
        let own: Vec<&&ToxicologyLimit> = candidates
            .iter()
            .filter(|t| t.species == sp.as_str())
            .collect();
        let pool: Vec<&ToxicologyLimit> = if own.is_empty() {
            candidates
        } else {
            own.into_iter().copied().collect()
        };
        let mut best: Option<AppliedLimit> = None;
        for t in pool {
            if let Some(a) = apply(m, t, sp)? {
                if best
                    .as_ref()
                    .is_none_or(|b| a.dose_mg_per_kg < b.dose_mg_per_kg)
                {
                    best = Some(a);
                }
            }
        }
        if let Some(b) = best {
            // A LOAEL only stands in when no NOAEL exists.
            if b.kind == ToxicologyKind::Loael
                && out
                    .iter()
                    .any(|x: &AppliedLimit| x.kind == ToxicologyKind::Noael)
            {
                continue;
            }
            out.push(b);
        }
    }
    Ok(out)
}

/// A dose to check: what it is (for the message), per administration and per day (mg/kg base).
#[derive(Debug, Clone)]
pub struct DoseToCheck {
    pub what: String,
    pub per_dose_mg_per_kg: f64,
    pub daily_mg_per_kg: f64,
}

/// `dose_above_ld50_fraction` (error) and `dose_above_toxicity_level` (warning) for each dose.
pub fn check(m: &Monograph, sp: Species, doses: &[DoseToCheck]) -> Result<Vec<Finding>> {
    let pre = species::preclinical(m)?;
    let fraction = pre.design_rules.ld50_error_fraction.value;
    let limits = limits_for(m, sp)?;
    let mut out = Vec::new();
    for l in &limits {
        match l.kind {
            ToxicologyKind::Ld50 => {
                let cap = fraction * l.dose_mg_per_kg;
                let over: Vec<String> = doses
                    .iter()
                    .filter(|d| d.per_dose_mg_per_kg > cap)
                    .map(|d| format!("{} {} mg/kg per dose", d.what, fmt3(d.per_dose_mg_per_kg)))
                    .collect();
                if !over.is_empty() {
                    out.push(
                        Finding::new(
                            "dose_above_ld50_fraction",
                            Severity::Error,
                            format!(
                                "{} above {fraction} x the LD50 = {} mg/kg in the {} ({})",
                                over.join("; "),
                                fmt(cap),
                                sp.as_str(),
                                l.describe()
                            ),
                            l.source.clone(),
                        )
                        .with_suggestion("do not dose this: choose a more frequent schedule or a minipump (lower dose per administration), or match a lower human exposure"),
                    );
                }
            }
            ToxicologyKind::Noael | ToxicologyKind::Loael => {
                let over: Vec<String> = doses
                    .iter()
                    .filter(|d| d.daily_mg_per_kg > l.dose_mg_per_kg)
                    .map(|d| format!("{} {} mg/kg/day", d.what, fmt3(d.daily_mg_per_kg)))
                    .collect();
                if !over.is_empty() {
                    out.push(
                        Finding::new(
                            "dose_above_toxicity_level",
                            Severity::Warning,
                            format!(
                                "{} above the {} of {} mg/kg/day in the {} ({})",
                                over.join("; "),
                                l.kind.as_str(),
                                fmt(l.dose_mg_per_kg),
                                sp.as_str(),
                                l.describe()
                            ),
                            l.source.clone(),
                        )
                        .with_suggestion("expect toxicity at this dose; run a tolerability pilot or lower the dose"),
                    );
                }
            }
        }
    }
    Ok(out)
}

fn fmt3(x: f64) -> String {
    format!("{}", (x * 1000.0).round() / 1000.0)
}
