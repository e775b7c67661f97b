//! Label rules as findings: dose caps (maximum, renal, strong CYP3A4 inhibitors), titration pace,
//! start dose, MAOIs and other contraindications, and stopping without a taper. The limits come
//! from the monograph's `[label]`; rules apply to humans only.

use crate::finding::{Finding, Severity};
use crate::interactions::ResolvedComed;
use crate::monograph::{ComedClass, Label, Monograph};
use crate::regimen::{Amount, Frequency, Regimen, ResolveContext, Segment};

/// What the rules look at besides the regimen.
pub struct LabelContext<'a> {
    pub species: &'a str,
    pub crcl_ml_per_min: Option<f64>,
    pub comedications: &'a [ResolvedComed],
    pub resolve: ResolveContext,
}

/// Free-base mg of one administration of `seg`, if it can be known.
pub fn segment_base_mg(seg: &Segment, ctx: &ResolveContext) -> Option<f64> {
    let mut mg = match seg.amount {
        Amount::Mg(x) => x,
        Amount::MgPerKg(x) => x * ctx.weight_kg?,
    };
    if seg.salt {
        mg = crate::units::salt_to_base_mg(mg, ctx.molar_mass_base, ctx.molar_mass_salt?);
    }
    Some(mg)
}

/// Daily free-base dose of a segment (mg/day).
pub fn daily_mg(seg: &Segment, ctx: &ResolveContext) -> Option<f64> {
    let per = segment_base_mg(seg, ctx)?;
    Some(match seg.frequency {
        Frequency::Once => per,
        Frequency::EveryHours(h) => per * 24.0 / h,
    })
}

/// The maximum maintenance dose (mg/day) the label allows for this context, with the rule's
/// code and source; None where the label does not recommend use at all (ESRD).
pub fn dose_cap(
    m: &Monograph,
    crcl: Option<f64>,
    comeds: &[ResolvedComed],
) -> Option<(f64, String)> {
    let label = m.label.as_ref()?;
    let mut cap = (
        label.max_maintenance_mg.value,
        format!(
            "label maximum {} mg once daily",
            label.max_maintenance_mg.value
        ),
    );
    if let Some(c) = crcl {
        if let Some(band) = renal_band(label, c) {
            if band.not_recommended {
                return None;
            }
            if let Some(x) = band.max_dose_mg {
                if x < cap.0 {
                    cap = (x, format!("CrCl {c} mL/min: {}", band.note));
                }
            }
        }
    }
    if comeds
        .iter()
        .any(|c| c.class == ComedClass::StrongCyp3a4Inhibitor)
    {
        let x = label.strong_cyp3a4_inhibitor_max_mg.value;
        if x < cap.0 {
            cap = (
                x,
                format!("strong CYP3A4 inhibitor: maximum {x} mg once daily"),
            );
        }
    }
    Some(cap)
}

fn renal_band(label: &Label, crcl: f64) -> Option<&crate::monograph::RenalCap> {
    label
        .renal
        .iter()
        .find(|b| crcl >= b.crcl_min_ml_per_min && crcl < b.crcl_max_ml_per_min)
}

/// Applies every label rule to the regimen.
pub fn check(m: &Monograph, regimen: &Regimen, ctx: &LabelContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(label) = &m.label else {
        return out;
    };
    let src = label.source.clone();
    if ctx.species != "human" {
        out.push(Finding::new(
            "label_not_applicable",
            Severity::Info,
            format!(
                "label rules apply to humans; they are not checked for {}",
                ctx.species
            ),
            src,
        ));
        return out;
    }
    let mut segs: Vec<&Segment> = regimen.segments.iter().collect();
    segs.sort_by_key(|s| s.days.start);
    let maintenance = segs.last().copied();
    let maint_mg = maintenance.and_then(|s| daily_mg(s, &ctx.resolve));

    // Caps on the maintenance dose.
    if let Some(mg) = maint_mg {
        let max = label.max_maintenance_mg.value;
        if mg > max {
            out.push(Finding::new(
                "dose_above_label_max",
                Severity::Error,
                format!("maintenance dose {mg} mg/day is above the label maximum of {max} mg once daily"),
                src.clone(),
            ));
        }
        if mg < label.min_maintenance_mg.value {
            out.push(Finding::new(
                "below_label_range",
                Severity::Info,
                format!(
                    "maintenance dose {mg} mg/day is below the label range {}-{max} mg",
                    label.min_maintenance_mg.value
                ),
                src.clone(),
            ));
        }
        if let Some(c) = ctx.crcl_ml_per_min {
            if let Some(band) = renal_band(label, c) {
                if band.not_recommended {
                    out.push(Finding::new(
                        "renal_not_recommended",
                        Severity::Error,
                        format!("CrCl {c} mL/min: {}", band.note),
                        band.source.clone(),
                    ));
                } else if let Some(cap) = band.max_dose_mg {
                    if mg > cap {
                        out.push(Finding::new(
                            "renal_cap_exceeded",
                            Severity::Error,
                            format!("maintenance dose {mg} mg/day exceeds the renal cap of {cap} mg once daily at CrCl {c} mL/min ({})", band.note),
                            band.source.clone(),
                        ));
                    }
                }
            }
        }
        if ctx
            .comedications
            .iter()
            .any(|c| c.class == ComedClass::StrongCyp3a4Inhibitor)
        {
            let cap = label.strong_cyp3a4_inhibitor_max_mg.value;
            if mg > cap {
                let names: Vec<&str> = ctx
                    .comedications
                    .iter()
                    .filter(|c| c.class == ComedClass::StrongCyp3a4Inhibitor)
                    .map(|c| c.name.as_str())
                    .collect();
                out.push(Finding::new(
                    "cyp3a4_inhibitor_cap_exceeded",
                    Severity::Error,
                    format!("maintenance dose {mg} mg/day exceeds {cap} mg once daily, the cap with a strong CYP3A4 inhibitor ({})", names.join(", ")),
                    label.strong_cyp3a4_inhibitor_max_mg.source.clone(),
                ));
            }
        }
    }

    // Contraindicated co-medications.
    for c in ctx.comedications {
        if c.class == ComedClass::Maoi {
            out.push(Finding::new(
                "maoi_contraindicated",
                Severity::Error,
                format!(
                    "{} is an MAOI: contraindicated. Allow at least {} days after stopping an MAOI before starting, and {} days after stopping before starting an MAOI",
                    c.name, label.maoi_stop_before_start_days.value, label.maoi_start_after_stop_days.value
                ),
                c.source.clone(),
            ));
        } else if c.contraindicated {
            out.push(Finding::new(
                "contraindicated_comedication",
                Severity::Error,
                format!("{} is contraindicated", c.name),
                c.source.clone(),
            ));
        }
    }

    // Start dose and titration pace.
    if let Some(first) = segs.first() {
        if let Some(mg) = daily_mg(first, &ctx.resolve) {
            if mg > label.start_dose_mg.value {
                out.push(Finding::new(
                    "start_above_label",
                    Severity::Warning,
                    format!(
                        "starts at {mg} mg/day; the label starts at {} mg once daily for {} days",
                        label.start_dose_mg.value, label.start_days.value
                    ),
                    label.start_dose_mg.source.clone(),
                ));
            }
        }
    }
    let step = label.titration_step_mg.value;
    let interval = label.titration_min_interval_days.value;
    for w in segs.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (Some(ma), Some(mb)) = (daily_mg(a, &ctx.resolve), daily_mg(b, &ctx.resolve)) else {
            continue;
        };
        if mb <= ma {
            continue;
        }
        if mb - ma > step + 1e-9 {
            out.push(Finding::new(
                "titration_step_too_large",
                Severity::Warning,
                format!("day {}: increase from {ma} to {mb} mg/day is larger than the label's {step} mg steps", b.days.start),
                label.titration_step_mg.source.clone(),
            ));
        }
        let held = b.days.start.saturating_sub(a.days.start) as f64;
        if held < interval {
            out.push(Finding::new(
                "titration_too_fast",
                Severity::Warning,
                format!("day {}: dose raised after {held} day(s); the label allows increases at intervals of {interval} or more days", b.days.start),
                label.titration_min_interval_days.source.clone(),
            ));
        }
    }
    for s in &segs {
        if let Frequency::EveryHours(h) = s.frequency {
            if h != 24.0 {
                out.push(Finding::new(
                    "not_once_daily",
                    Severity::Warning,
                    format!(
                        "segment \"{s}\" is not once daily; the ER capsule is labelled once daily"
                    ),
                    src.clone(),
                ));
            }
        }
    }

    // Stopping without a taper.
    if let (Some(last), Some(mg)) = (maintenance, maint_mg) {
        if last.days.end.is_some() && mg >= label.min_maintenance_mg.value {
            out.push(Finding::new(
                "stopped_without_taper",
                Severity::Warning,
                format!(
                    "the regimen stops {mg} mg/day on day {} without a down-taper: {}",
                    last.days.end.unwrap_or(0),
                    label.taper.text
                ),
                label.taper.source.clone(),
            ));
        }
    }
    out
}
