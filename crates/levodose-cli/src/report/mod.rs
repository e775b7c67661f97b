//! The one HTML renderer: every `--out` and every `levodose serve` result page is a
//! [`Document`] rendered by [`render_html`] through the same template, so the file a user opens
//! and the page the workbench shows cannot differ.
//!
//! Commands only *build* a `Document` from the result struct they also serialise as JSON; they
//! never write HTML. The page is self-contained (inline CSS and SVG, no script, no network) and
//! prints to PDF with page breaks before each section.

mod sources;
mod table;

pub use sources::sources_of;
pub use table::{fixed, p_value, sig4};

use crate::plot::Chart;
use levodose::finding::{Finding, Severity};
use serde::Serialize;

/// The template, compiled into the binary so a report never depends on files beside it.
const TEMPLATE: &str = include_str!("report.html.j2");

/// A report: inputs, the answer first, then sections, findings and sources.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Document {
    /// Page title, e.g. "levodose optimize: levomilnacipran".
    pub title: String,
    /// The command that reproduces this report on the command line (shown in serve).
    pub command: Option<String>,
    /// The inputs as (name, value) pairs, in the order the user gave them.
    pub inputs: Vec<(String, String)>,
    /// The answer, shown first.
    pub answer: Answer,
    pub sections: Vec<Section>,
    pub findings: Vec<Finding>,
    /// References cited, with the status of the values taken from them.
    pub sources: Vec<Source>,
    pub research_note: String,
    /// Extra links shown under the answer (serve: JSON download, back to the form).
    pub links: Vec<(String, String)>,
}

/// The answer box: one headline and a few supporting lines.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Answer {
    pub headline: String,
    pub details: Vec<String>,
    /// false when the answer is "no dose" or a failure to meet the target (shown in red).
    pub positive: bool,
}

/// A titled part of the report.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub tables: Vec<Table>,
    pub figures: Vec<Figure>,
}

/// A table with a caption; cells are already formatted with their units in the header.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Footnote under the table.
    pub note: Option<String>,
}

/// An inline SVG figure with its caption and the file name it is also written under.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub id: String,
    pub caption: String,
    pub svg: String,
}

/// A cited reference and the status of the values taken from it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Source {
    pub key: String,
    pub citation: String,
    pub address: String,
    /// "published", "derived" or "assumed" (the monograph's status of the values used).
    pub status: String,
}

impl Figure {
    /// Renders `chart` to SVG; the caption is the chart's caption or its title.
    pub fn from_chart(id: &str, chart: &Chart) -> anyhow::Result<Figure> {
        let svg = chart.render_svg()?;
        Ok(Figure {
            id: id.to_string(),
            caption: chart.caption.clone().unwrap_or_else(|| chart.title.clone()),
            svg: strip_xml_prolog(&svg).to_string(),
        })
    }
}

impl Figure {
    /// A figure drawn directly as SVG (e.g. the study's categorical plots).
    pub fn from_svg(id: &str, caption: impl Into<String>, svg: &str) -> Figure {
        Figure {
            id: id.to_string(),
            caption: caption.into(),
            svg: strip_xml_prolog(svg).to_string(),
        }
    }
}

/// SVG files may start with an XML declaration, which is invalid inside HTML.
fn strip_xml_prolog(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

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

/// Quotes one argument for a POSIX shell when it needs it, so the printed command runs as shown.
pub fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// The command line for `argv` (program name first), quoted for a shell.
pub fn command_line(argv: &[String]) -> String {
    argv.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

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
