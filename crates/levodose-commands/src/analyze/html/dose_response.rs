//! The `analyze dose-response` report: the ED50 with its interval first (and the Hill slope for
//! the log-logistic model), then the parameters, the AIC comparison of every model and the fit
//! figure with its confidence band.

use super::super::dose_response::{all_findings, chart, equation, Args, Computed, LEVEL};
use levodose_report::{fixed, sig4, Answer, Document, Figure, Section, Table};

/// The answer: ED50 (95 % CI) in the dose column's units, the slope when the model has one.
fn answer(c: &Computed, args: &Args) -> Answer {
    let fit = &c.fit;
    let mut details = Vec::new();
    if let Some(h) = fit.parameters.iter().find(|p| p.name == "hill") {
        details.push(format!(
            "Hill slope {} (SE {})",
            sig4(Some(h.estimate)),
            sig4(Some(h.se))
        ));
    }
    details.push(format!(
        "{} model, {}; n = {}, residual SE {} on {} df, AIC {:.3}",
        fit.model,
        equation(fit.model),
        fit.n,
        sig4(Some(fit.residual_se)),
        fit.df,
        fit.aic
    ));
    Answer {
        headline: format!(
            "ED50 {} {} ({:.0} % CI {} to {})",
            sig4(Some(fit.ed50.estimate)),
            args.dose,
            100.0 * LEVEL,
            sig4(Some(fit.ed50.lower)),
            sig4(Some(fit.ed50.upper))
        ),
        details,
        positive: true,
    }
}

fn tables(c: &Computed) -> Vec<Table> {
    let mut params = Table::new("Parameter estimates", &["parameter", "estimate", "SE"]);
    for p in &c.fit.parameters {
        params.row(vec![
            p.name.to_string(),
            sig4(Some(p.estimate)),
            sig4(Some(p.se)),
        ]);
    }
    let params = params.with_note("SE = sqrt(diag(sigma² (J'J)⁻¹)), as R nls.");
    let mut cmp = Table::new(
        "Model comparison (lower AIC is better)",
        &["model", "AIC", "converged", "reported"],
    );
    for m in &c.comparison {
        cmp.row(vec![
            m.model.name().to_string(),
            m.aic
                .map(|a| fixed(Some(a), 3))
                .unwrap_or_else(|| "not fitted".into()),
            if m.converged { "yes" } else { "no" }.into(),
            if m.model == c.fit.model { "yes" } else { "" }.into(),
        ]);
    }
    let cmp = cmp.with_note("AIC = n log(2 pi RSS/n) + n + 2(p+1).");
    vec![params, cmp]
}

pub fn document(c: &Computed, args: &Args) -> anyhow::Result<Document> {
    let figure = Figure::from_chart(
        "dose_response",
        &chart(&c.fit, &c.doses, &c.responses, args),
    )?;
    Ok(Document {
        title: "levodose analyze dose-response".into(),
        inputs: vec![
            ("data".into(), args.data.display().to_string()),
            ("dose column".into(), args.dose.clone()),
            ("response column".into(), args.response.clone()),
            ("model".into(), c.fit.model.to_string()),
            ("observations".into(), c.doses.len().to_string()),
        ],
        answer: answer(c, args),
        sections: vec![
            Section {
                heading: "Fit".into(),
                tables: tables(c),
                figures: vec![figure],
                ..Default::default()
            },
            Section {
                heading: "Methods".into(),
                paragraphs: vec![format!(
                    "The {} model ({}) was fitted by least squares (Levenberg-Marquardt). The ED50 interval is a Wald interval on log ED50 with the t quantile on {} df; the band around the fitted mean is pointwise, by the delta method. Every model was fitted for the AIC comparison.",
                    c.fit.model,
                    equation(c.fit.model),
                    c.fit.df
                )],
                ..Default::default()
            },
        ],
        findings: all_findings(&c.fit, &c.comparison),
        research_note: levodose::RESEARCH_USE_NOTE.to_string(),
        ..Default::default()
    })
}
