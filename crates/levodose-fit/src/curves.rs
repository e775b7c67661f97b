//! Individual fit curves: a subject's PRED and IPRED on a fine time grid.
//!
//! Goodness-of-fit plots that join the predictions at the sampling times hide the shape of the
//! curve between samples (absorption peak, lag), so the curves are the model's closed form
//! ([`crate::predict::predict`], the same code the likelihood uses) evaluated on a grid at the
//! subject's post hoc parameters (IPRED) and at its typical parameters, eta = 0 (PRED).
//!
//! The typical parameters come from the fit result itself: the post hoc parameter of a
//! parameter with an eta is `typical * exp(eta)`, so `log typical = log parameter - eta`. This
//! keeps the covariate model in one place (the estimation) instead of re-deriving it here.

use crate::estimate::{FitResult, Individual};
use crate::model::Structure;
use crate::predict::{predict, prepare, PreparedSubject};
use levodose::dataset::Dataset;
use levodose::error::{Error, Result};
use serde::Serialize;

/// Log-parameters of one subject, in `structure.parameter_names()` order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SubjectLogParameters {
    /// At eta = 0 (typical values with the subject's covariates): PRED.
    pub typical: Vec<f64>,
    /// At the post hoc (MAP) eta: IPRED.
    pub individual: Vec<f64>,
}

/// Recovers a subject's typical and individual log-parameters from its fit result entry.
pub(crate) fn log_parameters(
    structure: Structure,
    ind: &Individual,
) -> Result<SubjectLogParameters> {
    let mut typical = Vec::new();
    let mut individual = Vec::new();
    for name in structure.parameter_names() {
        let p = *ind.parameters.get(*name).ok_or_else(|| {
            Error::input(
                "fit result",
                format!("subject {} has no post hoc value of {name}", ind.id),
            )
        })?;
        if !(p.is_finite() && p > 0.0) {
            return Err(Error::input(
                "fit result",
                format!("subject {}: post hoc {name} = {p} is not > 0", ind.id),
            ));
        }
        let eta = ind.eta.get(*name).copied().unwrap_or(0.0);
        individual.push(p.ln());
        typical.push(p.ln() - eta);
    }
    Ok(SubjectLogParameters {
        typical,
        individual,
    })
}

/// The dataset's subjects prepared for prediction, paired with their fit result entries.
///
/// Fails when the fit result does not belong to this dataset (other subjects or order).
pub(crate) fn subjects_with_parameters(
    result: &FitResult,
    data: &Dataset,
) -> Result<Vec<(PreparedSubject, SubjectLogParameters)>> {
    let structure = result.fitted.structure;
    // Covariates act through the typical parameters recovered from the result: none needed.
    let subjects = prepare(data, structure, &[]).map_err(|e| Error::input("dataset", e))?;
    if subjects.len() != result.individual.len() {
        return Err(Error::input(
            "fit result",
            format!(
                "has {} subjects but the dataset has {}: it was fitted to another dataset",
                result.individual.len(),
                subjects.len()
            ),
        ));
    }
    subjects
        .into_iter()
        .zip(&result.individual)
        .map(|(s, ind)| {
            if s.id != ind.id {
                return Err(Error::input(
                    "fit result",
                    format!(
                        "subject {} of the fit is subject {} in the dataset: it was fitted to another dataset",
                        ind.id, s.id
                    ),
                ));
            }
            let lp = log_parameters(structure, ind)?;
            Ok((s, lp))
        })
        .collect()
}

/// One subject's observations and its PRED and IPRED curves (DV units, time in h).
#[derive(Debug, Clone, Serialize)]
pub struct IndividualCurves {
    pub id: String,
    /// Observed (TIME, DV).
    pub observed: Vec<(f64, f64)>,
    pub time_h: Vec<f64>,
    pub ipred: Vec<f64>,
    pub pred: Vec<f64>,
    /// Post hoc parameters on the natural scale (as in the fit result).
    pub parameters: Vec<(String, f64)>,
}

/// The grid: `n_points` equally spaced times from the first event to the last observation,
/// merged with the dose and observation times so peaks at a sample and jumps at a bolus are
/// drawn where they are.
fn time_grid(s: &PreparedSubject, n_points: usize) -> Vec<f64> {
    let events = s
        .doses
        .iter()
        .map(|d| d.time_h)
        .chain(s.time_h.iter().copied());
    let (t0, t1) = events.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), t| {
        (a.min(t), b.max(t))
    });
    let mut grid: Vec<f64> = if t1 > t0 && n_points > 1 {
        (0..n_points)
            .map(|k| t0 + (t1 - t0) * k as f64 / (n_points - 1) as f64)
            .collect()
    } else {
        vec![t0]
    };
    grid.extend(s.doses.iter().map(|d| d.time_h));
    grid.extend(s.time_h.iter().copied());
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    grid
}

/// PRED and IPRED curves of every subject of `data` fitted in `result`, `n_points` grid
/// points each (plus the event times).
pub fn individual_curves(
    result: &FitResult,
    data: &Dataset,
    n_points: usize,
) -> Result<Vec<IndividualCurves>> {
    let structure = result.fitted.structure;
    let pairs = subjects_with_parameters(result, data)?;
    Ok(pairs
        .into_iter()
        .zip(&result.individual)
        .map(|((s, lp), ind)| {
            let time_h = time_grid(&s, n_points);
            // A grid "observation" comes after every record at its time (line usize::MAX), so a
            // dose at that time is already given, as in the engine's event order.
            let grid = PreparedSubject {
                id: s.id.clone(),
                doses: s.doses.clone(),
                time_h: time_h.clone(),
                line: vec![usize::MAX; time_h.len()],
                dv: vec![0.0; time_h.len()],
                covariates: vec![],
            };
            let curve = |phi: &[f64]| -> Vec<f64> {
                (0..time_h.len())
                    .map(|j| predict(structure, phi, &grid, j).v)
                    .collect()
            };
            IndividualCurves {
                id: s.id.clone(),
                observed: s.time_h.iter().copied().zip(s.dv.iter().copied()).collect(),
                ipred: curve(&lp.individual),
                pred: curve(&lp.typical),
                time_h,
                parameters: structure
                    .parameter_names()
                    .iter()
                    .map(|n| (n.to_string(), ind.parameters[*n]))
                    .collect(),
            }
        })
        .collect())
}
