//! One subject's covariates and the individual PK parameters they imply.
//!
//! Clearance by renal function and CYP3A4 co-medication:
//!   CL = CL_ref [fe rr + g(CrCl) ((1 - fe - fm) + fm r)],   V = V_ref v(CrCl)
//! with fe the renal fraction, rr = CrCl / CrCl_ref (renal clearance follows CrCl), fm the CYP3A4
//! fraction and r the remaining CYP3A4 activity. Non-renal clearance and volume fall with renal
//! function as sigmoid Emax curves, g = 1 - Imax_nr s and v = 1 - Imax_v s with
//! s = 1 / (1 + (CrCl / CrCl50)^hill): the renal-impairment study shows a threshold (normal non-renal
//! clearance in mild impairment, about 0.7 of normal from moderate down), not a line. Without renal
//! or interaction data in the monograph the corresponding factor is 1.

use crate::error::{check_limit, Error, Result};
use crate::interactions::{self, ResolvedComed};
use crate::limits;
use crate::monograph::{Monograph, RenalModel};
use crate::pk::PkParams;
use serde::{Deserialize, Serialize};

/// Covariates of one subject. None = the monograph's typical subject.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    #[serde(default)]
    pub weight_kg: Option<f64>,
    #[serde(default)]
    pub crcl_ml_per_min: Option<f64>,
    #[serde(default)]
    pub comedications: Vec<String>,
}

/// User overrides of the typical PK parameters (scenario `[pk]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PkOverride {
    pub clearance_l_per_h: Option<f64>,
    pub volume_l: Option<f64>,
    pub ka_per_h: Option<f64>,
    pub bioavailability: Option<f64>,
    pub lag_h: Option<f64>,
    pub intercompartmental_clearance_l_per_h: Option<f64>,
    pub peripheral_volume_l: Option<f64>,
}

/// Clearance from a day on (a co-medication with a day range starts, builds up, fades or stops).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClearanceChange {
    pub day: u32,
    pub time_h: f64,
    pub clearance_l_per_h: f64,
    /// CL / CL_typical from renal function and co-medication on this day.
    pub clearance_factor: f64,
}

/// Individual parameters with the reasons they differ from the typical subject.
#[derive(Debug, Clone, Serialize)]
pub struct Individual {
    /// Parameters on day 1 (co-medications with a later start are not yet active).
    pub params: PkParams,
    /// CL / CL_typical from renal function and co-medication on day 1.
    pub clearance_factor: f64,
    /// V / V_typical from renal function.
    pub volume_factor: f64,
    /// Later clearance changes from co-medications with day ranges (empty if none).
    pub clearance_changes: Vec<ClearanceChange>,
    pub comedications: Vec<ResolvedComed>,
    pub notes: Vec<String>,
}

impl Subject {
    pub fn validate(&self) -> Result<()> {
        if let Some(w) = self.weight_kg {
            check_limit("weight_kg", w, limits::BODY_WEIGHT_KG)?;
        }
        if let Some(c) = self.crcl_ml_per_min {
            check_limit("crcl_ml_per_min", c, limits::CRCL_ML_PER_MIN)?;
        }
        Ok(())
    }
}

/// Checks user-given PK values against the monograph's physiological bounds (`[pk_bounds]`);
/// the error states the bound and why it is there.
pub fn check_pk_override(m: &Monograph, over: &PkOverride) -> Result<()> {
    let Some(b) = &m.pk_bounds else {
        return Ok(());
    };
    let checks = [
        (
            "clearance_l_per_h",
            over.clearance_l_per_h,
            &b.clearance_min_l_per_h,
            &b.clearance_max_l_per_h,
        ),
        (
            "intercompartmental_clearance_l_per_h",
            over.intercompartmental_clearance_l_per_h,
            &b.clearance_min_l_per_h,
            &b.clearance_max_l_per_h,
        ),
        ("volume_l", over.volume_l, &b.volume_min_l, &b.volume_max_l),
        (
            "peripheral_volume_l",
            over.peripheral_volume_l,
            &b.volume_min_l,
            &b.volume_max_l,
        ),
        ("ka_per_h", over.ka_per_h, &b.ka_min_per_h, &b.ka_max_per_h),
    ];
    for (name, value, lo, hi) in checks {
        let Some(v) = value else { continue };
        let reason = if !v.is_finite() {
            None
        } else if v < lo.value {
            Some(lo)
        } else if v > hi.value {
            Some(hi)
        } else {
            continue;
        };
        let why = reason
            .map(|r| {
                format!(
                    " (the limit it crosses, {} {}: {})",
                    r.value, r.unit, r.note
                )
            })
            .unwrap_or_default();
        return Err(Error::input(
            format!("pk.{name}"),
            format!(
                "{v} {} is outside the physiological range {} to {} {}{why}; source: {} pk_bounds ({})",
                lo.unit, lo.value, hi.value, hi.unit, m.compound.name, lo.status
            ),
        ));
    }
    Ok(())
}

/// Typical human parameters of the monograph with the user's overrides applied.
pub fn typical_human(m: &Monograph, over: &PkOverride) -> Result<PkParams> {
    check_pk_override(m, over)?;
    let h = &m.human;
    let peripheral = match (
        over.intercompartmental_clearance_l_per_h.or(h.intercompartmental_clearance_l_per_h.as_ref().map(|v| v.value)),
        over.peripheral_volume_l.or(h.peripheral_volume_l.as_ref().map(|v| v.value)),
    ) {
        (Some(q), Some(v2)) => Some((q, v2)),
        (None, None) => None,
        _ => {
            return Err(Error::input(
                "pk",
                "a two-compartment model needs both intercompartmental_clearance_l_per_h and peripheral_volume_l",
            ))
        }
    };
    let p = PkParams {
        clearance_l_per_h: over.clearance_l_per_h.unwrap_or(h.clearance_l_per_h.value),
        volume_l: over.volume_l.unwrap_or(h.volume_l.value),
        ka_per_h: over.ka_per_h.unwrap_or(h.ka_per_h.value),
        bioavailability: over
            .bioavailability
            .unwrap_or(h.bioavailability_fraction.value),
        lag_h: over
            .lag_h
            .unwrap_or(h.lag_h.as_ref().map(|v| v.value).unwrap_or(0.0)),
        peripheral,
    };
    p.validate()?;
    Ok(p)
}

/// s(CrCl) = 1 / (1 + (CrCl / CrCl50)^hill): the share of the largest fall reached at this CrCl.
fn renal_shape(m: &Monograph, crcl_ml_per_min: Option<f64>) -> Option<(f64, &RenalModel)> {
    let model = m.human.renal_model.as_ref()?;
    let c = crcl_ml_per_min?;
    let s = 1.0 / (1.0 + (c.max(0.0) / model.crcl50_ml_per_min.value).powf(model.hill.value));
    Some((s, model))
}

/// Non-renal clearance relative to normal renal function, g(CrCl).
pub fn nonrenal_factor(m: &Monograph, crcl_ml_per_min: Option<f64>) -> f64 {
    renal_shape(m, crcl_ml_per_min)
        .map(|(s, model)| 1.0 - model.nonrenal_imax_fraction.value * s)
        .unwrap_or(1.0)
}

/// Apparent volume relative to normal renal function, v(CrCl) (a derived covariate; see the
/// monograph note of `volume_imax_fraction`).
pub fn volume_factor(m: &Monograph, crcl_ml_per_min: Option<f64>) -> f64 {
    renal_shape(m, crcl_ml_per_min)
        .map(|(s, model)| 1.0 - model.volume_imax_fraction.value * s)
        .unwrap_or(1.0)
}

/// Clearance multiplier for renal function `crcl` and remaining CYP3A4 activity `r`.
pub fn clearance_factor(m: &Monograph, crcl_ml_per_min: Option<f64>, r: f64) -> f64 {
    let h = &m.human;
    let fe = h.renal_fraction.as_ref().map(|v| v.value).unwrap_or(0.0);
    let fm = h
        .fm_cyp3a4_fraction
        .as_ref()
        .map(|v| v.value)
        .unwrap_or(0.0);
    let rr = match (crcl_ml_per_min, &h.crcl_reference_ml_per_min) {
        (Some(c), Some(reference)) => c / reference.value,
        _ => 1.0,
    };
    let g = nonrenal_factor(m, crcl_ml_per_min);
    fe * rr + g * ((1.0 - fe - fm) + fm * r)
}

/// `clearance_factor`, refusing a combination that leaves no clearance. Every path (one subject,
/// populations, parameter tables, optimize) goes through here so they agree.
pub fn checked_clearance_factor(
    m: &Monograph,
    crcl_ml_per_min: Option<f64>,
    r: f64,
) -> Result<f64> {
    let factor = clearance_factor(m, crcl_ml_per_min, r);
    if !(factor.is_finite() && factor > 0.0) {
        return Err(Error::input(
            "crcl_ml_per_min",
            "renal function and co-medication leave no clearance; check the inputs",
        ));
    }
    Ok(factor)
}

/// Individual human parameters for `subject` over a run of `days` days.
pub fn individual_human(m: &Monograph, subject: &Subject, over: &PkOverride) -> Result<Individual> {
    individual_human_over(m, subject, over, 1)
}

/// `individual_human` with the clearance schedule of co-medications with day ranges over `days`.
pub fn individual_human_over(
    m: &Monograph,
    subject: &Subject,
    over: &PkOverride,
    days: u32,
) -> Result<Individual> {
    subject.validate()?;
    let typical = typical_human(m, over)?;
    let comeds = interactions::resolve(m, &subject.comedications)?;
    let crcl = subject.crcl_ml_per_min;
    let onset = interactions::onset_days(m);
    let day_factor = |day: u32| {
        checked_clearance_factor(m, crcl, interactions::activity_on_day(&comeds, day, onset))
    };
    let factor = day_factor(1)?;
    let v_factor = volume_factor(m, crcl);
    let mut changes = Vec::new();
    let mut last = factor;
    for day in 2..=days.max(1) {
        let f = day_factor(day)?;
        if (f - last).abs() > 1e-12 {
            changes.push(ClearanceChange {
                day,
                time_h: (day - 1) as f64 * 24.0,
                clearance_l_per_h: typical.clearance_l_per_h * f,
                clearance_factor: f,
            });
            last = f;
        }
    }
    let mut params = typical;
    params.clearance_l_per_h *= factor;
    params.volume_l *= v_factor;
    Ok(Individual {
        params,
        clearance_factor: factor,
        volume_factor: v_factor,
        clearance_changes: changes,
        notes: individual_notes(m, subject, &comeds, v_factor),
        comedications: comeds,
    })
}

fn individual_notes(
    m: &Monograph,
    subject: &Subject,
    comeds: &[ResolvedComed],
    v_factor: f64,
) -> Vec<String> {
    let mut notes = Vec::new();
    if subject.crcl_ml_per_min.is_some() && m.human.crcl_reference_ml_per_min.is_none() {
        notes.push(format!(
            "{} has no renal-function data; CrCl does not change its clearance",
            m.compound.name
        ));
    }
    if (v_factor - 1.0).abs() > 1e-9 {
        notes.push(format!(
            "V/F x {v_factor:.3} at CrCl {} mL/min: derived covariate fitted to the renal-impairment half-lives (monograph human.renal_model)",
            subject.crcl_ml_per_min.unwrap_or(f64::NAN)
        ));
    }
    for c in comeds.iter().filter(|c| c.cyp3a4_activity.is_some()) {
        notes.push(format!("{}: {}", c.label(), c.basis));
    }
    if comeds
        .iter()
        .filter(|c| c.cyp3a4_activity.is_some())
        .count()
        > 1
    {
        notes.push(
            "several CYP3A4 perpetrators: remaining activities multiplied (an assumption)".into(),
        );
    }
    notes
}
