//! What a solver shows after each iteration.

/// The state after an iteration (iteration 0: the start).
#[derive(Debug, Clone, Copy)]
pub struct IterationReport<'a> {
    /// Completed iterations.
    pub iteration: usize,
    pub objective: f64,
    /// Largest absolute gradient component, where the solver has a gradient.
    pub gradient_norm: Option<f64>,
    pub parameters: &'a [f64],
    /// Objective evaluations so far, where the problem counts them.
    pub evaluations: Option<usize>,
}

/// Receives every iteration of a solver run (an iteration log, a progress display).
pub trait Observer {
    fn observe(&mut self, report: &IterationReport);
}

/// Observes nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl Observer for NoObserver {
    fn observe(&mut self, _: &IterationReport) {}
}

impl<F: FnMut(&IterationReport)> Observer for F {
    fn observe(&mut self, report: &IterationReport) {
        self(report)
    }
}
