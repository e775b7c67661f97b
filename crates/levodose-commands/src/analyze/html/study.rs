//! The `analyze study` report: per endpoint the comparison against the control first (ANOVA and
//! Dunnett with simultaneous 95 % CIs), then group summaries and every test table, qPCR, Western
//! and locomotor results, the figures, and the methods paragraph `methods.md` also holds.

use super::super::study::Args;
use super::super::study_figures as figures;
use super::super::study_report::methods;
use levodose::study::StudyResult;
use levodose_report::{fixed, p_value, Answer, Document, Figure, Section, Table};
use levodose_stats::comparisons::EndpointAnalysis;

/// The primary comparison of one endpoint: the omnibus ANOVA and each group against the control.
fn endpoint_line(name: &str, a: &EndpointAnalysis, control: &str) -> String {
    let mut parts = Vec::new();
    if let Some(v) = &a.anova {
        parts.push(format!(
            "ANOVA F({}, {}) = {}, p = {}",
            v.df1,
            v.df2,
            fixed(Some(v.f), 3),
            p_value(v.p)
        ));
    }
    for d in &a.dunnett {
        parts.push(format!(
            "{} vs {control}: {} (95 % CI {} to {}, Dunnett p = {})",
            d.group,
            fixed(Some(d.estimate), 3),
            fixed(Some(d.lower), 3),
            fixed(Some(d.upper), 3),
            p_value(d.p_adjusted)
        ));
    }
    if parts.is_empty() {
        parts.push("not estimable (see findings)".into());
    }
    format!("{name}: {}", parts.join("; "))
}

fn answer(r: &StudyResult) -> Answer {
    let st = &r.study;
    Answer {
        headline: format!(
            "{} animals in {} groups, {} endpoints compared with '{}'",
            st.n_animals,
            st.levels.len(),
            r.endpoints.0.len(),
            st.control
        ),
        details: r
            .endpoints
            .0
            .iter()
            .map(|(n, a)| endpoint_line(n, a, &st.control))
            .collect(),
        positive: true,
    }
}

fn endpoint_tables(name: &str, a: &EndpointAnalysis, control: &str) -> Vec<Table> {
    let f3 = |x: f64| fixed(Some(x), 3);
    let mut groups = Table::new(
        format!("{name}: groups"),
        &[
            "group", "n", "missing", "mean", "SD", "SEM", "median", "min", "max",
        ],
    );
    for g in &a.groups {
        groups.row(vec![
            g.group.clone(),
            g.n.to_string(),
            g.n_missing.to_string(),
            fixed(g.mean, 3),
            fixed(g.sd, 3),
            fixed(g.sem, 3),
            fixed(g.median, 3),
            fixed(g.min, 3),
            fixed(g.max, 3),
        ]);
    }
    let mut omnibus = Table::new(
        format!("{name}: omnibus tests"),
        &["test", "statistic", "df", "p"],
    );
    if let Some(v) = &a.anova {
        omnibus.row(vec![
            "one-way ANOVA (F)".into(),
            f3(v.f),
            format!("{}, {}", v.df1, v.df2),
            p_value(v.p),
        ]);
    }
    if let Some(v) = &a.welch {
        omnibus.row(vec![
            "Welch ANOVA (F)".into(),
            f3(v.f),
            format!("{}, {:.2}", v.df1, v.df2),
            p_value(v.p),
        ]);
    }
    if let Some(k) = &a.kruskal_wallis {
        omnibus.row(vec![
            "Kruskal-Wallis (H)".into(),
            f3(k.statistic),
            format!("{}", k.df),
            p_value(k.p),
        ]);
    }
    let mut dunnett = Table::new(
        format!("{name}: Dunnett vs {control} (simultaneous 95 % CI)"),
        &[
            "group",
            "difference",
            "SE",
            "t",
            "lower",
            "upper",
            "p adjusted",
            "Hedges' g",
            "Dunn Holm p",
        ],
    );
    for d in &a.dunnett {
        let g = a.effect_sizes.iter().find(|e| e.group == d.group);
        let dunn = a.dunn.iter().find(|x| x.group == d.group);
        dunnett.row(vec![
            d.group.clone(),
            f3(d.estimate),
            f3(d.se),
            f3(d.t),
            f3(d.lower),
            f3(d.upper),
            p_value(d.p_adjusted),
            fixed(g.map(|e| e.hedges_g), 3),
            dunn.map(|x| p_value(x.p_adjusted))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    let mut contrasts = Table::new(
        format!("{name}: contrasts"),
        &[
            "contrast", "estimate", "SE", "t", "df", "p", "lower", "upper",
        ],
    );
    for c in a.planned_contrast.iter().chain(&a.trend) {
        contrasts.row(vec![
            c.contrast.clone(),
            f3(c.estimate),
            f3(c.se),
            f3(c.t),
            fixed(Some(c.df), 1),
            p_value(c.p),
            f3(c.ci95_lower),
            f3(c.ci95_upper),
        ]);
    }
    let mut tukey = Table::new(
        format!("{name}: Tukey-Kramer, all pairs"),
        &[
            "group 1",
            "group 2",
            "difference",
            "lower",
            "upper",
            "q",
            "p adjusted",
        ],
    );
    for t in &a.tukey {
        tukey.row(vec![
            t.group1.clone(),
            t.group2.clone(),
            f3(t.estimate),
            f3(t.lower),
            f3(t.upper),
            f3(t.q),
            p_value(t.p_adjusted),
        ]);
    }
    [groups, omnibus, dunnett, contrasts, tukey]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect()
}

fn assay_tables(r: &StudyResult) -> Vec<Table> {
    let mut out = Vec::new();
    for (gene, t) in &r.qpcr.0 {
        let mut q = Table::new(
            format!(
                "qPCR {gene}: fold change vs '{}' ({})",
                t.calibrator, t.method
            ),
            &[
                "group",
                "n",
                "mean ddCt",
                "fold change",
                "lower 95 %",
                "upper 95 %",
            ],
        );
        for g in &t.groups {
            q.row(vec![
                g.group.clone(),
                g.n.to_string(),
                fixed(g.mean_ddct, 3),
                fixed(g.fold_change, 3),
                fixed(g.fold_change_lower, 3),
                fixed(g.fold_change_upper, 3),
            ]);
        }
        out.push(q);
    }
    for (name, w) in &r.western.0 {
        let mut t = Table::new(
            format!("Western {name}: normalised to '{}'", w.calibrator),
            &["group", "n", "mean", "SD"],
        );
        for g in &w.groups {
            t.row(vec![
                g.group.clone(),
                g.n.to_string(),
                fixed(g.mean, 3),
                fixed(g.sd, 3),
            ]);
        }
        out.push(t);
    }
    if !r.locomotor_check.is_empty() {
        let mut t = Table::new(
            format!(
                "Locomotor check: difference from '{}' (Dunnett)",
                r.study.control
            ),
            &[
                "group",
                "forced swim (s)",
                "p adjusted",
                "open field",
                "open field (% of control)",
                "p adjusted",
            ],
        );
        for l in &r.locomotor_check {
            t.row(vec![
                l.group.clone(),
                fixed(Some(l.fst_estimate), 1),
                p_value(l.fst_p_adjusted),
                fixed(Some(l.oft_estimate), 1),
                fixed(l.oft_pct_of_control, 1),
                p_value(l.oft_p_adjusted),
            ]);
        }
        out.push(t);
    }
    out
}

/// Every figure the command writes, with a caption from its kind.
fn all_figures(r: &StudyResult) -> Vec<Figure> {
    figures::all(r)
        .into_iter()
        .map(|(file, svg)| {
            let id = file.trim_end_matches(".svg").to_string();
            let caption = match id.strip_prefix("endpoint_") {
                Some(_) => format!(
                    "Each animal as a point, group mean and SEM; Dunnett against '{}' ({file}).",
                    r.study.control
                ),
                None if id == "qpcr_fold_change" => {
                    format!("qPCR fold change with 95 % CI on a log2 axis ({file}).")
                }
                None => {
                    format!("Forced swim and open-field differences from the control ({file}).")
                }
            };
            Figure::from_svg(&id, caption, &svg)
        })
        .collect()
}

pub fn document(r: &StudyResult, a: &Args) -> anyhow::Result<Document> {
    let st = &r.study;
    let mut inputs = vec![("data".into(), a.data.display().to_string())];
    if let Some(s) = &a.scenario {
        inputs.push(("scenario".into(), s.display().to_string()));
    }
    if let Some(k) = &a.unblind {
        inputs.push(("blinding key".into(), k.display().to_string()));
    }
    let sizes: Vec<String> = st
        .levels
        .iter()
        .zip(&st.n_per_group)
        .map(|(l, n)| format!("{l} (n = {n})"))
        .collect();
    inputs.push(("groups".into(), sizes.join("; ")));
    inputs.push(("control".into(), st.control.clone()));
    if let Some(c) = &st.calibrator {
        inputs.push(("calibrator".into(), c.clone()));
    }
    if !st.dose_mg_per_kg.is_empty() {
        let d: Vec<String> = st
            .dose_mg_per_kg
            .iter()
            .map(|(g, d)| format!("{g} = {d} mg/kg"))
            .collect();
        inputs.push(("doses for the trend test".into(), d.join("; ")));
    }
    let mut sections: Vec<Section> = r
        .endpoints
        .0
        .iter()
        .map(|(name, an)| Section {
            heading: format!("Endpoint {name}"),
            tables: endpoint_tables(name, an, &st.control),
            ..Default::default()
        })
        .collect();
    let assays = assay_tables(r);
    if !assays.is_empty() {
        sections.push(Section {
            heading: "qPCR, Western and locomotor check".into(),
            tables: assays,
            ..Default::default()
        });
    }
    sections.push(Section {
        heading: "Figures".into(),
        figures: all_figures(r),
        ..Default::default()
    });
    sections.push(Section {
        heading: "Methods".into(),
        paragraphs: vec![methods(r).trim().to_string()],
        ..Default::default()
    });
    Ok(Document {
        title: "levodose analyze study".into(),
        inputs,
        answer: answer(r),
        sections,
        findings: r.findings.clone(),
        research_note: levodose::RESEARCH_USE_NOTE.to_string(),
        ..Default::default()
    })
}
