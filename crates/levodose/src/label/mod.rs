//! Label rules as findings: dose caps (maximum, renal, strong CYP3A4 inhibitors), titration pace,
//! start dose, MAOIs and other contraindications, and stopping without a taper. The limits come
//! from the monograph's `[label]`; rules apply to humans only.

use crate::finding::{Finding, Severity};
use crate::interactions::ResolvedComed;
use crate::limits::DOSE_EPS_MG;
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
/// code and source; None where the label does not recommend use at all (ESRD). Co-medications
/// count whatever their days (the cap for the time they are taken).
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

/// The label's renal band containing `crcl` (bands are [min, max)).
pub fn renal_band(label: &Label, crcl: f64) -> Option<&crate::monograph::RenalCap> {
    label
        .renal
        .iter()
        .find(|b| crcl >= b.crcl_min_ml_per_min && crcl < b.crcl_max_ml_per_min)
}

/// A segment with its daily free-base dose, in time order.
struct Dosed<'a> {
    seg: &'a Segment,
    mg: Option<f64>,
}

/// Applies every label rule to the regimen.
pub fn check(m: &Monograph, regimen: &Regimen, ctx: &LabelContext<'_>) -> Vec<Finding> {
    let Some(label) = &m.label else {
        return Vec::new();
    };
    if ctx.species != "human" {
        return vec![Finding::new(
            "label_not_applicable",
            Severity::Info,
            format!(
                "label rules apply to humans; they are not checked for {}",
                ctx.species
            ),
            label.source.clone(),
        )];
    }
    let mut segs: Vec<&Segment> = regimen.segments.iter().collect();
    segs.sort_by_key(|s| s.days.start);
    let dosed: Vec<Dosed> = segs
        .iter()
        .map(|s| Dosed {
            seg: s,
            mg: daily_mg(s, &ctx.resolve),
        })
        .collect();
    let mut out = Vec::new();
    out.extend(check_caps(label, &dosed, ctx));
    out.extend(check_maintenance_range(label, &dosed));
    out.extend(check_comedications(m, label, ctx));
    out.extend(check_start_and_titration(label, &dosed));
    out.extend(check_frequency(label, &dosed));
    out.extend(check_taper(label, &dosed));
    out
}

fn segment_name(seg: &Segment) -> String {
    format!("segment \"{seg}\"")
}

/// Every cap (label maximum, renal band, strong CYP3A4 inhibitor) against every segment; each
/// finding names the segment and, for the inhibitor cap, the day to reduce from.
fn check_caps(label: &Label, dosed: &[Dosed], ctx: &LabelContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let max = label.max_maintenance_mg.value;
    let band = ctx
        .crcl_ml_per_min
        .and_then(|c| renal_band(label, c).map(|b| (c, b)));
    if let Some((c, b)) = band {
        if b.not_recommended {
            out.push(Finding::new(
                "renal_not_recommended",
                Severity::Error,
                format!("CrCl {c} mL/min: {}", b.note),
                b.source.clone(),
            ));
        }
    }
    let inhibitors: Vec<&ResolvedComed> = ctx
        .comedications
        .iter()
        .filter(|c| c.class == ComedClass::StrongCyp3a4Inhibitor)
        .collect();
    for d in dosed {
        let Some(mg) = d.mg else { continue };
        let name = segment_name(d.seg);
        if mg > max + DOSE_EPS_MG {
            out.push(Finding::new(
                "dose_above_label_max",
                Severity::Error,
                format!("{name}: {mg} mg/day is above the label maximum of {max} mg once daily"),
                label.max_maintenance_mg.source.clone(),
            ));
        }
        if let Some((c, b)) = band {
            if let (Some(cap), false) = (b.max_dose_mg, b.not_recommended) {
                if mg > cap + DOSE_EPS_MG {
                    out.push(Finding::new(
                        "renal_cap_exceeded",
                        Severity::Error,
                        format!("{name}: {mg} mg/day exceeds the renal cap of {cap} mg once daily at CrCl {c} mL/min ({}); reduce to {cap} mg from day {}", b.note, d.seg.days.start),
                        b.source.clone(),
                    ));
                }
            }
        }
        let cap = label.strong_cyp3a4_inhibitor_max_mg.value;
        if mg <= cap + DOSE_EPS_MG {
            continue;
        }
        let hits: Vec<(&ResolvedComed, u32)> = inhibitors
            .iter()
            .filter_map(|c| c.first_common_day(&d.seg.days).map(|day| (*c, day)))
            .collect();
        if let Some(from) = hits.iter().map(|h| h.1).min() {
            let names: Vec<String> = hits.iter().map(|h| h.0.label()).collect();
            out.push(Finding::new(
                "cyp3a4_inhibitor_cap_exceeded",
                Severity::Error,
                format!("{name}: {mg} mg/day exceeds {cap} mg once daily, the cap with a strong CYP3A4 inhibitor ({}); reduce to {cap} mg from day {from}", names.join(", ")),
                label.strong_cyp3a4_inhibitor_max_mg.source.clone(),
            ));
        }
    }
    out
}

/// The maintenance (last) dose below the label range.
fn check_maintenance_range(label: &Label, dosed: &[Dosed]) -> Vec<Finding> {
    let Some(mg) = dosed.last().and_then(|d| d.mg) else {
        return Vec::new();
    };
    if mg >= label.min_maintenance_mg.value {
        return Vec::new();
    }
    vec![Finding::new(
        "below_label_range",
        Severity::Info,
        format!(
            "maintenance dose {mg} mg/day is below the label range {}-{} mg",
            label.min_maintenance_mg.value, label.max_maintenance_mg.value
        ),
        label.min_maintenance_mg.source.clone(),
    )]
}

/// Contraindicated co-medications (MAOIs and others) and alcohol (ER dose dumping).
fn check_comedications(m: &Monograph, label: &Label, ctx: &LabelContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
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
        } else if c.class == ComedClass::Alcohol {
            out.push(Finding::new(
                "alcohol_dose_dumping",
                Severity::Warning,
                format!("{}: {}", c.label(), comed_note(m, &c.name)),
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
    out.extend(check_renal_with_inhibitor(m, label, ctx));
    out
}

fn comed_note(m: &Monograph, name: &str) -> String {
    m.interactions
        .as_ref()
        .and_then(|i| i.comedications.iter().find(|c| c.name == name))
        .map(|c| c.note.clone())
        .unwrap_or_default()
}

/// Renal impairment together with a strong CYP3A4 inhibitor: never studied, and the predicted
/// exposure exceeds every studied condition (the worst studied is the larger of the severe
/// renal group's and the index inhibitor's observed AUC ratio).
fn check_renal_with_inhibitor(
    m: &Monograph,
    label: &Label,
    ctx: &LabelContext<'_>,
) -> Vec<Finding> {
    let Some(c) = ctx.crcl_ml_per_min else {
        return Vec::new();
    };
    let impaired = renal_band(label, c).is_some();
    let strong: Vec<&ResolvedComed> = ctx
        .comedications
        .iter()
        .filter(|x| x.class == ComedClass::StrongCyp3a4Inhibitor)
        .collect();
    if !impaired || strong.is_empty() {
        return Vec::new();
    }
    let r = crate::interactions::combined_activity(ctx.comedications);
    let predicted = 1.0 / crate::subject::clearance_factor(m, Some(c), r);
    let studied = m
        .human
        .renal_impairment
        .iter()
        .map(|g| g.auc_ratio.value)
        .chain(strong.iter().filter_map(|s| s.observed_auc_ratio))
        .fold(f64::NAN, f64::max);
    let names: Vec<String> = strong.iter().map(|s| s.label()).collect();
    let exceeds = if studied.is_finite() && predicted > studied {
        format!(", above every studied condition (largest observed AUC ratio {studied:.2})")
    } else {
        String::new()
    };
    vec![Finding::new(
        "renal_and_strong_inhibitor_not_studied",
        Severity::Warning,
        format!(
            "CrCl {c} mL/min with a strong CYP3A4 inhibitor ({}): the combination was not studied; predicted AUC ratio {predicted:.2} vs normal renal function without the inhibitor{exceeds}",
            names.join(", ")
        ),
        label.source.clone(),
    )]
}

/// Start dose and titration pace. A first segment marked `ss` (already at steady state) has no
/// titration history: it raises no start finding.
fn check_start_and_titration(label: &Label, dosed: &[Dosed]) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(first) = dosed.first() {
        if let (Some(mg), false) = (first.mg, first.seg.steady_state) {
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
    for w in dosed.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let (Some(ma), Some(mb)) = (a.mg, b.mg) else {
            continue;
        };
        if mb <= ma {
            continue;
        }
        if mb - ma > step + DOSE_EPS_MG {
            out.push(Finding::new(
                "titration_step_too_large",
                Severity::Warning,
                format!("day {}: increase from {ma} to {mb} mg/day is larger than the label's {step} mg steps", b.seg.days.start),
                label.titration_step_mg.source.clone(),
            ));
        }
        let held = b.seg.days.start.saturating_sub(a.seg.days.start) as f64;
        if held < interval && !a.seg.steady_state {
            out.push(Finding::new(
                "titration_too_fast",
                Severity::Warning,
                format!("day {}: dose raised after {held} day(s); the label allows increases at intervals of {interval} or more days", b.seg.days.start),
                label.titration_min_interval_days.source.clone(),
            ));
        }
    }
    out
}

fn check_frequency(label: &Label, dosed: &[Dosed]) -> Vec<Finding> {
    dosed
        .iter()
        .filter(|d| matches!(d.seg.frequency, Frequency::EveryHours(h) if h != 24.0))
        .map(|d| {
            Finding::new(
                "not_once_daily",
                Severity::Warning,
                format!(
                    "{} is not once daily; the ER capsule is labelled once daily",
                    segment_name(d.seg)
                ),
                label.source.clone(),
            )
        })
        .collect()
}

/// Stopping without a taper: the last segment ends at a maintenance dose that was not reached by
/// stepping down (a lower last dose after a higher one is a taper).
fn check_taper(label: &Label, dosed: &[Dosed]) -> Vec<Finding> {
    let Some(last) = dosed.last() else {
        return Vec::new();
    };
    let (Some(end), Some(mg)) = (last.seg.days.end, last.mg) else {
        return Vec::new();
    };
    let stepped_down = dosed.len() >= 2
        && dosed[dosed.len() - 2]
            .mg
            .is_some_and(|prev| prev > mg + DOSE_EPS_MG);
    if stepped_down || mg < label.min_maintenance_mg.value {
        return Vec::new();
    }
    vec![Finding::new(
        "stopped_without_taper",
        Severity::Warning,
        format!(
            "the regimen stops {mg} mg/day on day {end} without a down-taper: {}",
            label.taper.text
        ),
        label.taper.source.clone(),
    )]
}
