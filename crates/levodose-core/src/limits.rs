//! Physiological and numerical limits that inputs are checked against, stated once. The ranges
//! are plausibility bounds for input checking (a typo, a unit mix-up), not clinical thresholds:
//! the clinical cut-offs (e.g. the label's renal categories) are monograph values with sources.

/// A closed range of accepted values and the unit the error message prints.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub min: f64,
    pub max: f64,
    pub unit: &'static str,
}

impl Limit {
    /// True for a finite value inside `[min, max]`.
    pub fn contains(&self, value: f64) -> bool {
        value.is_finite() && value >= self.min && value <= self.max
    }
}

/// Creatinine clearance (Cockcroft-Gault): 0 (anuric) to 250 mL/min, above any measured
/// hyperfiltration; a larger number is a unit error (e.g. mL/s or L/h typed as mL/min).
pub const CRCL_ML_PER_MIN: Limit = Limit {
    min: 0.0,
    max: 250.0,
    unit: "mL/min",
};

/// Body weight of a subject of any species the workbench models: 5 g (a neonatal mouse) to
/// 400 kg (above any human); the human-only checks are the label's, not this.
pub const BODY_WEIGHT_KG: Limit = Limit {
    min: 0.005,
    max: 400.0,
    unit: "kg",
};

/// Body weight of a preclinical animal (mouse or rat): 5 g to 5 kg.
pub const ANIMAL_WEIGHT_KG: Limit = Limit {
    min: 0.005,
    max: 5.0,
    unit: "kg",
};

/// Absorption lag time: 0 to 48 h (two days; a longer lag is not an oral absorption delay).
pub const LAG_H: Limit = Limit {
    min: 0.0,
    max: 48.0,
    unit: "h",
};

/// Two doses (mg) closer than this are the same dose: the tolerance of every dose comparison
/// against a cap or a titration step, so that 40 mg computed as 39.999999999 is not refused.
pub const DOSE_EPS_MG: f64 = 1e-9;
