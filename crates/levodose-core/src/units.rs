//! Unit conversions used across the workspace. Amounts in mg, volumes in L, concentrations in ng/mL.

/// mg/L to ng/mL (1 mg/L = 1000 ng/mL).
pub const NG_PER_ML_PER_MG_PER_L: f64 = 1000.0;

/// Converts a mass concentration (ng/mL) to molar (nM): c_nM = c_ng_per_ml * 1000 / M (g/mol).
pub fn ng_per_ml_to_nm(conc_ng_per_ml: f64, molar_mass_g_per_mol: f64) -> f64 {
    conc_ng_per_ml * 1000.0 / molar_mass_g_per_mol
}

/// Converts a dose of salt to free base by molar mass: base = salt * M_base / M_salt.
pub fn salt_to_base_mg(salt_mg: f64, molar_mass_base: f64, molar_mass_salt: f64) -> f64 {
    salt_mg * molar_mass_base / molar_mass_salt
}

/// Creatinine clearance reference for "normal" in mL/min is a monograph value; this only converts
/// mL/min to L/h (60/1000).
pub fn ml_per_min_to_l_per_h(x: f64) -> f64 {
    x * 0.06
}
