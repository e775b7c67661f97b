//! Type III tests of fixed effects (SAS `Type 3 Tests of Fixed Effects`).
//!
//! Hypothesis of each term, as SAS forms it for a full-rank model:
//! - a term of factors only: its LS-mean contrasts, i.e. for a main effect A the differences of
//!   A's LS means from the reference level (other factors weighted equally, covariates at their
//!   mean), and for A:B the interaction contrasts (a,b) - (a,ref) - (ref,b) + (ref,ref) of the
//!   LS means of the A x B cells, one row per combination of non-reference levels;
//! - a term with a continuous variable: its own coefficients.
//!
//! F = (Lb)' (L Phi L')^-1 (Lb) / q with q = rows of L; SAS prints Chi-Square = q F.
//! Satterthwaite denominator df for q > 1 (Fai & Cornelius 1996, as SAS DDFM=SATTERTHWAITE):
//! with L Phi L' = P D P', nu_m is the one-dimensional Satterthwaite df of the contrast
//! p_m' L; E = sum over nu_m > 2 of nu_m / (nu_m - 2); df = 2E / (E - q) when E > q.
//! Kenward-Roger (1997): Phi_A in the statistic, A1 = sum_ij W_ij tr(Theta Phi D_i Phi)
//! tr(Theta Phi D_j Phi), A2 = sum_ij W_ij tr(Theta Phi D_i Phi Theta Phi D_j Phi) with
//! Theta = L'(L Phi L')^-1 L, then the scale lambda and df m of the paper (for q = 1, lambda = 1
//! and m is the one-contrast df used for the LS means).

use super::data::{Data, Variable};
use super::design::Design;
use super::df::DfContext;
use super::error::MmrmError;
use nalgebra::{DMatrix, DVector, SymmetricEigen};
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor};

/// One row of "Type 3 Tests of Fixed Effects".
#[derive(Debug, Clone, Serialize)]
pub struct TypeIIITest {
    /// The term as in the formula (R notation, `ARMCD:AVISIT`).
    pub effect: String,
    pub num_df: usize,
    pub den_df: f64,
    pub f: f64,
    pub p: f64,
    pub chi_square: f64,
    pub p_chi_square: f64,
}

/// The Type III hypothesis matrix (q x p) of term `ti`.
fn hypothesis(data: &Data, design: &Design, term: &[String], ti: usize) -> Option<DMatrix<f64>> {
    let vars: Vec<usize> = term
        .iter()
        .map(|v| data.vars.iter().position(|(n, _)| n == v))
        .collect::<Option<_>>()?;
    let factors: Option<Vec<(usize, usize, usize)>> = vars
        .iter()
        .map(|&vi| match &data.vars[vi].1 {
            Variable::Factor {
                levels, reference, ..
            } => Some((vi, levels.len(), *reference)),
            Variable::Numeric(_) => None,
        })
        .collect();
    let p = design.p();
    let rows: Vec<DVector<f64>> = match factors {
        None => (0..p)
            .filter(|&j| design.term_of[j] == Some(ti))
            .map(|j| {
                let mut c = DVector::zeros(p);
                c[j] = 1.0;
                c
            })
            .collect(),
        Some(factors) => {
            // Every combination of non-reference levels, first factor fastest.
            let mut combos: Vec<Vec<usize>> = vec![vec![]];
            for &(_, n, reference) in &factors {
                combos = (0..n)
                    .filter(|&l| l != reference)
                    .flat_map(|l| {
                        combos.iter().map(move |c| {
                            let mut c = c.clone();
                            c.push(l);
                            c
                        })
                    })
                    .collect();
            }
            let k = factors.len();
            combos
                .iter()
                .map(|levels| {
                    let mut row = DVector::zeros(p);
                    for subset in 0..(1usize << k) {
                        let at: Vec<(usize, usize)> = factors
                            .iter()
                            .enumerate()
                            .map(|(i, &(vi, _, reference))| {
                                (
                                    vi,
                                    if subset & (1 << i) != 0 {
                                        levels[i]
                                    } else {
                                        reference
                                    },
                                )
                            })
                            .collect();
                        let sign = if (k - subset.count_ones() as usize) & 1 == 0 {
                            1.0
                        } else {
                            -1.0
                        };
                        row += design.lsmeans_vector(data, &at) * sign;
                    }
                    row
                })
                .collect()
        }
    };
    if rows.is_empty() {
        return None;
    }
    Some(DMatrix::from_fn(rows.len(), p, |i, j| rows[i][j]))
}

/// Satterthwaite df of a multi-row hypothesis (Fai & Cornelius 1996).
fn satterthwaite_df(l: &DMatrix<f64>, ctx: &DfContext) -> f64 {
    let q = l.nrows();
    let c = l * ctx.phi * l.transpose();
    let eig = SymmetricEigen::new(c);
    let e: f64 = (0..q)
        .map(|m| {
            let lm: DVector<f64> = l.tr_mul(&eig.eigenvectors.column(m).into_owned());
            let (_, nu) = DfContext {
                phi_adj: None,
                ..*ctx
            }
            .variance_and_df(&lm);
            nu
        })
        .filter(|nu| *nu > 2.0)
        .map(|nu| nu / (nu - 2.0))
        .sum();
    if e > q as f64 {
        2.0 * e / (e - q as f64)
    } else {
        f64::NAN
    }
}

/// Kenward-Roger scale lambda and df m of a q-row hypothesis.
fn kenward_roger(l: &DMatrix<f64>, ctx: &DfContext) -> Option<(f64, f64)> {
    let q = l.nrows() as f64;
    let c = l * ctx.phi * l.transpose();
    let theta = l.transpose() * c.try_inverse()? * l;
    let m: Vec<DMatrix<f64>> = ctx
        .d
        .iter()
        .map(|d| &theta * ctx.phi * d * ctx.phi)
        .collect();
    let (mut a1, mut a2) = (0.0, 0.0);
    for (i, mi) in m.iter().enumerate() {
        for (j, mj) in m.iter().enumerate() {
            let w = ctx.w[(i, j)];
            a1 += w * mi.trace() * mj.trace();
            a2 += w * (mi * mj).trace();
        }
    }
    let b = (a1 + 6.0 * a2) / (2.0 * q);
    let g = ((q + 1.0) * a1 - (q + 4.0) * a2) / ((q + 2.0) * a2);
    let den = 3.0 * q + 2.0 * (1.0 - g);
    let (c1, c2, c3) = (g / den, (q - g) / den, (q + 2.0 - g) / den);
    let e_star = 1.0 / (1.0 - a2 / q);
    let v_star = (2.0 / q) * (1.0 + c1 * b) / ((1.0 - c2 * b).powi(2) * (1.0 - c3 * b));
    let rho = v_star / (2.0 * e_star * e_star);
    let df = 4.0 + (q + 2.0) / (q * rho - 1.0);
    let lambda = df / (e_star * (df - 2.0));
    (df.is_finite() && lambda.is_finite()).then_some((lambda, df))
}

/// Type III tests of every term of the model.
pub(crate) fn tests(
    data: &Data,
    design: &Design,
    terms: &[Vec<String>],
    beta: &DVector<f64>,
    ctx: &DfContext,
) -> Result<Vec<TypeIIITest>, MmrmError> {
    let mut out = Vec::new();
    for (ti, term) in terms.iter().enumerate() {
        let Some(l) = hypothesis(data, design, term, ti) else {
            continue;
        };
        let q = l.nrows();
        let lb = &l * beta;
        let phi = ctx.phi_adj.unwrap_or(ctx.phi);
        let c = &l * phi * l.transpose();
        let Some(c_inv) = c.clone().try_inverse() else {
            return Err(MmrmError::Data(format!(
                "the Type III hypothesis of {} is not estimable",
                term.join(":")
            )));
        };
        let f0 = lb.dot(&(c_inv * &lb)) / q as f64;
        let (f, den_df) = match ctx.phi_adj {
            None => (f0, satterthwaite_df(&l, ctx)),
            Some(_) => match kenward_roger(&l, ctx) {
                Some((lambda, m)) => (lambda * f0, m),
                None => (f0, f64::NAN),
            },
        };
        let den_df = if den_df.is_finite() {
            den_df.clamp(1.0, 1e6)
        } else {
            1e6
        };
        let p = FisherSnedecor::new(q as f64, den_df)
            .map(|d| d.sf(f))
            .unwrap_or(1.0);
        let chi_square = f0 * q as f64;
        let p_chi_square = ChiSquared::new(q as f64)
            .map(|d| d.sf(chi_square))
            .unwrap_or(1.0);
        out.push(TypeIIITest {
            effect: term.join(":"),
            num_df: q,
            den_df,
            f,
            p,
            chi_square,
            p_chi_square,
        });
    }
    Ok(out)
}
