//! Virtual populations: log-normal inter-individual variability on
//! CL/F, V/F and ka with a correlation matrix (`variability`), covariates sampled from a
//! population definition or fixed (`covariates`), or individual parameters from a table
//! (post-hoc estimates). Each subject draws from its own ChaCha stream (seed, stream = subject
//! index), so results do not depend on the number of threads; subjects run in parallel (rayon).
//! Percentiles and the probability of target attainment are in `summary`; the one-compartment
//! fast paths in `fast`.

pub mod covariates;
pub mod fast;
pub mod params_table;
pub mod summary;
pub mod variability;

pub use crate::metric::{LastMetrics, SteadyMetrics};
pub use covariates::{Covariate, CovariateSpec};
pub use params_table::{parse_parameters, ParameterTable};
pub use summary::{stat, Stat};
pub use variability::Omega;

use crate::error::{Error, Result};
use crate::interactions;
use crate::metric::{Metric, MetricStats, MetricValues};
use crate::monograph::Monograph;
use crate::occupancy::{Basis, OccupancyModel};
use crate::pk::{self, PkParams};
use crate::regimen::{Amount, DoseEvent, ResolveContext};
use crate::simulate::{parse_regimen, steady_state_out, Scenario, MAX_STEP_H};
use crate::subject::{checked_clearance_factor, typical_human, PkOverride};
use crate::target::{all_hold, Target};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::Serialize;

/// Largest population.
pub const MAX_SUBJECTS: usize = 2_000_000;

/// Subjects per tile of stored profiles (64 f32 = four cache lines per time point).
const TILE: usize = 64;

/// Largest number of stored profile values (subjects x grid points) for percentile bands:
/// 2.5e8 f32 = 1 GB, plus one gathered column per thread. Exact bands need every subject's
/// value at each time point; beyond this a run must drop the bands or use a coarser grid.
pub const MAX_PROFILE_VALUES: usize = 250_000_000;

/// Number of output grid points of a scenario (0 to days x 24 h every `step_h`).
pub fn grid_points(sc: &Scenario) -> usize {
    (sc.days as f64 * 24.0 / sc.step_h).round() as usize + 1
}

/// Checks that percentile bands of `n_subjects` profiles fit the memory budget
/// ([`MAX_PROFILE_VALUES`]); the error says how to get the run within it.
pub fn check_profile_budget(n_subjects: usize, sc: &Scenario) -> Result<()> {
    let points = grid_points(sc);
    let values = n_subjects.saturating_mul(points);
    if values <= MAX_PROFILE_VALUES {
        return Ok(());
    }
    let horizon_h = sc.days as f64 * 24.0;
    let points_allowed = (MAX_PROFILE_VALUES / n_subjects.max(1)).max(2);
    let coarsest_needed_h = horizon_h / (points_allowed - 1) as f64;
    let most_subjects = MAX_PROFILE_VALUES / points;
    let coarser = if coarsest_needed_h <= MAX_STEP_H {
        format!(
            "a coarser grid (--step-h {:.2} or more), ",
            (coarsest_needed_h * 100.0).ceil() / 100.0
        )
    } else {
        String::new()
    };
    Err(Error::input(
        "subjects",
        format!(
            "profile bands need {n_subjects} subjects x {points} grid points = {:.3e} stored values, above the limit of {:.1e} (about 1 GB); \
             omit the bands with --no-profile (percentile tables and PTA are still computed), or use {coarser}at most {most_subjects} subjects",
            values as f64,
            MAX_PROFILE_VALUES as f64,
        ),
    ))
}

/// One subject's individual parameters and covariates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Individual {
    pub id: String,
    pub params: PkParams,
    pub weight_kg: Option<f64>,
    pub crcl_ml_per_min: Option<f64>,
}

/// How to sample a virtual population.
#[derive(Debug, Clone)]
pub struct SampleSpec {
    pub n: usize,
    pub seed: u64,
    pub covariates: CovariateSpec,
    /// Co-medications every subject takes (CYP3A4 effects on CL).
    pub comedications: Vec<String>,
    /// Overrides of the typical parameters (scenario `[pk]`).
    pub pk: PkOverride,
    pub omega: Omega,
}

impl SampleSpec {
    /// The monograph's variability and default population, `n` subjects.
    pub fn from_monograph(m: &Monograph, n: usize, seed: u64) -> Result<SampleSpec> {
        Ok(SampleSpec {
            n,
            seed,
            covariates: CovariateSpec::from_monograph(m)?,
            comedications: vec![],
            pk: PkOverride::default(),
            omega: Omega::from_monograph(m)?.unwrap_or_else(Omega::none),
        })
    }
}

/// The random stream of subject `index`: ChaCha8 seeded with `seed`, stream `index`.
pub fn subject_rng(seed: u64, index: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64);
    rng
}

/// Population runs hold each subject's clearance constant: a co-medication with a day range
/// is refused with a message rather than applied from day 1.
pub(crate) fn reject_time_varying(comeds: &[interactions::ResolvedComed]) -> Result<()> {
    match comeds.iter().find(|c| c.days.is_some()) {
        Some(c) => Err(Error::input(
            "comed",
            format!(
                "\"{}\": co-medication day ranges are supported for one subject (simulate without --subjects); populations take a co-medication throughout (write \"{}\")",
                c.label(),
                c.name
            ),
        )),
        None => Ok(()),
    }
}

/// Samples `spec.n` subjects: P_i = P_typ * f(CrCl, CYP3A4) * exp(eta_i) for CL, exp(eta) for V, ka.
pub fn sample(m: &Monograph, spec: &SampleSpec) -> Result<Vec<Individual>> {
    if spec.n == 0 || spec.n > MAX_SUBJECTS {
        return Err(Error::input(
            "subjects",
            format!("{} is outside 1 to {MAX_SUBJECTS}", spec.n),
        ));
    }
    let typical = typical_human(m, &spec.pk)?;
    let comeds = interactions::resolve(m, &spec.comedications)?;
    reject_time_varying(&comeds)?;
    let r = interactions::combined_activity(&comeds);
    (0..spec.n)
        .into_par_iter()
        .map(|i| {
            let mut rng = subject_rng(spec.seed, i);
            let z: [f64; 3] = [
                StandardNormal.sample(&mut rng),
                StandardNormal.sample(&mut rng),
                StandardNormal.sample(&mut rng),
            ];
            let eta = spec.omega.eta(z);
            let weight = spec.covariates.weight_kg.draw(&mut rng);
            let crcl = spec.covariates.crcl_ml_per_min.draw(&mut rng);
            let factor = checked_clearance_factor(m, crcl, r)?;
            let mut p = typical;
            p.clearance_l_per_h *= factor * eta[0].exp();
            p.volume_l *= crate::subject::volume_factor(m, crcl) * eta[1].exp();
            p.ka_per_h *= eta[2].exp();
            Ok(Individual {
                id: (i + 1).to_string(),
                params: p,
                weight_kg: weight,
                crcl_ml_per_min: crcl,
            })
        })
        .collect()
}

/// Running statistics of the last interval [w0, w1] over grid points (trapezoid rule).
struct Window<'a> {
    w0: f64,
    w1: f64,
    occ: &'a OccupancyModel,
    prev: Option<(f64, f64, f64, f64)>,
    cmax: f64,
    tmax: f64,
    cmin: f64,
    auc: f64,
    net_area: f64,
    sert_area: f64,
    first: f64,
    last: f64,
}

impl<'a> Window<'a> {
    fn new(w0: f64, w1: f64, occ: &'a OccupancyModel) -> Self {
        Window {
            w0,
            w1,
            occ,
            prev: None,
            cmax: f64::NEG_INFINITY,
            tmax: 0.0,
            cmin: f64::INFINITY,
            auc: 0.0,
            net_area: 0.0,
            sert_area: 0.0,
            first: f64::NAN,
            last: f64::NAN,
        }
    }
    #[inline]
    fn push(&mut self, t: f64, c: f64) {
        if t < self.w0 - 1e-9 || t > self.w1 + 1e-9 {
            return;
        }
        let (n, s) = (self.occ.net(c), self.occ.sert(c));
        if c > self.cmax {
            self.cmax = c;
            self.tmax = t - self.w0;
        }
        self.cmin = self.cmin.min(c);
        if let Some((t0, c0, n0, s0)) = self.prev {
            let dt = t - t0;
            self.auc += 0.5 * (c + c0) * dt;
            self.net_area += 0.5 * (n + n0) * dt;
            self.sert_area += 0.5 * (s + s0) * dt;
        } else {
            self.first = t;
        }
        self.last = t;
        self.prev = Some((t, c, n, s));
    }
    fn finish(&self) -> LastMetrics {
        let span = self.last - self.first;
        let (cavg, net_avg, sert_avg) = match self.prev {
            Some((_, c, n, s)) if span <= 0.0 => (c, n, s),
            Some(_) => (self.auc / span, self.net_area / span, self.sert_area / span),
            None => (f64::NAN, f64::NAN, f64::NAN),
        };
        LastMetrics {
            cmax_ng_per_ml: self.cmax,
            tmax_h: self.tmax,
            cmin_ng_per_ml: self.cmin,
            cavg_ng_per_ml: cavg,
            auc_ng_h_per_ml: self.auc,
            net_occupancy_trough: self.occ.net(self.cmin),
            net_occupancy_peak: self.occ.net(self.cmax),
            net_occupancy_average: net_avg,
            sert_occupancy_trough: self.occ.sert(self.cmin),
            sert_occupancy_peak: self.occ.sert(self.cmax),
            sert_occupancy_average: sert_avg,
        }
    }
}

/// Percentiles of a profile at one time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
}

/// Percentiles of the concentration (ng/mL) at one time, with the NET and SERT occupancy bands.
/// Occupancy rises with concentration, so its percentiles are the occupancy at the
/// concentration percentiles.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BandPoint {
    pub time_h: f64,
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
    pub net_occupancy: Band,
    pub sert_occupancy: Band,
}

/// One given subject's results (parameter-table runs).
#[derive(Debug, Clone, Serialize)]
pub struct SubjectOut {
    pub id: String,
    pub params: PkParams,
    pub steady_state: Option<SteadyMetrics>,
    pub last_interval: LastMetrics,
}

/// The `population` block of `simulate --subjects` (README, "Populations and the dose question").
#[derive(Debug, Clone, Serialize)]
pub struct PopulationSummary {
    pub n: usize,
    pub seed: Option<u64>,
    /// Where the subjects come from (population definition or parameter table).
    pub source: String,
    /// Percentiles of the steady-state metrics (names of `summary.steady_state`).
    pub metrics: MetricStats,
    /// Percentiles of the last-interval metrics (read from the output grid).
    pub last_interval: MetricStats,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// Probability of target attainment: share of subjects meeting every target at steady state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pta: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profile_bands: Vec<BandPoint>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<SubjectOut>,
    pub notes: Vec<String>,
    /// Per-subject steady-state metrics (not serialised).
    #[serde(skip)]
    pub steady: Vec<SteadyMetrics>,
}

/// Options of a population run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Keep the concentration profiles to report percentile bands.
    pub profiles: bool,
    /// Report each subject (parameter tables).
    pub per_subject: bool,
    pub seed: Option<u64>,
    pub source: String,
    /// Notes of the caller about where the subjects came from (reported first).
    pub notes: Vec<String>,
}

/// Steady-state metrics of each subject for `dose` every `tau_h` (closed form for one
/// compartment and extravascular dosing; the exact engine otherwise).
pub fn steady_metrics(
    subjects: &[Individual],
    occ: &OccupancyModel,
    dose: &DoseEvent,
    tau_h: f64,
) -> Result<Vec<SteadyMetrics>> {
    subjects
        .par_iter()
        .map(|s| {
            if fast::closed_form_applies(
                &s.params,
                dose.route.is_extravascular(),
                dose.infusion_h.is_some(),
                tau_h,
            ) {
                Ok(fast::steady_state(&s.params, occ, dose.amount_mg, tau_h))
            } else {
                steady_state_out(&s.params, occ, dose, tau_h).map(|o| o.metrics)
            }
        })
        .collect()
}

/// Simulates the scenario's regimen for every subject and summarises the population, in named
/// steps: validate the run, resolve the plan every subject shares (`Plan::resolve`), run the
/// subjects (`run_subjects`), summarise (`summarise`).
pub fn simulate(
    m: &Monograph,
    sc: &Scenario,
    subjects: &[Individual],
    targets: &[Target],
    opts: &RunOptions,
) -> Result<PopulationSummary> {
    sc.validate()?;
    if subjects.is_empty() {
        return Err(Error::input("subjects", "the population is empty"));
    }
    if opts.profiles {
        check_profile_budget(subjects.len(), sc)?;
    }
    let plan = Plan::resolve(m, sc, targets)?;
    let (results, tiles) = run_subjects(&plan, subjects, opts.profiles)?;
    Ok(summarise(
        m, &plan, subjects, targets, opts, &results, &tiles,
    ))
}

/// Steady-state and last-interval metrics of one subject.
type SubjectResult = (Option<SteadyMetrics>, LastMetrics);

/// What every subject of a run shares: the regimen and its doses, the output grid, the last
/// interval's definition and the occupancy model.
struct Plan<'a> {
    m: &'a Monograph,
    sc: &'a Scenario,
    regimen: crate::regimen::Regimen,
    occ: OccupancyModel,
    horizon: f64,
    n_points: usize,
    times: Vec<f64>,
    per_kg: bool,
    ref_weight: Option<f64>,
    shared_doses: Vec<DoseEvent>,
    maint: Option<crate::regimen::Segment>,
    tau: Option<f64>,
    /// The maintenance dose is the same for every subject unless it is per kg.
    shared_amount: Option<f64>,
}

impl<'a> Plan<'a> {
    fn resolve(m: &'a Monograph, sc: &'a Scenario, targets: &[Target]) -> Result<Plan<'a>> {
        let regimen = parse_regimen(m, &sc.regimen)?;
        let basis: Basis = sc.occupancy.basis.unwrap_or_default();
        let occ = OccupancyModel::from_monograph(
            m,
            basis,
            sc.occupancy.brain_to_plasma_unbound_ratio,
            None,
        )?;
        let horizon = sc.days as f64 * 24.0;
        let n_points = grid_points(sc);
        let per_kg = regimen
            .segments
            .iter()
            .any(|s| matches!(s.amount, Amount::MgPerKg(_)));
        let ref_weight = sc
            .subject
            .weight_kg
            .or(Some(m.human.weight_reference_kg.value));
        let mut plan = Plan {
            m,
            sc,
            occ,
            horizon,
            n_points,
            times: (0..n_points)
                .map(|i| (i as f64 * sc.step_h).min(horizon))
                .collect(),
            per_kg,
            ref_weight,
            shared_doses: Vec::new(),
            maint: regimen.maintenance().copied(),
            tau: None,
            shared_amount: None,
            regimen,
        };
        plan.shared_doses = plan.regimen.events(&plan.ctx_for(None))?;
        let shared_doses = &plan.shared_doses;
        if shared_doses.is_empty() {
            return Err(Error::input(
                "regimen",
                format!("no dose falls within the {} simulated days", sc.days),
            ));
        }
        if shared_doses
            .iter()
            .any(|d| d.route.is_extravascular() && d.route != shared_doses[0].route)
        {
            return Err(Error::input(
                "regimen",
                "one extravascular route per simulation (po or ip)",
            ));
        }
        plan.tau = plan.maint.and_then(|s| s.frequency.tau_h());
        if !targets.is_empty() && plan.tau.is_none() {
            return Err(Error::input(
                "target",
                "targets apply at steady state; the regimen ends with a single dose",
            ));
        }
        plan.shared_amount = match plan.maint {
            Some(seg) if !per_kg => crate::label::segment_base_mg(&seg, &plan.ctx_for(None)),
            _ => None,
        };
        Ok(plan)
    }

    fn ctx_for(&self, w: Option<f64>) -> ResolveContext {
        ResolveContext {
            weight_kg: w.or(self.ref_weight),
            molar_mass_base: self.m.compound.molar_mass_base_g_per_mol.value,
            molar_mass_salt: self.m.salt_molar_mass(),
            days: self.sc.days,
        }
    }

    /// The last interval [w0, w1] as grid indices i0..=i1 (t_i = i step within 1e-9 h).
    fn window_of(&self, w0: f64, w1: f64) -> (usize, usize) {
        let step = self.sc.step_h;
        let i0 = ((w0 - 1e-9) / step).ceil().max(0.0) as usize;
        let i1 = (((w1 + 1e-9) / step).floor().max(0.0) as usize).min(self.n_points - 1);
        (i0, i1)
    }

    /// One subject; `row` receives its profile on the grid, `actions` is a reused buffer.
    fn run_one(
        &self,
        s: &Individual,
        row: Option<&mut [f32]>,
        actions: &mut Vec<pk::Action>,
    ) -> Result<SubjectResult> {
        s.params
            .validate()
            .map_err(|e| Error::input(format!("subject {}", s.id), e.to_string()))?;
        let own;
        let doses: &[DoseEvent] = if self.per_kg {
            own = self.regimen.events(&self.ctx_for(s.weight_kg))?;
            &own
        } else {
            &self.shared_doses
        };
        let last = *doses.last().unwrap_or(&doses[0]);
        let tau_last = self.tau.unwrap_or(self.horizon - last.time_h);
        let w1 = (last.time_h + tau_last).min(self.horizon);
        let mut win = Window::new(last.time_h, w1, &self.occ);
        let step = self.sc.step_h;
        if s.params.peripheral.is_none() {
            fast::actions_into(actions, &s.params, doses);
            if let Some(row) = row {
                fast::grid(&s.params, actions, step, self.n_points, |i, c| {
                    row[i] = c as f32
                });
            }
            // The window again in f64, jumping dose to dose up to its start.
            let (i0, i1) = self.window_of(last.time_h, w1);
            fast::grid_range(&s.params, actions, step, i0..i1 + 1, |i, c| {
                win.push(i as f64 * step, c)
            });
        } else {
            let conc = pk::concentrations(&s.params, doses, &self.times)?;
            for (i, &c) in conc.iter().enumerate() {
                win.push(self.times[i], c);
            }
            if let Some(row) = row {
                for (r, c) in row.iter_mut().zip(&conc) {
                    *r = *c as f32;
                }
            }
        }
        Ok((self.steady(s, last.amount_mg)?, win.finish()))
    }

    /// Steady state of the maintenance dose for one subject (None without a repeated dose).
    fn steady(&self, s: &Individual, last_amount_mg: f64) -> Result<Option<SteadyMetrics>> {
        let (Some(seg), Some(tau)) = (self.maint, self.tau) else {
            return Ok(None);
        };
        let amount = self
            .shared_amount
            .or_else(|| crate::label::segment_base_mg(&seg, &self.ctx_for(s.weight_kg)))
            .unwrap_or(last_amount_mg);
        let m = if fast::closed_form_applies(
            &s.params,
            seg.route.is_extravascular(),
            seg.infusion_h.is_some(),
            tau,
        ) {
            fast::steady_state(&s.params, &self.occ, amount, tau)
        } else {
            let dose = DoseEvent {
                time_h: 0.0,
                amount_mg: amount,
                route: seg.route,
                infusion_h: seg.infusion_h,
            };
            steady_state_out(&s.params, &self.occ, &dose, tau)?.metrics
        };
        Ok(Some(m))
    }
}

/// Runs every subject in parallel; with `profiles`, also the profile tiles for the bands.
fn run_subjects(
    plan: &Plan,
    subjects: &[Individual],
    profiles: bool,
) -> Result<(Vec<SubjectResult>, Vec<Vec<u32>>)> {
    if !profiles {
        let results = subjects
            .par_iter()
            .map_init(Vec::new, |a, s| plan.run_one(s, None, a))
            .collect::<Result<_>>()?;
        return Ok((results, Vec::new()));
    }
    let n_points = plan.n_points;
    // Tiles of TILE subjects, time-major: subject i of a tile at t_j is tile[j * rows + i],
    // stored as `summary::f32_key` of the f32 concentration.
    let parts: Vec<(Vec<u32>, Vec<SubjectResult>)> = subjects
        .par_chunks(TILE)
        .map_init(
            || (Vec::new(), vec![0.0f32; TILE * n_points]),
            |(actions, rows), chunk| {
                let mut out = Vec::with_capacity(chunk.len());
                for (s, row) in chunk.iter().zip(rows.chunks_exact_mut(n_points)) {
                    out.push(plan.run_one(s, Some(row), actions)?);
                }
                let mut tile = Vec::with_capacity(chunk.len() * n_points);
                for j in 0..n_points {
                    tile.extend((0..chunk.len()).map(|i| summary::f32_key(rows[i * n_points + j])));
                }
                Ok((tile, out))
            },
        )
        .collect::<Result<_>>()?;
    let mut results = Vec::with_capacity(subjects.len());
    let mut tiles = Vec::with_capacity(parts.len());
    for (tile, out) in parts {
        tiles.push(tile);
        results.extend(out);
    }
    Ok((results, tiles))
}

/// Percentiles, PTA, bands, per-subject rows and notes of a run.
fn summarise(
    m: &Monograph,
    plan: &Plan,
    subjects: &[Individual],
    targets: &[Target],
    opts: &RunOptions,
    results: &[SubjectResult],
    tiles: &[Vec<u32>],
) -> PopulationSummary {
    let steady: Vec<SteadyMetrics> = results.iter().filter_map(|r| r.0).collect();
    let column_stats = |metrics: &[Metric], value: &(dyn Fn(usize, Metric) -> f64 + Sync)| {
        let stats: Vec<(Metric, Stat)> = metrics
            .par_iter()
            .map(|&m| {
                let col: Vec<f64> = (0..results.len()).map(|i| value(i, m)).collect();
                (m, stat(&col))
            })
            .collect();
        let mut out = MetricStats::default();
        for (m, s) in stats {
            out.insert(m, s);
        }
        out
    };
    let metrics = if steady.len() == results.len() {
        column_stats(&Metric::STEADY_STATE, &|i, m| steady[i][m])
    } else {
        MetricStats::default()
    };
    let last_interval = column_stats(&Metric::LAST_INTERVAL, &|i, m| {
        results[i].1.value(m).unwrap_or(f64::NAN)
    });
    let pta = if targets.is_empty() || steady.is_empty() {
        None
    } else {
        Some(summary::share(steady.iter().map(|s| all_hold(targets, s))))
    };
    let profile_bands = if opts.profiles {
        bands(tiles, subjects.len(), &plan.times, &plan.occ)
    } else {
        vec![]
    };
    let subjects_out = if opts.per_subject {
        subjects
            .iter()
            .zip(results)
            .map(|(s, r)| SubjectOut {
                id: s.id.clone(),
                params: s.params,
                steady_state: r.0,
                last_interval: r.1,
            })
            .collect()
    } else {
        vec![]
    };
    PopulationSummary {
        n: subjects.len(),
        seed: opts.seed,
        source: opts.source.clone(),
        metrics,
        last_interval,
        targets: targets.iter().map(|t| t.to_string()).collect(),
        pta,
        profile_bands,
        subjects: subjects_out,
        notes: run_notes(m, opts),
        steady,
    }
}

/// The caller's notes, then how the metrics were computed and which variability is not published.
fn run_notes(m: &Monograph, opts: &RunOptions) -> Vec<String> {
    let mut notes = opts.notes.clone();
    notes.extend([
        "steady-state metrics per subject in closed form (one compartment) or by the exact engine; last-interval metrics are read from the output grid (trapezoid AUC)".to_string(),
        "percentiles: linear interpolation between order statistics (type 7); profile occupancy bands are the occupancy at the concentration percentiles".to_string(),
    ]);
    if let Some(v) = &m.variability {
        for (name, x) in [
            ("clearance_cv_fraction", &v.clearance_cv_fraction),
            ("volume_cv_fraction", &v.volume_cv_fraction),
            ("ka_cv_fraction", &v.ka_cv_fraction),
            (
                "correlation_clearance_volume",
                &v.correlation_clearance_volume,
            ),
        ] {
            if x.status != crate::monograph::Status::Published {
                notes.push(format!(
                    "variability.{name} {} is {}: {}",
                    x.value, x.status, x.note
                ));
            }
        }
    }
    notes
}

/// Percentile bands of the profiles (`tiles` of `simulate`: time-major f32 keys, TILE subjects
/// each): each time point is gathered from contiguous runs, then selected as integers.
fn bands(tiles: &[Vec<u32>], n: usize, times: &[f64], occ: &OccupancyModel) -> Vec<BandPoint> {
    let n_points = times.len();
    (0..n_points)
        .into_par_iter()
        .map_init(
            || Vec::with_capacity(n),
            |col: &mut Vec<u32>, j| {
                col.clear();
                for tile in tiles {
                    let rows = tile.len() / n_points;
                    col.extend_from_slice(&tile[j * rows..(j + 1) * rows]);
                }
                let [p05, p50, p95] =
                    summary::percentiles_5_50_95(col, u32::cmp, summary::f32_of_key);
                let band = |f: &dyn Fn(f64) -> f64| Band {
                    p05: f(p05),
                    p50: f(p50),
                    p95: f(p95),
                };
                BandPoint {
                    time_h: times[j],
                    p05,
                    p50,
                    p95,
                    net_occupancy: band(&|c| occ.net(c)),
                    sert_occupancy: band(&|c| occ.sert(c)),
                }
            },
        )
        .collect()
}
