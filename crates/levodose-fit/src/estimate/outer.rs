//! The outer minimisation: BFGS on the population objective, then every subject's mode at the
//! estimates.

use super::objective::{Objective, Problem, Undefined, Values};
use super::types::FitOptions;
use crate::posthoc::Mode;
use levodose::error::{Error, Result};
use levodose::finding::{Finding, Severity};
use levodose_stats::optim::{self, bfgs::Bfgs, CostFunction, IterationReport, Observer};
use nalgebra::DVector;

/// Largest gradient component at which the outer problem has converged (OFV units per unit of
/// the log-scale parameters).
const GRADIENT_TOLERANCE: f64 = 1e-3;
/// OFV decrease below which an iteration counts as no progress (three in a row end the run).
const OBJECTIVE_TOLERANCE: f64 = 1e-7;

/// The estimates in outer parameters, the population values and the subjects' modes there.
pub(super) struct Estimate {
    pub x: DVector<f64>,
    pub values: Values,
    pub modes: Vec<Mode>,
    pub ofv: f64,
    pub converged: bool,
    pub iterations: usize,
}

/// Minimises the OFV from the model's values (with nothing to estimate: evaluates it there),
/// showing each iteration to `observer`; not converging and subjects whose mode did not converge
/// are findings.
pub(super) fn minimise(
    objective: &Objective,
    opts: &FitOptions,
    observer: &mut dyn Observer,
    findings: &mut Vec<Finding>,
) -> Result<Estimate> {
    let problem = objective.problem;
    let x0 = problem.pack(&problem.base);
    let (x, converged, iterations, message) = if problem.slots.is_empty() {
        let ofv = objective.eval(&x0, true);
        observer.observe(&IterationReport {
            iteration: 0,
            objective: ofv,
            gradient_norm: None,
            parameters: x0.as_slice(),
            evaluations: objective.evaluations(),
        });
        (x0, true, 0, String::new())
    } else {
        let mut solver = Bfgs::new(x0, GRADIENT_TOLERANCE, OBJECTIVE_TOLERANCE);
        let o = optim::run(objective, &mut solver, opts.max_iterations, observer);
        let (converged, message) = (o.converged(), o.termination.to_string());
        (o.param, converged, o.iterations, message)
    };
    if !objective.best.borrow().0.is_finite() {
        // A covariate that makes a parameter <= 0 at the initial values is the model's or the
        // dataset's doing: say which.
        if let Err(why @ Undefined::NonPositiveParameter { covariate, .. }) =
            problem.modes(&problem.base, &objective.starts())
        {
            return Err(Error::input(
                problem.model.covariates[covariate].column.clone(),
                format!(
                    "at the initial values, {}",
                    problem.explain(&why, &problem.base)
                ),
            ));
        }
        return Err(Error::Numerical(
            "the objective is not finite at the initial values; check the initial estimates and the units of AMT and DV".into(),
        ));
    }
    if !converged {
        findings.push(
            Finding::new(
                "FIT-NOT-CONVERGED",
                Severity::Warning,
                format!("estimation did not converge: {message}"),
                "levodose-fit",
            )
            .with_suggestion("start from other initial values or simplify the model"),
        );
    }
    let values = problem.values(&x);
    let modes = problem.modes(&values, &objective.starts()).map_err(|why| {
        Error::Numerical(format!(
            "{} at the estimates",
            problem.explain(&why, &values)
        ))
    })?;
    let ofv = Problem::ofv(&modes);
    if modes.iter().any(|m| !m.converged) {
        let ids: Vec<&str> = modes
            .iter()
            .zip(&problem.subjects)
            .filter(|(m, _)| !m.converged)
            .map(|(_, s)| s.id.as_str())
            .collect();
        findings.push(Finding::new(
            "FIT-ETA-NOT-CONVERGED",
            Severity::Warning,
            format!(
                "the conditional mode did not converge for subject(s) {}",
                ids.join(", ")
            ),
            "levodose-fit",
        ));
    }
    Ok(Estimate {
        x,
        values,
        modes,
        ofv,
        converged,
        iterations,
    })
}
