//! Measured species PK from the user's own study: NCA results (per-animal CL/F, Vz/F, ka) turned
//! into a `[pk]` block that `translate`, `design` and `lint` use in place of allometry.
//!
//! The block holds *apparent* values for the route studied: CL/F and Vz/F with
//! `bioavailability_fraction = 1`, so the model reproduces the measured AUC for that route without
//! needing F. Each value is the geometric mean over the animals where it is estimable (CL and V
//! are log-normal across animals). ka comes from the absorption phase (method of residuals, or
//! the one-compartment Tmax equation; `levodose_stats::nca::absorption`). The file also records the
//! species and route: using it for another route is refused.

use super::species::{AnimalRoute, Species, SpeciesPkOverride};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Units of the NCA input, as far as the conversion to L/h/kg needs them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StudyUnits {
    /// Hours per time unit (1 for h, 1/60 for min).
    pub hours_per_time_unit: f64,
    /// mg/L per concentration unit (0.001 for ng/mL).
    pub mg_per_l_per_conc_unit: f64,
    /// mg/kg per dose unit (1 for mg/kg; 1/W for mg given to W kg animals).
    pub mg_per_kg_per_dose_unit: f64,
}

impl StudyUnits {
    /// Parses the unit names the CLI accepts; `weight_kg` is needed for a dose in mg.
    pub fn parse(time: &str, conc: &str, dose: &str, weight_kg: Option<f64>) -> Result<StudyUnits> {
        let hours = match time {
            "h" | "hr" | "hours" => 1.0,
            "min" | "minutes" => 1.0 / 60.0,
            other => {
                return Err(Error::input(
                    "time-unit",
                    format!("\"{other}\" cannot be converted for --write-pk; allowed: h, min"),
                ))
            }
        };
        let mg_per_l = match conc.to_ascii_lowercase().as_str() {
            "ng/ml" | "ug/l" | "µg/l" => 1e-3,
            "ug/ml" | "µg/ml" | "mg/l" | "mcg/ml" => 1.0,
            other => {
                return Err(Error::input(
                    "conc-unit",
                    format!("\"{other}\" cannot be converted for --write-pk; allowed: ng/mL, ug/L, ug/mL, mg/L"),
                ))
            }
        };
        let mg_per_kg = match (dose.to_ascii_lowercase().as_str(), weight_kg) {
            ("mg/kg", _) => 1.0,
            ("mg", Some(w)) if w > 0.0 && w.is_finite() => 1.0 / w,
            ("mg", _) => {
                return Err(Error::input(
                    "dose-unit",
                    "a dose in mg needs --weight-kg for per-kg PK (or give the dose in mg/kg)",
                ))
            }
            (other, _) => {
                return Err(Error::input(
                    "dose-unit",
                    format!("\"{other}\" cannot be converted for --write-pk; allowed: mg/kg, mg (with --weight-kg)"),
                ))
            }
        };
        Ok(StudyUnits {
            hours_per_time_unit: hours,
            mg_per_l_per_conc_unit: mg_per_l,
            mg_per_kg_per_dose_unit: mg_per_kg,
        })
    }
}

/// What the study was, for the record in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyRecord {
    pub species: Species,
    pub route: AnimalRoute,
    pub data: String,
    pub n_animals: usize,
    pub n_clearance: usize,
    pub n_ka: usize,
    pub method: String,
}

/// The file `--write-pk` writes and `--pk` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasuredPkFile {
    pub pk: SpeciesPkOverride,
    pub study: StudyRecord,
}

fn geometric_mean(v: &[f64]) -> Option<f64> {
    let pos: Vec<f64> = v
        .iter()
        .copied()
        .filter(|x| *x > 0.0 && x.is_finite())
        .collect();
    (!pos.is_empty()).then(|| (pos.iter().map(|x| x.ln()).sum::<f64>() / pos.len() as f64).exp())
}

/// Per-animal NCA values in the study's units: apparent clearance (dose unit / (conc unit x time
/// unit)), volume (dose unit / conc unit) and ka (1/time unit), estimable animals only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnimalValues {
    pub n_animals: usize,
    pub cl: Vec<f64>,
    pub vz: Vec<f64>,
    pub ka: Vec<f64>,
}

/// Builds the measured-PK file from per-animal NCA values.
pub fn from_nca(
    species: Species,
    route: AnimalRoute,
    data: &str,
    units: StudyUnits,
    values: &AnimalValues,
) -> Result<MeasuredPkFile> {
    let (n_animals, cl, vz, ka) = (values.n_animals, &values.cl, &values.vz, &values.ka);
    let cl_gm = geometric_mean(cl).ok_or_else(|| {
        Error::input(
            "write-pk",
            "no animal has an estimable CL (lambda_z not estimable for all): no measured PK to write",
        )
    })?;
    let vz_gm = geometric_mean(vz).ok_or_else(|| {
        Error::input(
            "write-pk",
            "no animal has an estimable Vz: no measured PK to write",
        )
    })?;
    let conv_cl =
        units.mg_per_kg_per_dose_unit / (units.mg_per_l_per_conc_unit * units.hours_per_time_unit);
    let conv_v = units.mg_per_kg_per_dose_unit / units.mg_per_l_per_conc_unit;
    let ka_per_h = geometric_mean(ka).map(|k| k / units.hours_per_time_unit);
    let source = format!("measured: {data}");
    let apparent = if route == AnimalRoute::Iv {
        "CL and Vz"
    } else {
        "CL/F and Vz/F (bioavailability_fraction = 1: the measured AUC already holds F)"
    };
    Ok(MeasuredPkFile {
        pk: SpeciesPkOverride {
            clearance_l_per_h_per_kg: Some(cl_gm * conv_cl),
            volume_l_per_kg: Some(vz_gm * conv_v),
            ka_per_h: if route == AnimalRoute::Iv { None } else { ka_per_h },
            bioavailability_fraction: Some(1.0),
            unbound_fraction: None,
            status: Some("measured".into()),
            source: Some(source),
            note: Some(format!(
                "NCA geometric means over {} of {n_animals} animals: {apparent}; ka from the absorption phase of {} animals",
                cl.len(),
                ka.len()
            )),
        },
        study: StudyRecord {
            species,
            route,
            data: data.to_string(),
            n_animals,
            n_clearance: cl.len(),
            n_ka: ka.len(),
            method: "levodose analyze nca: WinNonlin best-fit lambda_z; ka by the method of residuals or the Tmax equation".into(),
        },
    })
}

impl MeasuredPkFile {
    pub fn to_toml(&self) -> Result<String> {
        let body = toml::to_string(self)
            .map_err(|e| Error::input("write-pk", format!("cannot render TOML: {e}")))?;
        Ok(format!(
            "# Measured species PK written by `levodose analyze nca --write-pk`.\n# Use with `levodose translate --pk FILE`, or copy [pk] into a scenario for design/lint.\n{body}"
        ))
    }

    /// Parses the text of a file written by `--write-pk`; errors name `source_name` (the file,
    /// as the caller that read it displays it) and the field. Reading the file is the caller's.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<MeasuredPkFile> {
        toml::from_str(text).map_err(|e| {
            Error::input(
                "pk",
                format!("{source_name} is not a measured-PK file: {e}"),
            )
        })
    }

    /// The `[pk]` override for `species` dosed by `route`; refuses another species or route
    /// (apparent CL/F and ka belong to the route studied).
    pub fn override_for(
        &self,
        species: Species,
        route: AnimalRoute,
        source_name: &str,
    ) -> Result<SpeciesPkOverride> {
        if self.study.species != species || self.study.route != route {
            return Err(Error::input(
                "pk",
                format!(
                    "{} holds {} {} PK; it cannot be used for {} {} (apparent CL/F and ka belong to the route studied)",
                    source_name,
                    self.study.species.as_str(),
                    self.study.route.as_str(),
                    species.as_str(),
                    route.as_str()
                ),
            ));
        }
        Ok(self.pk.clone())
    }
}
