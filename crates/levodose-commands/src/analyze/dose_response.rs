//! `levodose analyze dose-response`: least-squares fit of a dose-response model (ll4, Emax,
//! Emax without baseline) to a CSV file, with ED50 interval, model comparison by AIC, design
//! findings, and optionally `fit.json` and `dose_response.svg`.

use crate::error::{CliError, CliResult};
use crate::io::{file_names, print_json, to_json, write_files};
use levodose_report::plot::Chart;
use levodose_stats::dose_response::{self, Comparison, DoseResponseError, Finding, Fit, Model};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ModelArg {
    /// Four-parameter log-logistic: bottom + (top - bottom) / (1 + (ec50/x)^hill).
    Ll4,
    /// Emax with baseline: e0 + emax*x / (ed50 + x).
    Emax,
    /// Emax without baseline: emax*x / (ed50 + x).
    Emax0,
}

impl From<ModelArg> for Model {
    fn from(m: ModelArg) -> Model {
        match m {
            ModelArg::Ll4 => Model::Ll4,
            ModelArg::Emax => Model::Emax,
            ModelArg::Emax0 => Model::Emax0,
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// CSV file with a header row.
    pub data: PathBuf,
    /// Column holding the dose (numbers >= 0).
    #[arg(long)]
    pub dose: String,
    /// Column holding the response.
    #[arg(long)]
    pub response: String,
    /// Model to report; every model is fitted for the AIC comparison.
    #[arg(long, value_enum, default_value = "ll4")]
    pub model: ModelArg,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write fit.json, dose_response.svg and report.html into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Confidence level of the ED50 interval and the band.
pub(super) const LEVEL: f64 = 0.95;

/// The data as read and the fits: what the text, JSON, figure and report are rendered from.
pub struct Computed {
    pub doses: Vec<f64>,
    pub responses: Vec<f64>,
    pub fit: Fit,
    pub comparison: Vec<Comparison>,
}

/// Reads and checks the CSV, then fits every model (shared by the CLI and `levodose serve`).
pub fn compute(args: &Args) -> CliResult<Computed> {
    let (doses, responses) = read_data(&args.data, &args.dose, &args.response)?;
    let fit = dose_response::fit(&doses, &responses, Model::from(args.model))
        .map_err(|e| fit_error(&e, args))?;
    let comparison = dose_response::compare(&doses, &responses);
    Ok(Computed {
        doses,
        responses,
        fit,
        comparison,
    })
}

pub fn run(args: Args) -> CliResult {
    let c = compute(&args)?;
    let report = report_json(&c.fit, &c.comparison);
    if let Some(dir) = &args.out {
        let doc = super::html::dose_response::document(&c, &args)?;
        let files = [
            ("fit.json", to_json(&report)?.into_bytes()),
            (
                "dose_response.svg",
                chart(&c.fit, &c.doses, &c.responses, &args)
                    .render_svg()?
                    .into_bytes(),
            ),
            (
                "report.html",
                levodose_report::render_html(&doc)?.into_bytes(),
            ),
        ];
        write_files(dir, &files)?;
        if !args.json {
            println!("Wrote {} to {}\n", file_names(&files), dir.display());
        }
    }
    if args.json {
        print_json(&report)
    } else {
        print_text(&c.fit, &c.comparison, &args);
        Ok(())
    }
}

/// Fit failures come from the data (too few points, no plateau, constant responses): exit 2.
fn fit_error(e: &DoseResponseError, args: &Args) -> CliError {
    CliError::input(format!("DATA {}: {e}", args.data.display()))
}

/// Reads two numeric columns; errors name the file, row and column.
fn read_data(path: &Path, dose_col: &str, resp_col: &str) -> CliResult<(Vec<f64>, Vec<f64>)> {
    let (mut rdr, headers) = super::open_csv(path, "DATA")?;
    let column = |flag: &str, name: &str| -> CliResult<usize> {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            let names: Vec<&str> = headers.iter().collect();
            CliError::input(format!(
                "{flag} '{name}': no such column in {} (columns: {})",
                path.display(),
                names.join(", ")
            ))
        })
    };
    let (di, ri) = (column("--dose", dose_col)?, column("--response", resp_col)?);
    let (mut doses, mut responses) = (Vec::new(), Vec::new());
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 1;
        let rec = rec
            .map_err(|e| CliError::input(format!("DATA {} data row {row}: {e}", path.display())))?;
        let cell = |idx: usize, flag: &str, name: &str| -> CliResult<f64> {
            let text = rec.get(idx).unwrap_or("");
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(CliError::input(format!(
                    "{flag} column '{name}', data row {row}: '{text}' is not a finite number"
                ))),
            }
        };
        let d = cell(di, "--dose", dose_col)?;
        if d < 0.0 {
            return Err(CliError::input(format!(
                "--dose column '{dose_col}', data row {row}: dose {d} is negative; doses must be >= 0"
            )));
        }
        doses.push(d);
        responses.push(cell(ri, "--response", resp_col)?);
    }
    Ok((doses, responses))
}

#[derive(Serialize)]
struct ComparisonRow {
    model: Model,
    aic: Option<f64>,
    converged: bool,
}

pub fn report_json(fit: &Fit, comparison: &[Comparison]) -> Value {
    let parameters: Map<String, Value> = fit
        .parameters
        .iter()
        .map(|p| {
            (
                p.name.to_string(),
                json!({ "estimate": p.estimate, "se": p.se }),
            )
        })
        .collect();
    let rows: Vec<ComparisonRow> = comparison
        .iter()
        .map(|c| ComparisonRow {
            model: c.model,
            aic: c.aic,
            converged: c.converged,
        })
        .collect();
    json!({
        "model": fit.model,
        "n": fit.n,
        "parameters": parameters,
        "ed50": { "estimate": fit.ed50.estimate, "lower": fit.ed50.lower, "upper": fit.ed50.upper },
        "residual_se": fit.residual_se,
        "df": fit.df,
        "aic": fit.aic,
        "findings": all_findings(fit, comparison),
        "comparison": rows,
    })
}

pub(super) fn all_findings(fit: &Fit, comparison: &[Comparison]) -> Vec<Finding> {
    let mut out = fit.findings.clone();
    out.extend(dose_response::comparison_findings(fit, comparison));
    out
}

pub(super) fn equation(model: Model) -> &'static str {
    match model {
        Model::Ll4 => "y = bottom + (top - bottom) / (1 + (ec50/x)^hill)",
        Model::Emax => "y = e0 + emax*x / (ed50 + x)",
        Model::Emax0 => "y = emax*x / (ed50 + x)",
    }
}

fn print_text(fit: &Fit, comparison: &[Comparison], args: &Args) {
    println!(
        "Dose-response fit: {} ({}), n = {}, {}",
        fit.model,
        equation(fit.model),
        fit.n,
        args.data.display()
    );
    println!("Least squares (Levenberg-Marquardt); SE = sqrt(diag(sigma^2 (J'J)^-1)) as R nls.\n");
    println!("{:<10} {:>14} {:>14}", "parameter", "estimate", "SE");
    for p in &fit.parameters {
        println!("{:<10} {:>14.6} {:>14.6}", p.name, p.estimate, p.se);
    }
    println!(
        "\nED50 {:.6} ({:.0} % CI {:.6} to {:.6}; Wald on log ED50 with t quantile on {} df)",
        fit.ed50.estimate,
        100.0 * LEVEL,
        fit.ed50.lower,
        fit.ed50.upper,
        fit.df
    );
    println!(
        "Residual SE {:.6} on {} df; AIC {:.3}",
        fit.residual_se, fit.df, fit.aic
    );
    println!("\nModel comparison (AIC = n log(2 pi RSS/n) + n + 2(p+1); lower is better):");
    for c in comparison {
        let mark = if c.model == fit.model {
            "  (reported)"
        } else {
            ""
        };
        match c.aic {
            Some(aic) => println!("  {:<6} {:>12.3}{mark}", c.model.name(), aic),
            None => println!("  {:<6} {:>12}{mark}", c.model.name(), "not fitted"),
        }
    }
    let findings = all_findings(fit, comparison);
    println!("\nFindings:");
    if findings.is_empty() {
        println!("  none");
    }
    for f in &findings {
        let sev = match f.severity {
            dose_response::Severity::Info => "info",
            dose_response::Severity::Warning => "warning",
            dose_response::Severity::Error => "error",
        };
        println!("  [{sev}] {}: {}", f.code, f.message);
    }
    println!("\n{}", crate::research_note());
}

/// Data, fitted mean curve and its pointwise 95 % band (delta method) on a log dose axis;
/// dose 0 is drawn at a tenth of the lowest positive dose.
pub(super) fn chart(fit: &Fit, doses: &[f64], responses: &[f64], args: &Args) -> Chart {
    let lowest = doses
        .iter()
        .copied()
        .filter(|&d| d > 0.0)
        .fold(f64::INFINITY, f64::min);
    let highest = doses.iter().copied().fold(0.0, f64::max);
    let has_zero = doses.contains(&0.0);
    let zero_at = lowest / 10.0;
    let from = if has_zero { zero_at } else { lowest };
    let m = 200;
    let grid: Vec<f64> = (0..=m)
        .map(|i| from * (highest / from).powf(i as f64 / m as f64))
        .collect();
    let (mut mean, mut lower, mut upper) = (Vec::new(), Vec::new(), Vec::new());
    for &x in &grid {
        if let Ok(ci) = fit.mean_ci(x, LEVEL) {
            mean.push((x, ci.estimate));
            lower.push(ci.lower);
            upper.push(ci.upper);
        }
    }
    let band_x: Vec<f64> = mean.iter().map(|p| p.0).collect();
    let points: Vec<(f64, f64)> = doses
        .iter()
        .zip(responses)
        .map(|(&d, &y)| (if d > 0.0 { d } else { zero_at }, y))
        .collect();
    let mut note = format!(
        "95 % band: delta method, t quantile on {} df. {}",
        fit.df,
        crate::research_note()
    );
    if has_zero {
        note = format!("Dose 0 plotted at {} (log axis). {note}", sig4(zero_at));
    }
    let mut c = Chart::new(
        format!("{} fit: ED50 {}", fit.model, sig4(fit.ed50.estimate)),
        format!("{} (log scale)", args.dose),
        args.response.clone(),
    )
    .band("95 % CI of mean", band_x, lower, upper)
    .points("data", points)
    .line(format!("{} fit", fit.model), mean);
    c.log_x = true;
    c.vlines.push((fit.ed50.estimate, "ED50".to_string()));
    c.note = Some(note);
    c
}

/// Four significant digits (the report's format).
fn sig4(x: f64) -> String {
    levodose_report::sig4(Some(x))
}
