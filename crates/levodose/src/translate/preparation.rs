//! Dose preparation: what to weigh and what solution to make for a mg/kg dose.
//!
//! Salt and base convert by molar mass: m_salt = m_base x M_salt / M_base (levomilnacipran
//! hydrochloride 282.81 / free base 246.35 = 1.148). For a dosing volume v (mL/kg) the solution
//! concentration is c = dose (mg/kg) / v (mg/mL), and an animal of W kg receives v W mL.

use crate::error::{check_limit, check_range, Error, Result};
use crate::limits::ANIMAL_WEIGHT_KG;
use crate::monograph::Monograph;
use serde::Serialize;

/// How a dose is stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DoseForm {
    /// Free base (the convention of capsule strengths and of levodose's output).
    Base,
    /// The salt (hydrochloride) as weighed.
    Salt,
}

impl DoseForm {
    pub fn parse(s: &str) -> Result<DoseForm> {
        match s.trim().to_ascii_lowercase().as_str() {
            "base" | "free-base" | "free base" => Ok(DoseForm::Base),
            "salt" | "hydrochloride" | "hcl" => Ok(DoseForm::Salt),
            other => Err(Error::input(
                "dose_stated_as",
                format!("\"{other}\" is not base or salt"),
            )),
        }
    }
}

/// One animal's preparation.
#[derive(Debug, Clone, Serialize)]
pub struct Preparation {
    pub weight_kg: f64,
    /// The form weighed and dissolved ("hydrochloride" or "free base").
    pub weigh_as: String,
    pub dose_base_mg_per_kg: f64,
    pub dose_salt_mg_per_kg: Option<f64>,
    /// Mass of the weighed form per animal per administration.
    pub amount_per_animal_mg: f64,
    pub dose_volume_ml_per_kg: f64,
    /// Concentration of the weighed form in the dosing solution.
    pub concentration_mg_per_ml: f64,
    pub injection_volume_ml: f64,
    /// M_salt / M_base (multiply a base dose by this to get the salt mass).
    pub salt_factor: Option<f64>,
    pub note: String,
}

/// Preparation for `dose_mg_per_kg` stated as `stated_as`, weighed as the salt if `weigh_salt`.
pub fn prepare(
    m: &Monograph,
    dose_mg_per_kg: f64,
    stated_as: DoseForm,
    weigh_salt: bool,
    weight_kg: f64,
    dose_volume_ml_per_kg: f64,
) -> Result<Preparation> {
    check_range("dose_mg_per_kg", dose_mg_per_kg, 1e-6, 2000.0, "mg/kg")?;
    check_limit("weight_kg", weight_kg, ANIMAL_WEIGHT_KG)?;
    check_range(
        "dose_volume_ml_per_kg",
        dose_volume_ml_per_kg,
        0.1,
        50.0,
        "mL/kg",
    )?;
    let mb = m.compound.molar_mass_base_g_per_mol.value;
    let salt = m.compound.salt.as_ref();
    let factor = salt.map(|s| s.molar_mass_g_per_mol.value / mb);
    if (stated_as == DoseForm::Salt || weigh_salt) && factor.is_none() {
        return Err(Error::input(
            "salt",
            format!("{} has no salt form in its monograph", m.compound.name),
        ));
    }
    let base = match stated_as {
        DoseForm::Base => dose_mg_per_kg,
        DoseForm::Salt => dose_mg_per_kg / factor.unwrap_or(1.0),
    };
    let salt_dose = factor.map(|f| base * f);
    let weighed = if weigh_salt {
        salt_dose.unwrap_or(base)
    } else {
        base
    };
    let weigh_as = if weigh_salt {
        salt.map(|s| s.name.clone()).unwrap_or_default()
    } else {
        "free base".into()
    };
    Ok(Preparation {
        weight_kg,
        weigh_as: weigh_as.clone(),
        dose_base_mg_per_kg: base,
        dose_salt_mg_per_kg: salt_dose,
        amount_per_animal_mg: weighed * weight_kg,
        dose_volume_ml_per_kg,
        concentration_mg_per_ml: weighed / dose_volume_ml_per_kg,
        injection_volume_ml: dose_volume_ml_per_kg * weight_kg,
        salt_factor: factor,
        note: format!(
            "dissolve {:.4} mg of {weigh_as} per mL of vehicle; inject {dose_volume_ml_per_kg} mL/kg ({:.3} mL for a {weight_kg} kg animal); weigh each animal on the dosing day",
            weighed / dose_volume_ml_per_kg,
            dose_volume_ml_per_kg * weight_kg
        ),
    })
}
