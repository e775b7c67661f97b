//! The NM-TRAN CSV reader.
//!
//! Supported: ID, TIME (h), AMT, DV, EVID 0/1/2, MDV, CMT, RATE (0 = bolus, > 0 = zero-order
//! input), ADDL with II (expanded into dose records), SS = 0, and numeric covariate columns (the
//! first record's value is the subject's baseline). `#` lines are skipped as NONMEM's default
//! IGNORE=# does; `.` reads as 0 as in NONMEM. Rejected with the line named: EVID 3/4 (resets),
//! SS != 0 (steady-state dosing), RATE -1/-2 (modelled rate/duration), a dose without AMT,
//! times going backwards within a subject, an ID that reappears after another subject, and a
//! subject without observations. Columns that must not be read as NONMEM items are passed in
//! `ignore` (as `--ignore SS,II`).

use super::{Dataset, DatasetUnits, DoseRecord, Observation, Subject};
use crate::error::{Error, Result};
use std::collections::{BTreeMap, HashSet};

/// How to read a dataset.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Column names (case-insensitive) to drop before anything is interpreted.
    pub ignore: Vec<String>,
    /// Units; None = from a `# units:` comment line if present, else the NONMEM default
    /// (AMT mg, DV mg/L).
    pub units: Option<DatasetUnits>,
}

const ITEMS: [&str; 11] = [
    "ID", "TIME", "AMT", "DV", "EVID", "MDV", "CMT", "RATE", "ADDL", "II", "SS",
];

fn err(line: usize, field: &str, reason: impl std::fmt::Display) -> Error {
    Error::input(field, format!("line {line}: {reason}"))
}

/// Parses a NONMEM-format CSV text into subjects.
pub fn read(text: &str, opts: &ReadOptions) -> Result<Dataset> {
    let mut units_from_file: Option<DatasetUnits> = None;
    let mut header: Option<(usize, Vec<String>)> = None;
    let mut rows: Vec<(usize, Vec<&str>)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        if t.starts_with('#') {
            if let Some(u) = DatasetUnits::from_comment(t) {
                units_from_file = Some(u?);
            }
            continue;
        }
        let cells: Vec<&str> = t.split(',').map(|c| c.trim().trim_matches('"')).collect();
        if header.is_none() {
            header = Some((line, cells.iter().map(|c| c.to_ascii_uppercase()).collect()));
        } else {
            rows.push((line, cells));
        }
    }
    let (header_line, names) =
        header.ok_or_else(|| Error::input("dataset", "the file has no header line"))?;
    let ignore: HashSet<String> = opts
        .ignore
        .iter()
        .map(|c| c.trim().to_ascii_uppercase())
        .collect();
    for ig in &ignore {
        if !names.contains(ig) {
            return Err(Error::input(
                "ignore",
                format!(
                    "column {ig} is not in the header (line {header_line}): {}",
                    names.join(",")
                ),
            ));
        }
    }
    let mut seen = HashSet::new();
    for n in &names {
        if !seen.insert(n) && !ignore.contains(n) {
            return Err(err(
                header_line,
                "header",
                format!("column {n} appears twice"),
            ));
        }
    }
    let col = |name: &str| names.iter().position(|n| n == name && !ignore.contains(n));
    let id_c = col("ID").ok_or_else(|| err(header_line, "ID", "the dataset needs an ID column"))?;
    let time_c = col("TIME").ok_or_else(|| {
        err(
            header_line,
            "TIME",
            "the dataset needs a TIME column (hours)",
        )
    })?;
    let dv_c = col("DV").ok_or_else(|| err(header_line, "DV", "the dataset needs a DV column"))?;
    let [amt_c, evid_c, mdv_c, cmt_c, rate_c, addl_c, ii_c, ss_c] =
        ["AMT", "EVID", "MDV", "CMT", "RATE", "ADDL", "II", "SS"].map(col);
    let covariate_cols: Vec<(usize, String)> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| !ITEMS.contains(&n.as_str()) && !ignore.contains(*n))
        .map(|(i, n)| (i, n.clone()))
        .collect();

    let units = opts.units.or(units_from_file).unwrap_or_default();
    let mg_per_amt = units.amt.mg_per_unit();

    let mut subjects: Vec<Subject> = Vec::new();
    let mut done_ids: HashSet<String> = HashSet::new();
    let mut inert_rows = 0usize;
    let mut last_time_h: Option<f64> = None;
    for (line, cells) in rows {
        if cells.len() != names.len() {
            return Err(err(
                line,
                "dataset",
                format!(
                    "{} values but the header has {} columns",
                    cells.len(),
                    names.len()
                ),
            ));
        }
        let num = |c: usize| -> Result<f64> {
            let s = cells[c];
            if s == "." || s.is_empty() {
                return Ok(0.0);
            }
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| err(line, &names[c], format!("\"{s}\" is not a number")))
        };
        let opt = |c: Option<usize>| -> Result<Option<f64>> { c.map(num).transpose() };
        let id = cells[id_c].to_string();
        if id.is_empty() || id == "." {
            return Err(err(line, "ID", "missing subject ID"));
        }
        let time_h = num(time_c)?;
        let amt = opt(amt_c)?.unwrap_or(0.0);
        let evid = match opt(evid_c)? {
            Some(e) => e,
            None => {
                if amt != 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
        };
        let mdv = opt(mdv_c)?.unwrap_or(if evid != 0.0 { 1.0 } else { 0.0 });
        let cmt_v = opt(cmt_c)?;
        let rate = opt(rate_c)?.unwrap_or(0.0);
        let addl = opt(addl_c)?.unwrap_or(0.0);
        let ii = opt(ii_c)?.unwrap_or(0.0);
        let ss = opt(ss_c)?.unwrap_or(0.0);

        // New subject or continuation.
        let new_subject = subjects.last().map(|s| s.id != id).unwrap_or(true);
        if new_subject {
            if let Some(prev) = subjects.last() {
                finish_subject(prev)?;
                done_ids.insert(prev.id.clone());
            }
            if done_ids.contains(&id) {
                return Err(err(
                    line,
                    "ID",
                    format!("subject {id} reappears after other subjects; sort the file by ID (records of one subject must be contiguous)"),
                ));
            }
            let mut covariates = BTreeMap::new();
            for (c, n) in &covariate_cols {
                covariates.insert(n.clone(), num(*c)?);
            }
            subjects.push(Subject {
                id: id.clone(),
                line,
                doses: Vec::new(),
                observations: Vec::new(),
                covariates,
            });
        }
        let subj = subjects.last_mut().expect("pushed above");
        if !time_h.is_finite() || time_h < 0.0 {
            return Err(err(
                line,
                "TIME",
                format!("{time_h} must be a time in hours >= 0"),
            ));
        }
        if new_subject {
            last_time_h = None;
        }
        if let Some(prev) = last_time_h {
            if time_h < prev {
                return Err(err(
                    line,
                    "TIME",
                    format!("time goes backwards for subject {id}: {time_h} h after {prev} h"),
                ));
            }
        }
        last_time_h = Some(time_h);
        match evid as i64 {
            _ if evid.fract() != 0.0 => {
                return Err(err(line, "EVID", format!("{evid} is not an integer")))
            }
            0 => {
                if amt != 0.0 {
                    return Err(err(
                        line,
                        "AMT",
                        format!("observation record (EVID 0) with AMT {amt}; a dose needs EVID 1"),
                    ));
                }
                if mdv != 0.0 {
                    inert_rows += 1;
                    continue;
                }
                subj.observations.push(Observation {
                    line,
                    time_h,
                    dv: num(dv_c)?,
                    cmt: cmt_v.unwrap_or(2.0) as u32,
                });
            }
            1 => {
                if amt <= 0.0 {
                    return Err(err(
                        line,
                        "AMT",
                        format!(
                            "dose record (EVID 1) for subject {id} without a positive AMT ({amt})"
                        ),
                    ));
                }
                if ss != 0.0 {
                    return Err(err(
                        line,
                        "SS",
                        format!("SS={ss}: steady-state dose records are not supported; give the doses explicitly (ADDL/II), or --ignore SS if the column is not a NONMEM item"),
                    ));
                }
                let infusion_h = if rate == 0.0 {
                    None
                } else if rate > 0.0 {
                    Some(amt / rate)
                } else {
                    return Err(err(
                        line,
                        "RATE",
                        format!("RATE={rate} (modelled rate or duration) is not supported; give RATE > 0 or 0"),
                    ));
                };
                if addl < 0.0 || addl.fract() != 0.0 {
                    return Err(err(
                        line,
                        "ADDL",
                        format!("{addl} must be a whole number >= 0"),
                    ));
                }
                if addl > 0.0 && ii <= 0.0 {
                    return Err(err(
                        line,
                        "II",
                        format!("ADDL={addl} needs an interval II > 0 (h)"),
                    ));
                }
                if addl > 100_000.0 {
                    return Err(err(
                        line,
                        "ADDL",
                        format!("{addl} additional doses is more than 100000"),
                    ));
                }
                let cmt = cmt_v.unwrap_or(1.0);
                if cmt < 1.0 || cmt.fract() != 0.0 {
                    return Err(err(
                        line,
                        "CMT",
                        format!("{cmt} must be a compartment number >= 1"),
                    ));
                }
                for k in 0..=(addl as usize) {
                    subj.doses.push(DoseRecord {
                        line,
                        time_h: time_h + k as f64 * ii,
                        amount_mg: amt * mg_per_amt,
                        cmt: cmt as u32,
                        infusion_h,
                    });
                }
            }
            2 => inert_rows += 1,
            3 | 4 => {
                return Err(err(
                    line,
                    "EVID",
                    format!(
                        "EVID {evid} (reset) is not supported; split the subject into separate IDs"
                    ),
                ))
            }
            _ => {
                return Err(err(
                    line,
                    "EVID",
                    format!("{evid} is not a NONMEM event type (0, 1, 2)"),
                ))
            }
        }
    }
    if let Some(prev) = subjects.last() {
        finish_subject(prev)?;
    }
    if subjects.is_empty() {
        return Err(Error::input("dataset", "the file has no data rows"));
    }
    for s in &mut subjects {
        s.doses.sort_by(|a, b| a.time_h.total_cmp(&b.time_h));
    }
    Ok(Dataset {
        subjects,
        units,
        covariate_names: covariate_cols.into_iter().map(|(_, n)| n).collect(),
        ignored_columns: {
            let mut v: Vec<String> = ignore.into_iter().collect();
            v.sort();
            v
        },
        inert_rows,
    })
}

fn finish_subject(s: &Subject) -> Result<()> {
    if s.observations.is_empty() {
        return Err(err(
            s.line,
            "DV",
            format!(
                "subject {} (from this line) has no observations (EVID 0, MDV 0)",
                s.id
            ),
        ));
    }
    Ok(())
}
