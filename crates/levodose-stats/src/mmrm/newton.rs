//! The REML optimiser as PROC MIXED runs it: Newton-Raphson in sigma with the observed Hessian
//! (Fisher scoring when it is not positive definite) and step halving, stopping when
//! g'H^-1 g / |-2 l_R| < `tol` (SAS CONVH, default 1e-8), on the solver interface of
//! [`crate::optim`].

use super::error::MmrmError;
use super::fit::{Information, Problem};
use crate::optim::{self, CostFunction, NoObserver, Solver, State, Step, Termination};
use nalgebra::{Cholesky, DMatrix, DVector};

/// -2 l_R in the linear covariance parameters (SAS order); not finite where it cannot be
/// evaluated.
impl CostFunction for Problem {
    type Param = DVector<f64>;
    fn cost(&self, x: &DVector<f64>) -> f64 {
        self.eval(&self.to_matrix(x), false)
            .map_or(f64::INFINITY, |e| e.f)
    }
}

const NO_START: &str = "the likelihood cannot be evaluated at the starting values";
const SINGULAR: &str = "the information matrix is singular";
const NO_DECREASE: &str = "step halving found no decrease of -2 REML log-likelihood";

/// Newton-Raphson on -2 l_R from a starting covariance matrix.
struct RemlNewton {
    start: DMatrix<f64>,
    tol: f64,
    /// The information at the current iterate (None: the start cannot be evaluated).
    info: Option<Information>,
    /// The Newton step H^-1 g at the current iterate, once the stopping test has computed it.
    step: DVector<f64>,
    /// The relative Hessian criterion at the current iterate.
    criterion: f64,
    /// Iterations begun (one more than completed when the step halving fails).
    begun: usize,
}

impl Solver<Problem> for RemlNewton {
    fn init(&mut self, problem: &Problem) -> State<DVector<f64>> {
        self.info = problem.information(&self.start);
        let x = problem.to_vector(&self.start);
        let mut state = State::new(x, f64::NAN);
        if let Some(info) = &self.info {
            state.cost = info.eval.f;
            state.gradient_norm = Some(info.grad.amax());
        }
        state
    }

    fn terminate(&mut self, _: &Problem, _: &State<DVector<f64>>) -> Option<Termination> {
        let Some(info) = &self.info else {
            return Some(Termination::Failed(NO_START.into()));
        };
        let step = match Cholesky::new(info.observed.clone())
            .or_else(|| Cholesky::new(info.expected.clone()))
        {
            Some(c) => c.solve(&info.grad),
            None => return Some(Termination::Failed(SINGULAR.into())),
        };
        let crit = info.grad.dot(&step) / info.eval.f.abs().max(1e-300);
        self.step = step;
        self.criterion = crit;
        (crit.abs() < self.tol).then_some(Termination::Converged(
            "relative Hessian criterion below tolerance",
        ))
    }

    fn next_iter(&mut self, problem: &Problem, state: &mut State<DVector<f64>>) -> Step {
        self.begun += 1;
        let info = self
            .info
            .as_ref()
            .expect("terminate stops without information");
        let current = problem.to_vector(&info.sigma);
        let mut t = 1.0;
        let mut next = None;
        for _ in 0..40 {
            let sigma = problem.to_matrix(&(&current - &self.step * t));
            if let Some(e) = problem.eval(&sigma, false) {
                if e.f <= info.eval.f + 1e-10 * info.eval.f.abs() {
                    next = problem.information(&sigma);
                    if next.is_some() {
                        break;
                    }
                }
            }
            t *= 0.5;
        }
        let Some(next) = next else {
            return Step::Stopped(Termination::Failed(NO_DECREASE.into()));
        };
        state.param = problem.to_vector(&next.sigma);
        state.cost = next.eval.f;
        state.gradient_norm = Some(next.grad.amax());
        self.info = Some(next);
        Step::Continue
    }
}

impl Problem {
    /// The REML estimate from `start` and the iterations it took; not converging within
    /// `max_iter` iterations is an error.
    pub fn optimise(
        &self,
        start: &DMatrix<f64>,
        tol: f64,
        max_iter: usize,
    ) -> Result<(Information, usize), MmrmError> {
        let mut solver = RemlNewton {
            start: start.clone(),
            tol,
            info: None,
            step: DVector::zeros(0),
            criterion: f64::NAN,
            begun: 0,
        };
        let outcome = optim::run(self, &mut solver, max_iter, &mut NoObserver);
        let iterations = solver.begun;
        let reason = match outcome.termination {
            Termination::Converged(_) => {
                let info = solver.info.expect("converged at an evaluated iterate");
                return Ok((info, iterations));
            }
            Termination::MaxIterations(_) => format!(
                "the relative Hessian criterion is still {:.2e}",
                solver.criterion
            ),
            Termination::Failed(why) => why,
        };
        Err(MmrmError::NotConverged { iterations, reason })
    }
}
