//! Log-normal inter-individual variability of CL/F, V/F and ka.
//!
//! P_i = P_typical * exp(eta_i), eta = L z with z ~ N(0, I) and L L^T = Omega,
//! Omega_jk = omega_j omega_k rho_jk, omega = sqrt(ln(1 + CV^2)) (so CV is the CV of P).

use crate::error::{Error, Result};
use crate::monograph::Monograph;
use serde::Serialize;

/// Omega of (CL, V, ka) and its Cholesky factor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Omega {
    /// Standard deviations of ln CL, ln V, ln ka.
    pub omega: [f64; 3],
    /// Correlations (CL-V, CL-ka, V-ka).
    pub rho: [f64; 3],
    #[serde(skip)]
    chol: [[f64; 3]; 3],
}

/// omega = sqrt(ln(1 + CV^2)).
pub fn omega_from_cv(cv: f64) -> f64 {
    (1.0 + cv * cv).ln().sqrt()
}

impl Omega {
    /// From CVs (fractions) and correlations; errors if the matrix is not positive semi-definite.
    pub fn new(cv: [f64; 3], rho: [f64; 3]) -> Result<Omega> {
        for (name, c) in [
            "clearance_cv_fraction",
            "volume_cv_fraction",
            "ka_cv_fraction",
        ]
        .iter()
        .zip(cv)
        {
            if !(c.is_finite() && (0.0..=3.0).contains(&c)) {
                return Err(Error::input(*name, format!("{c} is outside 0 to 3")));
            }
        }
        for (name, r) in [
            "correlation_clearance_volume",
            "correlation_clearance_ka",
            "correlation_volume_ka",
        ]
        .iter()
        .zip(rho)
        {
            if !(r.is_finite() && (-1.0..=1.0).contains(&r)) {
                return Err(Error::input(*name, format!("{r} is outside -1 to 1")));
            }
        }
        let w = cv.map(omega_from_cv);
        let r = [
            [1.0, rho[0], rho[1]],
            [rho[0], 1.0, rho[2]],
            [rho[1], rho[2], 1.0],
        ];
        let mut s = [[0.0; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                s[i][j] = w[i] * w[j] * r[i][j];
            }
        }
        // Cholesky; a zero pivot (a CV of 0 or |rho| = 1) leaves that column zero.
        let mut l = [[0.0; 3]; 3];
        for i in 0..3 {
            for j in 0..=i {
                let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
                if i == j {
                    let d = s[i][i] - sum;
                    if d < -1e-12 {
                        return Err(Error::input(
                            "variability",
                            "the correlation matrix of CL, V and ka is not positive semi-definite",
                        ));
                    }
                    l[i][i] = d.max(0.0).sqrt();
                } else {
                    l[i][j] = if l[j][j] > 0.0 {
                        (s[i][j] - sum) / l[j][j]
                    } else {
                        0.0
                    };
                }
            }
        }
        Ok(Omega {
            omega: w,
            rho,
            chol: l,
        })
    }

    /// No variability (every subject is the typical subject).
    pub fn none() -> Omega {
        Omega {
            omega: [0.0; 3],
            rho: [0.0; 3],
            chol: [[0.0; 3]; 3],
        }
    }

    /// The monograph's `[variability]`; None when the monograph has none.
    pub fn from_monograph(m: &Monograph) -> Result<Option<Omega>> {
        let Some(v) = &m.variability else {
            return Ok(None);
        };
        Omega::new(
            [
                v.clearance_cv_fraction.value,
                v.volume_cv_fraction.value,
                v.ka_cv_fraction.value,
            ],
            [
                v.correlation_clearance_volume.value,
                v.correlation_clearance_ka.value,
                v.correlation_volume_ka.value,
            ],
        )
        .map(Some)
    }

    /// eta = L z for standard normal deviates z.
    #[inline]
    pub fn eta(&self, z: [f64; 3]) -> [f64; 3] {
        let l = &self.chol;
        [
            l[0][0] * z[0],
            l[1][0] * z[0] + l[1][1] * z[1],
            l[2][0] * z[0] + l[2][1] * z[1] + l[2][2] * z[2],
        ]
    }
}
