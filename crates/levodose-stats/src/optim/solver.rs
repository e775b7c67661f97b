//! The solver interface, its state and how a run ends.

use super::problem::CostFunction;
use nalgebra::DVector;
use std::fmt;

/// Parameters an observer can read as a slice.
pub trait Params {
    fn as_params(&self) -> &[f64];
}

impl Params for DVector<f64> {
    fn as_params(&self) -> &[f64] {
        self.as_slice()
    }
}

impl Params for f64 {
    fn as_params(&self) -> &[f64] {
        std::slice::from_ref(self)
    }
}

/// The iterate every solver has; anything else a solver carries (a gradient, an inverse Hessian,
/// a bracket) lives in the solver.
#[derive(Debug, Clone)]
pub struct State<P> {
    pub param: P,
    pub cost: f64,
    /// Largest absolute gradient component, where the solver has a gradient.
    pub gradient_norm: Option<f64>,
    /// Completed iterations (set by [`super::run`]).
    pub iteration: usize,
    /// The run's iteration limit (set by [`super::run`]).
    pub max_iterations: usize,
}

impl<P> State<P> {
    pub fn new(param: P, cost: f64) -> Self {
        State {
            param,
            cost,
            gradient_norm: None,
            iteration: 0,
            max_iterations: 0,
        }
    }
}

/// How a run ended. Callers must say what a state other than `Converged` means for them (an
/// error or a finding).
#[derive(Debug, Clone, PartialEq)]
pub enum Termination {
    /// The solver's convergence test holds; the text names the test.
    Converged(&'static str),
    /// The iteration limit was reached before a convergence test held.
    MaxIterations(usize),
    /// The solver cannot go on (no decrease in the line search, a singular matrix).
    Failed(String),
}

impl Termination {
    pub fn is_converged(&self) -> bool {
        matches!(self, Termination::Converged(_))
    }
}

impl fmt::Display for Termination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Termination::Converged(why) => f.write_str(why),
            Termination::MaxIterations(n) => write!(f, "no convergence in {n} iterations"),
            Termination::Failed(why) => f.write_str(why),
        }
    }
}

/// What one iteration did.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The iteration completed; go on.
    Continue,
    /// The iteration completed and the run ends (a convergence test on the new iterate).
    Done(Termination),
    /// The iteration could not complete (the state is the previous iterate).
    Stopped(Termination),
}

/// A solver: its start, its stopping test and one iteration, driven by [`super::run`].
pub trait Solver<P: CostFunction>
where
    P::Param: Params,
{
    /// The starting state (an unusable start is reported by [`Solver::terminate`]).
    fn init(&mut self, problem: &P) -> State<P::Param>;
    /// The stopping test before the next iteration, called also when the limit is reached (a
    /// solver whose test is not made there looks at `state.max_iterations`).
    fn terminate(&mut self, problem: &P, state: &State<P::Param>) -> Option<Termination>;
    fn next_iter(&mut self, problem: &P, state: &mut State<P::Param>) -> Step;
}

/// The end of a run: the last iterate and why the run ended.
#[derive(Debug, Clone)]
pub struct Outcome<P> {
    pub param: P,
    pub cost: f64,
    /// Completed iterations.
    pub iterations: usize,
    pub termination: Termination,
}

impl<P> Outcome<P> {
    pub fn converged(&self) -> bool {
        self.termination.is_converged()
    }
}
