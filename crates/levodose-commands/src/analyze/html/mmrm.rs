//! The `analyze mmrm` report: the LS mean difference at the primary (last) visit first, then LS
//! means by visit with their figure, differences, type 3 tests, fixed effects and covariance.

use levodose_report::plot::Chart;
use levodose_report::{fixed, p_value, Answer, Document, Figure, Section, Table};
use levodose_stats::mmrm::{DfMethod, MmrmFit};

/// The primary visit is the last visit of the covariance order (the usual MMRM endpoint).
fn primary_visit(r: &MmrmFit) -> Option<&str> {
    r.visits.last().map(String::as_str)
}

fn visit_name(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "all".into())
}

fn df_name(m: DfMethod) -> &'static str {
    match m {
        DfMethod::Satterthwaite => "Satterthwaite",
        DfMethod::KenwardRoger => "Kenward-Roger",
    }
}

/// One line per arm difference at the primary visit (all differences when they have no visit).
fn answer(r: &MmrmFit) -> Answer {
    let primary = primary_visit(r);
    let at_primary: Vec<_> = r
        .differences
        .iter()
        .filter(|d| d.visit.is_none() || d.visit.as_deref() == primary)
        .collect();
    let line = |d: &levodose_stats::mmrm::Difference| {
        format!(
            "LS mean difference {} - {} at {}: {} (95 % CI {} to {}, p = {})",
            d.arm,
            d.reference_arm,
            visit_name(&d.visit),
            fixed(Some(d.estimate), 4),
            fixed(Some(d.lower), 4),
            fixed(Some(d.upper), 4),
            p_value(d.p)
        )
    };
    let mut details: Vec<String> = at_primary.iter().skip(1).map(|d| line(d)).collect();
    details.push(format!(
        "REML, unstructured covariance, {} degrees of freedom; -2 REML log-likelihood {:.4}, AIC {:.4}, {} iterations",
        df_name(r.df_method),
        r.neg2_reml_loglik,
        r.aic,
        r.iterations
    ));
    Answer {
        headline: match at_primary.first() {
            Some(d) => line(d),
            None => r.lsmeans_note.clone().unwrap_or_else(|| {
                "Model fitted (no treatment factor given: no differences)".into()
            }),
        },
        details,
        positive: true,
    }
}

/// LS means by visit with 95 % CIs, one line and band per arm; visits are numbered in order.
pub fn lsmeans_chart(r: &MmrmFit) -> Option<Chart> {
    if r.lsmeans.iter().all(|m| m.visit.is_none()) {
        return None;
    }
    let mut arms: Vec<&str> = Vec::new();
    for m in &r.lsmeans {
        if !arms.contains(&m.arm.as_str()) {
            arms.push(&m.arm);
        }
    }
    let index = |v: &Option<String>| {
        v.as_ref()
            .and_then(|v| r.visits.iter().position(|x| x == v))
            .map(|i| (i + 1) as f64)
    };
    let mut c = Chart::new(
        format!(
            "LS means of {} by visit (95 % CI)",
            r.lsmeans_factor.as_deref().unwrap_or("arm")
        ),
        "visit (number in visit order)",
        "LS mean (outcome units)",
    );
    for arm in &arms {
        let mut pts: Vec<(f64, f64, f64, f64)> = r
            .lsmeans
            .iter()
            .filter(|m| m.arm == *arm)
            .filter_map(|m| index(&m.visit).map(|x| (x, m.estimate, m.lower, m.upper)))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        c = c
            .band(
                format!("{arm} 95 % CI"),
                pts.iter().map(|p| p.0).collect(),
                pts.iter().map(|p| p.2).collect(),
                pts.iter().map(|p| p.3).collect(),
            )
            .line(arm.to_string(), pts.iter().map(|p| (p.0, p.1)).collect());
    }
    c.integer_x = true;
    let key: Vec<String> = r
        .visits
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{} = {v}", i + 1))
        .collect();
    c.caption = Some(format!(
        "LS means with 95 % confidence intervals from the MMRM; visits: {}. {} subjects ({} with an outcome).",
        key.join(", "),
        r.n_subjects,
        r.n_subjects_with_outcome
    ));
    Some(c)
}

fn tables(r: &MmrmFit) -> Vec<Table> {
    let f = |x: f64| fixed(Some(x), 4);
    let mut diffs = Table::new(
        "Differences of LS means (arm - reference)",
        &[
            "visit",
            "arm",
            "reference",
            "estimate",
            "SE",
            "df",
            "t",
            "p",
            "lower 95 %",
            "upper 95 %",
        ],
    );
    for d in &r.differences {
        diffs.row(vec![
            visit_name(&d.visit),
            d.arm.clone(),
            d.reference_arm.clone(),
            f(d.estimate),
            f(d.se),
            f(d.df),
            f(d.t),
            p_value(d.p),
            f(d.lower),
            f(d.upper),
        ]);
    }
    let mut means = Table::new(
        "LS means",
        &[
            "visit",
            "arm",
            "estimate",
            "SE",
            "df",
            "lower 95 %",
            "upper 95 %",
        ],
    );
    for m in &r.lsmeans {
        means.row(vec![
            visit_name(&m.visit),
            m.arm.clone(),
            f(m.estimate),
            f(m.se),
            f(m.df),
            f(m.lower),
            f(m.upper),
        ]);
    }
    let mut type3 = Table::new(
        "Type 3 tests of fixed effects",
        &["effect", "num df", "den df", "F", "p"],
    );
    for t in &r.type3 {
        type3.row(vec![
            t.effect.clone(),
            t.num_df.to_string(),
            fixed(Some(t.den_df), 1),
            fixed(Some(t.f), 3),
            p_value(t.p),
        ]);
    }
    let mut fixed_effects = Table::new(
        "Solution for fixed effects",
        &["term", "estimate", "SE", "df", "t", "p"],
    );
    for e in &r.fixed_effects {
        fixed_effects.row(vec![
            e.term.clone(),
            f(e.estimate),
            f(e.se),
            f(e.df),
            f(e.t),
            p_value(e.p),
        ]);
    }
    let mut header = vec!["visit"];
    header.extend(r.visits.iter().map(String::as_str));
    let mut cov = Table::new("Covariance matrix (unstructured)", &header);
    for (v, row) in r.visits.iter().zip(&r.covariance) {
        let mut cells = vec![v.clone()];
        cells.extend(row.iter().map(|x| f(*x)));
        cov.row(cells);
    }
    [diffs, means, type3, fixed_effects, cov]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect()
}

/// The report: answer, inputs, estimates with the LS mean figure, notes as paragraphs.
pub fn document(r: &MmrmFit, notes: &[String], formula: &str) -> anyhow::Result<Document> {
    let figures = match lsmeans_chart(r) {
        Some(c) => vec![Figure::from_chart("lsmeans", &c)?],
        None => Vec::new(),
    };
    let mut paragraphs = notes.to_vec();
    if let Some(n) = &r.lsmeans_note {
        paragraphs.push(format!("LS means: {n}"));
    }
    Ok(Document {
        title: "levodose analyze mmrm".into(),
        inputs: vec![
            ("formula".into(), formula.to_string()),
            (
                "subjects".into(),
                format!(
                    "{} ({} with an outcome), {} observations",
                    r.n_subjects, r.n_subjects_with_outcome, r.n_observations
                ),
            ),
            ("visits".into(), r.visits.join(", ")),
            (
                "degrees of freedom".into(),
                df_name(r.df_method).to_string(),
            ),
        ],
        answer: answer(r),
        sections: vec![
            Section {
                heading: "Estimates".into(),
                paragraphs,
                tables: tables(r),
                figures,
            },
            Section {
                heading: "Methods".into(),
                paragraphs: vec![format!(
                    "Mixed model for repeated measures fitted by restricted maximum likelihood with an unstructured covariance matrix over visits ({}), as SAS PROC MIXED and R mmrm; {} denominator degrees of freedom. Missing outcomes are handled by likelihood under missing at random.",
                    formula,
                    df_name(r.df_method)
                )],
                ..Default::default()
            },
        ],
        research_note: levodose::RESEARCH_USE_NOTE.to_string(),
        ..Default::default()
    })
}
