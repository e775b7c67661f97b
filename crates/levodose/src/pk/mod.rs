//! Linear compartment pharmacokinetics with exact stepping.
//!
//! State: amounts (mg) in a depot, the central and an optional peripheral compartment.
//! Between events the state moves by the exact solution x(t+dt) = exp(A dt) x(t) + input term:
//! closed forms for one compartment (`onecpt`), a 4x4 matrix exponential for two (`twocpt`).
//! Concentration C = central / V (mg/L = 1000 ng/mL). AUC comes exactly from mass balance:
//! eliminated = absorbed + infused - change in body amount, and AUC = eliminated / CL.

mod cursor;
mod metrics;
pub mod onecpt;
mod params;
mod steady;
mod twocpt;

pub use cursor::{
    actions_from_doses, actions_into, actions_with_clearance, clearance_actions, Action,
    ActionKind, Cursor,
};
pub use metrics::{interval_profile, ExposureMetrics, IntervalProfile};
pub use params::{PkParams, State};
pub use steady::{first_interval, steady_state, SteadyState};

use crate::error::Result;
use crate::regimen::DoseEvent;

/// Concentrations (ng/mL) at `times_h` (ascending) for `doses`. A value at a dose time is the
/// one just before that dose enters (the curve is continuous for extravascular doses).
pub fn concentrations(params: &PkParams, doses: &[DoseEvent], times_h: &[f64]) -> Result<Vec<f64>> {
    params.validate()?;
    let actions = actions_from_doses(params, doses);
    let mut cur = Cursor::new(params, &actions);
    let mut out = Vec::with_capacity(times_h.len());
    for &t in times_h {
        cur.advance_to(t);
        out.push(cur.conc_ng_per_ml());
    }
    Ok(out)
}

/// `concentrations` with clearance changing at the given times ((time h, clearance L/h),
/// ascending): piecewise-constant clearance, stepped exactly between changes.
pub fn concentrations_with_clearance(
    params: &PkParams,
    doses: &[DoseEvent],
    changes: &[(f64, f64)],
    times_h: &[f64],
) -> Result<Vec<f64>> {
    params.validate()?;
    let actions = actions_with_clearance(params, doses, changes);
    // Doses before time 0 (a regimen already at steady state) are history: start there.
    let start_h = actions.first().map_or(0.0, |a| a.time_h.min(0.0));
    let mut cur = Cursor::with_state(params, &actions, start_h, State::default(), 0.0);
    let mut out = Vec::with_capacity(times_h.len());
    for &t in times_h {
        cur.advance_to(t);
        out.push(cur.conc_ng_per_ml());
    }
    Ok(out)
}
