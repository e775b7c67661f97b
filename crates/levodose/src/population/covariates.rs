//! Covariates of virtual subjects: fixed, or log-normal truncated to a range (resampled until
//! inside, from the subject's own random stream).

use crate::error::{Error, Result};
use crate::monograph::Monograph;
use rand::Rng;
use rand_distr::StandardNormal;
use serde::Serialize;

/// Draws before a truncated covariate falls back to clamping.
const MAX_DRAWS: usize = 1000;

/// How one covariate is set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Covariate {
    /// Not set: the monograph's typical subject.
    Typical,
    /// The same value for every subject.
    Fixed { value: f64 },
    /// Uniform on [min, max): a renal class or a user range (`--crcl 30:59`, `--renal moderate`),
    /// so the subjects spread over the band instead of sitting at one value.
    Uniform { min: f64, max: f64 },
    /// ln X ~ N(ln median, ln(1 + CV^2)), truncated to [min, max].
    LogNormal {
        median: f64,
        cv: f64,
        min: f64,
        max: f64,
    },
}

impl Covariate {
    /// Draws a value (None for `Typical`).
    pub fn draw<R: Rng>(&self, rng: &mut R) -> Option<f64> {
        match *self {
            Covariate::Typical => None,
            Covariate::Fixed { value } => Some(value),
            Covariate::Uniform { min, max } => Some(min + (max - min) * rng.random::<f64>()),
            Covariate::LogNormal {
                median,
                cv,
                min,
                max,
            } => {
                let sd = super::variability::omega_from_cv(cv);
                for _ in 0..MAX_DRAWS {
                    let z: f64 = rng.sample(StandardNormal);
                    let x = median * (sd * z).exp();
                    if (min..=max).contains(&x) {
                        return Some(x);
                    }
                }
                Some(median.clamp(min, max))
            }
        }
    }
}

/// Covariate distributions of a virtual population.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CovariateSpec {
    pub name: String,
    pub weight_kg: Covariate,
    pub crcl_ml_per_min: Covariate,
    /// What the distributions rest on.
    pub note: String,
}

impl CovariateSpec {
    /// Every subject at the typical covariates (weight and CrCl at the monograph's references).
    pub fn typical() -> Self {
        CovariateSpec {
            name: "typical covariates".into(),
            weight_kg: Covariate::Typical,
            crcl_ml_per_min: Covariate::Typical,
            note: "covariates at the monograph's reference values".into(),
        }
    }

    /// The monograph's default population (`[population]`); typical covariates if it has none.
    pub fn from_monograph(m: &Monograph) -> Result<Self> {
        let Some(p) = &m.population else {
            return Ok(Self::typical());
        };
        let ln = |med: f64, cv: f64, lo: f64, hi: f64, field: &str| -> Result<Covariate> {
            if !(med > 0.0 && cv >= 0.0 && lo <= med && med <= hi) {
                return Err(Error::input(
                    format!("population.{field}"),
                    format!("median {med} must be positive and inside [{lo}, {hi}]"),
                ));
            }
            Ok(Covariate::LogNormal {
                median: med,
                cv,
                min: lo,
                max: hi,
            })
        };
        Ok(CovariateSpec {
            name: p.name.clone(),
            weight_kg: ln(
                p.weight_median_kg.value,
                p.weight_cv_fraction.value,
                p.weight_min_kg.value,
                p.weight_max_kg.value,
                "weight",
            )?,
            crcl_ml_per_min: ln(
                p.crcl_median_ml_per_min.value,
                p.crcl_cv_fraction.value,
                p.crcl_min_ml_per_min.value,
                p.crcl_max_ml_per_min.value,
                "crcl",
            )?,
            note: p.note.clone(),
        })
    }
}

/// Renal function of a population: one CrCl, a range, or a label class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CrclChoice {
    Value(f64),
    Range { min: f64, max: f64 },
}

/// Parses `--crcl` text: a number (`45`) or a range (`30:59`), in mL/min within 0-250.
pub fn parse_crcl(text: &str) -> Result<CrclChoice> {
    let num = |s: &str| -> Result<f64> {
        let x: f64 = s.trim().parse().map_err(|_| {
            Error::input(
                "crcl",
                format!(
                    "\"{text}\" is not a CrCl in mL/min: give a number (45) or a range (30:59)"
                ),
            )
        })?;
        crate::error::check_limit("crcl", x, crate::limits::CRCL_ML_PER_MIN)?;
        Ok(x)
    };
    match text.split_once(':') {
        None => Ok(CrclChoice::Value(num(text)?)),
        Some((a, b)) => {
            let (min, max) = (num(a)?, num(b)?);
            if min >= max {
                return Err(Error::input(
                    "crcl",
                    format!("range \"{text}\": the lower bound must be below the upper"),
                ));
            }
            Ok(CrclChoice::Range { min, max })
        }
    }
}

/// The CrCl band of a label renal class (`mild`, `moderate`, `severe`), from the monograph's
/// `[[label.renal]]` entries.
pub fn renal_class_band(m: &Monograph, class: &str) -> Result<CrclChoice> {
    let bands = m.label.as_ref().map(|l| l.renal.as_slice()).unwrap_or(&[]);
    let known: Vec<&str> = bands.iter().filter_map(|b| b.class.as_deref()).collect();
    let b = bands
        .iter()
        .find(|b| b.class.as_deref() == Some(class.trim()))
        .ok_or_else(|| {
            Error::input(
                "renal",
                format!(
                    "\"{class}\" is not a renal class of the {} label; allowed: {}",
                    m.compound.name,
                    known.join(", ")
                ),
            )
        })?;
    Ok(CrclChoice::Range {
        min: b.crcl_min_ml_per_min,
        max: b.crcl_max_ml_per_min,
    })
}

impl CrclChoice {
    /// The population covariate: every subject at the value, or uniform over the range.
    pub fn covariate(self) -> Covariate {
        match self {
            CrclChoice::Value(value) => Covariate::Fixed { value },
            CrclChoice::Range { min, max } => Covariate::Uniform { min, max },
        }
    }

    /// The single value, if not a range.
    pub fn value(self) -> Option<f64> {
        match self {
            CrclChoice::Value(v) => Some(v),
            CrclChoice::Range { .. } => None,
        }
    }
}
