//! Many replicates (seeded, parallel) and their summary; search of n per arm for a target power.
//!
//! Replicate r draws from ChaCha8(seed) on stream r, so every replicate's numbers are the same
//! whatever the thread count, and summaries are reduced in replicate order. Power is the share of
//! replicates with p < alpha for the primary contrast (failed fits count as not significant);
//! its Monte Carlo standard error is sqrt(power (1 - power) / R).

pub use super::scenario::MIN_N_PER_ARM;
use super::scenario::{ArmKind, TrialDesign};
use super::simulate::{Prepared, Replicate, SimulatedTrial};
use crate::error::{Error, Result};
use crate::population::summary::quantile_mut;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

/// Summary of one arm over replicates.
#[derive(Debug, Clone, Serialize)]
pub struct ArmSummary {
    pub name: String,
    pub kind: ArmKind,
    pub n_randomised: usize,
    /// Share of replicates with p < alpha for this arm vs placebo (None for placebo).
    pub power: Option<f64>,
    pub mean_difference_madrs: Option<f64>,
    pub sd_difference_madrs: Option<f64>,
    pub mean_se_madrs: Option<f64>,
    pub sd_se_madrs: Option<f64>,
    /// Mean share of randomised subjects without a primary-visit outcome.
    pub mean_dropout_fraction: f64,
    /// Mean LS mean of change from baseline at each visit; None (JSON null) where every fit
    /// failed or gave no finite LS mean for this arm.
    pub mean_lsmean_change_madrs: Vec<Option<f64>>,
    /// 2.5th and 97.5th percentiles (type 7) of the LS mean change across replicates at each
    /// visit: the range in which one trial's LS mean fell in 95 % of the simulated trials, i.e.
    /// how far a single trial's trajectory can stray from the mean one (the band of the
    /// trajectory figure). None where no fit gave a finite LS mean.
    pub lsmean_change_p025_madrs: Vec<Option<f64>>,
    pub lsmean_change_p975_madrs: Vec<Option<f64>>,
    /// Mean daily dose of subjects in the trial at each visit (0 for placebo).
    pub mean_dose_mg: Vec<f64>,
}

/// Result of a power run.
#[derive(Debug, Clone, Serialize)]
pub struct PowerResult {
    pub replicates: usize,
    pub seed: u64,
    pub alpha: f64,
    pub primary_arm: String,
    pub primary_week: f64,
    /// Power for the primary contrast and its Monte Carlo SE.
    pub power: f64,
    pub power_mc_se: f64,
    pub visit_weeks: Vec<f64>,
    pub arms: Vec<ArmSummary>,
    pub mean_screened: f64,
    pub mean_excluded_run_in: f64,
    pub failed_fits: usize,
    /// First fit error message, if any failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_fit_error: Option<String>,
}

/// The random stream of replicate r.
pub fn stream(seed: u64, r: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(r as u64);
    rng
}

/// Runs `replicates` replicates in parallel; `progress` is called once per finished replicate.
pub fn run(
    design: &TrialDesign,
    replicates: usize,
    seed: u64,
    progress: &(dyn Fn() + Sync),
) -> Result<PowerResult> {
    if replicates == 0 {
        return Err(Error::input("replicates", "must be at least 1"));
    }
    let prepared = Prepared::new(design.clone())?;
    let reps: Vec<Replicate> = (0..replicates)
        .into_par_iter()
        .map(|r| {
            let out = prepared.replicate(&mut stream(seed, r));
            progress();
            out
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(summarise(design, &reps, seed))
}

/// The simulated subjects of replicates 0..k: the same data `run` analyses with this seed
/// (replicate r uses stream r), with the visit labels the MMRM uses (`W8` = week 8).
pub fn datasets(
    design: &TrialDesign,
    k: usize,
    seed: u64,
) -> Result<(Vec<String>, Vec<SimulatedTrial>)> {
    let prepared = Prepared::new(design.clone())?;
    let trials = (0..k)
        .map(|r| prepared.simulate(&mut stream(seed, r)))
        .collect::<Result<Vec<_>>>()?;
    Ok((prepared.visit_labels.clone(), trials))
}

fn mean_sd(x: &[f64]) -> (Option<f64>, Option<f64>) {
    if x.is_empty() {
        return (None, None);
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sd = if x.len() > 1 {
        Some((x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt())
    } else {
        None
    };
    (Some(mean), sd)
}

fn summarise(d: &TrialDesign, reps: &[Replicate], seed: u64) -> PowerResult {
    let r = reps.len() as f64;
    let m = d.visit_weeks.len();
    let arms: Vec<ArmSummary> = d
        .arms
        .iter()
        .enumerate()
        .map(|(a, arm)| {
            let contrasts: Vec<_> = reps.iter().filter_map(|x| x.contrasts[a]).collect();
            let active = arm.kind != ArmKind::Placebo;
            let sig = reps
                .iter()
                .filter(|x| x.contrasts[a].is_some_and(|c| c.p < d.alpha))
                .count();
            let (md, sdd) = mean_sd(&contrasts.iter().map(|c| c.estimate).collect::<Vec<_>>());
            let (mse, sdse) = mean_sd(&contrasts.iter().map(|c| c.se).collect::<Vec<_>>());
            let fitted: Vec<&Vec<Vec<f64>>> =
                reps.iter().filter_map(|x| x.lsmeans.as_ref()).collect();
            let per_visit: Vec<Vec<f64>> = (0..m)
                .map(|j| {
                    fitted
                        .iter()
                        .map(|l| l[a][j])
                        .filter(|v| v.is_finite())
                        .collect()
                })
                .collect();
            let traj = per_visit.iter().map(|v| mean_sd(v).0).collect();
            let pct = |p: f64| -> Vec<Option<f64>> {
                per_visit
                    .iter()
                    .map(|v| (!v.is_empty()).then(|| quantile_mut(&mut v.clone(), p)))
                    .collect()
            };
            let dose = (0..m)
                .map(|j| reps.iter().map(|x| x.mean_dose_mg[a][j]).sum::<f64>() / r)
                .collect();
            ArmSummary {
                name: arm.name.clone(),
                kind: arm.kind,
                n_randomised: arm.n,
                power: active.then(|| sig as f64 / r),
                mean_difference_madrs: md.filter(|_| active),
                sd_difference_madrs: sdd.filter(|_| active),
                mean_se_madrs: mse.filter(|_| active),
                sd_se_madrs: sdse.filter(|_| active),
                mean_dropout_fraction: reps
                    .iter()
                    .map(|x| x.dropouts[a] as f64 / arm.n as f64)
                    .sum::<f64>()
                    / r,
                mean_lsmean_change_madrs: traj,
                lsmean_change_p025_madrs: pct(0.025),
                lsmean_change_p975_madrs: pct(0.975),
                mean_dose_mg: dose,
            }
        })
        .collect();
    let power = arms[d.primary_arm].power.unwrap_or(0.0);
    PowerResult {
        replicates: reps.len(),
        seed,
        alpha: d.alpha,
        primary_arm: d.arms[d.primary_arm].name.clone(),
        primary_week: d.visit_weeks[d.primary_visit],
        power,
        power_mc_se: (power * (1.0 - power) / r).sqrt(),
        visit_weeks: d.visit_weeks.clone(),
        arms,
        mean_screened: reps.iter().map(|x| x.screened as f64).sum::<f64>() / r,
        mean_excluded_run_in: reps.iter().map(|x| x.excluded_run_in as f64).sum::<f64>() / r,
        failed_fits: reps.iter().filter(|x| x.fit_error.is_some()).count(),
        first_fit_error: reps.iter().find_map(|x| x.fit_error.clone()),
    }
}

/// The design with `n` randomised per arm of allocation 1 (other arms scaled by allocation).
pub fn with_n_per_arm(d: &TrialDesign, n: usize, allocation: &[f64]) -> TrialDesign {
    let mut out = d.clone();
    for (arm, w) in out.arms.iter_mut().zip(allocation) {
        arm.n = ((n as f64) * w).round().max(MIN_N_PER_ARM as f64) as usize;
    }
    out
}

/// One point of a power curve.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CurvePoint {
    pub n_per_arm: usize,
    pub power: f64,
    pub power_mc_se: f64,
}

/// Factors applied to the design's n per arm (allocation 1) for the power curve.
pub const CURVE_FACTORS: [f64; 5] = [0.5, 0.75, 1.0, 1.25, 1.5];

/// Power curve around the design: n per arm of allocation 1 (the first arm's n if no arm has
/// allocation 1) scaled by each of [`CURVE_FACTORS`], at least [`MIN_N_PER_ARM`]: one point per
/// factor. Every point reuses `seed` (common random numbers); `progress` is called once per
/// finished replicate.
pub fn curve(
    d: &TrialDesign,
    allocation: &[f64],
    replicates: usize,
    seed: u64,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<CurvePoint>> {
    let n0 = d
        .arms
        .iter()
        .zip(allocation)
        .find(|(_, &w)| w == 1.0)
        .map_or(d.arms[0].n, |(a, _)| a.n);
    let mut pts: Vec<CurvePoint> = Vec::new();
    for f in CURVE_FACTORS {
        let n = ((n0 as f64) * f).round().max(MIN_N_PER_ARM as f64) as usize;
        let r = run(
            &with_n_per_arm(d, n, allocation),
            replicates,
            seed,
            progress,
        )?;
        pts.push(CurvePoint {
            n_per_arm: n,
            power: r.power,
            power_mc_se: r.power_mc_se,
        });
    }
    Ok(pts)
}

/// Result of the n search.
#[derive(Debug, Clone, Serialize)]
pub struct NSearch {
    pub target_power: f64,
    /// Smallest n per arm (allocation 1) whose simulated power reaches the target.
    pub n_per_arm: usize,
    /// Analytic two-sample t-test n (completers, SD at the primary week) inflated for dropout: the starting point.
    pub analytic_start_n_per_arm: usize,
    /// Every n evaluated, in increasing n.
    pub evaluated: Vec<CurvePoint>,
    /// Simulated power at the chosen n and its Monte Carlo SE.
    pub power_at_n: f64,
    pub power_at_n_mc_se: f64,
    /// Smallest and largest evaluated n whose power is within 2 Monte Carlo SE of the target:
    /// the n the simulation cannot tell apart from the answer.
    pub compatible_n_range: (usize, usize),
    /// How the search started and proceeded.
    pub method: String,
}

impl NSearch {
    fn new(target: f64, n: usize, start: usize, mut evaluated: Vec<CurvePoint>) -> NSearch {
        evaluated.sort_by_key(|p| p.n_per_arm);
        let at = evaluated
            .iter()
            .find(|p| p.n_per_arm == n)
            .copied()
            .unwrap_or(CurvePoint {
                n_per_arm: n,
                power: f64::NAN,
                power_mc_se: f64::NAN,
            });
        let compatible: Vec<usize> = evaluated
            .iter()
            .filter(|p| (p.power - target).abs() <= 2.0 * p.power_mc_se.max(1e-12))
            .map(|p| p.n_per_arm)
            .chain(std::iter::once(n))
            .collect();
        let range = (
            compatible.iter().copied().min().unwrap_or(n),
            compatible.iter().copied().max().unwrap_or(n),
        );
        NSearch {
            target_power: target,
            n_per_arm: n,
            analytic_start_n_per_arm: start,
            power_at_n: at.power,
            power_at_n_mc_se: at.power_mc_se,
            compatible_n_range: range,
            method: format!(
                "start at {start} per arm: the two-sample t-test n for |difference| / SD at the \
                 primary week (completers), divided by the completion fraction; then doubling or \
                 halving to bracket the target and bisection on integers, every n simulated with \
                 the same seed (common random numbers)"
            ),
            evaluated,
        }
    }
}

/// Smallest n per arm with simulated power >= target: bracket from the analytic start, then
/// bisect on integers. Every evaluation reuses the same seed (common random numbers), which
/// keeps simulated power close to monotone in n.
pub fn search_n(
    d: &TrialDesign,
    allocation: &[f64],
    target: f64,
    replicates: usize,
    seed: u64,
    progress: &(dyn Fn() + Sync),
) -> Result<NSearch> {
    crate::error::check_range("target_power", target, 0.05, 0.999, "")?;
    let start = analytic_start(d, target);
    let mut evaluated: Vec<CurvePoint> = Vec::new();
    let eval = |n: usize, ev: &mut Vec<CurvePoint>| -> Result<f64> {
        if let Some(p) = ev.iter().find(|p| p.n_per_arm == n) {
            return Ok(p.power);
        }
        let res = run(
            &with_n_per_arm(d, n, allocation),
            replicates,
            seed,
            progress,
        )?;
        ev.push(CurvePoint {
            n_per_arm: n,
            power: res.power,
            power_mc_se: res.power_mc_se,
        });
        Ok(res.power)
    };
    const MAX_N: usize = 20_000;
    let (mut lo, mut hi) = (start.max(MIN_N_PER_ARM), start.max(MIN_N_PER_ARM));
    if eval(hi, &mut evaluated)? >= target {
        while lo > MIN_N_PER_ARM {
            lo = (lo / 2).max(MIN_N_PER_ARM);
            if eval(lo, &mut evaluated)? < target {
                break;
            }
            hi = lo;
        }
    } else {
        while eval(hi, &mut evaluated)? < target {
            lo = hi;
            hi *= 2;
            if hi > MAX_N {
                return Err(Error::input(
                    "target_power",
                    format!("{target} is not reached with {MAX_N} per arm"),
                ));
            }
        }
    }
    if lo == hi && eval(lo, &mut evaluated)? >= target {
        return Ok(NSearch::new(target, lo, start, evaluated));
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if eval(mid, &mut evaluated)? >= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(NSearch::new(target, hi, start, evaluated))
}

/// n per arm from the two-sample t-test with effect |D| / sd at the primary week, divided by the
/// largest completion fraction.
pub fn analytic_start(d: &TrialDesign, target: f64) -> usize {
    let arm = &d.arms[d.primary_arm];
    let sd = d.change_sd_madrs[d.primary_visit];
    let effect = (arm.difference_madrs / sd).abs().max(1e-3);
    let alt = levodose_stats::power::Alternative::TwoSided;
    let n = levodose_stats::power::two_sample_t_n(effect, d.alpha, target, alt)
        .map(|s| s.n_per_group as f64)
        .unwrap_or(1000.0);
    let q = d
        .arms
        .iter()
        .map(|a| a.dropout_fraction)
        .fold(0.0, f64::max);
    (n / (1.0 - q)).ceil().min(20_000.0) as usize
}
