//! BFGS with a backtracking (Armijo) line search: the population fit's outer problem (fewer
//! than a dozen parameters, a gradient by central differences of an objective that itself runs
//! inner optimisations).

use super::problem::Gradient;
use super::solver::{Solver, State, Step, Termination};
use nalgebra::{DMatrix, DVector};

/// Stops when the largest gradient component is below `gtol` or three successive iterations
/// lower the cost by less than `ftol` each.
#[derive(Debug, Clone)]
pub struct Bfgs {
    x0: Option<DVector<f64>>,
    gtol: f64,
    ftol: f64,
    /// Gradient at the current iterate.
    pub gradient: DVector<f64>,
    hinv: DMatrix<f64>,
    small_steps: usize,
}

impl Bfgs {
    pub fn new(x0: DVector<f64>, gtol: f64, ftol: f64) -> Self {
        Bfgs {
            x0: Some(x0),
            gtol,
            ftol,
            gradient: DVector::zeros(0),
            hinv: DMatrix::zeros(0, 0),
            small_steps: 0,
        }
    }
}

impl<P: Gradient<Param = DVector<f64>>> Solver<P> for Bfgs {
    fn init(&mut self, problem: &P) -> State<DVector<f64>> {
        let x = self.x0.take().expect("Bfgs::init runs once");
        let n = x.len();
        let fx = problem.cost(&x);
        let g = problem.gradient(&x, fx);
        let mut hinv = DMatrix::<f64>::identity(n, n);
        // A first step of unit length in the steepest direction, scaled to the gradient.
        let gmax = g.amax();
        if gmax > 0.0 {
            hinv *= 0.1 / gmax.max(1.0);
        }
        self.hinv = hinv;
        self.small_steps = 0;
        let mut state = State::new(x, fx);
        state.gradient_norm = Some(gmax);
        self.gradient = g;
        state
    }

    fn terminate(&mut self, _: &P, state: &State<DVector<f64>>) -> Option<Termination> {
        // The gradient test is made before an iteration that is to run, not after the last.
        (state.iteration < state.max_iterations && self.gradient.amax() < self.gtol)
            .then_some(Termination::Converged("gradient below tolerance"))
    }

    fn next_iter(&mut self, problem: &P, state: &mut State<DVector<f64>>) -> Step {
        let n = state.param.len();
        let (x, fx, g) = (&state.param, state.cost, &self.gradient);
        let mut d = -(&self.hinv * g);
        let mut slope = g.dot(&d);
        if slope >= 0.0 {
            self.hinv = DMatrix::identity(n, n) * (0.1 / g.amax().max(1.0));
            d = -(&self.hinv * g);
            slope = g.dot(&d);
        }
        let mut t = 1.0;
        let mut next = None;
        for _ in 0..30 {
            let xt = x + t * &d;
            let ft = problem.cost(&xt);
            if ft.is_finite() && ft <= fx + 1e-4 * t * slope {
                next = Some((xt, ft));
                break;
            }
            t *= 0.5;
        }
        let Some((xn, fxn)) = next else {
            // No decrease at machine precision close to the minimum is convergence.
            const WHY: &str = "line search found no decrease";
            return Step::Stopped(if g.amax() < 100.0 * self.gtol {
                Termination::Converged(WHY)
            } else {
                Termination::Failed(WHY.into())
            });
        };
        let gn = problem.gradient(&xn, fxn);
        let s = &xn - x;
        let y = &gn - g;
        let sy = s.dot(&y);
        if sy > 1e-12 {
            let rho = 1.0 / sy;
            let i = DMatrix::<f64>::identity(n, n);
            let a = &i - rho * &s * y.transpose();
            self.hinv = &a * &self.hinv * a.transpose() + rho * &s * s.transpose();
        }
        let decrease = fx - fxn;
        state.param = xn;
        state.cost = fxn;
        state.gradient_norm = Some(gn.amax());
        self.gradient = gn;
        if decrease < self.ftol {
            self.small_steps += 1;
            if self.small_steps >= 3 {
                return Step::Done(Termination::Converged("objective change below tolerance"));
            }
        } else {
            self.small_steps = 0;
        }
        Step::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{run, CostFunction, NoObserver};

    struct Rosenbrock;
    impl CostFunction for Rosenbrock {
        type Param = DVector<f64>;
        fn cost(&self, x: &DVector<f64>) -> f64 {
            (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2)
        }
    }
    impl Gradient for Rosenbrock {
        fn gradient(&self, x: &DVector<f64>, _: f64) -> DVector<f64> {
            DVector::from_vec(vec![
                -2.0 * (1.0 - x[0]) - 400.0 * x[0] * (x[1] - x[0] * x[0]),
                200.0 * (x[1] - x[0] * x[0]),
            ])
        }
    }

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let mut s = Bfgs::new(DVector::from_vec(vec![-1.2, 1.0]), 1e-8, 0.0);
        let o = run(&Rosenbrock, &mut s, 500, &mut NoObserver);
        assert!(o.converged(), "{}", o.termination);
        assert!((o.param[0] - 1.0).abs() < 1e-6 && (o.param[1] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn the_iteration_limit_is_a_termination_and_every_iteration_is_observed() {
        let mut s = Bfgs::new(DVector::from_vec(vec![-1.2, 1.0]), 1e-8, 0.0);
        let mut seen = Vec::new();
        let mut obs = |r: &crate::optim::IterationReport| seen.push((r.iteration, r.objective));
        let o = run(&Rosenbrock, &mut s, 3, &mut obs);
        assert_eq!(o.termination, Termination::MaxIterations(3));
        assert_eq!(o.iterations, 3);
        assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1, 2, 3]);
        assert_eq!(seen[3].1, o.cost);
        assert!(seen[3].1 < seen[0].1);
    }
}
