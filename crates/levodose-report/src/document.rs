//! The report model every command builds: a [`Document`] of inputs, the answer first, sections of
//! tables and figures, findings and sources. Rendered to HTML by [`crate::html::render_html`].

use crate::plot::Chart;
use levodose::finding::Finding;
use serde::Serialize;

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
