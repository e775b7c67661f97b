//! Two compartments with first-order absorption: the transition is the matrix exponential of the
//! 4x4 augmented system [depot, central, peripheral, infusion rate] (Padé scaling and squaring in
//! nalgebra), exact to rounding and free of the ka = alpha or ka = beta singularities of the
//! textbook closed forms.

use nalgebra::{Matrix4, Vector4};

#[derive(Debug, Clone, Copy)]
pub struct Transition {
    pub dt: f64,
    m: Matrix4<f64>,
}

impl Transition {
    pub fn new(k10: f64, k12: f64, k21: f64, ka: f64, dt: f64) -> Self {
        #[rustfmt::skip]
        let a = Matrix4::new(
            -ka, 0.0,           0.0,  0.0,
            ka,  -(k10 + k12),  k21,  1.0,
            0.0, k12,           -k21, 0.0,
            0.0, 0.0,           0.0,  0.0,
        );
        Transition {
            dt,
            m: (a * dt).exp(),
        }
    }

    #[inline]
    pub fn step(&self, depot: f64, central: f64, peripheral: f64, rate: f64) -> (f64, f64, f64) {
        let x = self.m * Vector4::new(depot, central, peripheral, rate);
        (x[0], x[1], x[2])
    }
}
