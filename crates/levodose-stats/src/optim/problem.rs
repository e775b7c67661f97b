//! What a problem states: its cost and, for gradient solvers, its gradient.

/// The objective to minimise (or, for a root finder, the function whose root is sought).
pub trait CostFunction {
    type Param;
    fn cost(&self, x: &Self::Param) -> f64;
    /// Objective evaluations so far, those inside the gradient included (NONMEM's NO. OF
    /// FUNC. EVALS.); None where the problem does not count them.
    fn evaluations(&self) -> Option<usize> {
        None
    }
}

/// The gradient of the cost; `cost` is the cost at `x`, already known to the solver.
pub trait Gradient: CostFunction {
    fn gradient(&self, x: &Self::Param, cost: f64) -> Self::Param;
}
