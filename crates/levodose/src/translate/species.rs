//! Species PK resolution for rat and mouse.
//!
//! Clearance and volume are measured values from the monograph where published, otherwise simple
//! allometry from the human apparent values: CL = CL_h (W / W_h)^b_CL, V = V_h (W / W_h)^b_V
//! (exponents from the monograph, 0.75 and 1.0), marked `assumed: allometric`. Absorption by route
//! (po solution, ip, iv bolus, subcutaneous osmotic minipump) comes from the species entry.
//! Scenario files override any of these with the user's own measured values.

use crate::error::{check_limit, check_range, Error, Result};
use crate::limits::ANIMAL_WEIGHT_KG;
use crate::monograph::{Monograph, Preclinical, SpeciesData, Status, Value};
use crate::occupancy::{Basis, OccupancyModel};
use crate::pk::PkParams;
use serde::{Deserialize, Serialize};

/// A preclinical species with data in the monograph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Species {
    Rat,
    Mouse,
}

impl Species {
    pub fn parse(s: &str) -> Result<Species> {
        match s.trim().to_ascii_lowercase().as_str() {
            "rat" => Ok(Species::Rat),
            "mouse" => Ok(Species::Mouse),
            other => Err(Error::input(
                "species",
                format!("\"{other}\" is not supported; allowed: rat, mouse"),
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Species::Rat => "rat",
            Species::Mouse => "mouse",
        }
    }
}

/// Route of administration in an animal study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnimalRoute {
    /// Oral solution (gavage), first-order absorption.
    Po,
    /// Intraperitoneal injection.
    Ip,
    /// Intravenous bolus.
    Iv,
    /// Subcutaneous osmotic minipump: constant rate into plasma.
    Minipump,
}

impl AnimalRoute {
    pub fn parse(s: &str) -> Result<AnimalRoute> {
        match s.trim().to_ascii_lowercase().as_str() {
            "po" | "oral" => Ok(AnimalRoute::Po),
            "ip" => Ok(AnimalRoute::Ip),
            "iv" => Ok(AnimalRoute::Iv),
            "minipump" | "sc-minipump" => Ok(AnimalRoute::Minipump),
            other => Err(Error::input(
                "route",
                format!("\"{other}\" is not supported; allowed: po, ip, iv, minipump"),
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            AnimalRoute::Po => "po",
            AnimalRoute::Ip => "ip",
            AnimalRoute::Iv => "iv",
            AnimalRoute::Minipump => "minipump",
        }
    }
    /// The engine's route: minipump and iv enter the central compartment.
    pub fn engine_route(self) -> crate::regimen::Route {
        match self {
            AnimalRoute::Po => crate::regimen::Route::Po,
            AnimalRoute::Ip => crate::regimen::Route::Ip,
            AnimalRoute::Iv | AnimalRoute::Minipump => crate::regimen::Route::Iv,
        }
    }
}

/// The user's measured species values (scenario `[pk]`, or a file written by
/// `levodose analyze nca --write-pk`); each replaces the monograph value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeciesPkOverride {
    pub clearance_l_per_h_per_kg: Option<f64>,
    pub volume_l_per_kg: Option<f64>,
    pub ka_per_h: Option<f64>,
    pub bioavailability_fraction: Option<f64>,
    pub unbound_fraction: Option<f64>,
    /// "measured" for values from the user's own PK study.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Where the values come from, e.g. "measured: pilot.csv"; printed in place of
    /// "assumed: allometric".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl SpeciesPkOverride {
    /// The provenance of values the user gave: measured when the block names its source.
    fn provenance(&self) -> Provenance {
        if self.source.is_some() || self.status.as_deref() == Some("measured") {
            Provenance::Measured
        } else {
            Provenance::User
        }
    }
}

/// Where a species parameter came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provenance {
    Measured,
    Allometric,
    User,
    /// The human value, used for lack of species data.
    Human,
    Assumed,
}

/// Resolved PK and occupancy model of one animal of `species` dosed by `route`.
#[derive(Debug, Clone, Serialize)]
pub struct SpeciesModel {
    pub species: Species,
    pub route: AnimalRoute,
    pub weight_kg: f64,
    pub params: PkParams,
    pub occupancy: OccupancyModel,
    pub half_life_h: f64,
    pub clearance_provenance: Provenance,
    pub volume_provenance: Provenance,
    /// Default dosing volume for the route (mL/kg), if any.
    pub dose_volume_ml_per_kg: Option<f64>,
    /// Every assumption the numbers rest on, in words ("assumed: allometric ...").
    pub assumptions: Vec<String>,
    /// "measured: FILE" when the PK comes from the user's own study (`[pk] source`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pk_source: Option<String>,
}

impl SpeciesModel {
    /// True if clearance or volume rests on allometry.
    pub fn is_allometric(&self) -> bool {
        self.clearance_provenance == Provenance::Allometric
            || self.volume_provenance == Provenance::Allometric
    }
}

/// The monograph's preclinical section, or an error naming what is missing.
pub fn preclinical(m: &Monograph) -> Result<&Preclinical> {
    m.preclinical.as_ref().ok_or_else(|| {
        Error::input(
            "compound",
            format!(
                "{} has no preclinical section in its monograph",
                m.compound.name
            ),
        )
    })
}

/// The species entry of the monograph.
pub fn species_data(m: &Monograph, species: Species) -> Result<&SpeciesData> {
    preclinical(m)?
        .species
        .get(species.as_str())
        .ok_or_else(|| {
            Error::input(
                "species",
                format!(
                    "{} has no {} data in its monograph",
                    m.compound.name,
                    species.as_str()
                ),
            )
        })
}

fn describe(name: &str, v: &Value) -> Option<String> {
    (v.status != Status::Published).then(|| {
        format!(
            "{name} {} {} is {} ({}): {}",
            v.value, v.unit, v.status, v.source, v.note
        )
    })
}

/// Resolves the species model. `weight_kg` None = the monograph's default body weight.
pub fn resolve(
    m: &Monograph,
    species: Species,
    route: AnimalRoute,
    weight_kg: Option<f64>,
    basis: Basis,
    over: &SpeciesPkOverride,
) -> Result<SpeciesModel> {
    let pre = preclinical(m)?;
    let sd = species_data(m, species)?;
    let weight = match weight_kg {
        Some(w) => check_limit("weight_kg", w, ANIMAL_WEIGHT_KG)?,
        None => sd.body_weight_kg.value,
    };
    let mut assumptions = Vec::new();
    if let Some(src) = &over.source {
        assumptions.push(format!(
            "{src} ({} PK from the user's own study{})",
            species.as_str(),
            over.note
                .as_deref()
                .map(|n| format!("; {n}"))
                .unwrap_or_default()
        ));
    }
    let h = &m.human;
    let w_ratio = weight / h.weight_reference_kg.value;
    let (cl, cl_prov) = match (over.clearance_l_per_h_per_kg, &sd.clearance_l_per_h_per_kg) {
        (Some(x), _) => (
            check_range("pk.clearance_l_per_h_per_kg", x, 1e-4, 100.0, "L/h/kg")? * weight,
            over.provenance(),
        ),
        (None, Some(v)) => (v.value * weight, Provenance::Measured),
        (None, None) => {
            let b = pre.allometry.clearance_exponent.value;
            assumptions.push(format!(
                "assumed: allometric clearance, CL = {:.2} L/h x ({weight} kg / {} kg)^{b} (no measured {} levomilnacipran PK; {})",
                h.clearance_l_per_h.value,
                h.weight_reference_kg.value,
                species.as_str(),
                pre.allometry.clearance_exponent.source
            ));
            (
                h.clearance_l_per_h.value * w_ratio.powf(b),
                Provenance::Allometric,
            )
        }
    };
    let (v, v_prov) = match (over.volume_l_per_kg, &sd.volume_l_per_kg) {
        (Some(x), _) => (
            check_range("pk.volume_l_per_kg", x, 1e-3, 1000.0, "L/kg")? * weight,
            over.provenance(),
        ),
        (None, Some(v)) => (v.value * weight, Provenance::Measured),
        (None, None) => {
            let b = pre.allometry.volume_exponent.value;
            assumptions.push(format!(
                "assumed: allometric volume, V = {:.0} L x ({weight} kg / {} kg)^{b}",
                h.volume_l.value, h.weight_reference_kg.value
            ));
            (h.volume_l.value * w_ratio.powf(b), Provenance::Allometric)
        }
    };
    let ra = sd.routes.get(route.as_str()).ok_or_else(|| {
        Error::input(
            "route",
            format!(
                "no {} data for route {}; allowed: {}",
                species.as_str(),
                route.as_str(),
                sd.routes.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let ka = match (over.ka_per_h, &ra.ka_per_h) {
        (Some(x), _) => check_range("pk.ka_per_h", x, 1e-3, 1000.0, "1/h")?,
        (None, Some(k)) => {
            assumptions.extend(describe(&format!("{} ka_per_h", route.as_str()), k));
            k.value
        }
        // iv and minipump: input goes to the central compartment, ka is unused.
        (None, None) => 1.0,
    };
    let f = match over.bioavailability_fraction {
        Some(x) => check_range("pk.bioavailability_fraction", x, 1e-3, 1.0, "")?,
        None => {
            assumptions.extend(describe(
                &format!("{} bioavailability_fraction", route.as_str()),
                &ra.bioavailability_fraction,
            ));
            ra.bioavailability_fraction.value
        }
    };
    let fu = match (over.unbound_fraction, &sd.unbound_fraction) {
        (Some(x), _) => check_range("pk.unbound_fraction", x, 1e-4, 1.0, "")?,
        (None, Some(v)) => v.value,
        (None, None) => {
            assumptions.push(format!(
                "assumed: human unbound fraction {} used for the {} (no species value)",
                h.unbound_fraction.value,
                species.as_str()
            ));
            h.unbound_fraction.value
        }
    };
    let mut occ = OccupancyModel::from_monograph(m, basis, None, Some(fu))?;
    let (net_sp, sert_sp) = match basis {
        Basis::Ki => (&sd.net_ki_nm, &sd.sert_ki_nm),
        Basis::Ic50 => (&sd.net_ic50_nm, &sd.sert_ic50_nm),
    };
    match (net_sp, sert_sp) {
        (Some(n), Some(s)) => {
            occ.net_k_nm = n.value;
            occ.sert_k_nm = s.value;
        }
        _ => assumptions.push(format!(
            "assumed: human transporter constants (NET {} nM, SERT {} nM, basis {}) used for the {}",
            occ.net_k_nm,
            occ.sert_k_nm,
            basis.as_str(),
            species.as_str()
        )),
    }
    // An i.p. (or gavage) dose reaches plasma within minutes, so no lag in animals.
    let params = PkParams {
        clearance_l_per_h: cl,
        volume_l: v,
        ka_per_h: ka,
        bioavailability: f,
        lag_h: 0.0,
        peripheral: None,
    };
    params.validate()?;
    Ok(SpeciesModel {
        species,
        route,
        weight_kg: weight,
        half_life_h: params.half_life_h(),
        params,
        occupancy: occ,
        clearance_provenance: cl_prov,
        volume_provenance: v_prov,
        dose_volume_ml_per_kg: ra.dose_volume_ml_per_kg.as_ref().map(|v| v.value),
        assumptions,
        pk_source: over.source.clone(),
    })
}
