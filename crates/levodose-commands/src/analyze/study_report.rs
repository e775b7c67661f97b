//! Text, JSON, methods paragraph and results table of `analyze study`, all rendered from the same
//! `StudyResult`.

use crate::error::CliResult;
use levodose::study::StudyResult;
use levodose_report::{fixed as num, p_value as p_str};
use serde_json::Value;
use std::fmt::Write;

/// The result as JSON, with the methods paragraph and the software version added.
pub fn json(r: &StudyResult) -> CliResult<Value> {
    let mut v = serde_json::to_value(r)?;
    if let Value::Object(m) = &mut v {
        m.insert("methods".into(), Value::String(methods(r)));
        m.insert(
            "software".into(),
            Value::String(format!("levodose {}", env!("CARGO_PKG_VERSION"))),
        );
    }
    Ok(v)
}

/// The methods paragraph: every test by name, the software and its version.
pub fn methods(r: &StudyResult) -> String {
    let s = &r.study;
    let mut t = format!(
        "Data from {} animals in {} groups ({}) were analysed per endpoint using the animals with a value for that endpoint. \
Each endpoint was summarised per group (n, mean, SD, SEM, median, range) and compared by one-way ANOVA and by Welch's heteroscedastic ANOVA. \
Each group was compared with '{}' by Dunnett's many-to-one test (two-sided, single-step adjusted p-values and simultaneous 95 % confidence intervals from the exact double integral of the multivariate t distribution for the one-way design), \
and all pairs by the Tukey-Kramer procedure (studentized range distribution). ",
        s.n_animals,
        s.levels.len(),
        s.levels.join("; "),
        s.control
    );
    if let Some(c) = &s.calibrator {
        let _ = write!(
            t,
            "The planned contrast '{}' minus '{}' was tested with the ANOVA's pooled variance. ",
            s.control, c
        );
    }
    if s.dose_mg_per_kg.len() >= 2 {
        t.push_str("A linear trend across the drug's dose groups was tested with centred log-dose contrast scores. ");
    }
    t.push_str(
        "As a non-parametric check, the Kruskal-Wallis test (tie-corrected) was followed by Dunn's test against the control with Holm's adjustment. \
Effect sizes against the control are Cohen's d (pooled SD of the two groups) and Hedges' g (exact small-sample correction). \
Normality of residuals was checked per group with the Shapiro-Wilk test (Royston's algorithm) and equality of variances with the Brown-Forsythe test; \
possible outliers were flagged with Grubbs' test and not removed. ",
    );
    if !r.qpcr.0.is_empty() {
        t.push_str("qPCR data were analysed by the 2^-ddCt method (efficiency-corrected per Pfaffl where primer efficiencies were given): statistics were run on delta Ct, and fold changes are reported at the group mean of ddCt with 95 % t-intervals. ");
    }
    if !r.western.0.is_empty() {
        t.push_str("Western blot signals were divided by their loading control and normalised to the calibrator group's mean ratio. ");
    }
    if !r.locomotor_check.is_empty() {
        t.push_str("Forced swim effects were read alongside open-field locomotion to rule out hyperlocomotion or sedation. ");
    }
    let _ = writeln!(
        t,
        "A two-sided alpha of 0.05 was used. Analyses were run with levodose {}.",
        env!("CARGO_PKG_VERSION")
    );
    t
}

/// One row per test result: endpoint, test, group, comparator, estimate, se, statistic, df, p, p_adjusted, lower, upper.
pub fn results_csv(r: &StudyResult) -> String {
    let mut s = String::from(
        "endpoint,test,group,comparator,estimate,se,statistic,df,p,p_adjusted,lower,upper\n",
    );
    let f = |x: Option<f64>| x.map(|v| format!("{v}")).unwrap_or_default();
    let q = |x: &str| {
        if x.contains(',') || x.contains('"') {
            format!("\"{}\"", x.replace('"', "\"\""))
        } else {
            x.to_string()
        }
    };
    for (name, a) in &r.endpoints.0 {
        if let Some(v) = &a.anova {
            let _ = writeln!(
                s,
                "{},anova,,,,,{},{}/{},{},,,",
                q(name),
                v.f,
                v.df1,
                v.df2,
                v.p
            );
        }
        if let Some(v) = &a.welch {
            let _ = writeln!(
                s,
                "{},welch,,,,,{},{}/{},{},,,",
                q(name),
                v.f,
                v.df1,
                v.df2,
                v.p
            );
        }
        for d in &a.dunnett {
            let _ = writeln!(
                s,
                "{},dunnett,{},{},{},{},{},,{},{},{},{}",
                q(name),
                q(&d.group),
                q(&r.study.control),
                d.estimate,
                d.se,
                d.t,
                d.p_unadjusted,
                d.p_adjusted,
                d.lower,
                d.upper
            );
        }
        for t in &a.tukey {
            let _ = writeln!(
                s,
                "{},tukey,{},{},{},,{},,,{},{},{}",
                q(name),
                q(&t.group1),
                q(&t.group2),
                t.estimate,
                t.q,
                t.p_adjusted,
                t.lower,
                t.upper
            );
        }
        if let Some(c) = &a.planned_contrast {
            let _ = writeln!(
                s,
                "{},planned_contrast,{},,{},{},{},{},{},,{},{}",
                q(name),
                q(&c.contrast),
                c.estimate,
                c.se,
                c.t,
                c.df,
                c.p,
                c.ci95_lower,
                c.ci95_upper
            );
        }
        if let Some(c) = &a.trend {
            let _ = writeln!(
                s,
                "{},trend,{},,{},{},{},{},{},,{},{}",
                q(name),
                q(&c.contrast),
                c.estimate,
                c.se,
                c.t,
                c.df,
                c.p,
                c.ci95_lower,
                c.ci95_upper
            );
        }
        if let Some(k) = &a.kruskal_wallis {
            let _ = writeln!(
                s,
                "{},kruskal_wallis,,,,,{},{},{},,,",
                q(name),
                k.statistic,
                k.df,
                k.p
            );
        }
        for d in &a.dunn {
            let _ = writeln!(
                s,
                "{},dunn,{},{},{},,{},,{},{},,",
                q(name),
                q(&d.group),
                q(&r.study.control),
                d.mean_rank_diff,
                d.z,
                d.p,
                d.p_adjusted
            );
        }
        for e in &a.effect_sizes {
            let _ = writeln!(
                s,
                "{},hedges_g,{},{},{},,,{},,,,",
                q(name),
                q(&e.group),
                q(&r.study.control),
                e.hedges_g,
                e.df
            );
        }
    }
    for (gene, t) in &r.qpcr.0 {
        for g in &t.groups {
            let _ = writeln!(
                s,
                "{},fold_change,{},{},{},,,,,,{},{}",
                q(&format!("qpcr_{gene}")),
                q(&g.group),
                q(&t.calibrator),
                f(g.fold_change),
                f(g.fold_change_lower),
                f(g.fold_change_upper)
            );
        }
    }
    s
}

/// The terminal report.
pub fn text(r: &StudyResult) -> String {
    let mut s = String::new();
    let st = &r.study;
    let _ = writeln!(
        s,
        "Study: {} animals, {} groups; control '{}'{}\n",
        st.n_animals,
        st.levels.len(),
        st.control,
        st.calibrator
            .as_ref()
            .map(|c| format!(", calibrator '{c}'"))
            .unwrap_or_default()
    );
    for (name, a) in &r.endpoints.0 {
        let _ = writeln!(s, "== {name}");
        let _ = writeln!(
            s,
            "  {:<34} {:>3} {:>4} {:>11} {:>10} {:>10} {:>11}",
            "group", "n", "miss", "mean", "SD", "SEM", "median"
        );
        for g in &a.groups {
            let _ = writeln!(
                s,
                "  {:<34} {:>3} {:>4} {:>11} {:>10} {:>10} {:>11}",
                g.group,
                g.n,
                g.n_missing,
                num(g.mean, 3),
                num(g.sd, 3),
                num(g.sem, 3),
                num(g.median, 3)
            );
        }
        if let Some(v) = &a.anova {
            let _ = writeln!(
                s,
                "  ANOVA F({}, {}) = {:.3}, p = {}",
                v.df1,
                v.df2,
                v.f,
                p_str(v.p)
            );
        }
        if let Some(v) = &a.welch {
            let _ = writeln!(
                s,
                "  Welch F({}, {:.2}) = {:.3}, p = {}",
                v.df1,
                v.df2,
                v.f,
                p_str(v.p)
            );
        }
        for d in &a.dunnett {
            let _ = writeln!(
                s,
                "  Dunnett {} vs control: {:+.3} [{:.3}, {:.3}], p adj = {}",
                d.group,
                d.estimate,
                d.lower,
                d.upper,
                p_str(d.p_adjusted)
            );
        }
        if let Some(c) = &a.planned_contrast {
            let _ = writeln!(
                s,
                "  Planned {}: {:+.3} (SE {:.3}), t({}) = {:.3}, p = {}",
                c.contrast,
                c.estimate,
                c.se,
                c.df,
                c.t,
                p_str(c.p)
            );
        }
        if let Some(c) = &a.trend {
            let _ = writeln!(
                s,
                "  Trend on log dose: t({}) = {:.3}, p = {}",
                c.df,
                c.t,
                p_str(c.p)
            );
        }
        if let Some(k) = &a.kruskal_wallis {
            let _ = writeln!(
                s,
                "  Kruskal-Wallis H = {:.3}, df {}, p = {}",
                k.statistic,
                k.df,
                p_str(k.p)
            );
        }
        for d in &a.dunn {
            let _ = writeln!(
                s,
                "  Dunn {} vs control: z = {:.3}, Holm p = {}",
                d.group,
                d.z,
                p_str(d.p_adjusted)
            );
        }
        s.push('\n');
    }
    for (gene, t) in &r.qpcr.0 {
        let _ = writeln!(
            s,
            "== qPCR {gene} ({}; calibrator '{}')",
            t.method, t.calibrator
        );
        for g in &t.groups {
            let _ = writeln!(
                s,
                "  {:<34} n {:>2}  fold change {} [{}, {}]",
                g.group,
                g.n,
                num(g.fold_change, 3),
                num(g.fold_change_lower, 3),
                num(g.fold_change_upper, 3)
            );
        }
        s.push('\n');
    }
    for (name, w) in &r.western.0 {
        let _ = writeln!(s, "== Western {name} (normalised to '{}')", w.calibrator);
        for g in &w.groups {
            let _ = writeln!(
                s,
                "  {:<34} n {:>2}  mean {} (SD {})",
                g.group,
                g.n,
                num(g.mean, 3),
                num(g.sd, 3)
            );
        }
        s.push('\n');
    }
    if !r.locomotor_check.is_empty() {
        let _ = writeln!(s, "== Locomotor check (Dunnett vs control)");
        for l in &r.locomotor_check {
            let _ = writeln!(
                s,
                "  {:<34} FST {:+.1} (p {})  OFT {:+.1} = {}% (p {})",
                l.group,
                l.fst_estimate,
                p_str(l.fst_p_adjusted),
                l.oft_estimate,
                num(l.oft_pct_of_control, 1),
                p_str(l.oft_p_adjusted)
            );
        }
        s.push('\n');
    }
    if !r.findings.is_empty() {
        let _ = writeln!(s, "Findings:");
        for f in &r.findings {
            let _ = writeln!(s, "  [{}] {}: {}", f.severity, f.code, f.message);
        }
    }
    let _ = writeln!(s, "\n{}", levodose::RESEARCH_USE_NOTE);
    s
}
