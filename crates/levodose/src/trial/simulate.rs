//! One replicate: screen, run in, randomise, follow up, drop out, analyse by MMRM.
//!
//! Subject i in arm a with baseline B_i (MADRS at randomisation) has change from baseline at visit
//! week t_j
//!   y_ij = P s(t_j) + D_a(i, j) s(t_j) + e_ij,   s(t) = (1 - e^{-t/tau}) / (1 - e^{-T/tau}),
//! with P the placebo change and D_a the drug-placebo difference at the primary week T, and
//! e_i ~ N(0, Sigma), Sigma_jk = sd_j sd_k rho^{|t_j - t_k|}. Screening S ~ N(mu_s, sd_s); with a
//! run-in, B = S + N(c_r, sd_r) and subjects improving by at least the exclusion fraction
//! ((S - B)/S) are not randomised; S and B must reach the inclusion threshold. Dropout is
//! monotone: before each visit a subject leaves with probability h (MCAR,
//! h = 1 - (1 - q)^{1/J} so that a share q has left by visit J = primary) or
//! logit^{-1}(logit h + beta (y_last - E y_last)) (MAR on the last observed change).
//! Flexible arms start at the minimum dose (reached by the label titration) and step up by
//! `step_mg` at each visit before the primary one in subjects who have not responded.
//! With `effect = "exposure"` or `"occupancy"`, D_a(i, j) is scaled by subject i's steady-state
//! Cavg or NET occupancy at the dose it is on at visit j (`exposure`). With `clamp_to_scale`,
//! the screening score, the baseline and each visit's score B_i + y_ij are clamped to the scale
//! range (MADRS 0-60), and the change is taken from the clamped score.

use super::exposure::{exposure_scaled_effect, occupancy_effect, Metric};
use super::interpolate::{interpolate, BelowFirst};
use super::scenario::{Arm, ArmKind, EffectModel, Mechanism, TrialDesign};
use crate::error::{Error, Result};
use crate::pk::PkParams;
use levodose_stats::mmrm::{self, Data, ModelSpec};
use nalgebra::{Cholesky, DMatrix};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::Serialize;

/// Screen failures allowed per randomised subject before the design is declared infeasible.
const MAX_SCREENED_PER_RANDOMISED: usize = 200;

/// Design quantities computed once for all replicates.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub design: TrialDesign,
    /// Lower Cholesky factor of Sigma, row-major m x m.
    chol: Vec<f64>,
    /// s(t_j) for each visit.
    shape: Vec<f64>,
    pub visit_labels: Vec<String>,
    spec: ModelSpec,
}

/// The primary-visit contrast of one active arm vs placebo.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Contrast {
    pub estimate: f64,
    pub se: f64,
    pub df: f64,
    pub p: f64,
}

/// One simulated subject (randomised).
#[derive(Debug, Clone, Serialize)]
pub struct SimSubject {
    pub arm: usize,
    /// MADRS at randomisation.
    pub baseline_madrs: f64,
    /// Change from baseline at each visit (None after dropout).
    pub change_madrs: Vec<Option<f64>>,
    /// Drug-placebo difference at the primary week applied at each visit (None after dropout).
    pub effect_madrs: Vec<Option<f64>>,
    /// Individual CL/F (L/h) for arms whose effect is scaled by PK.
    pub clearance_l_per_h: Option<f64>,
}

/// The simulated data of one replicate, before analysis.
#[derive(Debug, Clone, Serialize)]
pub struct SimulatedTrial {
    pub screened: usize,
    pub excluded_run_in: usize,
    pub dropouts: Vec<usize>,
    pub mean_dose_mg: Vec<Vec<f64>>,
    pub subjects: Vec<SimSubject>,
}

/// Result of one replicate.
#[derive(Debug, Clone, Serialize)]
pub struct Replicate {
    pub screened: usize,
    pub excluded_run_in: usize,
    /// Per arm: subjects without an outcome at the primary visit.
    pub dropouts: Vec<usize>,
    /// Per arm (None for placebo or when the fit failed).
    pub contrasts: Vec<Option<Contrast>>,
    /// LS means of change, arm x visit (None when the fit failed).
    pub lsmeans: Option<Vec<Vec<f64>>>,
    /// Mean dose of randomised subjects still in the trial, arm x visit (mg/day).
    pub mean_dose_mg: Vec<Vec<f64>>,
    pub fit_error: Option<String>,
}

impl Prepared {
    pub fn new(design: TrialDesign) -> Result<Prepared> {
        let w = &design.visit_weeks;
        let m = w.len();
        let sd = &design.change_sd_madrs;
        let sigma = DMatrix::from_fn(m, m, |j, k| {
            sd[j] * sd[k] * design.correlation_per_week.powf((w[j] - w[k]).abs())
        });
        let l = Cholesky::new(sigma)
            .ok_or_else(|| {
                Error::input(
                    "trial.outcome",
                    "the visit covariance (SDs and correlation) is not positive definite",
                )
            })?
            .l();
        let chol = (0..m * m).map(|i| l[(i / m, i % m)]).collect();
        let tau = design.time_constant_weeks;
        let t_primary = w[design.primary_visit];
        let norm = 1.0 - (-t_primary / tau).exp();
        let shape = w.iter().map(|t| (1.0 - (-t / tau).exp()) / norm).collect();
        let visit_labels = w.iter().map(|t| format!("W{t}")).collect();
        let rhs = if design.baseline_covariate {
            "ARM*VISIT + BASE*VISIT"
        } else {
            "ARM*VISIT"
        };
        let spec = ModelSpec::parse(rhs)
            .map_err(|e| Error::Numerical(e.to_string()))?
            .with_arm("ARM");
        Ok(Prepared {
            design,
            chol,
            shape,
            visit_labels,
            spec,
        })
    }

    /// Simulates and analyses one replicate with the given random stream.
    pub fn replicate(&self, rng: &mut ChaCha8Rng) -> Result<Replicate> {
        let sim = self.simulate(rng)?;
        let d = &self.design;
        let m = d.visit_weeks.len();
        let mut rows = Rows::with_capacity(sim.subjects.len() * m);
        for (i, s) in sim.subjects.iter().enumerate() {
            // mITT: randomised subjects with at least one post-baseline assessment.
            for (j, y) in s.change_madrs.iter().enumerate() {
                if let Some(y) = y {
                    rows.push(i, j, *y, s.arm, s.baseline_madrs);
                }
            }
        }
        let (contrasts, lsmeans, fit_error) = match self.analyse(rows) {
            Ok((c, l)) => (c, Some(l), None),
            Err(e) => (vec![None; d.arms.len()], None, Some(e)),
        };
        Ok(Replicate {
            screened: sim.screened,
            excluded_run_in: sim.excluded_run_in,
            dropouts: sim.dropouts,
            contrasts,
            lsmeans,
            mean_dose_mg: sim.mean_dose_mg,
            fit_error,
        })
    }

    /// Simulates one replicate's subjects (screening, run-in, follow-up, dropout) without the
    /// analysis.
    pub fn simulate(&self, rng: &mut ChaCha8Rng) -> Result<SimulatedTrial> {
        let d = &self.design;
        let m = d.visit_weeks.len();
        let n_total: usize = d.arms.iter().map(|a| a.n).sum();
        let mut subjects = Vec::with_capacity(n_total);
        let mut screened = 0;
        let mut excluded = 0;
        let mut dropouts = vec![0; d.arms.len()];
        let mut dose_sum = vec![vec![0.0; m]; d.arms.len()];
        let mut dose_n = vec![vec![0usize; m]; d.arms.len()];
        let mut z = vec![0.0; m];
        for (ai, arm) in d.arms.iter().enumerate() {
            let h = visit_hazard(arm.dropout_fraction, d.primary_visit + 1);
            let scaled = arm.kind != ArmKind::Placebo && arm.effect.uses_pk();
            for _ in 0..arm.n {
                let base = self.enrol(rng, &mut screened, &mut excluded, n_total)?;
                for zj in z.iter_mut() {
                    *zj = rng.sample(StandardNormal);
                }
                let params = match (&d.pk, scaled) {
                    (Some(pk), true) => {
                        let eta_z: [f64; 3] = if arm.pk_variability {
                            [
                                rng.sample(StandardNormal),
                                rng.sample(StandardNormal),
                                rng.sample(StandardNormal),
                            ]
                        } else {
                            [0.0; 3]
                        };
                        Some(pk.individual(eta_z))
                    }
                    _ => None,
                };
                let mut effect_at = EffectCache::default();
                let mut dose = arm.dose_mg;
                let mut last_change = 0.0;
                let mut in_trial = true;
                let mut change = vec![None; m];
                let mut effect = vec![None; m];
                for j in 0..m {
                    if in_trial {
                        let expected_last = if j == 0 {
                            0.0
                        } else {
                            self.mean_change(ai, j - 1)
                        };
                        let p = match d.mechanism {
                            Mechanism::Mcar => h,
                            Mechanism::Mar => logistic(
                                logit(h) + d.mar_logit_per_madrs * (last_change - expected_last),
                            ),
                        };
                        let u: f64 = rng.random();
                        if u < p {
                            in_trial = false;
                        }
                    }
                    if !in_trial {
                        if j == d.primary_visit {
                            dropouts[ai] += 1;
                        }
                        continue;
                    }
                    if arm.kind != ArmKind::Placebo {
                        dose_sum[ai][j] += dose;
                        dose_n[ai][j] += 1;
                    }
                    let diff = match (arm.kind, arm.effect) {
                        (ArmKind::Placebo, _) => 0.0,
                        (_, EffectModel::Arm) => arm.difference_madrs,
                        (_, EffectModel::Dose) => {
                            interpolate(&d.dose_table, dose, BelowFirst::ToZero)
                        }
                        (_, EffectModel::Exposure | EffectModel::Occupancy) => {
                            effect_at.get(self, arm, params.as_ref(), dose)?
                        }
                    };
                    let noise: f64 = (0..=j).map(|k| self.chol[j * m + k] * z[k]).sum();
                    let mut y = (d.placebo_change_madrs + diff) * self.shape[j] + noise;
                    if d.clamp_to_scale {
                        y = (base + y).clamp(d.scale_min_madrs, d.scale_max_madrs) - base;
                    }
                    change[j] = Some(y);
                    effect[j] = Some(diff);
                    last_change = y;
                    let responder = y <= -d.response_improvement_fraction * base;
                    if arm.kind == ArmKind::Flexible
                        && j < d.primary_visit
                        && !responder
                        && dose + arm.step_mg <= arm.dose_max_mg + 1e-9
                    {
                        dose += arm.step_mg;
                    }
                }
                subjects.push(SimSubject {
                    arm: ai,
                    baseline_madrs: base,
                    change_madrs: change,
                    effect_madrs: effect,
                    clearance_l_per_h: params.map(|p| p.clearance_l_per_h),
                });
            }
        }
        let mean_dose_mg = dose_sum
            .iter()
            .zip(&dose_n)
            .map(|(s, n)| {
                s.iter()
                    .zip(n)
                    .map(|(s, &n)| if n > 0 { s / n as f64 } else { 0.0 })
                    .collect()
            })
            .collect();
        Ok(SimulatedTrial {
            screened,
            excluded_run_in: excluded,
            dropouts,
            mean_dose_mg,
            subjects,
        })
    }

    /// Difference from placebo at the primary week of a subject with parameters `p` on `dose_mg`
    /// in an arm whose effect is scaled by exposure or occupancy (see `exposure`).
    pub fn scaled_effect(&self, arm: &Arm, p: &PkParams, dose_mg: f64) -> Result<f64> {
        let d = &self.design;
        let pk = d.pk.as_ref().ok_or_else(|| {
            Error::Numerical("an exposure- or occupancy-scaled arm without PK".into())
        })?;
        match arm.effect {
            EffectModel::Exposure => {
                // Reference effect at the reference dose (the subject's dose): the arm's
                // difference for a fixed arm, the fixed-dose table for a flexible arm.
                let reference = if arm.kind == ArmKind::Fixed {
                    arm.difference_madrs
                } else {
                    interpolate(&d.dose_table, dose_mg, BelowFirst::ToZero)
                };
                let subject = pk.metric(p, dose_mg, Metric::Cavg)?;
                let typical = pk.metric(&pk.typical, dose_mg, Metric::Cavg)?;
                Ok(exposure_scaled_effect(reference, subject, typical))
            }
            EffectModel::Occupancy => {
                let full = arm.difference_at_full_occupancy_madrs.ok_or_else(|| {
                    Error::Numerical("an occupancy-scaled arm without E_occ".into())
                })?;
                let o = pk.metric(p, dose_mg, Metric::NetOccupancyAverage)?;
                Ok(occupancy_effect(full, o))
            }
            EffectModel::Arm => Ok(arm.difference_madrs),
            EffectModel::Dose => Ok(interpolate(&d.dose_table, dose_mg, BelowFirst::ToZero)),
        }
    }

    /// Expected change in arm `a` at visit j (centre of the MAR dropout model).
    fn mean_change(&self, a: usize, j: usize) -> f64 {
        let arm = &self.design.arms[a];
        (self.design.placebo_change_madrs + arm.difference_madrs) * self.shape[j]
    }

    /// A score clamped to the scale range (when `clamp_to_scale`).
    fn on_scale(&self, score: f64) -> f64 {
        let d = &self.design;
        if d.clamp_to_scale {
            score.clamp(d.scale_min_madrs, d.scale_max_madrs)
        } else {
            score
        }
    }

    /// Screens until one subject is randomised; returns the baseline MADRS.
    fn enrol(
        &self,
        rng: &mut ChaCha8Rng,
        screened: &mut usize,
        excluded: &mut usize,
        n_total: usize,
    ) -> Result<f64> {
        let d = &self.design;
        loop {
            *screened += 1;
            if *screened > MAX_SCREENED_PER_RANDOMISED * n_total.max(1) {
                return Err(Error::input(
                    "trial.run_in",
                    "almost no screened subject meets the inclusion threshold and run-in rule: check inclusion_min_madrs and the screening distribution",
                ));
            }
            let z: f64 = rng.sample(StandardNormal);
            let s = self.on_scale(d.screening_mean_madrs + d.screening_sd_madrs * z);
            if s < d.inclusion_min_madrs {
                continue;
            }
            if d.run_in_weeks <= 0.0 {
                return Ok(s);
            }
            let z: f64 = rng.sample(StandardNormal);
            let b = self.on_scale(s + d.run_in_change_madrs + d.run_in_sd_madrs * z);
            if s > 0.0 && (s - b) / s >= d.run_in_exclusion_improvement_fraction {
                *excluded += 1;
                continue;
            }
            if b >= d.inclusion_min_madrs {
                return Ok(b);
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn analyse(
        &self,
        rows: Rows,
    ) -> std::result::Result<(Vec<Option<Contrast>>, Vec<Vec<f64>>), String> {
        let d = &self.design;
        let names: Vec<String> = d.arms.iter().map(|a| a.name.clone()).collect();
        let mut data = Data::new(
            "VISIT",
            self.visit_labels.clone(),
            rows.subject,
            rows.visit,
            rows.y,
        )
        .map_err(|e| e.to_string())?;
        data.add_factor("ARM", names.clone(), rows.arm)
            .map_err(|e| e.to_string())?;
        data.set_reference("ARM", &names[d.placebo_arm])
            .map_err(|e| e.to_string())?;
        if d.baseline_covariate {
            data.add_numeric("BASE", rows.base)
                .map_err(|e| e.to_string())?;
        }
        let fit = mmrm::fit(&data, &self.spec).map_err(|e| e.to_string())?;
        let primary = &self.visit_labels[d.primary_visit];
        let single = self.visit_labels.len() == 1;
        let contrasts = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                if i == d.placebo_arm {
                    return None;
                }
                fit.differences
                    .iter()
                    .find(|x| &x.arm == name && visit_matches(x.visit.as_ref(), primary, single))
                    .map(|x| Contrast {
                        estimate: x.estimate,
                        se: x.se,
                        df: x.df,
                        p: x.p,
                    })
            })
            .collect();
        let lsmeans = names
            .iter()
            .map(|name| {
                self.visit_labels
                    .iter()
                    .map(|v| {
                        fit.lsmeans
                            .iter()
                            .find(|l| &l.arm == name && visit_matches(l.visit.as_ref(), v, single))
                            .map_or(f64::NAN, |l| l.estimate)
                    })
                    .collect()
            })
            .collect();
        Ok((contrasts, lsmeans))
    }
}

/// A subject's last scaled effect, recomputed only when its dose changes.
#[derive(Default)]
struct EffectCache {
    last: Option<(f64, f64)>,
}

impl EffectCache {
    fn get(&mut self, prep: &Prepared, arm: &Arm, p: Option<&PkParams>, dose: f64) -> Result<f64> {
        if let Some((d, e)) = self.last {
            if d == dose {
                return Ok(e);
            }
        }
        let e = match p {
            Some(p) => prep.scaled_effect(arm, p, dose)?,
            None => arm.difference_madrs,
        };
        self.last = Some((dose, e));
        Ok(e)
    }
}

/// LS means of a one-visit model may carry no visit label.
fn visit_matches(got: Option<&String>, want: &String, single: bool) -> bool {
    got.map_or(single, |g| g == want)
}

/// Long-format columns for the MMRM.
struct Rows {
    subject: Vec<usize>,
    visit: Vec<usize>,
    y: Vec<Option<f64>>,
    arm: Vec<usize>,
    base: Vec<f64>,
}

impl Rows {
    fn with_capacity(n: usize) -> Rows {
        Rows {
            subject: Vec::with_capacity(n),
            visit: Vec::with_capacity(n),
            y: Vec::with_capacity(n),
            arm: Vec::with_capacity(n),
            base: Vec::with_capacity(n),
        }
    }
    fn push(&mut self, subject: usize, visit: usize, y: f64, arm: usize, base: f64) {
        self.subject.push(subject);
        self.visit.push(visit);
        self.y.push(Some(y));
        self.arm.push(arm);
        self.base.push(base);
    }
}

/// Per-visit dropout probability so that a share q has left by the J-th visit: 1 - (1 - q)^{1/J}.
pub fn visit_hazard(q: f64, visits: usize) -> f64 {
    1.0 - (1.0 - q).powf(1.0 / visits.max(1) as f64)
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).ln()
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
