//! The `analyze nca` report: the summary by group first (geometric mean Cmax and AUC, median
//! half-life), then group summaries and per-subject parameters with their units, the settings
//! and rules, and every plot the command writes (spaghetti, each subject linear and log).

use super::super::nca::render::{self, TABLE};
use super::super::nca::{plots, Args, Computed};
use levodose_report::{sig4, Answer, Document, Figure, Section, Table};
use levodose_stats::nca::{GroupSummary, ParameterSummary};
use std::collections::BTreeMap;

fn find<'a>(g: &'a GroupSummary, name: &str) -> Option<&'a ParameterSummary> {
    g.parameters.iter().find(|p| p.parameter == name)
}

fn group_label(g: &GroupSummary) -> String {
    match &g.group {
        Some(x) => format!("group {x}"),
        None => "all subjects".into(),
    }
}

/// One line per group: the numbers a reader looks for first.
fn group_line(g: &GroupSummary, units: &BTreeMap<&'static str, String>) -> String {
    let unit = |n: &str| units.get(n).cloned().unwrap_or_default();
    let geo = |n: &str, label: &str| {
        find(g, n).map(|p| {
            format!(
                "{label} geometric mean {} {} (CV {} %)",
                sig4(p.geometric_mean),
                unit(n),
                sig4(p.geometric_cv_pct)
            )
        })
    };
    let mut parts: Vec<String> = Vec::new();
    parts.extend(geo("cmax", "Cmax"));
    parts.extend(geo("auclast", "AUClast"));
    parts.extend(geo("aucinf_obs", "AUCinf"));
    if let Some(p) = find(g, "half_life") {
        parts.push(format!(
            "half-life median {} {}",
            sig4(p.median),
            unit("half_life")
        ));
    }
    format!(
        "{} (n = {}): {}",
        group_label(g),
        g.n_subjects,
        parts.join("; ")
    )
}

fn answer(c: &Computed, units: &BTreeMap<&'static str, String>) -> Answer {
    let lines: Vec<String> = c.summary.iter().map(|g| group_line(g, units)).collect();
    Answer {
        headline: format!(
            "NCA of {} subjects ({} route, {} trapezoids)",
            c.analysis.subjects.len(),
            c.settings.route.name(),
            c.settings.auc_method.name()
        ),
        details: lines,
        positive: true,
    }
}

fn header_with_unit(name: &str, units: &BTreeMap<&'static str, String>) -> String {
    match units.get(name) {
        Some(u) if !u.is_empty() => format!("{name} ({u})"),
        _ => name.to_string(),
    }
}

fn summary_table(g: &GroupSummary, units: &BTreeMap<&'static str, String>) -> Table {
    let mut t = Table::new(
        format!("Summary of {} (n = {})", group_label(g), g.n_subjects),
        &[
            "parameter",
            "n",
            "mean",
            "SD",
            "geometric mean",
            "geometric CV %",
            "median",
            "min",
            "max",
        ],
    );
    for p in g
        .parameters
        .iter()
        .filter(|p| TABLE.contains(&p.parameter.as_str()))
    {
        t.row(vec![
            header_with_unit(&p.parameter, units),
            p.n.to_string(),
            sig4(p.mean),
            sig4(p.sd),
            sig4(p.geometric_mean),
            sig4(p.geometric_cv_pct),
            sig4(p.median),
            sig4(p.min),
            sig4(p.max),
        ]);
    }
    t
}

fn subject_table(c: &Computed, units: &BTreeMap<&'static str, String>) -> Table {
    let names: Vec<String> = TABLE.iter().map(|n| header_with_unit(n, units)).collect();
    let mut header: Vec<&str> = vec!["id", "group"];
    header.extend(names.iter().map(String::as_str));
    let mut t = Table::new("Parameters per subject", &header);
    for (r, g) in c.analysis.subjects.iter().zip(&c.groups) {
        let mut cells = vec![r.id.clone(), g.clone().unwrap_or_default()];
        cells.extend(TABLE.iter().map(|n| sig4(r.parameters.get(n))));
        t.row(cells);
    }
    t.with_note("All parameters at full precision: nca.json, nca_results.csv and CDISC PP rows in pp.csv (with --out). '-': not estimable.")
}

fn figures(c: &Computed) -> anyhow::Result<Vec<Figure>> {
    let mut out = vec![Figure::from_chart(
        "spaghetti",
        &plots::spaghetti(&c.profiles, &c.units),
    )?];
    for (p, r) in c.profiles.iter().zip(&c.analysis.subjects) {
        let id = plots::safe_id(&p.id);
        out.push(Figure::from_chart(
            &format!("profile-{id}-linear"),
            &plots::linear(p, r, &c.units),
        )?);
        out.push(Figure::from_chart(
            &format!("profile-{id}-log"),
            &plots::log(p, r, &c.units),
        )?);
    }
    Ok(out)
}

pub fn document(c: &Computed, a: &Args) -> anyhow::Result<Document> {
    let units = render::parameter_units(&c.analysis, &c.units);
    let s = &c.settings;
    let dose = match (c.nonmem_input, a.dose, &a.dose_column) {
        (true, _, _) => format!("the dataset's dose records ({})", c.units.dose),
        (false, Some(d), _) => format!("{d} {}", c.units.dose),
        (false, None, Some(col)) => format!("column {col} ({})", c.units.dose),
        (false, None, None) => "not given (dose-normalised parameters are null)".into(),
    };
    let columns = if c.nonmem_input {
        "NONMEM dataset: ID, TIME, AMT, DV, EVID/MDV, CMT, RATE".to_string()
    } else {
        format!(
            "id {}, time {}, concentration {}",
            a.id.as_deref().unwrap_or("ID"),
            a.time.as_deref().unwrap_or("TIME"),
            a.conc.as_deref().unwrap_or("CONC")
        )
    };
    let mut inputs = vec![
        ("data".into(), c.data_name.clone()),
        ("columns".into(), columns),
        ("dose".into(), dose),
        ("route".into(), s.route.name().to_string()),
        ("AUC method".into(), s.auc_method.name().to_string()),
        (
            "units".into(),
            format!(
                "time {}, concentration {}, dose {}",
                c.units.time, c.units.conc, c.units.dose
            ),
        ),
    ];
    if let Some(g) = &a.group {
        inputs.push(("group column".into(), g.clone()));
    }
    if let Some(l) = a.lloq {
        inputs.push(("LLOQ".into(), format!("{l} {}", c.units.conc)));
    }
    if let Some(t) = s.tau {
        inputs.push(("tau".into(), format!("{t} {}", c.units.time)));
    }
    if !a.auc_interval.is_empty() {
        inputs.push(("partial AUC intervals".into(), a.auc_interval.join(", ")));
    }
    let mut tables: Vec<Table> = c.summary.iter().map(|g| summary_table(g, &units)).collect();
    tables.push(subject_table(c, &units));
    Ok(Document {
        title: "levodose analyze nca".into(),
        inputs,
        answer: answer(c, &units),
        sections: vec![
            Section {
                heading: "Results".into(),
                tables,
                figures: figures(c)?,
                ..Default::default()
            },
            Section {
                heading: "Methods".into(),
                paragraphs: vec![
                    format!(
                        "Non-compartmental analysis as Phoenix WinNonlin computes it, parameters named as PKNCA; {} trapezoids.",
                        s.auc_method.name()
                    ),
                    format!("lambda_z: {}.", render::LAMBDA_Z_RULE),
                    format!("BLQ: {}.", render::BLQ_NOTE),
                ],
                ..Default::default()
            },
        ],
        findings: c.analysis.findings.clone(),
        research_note: levodose::RESEARCH_USE_NOTE.to_string(),
        ..Default::default()
    })
}
