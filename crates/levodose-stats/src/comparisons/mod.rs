//! Group comparisons for a one-way design (a preclinical study's groups on one endpoint):
//! descriptives, one-way and Welch ANOVA, Dunnett against a control (deterministic adjusted p),
//! Tukey-Kramer, a planned contrast, a linear trend on log-dose scores, Kruskal-Wallis and Dunn
//! (Holm), Cohen's d / Hedges' g, and assumption checks (Shapiro-Wilk, Brown-Forsythe, Grubbs).
//! Outputs are named as R users know them (`anova`, `oneway.test`, `glht`, `TukeyHSD`,
//! `kruskal.test`, `p.adjust`). No file reading here: the caller passes the values.

pub mod anova;
pub mod describe;
pub mod distributions;
pub mod dunnett;
pub mod effect_size;
pub mod normality;
pub mod outliers;
pub mod quadrature;
pub mod rank;
mod root;
mod scale;
pub mod tukey;

use crate::finding::{Finding, Severity};
use serde::Serialize;

pub use anova::{Anova, Contrast, Welch};
pub use describe::GroupSummary;
pub use dunnett::{Dunnett, DunnettRow};
pub use effect_size::EffectSize;
pub use normality::ShapiroWilk;
pub use outliers::Grubbs;
pub use rank::{DunnRow, KruskalWallis};
pub use tukey::{Tukey, TukeyRow};

/// Significance level used for the assumption checks and outlier flags.
pub const ALPHA: f64 = 0.05;

/// One endpoint's values by group (missing values already removed and counted).
#[derive(Debug, Clone)]
pub struct OneWayInput<'a> {
    /// Group names in level order.
    pub names: &'a [String],
    /// Values per group, same order as `names`.
    pub values: &'a [Vec<f64>],
    /// Missing values per group.
    pub n_missing: &'a [usize],
    /// The comparator for Dunnett, Dunn and effect sizes.
    pub control: usize,
    /// The group the planned contrast compares the control with (control - this), if any.
    pub planned_reference: Option<usize>,
    /// Dose groups (index, dose > 0) for the linear trend on log-dose scores.
    pub doses: &'a [(usize, f64)],
    /// Names the endpoint in findings.
    pub endpoint: &'a str,
}

/// Shapiro-Wilk of one group's residuals.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupNormality {
    pub group: String,
    pub w: f64,
    pub p: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Assumptions {
    pub shapiro_wilk: Vec<GroupNormality>,
    pub brown_forsythe: Option<Welch>,
}

/// Every analysis of one endpoint. Fields that cannot be computed from the data are null (and
/// a finding says why); lists are empty.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointAnalysis {
    pub groups: Vec<GroupSummary>,
    pub anova: Option<Anova>,
    pub welch: Option<Welch>,
    pub dunnett: Vec<DunnettRow>,
    pub dunnett_critical_value_95: Option<f64>,
    pub tukey: Vec<TukeyRow>,
    pub qtukey_95: Option<f64>,
    pub planned_contrast: Option<Contrast>,
    pub trend: Option<Contrast>,
    pub kruskal_wallis: Option<KruskalWallis>,
    pub dunn: Vec<DunnRow>,
    pub effect_sizes: Vec<EffectSize>,
    pub assumptions: Assumptions,
    pub outliers: Vec<Grubbs>,
    pub findings: Vec<Finding>,
}

/// Runs the battery on one endpoint.
pub fn analyse(input: &OneWayInput) -> EndpointAnalysis {
    let src = format!("endpoint {}", input.endpoint);
    let mut findings = Vec::new();
    let groups: Vec<GroupSummary> = input
        .names
        .iter()
        .zip(input.values)
        .zip(input.n_missing)
        .map(|((n, v), m)| describe::summarise(n, v, *m))
        .collect();

    // Groups without values drop out of the inferential analyses.
    let kept: Vec<usize> = (0..input.names.len())
        .filter(|&i| !input.values[i].is_empty())
        .collect();
    for i in (0..input.names.len()).filter(|i| !kept.contains(i)) {
        findings.push(Finding::new(
            "empty_group",
            Severity::Warning,
            format!(
                "group '{}' has no values for {}; it is left out of the tests",
                input.names[i], input.endpoint
            ),
            &src,
        ));
    }
    let names: Vec<String> = kept.iter().map(|&i| input.names[i].clone()).collect();
    let vals: Vec<&[f64]> = kept.iter().map(|&i| input.values[i].as_slice()).collect();
    let pos = |g: usize| kept.iter().position(|&k| k == g);
    let control = pos(input.control);

    let mut out = EndpointAnalysis {
        groups,
        anova: None,
        welch: None,
        dunnett: Vec::new(),
        dunnett_critical_value_95: None,
        tukey: Vec::new(),
        qtukey_95: None,
        planned_contrast: None,
        trend: None,
        kruskal_wallis: None,
        dunn: Vec::new(),
        effect_sizes: Vec::new(),
        assumptions: Assumptions {
            shapiro_wilk: Vec::new(),
            brown_forsythe: None,
        },
        outliers: Vec::new(),
        findings: Vec::new(),
    };
    if vals.len() < 2 {
        findings.push(Finding::new(
            "too_few_groups",
            Severity::Warning,
            format!(
                "{} has values in {} group(s); comparisons need at least 2",
                input.endpoint,
                vals.len()
            ),
            &src,
        ));
        out.findings = findings;
        return out;
    }
    if control.is_none() {
        findings.push(Finding::new(
            "control_without_values",
            Severity::Warning,
            format!(
                "the control group '{}' has no values for {}; no comparisons with it",
                input.names[input.control], input.endpoint
            ),
            &src,
        ));
    }

    out.anova = anova::anova(&vals);
    match &out.anova {
        None => findings.push(
            Finding::new(
                "anova_undefined",
                Severity::Warning,
                format!("{}: no variation within groups (or no residual df), so F, Dunnett and Tukey are undefined", input.endpoint),
                &src,
            )
            .with_suggestion("check that the column holds the measured values"),
        ),
        Some(fit) => {
            if let Some(c) = control {
                let d = dunnett::dunnett(&names, &vals, c, fit);
                if !d.critical_value_search.is_converged() {
                    findings.push(root_not_converged(
                        "Dunnett's critical value",
                        &d.critical_value_search,
                        input.endpoint,
                        &src,
                    ));
                }
                out.dunnett_critical_value_95 = Some(d.critical_value_95);
                out.dunnett = d.comparisons;
            }
            let t = tukey::tukey(&names, &vals, fit);
            if !t.quantile_search.is_converged() {
                findings.push(root_not_converged(
                    "the studentized range quantile",
                    &t.quantile_search,
                    input.endpoint,
                    &src,
                ));
            }
            out.qtukey_95 = Some(t.qtukey_95);
            out.tukey = t.comparisons;
            if let (Some(c), Some(r)) = (control, input.planned_reference.and_then(pos)) {
                if c != r {
                    let mut coef = vec![0.0; vals.len()];
                    coef[c] = 1.0;
                    coef[r] = -1.0;
                    let name = format!("{} - {}", names[c], names[r]);
                    out.planned_contrast = Some(anova::contrast(&name, &vals, &coef, fit));
                }
            }
            out.trend = trend(input, &vals, &pos, fit);
        }
    }
    out.welch = anova::welch(&vals);
    if out.welch.is_none() && out.anova.is_some() {
        findings.push(Finding::new(
            "welch_undefined",
            Severity::Info,
            format!(
                "{}: a group has fewer than 2 values or no spread, so Welch's ANOVA is undefined",
                input.endpoint
            ),
            &src,
        ));
    }
    out.kruskal_wallis = rank::kruskal_wallis(&vals);
    if let Some(c) = control {
        out.dunn = rank::dunn(&names, &vals, c).unwrap_or_default();
        out.effect_sizes = (0..vals.len())
            .filter(|&i| i != c)
            .filter_map(|i| effect_size::effect_size(&names[i], vals[i], vals[c]))
            .collect();
    }
    assumption_checks(&names, &vals, &src, input.endpoint, &mut out, &mut findings);
    out.findings = findings;
    out
}

/// A critical value whose root search did not converge: its intervals are not to be trusted.
fn root_not_converged(
    what: &str,
    how: &crate::optim::Termination,
    endpoint: &str,
    src: &str,
) -> Finding {
    Finding::new(
        "critical_value_not_converged",
        Severity::Warning,
        format!("{endpoint}: the search for {what} did not converge ({how}); its simultaneous intervals are approximate"),
        src,
    )
}

/// Linear trend across the dose groups with centred log-dose scores (needs 2+ distinct doses).
fn trend(
    input: &OneWayInput,
    vals: &[&[f64]],
    pos: &dyn Fn(usize) -> Option<usize>,
    fit: &Anova,
) -> Option<Contrast> {
    let dose_groups: Vec<(usize, f64)> = input
        .doses
        .iter()
        .filter(|(_, d)| *d > 0.0)
        .filter_map(|&(g, d)| pos(g).map(|p| (p, d.ln())))
        .collect();
    let mut distinct: Vec<f64> = dose_groups.iter().map(|x| x.1).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() < 2 {
        return None;
    }
    let centre = dose_groups.iter().map(|x| x.1).sum::<f64>() / dose_groups.len() as f64;
    let mut coef = vec![0.0; vals.len()];
    for &(p, l) in &dose_groups {
        coef[p] = l - centre;
    }
    Some(anova::contrast(
        "linear trend on log dose",
        vals,
        &coef,
        fit,
    ))
}

fn assumption_checks(
    names: &[String],
    vals: &[&[f64]],
    src: &str,
    endpoint: &str,
    out: &mut EndpointAnalysis,
    findings: &mut Vec<Finding>,
) {
    for (n, v) in names.iter().zip(vals) {
        let m = describe::mean(v);
        let resid: Vec<f64> = v.iter().map(|x| x - m).collect();
        if let Some(sw) = normality::shapiro_wilk(&resid) {
            out.assumptions.shapiro_wilk.push(GroupNormality {
                group: n.clone(),
                w: sw.w,
                p: sw.p,
            });
        }
        if let Some(g) = outliers::grubbs(n, v) {
            if g.p < ALPHA {
                findings.push(Finding::new(
                    "possible_outlier",
                    Severity::Info,
                    format!("{endpoint}: {} in '{}' is a possible outlier (Grubbs G = {:.3}, p = {:.3}); it is kept in every analysis", g.value, n, g.g, g.p),
                    src,
                ));
            }
            out.outliers.push(g);
        }
    }
    let bf = anova::brown_forsythe(vals).map(|a| Welch {
        f: a.f,
        df1: a.df1,
        df2: a.df2,
        p: a.p,
    });
    let non_normal: Vec<&str> = out
        .assumptions
        .shapiro_wilk
        .iter()
        .filter(|s| s.p < ALPHA)
        .map(|s| s.group.as_str())
        .collect();
    if !non_normal.is_empty() {
        findings.push(
            Finding::new(
                "non_normal_residuals",
                Severity::Warning,
                format!(
                    "{endpoint}: Shapiro-Wilk p < {ALPHA} in {}",
                    non_normal.join(", ")
                ),
                src,
            )
            .with_suggestion("read the Kruskal-Wallis / Dunn result alongside the ANOVA"),
        );
    }
    if let Some(b) = &bf {
        if b.p < ALPHA {
            findings.push(
                Finding::new(
                    "unequal_variances",
                    Severity::Warning,
                    format!(
                        "{endpoint}: Brown-Forsythe F = {:.3}, p = {:.4}: group variances differ",
                        b.f, b.p
                    ),
                    src,
                )
                .with_suggestion("prefer Welch's ANOVA (or the non-parametric result)"),
            );
        }
    }
    out.assumptions.brown_forsythe = bf;
}
