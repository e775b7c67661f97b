//! The critical values of Dunnett's and Tukey's distributions are roots of monotone tail
//! functions, found by the Illinois solver of [`crate::optim::illinois`].

use crate::optim::Termination;

/// Root of `f` in [a, b] where f(a) and f(b) have opposite signs, to `tol` in x, and how the
/// search ended (the caller turns a search that did not converge into a finding).
pub fn illinois(f: impl Fn(f64) -> f64, a: f64, b: f64, tol: f64) -> (f64, Termination) {
    crate::optim::illinois::root(f, a, b, tol)
}
