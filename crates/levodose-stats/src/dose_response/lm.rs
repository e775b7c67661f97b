//! Nonlinear least squares: a problem states residuals and their Jacobian, a solver minimises
//! RSS(θ) = Σ rᵢ(θ)². Solvers are interchangeable through [`Solver`].

use nalgebra::{DMatrix, DVector};

/// A least-squares problem: residuals r(θ) (length n) and Jacobian J = ∂r/∂θ (n × p).
pub trait LeastSquaresProblem {
    fn n_params(&self) -> usize;
    fn residuals(&self, theta: &DVector<f64>) -> DVector<f64>;
    fn jacobian(&self, theta: &DVector<f64>) -> DMatrix<f64>;
}

/// Why a solver stopped successfully.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Termination {
    /// Residuals orthogonal to every Jacobian column: max_j |J_jᵀr| / (‖J_j‖‖r‖) ≤ gtol.
    Gradient,
    /// Relative step ‖δ‖ ≤ xtol (‖θ‖ + xtol).
    Step,
    /// Actual and predicted relative reductions of RSS both ≤ ftol.
    Reduction,
    /// RSS is zero to rounding (exact data).
    ZeroResidual,
}

/// A solver's result at a minimum.
#[derive(Clone, Debug)]
pub struct Solution {
    pub theta: DVector<f64>,
    pub rss: f64,
    pub iterations: usize,
    pub termination: Termination,
}

/// Why a solver failed.
#[derive(Clone, Debug, PartialEq)]
pub enum SolverFailure {
    /// Residuals or Jacobian not finite at the start.
    NonFiniteStart,
    /// No convergence within the iteration limit.
    MaxIterations { iterations: usize, rss: f64 },
    /// The damping grew without bound: no step reduces RSS.
    Stalled { iterations: usize, rss: f64 },
}

/// A minimiser of a [`LeastSquaresProblem`] from a start θ₀.
pub trait Solver {
    fn minimize<P: LeastSquaresProblem>(
        &self,
        problem: &P,
        start: DVector<f64>,
    ) -> Result<Solution, SolverFailure>;
}

/// Levenberg–Marquardt with Marquardt's diagonal scaling: each step solves
/// (JᵀJ + λ·diag(JᵀJ)) δ = −Jᵀr; λ follows the gain ratio ρ = actual / predicted reduction
/// (Nielsen's update: λ ← λ·max(1/3, 1 − (2ρ − 1)³) on success, λ ← λ·ν, ν ← 2ν on failure).
#[derive(Clone, Debug)]
pub struct LevenbergMarquardt {
    pub max_iterations: usize,
    pub gtol: f64,
    pub xtol: f64,
    pub ftol: f64,
}

impl Default for LevenbergMarquardt {
    fn default() -> Self {
        LevenbergMarquardt {
            max_iterations: 500,
            gtol: 1e-10,
            xtol: 1e-12,
            ftol: 1e-15,
        }
    }
}

fn all_finite(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_finite())
}

fn gradient_cosine(j: &DMatrix<f64>, r: &DVector<f64>) -> f64 {
    let rn = r.norm();
    if rn == 0.0 {
        return 0.0;
    }
    j.column_iter()
        .map(|c| {
            let cn = c.norm();
            if cn == 0.0 {
                0.0
            } else {
                (c.dot(r) / (cn * rn)).abs()
            }
        })
        .fold(0.0, f64::max)
}

impl Solver for LevenbergMarquardt {
    fn minimize<P: LeastSquaresProblem>(
        &self,
        problem: &P,
        start: DVector<f64>,
    ) -> Result<Solution, SolverFailure> {
        let p = problem.n_params();
        let mut theta = start;
        let mut r = problem.residuals(&theta);
        let mut j = problem.jacobian(&theta);
        if !all_finite(r.as_slice()) || !all_finite(j.as_slice()) || theta.len() != p {
            return Err(SolverFailure::NonFiniteStart);
        }
        let mut rss = r.norm_squared();
        let scale0 = rss.max(f64::MIN_POSITIVE);
        let mut a = j.transpose() * &j;
        let mut g = j.transpose() * &r;
        let max_diag = (0..p).map(|i| a[(i, i)]).fold(0.0, f64::max);
        let mut lambda = 1e-3;
        let mut nu = 2.0;
        for iteration in 0..self.max_iterations {
            if rss <= 1e-30 * scale0 {
                return Ok(Solution {
                    theta,
                    rss,
                    iterations: iteration,
                    termination: Termination::ZeroResidual,
                });
            }
            if gradient_cosine(&j, &r) <= self.gtol {
                return Ok(Solution {
                    theta,
                    rss,
                    iterations: iteration,
                    termination: Termination::Gradient,
                });
            }
            let floor = 1e-12 * max_diag.max(f64::MIN_POSITIVE);
            let d = DVector::from_iterator(p, (0..p).map(|i| a[(i, i)].max(floor)));
            let mut m = a.clone();
            for i in 0..p {
                m[(i, i)] += lambda * d[i];
            }
            let step = m.cholesky().map(|c| c.solve(&(-&g)));
            let accepted = match step {
                Some(delta) if all_finite(delta.as_slice()) => {
                    if delta.norm() <= self.xtol * (theta.norm() + self.xtol) {
                        return Ok(Solution {
                            theta,
                            rss,
                            iterations: iteration,
                            termination: Termination::Step,
                        });
                    }
                    let predicted = -g.dot(&delta) + lambda * delta.component_mul(&d).dot(&delta);
                    let trial = &theta + &delta;
                    let r_new = problem.residuals(&trial);
                    let rss_new = r_new.norm_squared();
                    if all_finite(r_new.as_slice())
                        && rss_new.is_finite()
                        && rss_new < rss
                        && predicted > 0.0
                    {
                        let actual = rss - rss_new;
                        let rho = actual / predicted;
                        let j_new = problem.jacobian(&trial);
                        if all_finite(j_new.as_slice()) {
                            let small = actual <= self.ftol * rss && predicted <= self.ftol * rss;
                            theta = trial;
                            r = r_new;
                            rss = rss_new;
                            j = j_new;
                            a = j.transpose() * &j;
                            g = j.transpose() * &r;
                            lambda *= (1.0 - (2.0 * rho - 1.0).powi(3)).max(1.0 / 3.0);
                            nu = 2.0;
                            if small {
                                return Ok(Solution {
                                    theta,
                                    rss,
                                    iterations: iteration + 1,
                                    termination: Termination::Reduction,
                                });
                            }
                            true
                        } else {
                            false
                        }
                    } else {
                        false
                    }
                }
                _ => false,
            };
            if !accepted {
                lambda *= nu;
                nu *= 2.0;
                if !lambda.is_finite() || lambda > 1e20 {
                    return Err(SolverFailure::Stalled {
                        iterations: iteration + 1,
                        rss,
                    });
                }
            }
        }
        Err(SolverFailure::MaxIterations {
            iterations: self.max_iterations,
            rss,
        })
    }
}
