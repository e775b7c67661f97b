//! Fixed-effect solutions, LS means and their differences (SAS `SOLUTION`, `LSMEANS / DIFF CL`).
//!
//! Each is a contrast c'b with standard error sqrt(c'Phi c) (Phi_A under Kenward-Roger),
//! t = c'b / se, a two-sided p from Student's t and the 95 % interval c'b +- t_{0.975, df} se.
//! Degrees of freedom are kept within [1, 1e6] so that a degenerate contrast still reports
//! finite numbers.

use super::data::{Data, Variable};
use super::design::Design;
use super::df::DfContext;
use super::error::MmrmError;
use nalgebra::DVector;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// One row of "Solution for Fixed Effects"; `term` is the R column name (`ARMCDTRT:AVISITVIS2`).
#[derive(Debug, Clone, Serialize)]
pub struct FixedEffect {
    pub term: String,
    pub estimate: f64,
    pub se: f64,
    pub df: f64,
    pub t: f64,
    pub p: f64,
}

/// One LS mean of an arm (at a visit when the model has visits).
#[derive(Debug, Clone, Serialize)]
pub struct LsMean {
    pub arm: String,
    pub visit: Option<String>,
    pub estimate: f64,
    pub se: f64,
    pub df: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Difference of LS means, arm minus reference arm (at a visit, or `None` for an arm-only model).
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub visit: Option<String>,
    pub arm: String,
    pub reference_arm: String,
    pub estimate: f64,
    pub se: f64,
    pub df: f64,
    pub t: f64,
    pub p: f64,
    pub lower: f64,
    pub upper: f64,
}

struct Contrast {
    estimate: f64,
    se: f64,
    df: f64,
    t: f64,
    p: f64,
    lower: f64,
    upper: f64,
}

fn contrast(c: &DVector<f64>, beta: &DVector<f64>, ctx: &DfContext) -> Contrast {
    let estimate = c.dot(beta);
    let (var, df) = ctx.variance_and_df(c);
    let se = var.max(0.0).sqrt();
    let df = if df.is_finite() {
        df.clamp(1.0, 1e6)
    } else {
        1e6
    };
    let t = if se > 0.0 { estimate / se } else { 0.0 };
    let (p, q) = match StudentsT::new(0.0, 1.0, df) {
        Ok(dist) => (2.0 * dist.sf(t.abs()), dist.inverse_cdf(0.975)),
        Err(_) => (1.0, f64::MAX),
    };
    Contrast {
        estimate,
        se,
        df,
        t,
        p,
        lower: estimate - q * se,
        upper: estimate + q * se,
    }
}

pub(crate) fn fixed_effects(
    design: &Design,
    beta: &DVector<f64>,
    ctx: &DfContext,
) -> Vec<FixedEffect> {
    let p = design.p();
    (0..p)
        .map(|j| {
            let mut c = DVector::zeros(p);
            c[j] = 1.0;
            let r = contrast(&c, beta, ctx);
            FixedEffect {
                term: design.names[j].clone(),
                estimate: r.estimate,
                se: r.se,
                df: r.df,
                t: r.t,
                p: r.p,
            }
        })
        .collect()
}

/// LS means of each arm (by visit when the visit is in the model) and differences of each arm
/// from the reference arm.
pub(crate) fn lsmeans(
    data: &Data,
    design: &Design,
    arm: &str,
    beta: &DVector<f64>,
    ctx: &DfContext,
) -> Result<(Vec<LsMean>, Vec<Difference>), MmrmError> {
    let arm_var = data
        .vars
        .iter()
        .position(|(n, _)| n == arm)
        .ok_or_else(|| MmrmError::UnknownVariable(arm.to_string()))?;
    let Variable::Factor {
        levels, reference, ..
    } = &data.vars[arm_var].1
    else {
        return Err(MmrmError::Data(format!(
            "the arm variable {arm} must be a factor"
        )));
    };
    if !design.uses(arm_var) {
        return Err(MmrmError::Data(format!(
            "the arm variable {arm} is not in the model"
        )));
    }
    // The visit factor is variable 0.
    let visit_levels: Vec<Option<usize>> = if arm_var != 0 && design.uses(0) {
        (0..data.visit_labels.len()).map(Some).collect()
    } else {
        vec![None]
    };
    let mut means = Vec::new();
    let mut diffs = Vec::new();
    for v in visit_levels {
        let at = |a: usize| {
            let mut at = vec![(arm_var, a)];
            at.extend(v.map(|v| (0, v)));
            design.lsmeans_vector(data, &at)
        };
        let visit = v.map(|v| data.visit_labels[v].clone());
        for (a, name) in levels.iter().enumerate() {
            let r = contrast(&at(a), beta, ctx);
            means.push(LsMean {
                arm: name.clone(),
                visit: visit.clone(),
                estimate: r.estimate,
                se: r.se,
                df: r.df,
                lower: r.lower,
                upper: r.upper,
            });
        }
        let c_ref = at(*reference);
        for (a, name) in levels.iter().enumerate().filter(|(a, _)| a != reference) {
            let r = contrast(&(at(a) - &c_ref), beta, ctx);
            diffs.push(Difference {
                visit: visit.clone(),
                arm: name.clone(),
                reference_arm: levels[*reference].clone(),
                estimate: r.estimate,
                se: r.se,
                df: r.df,
                t: r.t,
                p: r.p,
                lower: r.lower,
                upper: r.upper,
            });
        }
    }
    Ok((means, diffs))
}
