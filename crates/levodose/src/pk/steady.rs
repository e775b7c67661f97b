//! Steady state of a repeated dose in closed form.
//!
//! Over one interval the state map is affine: x(tau) = M x(0) + c, with M = exp(A tau) and c the
//! state at tau after one dose into an empty body. The periodic state is x_ss = (I - M)^{-1} c
//! (a geometric series summed exactly), not the end of a long run.

use super::cursor::{actions_from_doses, Cursor};
use super::metrics::{interval_profile, IntervalProfile};
use super::params::{PkParams, State};
use crate::error::{Error, Result};
use crate::regimen::DoseEvent;
use nalgebra::{Matrix3, Vector3};

/// Steady state of `dose` repeated every `tau_h`, with the first interval for comparison.
#[derive(Debug, Clone)]
pub struct SteadyState {
    pub tau_h: f64,
    /// State just before a dose at steady state.
    pub state_before_dose: State,
    pub profile: IntervalProfile,
    pub first_interval: IntervalProfile,
    /// AUC(0-tau) at steady state / AUC(0-tau) after the first dose.
    pub accumulation_ratio: f64,
    /// ln(10) / lambda_z: time to reach 90 % of steady state (3.32 terminal half-lives).
    pub time_to_90pct_h: f64,
}

fn to_vec(s: State) -> Vector3<f64> {
    Vector3::new(s.depot, s.central, s.peripheral)
}

fn to_state(v: Vector3<f64>) -> State {
    State {
        depot: v[0],
        central: v[1],
        peripheral: v[2],
    }
}

/// The interval that a single dose at time 0 opens, starting from an empty body.
pub fn first_interval(params: &PkParams, dose: &DoseEvent, tau_h: f64) -> Result<IntervalProfile> {
    params.validate()?;
    let d = DoseEvent {
        time_h: 0.0,
        ..*dose
    };
    let actions = actions_from_doses(params, &[d]);
    Ok(interval_profile(&Cursor::new(params, &actions), tau_h))
}

pub fn steady_state(params: &PkParams, dose: &DoseEvent, tau_h: f64) -> Result<SteadyState> {
    params.validate()?;
    if !(tau_h.is_finite() && tau_h > 0.0) {
        return Err(Error::input("tau_h", format!("{tau_h} must be positive")));
    }
    if dose.route.is_extravascular() && params.lag_h >= tau_h {
        return Err(Error::input(
            "lag_h",
            format!(
                "a lag of {} h must be shorter than the dosing interval {tau_h} h",
                params.lag_h
            ),
        ));
    }
    if dose.infusion_h.is_some_and(|d| d > tau_h) {
        return Err(Error::input(
            "regimen",
            "an infusion must not last longer than the dosing interval",
        ));
    }
    let d = DoseEvent {
        time_h: 0.0,
        ..*dose
    };
    let actions = actions_from_doses(params, &[d]);
    let mut m = Matrix3::zeros();
    for j in 0..3 {
        let mut unit = Vector3::zeros();
        unit[j] = 1.0;
        let mut c = Cursor::with_state(params, &[], 0.0, to_state(unit), 0.0);
        c.advance_to(tau_h);
        m.set_column(j, &to_vec(c.state));
    }
    if params.peripheral.is_none() {
        // One compartment: the peripheral slot is unused and always empty.
        m[(2, 2)] = 0.0;
    }
    let mut from_empty = Cursor::new(params, &actions);
    from_empty.advance_through(tau_h);
    let c = to_vec(from_empty.state);
    let x_ss = (Matrix3::identity() - m)
        .lu()
        .solve(&c)
        .ok_or_else(|| Error::Numerical("steady state: I - exp(A tau) is singular".into()))?;
    let state = to_state(x_ss);
    let profile = interval_profile(
        &Cursor::with_state(params, &actions, 0.0, state, 0.0),
        tau_h,
    );
    let first = interval_profile(&Cursor::new(params, &actions), tau_h);
    let accumulation_ratio = profile.metrics.auc_ng_h_per_ml / first.metrics.auc_ng_h_per_ml;
    Ok(SteadyState {
        tau_h,
        state_before_dose: state,
        profile,
        first_interval: first,
        accumulation_ratio,
        time_to_90pct_h: std::f64::consts::LN_10 / params.lambda_z_per_h(),
    })
}
