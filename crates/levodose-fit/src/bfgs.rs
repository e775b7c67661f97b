//! A small BFGS minimiser with a backtracking (Armijo) line search.
//!
//! Why not argmin: the outer problem has fewer than a dozen parameters and a gradient by central
//! differences of an objective that itself runs inner optimisations; a 100-line deterministic
//! loop is easier to audit here than a generic executor, and adds no dependency.

use nalgebra::{DMatrix, DVector};

#[derive(Debug, Clone)]
pub struct Outcome {
    pub x: DVector<f64>,
    pub value: f64,
    pub gradient: DVector<f64>,
    pub iterations: usize,
    pub converged: bool,
    pub message: String,
}

/// Minimises `f` from `x0`; `grad` gives the gradient. Stops when the largest gradient
/// component is below `gtol` or an iteration lowers `f` by less than `ftol`.
pub fn minimize(
    mut f: impl FnMut(&DVector<f64>) -> f64,
    mut grad: impl FnMut(&DVector<f64>, f64) -> DVector<f64>,
    x0: DVector<f64>,
    gtol: f64,
    ftol: f64,
    max_iter: usize,
) -> Outcome {
    let n = x0.len();
    let mut x = x0;
    let mut fx = f(&x);
    let mut g = grad(&x, fx);
    let mut hinv = DMatrix::<f64>::identity(n, n);
    // A first step of unit length in the steepest direction, scaled to the gradient.
    let gmax = g.amax();
    if gmax > 0.0 {
        hinv *= 0.1 / gmax.max(1.0);
    }
    let mut small_steps = 0;
    for it in 0..max_iter {
        if g.amax() < gtol {
            return Outcome {
                x,
                value: fx,
                gradient: g,
                iterations: it,
                converged: true,
                message: "gradient below tolerance".into(),
            };
        }
        let mut d = -(&hinv * &g);
        let mut slope = g.dot(&d);
        if slope >= 0.0 {
            hinv = DMatrix::identity(n, n) * (0.1 / g.amax().max(1.0));
            d = -(&hinv * &g);
            slope = g.dot(&d);
        }
        let mut t = 1.0;
        let mut next = None;
        for _ in 0..30 {
            let xt = &x + t * &d;
            let ft = f(&xt);
            if ft.is_finite() && ft <= fx + 1e-4 * t * slope {
                next = Some((xt, ft));
                break;
            }
            t *= 0.5;
        }
        let Some((xn, fxn)) = next else {
            let converged = g.amax() < 100.0 * gtol;
            return Outcome {
                x,
                value: fx,
                gradient: g,
                iterations: it,
                converged,
                message: "line search found no decrease".into(),
            };
        };
        let gn = grad(&xn, fxn);
        let s = &xn - &x;
        let y = &gn - &g;
        let sy = s.dot(&y);
        if sy > 1e-12 {
            let rho = 1.0 / sy;
            let i = DMatrix::<f64>::identity(n, n);
            let a = &i - rho * &s * y.transpose();
            hinv = &a * &hinv * a.transpose() + rho * &s * s.transpose();
        }
        let decrease = fx - fxn;
        x = xn;
        fx = fxn;
        g = gn;
        if decrease < ftol {
            small_steps += 1;
            if small_steps >= 3 {
                return Outcome {
                    x,
                    value: fx,
                    gradient: g.clone(),
                    iterations: it + 1,
                    converged: true,
                    message: "objective change below tolerance".into(),
                };
            }
        } else {
            small_steps = 0;
        }
    }
    Outcome {
        x,
        value: fx,
        gradient: g,
        iterations: max_iter,
        converged: false,
        message: format!("no convergence in {max_iter} iterations"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn finds_the_rosenbrock_minimum() {
        let f = |x: &DVector<f64>| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let g = |x: &DVector<f64>, _: f64| {
            DVector::from_vec(vec![
                -2.0 * (1.0 - x[0]) - 400.0 * x[0] * (x[1] - x[0] * x[0]),
                200.0 * (x[1] - x[0] * x[0]),
            ])
        };
        let o = minimize(f, g, DVector::from_vec(vec![-1.2, 1.0]), 1e-8, 0.0, 500);
        assert!(o.converged, "{}", o.message);
        assert!((o.x[0] - 1.0).abs() < 1e-6 && (o.x[1] - 1.0).abs() < 1e-6);
    }
}
