//! One small problem/solver interface for the hand-written optimisers, in the manner of argmin:
//! a problem states its cost (and a gradient where the solver needs one, [`problem`]), a solver
//! implements [`Solver`] (its start, one iteration and its own stopping test), and [`run`] drives
//! it, hands every iteration to an [`Observer`] (`fit --trace` prints them as NONMEM's iteration
//! log) and ends with a [`Termination`] the caller must handle: reaching the iteration limit is
//! never a silent return.
//!
//! Why not argmin itself: the solvers here must keep their iterates to the last bit (the fits are
//! validated against NONMEM and SAS at tight tolerances), each has a line search and stopping
//! rule of its own, and the inner FOCE-I solver runs millions of times per fit; a loop of a few
//! lines over these traits costs nothing and adds no dependency.
//!
//! Solvers: [`bfgs`] (the population fit's outer problem) and [`illinois`] (bracketing roots, the
//! critical values of Dunnett's and Tukey's distributions) are generic and live here; the
//! REML Newton-Raphson (`mmrm::fit`) and the FOCE-I Fisher scoring of one subject's mode
//! (`levodose_fit::posthoc`, also the MAP estimate of `individualize`) are specific to their
//! problems and implement [`Solver`] next to them.

pub mod bfgs;
mod executor;
pub mod illinois;
mod observer;
pub mod problem;
mod solver;

pub use executor::run;
pub use observer::{IterationReport, NoObserver, Observer};
pub use problem::{CostFunction, Gradient};
pub use solver::{Outcome, Params, Solver, State, Step, Termination};
