//! Mixed model for repeated measures (MMRM) as SAS PROC MIXED fits it:
//! `REPEATED VISIT / SUBJECT=ID TYPE=UN`, `METHOD=REML`, `DDFM=SATTERTHWAITE` (or `KR`),
//! `LSMEANS ARM*VISIT / DIFF CL`.
//!
//! Outcomes that are missing are dropped row by row (likelihood analysis, valid under MAR).
//! The covariance is unstructured over visits; the fixed effects come from a formula in R `mmrm`
//! notation ([`Formula`]). Errors (singular design, empty visit, non-convergence) are returned as
//! [`MmrmError`], never as NaN.
//!
//! ```
//! use levodose_stats::mmrm::{fit, Data, ModelSpec};
//! let visits = vec!["W1".to_string(), "W2".to_string()];
//! let (mut subject, mut visit, mut y, mut arm) = (vec![], vec![], vec![], vec![]);
//! for s in 0..40usize {
//!     for v in 0..2usize {
//!         let noise = ((s * 7 + v * 3) % 11) as f64 - 5.0;
//!         subject.push(s);
//!         visit.push(v);
//!         arm.push(s % 2);
//!         y.push(Some(10.0 + v as f64 + (s % 2) as f64 * 2.0 + noise + (s % 5) as f64));
//!     }
//! }
//! let mut data = Data::new("VISIT", visits, subject, visit, y).unwrap();
//! data.add_factor("ARM", vec!["PBO".into(), "TRT".into()], arm).unwrap();
//! let spec = ModelSpec::parse("ARM*VISIT").unwrap().with_arm("ARM");
//! let result = fit(&data, &spec).unwrap();
//! assert_eq!(result.differences.len(), 2);
//! assert!(result.differences.iter().all(|d| d.p.is_finite()));
//! ```

mod data;
mod design;
mod df;
mod error;
mod fit;
mod formula;
mod lsmeans;
mod newton;
mod type3;

pub use data::{Data, Variable};
pub use error::MmrmError;
pub use formula::{CovarianceTerm, Formula};
pub use lsmeans::{Difference, FixedEffect, LsMean};
pub use type3::TypeIIITest;

use design::Design;
use fit::Problem;
use nalgebra::{Cholesky, DMatrix};
use serde::Serialize;

/// Degrees-of-freedom method for tests and intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DfMethod {
    #[default]
    Satterthwaite,
    KenwardRoger,
}

/// Fixed-effect terms and options; the covariance structure is always `us(VISIT | SUBJECT)`.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    pub intercept: bool,
    /// Each term is the list of variables it multiplies (`["ARM", "VISIT"]` = `ARM:VISIT`).
    pub terms: Vec<Vec<String>>,
    /// Treatment factor for LS means and differences (its reference level is the comparator).
    pub arm: Option<String>,
    pub df: DfMethod,
    pub max_iter: usize,
    /// Relative Hessian convergence criterion g'H^-1 g / |-2 l_R| (SAS CONVH, default 1e-8).
    pub convergence: f64,
}

impl ModelSpec {
    /// From the right-hand side of a formula, e.g. `ARM*VISIT + BASE:VISIT`.
    pub fn parse(rhs: &str) -> Result<ModelSpec, MmrmError> {
        let r = formula::parse_rhs(rhs)?;
        Ok(ModelSpec {
            intercept: r.intercept,
            terms: r.terms,
            arm: None,
            df: DfMethod::default(),
            max_iter: 100,
            convergence: 1e-8,
        })
    }

    pub fn from_formula(f: &Formula) -> ModelSpec {
        ModelSpec {
            intercept: f.intercept,
            terms: f.terms.clone(),
            arm: None,
            df: DfMethod::default(),
            max_iter: 100,
            convergence: 1e-8,
        }
    }

    pub fn with_arm(mut self, arm: &str) -> ModelSpec {
        self.arm = Some(arm.to_string());
        self
    }

    pub fn with_df(mut self, df: DfMethod) -> ModelSpec {
        self.df = df;
        self
    }
}

/// A fitted MMRM, named as SAS PROC MIXED reports it.
#[derive(Debug, Clone, Serialize)]
pub struct MmrmFit {
    pub neg2_reml_loglik: f64,
    /// -2 l_R + 2 x (number of covariance parameters), as SAS.
    pub aic: f64,
    /// Subjects in the data (SAS "Subjects").
    pub n_subjects: usize,
    /// Subjects with at least one observed outcome (the others do not enter the likelihood).
    pub n_subjects_with_outcome: usize,
    pub n_observations: usize,
    pub df_method: DfMethod,
    pub iterations: usize,
    pub visits: Vec<String>,
    /// Unstructured covariance, rows and columns in visit order.
    pub covariance: Vec<Vec<f64>>,
    pub fixed_effects: Vec<FixedEffect>,
    /// Type III tests of each fixed-effect term (SAS "Type 3 Tests of Fixed Effects").
    pub type3: Vec<TypeIIITest>,
    /// The factor of the LS means: the arm asked for, else the first categorical term other
    /// than the visit (crossed with the visit when the visit is in the model).
    pub lsmeans_factor: Option<String>,
    /// Why there are no LS means, when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lsmeans_note: Option<String>,
    pub lsmeans: Vec<LsMean>,
    pub differences: Vec<Difference>,
}

/// Fits the MMRM by REML.
pub fn fit(data: &Data, spec: &ModelSpec) -> Result<MmrmFit, MmrmError> {
    let observed: Vec<usize> = (0..data.n_rows())
        .filter(|&r| data.y[r].is_some())
        .collect();
    check_visits(
        data,
        &observed
            .iter()
            .map(|&r| data.subject[r])
            .collect::<Vec<_>>(),
        &observed.iter().map(|&r| data.visit[r]).collect::<Vec<_>>(),
    )?;
    let design = Design::build(data, spec.intercept, &spec.terms)?;
    let m = data.visit_labels.len();
    let y: Vec<f64> = design.rows.iter().filter_map(|&r| data.y[r]).collect();
    let subject: Vec<usize> = design.rows.iter().map(|&r| data.subject[r]).collect();
    let visit: Vec<usize> = design.rows.iter().map(|&r| data.visit[r]).collect();

    let problem = Problem::new(&design.x, &y, &subject, &visit, m);
    let start = match problem.mivque0() {
        Some(s) => s,
        None => starting_covariance(&problem, &design.x, &y, &subject, &visit),
    };
    let (info, iterations) = problem.optimise(&start, spec.convergence, spec.max_iter)?;
    let sigma = info.sigma.clone();
    let est = &info.eval;
    let d = &info.d;
    let w_cov = Cholesky::new(info.observed.clone())
        .ok_or(MmrmError::SingularHessian)?
        .inverse()
        * 2.0;
    let phi_adj = match spec.df {
        DfMethod::Satterthwaite => None,
        DfMethod::KenwardRoger => {
            let q = problem.weighted_q(&est.w, &w_cov);
            Some(df::kr_adjusted(&est.m_inv, d, &w_cov, &q))
        }
    };
    let ctx = df::DfContext {
        phi: &est.m_inv,
        d,
        w: &w_cov,
        phi_adj: phi_adj.as_ref(),
    };
    let fixed_effects = lsmeans::fixed_effects(&design, &est.beta, &ctx);
    let type3 = type3::tests(data, &design, &spec.terms, &est.beta, &ctx)?;
    let lsmeans_factor = spec.arm.clone().or_else(|| first_factor_term(data, spec));
    let lsmeans_note = lsmeans_factor.is_none().then(|| {
        "no LS means: the model has no categorical term other than the visit (give --arm for a factor in the formula)".to_string()
    });
    let (lsmeans, differences) = match &lsmeans_factor {
        Some(arm) => lsmeans::lsmeans(data, &design, arm, &est.beta, &ctx)?,
        None => (Vec::new(), Vec::new()),
    };

    let n_params = problem.n_params();
    let mut subjects: Vec<usize> = data.subject.clone();
    subjects.sort_unstable();
    subjects.dedup();
    let mut used = subject.clone();
    used.sort_unstable();
    used.dedup();
    Ok(MmrmFit {
        neg2_reml_loglik: est.f,
        aic: est.f + 2.0 * n_params as f64,
        n_subjects: subjects.len(),
        n_subjects_with_outcome: used.len(),
        n_observations: y.len(),
        df_method: spec.df,
        iterations,
        visits: data.visit_labels.clone(),
        covariance: (0..m)
            .map(|i| (0..m).map(|j| sigma[(i, j)]).collect())
            .collect(),
        fixed_effects,
        type3,
        lsmeans_factor,
        lsmeans_note,
        lsmeans,
        differences,
    })
}

/// The first categorical variable of the formula's terms other than the visit (variable 0).
fn first_factor_term(data: &Data, spec: &ModelSpec) -> Option<String> {
    spec.terms.iter().flatten().find_map(|name| {
        let vi = data.vars.iter().position(|(n, _)| n == name)?;
        (vi != 0 && matches!(data.vars[vi].1, Variable::Factor { .. })).then(|| name.clone())
    })
}

/// Every visit needs an outcome, and every pair of visits a subject observed at both.
fn check_visits(data: &Data, subject: &[usize], visit: &[usize]) -> Result<(), MmrmError> {
    let m = data.visit_labels.len();
    let mut by_subject: std::collections::HashMap<usize, u64> = std::collections::HashMap::new();
    for (s, v) in subject.iter().zip(visit) {
        *by_subject.entry(*s).or_default() |= 1 << v;
    }
    let mut together = vec![false; m * m];
    for mask in by_subject.values() {
        for a in 0..m {
            for b in 0..=a {
                if mask & (1 << a) != 0 && mask & (1 << b) != 0 {
                    together[a * m + b] = true;
                }
            }
        }
    }
    for a in 0..m {
        if !together[a * m + a] {
            return Err(MmrmError::EmptyVisit(data.visit_labels[a].clone()));
        }
    }
    for a in 0..m {
        for b in 0..a {
            if !together[a * m + b] {
                return Err(MmrmError::CovarianceNotEstimable(
                    data.visit_labels[b].clone(),
                    data.visit_labels[a].clone(),
                ));
            }
        }
    }
    Ok(())
}

/// Pairwise moment estimate from OLS residuals; diagonal if that is not positive definite.
fn starting_covariance(
    problem: &Problem,
    x: &DMatrix<f64>,
    y: &[f64],
    subject: &[usize],
    visit: &[usize],
) -> DMatrix<f64> {
    let m = problem.m;
    let ident = DMatrix::<f64>::identity(m, m);
    let Some(ols) = problem.eval(&ident, false) else {
        return ident;
    };
    let fitted = x * &ols.beta;
    let mut resid: std::collections::HashMap<usize, Vec<(usize, f64)>> =
        std::collections::HashMap::new();
    for i in 0..y.len() {
        resid
            .entry(subject[i])
            .or_default()
            .push((visit[i], y[i] - fitted[i]));
    }
    let mut sum = DMatrix::<f64>::zeros(m, m);
    let mut count = DMatrix::<f64>::zeros(m, m);
    for rs in resid.values() {
        for &(a, ra) in rs {
            for &(b, rb) in rs {
                sum[(a, b)] += ra * rb;
                count[(a, b)] += 1.0;
            }
        }
    }
    let var = |a: usize| (sum[(a, a)] / count[(a, a)].max(1.0)).max(1e-8);
    let full = DMatrix::from_fn(m, m, |a, b| {
        if a == b {
            var(a)
        } else {
            sum[(a, b)] / count[(a, b)].max(1.0)
        }
    });
    if Cholesky::new(full.clone())
        .is_some_and(|c| c.l_dirty().diagonal().min() > 1e-6 * full.diagonal().min().sqrt())
    {
        full
    } else {
        DMatrix::from_fn(m, m, |a, b| if a == b { var(a) } else { 0.0 })
    }
}
