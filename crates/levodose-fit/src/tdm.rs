//! Therapeutic drug monitoring: one patient's dosing history and measured levels, a population
//! model as the prior, and what follows from the MAP estimate ([`crate::individualize`]):
//! predicted concentration and occupancy profiles with intervals from the Laplace posterior,
//! a plausibility check of each level against the prior predictive, and the label-conform dose
//! that reaches a target for this patient with a stated posterior probability.
//!
//! The dose rules are `optimize`'s: the label cap for the patient's CrCl and co-medications
//! ([`levodose::label::dose_cap`]), targets as `optimize` parses them, steady-state metrics as
//! populations compute them, and the same [`levodose::optimize::Candidate`] records; only the
//! subjects differ: posterior draws of this patient instead of a virtual population.
//!
//! Random numbers: draw `i` of the posterior uses ChaCha8 stream `i` of `seed`
//! ([`levodose::population::subject_rng`]), draw `i` of the prior predictive stream `n + i`,
//! so results are the same for any thread count.
//!
//! Research use only: nothing here is dosing advice for a patient.

use crate::individualize::{map_estimate, typical_log_parameters, Level, MapEstimate};
use crate::model::{ErrorModel, Model, Structure};
use levodose::error::{Error, Result};
use levodose::finding::{Finding, Severity};
use levodose::interactions;
use levodose::monograph::Monograph;
use levodose::occupancy::{Basis, OccupancyModel};
use levodose::optimize::{closest_to_target, Candidate};
use levodose::pk::{self, PkParams};
use levodose::population::summary::{quantile_mut, share};
use levodose::population::{self, Individual, Omega};
use levodose::regimen::{DoseEvent, Route};
use levodose::subject::{self, PkOverride, Subject};
use levodose::target::{self, all_hold, Target};
use nalgebra::{DMatrix, DVector};
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;
use std::collections::BTreeMap;

/// Prior-predictive quantiles outside which a level is "implausible for the recorded dose"
/// (issue 12: above the 99th percentile of the prior predictive; symmetric below the 1st).
pub const IMPLAUSIBLE_QUANTILES: (f64, f64) = (0.01, 0.99);

/// Profile and PTA intervals: 5th-95th percentile of the posterior draws, the percentiles every
/// population summary of levodose reports.
pub const INTERVAL_QUANTILES: (f64, f64) = (0.05, 0.95);

/// The built-in prior: the monograph's typical subject adjusted for this patient's CrCl and
/// co-medications exactly as `simulate` adjusts one subject ([`subject::individual_human`]),
/// log-normal IIV of CL/F, V/F and ka from `[variability]`, the lag without IIV, and the
/// monograph's proportional residual error. Covariates are already in the typical values, so the
/// returned model has none.
pub fn monograph_prior(
    m: &Monograph,
    crcl_ml_per_min: Option<f64>,
    comedications: &[String],
) -> Result<Model> {
    let comeds = interactions::resolve(m, comedications)?;
    if let Some(c) = comeds.iter().find(|c| c.days.is_some()) {
        return Err(Error::input(
            "comed",
            format!(
                "\"{}\": individualize takes a co-medication throughout the dosing history (write \"{}\")",
                c.label(),
                c.name
            ),
        ));
    }
    let person = Subject {
        weight_kg: None,
        crcl_ml_per_min,
        comedications: comedications.to_vec(),
    };
    let p = subject::individual_human(m, &person, &PkOverride::default())?.params;
    if p.peripheral.is_some() {
        return Err(Error::input(
            "monograph",
            format!(
                "the {} monograph has a two-compartment model; individualize needs one compartment (give --model)",
                m.compound.name
            ),
        ));
    }
    let v = m.variability.as_ref().ok_or_else(|| {
        Error::input(
            "monograph",
            format!(
                "the {} monograph has no [variability], so it cannot be a prior (give --model)",
                m.compound.name
            ),
        )
    })?;
    let residual = v
        .residual_proportional_sd_fraction
        .as_ref()
        .ok_or_else(|| {
            Error::input(
                "variability.residual_proportional_sd_fraction",
                format!(
                    "missing in the {} monograph, so levels have no likelihood (give --model)",
                    m.compound.name
                ),
            )
        })?;
    let omega = Omega::from_monograph(m)?.unwrap_or_else(Omega::none);
    if omega.variance.iter().any(|w| *w <= 0.0) {
        return Err(Error::input(
            "variability",
            "individualize needs a variability above 0 for CL/F, V/F and ka",
        ));
    }
    let cov = omega.covariance();
    let matrix = DMatrix::from_fn(3, 3, |i, j| cov[i][j]);
    // CL and V are apparent (CL/F, V/F): the fit's predictions take F = 1.
    let f = p.bioavailability;
    let mut theta = vec![p.clearance_l_per_h / f, p.volume_l / f, p.ka_per_h];
    let structure = if p.lag_h > 0.0 {
        theta.push(p.lag_h);
        Structure::Oral1Lag
    } else {
        Structure::Oral1
    };
    Ok(Model {
        structure,
        theta_fixed: vec![false; theta.len()],
        theta,
        eta_parameter: vec![0, 1, 2],
        omega: matrix,
        omega_fixed: vec![false; 3],
        omega_pairs: vec![],
        covariates: vec![],
        error: ErrorModel {
            additive_sd: None,
            proportional_sd: Some(residual.value),
            fixed: true,
        },
    })
}

/// What to compute for one patient.
#[derive(Debug, Clone)]
pub struct TdmSpec {
    pub prior: Model,
    /// Covariate values in the prior model's covariate order.
    pub covariates: Vec<f64>,
    /// The dosing history (free base mg, hours since the first dose).
    pub doses: Vec<DoseEvent>,
    pub levels: Vec<Level>,
    pub crcl_ml_per_min: Option<f64>,
    pub comedications: Vec<String>,
    /// Target expressions (all must hold); empty = the monograph's research target.
    pub targets: Vec<String>,
    /// Required posterior probability of target attainment.
    pub pta: f64,
    /// Candidate once-daily doses (mg); None = the label's maintenance doses.
    pub doses_mg: Option<Vec<f64>>,
    pub samples: usize,
    pub seed: u64,
    pub basis: Basis,
    /// End of the predicted profile (h since the first dose) and its step.
    pub profile_end_h: f64,
    pub profile_step_h: f64,
}

/// One measured level with its individual prediction and the prior predictive range.
#[derive(Debug, Clone, Serialize)]
pub struct LevelCheck {
    pub time_h: f64,
    pub conc_ng_per_ml: f64,
    /// Prediction at the MAP parameters (NONMEM's IPRED).
    pub ipred_ng_per_ml: f64,
    /// Prediction of the prior's typical patient (NONMEM's PRED).
    pub pred_ng_per_ml: f64,
    /// 1st and 99th percentile of the prior predictive (IIV and residual error) at this time.
    pub prior_p01_ng_per_ml: f64,
    pub prior_p99_ng_per_ml: f64,
    pub plausible: bool,
}

/// A profile quantity: MAP prediction and the 5th/50th/95th percentiles of the posterior draws.
#[derive(Debug, Clone, Serialize)]
pub struct Band {
    pub map: Vec<f64>,
    pub p05: Vec<f64>,
    pub p50: Vec<f64>,
    pub p95: Vec<f64>,
}

/// Predicted profiles over the dosing history.
#[derive(Debug, Clone, Serialize)]
pub struct Profiles {
    pub time_h: Vec<f64>,
    pub conc_ng_per_ml: Band,
    pub net_occupancy: Band,
    pub sert_occupancy: Band,
}

/// The dose search for this patient (the fields `optimize` reports).
#[derive(Debug, Clone, Serialize)]
pub struct DoseChoice {
    pub targets: Vec<String>,
    pub target_basis: String,
    pub pta_required: f64,
    pub tau_h: f64,
    pub label_cap_mg: Option<f64>,
    pub label_cap_reason: String,
    /// The lowest label-conform candidate whose posterior PTA reaches `pta_required`.
    pub recommended_dose_mg: Option<f64>,
    pub closest_dose_mg: Option<f64>,
    pub message: String,
    pub candidates: Vec<Candidate>,
}

/// Everything `levodose individualize` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Tdm {
    pub compound: String,
    pub research_note: &'static str,
    pub structure: &'static str,
    /// Prior typical values of this patient (after covariates), natural scale.
    pub prior_typical: BTreeMap<String, f64>,
    pub residual_error: ErrorModel,
    pub map: MapEstimate,
    pub levels: Vec<LevelCheck>,
    pub profiles: Profiles,
    pub dose: DoseChoice,
    pub samples: usize,
    pub seed: u64,
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
}

/// Runs the individualisation: MAP, level checks, profiles, dose.
pub fn individualize(m: &Monograph, spec: &TdmSpec) -> Result<Tdm> {
    validate(spec)?;
    let model = &spec.prior;
    let phi_typical = typical_log_parameters(model, &spec.covariates)?;
    let map = map_estimate(model, &spec.doses, &spec.levels, &spec.covariates)?;
    let ne = model.n_eta();
    let mode = DVector::from_iterator(
        ne,
        (0..ne).map(|e| map.eta.get(model.eta_name(e)).copied().unwrap_or(0.0)),
    );
    let cov = DMatrix::from_fn(ne, ne, |a, b| map.eta_covariance[a][b]);
    let chol = cov.clone().cholesky().ok_or_else(|| {
        Error::Numerical(
            "the Laplace covariance of the MAP estimate is not positive definite".into(),
        )
    })?;
    let post_l = chol.l();
    let prior_l = model
        .omega
        .clone()
        .cholesky()
        .ok_or_else(|| Error::input("omega", "not positive definite"))?
        .l();

    let params_of = |eta: &DVector<f64>| -> PkParams {
        let mut phi = phi_typical.clone();
        for (e, &k) in model.eta_parameter.iter().enumerate() {
            phi[k] += eta[e];
        }
        engine_params(model.structure, &phi)
    };
    let draw = |stream: usize, l: &DMatrix<f64>, mean: &DVector<f64>| -> (DVector<f64>, f64) {
        let mut rng = population::subject_rng(spec.seed, stream);
        let z = DVector::from_iterator(
            ne,
            (0..ne).map(|_| -> f64 { StandardNormal.sample(&mut rng) }),
        );
        let eps: f64 = StandardNormal.sample(&mut rng);
        (mean + l * z, eps)
    };
    let n = spec.samples;
    let posterior: Vec<PkParams> = (0..n)
        .map(|i| params_of(&draw(i, &post_l, &mode).0))
        .collect();
    let map_params = params_of(&mode);
    let typical_params = params_of(&DVector::zeros(ne));

    let mut findings = Vec::new();
    let levels = check_levels(spec, &typical_params, &map_params, |i| {
        let (eta, eps) = draw(n + i, &prior_l, &DVector::zeros(ne));
        (params_of(&eta), eps)
    })?;
    for (i, l) in levels.iter().enumerate().filter(|(_, l)| !l.plausible) {
        findings.push(Finding::new(
            "level_implausible",
            Severity::Warning,
            format!(
                "level {} ({} ng/mL at {} h) is implausible for the recorded dose: outside the prior predictive {:.0}-{:.0} % range {:.3}-{:.3} ng/mL; check the dose history, the sampling time and the unit before trusting the estimate",
                i + 1,
                l.conc_ng_per_ml,
                l.time_h,
                IMPLAUSIBLE_QUANTILES.0 * 100.0,
                IMPLAUSIBLE_QUANTILES.1 * 100.0,
                l.prior_p01_ng_per_ml,
                l.prior_p99_ng_per_ml
            ),
            "LEVODOSE",
        ));
    }
    if !map.converged {
        findings.push(Finding::new(
            "map_not_converged",
            Severity::Warning,
            "the MAP search did not converge; the estimate may not be the mode",
            "LEVODOSE",
        ));
    }
    let occ = OccupancyModel::from_monograph(m, spec.basis, None, None)?;
    let profiles = profiles(spec, &occ, &map_params, &posterior)?;
    let dose = choose_dose(m, spec, &occ, &posterior)?;
    if dose.recommended_dose_mg.is_none() {
        findings.push(Finding::new(
            "target_not_reached",
            Severity::Warning,
            dose.message.clone(),
            "LEVODOSE",
        ));
    }
    let names = model.names();
    let mut notes = vec![
        format!(
            "MAP: conditional mode of the patient's etas given {} level(s) (the post hoc step of FOCE-I); 95 % intervals from the Laplace covariance (Omega^-1 + H)^-1 at the mode",
            spec.levels.len()
        ),
        format!(
            "profile and PTA: {n} draws of the etas from the Laplace posterior N(mode, covariance), seed {}; the profile interval is the {:.0}-{:.0} % range of the true concentration (parameter uncertainty, no residual error)",
            spec.seed,
            INTERVAL_QUANTILES.0 * 100.0,
            INTERVAL_QUANTILES.1 * 100.0
        ),
        "dose: each candidate once daily at steady state for the posterior draws; the label cap for the patient's CrCl and co-medications as in optimize".into(),
    ];
    if model.n_eta() < names.len() {
        let fixed: Vec<&str> = (0..names.len())
            .filter(|k| !model.eta_parameter.contains(k))
            .map(|k| names[k])
            .collect();
        notes.push(format!(
            "no inter-individual variability in the prior for {}: kept at the typical value",
            fixed.join(", ")
        ));
    }
    Ok(Tdm {
        compound: m.compound.name.clone(),
        research_note: levodose::RESEARCH_USE_NOTE,
        structure: model.structure.as_str(),
        prior_typical: names
            .iter()
            .zip(&phi_typical)
            .map(|(n, p)| (n.to_string(), p.exp()))
            .collect(),
        residual_error: model.error,
        map,
        levels,
        profiles,
        dose,
        samples: n,
        seed: spec.seed,
        findings,
        notes,
    })
}

/// Upper bound of the posterior draws (memory of the profile bands grows with it).
pub const MAX_SAMPLES: usize = 100_000;

fn validate(spec: &TdmSpec) -> Result<()> {
    if spec.prior.structure == Structure::Iv1 {
        return Err(Error::input(
            "model.structure",
            "individualize needs an oral structure (oral-1cpt or oral-1cpt-lag): the dose is chosen as once-daily oral doses",
        ));
    }
    if spec.samples < 100 || spec.samples > MAX_SAMPLES {
        return Err(Error::input(
            "samples",
            format!("{} is outside 100 to {MAX_SAMPLES}", spec.samples),
        ));
    }
    levodose::error::check_range("pta", spec.pta, 0.01, 1.0, "")?;
    if spec.doses.is_empty() {
        return Err(Error::input(
            "doses",
            "the dosing history has no dose before the levels",
        ));
    }
    if !(spec.profile_step_h > 0.0 && spec.profile_end_h.is_finite() && spec.profile_end_h > 0.0) {
        return Err(Error::input(
            "profile",
            format!(
                "end {} h and step {} h must be > 0",
                spec.profile_end_h, spec.profile_step_h
            ),
        ));
    }
    Ok(())
}

/// Engine parameters from log-parameters in `structure.parameter_names()` order (F = 1: the
/// model's CL and V are apparent).
pub fn engine_params(structure: Structure, phi: &[f64]) -> PkParams {
    let mut p = PkParams::one_compartment(phi[0].exp(), phi[1].exp(), phi[2].exp());
    if structure == Structure::Oral1Lag {
        p.lag_h = phi[3].exp();
    }
    p
}

/// PRED, IPRED and the prior predictive range of each level; `prior_draw(i)` gives draw `i`
/// of the prior (parameters and a standard normal residual deviate).
fn check_levels(
    spec: &TdmSpec,
    typical: &PkParams,
    map: &PkParams,
    prior_draw: impl Fn(usize) -> (PkParams, f64),
) -> Result<Vec<LevelCheck>> {
    if spec.levels.is_empty() {
        return Ok(vec![]);
    }
    let (times, order) = sorted_times(&spec.levels);
    let pred = reorder(&pk::concentrations(typical, &spec.doses, &times)?, &order);
    let ipred = reorder(&pk::concentrations(map, &spec.doses, &times)?, &order);
    let err = spec.prior.error;
    let mut draws: Vec<Vec<f64>> = vec![Vec::with_capacity(spec.samples); spec.levels.len()];
    for i in 0..spec.samples {
        let (p, eps) = prior_draw(i);
        let f = reorder(&pk::concentrations(&p, &spec.doses, &times)?, &order);
        for (j, fj) in f.iter().enumerate() {
            let sd = (err.additive_sd.unwrap_or(0.0).powi(2)
                + (err.proportional_sd.unwrap_or(0.0) * fj).powi(2))
            .sqrt();
            draws[j].push(fj + sd * eps);
        }
    }
    Ok(spec
        .levels
        .iter()
        .enumerate()
        .map(|(j, l)| {
            let lo = quantile_mut(&mut draws[j], IMPLAUSIBLE_QUANTILES.0);
            let hi = quantile_mut(&mut draws[j], IMPLAUSIBLE_QUANTILES.1);
            LevelCheck {
                time_h: l.time_h,
                conc_ng_per_ml: l.conc_ng_per_ml,
                ipred_ng_per_ml: ipred[j],
                pred_ng_per_ml: pred[j],
                prior_p01_ng_per_ml: lo,
                prior_p99_ng_per_ml: hi,
                plausible: l.conc_ng_per_ml >= lo && l.conc_ng_per_ml <= hi,
            }
        })
        .collect())
}

/// Level times in ascending order (the engine's cursor moves forward) and each level's index.
fn sorted_times(levels: &[Level]) -> (Vec<f64>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..levels.len()).collect();
    idx.sort_by(|&a, &b| levels[a].time_h.total_cmp(&levels[b].time_h));
    let times = idx.iter().map(|&i| levels[i].time_h).collect();
    let mut position = vec![0; levels.len()];
    for (k, &i) in idx.iter().enumerate() {
        position[i] = k;
    }
    (times, position)
}

/// Values at sorted positions back in level order.
fn reorder(sorted: &[f64], position: &[usize]) -> Vec<f64> {
    position.iter().map(|&k| sorted[k]).collect()
}

fn band(map: Vec<f64>, draws: &mut [Vec<f64>]) -> Band {
    let mut p05 = Vec::with_capacity(draws.len());
    let mut p50 = Vec::with_capacity(draws.len());
    let mut p95 = Vec::with_capacity(draws.len());
    for d in draws.iter_mut() {
        p05.push(quantile_mut(d, INTERVAL_QUANTILES.0));
        p50.push(quantile_mut(d, 0.5));
        p95.push(quantile_mut(d, INTERVAL_QUANTILES.1));
    }
    Band { map, p05, p50, p95 }
}

fn profiles(
    spec: &TdmSpec,
    occ: &OccupancyModel,
    map: &PkParams,
    posterior: &[PkParams],
) -> Result<Profiles> {
    let steps = (spec.profile_end_h / spec.profile_step_h).round() as usize;
    let times: Vec<f64> = (0..=steps)
        .map(|i| i as f64 * spec.profile_step_h)
        .collect();
    let map_c = pk::concentrations(map, &spec.doses, &times)?;
    let mut c = vec![Vec::with_capacity(posterior.len()); times.len()];
    let mut net = c.clone();
    let mut sert = c.clone();
    for p in posterior {
        for (j, x) in pk::concentrations(p, &spec.doses, &times)?
            .into_iter()
            .enumerate()
        {
            c[j].push(x);
            net[j].push(occ.net(x));
            sert[j].push(occ.sert(x));
        }
    }
    Ok(Profiles {
        net_occupancy: band(map_c.iter().map(|&x| occ.net(x)).collect(), &mut net),
        sert_occupancy: band(map_c.iter().map(|&x| occ.sert(x)).collect(), &mut sert),
        conc_ng_per_ml: band(map_c, &mut c),
        time_h: times,
    })
}

/// The lowest label-conform once-daily dose whose posterior PTA reaches the requirement.
fn choose_dose(
    m: &Monograph,
    spec: &TdmSpec,
    occ: &OccupancyModel,
    posterior: &[PkParams],
) -> Result<DoseChoice> {
    let (target_texts, target_basis) = if spec.targets.is_empty() {
        let t = m.default_research_target.as_ref().ok_or_else(|| {
            Error::input(
                "target",
                format!(
                    "the {} monograph has no default research target; give --target",
                    m.compound.name
                ),
            )
        })?;
        (
            vec![t.expression.clone()],
            format!(
                "no target given: the monograph's default research target {} ({}, {}): {}",
                t.expression, t.source, t.status, t.note
            ),
        )
    } else {
        (
            spec.targets.clone(),
            "targets given by the user".to_string(),
        )
    };
    let targets: Vec<Target> = target::parse_all(&target_texts)?;
    let mut doses = spec
        .doses_mg
        .clone()
        .unwrap_or_else(|| m.compound.usual_doses_mg.values.clone());
    if doses.is_empty() {
        return Err(Error::input("doses", "give at least one dose"));
    }
    for d in &doses {
        levodose::error::check_range("doses", *d, 0.001, 10000.0, "mg")?;
    }
    doses.sort_by(f64::total_cmp);
    doses.dedup();
    let comeds = interactions::resolve(m, &spec.comedications)?;
    let (cap_mg, cap_reason, label_src) =
        levodose::optimize::label_cap(m, spec.crcl_ml_per_min, &comeds);
    let tau = m.compound.usual_tau_h.value;
    let subjects: Vec<Individual> = posterior
        .iter()
        .enumerate()
        .map(|(i, p)| Individual {
            id: (i + 1).to_string(),
            params: *p,
            weight_kg: None,
            crcl_ml_per_min: spec.crcl_ml_per_min,
        })
        .collect();
    let mut candidates = Vec::new();
    for &dose in &doses {
        let ev = DoseEvent {
            time_h: 0.0,
            amount_mg: dose,
            route: Route::Po,
            infusion_h: None,
        };
        let steady = population::steady_metrics(&subjects, occ, &ev, tau)?;
        let pta = share(steady.iter().map(|s| all_hold(&targets, s)));
        let (metrics, target_metrics) = levodose::optimize::candidate_metrics(&steady, &targets);
        let label_conform = m.label.is_none() || cap_mg.is_some_and(|c| dose <= c + 1e-9);
        let mut findings = Vec::new();
        if !label_conform {
            findings.push(Finding::new(
                "above_label_cap",
                Severity::Warning,
                format!(
                    "{dose} mg once daily is {}; not eligible for the recommendation",
                    match cap_mg {
                        Some(c) => format!("above the label cap of {c} mg for this patient ({cap_reason})"),
                        None => cap_reason.clone(),
                    }
                ),
                label_src.clone(),
            ));
        }
        candidates.push(Candidate {
            dose_mg: dose,
            regimen: format!("{dose}mg po qd"),
            pta,
            label_conform,
            target_metrics,
            metrics,
            adverse_events: None,
            findings,
        });
    }
    let target_text = target_texts.join(" and ");
    let chosen = candidates
        .iter()
        .find(|c| c.label_conform && c.pta >= spec.pta);
    let (recommended, closest, message) = match chosen {
        Some(c) => (
            Some(c.dose_mg),
            None,
            format!(
                "lowest label-conform dose with posterior PTA >= {} for {target_text}: {} mg once daily (PTA {:.3})",
                spec.pta, c.dose_mg, c.pta
            ),
        ),
        None => {
            let best = closest_to_target(&candidates, &targets, |c| c.label_conform);
            let msg = match best {
                Some(b) => format!(
                    "no label-conform dose reaches posterior PTA >= {} for {target_text}. Closest to the target: {} mg once daily (PTA {:.3}). No dose is recommended",
                    spec.pta, b.dose_mg, b.pta
                ),
                None => format!(
                    "no candidate dose is within the label for this patient ({cap_reason}); no dose is recommended"
                ),
            };
            (None, best.map(|b| b.dose_mg), msg)
        }
    };
    Ok(DoseChoice {
        targets: targets.iter().map(Target::to_string).collect(),
        target_basis,
        pta_required: spec.pta,
        tau_h: tau,
        label_cap_mg: cap_mg,
        label_cap_reason: cap_reason,
        recommended_dose_mg: recommended,
        closest_dose_mg: closest,
        message,
        candidates,
    })
}
