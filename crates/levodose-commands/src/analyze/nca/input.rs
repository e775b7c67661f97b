//! Reading NCA data: a plain CSV with one row per sample (ID, TIME, CONC, optional dose, BLQ flag
//! and group columns), and the manual lambda_z file. The reader only builds
//! [`levodose_stats::nca::Profile`]s; a NONMEM-format dataset can build the same profiles from its
//! dose and observation records. Errors name the file, data row and column (exit 2).

use crate::error::{CliError, CliResult};
use levodose_stats::nca::sparse::SparseSample;
use levodose_stats::nca::{LambdaZRule, Profile, Sample};
use std::collections::HashMap;
use std::path::Path;

/// Which columns hold what, and how doses and BLQ are given.
pub struct Columns<'a> {
    pub id: &'a str,
    pub time: &'a str,
    pub conc: &'a str,
    pub dose: Option<f64>,
    pub dose_column: Option<&'a str>,
    pub blq_column: Option<&'a str>,
    pub lloq: Option<f64>,
    pub group: Option<&'a str>,
}

/// One subject's rows as read.
pub struct SubjectRows {
    pub id: String,
    pub group: Option<String>,
    pub dose: Option<f64>,
    pub samples: Vec<Sample>,
}

fn column(headers: &csv::StringRecord, path: &Path, flag: &str, name: &str) -> CliResult<usize> {
    headers.iter().position(|h| h == name).ok_or_else(|| {
        let names: Vec<&str> = headers.iter().collect();
        CliError::input(format!(
            "{flag} '{name}': no such column in {} (columns: {})",
            path.display(),
            names.join(", ")
        ))
    })
}

fn number(text: &str, flag: &str, name: &str, row: usize) -> CliResult<f64> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(CliError::input(format!(
            "{flag} column '{name}', data row {row}: '{text}' is not a finite number"
        ))),
    }
}

fn flag_value(text: &str, name: &str, row: usize) -> CliResult<bool> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "blq" => Ok(true),
        "0" | "false" | "no" | "n" | "" => Ok(false),
        _ => Err(CliError::input(format!(
            "--blq-column '{name}', data row {row}: '{text}' is not a flag; allowed: 1/0, true/false, yes/no, Y/N"
        ))),
    }
}

/// Reads the rows grouped by subject, in order of first appearance.
pub fn read_rows(path: &Path, c: &Columns) -> CliResult<Vec<SubjectRows>> {
    let (mut rdr, headers) = super::super::open_csv(path, "DATA")?;
    let id_i = column(&headers, path, "--id", c.id)?;
    let t_i = column(&headers, path, "--time", c.time)?;
    let c_i = column(&headers, path, "--conc", c.conc)?;
    let d_i = c
        .dose_column
        .map(|n| column(&headers, path, "--dose-column", n))
        .transpose()?;
    let b_i = c
        .blq_column
        .map(|n| column(&headers, path, "--blq-column", n))
        .transpose()?;
    let g_i = c
        .group
        .map(|n| column(&headers, path, "--group", n))
        .transpose()?;
    let mut subjects: Vec<SubjectRows> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 1;
        let rec = rec
            .map_err(|e| CliError::input(format!("DATA {} data row {row}: {e}", path.display())))?;
        let get = |idx: usize| rec.get(idx).unwrap_or("");
        let id = get(id_i).to_string();
        if id.is_empty() {
            return Err(CliError::input(format!(
                "--id column '{}', data row {row}: the subject id is empty",
                c.id
            )));
        }
        let time = number(get(t_i), "--time", c.time, row)?;
        let blq_flag = b_i
            .map(|b| flag_value(get(b), c.blq_column.unwrap_or(""), row))
            .transpose()?
            .unwrap_or(false);
        let conc_text = get(c_i);
        let conc = if blq_flag && conc_text.parse::<f64>().is_err() {
            0.0
        } else {
            number(conc_text, "--conc", c.conc, row).map_err(|e| match e {
                CliError::Input(m) => CliError::input(format!(
                    "{m}; mark samples below the limit of quantification with --blq-column or --lloq"
                )),
                other => other,
            })?
        };
        if conc < 0.0 {
            return Err(CliError::input(format!(
                "--conc column '{}', data row {row}: concentration {conc} is negative; concentrations must be >= 0",
                c.conc
            )));
        }
        let blq = blq_flag || c.lloq.is_some_and(|l| conc < l);
        let dose = match d_i {
            Some(d) => {
                let text = get(d);
                if text.is_empty() || text == "." {
                    None
                } else {
                    Some(number(
                        text,
                        "--dose-column",
                        c.dose_column.unwrap_or(""),
                        row,
                    )?)
                }
            }
            None => None,
        };
        let k = *index.entry(id.clone()).or_insert_with(|| {
            subjects.push(SubjectRows {
                id: id.clone(),
                group: g_i.map(|g| get(g).to_string()),
                dose: None,
                samples: Vec::new(),
            });
            subjects.len() - 1
        });
        let s = &mut subjects[k];
        if let Some(d) = dose {
            match s.dose {
                Some(prev) if prev != d => {
                    return Err(CliError::input(format!(
                        "--dose-column '{}', data row {row}: subject {id} has dose {d} here and {prev} before; one dose per subject",
                        c.dose_column.unwrap_or("")
                    )))
                }
                _ => s.dose = Some(d),
            }
        }
        s.samples.push(Sample {
            time,
            conc,
            blq,
            row: Some(row),
        });
    }
    if subjects.is_empty() {
        return Err(CliError::input(format!(
            "DATA {}: no data rows",
            path.display()
        )));
    }
    Ok(subjects)
}

/// Builds validated profiles; the dose comes from `--dose` or the subject's dose column value.
pub fn profiles(rows: &[SubjectRows], c: &Columns, path: &Path) -> CliResult<Vec<Profile>> {
    rows.iter()
        .map(|s| {
            let dose = match (c.dose, c.dose_column, s.dose) {
                (Some(d), _, _) => d,
                (None, Some(_), Some(d)) => d,
                (None, Some(col), None) => {
                    return Err(CliError::input(format!(
                        "missing dose: subject {} has no value in --dose-column '{col}' of {}",
                        s.id,
                        path.display()
                    )))
                }
                (None, None, _) => {
                    return Err(CliError::input(
                        "missing dose: give --dose AMOUNT or --dose-column COL (CL and V need the dose)",
                    ))
                }
            };
            Profile::from_samples(s.id.clone(), s.samples.clone(), dose).map_err(|e| {
                CliError::input(format!("DATA {}: {e}", path.display()))
            })
        })
        .collect()
}

/// Every sample as a sparse-design observation.
pub fn sparse_samples(rows: &[SubjectRows]) -> Vec<SparseSample> {
    rows.iter()
        .flat_map(|s| {
            s.samples.iter().map(|x| SparseSample {
                subject: s.id.clone(),
                time: x.time,
                conc: if x.blq { 0.0 } else { x.conc },
            })
        })
        .collect()
}

/// The manual lambda_z file: columns ID, START_H, END_H, EXCLUDE_TIMES (times separated by
/// ';' or spaces; may be empty). Times are in the data's time unit.
pub fn read_lambda_z_file(path: &Path) -> CliResult<HashMap<String, LambdaZRule>> {
    let (mut rdr, headers) = super::super::open_csv(path, "--lambda-z-file")?;
    let col = |n: &str| column(&headers, path, "--lambda-z-file", n);
    let (id_i, s_i, e_i) = (col("ID")?, col("START_H")?, col("END_H")?);
    let x_i = headers.iter().position(|h| h == "EXCLUDE_TIMES");
    let mut out = HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 1;
        let rec = rec.map_err(|e| {
            CliError::input(format!("--lambda-z-file {} row {row}: {e}", path.display()))
        })?;
        let get = |idx: usize| rec.get(idx).unwrap_or("");
        let start = number(get(s_i), "--lambda-z-file", "START_H", row)?;
        let end = number(get(e_i), "--lambda-z-file", "END_H", row)?;
        if end <= start {
            return Err(CliError::input(format!(
                "--lambda-z-file {} row {row}: END_H {end} must be greater than START_H {start}",
                path.display()
            )));
        }
        let exclude_times = match x_i {
            Some(x) => get(x)
                .split([';', ' '])
                .filter(|t| !t.is_empty())
                .map(|t| number(t, "--lambda-z-file", "EXCLUDE_TIMES", row))
                .collect::<CliResult<Vec<f64>>>()?,
            None => Vec::new(),
        };
        out.insert(
            get(id_i).to_string(),
            LambdaZRule::Manual {
                start,
                end,
                exclude_times,
            },
        );
    }
    Ok(out)
}
