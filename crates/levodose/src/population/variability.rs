//! Log-normal inter-individual variability of CL/F, V/F and ka.
//!
//! P_i = P_typical * exp(eta_i), eta = L z with z ~ N(0, I) and L L^T = Omega,
//! Omega_jk = omega_j omega_k rho_jk, omega = sqrt(ln(1 + CV^2)) (so CV is the CV of P).
//!
//! Omega is stored as variances (omega^2 = ln(1 + CV^2)), NONMEM's convention and the fit's
//! (`levodose_fit::Model.omega`); standard deviations are derived at the edges ([`Omega::sd`]:
//! the monograph's CVs in, the JSON's `omega` out). sqrt(fl(w * w)) == w in IEEE arithmetic, so
//! the SDs read back are the SDs the variances were made from, bit for bit.

use crate::error::{Error, Result};
use crate::monograph::Monograph;
use serde::ser::SerializeStruct;
use serde::Serialize;

/// Omega of (CL, V, ka) and its Cholesky factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Omega {
    /// Variances of ln CL, ln V, ln ka (the diagonal of Omega).
    pub variance: [f64; 3],
    /// Correlations (CL-V, CL-ka, V-ka).
    pub rho: [f64; 3],
    chol: [[f64; 3]; 3],
}

/// The JSON has always given the SDs as `omega` (with `rho`); it still does.
impl Serialize for Omega {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Omega", 2)?;
        s.serialize_field("omega", &self.sd())?;
        s.serialize_field("rho", &self.rho)?;
        s.end()
    }
}

/// Omega_jk = w_j w_k rho_jk from SDs `w` and correlations (CL-V, CL-ka, V-ka).
fn covariance_of(w: [f64; 3], rho: [f64; 3]) -> [[f64; 3]; 3] {
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
    s
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
        let s = covariance_of(w, rho);
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
            variance: w.map(|x| x * x),
            rho,
            chol: l,
        })
    }

    /// No variability (every subject is the typical subject).
    pub fn none() -> Omega {
        Omega {
            variance: [0.0; 3],
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

    /// Standard deviations of ln CL, ln V, ln ka.
    pub fn sd(&self) -> [f64; 3] {
        self.variance.map(f64::sqrt)
    }

    /// The full 3 x 3 covariance matrix, Omega_jk = omega_j omega_k rho_jk.
    pub fn covariance(&self) -> [[f64; 3]; 3] {
        covariance_of(self.sd(), self.rho)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sds_read_back_from_variances_are_the_sds_exactly() {
        // Variances are stored; every SD derived from them must be the SD they came from, so
        // that storing variances changes no number.
        for i in 0..=3000 {
            let cv = i as f64 * 1e-3;
            let o = Omega::new([cv, cv * 0.5, cv * 0.9], [0.3, 0.0, -0.2]).unwrap();
            let w = [cv, cv * 0.5, cv * 0.9].map(omega_from_cv);
            assert_eq!(o.sd(), w, "cv {cv}");
        }
    }
}
