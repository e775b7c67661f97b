//! MAP Bayesian individualisation: one patient's dosing history and measured levels, with a
//! population model as the prior, give the conditional mode of the patient's parameters and
//! their Laplace uncertainty (the inverse of Omega^-1 + H at the mode, the same precision FOCE-I
//! uses), so the estimate is exactly the post hoc step of [`crate::fit`] for one subject.

use crate::model::Model;
use crate::posthoc::SubjectProblem;
use crate::predict::{DoseKind, PreparedDose, PreparedSubject};
use levodose::error::{Error, Result};
use levodose::regimen::DoseEvent;
use nalgebra::{DMatrix, DVector};
use serde::Serialize;
use std::collections::BTreeMap;

/// One measured level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Hours since the first dose.
    pub time_h: f64,
    pub conc_ng_per_ml: f64,
}

/// The patient's MAP estimate.
#[derive(Debug, Clone, Serialize)]
pub struct MapEstimate {
    pub eta: BTreeMap<String, f64>,
    /// MAP parameters (natural scale: CL/F L/h, V/F L, ka 1/h, lag h).
    pub parameters: BTreeMap<String, f64>,
    /// 95 % Laplace interval of each parameter with IIV: exp(log P +- 1.96 SD(eta)).
    pub parameters_ci95: BTreeMap<String, (f64, f64)>,
    /// Covariance of the etas at the mode, (Omega^-1 + H)^-1, in the model's eta order.
    pub eta_covariance: Vec<Vec<f64>>,
    pub n_levels: usize,
    pub converged: bool,
}

/// MAP estimate for `doses` and `levels` (ng/mL) under `model`; `covariates` in the model's
/// covariate order.
pub fn map_estimate(
    model: &Model,
    doses: &[DoseEvent],
    levels: &[Level],
    covariates: &[f64],
) -> Result<MapEstimate> {
    if covariates.len() != model.covariates.len() {
        return Err(Error::input(
            "covariates",
            format!(
                "the model needs {} covariate value(s): {}",
                model.covariates.len(),
                model
                    .covariates
                    .iter()
                    .map(|c| c.column.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    for (i, l) in levels.iter().enumerate() {
        if !(l.time_h.is_finite()
            && l.time_h >= 0.0
            && l.conc_ng_per_ml.is_finite()
            && l.conc_ng_per_ml >= 0.0)
        {
            return Err(Error::input(
                "levels",
                format!(
                    "row {}: time {} h and concentration {} ng/mL must be finite and >= 0",
                    i + 1,
                    l.time_h,
                    l.conc_ng_per_ml
                ),
            ));
        }
    }
    // ng/mL per mg/L.
    let scale = levodose::units::NG_PER_ML_PER_MG_PER_L;
    let depot = model.structure.depot_cmt().is_some();
    let subject = PreparedSubject {
        id: "patient".into(),
        doses: doses
            .iter()
            .map(|d| PreparedDose {
                time_h: d.time_h,
                line: 0,
                amount: d.amount_mg * scale,
                kind: match (d.route.is_extravascular() && depot, d.infusion_h) {
                    (true, _) => DoseKind::Depot,
                    (false, Some(h)) => DoseKind::Infusion(h),
                    (false, None) => DoseKind::Bolus,
                },
            })
            .collect(),
        time_h: levels.iter().map(|l| l.time_h).collect(),
        line: vec![1; levels.len()],
        dv: levels.iter().map(|l| l.conc_ng_per_ml).collect(),
        covariates: covariates.to_vec(),
    };
    let include: Vec<bool> = (0..levels.len())
        .map(|j| model.error.additive_sd.is_some() || !subject.before_first_dose(j))
        .collect();
    let phi = typical_log_parameters(model, covariates)?;
    let ne = model.n_eta();
    let omega_inv = model
        .omega
        .clone()
        .try_inverse()
        .ok_or_else(|| Error::input("omega", "not invertible"))?;
    let p = SubjectProblem {
        structure: model.structure,
        subject: &subject,
        phi_typical: &phi,
        eta_parameter: &model.eta_parameter,
        omega_inv: &omega_inv,
        log_det_omega: 0.0,
        additive_var: model.error.additive_sd.map(|s| s * s).unwrap_or(0.0),
        proportional_var: model.error.proportional_sd.map(|s| s * s).unwrap_or(0.0),
        include: &include,
    };
    let mode = p.mode(&DVector::zeros(ne), 1e-14);
    let cov = mode
        .precision
        .clone()
        .try_inverse()
        .unwrap_or_else(|| DMatrix::from_element(ne, ne, f64::NAN));
    let names = model.names();
    let mut parameters = BTreeMap::new();
    let mut ci = BTreeMap::new();
    for (k, name) in names.iter().enumerate() {
        let mut ph = phi[k];
        if let Some(e) = model.eta_parameter.iter().position(|&q| q == k) {
            ph += mode.eta[e];
            let sd = cov[(e, e)].sqrt();
            ci.insert(
                name.to_string(),
                ((ph - 1.96 * sd).exp(), (ph + 1.96 * sd).exp()),
            );
        }
        parameters.insert(name.to_string(), ph.exp());
    }
    Ok(MapEstimate {
        eta: (0..ne)
            .map(|e| (model.eta_name(e).to_string(), mode.eta[e]))
            .collect(),
        parameters,
        parameters_ci95: ci,
        eta_covariance: (0..ne)
            .map(|a| (0..ne).map(|b| cov[(a, b)]).collect())
            .collect(),
        n_levels: levels.len(),
        converged: mode.converged,
    })
}

/// The typical log-parameters (in `model.names()` order) of a patient with these covariate
/// values (model covariate order): ln theta plus each covariate effect. The prior mean of the
/// patient's log-parameters, shared by the MAP estimate and posterior sampling.
pub fn typical_log_parameters(model: &Model, covariates: &[f64]) -> Result<Vec<f64>> {
    if covariates.len() != model.covariates.len() {
        return Err(Error::input(
            "covariates",
            format!(
                "the model needs {} covariate value(s)",
                model.covariates.len()
            ),
        ));
    }
    let mut phi: Vec<f64> = model.theta.iter().map(|t| t.ln()).collect();
    for (c, cov) in model.covariates.iter().enumerate() {
        let x = covariates[c];
        // One covariate rule for fitting and individualising (`Covariate::log_effect`), so
        // factor covariates work here too.
        phi[cov.parameter] += cov.log_effect(cov.init, x).ok_or_else(|| {
            Error::input(
                cov.column.clone(),
                format!("{x} gives a non-positive parameter"),
            )
        })?;
    }
    Ok(phi)
}
