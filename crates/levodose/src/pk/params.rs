//! PK parameters of one subject and the compartment state.

use crate::error::{Error, Result};
use crate::limits::LAG_H;
use serde::{Deserialize, Serialize};

/// Upper limit of any clearance (L/h), volume (L) or rate (1/h) the engine accepts: beyond it
/// time scales fall below a millisecond and the exponentials lose all precision.
pub const MAX_PK_VALUE: f64 = 1e7;

/// Apparent PK parameters of one subject (absorption parameters are those of the route used).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PkParams {
    pub clearance_l_per_h: f64,
    pub volume_l: f64,
    pub ka_per_h: f64,
    pub bioavailability: f64,
    pub lag_h: f64,
    /// Two-compartment disposition: (intercompartmental clearance L/h, peripheral volume L).
    pub peripheral: Option<(f64, f64)>,
}

impl PkParams {
    pub fn one_compartment(clearance_l_per_h: f64, volume_l: f64, ka_per_h: f64) -> Self {
        PkParams {
            clearance_l_per_h,
            volume_l,
            ka_per_h,
            bioavailability: 1.0,
            lag_h: 0.0,
            peripheral: None,
        }
    }

    /// Elimination rate constant k = CL/V (1/h).
    pub fn k_per_h(&self) -> f64 {
        self.clearance_l_per_h / self.volume_l
    }

    /// Slowest disposition or absorption rate (1/h), which sets the terminal half-life.
    pub fn lambda_z_per_h(&self) -> f64 {
        let disposition = match self.peripheral {
            None => self.k_per_h(),
            Some((q, v2)) => {
                let (k10, k12, k21) = (self.k_per_h(), q / self.volume_l, q / v2);
                let s = k10 + k12 + k21;
                0.5 * (s - (s * s - 4.0 * k10 * k21).sqrt())
            }
        };
        disposition.min(self.ka_per_h)
    }

    /// Terminal half-life ln 2 / lambda_z (h).
    pub fn half_life_h(&self) -> f64 {
        std::f64::consts::LN_2 / self.lambda_z_per_h()
    }

    /// Checks every parameter is finite and in a numerically safe range (any species); errors
    /// name the parameter and the limit. Human scenario values are also checked against the
    /// monograph's physiological bounds (`subject::check_pk_override`).
    pub fn validate(&self) -> Result<()> {
        let pos = |name: &str, v: f64| -> Result<()> {
            if !(v.is_finite() && v > 0.0 && v < MAX_PK_VALUE) {
                return Err(Error::input(
                    name,
                    format!("{v} must be a finite number above 0 and below {MAX_PK_VALUE:e}"),
                ));
            }
            Ok(())
        };
        pos("clearance_l_per_h", self.clearance_l_per_h)?;
        pos("volume_l", self.volume_l)?;
        pos("ka_per_h", self.ka_per_h)?;
        if !(self.bioavailability > 0.0 && self.bioavailability <= 1.0) {
            return Err(Error::input(
                "bioavailability",
                format!("{} must be above 0 and at most 1", self.bioavailability),
            ));
        }
        if !LAG_H.contains(self.lag_h) {
            return Err(Error::input(
                "lag_h",
                format!(
                    "{} must be from {} to {} {}",
                    self.lag_h, LAG_H.min, LAG_H.max, LAG_H.unit
                ),
            ));
        }
        if let Some((q, v2)) = self.peripheral {
            pos("intercompartmental_clearance_l_per_h", q)?;
            pos("peripheral_volume_l", v2)?;
        }
        Ok(())
    }
}

/// Amounts (mg) in each compartment.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct State {
    pub depot: f64,
    pub central: f64,
    pub peripheral: f64,
}

impl State {
    pub fn body(&self) -> f64 {
        self.central + self.peripheral
    }
}
