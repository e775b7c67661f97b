//! The fitted population as a monograph (`fit --write-monograph`), so that `simulate`, `trial`
//! (both `--monograph FILE`) draw their virtual subjects from the fit instead of the literature
//! summary.
//!
//! The monograph's human model is one oral compartment with a lag, log-normal IIV of CL/F, V/F
//! and ka with their correlations, and its own renal-function model. A fitted oral-1cpt or
//! oral-1cpt-lag model maps onto it one to one: typical values become `[human]` values and omega
//! becomes `[variability]` (CV = sqrt(exp(omega) - 1), the correlations from the covariances).
//! What the monograph cannot express (iv structures, covariate effects, IIV on the lag) is an
//! error naming the part, never dropped silently. Everything else (renal model, interactions,
//! label, targets) is the base monograph's; every written value names the fit as its source.

use crate::model::{Model, Structure};
use levodose::error::{Error, Result};
use levodose::monograph::{Monograph, Reference, Status, Value, Variability};

/// Reference key of the fitted values.
pub const FIT_SOURCE: &str = "FIT";

fn fitted(value: f64, unit: &str, note: String) -> Value {
    Value {
        value,
        unit: unit.into(),
        source: FIT_SOURCE.into(),
        status: Status::Derived,
        note,
    }
}

/// `base` with the typical values and variability of `model`; `citation` describes the fit
/// (data file, method, OFV) and becomes the `FIT` reference.
pub fn monograph_with_fit(model: &Model, base: &Monograph, citation: &str) -> Result<Monograph> {
    if !matches!(model.structure, Structure::Oral1 | Structure::Oral1Lag) {
        return Err(Error::input(
            "write_monograph",
            format!(
                "a {} model does not map onto the monograph's oral model; use oral-1cpt or oral-1cpt-lag",
                model.structure.as_str()
            ),
        ));
    }
    if let Some(c) = model.covariates.first() {
        return Err(Error::input(
            "write_monograph",
            format!(
                "the covariate effect of {} on {} cannot be written into the monograph, whose renal-function model is its own; fit without covariates to export the population",
                c.column,
                model.names()[c.parameter]
            ),
        ));
    }
    let eta_of = |name: &str| {
        let k = model.names().iter().position(|n| *n == name)?;
        model.eta_parameter.iter().position(|&p| p == k)
    };
    if eta_of("lag").is_some() {
        return Err(Error::input(
            "write_monograph",
            "the monograph has no variability of the lag; fit the lag without omega to export the population",
        ));
    }
    let note = |what: &str| format!("{what}: FOCE-I estimate ({citation})");
    let mut m = base.clone();
    m.references.insert(
        FIT_SOURCE.into(),
        Reference {
            citation: citation.into(),
            address: String::new(),
        },
    );
    let theta = |name: &str| {
        let k = model
            .names()
            .iter()
            .position(|n| *n == name)
            .expect("oral parameter");
        model.theta[k]
    };
    m.human.clearance_l_per_h = fitted(theta("cl"), "L/h", note("CL/F"));
    m.human.volume_l = fitted(theta("v"), "L", note("V/F"));
    m.human.ka_per_h = fitted(theta("ka"), "1/h", note("ka"));
    m.human.lag_h = Some(match model.structure {
        Structure::Oral1Lag => fitted(theta("lag"), "h", note("absorption lag")),
        _ => fitted(
            0.0,
            "h",
            format!("no absorption lag: the fitted model is oral-1cpt ({citation})"),
        ),
    });
    let variance = |name: &str| eta_of(name).map(|e| model.omega[(e, e)]);
    let cv = |name: &str| {
        let (value, text) = match variance(name) {
            Some(w) => (
                (w.exp() - 1.0).sqrt(),
                format!("sqrt(exp(omega) - 1), omega {w:.6} from the fit ({citation})"),
            ),
            None => (
                0.0,
                format!("no IIV of {name} in the fitted model ({citation})"),
            ),
        };
        fitted(value, "1", text)
    };
    let corr = |a: &str, b: &str| {
        let value = match (eta_of(a), eta_of(b)) {
            (Some(i), Some(j)) => {
                model.omega[(i, j)] / (model.omega[(i, i)] * model.omega[(j, j)]).sqrt()
            }
            _ => 0.0,
        };
        fitted(
            value,
            "1",
            format!("correlation of eta_{a} and eta_{b} from the fitted omega ({citation}); 0 when not estimated"),
        )
    };
    let model_text = base
        .variability
        .as_ref()
        .map(|v| v.model.clone())
        .unwrap_or_else(|| "log-normal: P_i = P_typical * exp(eta_i), eta ~ N(0, Omega)".into());
    m.variability = Some(Variability {
        model: model_text,
        clearance_cv_fraction: cv("cl"),
        volume_cv_fraction: cv("v"),
        ka_cv_fraction: cv("ka"),
        correlation_clearance_volume: corr("cl", "v"),
        correlation_clearance_ka: corr("cl", "ka"),
        correlation_volume_ka: corr("v", "ka"),
        // The fitted proportional SD replaces the monograph's assumed residual error (the prior
        // of `individualize`); an additive-only fit keeps the monograph's value.
        residual_proportional_sd_fraction: match model.error.proportional_sd {
            Some(sd) => Some(fitted(sd, "1", note("proportional residual SD"))),
            None => base
                .variability
                .as_ref()
                .and_then(|v| v.residual_proportional_sd_fraction.clone()),
        },
    });
    Ok(m)
}
