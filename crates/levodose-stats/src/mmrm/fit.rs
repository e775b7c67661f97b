//! REML for the unstructured-covariance MMRM, computed from sufficient statistics per missingness
//! pattern.
//!
//! Subject i with observed visits P has y_i ~ N(X_i b, S_P), S_P the rows/columns P of the m x m
//! matrix S. With W_P = S_P^-1, A = sum_i X_i' W_P X_i, M = A^-1, b = M sum_i X_i' W_P y_i:
//!
//!   -2 l_R(S) = (n - p) ln 2pi + sum_i ln|S_P| + ln|A| + sum_i r_i' W_P r_i,  r_i = y_i - X_i b.
//!
//! Per pattern the statistics sum_i x_ic x_id', sum_i x_ic y_id and sum_i y_ic y_id (c, d visits
//! of P) are formed once, so an evaluation costs O(patterns k^2 p^2) whatever the sample size.
//! Because b minimises the quadratic form, the gradient is (envelope theorem)
//!
//!   d(-2 l_R) = tr(G dS),  G = sum_P E_P' W_P (n_P S_P - R_P - Q_P) W_P E_P,
//!
//! with R_P = sum_i r_i r_i' and Q_P = sum_i X_i M X_i'. Derivatives are taken in the linear
//! parameters sigma_ab (SAS UN(a,b)); the optimiser follows PROC MIXED (MIVQUE0 start,
//! Newton-Raphson with the observed Hessian, relative Hessian convergence criterion), which
//! reproduces its iteration history.

use nalgebra::{Cholesky, DMatrix, DVector};

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Sufficient statistics of the subjects sharing one set of observed visits.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    pub visits: Vec<usize>,
    pub n: usize,
    /// p^2 x k^2; column c + k d is vec(sum_i x_ic x_id').
    pub sxx: DMatrix<f64>,
    /// p x k^2; column c + k d is sum_i x_ic y_id.
    sxy: DMatrix<f64>,
    /// k^2; entry c + k d is sum_i y_ic y_id.
    syy: DVector<f64>,
}

/// The REML problem: dimensions and pattern statistics.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub m: usize,
    pub p: usize,
    pub n_obs: usize,
    pub patterns: Vec<Pattern>,
}

/// One evaluation of -2 l_R at a covariance matrix.
#[derive(Debug, Clone)]
pub(crate) struct Eval {
    pub f: f64,
    pub beta: DVector<f64>,
    /// (X' V^-1 X)^-1
    pub m_inv: DMatrix<f64>,
    /// W_P per pattern.
    pub w: Vec<DMatrix<f64>>,
    /// d(-2 l_R)/dS as a symmetric m x m matrix (when requested).
    pub grad: Option<DMatrix<f64>>,
}

/// Index pairs (a, b), a >= b, in SAS order UN(1,1), UN(2,1), UN(2,2), UN(3,1), ...
pub(crate) fn param_pairs(m: usize) -> Vec<(usize, usize)> {
    (0..m).flat_map(|a| (0..=a).map(move |b| (a, b))).collect()
}

impl Problem {
    /// `x`: model matrix of the observed rows; `y`, `subject`, `visit`: per model row.
    pub fn new(
        x: &DMatrix<f64>,
        y: &[f64],
        subject: &[usize],
        visit: &[usize],
        m: usize,
    ) -> Problem {
        let p = x.ncols();
        let mut order: Vec<usize> = (0..y.len()).collect();
        order.sort_by_key(|&r| (subject[r], visit[r]));
        // (mask, rows of one subject)
        let mut groups: Vec<(u64, Vec<usize>)> = Vec::new();
        for r in order {
            match groups.last_mut() {
                Some((mask, rows)) if subject[rows[0]] == subject[r] => {
                    *mask |= 1 << visit[r];
                    rows.push(r);
                }
                _ => groups.push((1 << visit[r], vec![r])),
            }
        }
        groups.sort_by_key(|g| g.0);
        let mut patterns = Vec::new();
        let mut start = 0;
        while start < groups.len() {
            let mask = groups[start].0;
            let end = start + groups[start..].iter().take_while(|g| g.0 == mask).count();
            let members = &groups[start..end];
            let visits: Vec<usize> = (0..m).filter(|v| mask & (1 << v) != 0).collect();
            let k = visits.len();
            let n = members.len();
            let mut z = DMatrix::<f64>::zeros(n, k * p);
            let mut yy = DMatrix::<f64>::zeros(n, k);
            for (i, (_, rows)) in members.iter().enumerate() {
                for (c, &r) in rows.iter().enumerate() {
                    for j in 0..p {
                        z[(i, c * p + j)] = x[(r, j)];
                    }
                    yy[(i, c)] = y[r];
                }
            }
            let ztz = z.tr_mul(&z);
            let zty = z.tr_mul(&yy);
            let yty = yy.tr_mul(&yy);
            let mut sxx = DMatrix::<f64>::zeros(p * p, k * k);
            let mut sxy = DMatrix::<f64>::zeros(p, k * k);
            let mut syy = DVector::<f64>::zeros(k * k);
            for d in 0..k {
                for c in 0..k {
                    let col = c + k * d;
                    for j in 0..p {
                        for i in 0..p {
                            sxx[(i + p * j, col)] = ztz[(c * p + i, d * p + j)];
                        }
                        sxy[(j, col)] = zty[(c * p + j, d)];
                    }
                    syy[col] = yty[(c, d)];
                }
            }
            patterns.push(Pattern {
                visits,
                n,
                sxx,
                sxy,
                syy,
            });
            start = end;
        }
        Problem {
            m,
            p,
            n_obs: y.len(),
            patterns,
        }
    }

    pub fn n_params(&self) -> usize {
        self.m * (self.m + 1) / 2
    }

    /// -2 l_R, the GLS estimate and optionally the gradient; `None` if S or A is not positive
    /// definite.
    pub fn eval(&self, sigma: &DMatrix<f64>, with_grad: bool) -> Option<Eval> {
        let p = self.p;
        let mut a = DMatrix::<f64>::zeros(p, p);
        let mut b = DVector::<f64>::zeros(p);
        let mut yvy = 0.0;
        let mut logdet = 0.0;
        let mut ws = Vec::with_capacity(self.patterns.len());
        for pat in &self.patterns {
            let k = pat.visits.len();
            let sp = DMatrix::from_fn(k, k, |i, j| sigma[(pat.visits[i], pat.visits[j])]);
            let chol = Cholesky::new(sp)?;
            logdet += pat.n as f64
                * 2.0
                * chol
                    .l_dirty()
                    .diagonal()
                    .iter()
                    .map(|d| d.ln())
                    .sum::<f64>();
            let w = chol.inverse();
            let vec_w = DVector::from_column_slice(w.as_slice());
            let av = &pat.sxx * &vec_w;
            a += DMatrix::from_column_slice(p, p, av.as_slice());
            b += &pat.sxy * &vec_w;
            yvy += pat.syy.dot(&vec_w);
            ws.push(w);
        }
        a = (&a + a.transpose()) * 0.5;
        let chol_a = Cholesky::new(a)?;
        let logdet_a = 2.0
            * chol_a
                .l_dirty()
                .diagonal()
                .iter()
                .map(|d| d.ln())
                .sum::<f64>();
        let beta = chol_a.solve(&b);
        let m_inv = chol_a.inverse();
        let quad = yvy - b.dot(&beta);
        let f = (self.n_obs - p) as f64 * LN_2PI + logdet + logdet_a + quad;
        if !f.is_finite() {
            return None;
        }
        let grad = with_grad.then(|| self.gradient(sigma, &beta, &m_inv, &ws));
        Some(Eval {
            f,
            beta,
            m_inv,
            w: ws,
            grad,
        })
    }

    fn gradient(
        &self,
        sigma: &DMatrix<f64>,
        beta: &DVector<f64>,
        m_inv: &DMatrix<f64>,
        ws: &[DMatrix<f64>],
    ) -> DMatrix<f64> {
        let mut u = m_inv + beta * beta.transpose();
        u = (&u + u.transpose()) * 0.5;
        let vec_u = DVector::from_column_slice(u.as_slice());
        let mut g = DMatrix::<f64>::zeros(self.m, self.m);
        for (pat, w) in self.patterns.iter().zip(ws) {
            let k = pat.visits.len();
            let t = pat.sxx.tr_mul(&vec_u);
            let bt = pat.sxy.tr_mul(beta);
            let inner = DMatrix::from_fn(k, k, |c, d| {
                pat.n as f64 * sigma[(pat.visits[c], pat.visits[d])] - pat.syy[c + k * d]
                    + bt[c + k * d]
                    + bt[d + k * c]
                    - t[c + k * d]
            });
            let gp = w * inner * w;
            for c in 0..k {
                for d in 0..k {
                    g[(pat.visits[c], pat.visits[d])] += gp[(c, d)];
                }
            }
        }
        (&g + g.transpose()) * 0.5
    }

    /// D_i = X' V^-1 (dV/dsigma_i) V^-1 X for each linear parameter sigma_i (SAS order), so
    /// that dM/dsigma_i = M D_i M.
    pub fn d_matrices(&self, ws: &[DMatrix<f64>]) -> Vec<DMatrix<f64>> {
        let p = self.p;
        param_pairs(self.m)
            .into_iter()
            .map(|(a, b)| {
                let mut acc = DVector::<f64>::zeros(p * p);
                for (pat, w) in self.patterns.iter().zip(ws) {
                    let (Some(ia), Some(ib)) = (
                        pat.visits.iter().position(|&v| v == a),
                        pat.visits.iter().position(|&v| v == b),
                    ) else {
                        continue;
                    };
                    let wa = w.column(ia);
                    let wb = w.column(ib);
                    let mut wvw = wa * wb.transpose();
                    if a != b {
                        wvw += wb * wa.transpose();
                    }
                    acc += &pat.sxx * DVector::from_column_slice(wvw.as_slice());
                }
                let d = DMatrix::from_column_slice(p, p, acc.as_slice());
                (&d + d.transpose()) * 0.5
            })
            .collect()
    }

    /// sum_ij C_ij X' V^-1 V_i V^-1 V_j V^-1 X for a symmetric q x q weight matrix C (the
    /// Kenward-Roger Q term).
    pub fn weighted_q(&self, ws: &[DMatrix<f64>], c: &DMatrix<f64>) -> DMatrix<f64> {
        let p = self.p;
        let pairs = param_pairs(self.m);
        let mut acc = DVector::<f64>::zeros(p * p);
        for (pat, w) in self.patterns.iter().zip(ws) {
            let k = pat.visits.len();
            let pos: Vec<Option<usize>> = (0..self.m)
                .map(|v| pat.visits.iter().position(|&x| x == v))
                .collect();
            let vmat = |coef: &dyn Fn(usize) -> f64| {
                let mut out = DMatrix::<f64>::zeros(k, k);
                for (i, &(a, b)) in pairs.iter().enumerate() {
                    if let (Some(ia), Some(ib)) = (pos[a], pos[b]) {
                        let v = coef(i);
                        out[(ia, ib)] += v;
                        if a != b {
                            out[(ib, ia)] += v;
                        }
                    }
                }
                out
            };
            let mut inner = DMatrix::<f64>::zeros(k, k);
            for i in 0..pairs.len() {
                let vi = vmat(&|j| f64::from(u8::from(j == i)));
                if vi.iter().all(|&x| x == 0.0) {
                    continue;
                }
                let vt = vmat(&|j| c[(i, j)]);
                inner += vi * w * vt;
            }
            let kp = w * inner * w;
            let kp = (&kp + kp.transpose()) * 0.5;
            acc += &pat.sxx * DVector::from_column_slice(kp.as_slice());
        }
        let q = DMatrix::from_column_slice(p, p, acc.as_slice());
        (&q + q.transpose()) * 0.5
    }

    /// Gradient of -2 l_R in the linear parameters sigma_ab (SAS order).
    pub fn sigma_gradient(&self, g: &DMatrix<f64>) -> DVector<f64> {
        DVector::from_iterator(
            self.n_params(),
            param_pairs(self.m)
                .into_iter()
                .map(|(a, b)| if a == b { g[(a, a)] } else { 2.0 * g[(a, b)] }),
        )
    }

    /// Hessian of -2 l_R in sigma by central differences of the analytic gradient (a check
    /// of [`Problem::information`]).
    #[cfg(test)]
    pub fn sigma_hessian(&self, sigma: &DMatrix<f64>) -> Option<DMatrix<f64>> {
        let pairs = param_pairs(self.m);
        let q = pairs.len();
        let mut h = DMatrix::<f64>::zeros(q, q);
        for (i, &(a, b)) in pairs.iter().enumerate() {
            let step = 1e-5 * (sigma[(a, a)] * sigma[(b, b)]).sqrt();
            let mut grads = Vec::with_capacity(2);
            for sign in [1.0, -1.0] {
                let mut s = sigma.clone();
                s[(a, b)] += sign * step;
                if a != b {
                    s[(b, a)] += sign * step;
                }
                let e = self.eval(&s, true)?;
                grads.push(self.sigma_gradient(e.grad.as_ref()?));
            }
            h.set_column(i, &((&grads[0] - &grads[1]) / (2.0 * step)));
        }
        Some((&h + h.transpose()) * 0.5)
    }

    /// Observed and expected information of -2 l_R in sigma, with the analytic results
    /// (P = V^-1 - V^-1 X M X' V^-1, so P y = V^-1 r):
    ///
    ///   d/dsigma_i = tr(P V_i) - y'P V_i P y,
    ///   expected  E_ij = tr(P V_i P V_j)
    ///             = sum_P n_P tr(W V_i W V_j) - 2 tr(M Q_ij) + tr(M D_i M D_j),
    ///   observed  H_ij = -E_ij + 2 y'P V_i P V_j P y,
    ///   y'P V_i P V_j P y = sum_P tr(W V_i W V_j W R_P) - e_i' M e_j,  e_i = X'V^-1 V_i V^-1 r,
    ///   u_i = y'P V_i P y = sum_P tr(V_i W R_P W).
    ///
    /// V_i has ones at (a, b) and (b, a), so tr(V_i Z) = Z_ab + Z_ba reads two entries.
    pub fn information(&self, sigma: &DMatrix<f64>) -> Option<Information> {
        let eval = self.eval(sigma, true)?;
        let grad = self.sigma_gradient(eval.grad.as_ref()?);
        let (p, q) = (self.p, self.n_params());
        let pairs = param_pairs(self.m);
        let d = self.d_matrices(&eval.w);
        let m_inv = &eval.m_inv;
        let beta = &eval.beta;
        let vec_m = DVector::from_column_slice(m_inv.as_slice());
        let vec_bb = DVector::from_column_slice((beta * beta.transpose()).as_slice());
        let mut expected = DMatrix::<f64>::zeros(q, q);
        let mut quad = DMatrix::<f64>::zeros(q, q);
        let mut e_vec = DMatrix::<f64>::zeros(p, q);
        let mut u = DVector::<f64>::zeros(q);
        for (pat, w) in self.patterns.iter().zip(&eval.w) {
            let k = pat.visits.len();
            let pos: Vec<Option<usize>> = (0..self.m)
                .map(|v| pat.visits.iter().position(|&x| x == v))
                .collect();
            let t_m = pat.sxx.tr_mul(&vec_m);
            let t_bb = pat.sxx.tr_mul(&vec_bb);
            let bt = pat.sxy.tr_mul(beta);
            let q_p = DMatrix::from_column_slice(k, k, t_m.as_slice());
            let r_p = DMatrix::from_fn(k, k, |c, dd| {
                pat.syy[c + k * dd] - bt[c + k * dd] - bt[dd + k * c] + t_bb[c + k * dd]
            });
            // sum_i x_ic r_id = sum_i x_ic y_id - (sum_i x_ic x_id') b
            let mut sxr = pat.sxy.clone();
            for col in 0..k * k {
                let b_cd = DMatrix::from_column_slice(p, p, pat.sxx.column(col).as_slice());
                let v = &b_cd * beta;
                for r in 0..p {
                    sxr[(r, col)] -= v[r];
                }
            }
            let tr_v = |(a, b): (usize, usize), z: &DMatrix<f64>| -> f64 {
                match (pos[a], pos[b]) {
                    (Some(ia), Some(_)) if a == b => z[(ia, ia)],
                    (Some(ia), Some(ib)) => z[(ia, ib)] + z[(ib, ia)],
                    _ => 0.0,
                }
            };
            let wrw = w * &r_p * w;
            for (j, &(a, b)) in pairs.iter().enumerate() {
                let (Some(ia), Some(ib)) = (pos[a], pos[b]) else {
                    continue;
                };
                u[j] += tr_v((a, b), &wrw);
                let wa = w.column(ia);
                let wb = w.column(ib);
                let mut wvw = wa * wb.transpose();
                if a != b {
                    wvw += wb * wa.transpose();
                }
                let z_q = &wvw * &q_p * w;
                let z_r = &wvw * &r_p * w;
                for (i, &pair) in pairs.iter().enumerate() {
                    expected[(i, j)] += pat.n as f64 * tr_v(pair, &wvw) - 2.0 * tr_v(pair, &z_q);
                    quad[(i, j)] += tr_v(pair, &z_r);
                }
                let ej = &sxr * DVector::from_column_slice(wvw.as_slice());
                let mut col = e_vec.column_mut(j);
                col += ej;
            }
        }
        let md: Vec<DMatrix<f64>> = d.iter().map(|di| m_inv * di).collect();
        let me = m_inv * &e_vec;
        let mut observed = DMatrix::<f64>::zeros(q, q);
        for i in 0..q {
            for j in 0..q {
                let tr_mdmd = md[i].component_mul(&md[j].transpose()).sum();
                expected[(i, j)] += tr_mdmd;
                observed[(i, j)] =
                    -expected[(i, j)] + 2.0 * (quad[(i, j)] - e_vec.column(i).dot(&me.column(j)));
            }
        }
        let sym = |x: DMatrix<f64>| (&x + x.transpose()) * 0.5;
        Some(Information {
            sigma: sigma.clone(),
            eval,
            grad,
            observed: sym(observed),
            expected: sym(expected),
            score_u: u,
            d,
        })
    }

    /// MIVQUE0 (the PROC MIXED starting values): sigma = E(I)^-1 u(I), the expected information
    /// and u evaluated at V = I.
    pub fn mivque0(&self) -> Option<DMatrix<f64>> {
        let info = self.information(&DMatrix::identity(self.m, self.m))?;
        let s = Cholesky::new(info.expected)?.solve(&info.score_u);
        let sigma = self.to_matrix(&s);
        Cholesky::new(sigma.clone()).map(|_| sigma)
    }

    /// Symmetric m x m matrix from linear parameters in SAS order.
    pub fn to_matrix(&self, s: &DVector<f64>) -> DMatrix<f64> {
        let mut out = DMatrix::<f64>::zeros(self.m, self.m);
        for (i, (a, b)) in param_pairs(self.m).into_iter().enumerate() {
            out[(a, b)] = s[i];
            out[(b, a)] = s[i];
        }
        out
    }

    pub fn to_vector(&self, sigma: &DMatrix<f64>) -> DVector<f64> {
        DVector::from_iterator(
            self.n_params(),
            param_pairs(self.m).into_iter().map(|(a, b)| sigma[(a, b)]),
        )
    }
}

/// -2 l_R at a covariance estimate with its derivatives in sigma.
#[derive(Debug, Clone)]
pub(crate) struct Information {
    pub sigma: DMatrix<f64>,
    pub eval: Eval,
    pub grad: DVector<f64>,
    pub observed: DMatrix<f64>,
    pub expected: DMatrix<f64>,
    score_u: DVector<f64>,
    /// D_i = X'V^-1 V_i V^-1 X.
    pub d: Vec<DMatrix<f64>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 60 subjects x 3 visits, some visits missing, two covariates.
    fn toy() -> Problem {
        let mut x = Vec::new();
        let (mut y, mut subject, mut visit) = (Vec::new(), Vec::new(), Vec::new());
        let mut state = 12345u64;
        let mut unif = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for s in 0..60 {
            let arm = (s % 2) as f64;
            let base = unif() * 4.0;
            let u = unif() * 2.0 - 1.0;
            for v in 0..3 {
                if (s % 7 == 0 && v == 2) || (s % 11 == 0 && v == 1) {
                    continue;
                }
                x.extend([
                    1.0,
                    arm,
                    f64::from(u8::from(v == 1)),
                    f64::from(u8::from(v == 2)),
                    base,
                ]);
                y.push(1.0 + arm * v as f64 + base * 0.5 + u * (1.0 + v as f64) + unif() * 3.0);
                subject.push(s);
                visit.push(v);
            }
        }
        let n = y.len();
        let x = DMatrix::from_row_slice(n, 5, &x);
        Problem::new(&x, &y, &subject, &visit, 3)
    }

    #[test]
    fn analytic_derivatives_match_finite_differences() {
        let pr = toy();
        let sigma = DMatrix::from_row_slice(3, 3, &[2.0, 0.5, 0.3, 0.5, 3.0, 0.8, 0.3, 0.8, 4.0]);
        let info = pr.information(&sigma).unwrap();
        let fd = pr.sigma_hessian(&sigma).unwrap();
        let scale = fd.amax();
        assert!(
            (&info.observed - &fd).amax() < 1e-6 * scale,
            "{} vs {}",
            info.observed,
            fd
        );
        // gradient by central differences of f
        for (i, (a, b)) in param_pairs(3).into_iter().enumerate() {
            let h = 1e-5;
            let mut sp = sigma.clone();
            let mut sm = sigma.clone();
            for (s, sign) in [(&mut sp, 1.0), (&mut sm, -1.0)] {
                s[(a, b)] += sign * h;
                if a != b {
                    s[(b, a)] += sign * h;
                }
            }
            let g = (pr.eval(&sp, false).unwrap().f - pr.eval(&sm, false).unwrap().f) / (2.0 * h);
            assert!(
                (g - info.grad[i]).abs() < 1e-5 * (1.0 + g.abs()),
                "gradient {i}: {g} vs {}",
                info.grad[i]
            );
        }
    }
}
