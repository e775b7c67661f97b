//! A bracketing root finder (Illinois variant of regula falsi) for monotone functions: the
//! critical values of Dunnett's and Tukey's distributions. The problem's cost is the function
//! whose root is sought.

use super::problem::CostFunction;
use super::solver::{Solver, State, Step, Termination};

/// The iteration limit of [`root`]: far beyond what the superlinear Illinois steps need on the
/// bracket of a smooth monotone function.
pub const MAX_ITERATIONS: usize = 200;

/// Finds a root in [a, b], where the function has opposite signs at a and b, to `tol` in x.
#[derive(Debug, Clone)]
pub struct Illinois {
    pub a: f64,
    pub b: f64,
    fa: f64,
    fb: f64,
    tol: f64,
    /// -1: the last step moved b, 1: it moved a (the Illinois halving of the stale end).
    side: i8,
}

impl Illinois {
    pub fn new(a: f64, b: f64, tol: f64) -> Self {
        Illinois {
            a,
            b,
            fa: f64::NAN,
            fb: f64::NAN,
            tol,
            side: 0,
        }
    }
}

const AT_ROOT: &str = "the function is 0 here";
const BRACKET: &str = "bracket narrower than the tolerance";

impl<P: CostFunction<Param = f64>> Solver<P> for Illinois {
    fn init(&mut self, problem: &P) -> State<f64> {
        self.fa = problem.cost(&self.a);
        self.fb = problem.cost(&self.b);
        if self.fb == 0.0 && self.fa != 0.0 {
            State::new(self.b, self.fb)
        } else {
            State::new(self.a, self.fa)
        }
    }

    fn terminate(&mut self, _: &P, state: &State<f64>) -> Option<Termination> {
        if state.iteration != 0 {
            return None;
        }
        if self.fa == 0.0 || self.fb == 0.0 {
            return Some(Termination::Converged(AT_ROOT));
        }
        // Regula falsi needs a bracket: without a sign change its steps find no root.
        (self.fa.signum() == self.fb.signum() || self.fa.is_nan() || self.fb.is_nan()).then(|| {
            Termination::Failed(format!(
                "no sign change over [{}, {}] (f = {} and {})",
                self.a, self.b, self.fa, self.fb
            ))
        })
    }

    fn next_iter(&mut self, problem: &P, state: &mut State<f64>) -> Step {
        let (a, b, fa, fb) = (self.a, self.b, self.fa, self.fb);
        let c = (a * fb - b * fa) / (fb - fa);
        let fc = problem.cost(&c);
        state.param = c;
        state.cost = fc;
        if fc == 0.0 {
            return Step::Done(Termination::Converged(AT_ROOT));
        }
        if (b - a).abs() < self.tol {
            return Step::Done(Termination::Converged(BRACKET));
        }
        if fc.signum() == fb.signum() {
            self.b = c;
            self.fb = fc;
            if self.side == -1 {
                self.fa *= 0.5;
            }
            self.side = -1;
        } else {
            self.a = c;
            self.fa = fc;
            if self.side == 1 {
                self.fb *= 0.5;
            }
            self.side = 1;
        }
        if (self.b - self.a).abs() < self.tol {
            state.param = 0.5 * (self.a + self.b);
            return Step::Done(Termination::Converged(BRACKET));
        }
        Step::Continue
    }
}

struct Function<F>(F);

impl<F: Fn(f64) -> f64> CostFunction for Function<F> {
    type Param = f64;
    fn cost(&self, x: &f64) -> f64 {
        (self.0)(*x)
    }
}

/// Root of `f` in [a, b] (opposite signs at a and b) to `tol` in x, with how the search ended;
/// after [`MAX_ITERATIONS`] the root is the middle of the last bracket, not converged.
pub fn root(f: impl Fn(f64) -> f64, a: f64, b: f64, tol: f64) -> (f64, Termination) {
    let mut solver = Illinois::new(a, b, tol);
    let o = super::run(
        &Function(f),
        &mut solver,
        MAX_ITERATIONS,
        &mut super::NoObserver,
    );
    match o.termination {
        Termination::MaxIterations(_) => (0.5 * (solver.a + solver.b), o.termination),
        t => (o.param, t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cube_root() {
        let (x, t) = root(|x| x * x * x - 2.0, 0.0, 2.0, 1e-13);
        assert!(t.is_converged());
        assert!((x - 2f64.cbrt()).abs() < 1e-12);
    }

    #[test]
    fn an_end_at_the_root_is_returned() {
        assert_eq!(root(|x| x - 1.0, 1.0, 3.0, 1e-12).0, 1.0);
        assert_eq!(root(|x| x - 3.0, 1.0, 3.0, 1e-12).0, 3.0);
    }

    #[test]
    fn no_sign_change_is_not_converged() {
        let (_, t) = root(|x| x * x + 1.0, -1.0, 2.0, 1e-12);
        assert!(!t.is_converged(), "{t}");
    }
}
