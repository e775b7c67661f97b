//! The loop every solver runs in.

use super::observer::{IterationReport, Observer};
use super::problem::CostFunction;
use super::solver::{Outcome, Params, Solver, State, Step, Termination};

/// Runs `solver` on `problem` for at most `max_iterations` iterations, showing the start and
/// every completed iteration to `observer`. Order, as argmin: the solver's stopping test, then
/// the iteration limit, then one iteration.
pub fn run<P, S>(
    problem: &P,
    solver: &mut S,
    max_iterations: usize,
    observer: &mut dyn Observer,
) -> Outcome<P::Param>
where
    P: CostFunction,
    P::Param: Params,
    S: Solver<P>,
{
    let mut state = solver.init(problem);
    state.iteration = 0;
    state.max_iterations = max_iterations;
    show(problem, &state, observer);
    loop {
        if let Some(t) = solver.terminate(problem, &state) {
            return finish(state, t);
        }
        if state.iteration >= max_iterations {
            return finish(state, Termination::MaxIterations(max_iterations));
        }
        match solver.next_iter(problem, &mut state) {
            Step::Continue => {
                state.iteration += 1;
                show(problem, &state, observer);
            }
            Step::Done(t) => {
                state.iteration += 1;
                show(problem, &state, observer);
                return finish(state, t);
            }
            Step::Stopped(t) => return finish(state, t),
        }
    }
}

fn show<P: CostFunction>(problem: &P, state: &State<P::Param>, observer: &mut dyn Observer)
where
    P::Param: Params,
{
    observer.observe(&IterationReport {
        iteration: state.iteration,
        objective: state.cost,
        gradient_norm: state.gradient_norm,
        parameters: state.param.as_params(),
        evaluations: problem.evaluations(),
    });
}

fn finish<P>(state: State<P>, termination: Termination) -> Outcome<P> {
    Outcome {
        param: state.param,
        cost: state.cost,
        iterations: state.iteration,
        termination,
    }
}
