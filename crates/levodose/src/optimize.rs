//! Dose optimisation: the lowest candidate dose whose probability of target attainment (PTA)
//! reaches the required share of a virtual population, within the label's cap for that
//! population (renal function, strong CYP3A4 inhibitors), with the adverse-event estimates of
//! each candidate and the label titration to the recommended dose.
//!
//! Every candidate is simulated on the same subjects (common random numbers), so with linear PK
//! each subject's exposure rises with dose and PTA of a ">=" target is monotone in dose.

use crate::error::{check_limit, check_range, Error, Result};
use crate::finding::{Finding, Severity};
use crate::interactions;
use crate::label::{self, LabelContext};
use crate::limits::CRCL_ML_PER_MIN;
use crate::metric::{Metric, MetricStats};
use crate::monograph::Monograph;
use crate::occupancy::{Basis, OccupancyModel};
use crate::population::{self, Covariate, SampleSpec, SteadyMetrics};
use crate::regimen::{DoseEvent, Regimen, ResolveContext, Route, TitrationRule};
use crate::safety::{self, SafetyAtDose};
use crate::subject::checked_clearance_factor;
use crate::target::{all_hold, Target};
use serde::Serialize;

/// What to optimise.
#[derive(Debug, Clone)]
pub struct OptimizeSpec {
    /// Candidate once-daily doses (mg); None = the monograph's usual maintenance doses.
    pub doses_mg: Option<Vec<f64>>,
    /// Target expressions (all must hold); empty = the monograph's default research target.
    pub targets: Vec<String>,
    /// Required probability of target attainment (0-1).
    pub pta: f64,
    pub subjects: usize,
    pub seed: u64,
    pub basis: Basis,
    /// Every subject's CrCl (mL/min); None = sampled from the default population.
    pub crcl_ml_per_min: Option<f64>,
    /// CrCl range (mL/min, lower inclusive, upper exclusive) the subjects are spread over uniformly,
    /// e.g. a label renal class; exclusive with `crcl_ml_per_min`. The label cap and the
    /// adverse-event exposure are taken at the lowest CrCl of the range, so every subject of the
    /// population is within the label.
    pub crcl_range_ml_per_min: Option<(f64, f64)>,
    pub comedications: Vec<String>,
    pub allow_off_label: bool,
}

/// The recommended dose.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub dose_mg: f64,
    pub regimen: String,
    pub pta: f64,
    /// Label titration to the dose.
    pub titration: String,
    /// Days from the first dose until 90 % of steady state at the recommended dose (titration
    /// days plus ln 10 / lambda_z of the median subject).
    pub days_to_steady_state: f64,
}

/// One candidate dose.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub dose_mg: f64,
    pub regimen: String,
    pub pta: f64,
    /// Within the label cap for this population.
    pub label_conform: bool,
    /// Percentiles of each target's metric.
    pub target_metrics: MetricStats,
    /// Percentiles of every steady-state metric.
    pub metrics: MetricStats,
    pub adverse_events: Option<SafetyAtDose>,
    pub findings: Vec<Finding>,
}

/// The result of `optimize` (JSON interface).
#[derive(Debug, Clone, Serialize)]
pub struct Optimization {
    pub compound: String,
    pub research_note: &'static str,
    pub population: String,
    pub subjects: usize,
    pub seed: u64,
    pub occupancy_basis: Basis,
    pub crcl_ml_per_min: Option<f64>,
    /// CrCl range of the population (mL/min), when one was given.
    pub crcl_range_ml_per_min: Option<(f64, f64)>,
    pub comedications: Vec<String>,
    pub targets: Vec<String>,
    /// Why these targets (the default research target's rationale when none was given).
    pub target_basis: String,
    pub pta_required: f64,
    /// Maximum label dose for this population (None: no label, or use not recommended).
    pub label_cap_mg: Option<f64>,
    pub label_cap_reason: String,
    pub recommendation: Option<Recommendation>,
    /// When no dose qualifies: the eligible dose closest to the target (highest PTA, then the
    /// best median of the target's metric); None when a dose is recommended.
    pub closest_dose_mg: Option<f64>,
    pub message: String,
    pub candidates: Vec<Candidate>,
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
}

/// The eligible candidate closest to the target when none qualifies: the highest PTA, then the
/// median of the first target's metric furthest in the target's direction (highest for `>=`,
/// lowest for `<=`), then the lower dose.
pub fn closest_to_target<'a>(
    candidates: &'a [Candidate],
    targets: &[Target],
    eligible: impl Fn(&Candidate) -> bool,
) -> Option<&'a Candidate> {
    let lead = targets.first()?;
    let toward = |c: &Candidate| {
        let median = c
            .target_metrics
            .get(lead.metric)
            .map_or(f64::NAN, |s| s.p50);
        match lead.comparison {
            crate::target::Comparison::AtLeast => median,
            crate::target::Comparison::AtMost => -median,
        }
    };
    candidates.iter().filter(|c| eligible(c)).max_by(|a, b| {
        a.pta
            .total_cmp(&b.pta)
            .then(toward(a).total_cmp(&toward(b)))
            .then(b.dose_mg.total_cmp(&a.dose_mg))
    })
}

/// The CrCl the label rules and the adverse-event exposure are judged at: the given value, or the
/// lowest CrCl of a range (the most impaired subject decides the cap for the whole population).
fn label_crcl(spec: &OptimizeSpec) -> Result<Option<f64>> {
    match (spec.crcl_ml_per_min, spec.crcl_range_ml_per_min) {
        (Some(_), Some(_)) => Err(Error::input(
            "crcl",
            "give one CrCl or a CrCl range (or a renal class), not both",
        )),
        (Some(c), None) => {
            check_limit("crcl", c, CRCL_ML_PER_MIN)?;
            Ok(Some(c))
        }
        (None, Some((min, max))) => {
            check_limit("crcl", min, CRCL_ML_PER_MIN)?;
            check_limit("crcl", max, CRCL_ML_PER_MIN)?;
            if min >= max {
                return Err(Error::input(
                    "crcl",
                    format!("range {min}:{max}: the lower bound must be below the upper"),
                ));
            }
            Ok(Some(min))
        }
        (None, None) => Ok(None),
    }
}

/// Runs the optimisation in named steps: validate the request, resolve what every candidate
/// shares (targets, label cap, population, occupancy model), evaluate each candidate dose, and
/// summarise (recommendation, findings, notes).
pub fn optimize(m: &Monograph, spec: &OptimizeSpec) -> Result<Optimization> {
    let doses = validate(m, spec)?;
    let ctx = resolve(m, spec)?;
    let evaluated = doses
        .iter()
        .map(|&dose| evaluate(m, spec, &ctx, dose))
        .collect::<Result<Vec<_>>>()?;
    Ok(summarise(m, spec, ctx, evaluated))
}

/// Checks the request's ranges; returns the candidate doses, sorted and without duplicates.
fn validate(m: &Monograph, spec: &OptimizeSpec) -> Result<Vec<f64>> {
    check_range("pta", spec.pta, 0.01, 1.0, "")?;
    if spec.subjects == 0 || spec.subjects > population::MAX_SUBJECTS {
        return Err(Error::input(
            "subjects",
            format!(
                "{} is outside 1 to {}",
                spec.subjects,
                population::MAX_SUBJECTS
            ),
        ));
    }
    let mut doses = spec
        .doses_mg
        .clone()
        .unwrap_or_else(|| m.compound.usual_doses_mg.values.clone());
    if doses.is_empty() {
        return Err(Error::input("doses", "give at least one dose"));
    }
    for d in &doses {
        check_range("doses", *d, 0.001, 10000.0, "mg")?;
    }
    doses.sort_by(f64::total_cmp);
    doses.dedup();
    Ok(doses)
}

/// What every candidate shares: the targets, the label cap, the sampled population (common
/// random numbers), the occupancy model and the exposure factor of this population.
struct Resolved {
    label_crcl: Option<f64>,
    target_texts: Vec<String>,
    target_basis: String,
    targets: Vec<Target>,
    comeds: Vec<interactions::ResolvedComed>,
    cap_mg: Option<f64>,
    cap_reason: String,
    label_src: String,
    sample: SampleSpec,
    subjects: Vec<population::Individual>,
    occ: OccupancyModel,
    tau_h: f64,
    rule: Option<TitrationRule>,
    exposure_factor: f64,
}

/// The targets to reach: the user's, or the monograph's default research target with its basis.
fn resolve_targets(m: &Monograph, spec: &OptimizeSpec) -> Result<(Vec<String>, String)> {
    if !spec.targets.is_empty() {
        return Ok((
            spec.targets.clone(),
            "targets given by the user".to_string(),
        ));
    }
    let t = m.default_research_target.as_ref().ok_or_else(|| {
        Error::input(
            "target",
            format!(
                "the {} monograph has no default research target; give --target",
                m.compound.name
            ),
        )
    })?;
    Ok((
        vec![t.expression.clone()],
        format!(
            "no target given: the monograph's default research target {} ({}, {}): {}",
            t.expression, t.source, t.status, t.note
        ),
    ))
}

/// The label's dose cap for a patient's CrCl and co-medications: (cap in mg, or None when the
/// label has no rules or advises against use; the reason in words; the label's source). Shared by
/// `optimize` and `individualize` so both state the same cap the same way.
pub fn label_cap(
    m: &Monograph,
    crcl_ml_per_min: Option<f64>,
    comeds: &[interactions::ResolvedComed],
) -> (Option<f64>, String, String) {
    let (cap_mg, cap_reason) = match (&m.label, label::dose_cap(m, crcl_ml_per_min, comeds)) {
        (None, _) => (None, "the monograph has no label rules".to_string()),
        (Some(_), None) => (
            None,
            match crcl_ml_per_min {
                Some(c) => format!("CrCl {c} mL/min: use not recommended by the label"),
                None => "use not recommended by the label".to_string(),
            },
        ),
        (Some(_), Some((x, why))) => (Some(x), why),
    };
    let label_src = m
        .label
        .as_ref()
        .map(|l| l.source.clone())
        .unwrap_or_default();
    (cap_mg, cap_reason, label_src)
}

fn resolve(m: &Monograph, spec: &OptimizeSpec) -> Result<Resolved> {
    let label_crcl = label_crcl(spec)?;
    let (target_texts, target_basis) = resolve_targets(m, spec)?;
    let targets = crate::target::parse_all(&target_texts)?;
    let comeds = interactions::resolve(m, &spec.comedications)?;
    let (cap_mg, cap_reason, label_src) = label_cap(m, label_crcl, &comeds);
    let mut sample = SampleSpec::from_monograph(m, spec.subjects, spec.seed)?;
    if let Some(c) = spec.crcl_ml_per_min {
        sample.covariates.crcl_ml_per_min = Covariate::Fixed { value: c };
    }
    if let Some((min, max)) = spec.crcl_range_ml_per_min {
        sample.covariates.crcl_ml_per_min = Covariate::Uniform { min, max };
    }
    sample.comedications = spec.comedications.clone();
    let subjects = population::sample(m, &sample)?;
    let occ = OccupancyModel::from_monograph(m, spec.basis, None, None)?;
    let r = interactions::combined_activity(&comeds);
    let exposure_factor = 1.0 / checked_clearance_factor(m, label_crcl, r)?;
    Ok(Resolved {
        label_crcl,
        target_texts,
        target_basis,
        targets,
        comeds,
        cap_mg,
        cap_reason,
        label_src,
        sample,
        subjects,
        occ,
        tau_h: m.compound.usual_tau_h.value,
        rule: m.label.as_ref().map(TitrationRule::from_label),
        exposure_factor,
    })
}

/// Percentiles of every steady-state metric over the subjects, and of each target's metric (the
/// `metrics` and `target_metrics` of a [`Candidate`]; `individualize` fills its candidates so too).
pub fn candidate_metrics(
    steady: &[SteadyMetrics],
    targets: &[Target],
) -> (MetricStats, MetricStats) {
    let metrics = MetricStats::of(steady, &Metric::STEADY_STATE);
    let mut target_metrics = MetricStats::default();
    for t in targets {
        target_metrics.insert(t.metric, metrics[t.metric]);
    }
    (metrics, target_metrics)
}

/// One candidate dose: PTA and metric percentiles over the population, label conformity and
/// findings, adverse events; with the median time to 90 % of steady state (h).
fn evaluate(
    m: &Monograph,
    spec: &OptimizeSpec,
    ctx: &Resolved,
    dose: f64,
) -> Result<(Candidate, f64)> {
    let ev = DoseEvent {
        time_h: 0.0,
        amount_mg: dose,
        route: Route::Po,
        infusion_h: None,
    };
    let steady: Vec<SteadyMetrics> =
        population::steady_metrics(&ctx.subjects, &ctx.occ, &ev, ctx.tau_h)?;
    let pta = population::summary::share(steady.iter().map(|s| all_hold(&ctx.targets, s)));
    let (metrics, target_metrics) = candidate_metrics(&steady, &ctx.targets);
    let median_t90_h = metrics[Metric::TimeTo90pctH].p50;
    let label_conform = ctx
        .cap_mg
        .is_some_and(|c| dose <= c + crate::limits::DOSE_EPS_MG)
        || m.label.is_none();
    let mut findings = cap_findings(spec, ctx, dose, label_conform);
    for f in titration_findings(m, ctx, dose) {
        if !findings.iter().any(|g: &Finding| g.message == f.message) {
            findings.push(f);
        }
    }
    let adverse_events = safety::at_dose(m, dose * ctx.exposure_factor);
    findings.extend(adverse_events.as_ref().and_then(extrapolation_finding));
    let candidate = Candidate {
        dose_mg: dose,
        regimen: format!("{dose}mg po qd"),
        pta,
        label_conform,
        target_metrics,
        metrics,
        adverse_events,
        findings,
    };
    Ok((candidate, median_t90_h))
}

/// The finding of a dose above this population's label cap (an error when off-label doses are
/// allowed, a warning that excludes the dose otherwise).
fn cap_findings(spec: &OptimizeSpec, ctx: &Resolved, dose: f64, conform: bool) -> Vec<Finding> {
    if conform {
        return Vec::new();
    }
    let why = match ctx.cap_mg {
        Some(cap) => format!(
            "above the label cap of {cap} mg for this population ({})",
            ctx.cap_reason
        ),
        None => ctx.cap_reason.clone(),
    };
    vec![if spec.allow_off_label {
        Finding::new(
            "off_label_dose",
            Severity::Error,
            format!("{dose} mg once daily is off-label: {why}"),
            ctx.label_src.clone(),
        )
    } else {
        Finding::new(
            "above_label_cap",
            Severity::Warning,
            format!("{dose} mg once daily is {why}; not eligible for the recommendation (use --allow-off-label to consider it)"),
            ctx.label_src.clone(),
        )
    }]
}

/// The label's findings on the titration to `dose` (every segment's caps and steps). The
/// titration ends in open-ended maintenance, so "stopped without taper" does not apply.
fn titration_findings(m: &Monograph, ctx: &Resolved, dose: f64) -> Vec<Finding> {
    let Some(rule) = &ctx.rule else {
        return Vec::new();
    };
    let reg = Regimen::titration(rule, dose);
    // The label rules read each segment's amount, not the horizon: resolving up to the day the
    // maintenance starts covers every segment (no study-length convention is involved).
    let days = reg.maintenance().map(|s| s.days.start).unwrap_or(1);
    let lc = LabelContext {
        species: "human",
        crcl_ml_per_min: ctx.label_crcl,
        comedications: &ctx.comeds,
        resolve: ResolveContext {
            weight_kg: None,
            molar_mass_base: m.compound.molar_mass_base_g_per_mol.value,
            molar_mass_salt: m.salt_molar_mass(),
            days,
        },
    };
    label::check(m, &reg, &lc)
        .into_iter()
        .filter(|f| f.code != "stopped_without_taper")
        .collect()
}

/// A warning when any adverse-event or vital-sign estimate at this dose extrapolates.
fn extrapolation_finding(s: &SafetyAtDose) -> Option<Finding> {
    let mut sources: Vec<&str> = s
        .adverse_events
        .iter()
        .chain(&s.vital_signs)
        .filter(|e| e.extrapolated)
        .map(|e| e.source.as_str())
        .collect();
    sources.sort_unstable();
    sources.dedup();
    (!sources.is_empty()).then(|| {
        Finding::new(
            "safety_extrapolated",
            Severity::Warning,
            format!("adverse-event and vital-sign estimates at {:.0} mg (exposure-equivalent) extrapolate beyond the studied doses", s.dose_mg),
            sources.join(", "),
        )
    })
}

/// The lowest eligible dose reaching the required PTA, or the closest one; with the message.
fn recommend(
    spec: &OptimizeSpec,
    ctx: &Resolved,
    candidates: &[Candidate],
    medians_t90_h: &[f64],
) -> (Option<Recommendation>, Option<f64>, String) {
    let eligible = |c: &Candidate| c.label_conform || spec.allow_off_label;
    let target_text = ctx.target_texts.join(" and ");
    if let Some(i) = candidates
        .iter()
        .position(|c| eligible(c) && c.pta >= spec.pta)
    {
        let c = &candidates[i];
        let (titration, start_day) = match &ctx.rule {
            Some(rule) => {
                let reg = Regimen::titration(rule, c.dose_mg);
                let start = reg.maintenance().map(|s| s.days.start).unwrap_or(1);
                (reg.to_string(), start)
            }
            None => (format!("{}mg po qd d1-", c.dose_mg), 1),
        };
        let days = (start_day - 1) as f64 + medians_t90_h[i] / 24.0;
        let msg = format!(
            "lowest dose with PTA >= {} for {target_text}: {} mg once daily (PTA {:.3}); titration: {titration}; about {:.1} days to 90 % of steady state",
            spec.pta, c.dose_mg, c.pta, days
        );
        let rec = Recommendation {
            dose_mg: c.dose_mg,
            regimen: c.regimen.clone(),
            pta: c.pta,
            titration,
            days_to_steady_state: days,
        };
        return (Some(rec), None, msg);
    }
    let closest = closest_to_target(candidates, &ctx.targets, eligible);
    let msg = match closest {
        Some(b) => {
            let t = &ctx.targets[0];
            format!(
                "no eligible dose qualifies: none reaches PTA >= {} for {target_text}. Closest to the target: {} mg once daily (PTA {:.3}, median {} {:.4}). No dose is recommended",
                spec.pta, b.dose_mg, b.pta, t.metric, b.target_metrics[t.metric].p50
            )
        }
        None => format!(
            "no candidate dose is within the label for this population ({}); no dose is recommended",
            ctx.cap_reason
        ),
    };
    (None, closest.map(|c| c.dose_mg), msg)
}

/// What the numbers rest on: population, PTA definition, occupancy basis, CrCl range, exposure.
fn notes(spec: &OptimizeSpec, ctx: &Resolved) -> Vec<String> {
    let mut notes = vec![
        format!("population: {} subjects, seed {}, {}", spec.subjects, spec.seed, ctx.sample.covariates.note),
        "PTA: share of subjects meeting every target at steady state (closed-form one-compartment steady state per subject)".into(),
        format!(
            "occupancy basis {}: Ki-based occupancies are upper bounds (milnacipran PET occupancy is far below free-plasma predictions)",
            spec.basis.as_str()
        ),
    ];
    notes.extend(crate::metric::alias_notes(&spec.targets));
    if let Some((min, max)) = spec.crcl_range_ml_per_min {
        notes.push(format!(
            "CrCl uniform on [{min}, {max}) mL/min; the label cap and the adverse-event exposure are taken at the lowest CrCl of the range ({min} mL/min), so the recommendation is label-conform for every subject"
        ));
    }
    if (ctx.exposure_factor - 1.0).abs() > 1e-9 {
        notes.push(format!(
            "adverse events are evaluated at the exposure-equivalent dose (dose x {:.2}, the AUC ratio of this population's typical subject), assuming they follow exposure",
            ctx.exposure_factor
        ));
    }
    notes
}

/// The result: recommendation or closest dose, run-level findings and notes.
fn summarise(
    m: &Monograph,
    spec: &OptimizeSpec,
    ctx: Resolved,
    evaluated: Vec<(Candidate, f64)>,
) -> Optimization {
    let (candidates, medians_t90_h): (Vec<Candidate>, Vec<f64>) = evaluated.into_iter().unzip();
    let (recommendation, closest_dose_mg, message) =
        recommend(spec, &ctx, &candidates, &medians_t90_h);
    let mut findings = Vec::new();
    if recommendation.is_none() {
        findings.push(Finding::new(
            "target_not_reached",
            Severity::Warning,
            message.clone(),
            "LEVODOSE",
        ));
    }
    if let (Some(l), None) = (&m.label, &spec.doses_mg) {
        findings.push(Finding::new(
            "start_dose_only",
            Severity::Info,
            format!("{} mg is the label's starting dose ({} days), not a maintenance dose, so it is not a candidate", l.start_dose_mg.value, l.start_days.value),
            l.start_dose_mg.source.clone(),
        ));
    }
    let notes = notes(spec, &ctx);
    Optimization {
        compound: m.compound.name.clone(),
        research_note: crate::RESEARCH_USE_NOTE,
        population: ctx.sample.covariates.name.clone(),
        subjects: spec.subjects,
        seed: spec.seed,
        occupancy_basis: spec.basis,
        crcl_ml_per_min: spec.crcl_ml_per_min,
        crcl_range_ml_per_min: spec.crcl_range_ml_per_min,
        comedications: spec.comedications.clone(),
        targets: ctx.targets.iter().map(Target::to_string).collect(),
        target_basis: ctx.target_basis,
        pta_required: spec.pta,
        label_cap_mg: ctx.cap_mg,
        label_cap_reason: ctx.cap_reason,
        recommendation,
        closest_dose_mg,
        message,
        candidates,
        findings,
        notes,
    }
}
