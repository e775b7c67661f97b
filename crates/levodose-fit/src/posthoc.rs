//! One subject's conditional mode (MAP eta) and its FOCE-I objective term.
//!
//! Inner objective (NONMEM's, -2 log of the joint density without constants):
//! `L(eta) = sum_j [log R_j + (y_j - f_j)^2 / R_j] + eta' Omega^-1 eta`, with
//! `R_j = add^2 + prop^2 f_j^2`. It is minimised by Fisher scoring (Newton with the expected
//! information `2 (Omega^-1 + H)`, `H = sum_j [g g'/R + 1/2 dR dR'/R^2]`, `g = df/deta` from the
//! closed forms) and a backtracking line search, warm-started from the previous eta. At the mode
//! the FOCE-I term is `L + log|Omega| + log|Omega^-1 + H|`.

use crate::model::Structure;
use crate::predict::{predict, PreparedSubject};
use levodose_stats::optim::{self, CostFunction, NoObserver, Solver, State, Step, Termination};
use nalgebra::{DMatrix, DVector};

/// Everything fixed while one subject's eta moves.
pub struct SubjectProblem<'a> {
    pub structure: Structure,
    pub subject: &'a PreparedSubject,
    /// Log-parameters at eta = 0 (typical values with covariates).
    pub phi_typical: &'a [f64],
    /// Structural parameter index of each eta.
    pub eta_parameter: &'a [usize],
    pub omega_inv: &'a DMatrix<f64>,
    pub log_det_omega: f64,
    pub additive_var: f64,
    pub proportional_var: f64,
    /// Observations that enter the likelihood.
    pub include: &'a [bool],
}

/// Per-observation values at an eta.
#[derive(Debug, Clone)]
pub struct ObservationTerms {
    pub f: Vec<f64>,
    /// df/deta, one row per observation.
    pub g: DMatrix<f64>,
    pub r: Vec<f64>,
}

/// Result of the inner optimisation.
#[derive(Debug, Clone)]
pub struct Mode {
    pub eta: DVector<f64>,
    /// Inner objective L at the mode.
    pub inner: f64,
    /// FOCE-I objective term of the subject (NONMEM's OBJ in the .phi file).
    pub ofv: f64,
    /// Omega^-1 + H at the mode (half the expected information).
    pub precision: DMatrix<f64>,
    pub converged: bool,
    pub iterations: usize,
}

impl SubjectProblem<'_> {
    fn phi(&self, eta: &DVector<f64>) -> [f64; crate::dual::N] {
        let mut phi = [0.0; crate::dual::N];
        phi[..self.phi_typical.len()].copy_from_slice(self.phi_typical);
        for (e, &k) in self.eta_parameter.iter().enumerate() {
            phi[k] += eta[e];
        }
        phi
    }

    /// Predictions, their eta-gradients and residual variances.
    pub fn terms(&self, eta: &DVector<f64>) -> ObservationTerms {
        let phi = self.phi(eta);
        let n = self.subject.dv.len();
        let ne = self.eta_parameter.len();
        let mut f = Vec::with_capacity(n);
        let mut g = DMatrix::zeros(n, ne);
        let mut r = Vec::with_capacity(n);
        for j in 0..n {
            let p = predict(self.structure, &phi, self.subject, j);
            for (e, &k) in self.eta_parameter.iter().enumerate() {
                g[(j, e)] = p.g[k];
            }
            r.push(self.additive_var + self.proportional_var * p.v * p.v);
            f.push(p.v);
        }
        ObservationTerms { f, g, r }
    }

    /// Inner objective only (for the line search).
    pub fn inner_value(&self, eta: &DVector<f64>) -> f64 {
        let phi = self.phi(eta);
        let mut sum = (eta.transpose() * self.omega_inv * eta)[(0, 0)];
        for j in 0..self.subject.dv.len() {
            if !self.include[j] {
                continue;
            }
            let f = predict(self.structure, &phi, self.subject, j).v;
            let r = self.additive_var + self.proportional_var * f * f;
            if !(r > 0.0 && r.is_finite()) {
                return f64::INFINITY;
            }
            let res = self.subject.dv[j] - f;
            sum += r.ln() + res * res / r;
        }
        sum
    }

    /// L, its gradient and Omega^-1 + H at eta.
    fn derivatives(&self, eta: &DVector<f64>) -> (f64, DVector<f64>, DMatrix<f64>) {
        let t = self.terms(eta);
        let ne = eta.len();
        let oi_eta = self.omega_inv * eta;
        let mut value = eta.dot(&oi_eta);
        let mut grad = 2.0 * oi_eta;
        let mut prec = self.omega_inv.clone();
        for j in 0..t.f.len() {
            if !self.include[j] {
                continue;
            }
            let (f, r) = (t.f[j], t.r[j]);
            if !(r > 0.0 && r.is_finite()) {
                return (f64::INFINITY, grad, prec);
            }
            let res = self.subject.dv[j] - f;
            value += r.ln() + res * res / r;
            let dr_scale = 2.0 * self.proportional_var * f; // dR/deta = dr_scale * g
            let c = dr_scale / r - 2.0 * res / r - res * res * dr_scale / (r * r);
            let w = 1.0 / r + 0.5 * dr_scale * dr_scale / (r * r);
            for a in 0..ne {
                let ga = t.g[(j, a)];
                grad[a] += c * ga;
                for b in 0..ne {
                    prec[(a, b)] += w * ga * t.g[(j, b)];
                }
            }
        }
        (value, grad, prec)
    }

    /// The conditional mode from `start`; `tolerance` bounds the Newton decrement. A mode whose
    /// scoring did not converge says so in [`Mode::converged`] (a finding of the fit and of the
    /// MAP estimate).
    pub fn mode(&self, start: &DVector<f64>, tolerance: f64) -> Mode {
        let mut scoring = FisherScoring {
            start,
            tolerance,
            value: f64::NAN,
            grad: DVector::zeros(0),
            prec: DMatrix::zeros(0, 0),
            step: DVector::zeros(0),
            decrement: f64::NAN,
        };
        let outcome = optim::run(self, &mut scoring, MAX_SCORING_ITERATIONS, &mut NoObserver);
        let FisherScoring { value, prec, .. } = scoring;
        let log_det_prec = match prec.clone().cholesky() {
            Some(c) => 2.0 * c.l().diagonal().iter().map(|d| d.ln()).sum::<f64>(),
            None => f64::INFINITY,
        };
        Mode {
            ofv: value + self.log_det_omega + log_det_prec,
            inner: value,
            converged: outcome.converged(),
            iterations: outcome.iterations,
            eta: outcome.param,
            precision: prec,
        }
    }
}

/// Far more scoring iterations than a mode from a warm start needs (a handful).
const MAX_SCORING_ITERATIONS: usize = 200;

/// The inner objective L(eta) (the line search's cost).
impl CostFunction for SubjectProblem<'_> {
    type Param = DVector<f64>;
    fn cost(&self, eta: &DVector<f64>) -> f64 {
        self.inner_value(eta)
    }
}

/// Fisher scoring with a backtracking line search on L; `value`, `grad` and `prec` are L, its
/// gradient and Omega^-1 + H at the current eta.
struct FisherScoring<'s> {
    start: &'s DVector<f64>,
    tolerance: f64,
    value: f64,
    grad: DVector<f64>,
    prec: DMatrix<f64>,
    /// The scoring step at the current eta, once the stopping test has computed it.
    step: DVector<f64>,
    /// The Newton decrement -grad' step.
    decrement: f64,
}

impl Solver<SubjectProblem<'_>> for FisherScoring<'_> {
    fn init(&mut self, p: &SubjectProblem<'_>) -> State<DVector<f64>> {
        let mut eta = self.start.clone();
        (self.value, self.grad, self.prec) = p.derivatives(&eta);
        if !self.value.is_finite() {
            eta.fill(0.0);
            (self.value, self.grad, self.prec) = p.derivatives(&eta);
        }
        let mut state = State::new(eta, self.value);
        state.gradient_norm = Some(self.grad.amax());
        state
    }

    fn terminate(
        &mut self,
        _: &SubjectProblem<'_>,
        state: &State<DVector<f64>>,
    ) -> Option<Termination> {
        // The tests are made before an iteration that is to run, not after the last.
        if state.iteration >= state.max_iterations {
            return None;
        }
        let Some(chol) = self.prec.clone().cholesky() else {
            return Some(Termination::Failed(
                "Omega^-1 + H is not positive definite".into(),
            ));
        };
        self.step = -0.5 * chol.solve(&self.grad);
        self.decrement = -self.grad.dot(&self.step);
        (self.decrement < self.tolerance)
            .then_some(Termination::Converged("Newton decrement below tolerance"))
    }

    fn next_iter(&mut self, p: &SubjectProblem<'_>, state: &mut State<DVector<f64>>) -> Step {
        let mut t = 1.0;
        for _ in 0..40 {
            let trial = &state.param + t * &self.step;
            let v = p.inner_value(&trial);
            if v <= self.value - 1e-4 * t * self.decrement {
                (self.value, self.grad, self.prec) = p.derivatives(&trial);
                state.param = trial;
                state.cost = self.value;
                state.gradient_norm = Some(self.grad.amax());
                return Step::Continue;
            }
            t *= 0.5;
        }
        // No decrease possible at machine precision: this is the mode.
        const WHY: &str = "line search found no decrease";
        Step::Stopped(if self.decrement < 1e-6 {
            Termination::Converged(WHY)
        } else {
            Termination::Failed(WHY.into())
        })
    }
}
