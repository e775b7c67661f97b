//! From a model and a dataset to the estimation problem: the subjects, the observations that
//! enter the likelihood, the starting values and the parameters the optimiser moves.

use super::objective::{Problem, Slot, Values};
use super::types::FitOptions;
use crate::model::{CovariateForm, Model};
use crate::predict::{prepare as prepare_subjects, PreparedSubject};
use levodose::dataset::Dataset;
use levodose::error::{Error, Result};
use levodose::finding::{Finding, Severity};

/// The problem with what preparing it found.
pub(super) struct Prepared<'a> {
    pub problem: Problem<'a>,
    pub findings: Vec<Finding>,
    /// Observations in the likelihood.
    pub n_observations: usize,
}

pub(super) fn prepare<'a>(
    model: &'a Model,
    data: &Dataset,
    opts: &FitOptions,
) -> Result<Prepared<'a>> {
    let mut findings = Vec::new();
    if model.error.proportional_sd.is_some() {
        data.check_positive_dv()?;
    }
    let columns: Vec<String> = model.covariates.iter().map(|c| c.column.clone()).collect();
    let subjects = prepare_subjects(data, model.structure, &columns)
        .map_err(|e| Error::input("covariates", e))?;
    check_factor_levels(model, &subjects)?;
    let include = likelihood_observations(model, &subjects, &mut findings);
    let n_observations: usize = include
        .iter()
        .map(|v| v.iter().filter(|b| **b).count())
        .sum();
    let base = Values {
        theta: model.theta.clone(),
        coef: model.covariates.iter().map(|c| c.init).collect(),
        chol: model
            .omega
            .clone()
            .cholesky()
            .map(|c| c.l())
            .ok_or_else(|| Error::input("omega", "initial omega is not positive definite"))?,
        additive_sd: model.error.additive_sd,
        proportional_sd: model.error.proportional_sd,
    };
    let slots = if opts.posthoc_only {
        Vec::new()
    } else {
        estimated_slots(model)
    };
    Ok(Prepared {
        problem: Problem {
            model,
            subjects,
            include,
            slots,
            base,
        },
        findings,
        n_observations,
    })
}

/// Which observations enter the likelihood: with a purely proportional error an observation
/// predicted 0 (no dose before it) has zero variance and cannot.
fn likelihood_observations(
    model: &Model,
    subjects: &[PreparedSubject],
    findings: &mut Vec<Finding>,
) -> Vec<Vec<bool>> {
    let mut include = Vec::new();
    let mut excluded = Vec::new();
    for s in subjects {
        let inc: Vec<bool> = (0..s.dv.len())
            .map(|j| model.error.additive_sd.is_some() || !s.before_first_dose(j))
            .collect();
        for (j, &ok) in inc.iter().enumerate() {
            if !ok {
                excluded.push(format!(
                    "line {} (ID {}, {} h)",
                    s.line[j], s.id, s.time_h[j]
                ));
            }
        }
        include.push(inc);
    }
    if !excluded.is_empty() {
        findings.push(Finding::new(
            "FIT-PRED-ZERO",
            Severity::Info,
            format!(
                "{} observation(s) before the first dose are predicted 0 and cannot enter a proportional-error likelihood; excluded: {}",
                excluded.len(),
                excluded.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
            ),
            "levodose-fit",
        ));
    }
    include
}

/// The parameters not fixed, in the order of the outer vector: typical values, covariate
/// coefficients, omega's Cholesky diagonal, its block off-diagonals, residual SDs.
fn estimated_slots(model: &Model) -> Vec<Slot> {
    let mut slots = Vec::new();
    for k in 0..model.theta.len() {
        if !model.theta_fixed[k] {
            slots.push(Slot::Theta(k));
        }
    }
    for (c, cov) in model.covariates.iter().enumerate() {
        if !cov.fixed {
            slots.push(Slot::Coef(c));
        }
    }
    for e in 0..model.n_eta() {
        if !model.omega_fixed[e] {
            slots.push(Slot::CholDiag(e));
        }
    }
    for &(i, j) in &model.omega_pairs {
        slots.push(Slot::CholOff(i, j));
    }
    if !model.error.fixed {
        if model.error.additive_sd.is_some() {
            slots.push(Slot::Additive);
        }
        if model.error.proportional_sd.is_some() {
            slots.push(Slot::Proportional);
        }
    }
    slots
}

/// Every subject's value of a factor covariate is its reference level or one of its levels:
/// an unlisted value would silently get the reference multiplier.
fn check_factor_levels(model: &Model, subjects: &[PreparedSubject]) -> Result<()> {
    for (c, cov) in model
        .covariates
        .iter()
        .enumerate()
        .filter(|(_, cov)| cov.form == CovariateForm::Factor)
    {
        let allowed: Vec<f64> = std::iter::once(cov.reference)
            .chain(
                model
                    .covariates
                    .iter()
                    .filter(|o| o.parameter == cov.parameter && o.column == cov.column)
                    .filter_map(|o| o.level),
            )
            .collect();
        for s in subjects {
            let x = s.covariates[c];
            if !allowed.contains(&x) {
                return Err(Error::input(
                    cov.column.clone(),
                    format!(
                        "subject {} has {} = {x}, which is neither the reference level {} nor a level of the model ({})",
                        s.id,
                        cov.column,
                        cov.reference,
                        allowed[1..].iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
    Ok(())
}
