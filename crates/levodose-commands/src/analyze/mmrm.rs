//! `levodose analyze mmrm`: MMRM (REML, unstructured covariance) on a long-format CSV, as SAS
//! PROC MIXED reports it: fixed effects, covariance, LS means and arm differences per visit.

use crate::error::{CliError, CliResult};
use crate::io::{file_names, print_json, to_json, write_files};
use levodose_stats::mmrm::{fit, Data, DfMethod, Formula, MmrmFit, ModelSpec};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::PathBuf;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum DfArg {
    Satterthwaite,
    KenwardRoger,
}

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  levodose analyze mmrm fev.csv --formula \"FEV1 ~ ARMCD*AVISIT + RACE + SEX + us(AVISIT | USUBJID)\" \\\n      --arm ARMCD --reference ARMCD=PBO --json\n  levodose analyze mmrm trial.csv --formula \"CHG ~ ARM*VISIT + BASE:VISIT + us(VISIT | ID)\" --arm ARM --df kenward-roger\n\nEmpty outcome cells are missing outcomes (dropped by row: likelihood analysis under MAR)."
)]
pub struct Args {
    /// Long-format CSV: one row per subject and visit.
    pub data: PathBuf,
    /// Model in R mmrm notation, e.g. "FEV1 ~ ARMCD*AVISIT + RACE + us(AVISIT | USUBJID)".
    #[arg(long)]
    pub formula: String,
    /// Treatment factor for LS means and differences; its reference level is the comparator.
    #[arg(long)]
    pub arm: Option<String>,
    /// Columns to treat as categorical even if numeric (comma separated).
    #[arg(long, value_delimiter = ',')]
    pub factors: Vec<String>,
    /// Reference level, COL=LEVEL (repeatable; default: first level in sorted order).
    #[arg(long = "reference")]
    pub references: Vec<String>,
    /// Visit order for the covariance matrix (default: natural order, VIS2 before VIS10).
    #[arg(long, value_delimiter = ',')]
    pub visit_order: Vec<String>,
    /// Denominator degrees of freedom.
    #[arg(long, value_enum, default_value = "satterthwaite")]
    pub df: DfArg,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Write report.html, mmrm.json and lsmeans.svg (LS means by visit) into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Serialize)]
pub struct Report<'a> {
    #[serde(flatten)]
    pub fit: &'a MmrmFit,
    pub notes: Vec<String>,
}

pub fn run(args: Args) -> CliResult {
    let (result, notes) = compute(&args)?;
    let report = Report {
        fit: &result,
        notes: notes.clone(),
    };
    if let Some(dir) = &args.out {
        // Render both files before writing either: no partial output.
        let doc = super::html::mmrm::document(&result, &notes, &args.formula)?;
        let mut files = vec![
            (
                "report.html",
                levodose_report::render_html(&doc)?.into_bytes(),
            ),
            ("mmrm.json", to_json(&report)?.into_bytes()),
        ];
        if let Some(chart) = super::html::mmrm::lsmeans_chart(&result) {
            files.push(("lsmeans.svg", chart.render_svg()?.into_bytes()));
        }
        write_files(dir, &files)?;
        if !args.json {
            println!("Wrote {} to {}\n", file_names(&files), dir.display());
        }
    }
    if args.json {
        print_json(&report)
    } else {
        print_tables(&result, &notes);
        Ok(())
    }
}

/// Reads and checks the CSV, then fits (shared by the CLI and `levodose serve`).
pub fn compute(args: &Args) -> CliResult<(MmrmFit, Vec<String>)> {
    let formula =
        Formula::parse(&args.formula).map_err(|e| CliError::input(format!("--formula: {e}")))?;
    let (data, notes) = load(args, &formula)?;
    let df = match args.df {
        DfArg::Satterthwaite => DfMethod::Satterthwaite,
        DfArg::KenwardRoger => DfMethod::KenwardRoger,
    };
    let mut spec = ModelSpec::from_formula(&formula).with_df(df);
    if let Some(arm) = &args.arm {
        spec = spec.with_arm(arm);
    }
    let result = fit(&data, &spec).map_err(|e| CliError::input(e.to_string()))?;
    Ok((result, notes))
}

/// Reads the CSV into MMRM data; returns notes on dropped rows and subjects.
fn load(args: &Args, formula: &Formula) -> CliResult<(Data, Vec<String>)> {
    let path = &args.data;
    let mut rdr = csv::Reader::from_path(path)
        .map_err(|e| CliError::input(format!("{}: cannot read: {e}", path.display())))?;
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| CliError::input(format!("{}: header: {e}", path.display())))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut records = Vec::new();
    for (i, r) in rdr.records().enumerate() {
        let r =
            r.map_err(|e| CliError::input(format!("{}: row {}: {e}", path.display(), i + 2)))?;
        records.push(
            r.iter()
                .map(|c| c.trim().to_string())
                .collect::<Vec<String>>(),
        );
    }
    if records.is_empty() {
        return Err(CliError::input(format!("{}: no data rows", path.display())));
    }
    let cov = formula.covariance.as_ref().ok_or_else(|| {
        CliError::input("--formula: add the covariance structure us(VISIT | SUBJECT), e.g. us(AVISIT | USUBJID)")
    })?;
    let column = |name: &str, what: &str| -> CliResult<usize> {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            CliError::input(format!(
                "{what} column `{name}` is not in {} (columns: {})",
                path.display(),
                headers.join(", ")
            ))
        })
    };
    if let Some(arm) = &args.arm {
        if !formula.terms.iter().flatten().any(|v| v == arm) {
            return Err(CliError::input(format!(
                "--arm {arm}: {arm} is not a term of the formula, so the model has no {arm} effect to compare; add it to the formula (e.g. {} ~ {arm}*{} + ...) or name a factor of the formula",
                formula.response, cov.visit
            )));
        }
    }
    let y_col = column(&formula.response, "--formula: response")?;
    let visit_col = column(&cov.visit, "--formula: visit")?;
    let subject_col = column(&cov.subject, "--formula: subject")?;
    let mut covariates: Vec<String> = Vec::new();
    for v in formula.terms.iter().flatten().chain(args.arm.iter()) {
        if v != &cov.visit && !covariates.contains(v) {
            covariates.push(v.clone());
        }
    }
    let cov_cols: Vec<usize> = covariates
        .iter()
        .map(|c| column(c, "--formula: term"))
        .collect::<CliResult<_>>()?;
    for f in &args.factors {
        column(f, "--factors")?;
    }

    // Rows with a missing visit, subject or covariate cannot be used.
    let mut notes = Vec::new();
    let mut keep = Vec::new();
    let mut dropped_observed = Vec::new();
    let mut dropped_missing = 0;
    for (i, r) in records.iter().enumerate() {
        if r[visit_col].is_empty() || r[subject_col].is_empty() {
            return Err(CliError::input(format!(
                "row {}: empty {} or {}",
                i + 2,
                cov.visit,
                cov.subject
            )));
        }
        let empty: Vec<&str> = covariates
            .iter()
            .zip(&cov_cols)
            .filter(|(_, &c)| r[c].is_empty())
            .map(|(n, _)| n.as_str())
            .collect();
        if empty.is_empty() {
            keep.push(i);
        } else if is_missing_outcome(&r[y_col]) {
            dropped_missing += 1;
        } else {
            dropped_observed.push(format!(
                "row {} (subject {}, {} {}): empty {}",
                i + 2,
                r[subject_col],
                cov.visit,
                r[visit_col],
                empty.join(", ")
            ));
        }
    }
    if !dropped_observed.is_empty() {
        const SHOWN: usize = 10;
        let more = dropped_observed.len().saturating_sub(SHOWN);
        notes.push(format!(
            "{} rows with an observed {} were not used because a model variable is empty: {}{}",
            dropped_observed.len(),
            formula.response,
            dropped_observed[..dropped_observed.len().min(SHOWN)].join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        ));
    }
    if dropped_missing > 0 {
        notes.push(format!(
            "{dropped_missing} rows with a missing outcome and an empty model variable were not used"
        ));
    }
    check_rows(
        records_view(&records, &keep),
        subject_col,
        visit_col,
        &cov.subject,
        &cov.visit,
    )?;
    if let Some(arm) = &args.arm {
        let arm_col = column(arm, "--arm")?;
        check_arm_constant(
            records_view(&records, &keep),
            subject_col,
            arm_col,
            &cov.subject,
            arm,
        )?;
    }

    let mut y = Vec::with_capacity(keep.len());
    for &i in &keep {
        let cell = &records[i][y_col];
        y.push(if is_missing_outcome(cell) {
            None
        } else {
            Some(
                cell.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        CliError::input(format!(
                            "row {}: {} = `{cell}` is not a number",
                            i + 2,
                            formula.response
                        ))
                    })?,
            )
        });
    }
    let labels =
        |c: usize| -> Vec<String> { keep.iter().map(|&i| records[i][c].clone()).collect() };
    let visit_values = labels(visit_col);
    let visit_labels: Vec<String> = if args.visit_order.is_empty() {
        let mut v: Vec<String> = visit_values
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        v.sort_by(|a, b| natural_cmp(a, b));
        v
    } else {
        let given: BTreeSet<&String> = args.visit_order.iter().collect();
        let present: BTreeSet<&String> = visit_values.iter().collect();
        if given != present || given.len() != args.visit_order.len() {
            return Err(CliError::input(format!(
                "--visit-order must list each visit of {} once: {}",
                cov.visit,
                present.into_iter().cloned().collect::<Vec<_>>().join(",")
            )));
        }
        args.visit_order.clone()
    };
    let visit: Vec<usize> = visit_values
        .iter()
        .map(|v| visit_labels.iter().position(|l| l == v).unwrap_or(0))
        .collect();
    let subject_values = labels(subject_col);
    let subject_keys: Vec<String> = subject_values
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let subject: Vec<usize> = subject_values
        .iter()
        .map(|s| subject_keys.binary_search(s).unwrap_or(0))
        .collect();
    let mut data = Data::new(&cov.visit, visit_labels, subject, visit, y.clone())
        .map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;

    for (name, &c) in covariates.iter().zip(&cov_cols) {
        let values = labels(c);
        let numeric: Option<Vec<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
        let forced = args.factors.contains(name) || args.arm.as_deref() == Some(name.as_str());
        let result = match numeric {
            Some(nums) if !forced => data.add_numeric(name, nums),
            _ => {
                let mut levels: Vec<String> = values
                    .iter()
                    .cloned()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                if values.iter().all(|v| v.parse::<f64>().is_ok()) {
                    levels.sort_by(|a, b| natural_cmp(a, b));
                }
                let codes = values
                    .iter()
                    .map(|v| levels.iter().position(|l| l == v).unwrap_or(0))
                    .collect();
                data.add_factor(name, levels, codes)
            }
        };
        result.map_err(|e| CliError::input(e.to_string()))?;
    }
    for r in &args.references {
        let (col, level) = r
            .split_once('=')
            .ok_or_else(|| CliError::input(format!("--reference `{r}`: expected COL=LEVEL")))?;
        data.set_reference(col.trim(), level.trim())
            .map_err(|e| CliError::input(format!("--reference {r}: {e}")))?;
    }

    let mut with_outcome = BTreeSet::new();
    for (s, v) in subject_values.iter().zip(&y) {
        if v.is_some() {
            with_outcome.insert(s);
        }
    }
    let without = subject_keys.len() - with_outcome.len();
    if without > 0 {
        notes.push(format!(
            "{without} subjects have no observed outcome and do not enter the likelihood (counted in n_subjects, as SAS does)"
        ));
    }
    Ok((data, notes))
}

/// An empty, `NA` or `.` outcome cell is a missing outcome.
fn is_missing_outcome(cell: &str) -> bool {
    cell.is_empty() || cell.eq_ignore_ascii_case("na") || cell == "."
}

/// The kept rows with their CSV line numbers.
fn records_view<'a>(
    records: &'a [Vec<String>],
    keep: &'a [usize],
) -> impl Iterator<Item = (usize, &'a Vec<String>)> + 'a {
    keep.iter().map(move |&i| (i + 2, &records[i]))
}

/// One row per subject and visit: a duplicate names the subject's ID and both lines.
fn check_rows<'a>(
    rows: impl Iterator<Item = (usize, &'a Vec<String>)>,
    subject_col: usize,
    visit_col: usize,
    subject: &str,
    visit: &str,
) -> CliResult {
    let mut seen: std::collections::HashMap<(&str, &str), usize> = Default::default();
    for (line, r) in rows {
        if let Some(first) = seen.insert((&r[subject_col], &r[visit_col]), line) {
            return Err(CliError::input(format!(
                "rows {first} and {line}: {subject} {} has more than one row for {visit} {}; give one row per subject and visit",
                r[subject_col], r[visit_col]
            )));
        }
    }
    Ok(())
}

/// A subject's arm is the same at every visit (randomised treatment).
fn check_arm_constant<'a>(
    rows: impl Iterator<Item = (usize, &'a Vec<String>)>,
    subject_col: usize,
    arm_col: usize,
    subject: &str,
    arm: &str,
) -> CliResult {
    let mut first: std::collections::HashMap<&str, (usize, &str)> = Default::default();
    for (line, r) in rows {
        let (line0, arm0) = *first.entry(&r[subject_col]).or_insert((line, &r[arm_col]));
        if arm0 != r[arm_col] {
            return Err(CliError::input(format!(
                "{subject} {}: {arm} is {arm0} on row {line0} but {} on row {line}; a subject keeps its randomised arm at every visit",
                r[subject_col], r[arm_col]
            )));
        }
    }
    Ok(())
}

/// Natural order: digit runs compare as numbers (VIS2 < VIS10).
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for ch in s.chars() {
            let digit = ch.is_ascii_digit();
            match out.last_mut() {
                Some((d, buf)) if *d == digit => buf.push(ch),
                _ => out.push((digit, ch.to_string())),
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for ((da, sa), (db, sb)) in ca.iter().zip(&cb) {
        let ord = if *da && *db {
            let (ta, tb) = (sa.trim_start_matches('0'), sb.trim_start_matches('0'));
            ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb))
        } else {
            sa.cmp(sb)
        };
        if ord != std::cmp::Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

fn p_text(p: f64) -> String {
    if p < 1e-4 {
        "<.0001".to_string()
    } else {
        format!("{p:.4}")
    }
}

fn print_tables(r: &MmrmFit, notes: &[String]) {
    let df_name = match r.df_method {
        DfMethod::Satterthwaite => "Satterthwaite",
        DfMethod::KenwardRoger => "Kenward-Roger",
    };
    println!("MMRM: REML, unstructured covariance, {df_name} degrees of freedom");
    println!(
        "Subjects {}  Observations used {}  -2 Res Log Likelihood {:.4}  AIC {:.4}  Iterations {}",
        r.n_subjects, r.n_observations, r.neg2_reml_loglik, r.aic, r.iterations
    );
    println!("\nSolution for fixed effects");
    let w = r
        .fixed_effects
        .iter()
        .map(|f| f.term.len())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:<w$} {:>12} {:>10} {:>8} {:>8} {:>8}",
        "Term", "Estimate", "SE", "DF", "t", "Pr>|t|"
    );
    for f in &r.fixed_effects {
        println!(
            "{:<w$} {:>12.4} {:>10.4} {:>8.1} {:>8.2} {:>8}",
            f.term,
            f.estimate,
            f.se,
            f.df,
            f.t,
            p_text(f.p)
        );
    }
    if !r.type3.is_empty() {
        println!("\nType 3 tests of fixed effects");
        let w = r
            .type3
            .iter()
            .map(|t| t.effect.len())
            .max()
            .unwrap_or(6)
            .max(6);
        println!(
            "{:<w$} {:>6} {:>8} {:>10} {:>10} {:>10} {:>8}",
            "Effect", "Num DF", "Den DF", "Chi-Square", "F Value", "Pr>ChiSq", "Pr>F"
        );
        for t in &r.type3 {
            println!(
                "{:<w$} {:>6} {:>8.1} {:>10.2} {:>10.2} {:>10} {:>8}",
                t.effect,
                t.num_df,
                t.den_df,
                t.chi_square,
                t.f,
                p_text(t.p_chi_square),
                p_text(t.p)
            );
        }
    }
    println!("\nCovariance (unstructured)");
    print!("{:<10}", "");
    for v in &r.visits {
        print!(" {v:>10}");
    }
    println!();
    for (v, row) in r.visits.iter().zip(&r.covariance) {
        print!("{v:<10}");
        for x in row {
            print!(" {x:>10.4}");
        }
        println!();
    }
    if let Some(note) = &r.lsmeans_note {
        println!("\nLS means: {note}");
    }
    if !r.lsmeans.is_empty() {
        println!(
            "\nLS means of {}",
            r.lsmeans_factor.as_deref().unwrap_or("the arm")
        );
        println!(
            "{:<10} {:<10} {:>10} {:>8} {:>8} {:>10} {:>10}",
            "Visit", "Arm", "Estimate", "SE", "DF", "Lower", "Upper"
        );
        for m in &r.lsmeans {
            println!(
                "{:<10} {:<10} {:>10.4} {:>8.4} {:>8.1} {:>10.4} {:>10.4}",
                m.visit.as_deref().unwrap_or("-"),
                m.arm,
                m.estimate,
                m.se,
                m.df,
                m.lower,
                m.upper
            );
        }
        println!("\nDifferences of LS means (arm - reference)");
        println!(
            "{:<10} {:<16} {:>10} {:>8} {:>8} {:>8} {:>8} {:>10} {:>10}",
            "Visit", "Arm - Ref", "Estimate", "SE", "DF", "t", "Pr>|t|", "Lower", "Upper"
        );
        for d in &r.differences {
            println!(
                "{:<10} {:<16} {:>10.4} {:>8.4} {:>8.1} {:>8.2} {:>8} {:>10.4} {:>10.4}",
                d.visit.as_deref().unwrap_or("-"),
                format!("{} - {}", d.arm, d.reference_arm),
                d.estimate,
                d.se,
                d.df,
                d.t,
                p_text(d.p),
                d.lower,
                d.upper
            );
        }
    }
    for n in notes {
        println!("\nNote: {n}");
    }
    println!("\n{}", crate::research_note());
}
