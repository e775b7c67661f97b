//! The one HTML renderer: every `--out` and every `levodose serve` result page is a
//! [`Document`] rendered by [`render_html`] through the same template, so the file a user opens
//! and the page the workbench shows cannot differ.
//!
//! Commands only *build* a `Document` from the result struct they also serialise as JSON; they
//! never write HTML. The page is self-contained (inline CSS and SVG, no script, no network) and
//! prints to PDF with page breaks before each section.

use crate::document::Document;
use levodose::finding::{Finding, Severity};
use serde::Serialize;

/// The template, compiled into the binary so a report never depends on files beside it.
const TEMPLATE: &str = include_str!("report.html.j2");

/// Findings grouped for the template, most severe first.
#[derive(Serialize)]
struct FindingGroup<'a> {
    severity: String,
    findings: Vec<&'a Finding>,
}

fn group_findings(findings: &[Finding]) -> Vec<FindingGroup<'_>> {
    [Severity::Error, Severity::Warning, Severity::Info]
        .into_iter()
        .map(|sev| FindingGroup {
            severity: sev.to_string(),
            findings: findings.iter().filter(|f| f.severity == sev).collect(),
        })
        .filter(|g| !g.findings.is_empty())
        .collect()
}

/// Renders `doc` as one self-contained HTML page.
pub fn render_html(doc: &Document) -> anyhow::Result<String> {
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.add_template("report.html", TEMPLATE)?;
    let tmpl = env.get_template("report.html")?;
    let html = tmpl.render(minijinja::context! {
        doc => doc,
        finding_groups => group_findings(&doc.findings),
        version => env!("CARGO_PKG_VERSION"),
    })?;
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command_line::shell_quote;
    use crate::document::{Answer, Figure, Section};
    use crate::plot::Chart;

    fn doc() -> Document {
        Document {
            title: "t <b>".into(),
            inputs: vec![("dose".into(), "40 mg".into())],
            answer: Answer {
                headline: "80 mg once daily".into(),
                details: vec![],
                positive: true,
            },
            findings: vec![
                Finding::new("I1", Severity::Info, "info msg", "src"),
                Finding::new("E1", Severity::Error, "error msg", "src"),
            ],
            research_note: "research only".into(),
            ..Default::default()
        }
    }

    #[test]
    fn html_escapes_text_and_orders_findings_by_severity() {
        let html = render_html(&doc()).unwrap();
        assert!(html.contains("t &lt;b&gt;"), "title must be escaped");
        let e = html.find("error msg").unwrap();
        let i = html.find("info msg").unwrap();
        assert!(e < i, "errors come before infos");
        assert!(html.contains("research only"));
    }

    #[test]
    fn html_needs_no_network() {
        let html = render_html(&doc()).unwrap();
        for needle in [
            "src=\"http",
            "url(http",
            "<script src",
            "stylesheet",
            "@import",
        ] {
            assert!(
                !html.contains(needle),
                "report must be self-contained: {needle}"
            );
        }
    }

    #[test]
    fn figures_are_inline_svg_without_xml_prolog() {
        let chart = Chart::new("c", "x (h)", "y (ng/mL)").line("a", vec![(0.0, 1.0), (1.0, 2.0)]);
        let fig = Figure::from_chart("f", &chart).unwrap();
        assert!(fig.svg.starts_with("<svg"));
        let mut d = doc();
        d.sections.push(Section {
            heading: "s".into(),
            figures: vec![fig],
            ..Default::default()
        });
        let html = render_html(&d).unwrap();
        assert!(html.contains("<svg"), "SVG must be inlined unescaped");
    }

    #[test]
    fn shell_quote_round_trips_spaces_and_quotes() {
        assert_eq!(shell_quote("--pta"), "--pta");
        assert_eq!(shell_quote("80mg qd"), "'80mg qd'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(
            shell_quote("net_occupancy.trough>=0.5"),
            "'net_occupancy.trough>=0.5'"
        );
    }
}
