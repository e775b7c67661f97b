//! Model equations, analytic gradients and self-starting values.
//!
//! Internally the ED50 (EC50) is estimated as its logarithm, θ = log ED50, so the search is
//! unconstrained and well scaled; estimates are reported on the natural scale.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A dose-response model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// Four-parameter log-logistic: y = bottom + (top − bottom) / (1 + (ec50 / x)^hill);
    /// y = bottom at x = 0 (hill > 0).
    Ll4,
    /// Emax with baseline: y = e0 + emax·x / (ed50 + x).
    Emax,
    /// Emax without baseline: y = emax·x / (ed50 + x).
    Emax0,
}

impl Model {
    pub const ALL: [Model; 3] = [Model::Ll4, Model::Emax, Model::Emax0];

    pub fn name(self) -> &'static str {
        match self {
            Model::Ll4 => "ll4",
            Model::Emax => "emax",
            Model::Emax0 => "emax0",
        }
    }

    /// Parameter names in reporting order (natural scale).
    pub fn parameter_names(self) -> &'static [&'static str] {
        match self {
            Model::Ll4 => &["bottom", "top", "ec50", "hill"],
            Model::Emax => &["e0", "emax", "ed50"],
            Model::Emax0 => &["emax", "ed50"],
        }
    }

    pub fn n_params(self) -> usize {
        self.parameter_names().len()
    }

    /// Position of log ED50 in the internal parameter vector.
    pub(crate) fn ed50_index(self) -> usize {
        match self {
            Model::Ll4 | Model::Emax => 2,
            Model::Emax0 => 1,
        }
    }

    /// Mean response at dose `x` for internal parameters `theta`.
    pub(crate) fn mean(self, theta: &[f64], x: f64) -> f64 {
        match self {
            Model::Ll4 => {
                let (b, t) = (theta[0], theta[1]);
                let s = ll4_fraction(theta[2], theta[3], x);
                b + (t - b) * s
            }
            Model::Emax => theta[0] + theta[1] * emax_fraction(theta[2], x),
            Model::Emax0 => theta[0] * emax_fraction(theta[1], x),
        }
    }

    /// ∂mean/∂θ at dose `x` (internal parameters) written into `out`.
    pub(crate) fn gradient(self, theta: &[f64], x: f64, out: &mut [f64]) {
        match self {
            Model::Ll4 => {
                let (b, t, le, h) = (theta[0], theta[1], theta[2], theta[3]);
                let s = ll4_fraction(le, h, x);
                out[0] = 1.0 - s;
                out[1] = s;
                if x > 0.0 {
                    // s = 1/(1+u), u = exp(h (le − log x)); ∂s/∂le = −h s(1−s), ∂s/∂h = −(le − log x) s(1−s)
                    let w = s * (1.0 - s);
                    out[2] = -(t - b) * h * w;
                    out[3] = -(t - b) * (le - x.ln()) * w;
                } else {
                    out[2] = 0.0;
                    out[3] = 0.0;
                }
            }
            Model::Emax | Model::Emax0 => {
                let off = usize::from(self == Model::Emax);
                if off == 1 {
                    out[0] = 1.0;
                }
                let (em, le) = (theta[off], theta[off + 1]);
                let ed50 = le.exp();
                let q = emax_fraction(le, x);
                out[off] = q;
                // ∂/∂le [x/(ed50+x)] = −x·ed50/(ed50+x)²
                out[off + 1] = if x > 0.0 {
                    -em * q * ed50 / (ed50 + x)
                } else {
                    0.0
                };
            }
        }
    }

    /// Natural-scale parameters and the diagonal Jacobian d(natural)/d(internal).
    pub(crate) fn to_natural(self, theta: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let k = self.ed50_index();
        let mut nat = theta.to_vec();
        let mut jac = vec![1.0; theta.len()];
        nat[k] = theta[k].exp();
        jac[k] = nat[k];
        (nat, jac)
    }

    /// Fraction of the fitted effect range reached at dose `x` (0 at the low-dose end, 1 at the
    /// high-dose asymptote).
    pub(crate) fn effect_fraction(self, theta: &[f64], x: f64) -> f64 {
        match self {
            Model::Ll4 => ll4_fraction(theta[2], theta[3], x),
            Model::Emax | Model::Emax0 => emax_fraction(theta[self.ed50_index()], x),
        }
    }

    /// Brings equivalent parameterisations to a canonical one: ll4 with hill < 0 is the same
    /// curve as hill > 0 with bottom and top exchanged.
    pub(crate) fn canonical(self, theta: &mut [f64]) {
        if self == Model::Ll4 && theta[3] < 0.0 {
            theta.swap(0, 1);
            theta[3] = -theta[3];
        }
    }

    /// Self-starting values: a grid over the nonlinear parameters (log ED50, and the Hill slope
    /// for ll4), with the linear parameters solved by least squares at each grid point; the
    /// point with the smallest RSS starts the iterations.
    pub(crate) fn start(self, x: &[f64], y: &[f64]) -> Option<Vec<f64>> {
        let lx: Vec<f64> = x.iter().filter(|&&v| v > 0.0).map(|v| v.ln()).collect();
        let lo = lx.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = lx.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() || !hi.is_finite() {
            return None;
        }
        let span = (hi - lo).max(1.0);
        let (from, to) = (lo - 0.5 * span, hi + 0.5 * span);
        let n_grid = 60;
        let les: Vec<f64> = (0..=n_grid)
            .map(|i| from + (to - from) * i as f64 / n_grid as f64)
            .collect();
        let hills: &[f64] = match self {
            Model::Ll4 => &[0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0],
            _ => &[1.0],
        };
        let mut best: Option<(f64, Vec<f64>)> = None;
        for &le in &les {
            for &h in hills {
                let basis: Vec<(f64, f64)> = x
                    .iter()
                    .map(|&xi| match self {
                        Model::Ll4 => {
                            let s = ll4_fraction(le, h, xi);
                            (1.0 - s, s)
                        }
                        Model::Emax => (1.0, emax_fraction(le, xi)),
                        Model::Emax0 => (0.0, emax_fraction(le, xi)),
                    })
                    .collect();
                let Some((c0, c1)) = linear_ls(&basis, y, self != Model::Emax0) else {
                    continue;
                };
                let rss: f64 = basis
                    .iter()
                    .zip(y)
                    .map(|(&(u, v), &yi)| (yi - c0 * u - c1 * v).powi(2))
                    .sum();
                let better = match &best {
                    Some((r, _)) => rss < *r,
                    None => true,
                };
                if rss.is_finite() && better {
                    let theta = match self {
                        Model::Ll4 => vec![c0, c1, le, h],
                        Model::Emax => vec![c0, c1, le],
                        Model::Emax0 => vec![c1, le],
                    };
                    best = Some((rss, theta));
                }
            }
        }
        best.map(|(_, t)| t)
    }
}

/// s = 1 / (1 + (ec50/x)^h) = 1 / (1 + exp(h (log ec50 − log x))); at x = 0: 0 for h > 0, 1 for h < 0.
fn ll4_fraction(le: f64, h: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return if h > 0.0 {
            0.0
        } else if h < 0.0 {
            1.0
        } else {
            0.5
        };
    }
    let z = h * (le - x.ln());
    if z > 0.0 {
        let e = (-z).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + z.exp())
    }
}

/// x / (ed50 + x), with ed50 = exp(le).
fn emax_fraction(le: f64, x: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else {
        1.0 / (1.0 + (le - x.ln()).exp())
    }
}

/// Least squares for y ≈ c0·u + c1·v (or y ≈ c1·v when `two` is false).
fn linear_ls(basis: &[(f64, f64)], y: &[f64], two: bool) -> Option<(f64, f64)> {
    let (mut suu, mut suv, mut svv, mut suy, mut svy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (&(u, v), &yi) in basis.iter().zip(y) {
        suu += u * u;
        suv += u * v;
        svv += v * v;
        suy += u * yi;
        svy += v * yi;
    }
    if !two {
        return (svv > 1e-300).then(|| (0.0, svy / svv));
    }
    let det = suu * svv - suv * suv;
    if det.is_nan() || det <= 1e-12 * suu * svv {
        return None;
    }
    Some(((svv * suy - suv * svy) / det, (suu * svy - suv * suy) / det))
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Model {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "ll4" => Ok(Model::Ll4),
            "emax" => Ok(Model::Emax),
            "emax0" => Ok(Model::Emax0),
            _ => Err(format!("unknown model '{s}': allowed ll4, emax, emax0")),
        }
    }
}
