//! Closed-form predictions with derivatives with respect to the log-parameters.
//!
//! One compartment, linear: each dose contributes independently (superposition), so a
//! prediction is a sum of the textbook solutions. They are the same solutions the engine steps
//! with (`levodose::pk::onecpt`); here they are written over dual numbers so that df/dlog(P)
//! is exact. Dose amounts are pre-scaled to DV units (amount in mg x DV units per mg/L), so
//! f = amount / V is in DV units.

use crate::dual::Dual;
use crate::model::Structure;
use levodose::dataset::{Dataset, Subject};

/// How a dose enters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DoseKind {
    /// Into the absorption depot (first order, after the lag).
    Depot,
    /// Into the central compartment at once.
    Bolus,
    /// Into the central compartment at a constant rate over this many hours.
    Infusion(f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreparedDose {
    pub time_h: f64,
    pub line: usize,
    /// Amount in DV units x L (amount_mg x DV units per mg/L).
    pub amount: f64,
    pub kind: DoseKind,
}

/// One subject ready for the likelihood: doses, observations and covariate values.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedSubject {
    pub id: String,
    pub doses: Vec<PreparedDose>,
    pub time_h: Vec<f64>,
    pub line: Vec<usize>,
    pub dv: Vec<f64>,
    /// Values of the model's covariate columns, in model order.
    pub covariates: Vec<f64>,
}

impl PreparedSubject {
    pub fn from_dataset(
        s: &Subject,
        structure: Structure,
        dv_per_mg_per_l: f64,
        columns: &[String],
    ) -> Result<Self, String> {
        let depot = structure.depot_cmt();
        let doses = s
            .doses
            .iter()
            .map(|d| PreparedDose {
                time_h: d.time_h,
                line: d.line,
                amount: d.amount_mg * dv_per_mg_per_l,
                kind: match (Some(d.cmt) == depot, d.infusion_h) {
                    (true, None) => DoseKind::Depot,
                    (_, Some(h)) => DoseKind::Infusion(h),
                    (false, None) => DoseKind::Bolus,
                },
            })
            .collect();
        let covariates = columns
            .iter()
            .map(|c| {
                s.covariates.get(c).copied().ok_or_else(|| {
                    format!(
                        "covariate column {c} is not in the dataset (subject {}, line {})",
                        s.id, s.line
                    )
                })
            })
            .collect::<Result<Vec<f64>, String>>()?;
        Ok(PreparedSubject {
            id: s.id.clone(),
            doses,
            time_h: s.observations.iter().map(|o| o.time_h).collect(),
            line: s.observations.iter().map(|o| o.line).collect(),
            dv: s.observations.iter().map(|o| o.dv).collect(),
            covariates,
        })
    }

    /// True when no dose precedes observation `j`, so every structure predicts exactly 0.
    pub fn before_first_dose(&self, j: usize) -> bool {
        !self.doses.iter().any(|d| {
            d.time_h < self.time_h[j]
                || (d.time_h == self.time_h[j]
                    && d.line < self.line[j]
                    && d.kind != DoseKind::Depot)
        })
    }
}

pub fn prepare(
    ds: &Dataset,
    structure: Structure,
    columns: &[String],
) -> Result<Vec<PreparedSubject>, String> {
    let scale = ds.units.dv_per_mg_per_l();
    ds.subjects
        .iter()
        .map(|s| PreparedSubject::from_dataset(s, structure, scale, columns))
        .collect()
}

/// Prediction (DV units) at observation `j` of `s` for log-parameters `phi`
/// (in `structure.parameter_names()` order), with d f / d phi.
pub fn predict(structure: Structure, phi: &[f64], s: &PreparedSubject, j: usize) -> Dual {
    let t = s.time_h[j];
    let line = s.line[j];
    let cl = Dual::exp_of_input(phi[0], 0);
    let v = Dual::exp_of_input(phi[1], 1);
    let k = cl / v;
    let (ka, lag) = match structure {
        Structure::Oral1 => (Some(Dual::exp_of_input(phi[2], 2)), Dual::constant(0.0)),
        Structure::Oral1Lag => (
            Some(Dual::exp_of_input(phi[2], 2)),
            Dual::exp_of_input(phi[3], 3),
        ),
        Structure::Iv1 => (None, Dual::constant(0.0)),
    };
    let mut f = Dual::constant(0.0);
    for d in &s.doses {
        if d.time_h > t || (d.time_h == t && d.line > line) {
            continue;
        }
        let tau0 = t - d.time_h;
        match (d.kind, ka) {
            (DoseKind::Depot, Some(ka)) => {
                let tau = Dual::constant(tau0) - lag;
                if tau.v <= 0.0 {
                    continue;
                }
                let ek = (-(k * tau)).exp();
                let diff = ka - k;
                let term = if (diff.v * tau.v).abs() < 1e-7 {
                    // limit ka -> k: D ka tau e^{-k tau} / V
                    ka * tau * ek / v
                } else {
                    let eka = (-(ka * tau)).exp();
                    ka * (ek - eka) / (v * diff)
                };
                f = f + term.scale(d.amount);
            }
            (DoseKind::Depot, None) | (DoseKind::Bolus, _) => {
                let tau = Dual::constant(tau0);
                f = f + ((-(k * tau)).exp() / v).scale(d.amount);
            }
            (DoseKind::Infusion(dur), _) => {
                let rate = d.amount / dur;
                let one = Dual::constant(1.0);
                let term = if tau0 < dur {
                    (one - (-(k * Dual::constant(tau0))).exp()) / cl
                } else {
                    (one - (-(k * Dual::constant(dur))).exp())
                        * (-(k * Dual::constant(tau0 - dur))).exp()
                        / cl
                };
                f = f + term.scale(rate);
            }
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(kind: DoseKind, t: f64) -> PreparedSubject {
        PreparedSubject {
            id: "1".into(),
            doses: vec![PreparedDose {
                time_h: 0.0,
                line: 2,
                amount: 100.0,
                kind,
            }],
            time_h: vec![t],
            line: vec![3],
            dv: vec![0.0],
            covariates: vec![],
        }
    }

    #[test]
    fn oral_matches_bateman_and_derivatives_match_differences() {
        let (cl, v, ka, t) = (2.0f64, 30.0f64, 1.3f64, 3.0f64);
        let s = subject(DoseKind::Depot, t);
        let phi = [cl.ln(), v.ln(), ka.ln()];
        let f = predict(Structure::Oral1, &phi, &s, 0);
        let k = cl / v;
        let bateman = 100.0 * ka / (v * (ka - k)) * ((-k * t).exp() - (-ka * t).exp());
        assert!((f.v - bateman).abs() < 1e-12 * bateman);
        for i in 0..3 {
            let h = 1e-6;
            let mut p = phi;
            p[i] += h;
            let up = predict(Structure::Oral1, &p, &s, 0).v;
            p[i] -= 2.0 * h;
            let dn = predict(Structure::Oral1, &p, &s, 0).v;
            assert!(((up - dn) / (2.0 * h) - f.g[i]).abs() < 1e-7, "param {i}");
        }
    }

    #[test]
    fn infusion_matches_textbook_after_the_end() {
        let (cl, v) = (2.0f64, 30.0f64);
        let s = subject(DoseKind::Infusion(2.0), 5.0);
        let f = predict(Structure::Iv1, &[cl.ln(), v.ln()], &s, 0);
        let k = cl / v;
        let expected = 50.0 / cl * (1.0 - (-k * 2.0).exp()) * (-k * 3.0).exp();
        assert!((f.v - expected).abs() < 1e-12);
    }
}
