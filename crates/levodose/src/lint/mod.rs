//! Design lint: findings `{code, severity, message, source, suggestion}` for a scenario file.
//! The scenario kind is detected from the file: `[study] kind = "preclinical"` or a `[trial]`
//! table (clinical; its rules live in `trial::lint`). One finding-returning function per kind.

pub mod preclinical;

use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::monograph::Monograph;
use serde::Serialize;

/// What a scenario file describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScenarioKind {
    Preclinical,
    Clinical,
}

/// Detects the kind from the TOML text: `[study] kind = "preclinical"` or a `[trial]` table.
pub fn detect_kind(text: &str, file: &str) -> Result<ScenarioKind> {
    let v: toml::Value = toml::from_str(text)
        .map_err(|e| Error::input(format!("scenario {file}"), e.message().to_string()))?;
    let kind = v
        .get("study")
        .and_then(|s| s.get("kind"))
        .and_then(|k| k.as_str());
    match kind {
        Some("preclinical") => Ok(ScenarioKind::Preclinical),
        Some("clinical") => Ok(ScenarioKind::Clinical),
        Some(other) => Err(Error::input(
            "study.kind",
            format!("\"{other}\" is not preclinical or clinical"),
        )),
        None if v.get("trial").is_some() => Ok(ScenarioKind::Clinical),
        None => Err(Error::input(
            format!("scenario {file}"),
            "cannot tell the kind: add [study] kind = \"preclinical\" or a [trial] table",
        )),
    }
}

/// The lint report of one file.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub file: String,
    pub kind: ScenarioKind,
    pub findings: Vec<Finding>,
    pub research_note: &'static str,
}

/// Lints a scenario file's text.
pub fn lint_str(m: &Monograph, text: &str, file: &str) -> Result<Report> {
    let kind = detect_kind(text, file)?;
    let findings = match kind {
        ScenarioKind::Preclinical => {
            let sc = crate::study::PreclinicalScenario::from_toml_str(text, file)?;
            preclinical::lint(m, &sc)?
        }
        ScenarioKind::Clinical => {
            let sc = crate::trial::parse(text)?;
            crate::trial::lint_trial(&sc, m)
        }
    };
    Ok(Report {
        file: file.into(),
        kind,
        findings,
        research_note: crate::RESEARCH_USE_NOTE,
    })
}
