//! Population estimation by FOCE with interaction, the objective exactly as NONMEM computes it.
//!
//! OFV = sum_i [ L_i(eta_i*) + log|Omega| + log|Omega^-1 + H_i| ] (see [`crate::posthoc`]),
//! reported without N log 2 pi as NONMEM's OFV. Outer parameters, all unconstrained: log of
//! each typical value, the covariate coefficients, the Cholesky factor of Omega (log of its
//! diagonal, free off-diagonals inside an omega block) and the log of each residual SD. They are
//! moved by BFGS on central-difference gradients (`levodose_stats::optim::bfgs`); every objective evaluation re-solves each
//! subject's mode by Fisher scoring warm-started from the best point so far, subjects in parallel
//! (rayon) and summed in subject order, so results do not depend on the number of threads.

//!
//! The steps, one file each: [`prepare`] (subjects, likelihood observations, starting values,
//! estimated parameters), [`objective`] (outer parameters -> OFV), [`outer`] (the
//! minimisation and the modes at the estimates), [`covariance`] (the covariance step) and
//! [`diagnostics`] (tables, residuals, shrinkage); [`types`] holds the options and the result.

mod covariance;
mod diagnostics;
mod objective;
mod outer;
mod prepare;
mod types;

pub use types::{
    CovarianceMethod, CovarianceSummary, FitOptions, FitResult, Individual, ObservationDiagnostics,
    OmegaEstimate, ParameterEstimate, SigmaEstimate,
};

use crate::model::Model;
use levodose::dataset::Dataset;
use levodose::error::Result;
use levodose_stats::optim::{NoObserver, Observer};
use objective::Objective;

/// Fits `model` to `data` (or, with `posthoc_only`, returns the MAP etas at the given values).
pub fn fit(model: &Model, data: &Dataset, opts: &FitOptions) -> Result<FitResult> {
    fit_observed(model, data, opts, &mut NoObserver)
}

/// [`fit`], showing every outer iteration to `observer` (`fit --trace`).
pub fn fit_observed(
    model: &Model,
    data: &Dataset,
    opts: &FitOptions,
    observer: &mut dyn Observer,
) -> Result<FitResult> {
    let prepared = prepare::prepare(model, data, opts)?;
    let mut findings = prepared.findings;
    let problem = &prepared.problem;
    let objective = Objective::new(problem);
    let est = outer::minimise(&objective, opts, observer, &mut findings)?;
    let cov = covariance::covariance(&objective, &est, opts.covariance, &mut findings);
    let v = &est.values;
    let omega = &v.chol * v.chol.transpose();
    let parameters = diagnostics::parameters(problem, v, &cov);
    let (omega_out, omega_correlation) = diagnostics::omega(problem, &omega, &cov, &mut findings);
    let sigma = diagnostics::sigma(problem, v, &cov);
    let subjects = diagnostics::subjects(problem, v, &omega, &est.modes);
    let shrinkage_pct = diagnostics::shrinkage(model, &omega, &est.modes, &subjects.iwres);
    Ok(FitResult {
        ofv: est.ofv,
        n_subjects: problem.subjects.len(),
        n_observations: prepared.n_observations,
        converged: est.converged,
        iterations: est.iterations,
        method: if opts.posthoc_only {
            "posthoc (MAP etas at the given population values)"
        } else {
            "FOCE-I"
        },
        structure: model.structure.as_str(),
        parameters,
        omega: omega_out,
        omega_correlation,
        sigma,
        shrinkage_pct,
        covariance: cov.summary,
        individual: subjects.individual,
        observations: subjects.observations,
        findings,
        fitted: diagnostics::fitted_model(model, v, &omega),
    })
}
