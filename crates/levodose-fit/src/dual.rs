//! Forward-mode dual numbers: a value and its gradient with respect to up to [`N`] inputs (the
//! log-parameters of a structure). Enough arithmetic for the closed-form PK solutions.

use std::ops::{Add, Div, Mul, Neg, Sub};

/// Largest number of structural parameters (cl, v, ka, lag, q, vp).
pub const N: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dual {
    pub v: f64,
    pub g: [f64; N],
}

impl Dual {
    pub fn constant(v: f64) -> Self {
        Dual { v, g: [0.0; N] }
    }
    /// `exp(phi)` where phi is input `k`: value e^phi, derivative e^phi in slot k.
    pub fn exp_of_input(phi: f64, k: usize) -> Self {
        let v = phi.exp();
        let mut g = [0.0; N];
        g[k] = v;
        Dual { v, g }
    }
    #[inline]
    fn map(self, v: f64, d: f64) -> Self {
        let mut g = self.g;
        for x in &mut g {
            *x *= d;
        }
        Dual { v, g }
    }
    pub fn exp(self) -> Self {
        let e = self.v.exp();
        self.map(e, e)
    }
    pub fn scale(self, c: f64) -> Self {
        self.map(self.v * c, c)
    }
}

impl Add for Dual {
    type Output = Dual;
    #[inline]
    fn add(self, o: Dual) -> Dual {
        let mut g = self.g;
        for (x, y) in g.iter_mut().zip(o.g) {
            *x += y;
        }
        Dual { v: self.v + o.v, g }
    }
}
impl Sub for Dual {
    type Output = Dual;
    #[inline]
    fn sub(self, o: Dual) -> Dual {
        let mut g = self.g;
        for (x, y) in g.iter_mut().zip(o.g) {
            *x -= y;
        }
        Dual { v: self.v - o.v, g }
    }
}
impl Mul for Dual {
    type Output = Dual;
    #[inline]
    fn mul(self, o: Dual) -> Dual {
        let mut g = [0.0; N];
        for (k, x) in g.iter_mut().enumerate() {
            *x = self.g[k] * o.v + self.v * o.g[k];
        }
        Dual { v: self.v * o.v, g }
    }
}
impl Div for Dual {
    type Output = Dual;
    #[inline]
    fn div(self, o: Dual) -> Dual {
        let inv = 1.0 / o.v;
        let v = self.v * inv;
        let mut g = [0.0; N];
        for (k, x) in g.iter_mut().enumerate() {
            *x = (self.g[k] - v * o.g[k]) * inv;
        }
        Dual { v, g }
    }
}
impl Neg for Dual {
    type Output = Dual;
    fn neg(self) -> Dual {
        self.scale(-1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn derivatives_match_calculus() {
        // f = e^{a} / (e^{a} + e^{b}) at a = 0.3, b = -0.2
        let a = Dual::exp_of_input(0.3, 0);
        let b = Dual::exp_of_input(-0.2, 1);
        let f = a / (a + b);
        let (ea, eb) = (0.3f64.exp(), (-0.2f64).exp());
        let s = ea + eb;
        assert!((f.v - ea / s).abs() < 1e-15);
        assert!((f.g[0] - ea * eb / (s * s)).abs() < 1e-15);
        assert!((f.g[1] + ea * eb / (s * s)).abs() < 1e-15);
        let e = (a * b).exp();
        assert!((e.g[0] - (ea * eb).exp() * ea * eb).abs() < 1e-12);
    }
}
