//! One compartment with first-order absorption: closed-form transition over dt.
//!
//! depot(t+dt)   = depot e^{-ka dt}
//! central(t+dt) = central e^{-k dt} + depot ka (e^{-k dt} - e^{-ka dt})/(ka - k) + R (1 - e^{-k dt})/k
//! The difference quotient is evaluated as e^{-k dt} dt h((ka-k) dt) with h(x) = (1 - e^{-x})/x via
//! expm1, so ka close to k loses no precision.

/// h(x) = (1 - e^{-x}) / x, stable near 0.
pub fn one_minus_exp_over(x: f64) -> f64 {
    if x.abs() < 1e-8 {
        1.0 - 0.5 * x
    } else {
        -(-x).exp_m1() / x
    }
}

/// (e^{-b t} - e^{-a t}) / (a - b) for t >= 0, without cancellation when a is close to b.
pub fn exp_difference(a: f64, b: f64, t: f64) -> f64 {
    let x = (a - b) * t;
    if x < -50.0 {
        // a << b: the terms differ greatly and e^{-b t} dt h(x) would overflow.
        ((-a * t).exp() - (-b * t).exp()) / (b - a)
    } else {
        (-b * t).exp() * t * one_minus_exp_over(x)
    }
}

/// Transition coefficients for one step length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coefficients {
    pub dt: f64,
    /// e^{-ka dt}
    pub depot_keep: f64,
    /// e^{-k dt}
    pub central_keep: f64,
    /// ka (e^{-k dt} - e^{-ka dt})/(ka - k)
    pub depot_to_central: f64,
    /// (1 - e^{-k dt})/k: central gain per unit infusion rate.
    pub rate_gain: f64,
}

impl Coefficients {
    pub fn new(k: f64, ka: f64, dt: f64) -> Self {
        Coefficients {
            dt,
            depot_keep: (-ka * dt).exp(),
            central_keep: (-k * dt).exp(),
            depot_to_central: ka * exp_difference(ka, k, dt),
            rate_gain: dt * one_minus_exp_over(k * dt),
        }
    }

    /// Advances (depot, central) by one step with constant infusion rate `rate` (mg/h).
    #[inline]
    pub fn step(&self, depot: f64, central: f64, rate: f64) -> (f64, f64) {
        (
            self.depot_keep * depot,
            self.central_keep * central + self.depot_to_central * depot + self.rate_gain * rate,
        )
    }
}
