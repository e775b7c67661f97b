//! The population objective: outer parameters -> population values -> every subject's mode
//! and FOCE-I term, summed in subject order.

use crate::model::Model;
use crate::posthoc::{Mode, SubjectProblem};
use crate::predict::PreparedSubject;
use levodose_stats::optim::{CostFunction, Gradient};
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use std::cell::{Cell, RefCell};

/// Current population values.
#[derive(Debug, Clone)]
pub(super) struct Values {
    pub theta: Vec<f64>,
    pub coef: Vec<f64>,
    pub chol: DMatrix<f64>,
    pub additive_sd: Option<f64>,
    pub proportional_sd: Option<f64>,
}

/// Which entries of [`Values`] the optimiser moves.
#[derive(Debug, Clone)]
pub(super) enum Slot {
    Theta(usize),
    Coef(usize),
    CholDiag(usize),
    CholOff(usize, usize),
    Additive,
    Proportional,
}

/// Why the subjects' modes cannot be computed at some population values.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Undefined {
    OmegaNotPositiveDefinite,
    /// Covariate `covariate` (model order) makes its parameter <= 0 for subject `subject`.
    NonPositiveParameter {
        covariate: usize,
        subject: usize,
    },
}

pub(super) struct Problem<'a> {
    pub model: &'a Model,
    pub subjects: Vec<PreparedSubject>,
    pub include: Vec<Vec<bool>>,
    pub slots: Vec<Slot>,
    pub base: Values,
}

impl Problem<'_> {
    pub fn values(&self, x: &DVector<f64>) -> Values {
        let mut v = self.base.clone();
        for (s, &xi) in self.slots.iter().zip(x.iter()) {
            match *s {
                Slot::Theta(k) => v.theta[k] = xi.exp(),
                Slot::Coef(c) => v.coef[c] = xi,
                Slot::CholDiag(e) => v.chol[(e, e)] = xi.exp(),
                Slot::CholOff(i, j) => v.chol[(i, j)] = xi,
                Slot::Additive => v.additive_sd = Some(xi.exp()),
                Slot::Proportional => v.proportional_sd = Some(xi.exp()),
            }
        }
        v
    }

    pub fn pack(&self, v: &Values) -> DVector<f64> {
        DVector::from_iterator(
            self.slots.len(),
            self.slots.iter().map(|s| match *s {
                Slot::Theta(k) => v.theta[k].ln(),
                Slot::Coef(c) => v.coef[c],
                Slot::CholDiag(e) => v.chol[(e, e)].ln(),
                Slot::CholOff(i, j) => v.chol[(i, j)],
                Slot::Additive => v.additive_sd.unwrap_or(1.0).ln(),
                Slot::Proportional => v.proportional_sd.unwrap_or(1.0).ln(),
            }),
        )
    }

    pub fn slot_name(&self, s: &Slot) -> String {
        let m = self.model;
        match *s {
            Slot::Theta(k) => m.names()[k].to_string(),
            Slot::Coef(c) => coef_name(m, c),
            Slot::CholDiag(e) => format!("omega_{}", m.eta_name(e)),
            Slot::CholOff(i, j) => format!("omega_{},{}", m.eta_name(j), m.eta_name(i)),
            Slot::Additive => "additive_sd".into(),
            Slot::Proportional => "proportional_sd".into(),
        }
    }

    /// Log-parameters at eta = 0 for subject `i`; Err(covariate) if a covariate makes its
    /// parameter <= 0.
    pub fn phi_typical(&self, v: &Values, i: usize) -> Result<Vec<f64>, usize> {
        let mut phi: Vec<f64> = v.theta.iter().map(|t| t.ln()).collect();
        for (c, cov) in self.model.covariates.iter().enumerate() {
            let x = self.subjects[i].covariates[c];
            phi[cov.parameter] += cov.log_effect(v.coef[c], x).ok_or(c)?;
        }
        Ok(phi)
    }

    /// Every subject's mode and FOCE-I term at `v`, from the warm starts `etas`.
    pub fn modes(&self, v: &Values, etas: &[DVector<f64>]) -> Result<Vec<Mode>, Undefined> {
        let omega = &v.chol * v.chol.transpose();
        let chol = omega
            .clone()
            .cholesky()
            .ok_or(Undefined::OmegaNotPositiveDefinite)?;
        let omega_inv = chol.inverse();
        let log_det_omega = 2.0 * chol.l().diagonal().iter().map(|d| d.ln()).sum::<f64>();
        let add = v.additive_sd.map(|s| s * s).unwrap_or(0.0);
        let prop = v.proportional_sd.map(|s| s * s).unwrap_or(0.0);
        let phis: Vec<Vec<f64>> = (0..self.subjects.len())
            .map(|i| {
                self.phi_typical(v, i)
                    .map_err(|covariate| Undefined::NonPositiveParameter {
                        covariate,
                        subject: i,
                    })
            })
            .collect::<Result<_, _>>()?;
        let modes: Vec<Mode> = (0..self.subjects.len())
            .into_par_iter()
            .map(|i| {
                let p = SubjectProblem {
                    structure: self.model.structure,
                    subject: &self.subjects[i],
                    phi_typical: &phis[i],
                    eta_parameter: &self.model.eta_parameter,
                    omega_inv: &omega_inv,
                    log_det_omega,
                    additive_var: add,
                    proportional_var: prop,
                    include: &self.include[i],
                };
                p.mode(&etas[i], 1e-12)
            })
            .collect();
        Ok(modes)
    }

    pub fn ofv(modes: &[Mode]) -> f64 {
        modes.iter().map(|m| m.ofv).sum()
    }

    /// Why the modes are undefined, in the words of the model and the dataset.
    pub fn explain(&self, why: &Undefined, v: &Values) -> String {
        match *why {
            Undefined::OmegaNotPositiveDefinite => "omega is not positive definite".into(),
            Undefined::NonPositiveParameter { covariate, subject } => {
                let cov = &self.model.covariates[covariate];
                format!(
                    "covariate {} = {} of subject {} makes {} <= 0 (coefficient {} = {})",
                    cov.column,
                    self.subjects[subject].covariates[covariate],
                    self.subjects[subject].id,
                    self.model.names()[cov.parameter],
                    coef_name(self.model, covariate),
                    v.coef[covariate]
                )
            }
        }
    }
}

pub(super) fn coef_name(m: &Model, c: usize) -> String {
    let cov = &m.covariates[c];
    cov.coefficient_name(m.names()[cov.parameter])
}

/// Step of the central differences of the OFV gradient in the outer parameters.
pub(super) const GRADIENT_STEP: f64 = 1e-4;

/// The OFV as a function of the outer parameters; every evaluation warm-starts the modes from
/// the best point so far, and only the outer solver's own evaluations move that point.
pub(super) struct Objective<'p, 'm> {
    pub problem: &'p Problem<'m>,
    /// Lowest finite OFV so far and the subjects' etas there.
    pub best: RefCell<(f64, Vec<DVector<f64>>)>,
    evaluations: Cell<usize>,
}

impl<'p, 'm> Objective<'p, 'm> {
    pub fn new(problem: &'p Problem<'m>) -> Self {
        let etas0 = vec![DVector::zeros(problem.model.n_eta()); problem.subjects.len()];
        Objective {
            problem,
            best: RefCell::new((f64::INFINITY, etas0)),
            evaluations: Cell::new(0),
        }
    }

    /// The OFV at `x` (infinite where undefined); `update`: a lower value becomes the best point.
    pub fn eval(&self, x: &DVector<f64>, update: bool) -> f64 {
        self.evaluations.set(self.evaluations.get() + 1);
        let problem = self.problem;
        let v = problem.values(x);
        let starts = self.best.borrow().1.clone();
        match problem.modes(&v, &starts) {
            Ok(modes) => {
                let f = Problem::ofv(&modes);
                if update && f.is_finite() && f < self.best.borrow().0 {
                    *self.best.borrow_mut() = (f, modes.into_iter().map(|m| m.eta).collect());
                }
                if f.is_finite() {
                    f
                } else {
                    f64::INFINITY
                }
            }
            Err(_) => f64::INFINITY,
        }
    }

    /// The warm starts: the etas at the best point.
    pub fn starts(&self) -> Vec<DVector<f64>> {
        self.best.borrow().1.clone()
    }
}

impl CostFunction for Objective<'_, '_> {
    type Param = DVector<f64>;
    fn cost(&self, x: &DVector<f64>) -> f64 {
        self.eval(x, true)
    }
    fn evaluations(&self) -> Option<usize> {
        Some(self.evaluations.get())
    }
}

/// Central differences; the evaluations do not move the best point.
impl Gradient for Objective<'_, '_> {
    fn gradient(&self, x: &DVector<f64>, _: f64) -> DVector<f64> {
        let h = GRADIENT_STEP;
        let mut g = DVector::zeros(x.len());
        for k in 0..x.len() {
            let mut xp = x.clone();
            xp[k] += h;
            let fp = self.eval(&xp, false);
            xp[k] -= 2.0 * h;
            let fm = self.eval(&xp, false);
            g[k] = (fp - fm) / (2.0 * h);
        }
        g
    }
}
