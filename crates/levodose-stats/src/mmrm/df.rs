//! Denominator degrees of freedom for a contrast c'b: Satterthwaite and Kenward-Roger.
//!
//! With Phi = (X'V^-1 X)^-1, D_i = X'V^-1 V_i V^-1 X (V_i = dV/dsigma_i, so dPhi/dsigma_i =
//! Phi D_i Phi) and W the asymptotic covariance of the covariance parameters (twice the inverse
//! Hessian of -2 l_R):
//!
//! Satterthwaite: v = c'Phi c, g_i = c'Phi D_i Phi c, df = 2 v^2 / (g'W g).
//!
//! Kenward-Roger (1997), linear covariance parameters (R_ij = 0, as SAS for type=un):
//! Phi_A = Phi + 2 Phi [sum_ij W_ij (Q_ij - D_i Phi D_j)] Phi, Q_ij = X'V^-1 V_i V^-1 V_j V^-1 X;
//! for one contrast (l = 1) A1 = A2 = g'W g / v^2, B = (A1 + 6 A2) / 2, g = ((l+1) A1 - (l+4) A2)
//! / ((l+2) A2), c1 = g / (3l + 2(1-g)), c2 = (l-g) / (3l + 2(1-g)), c3 = (l+2-g) / (3l + 2(1-g)),
//! E* = 1 / (1 - A2/l), V* = (2/l)(1 + c1 B) / ((1 - c2 B)^2 (1 - c3 B)), rho = V* / (2 E*^2),
//! df = 4 + (l+2) / (l rho - 1); the standard error uses Phi_A.

use nalgebra::{DMatrix, DVector};

/// What the contrasts need from a fit.
pub(crate) struct DfContext<'a> {
    pub phi: &'a DMatrix<f64>,
    pub d: &'a [DMatrix<f64>],
    pub w: &'a DMatrix<f64>,
    /// Kenward-Roger adjusted covariance of b, if that method is used.
    pub phi_adj: Option<&'a DMatrix<f64>>,
}

impl DfContext<'_> {
    /// Variance of c'b (adjusted under Kenward-Roger) and its degrees of freedom.
    pub fn variance_and_df(&self, c: &DVector<f64>) -> (f64, f64) {
        let v0 = c.dot(&(self.phi * c));
        let u = self.phi * c;
        let g = DVector::from_iterator(self.d.len(), self.d.iter().map(|d| u.dot(&(d * &u))));
        let gwg = g.dot(&(self.w * &g));
        match self.phi_adj {
            None => (v0, 2.0 * v0 * v0 / gwg),
            Some(adj) => (c.dot(&(adj * c)), kr_df_1(gwg / (v0 * v0))),
        }
    }
}

/// Kenward-Roger df for a single contrast (l = 1), where A1 = A2.
fn kr_df_1(a2: f64) -> f64 {
    let l = 1.0;
    let a1 = a2;
    let b = (a1 + 6.0 * a2) / (2.0 * l);
    let g = ((l + 1.0) * a1 - (l + 4.0) * a2) / ((l + 2.0) * a2);
    let den = 3.0 * l + 2.0 * (1.0 - g);
    let (c1, c2, c3) = (g / den, (l - g) / den, (l + 2.0 - g) / den);
    let e_star = 1.0 / (1.0 - a2 / l);
    let v_star = (2.0 / l) * (1.0 + c1 * b) / ((1.0 - c2 * b).powi(2) * (1.0 - c3 * b));
    let rho = v_star / (2.0 * e_star * e_star);
    4.0 + (l + 2.0) / (l * rho - 1.0)
}

/// Phi_A = Phi + 2 Phi [sum_ij W_ij Q_ij - sum_ij W_ij D_i Phi D_j] Phi.
pub(crate) fn kr_adjusted(
    phi: &DMatrix<f64>,
    d: &[DMatrix<f64>],
    w: &DMatrix<f64>,
    weighted_q: &DMatrix<f64>,
) -> DMatrix<f64> {
    let p = phi.nrows();
    let mut pp = DMatrix::<f64>::zeros(p, p);
    for (i, di) in d.iter().enumerate() {
        let mut wd = DMatrix::<f64>::zeros(p, p);
        for (j, dj) in d.iter().enumerate() {
            wd += dj * w[(i, j)];
        }
        pp += di * phi * wd;
    }
    let inner = weighted_q - pp;
    let adj = phi + phi * inner * phi * 2.0;
    (&adj + adj.transpose()) * 0.5
}
