//! Drug effect scaled by each subject's simulated exposure or NET occupancy (`effect =
//! "exposure"` or `"occupancy"` on an arm).
//!
//! Individual PK: P_i = P_typical x exp(eta_i) for CL/F, V/F and ka, eta = L z with the
//! monograph's `[variability]` (population module `Omega`), z drawn from the replicate's own
//! ChaCha stream. Covariates are not sampled: every subject has the typical renal function and
//! no co-medication. With `pk_variability = false` every subject is the typical subject.
//!
//! The metric is the steady state of the dose the subject is on, given every `usual_tau_h`
//! (monograph `compound`), from the PK engine (closed form of `population::fast` when it
//! applies, else `simulate::steady_state_out`):
//! - exposure: D_i(d) = E_ref(d) x Cavg_i(d) / Cavg_typical(d), E_ref(d) the published (or
//!   given) difference at the reference dose d = the subject's dose. Cavg = F d / (CL tau), so a
//!   subject with twice the typical clearance has half the effect.
//! - occupancy (occupancy theory, effect proportional to the occupied fraction of NET):
//!   D_i(d) = E_full(d) x O_i(d), O the time-averaged NET occupancy (binding Ki basis) and
//!   E_full the difference at full occupancy, derived in the monograph from the published
//!   fixed-dose effects as E_full = E_published / O_typical so that the typical subject
//!   reproduces the published effect at 40, 80 and 120 mg. A hyperbolic Emax in occupancy,
//!   E_max O / (O_50 + O), cannot do this: it is concave in O, whereas the published effect per
//!   unit of typical occupancy rises with dose (about 4.5, 4.8, 5.5 MADRS points).

use crate::error::{Error, Result};
use crate::monograph::Monograph;
use crate::occupancy::{Basis, OccupancyModel};
use crate::pk::PkParams;
use crate::population::{fast, Omega};
use crate::regimen::{DoseEvent, Route};
use crate::subject::{typical_human, PkOverride};
use serde::Serialize;

/// Which steady-state metric scales the effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Average concentration over a dosing interval (ng/mL).
    Cavg,
    /// Time-averaged NET occupancy over a dosing interval (fraction).
    NetOccupancyAverage,
}

/// PK needed by exposure- and occupancy-scaled arms, resolved once from the monograph.
#[derive(Debug, Clone, Serialize)]
pub struct EffectPk {
    pub typical: PkParams,
    pub omega: Omega,
    pub occupancy: OccupancyModel,
    /// Dosing interval of the maintenance dose (h).
    pub tau_h: f64,
}

impl EffectPk {
    pub fn from_monograph(m: &Monograph) -> Result<EffectPk> {
        Ok(EffectPk {
            typical: typical_human(m, &PkOverride::default())?,
            omega: Omega::from_monograph(m)?.unwrap_or_else(Omega::none),
            occupancy: OccupancyModel::from_monograph(m, Basis::Ki, None, None)?,
            tau_h: m.compound.usual_tau_h.value,
        })
    }

    /// The individual parameters for standard normal deviates z (CL, V, ka).
    pub fn individual(&self, z: [f64; 3]) -> PkParams {
        let eta = self.omega.eta(z);
        let mut p = self.typical;
        p.clearance_l_per_h *= eta[0].exp();
        p.volume_l *= eta[1].exp();
        p.ka_per_h *= eta[2].exp();
        p
    }

    /// Steady-state `metric` of `dose_mg` every `tau_h` in a subject with parameters `p`.
    pub fn metric(&self, p: &PkParams, dose_mg: f64, metric: Metric) -> Result<f64> {
        steady_metric(p, &self.occupancy, dose_mg, self.tau_h, metric)
    }
}

/// Steady-state metric from the PK engine: the closed form for one compartment with an oral
/// dose, otherwise the exact engine (`simulate::steady_state_out`).
pub fn steady_metric(
    p: &PkParams,
    occ: &OccupancyModel,
    dose_mg: f64,
    tau_h: f64,
    metric: Metric,
) -> Result<f64> {
    let (cavg, occ_avg) = if fast::closed_form_applies(p, true, false, tau_h) {
        let s = fast::steady_state(p, occ, dose_mg, tau_h);
        (s.cavg_ng_per_ml, s.net_occupancy_average)
    } else {
        let dose = DoseEvent {
            time_h: 0.0,
            amount_mg: dose_mg,
            route: Route::Po,
            infusion_h: None,
        };
        let s = crate::simulate::steady_state_out(p, occ, &dose, tau_h)?.metrics;
        (s.cavg_ng_per_ml, s.net_occupancy_average)
    };
    let v = match metric {
        Metric::Cavg => cavg,
        Metric::NetOccupancyAverage => occ_avg,
    };
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::Numerical(format!(
            "steady-state {metric:?} of {dose_mg} mg is not finite"
        )))
    }
}

/// Exposure scaling: the reference effect times the subject's metric over the typical
/// subject's metric at the reference dose (0 when the typical metric is 0).
pub fn exposure_scaled_effect(
    reference_effect: f64,
    subject_metric: f64,
    typical_metric: f64,
) -> f64 {
    if typical_metric > 0.0 {
        reference_effect * subject_metric / typical_metric
    } else {
        0.0
    }
}

/// Occupancy theory: effect at full occupancy times the occupied fraction.
pub fn occupancy_effect(full_occupancy_effect: f64, occupancy: f64) -> f64 {
    full_occupancy_effect * occupancy.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occupancy_effect_is_proportional() {
        assert_eq!(occupancy_effect(-5.0, 0.5), -2.5);
        assert_eq!(occupancy_effect(-5.0, 1.5), -5.0);
    }
}
