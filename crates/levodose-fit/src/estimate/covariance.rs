//! The covariance step: the Hessian of the OFV by central differences, R (2 H^-1) or the
//! sandwich R^-1 S R^-1, carried to the reported scale by the Jacobian of the parameterisation.

use super::objective::{Objective, Slot, Values, GRADIENT_STEP};
use super::outer::Estimate;
use super::types::{CovarianceMethod, CovarianceSummary};
use levodose::finding::{Finding, Severity};
use nalgebra::{DMatrix, DVector};

/// Step of the second differences of the OFV in the outer parameters.
const HESSIAN_STEP: f64 = 1e-3;

/// The covariance of the estimates on the reported scale (typical values, coefficients, omega
/// entries, SDs), in slot order; None without a covariance step or with a singular Hessian.
pub(super) struct Covariance {
    pub reported: Option<DMatrix<f64>>,
    pub summary: Option<CovarianceSummary>,
}

impl Covariance {
    /// The standard error of the first slot that `slot` accepts.
    pub fn se(&self, slots: &[Slot], slot: &dyn Fn(&Slot) -> bool) -> Option<f64> {
        let rc = self.reported.as_ref()?;
        let k = slots.iter().position(slot)?;
        let var = rc[(k, k)];
        (var > 0.0).then(|| var.sqrt())
    }
}

pub(super) fn covariance(
    objective: &Objective,
    est: &Estimate,
    method: CovarianceMethod,
    findings: &mut Vec<Finding>,
) -> Covariance {
    let problem = objective.problem;
    let n = problem.slots.len();
    let cov_x = if n > 0 && method != CovarianceMethod::None {
        outer_covariance(objective, est, method, findings)
    } else {
        None
    };
    let reported = cov_x.map(|cx| {
        let j = jacobian(&problem.slots, &est.values);
        &j * cx * j.transpose()
    });
    let summary = reported.as_ref().map(|rc| CovarianceSummary {
        method,
        names: problem.slots.iter().map(|s| problem.slot_name(s)).collect(),
        ..correlation_summary(rc)
    });
    Covariance { reported, summary }
}

/// The covariance of the outer parameters; None (and a finding) when the Hessian is not
/// positive definite.
fn outer_covariance(
    objective: &Objective,
    est: &Estimate,
    method: CovarianceMethod,
    findings: &mut Vec<Finding>,
) -> Option<DMatrix<f64>> {
    let problem = objective.problem;
    let (x, n) = (&est.x, problem.slots.len());
    let hs = HESSIAN_STEP;
    let f0 = est.ofv;
    let fat = |d: &[(usize, f64)]| {
        let mut xx = x.clone();
        for &(k, s) in d {
            xx[k] += s;
        }
        objective.eval(&xx, false)
    };
    let mut hess = DMatrix::zeros(n, n);
    for i in 0..n {
        hess[(i, i)] = (fat(&[(i, hs)]) - 2.0 * f0 + fat(&[(i, -hs)])) / (hs * hs);
        for j in 0..i {
            let v =
                (fat(&[(i, hs), (j, hs)]) - fat(&[(i, hs), (j, -hs)]) - fat(&[(i, -hs), (j, hs)])
                    + fat(&[(i, -hs), (j, -hs)]))
                    / (4.0 * hs * hs);
            hess[(i, j)] = v;
            hess[(j, i)] = v;
        }
    }
    let Some(c) = hess.clone().cholesky() else {
        findings.push(Finding::new("FIT-COV-SINGULAR", Severity::Warning, "covariance step: the Hessian of the OFV is not positive definite (singular or not at a minimum); no standard errors", "levodose-fit")
            .with_suggestion("fix poorly identified parameters or simplify the omega structure"));
        return None;
    };
    let hinv = c.inverse();
    Some(match method {
        CovarianceMethod::Sandwich => {
            // S = sum_i grad OFV_i grad OFV_i' by central differences per subject.
            let h = GRADIENT_STEP;
            let starts = objective.starts();
            let n_subjects = problem.subjects.len();
            let mut grads = vec![DVector::zeros(n); n_subjects];
            for k in 0..n {
                let mut xp = x.clone();
                xp[k] += h;
                let vp = problem.values(&xp);
                let mp = problem.modes(&vp, &starts);
                xp[k] -= 2.0 * h;
                let vm = problem.values(&xp);
                let mm = problem.modes(&vm, &starts);
                if let (Ok(mp), Ok(mm)) = (mp, mm) {
                    for i in 0..n_subjects {
                        grads[i][k] = (mp[i].ofv - mm[i].ofv) / (2.0 * h);
                    }
                }
            }
            let mut s = DMatrix::zeros(n, n);
            for g in &grads {
                s += g * g.transpose();
            }
            &hinv * s * &hinv
        }
        _ => 2.0 * hinv,
    })
}

/// Jacobian from the outer parameters to the reported scale.
fn jacobian(slots: &[Slot], v: &Values) -> DMatrix<f64> {
    let n = slots.len();
    let mut j = DMatrix::zeros(n, n);
    for (k, s) in slots.iter().enumerate() {
        match *s {
            Slot::Theta(t) => j[(k, k)] = v.theta[t],
            Slot::Coef(_) => j[(k, k)] = 1.0,
            Slot::Additive => j[(k, k)] = v.additive_sd.unwrap_or(0.0),
            Slot::Proportional => j[(k, k)] = v.proportional_sd.unwrap_or(0.0),
            _ => {}
        }
    }
    // Omega entries: d(L L')_pq / dL_ab = [p = a] L_qb + [q = a] L_pb; the diagonal of L
    // is parameterised by its log (chain factor L_aa).
    let entry = |s: &Slot| match *s {
        Slot::CholDiag(e) => Some((e, e)),
        Slot::CholOff(i, m) => Some((i, m)),
        _ => None,
    };
    for (r, s) in slots.iter().enumerate() {
        let Some((p, q)) = entry(s) else { continue };
        for (k, s2) in slots.iter().enumerate() {
            let Some((a, b)) = entry(s2) else { continue };
            let mut d = 0.0;
            if p == a {
                d += v.chol[(q, b)];
            }
            if q == a {
                d += v.chol[(p, b)];
            }
            if a == b {
                d *= v.chol[(a, a)];
            }
            j[(r, k)] = d;
        }
    }
    j
}

/// The correlation matrix of `rc` and its condition number (method and names left to fill).
fn correlation_summary(rc: &DMatrix<f64>) -> CovarianceSummary {
    let n = rc.nrows();
    let d: Vec<f64> = (0..n).map(|i| rc[(i, i)].max(0.0).sqrt()).collect();
    let mut corr = DMatrix::zeros(n, n);
    for i in 0..n {
        for k in 0..n {
            corr[(i, k)] = if d[i] > 0.0 && d[k] > 0.0 {
                rc[(i, k)] / (d[i] * d[k])
            } else {
                0.0
            };
        }
    }
    let eig = corr.clone().symmetric_eigen().eigenvalues;
    let (mx, mn) = (eig.max(), eig.min());
    CovarianceSummary {
        method: CovarianceMethod::None,
        names: Vec::new(),
        correlation: (0..n)
            .map(|i| (0..n).map(|k| corr[(i, k)]).collect())
            .collect(),
        condition_number: if mn > 0.0 { mx / mn } else { f64::INFINITY },
    }
}
