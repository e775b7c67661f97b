//! Individual parameters from a table (post-hoc estimates of the user's own model).
//!
//! CSV with a header: `ID, CL, V, KA` (L/h, L, 1/h; apparent values) and optional `F` (fraction),
//! `LAG` (h), `CRCL` (mL/min), `WT` (kg); column names are case-insensitive, fields may be
//! quoted, lines starting with `#` are comments. Missing F and LAG take the monograph's typical
//! values, and the notes say so: a missing LAG silently becoming the monograph's lag would mix
//! two models. CL is used as given (it already carries the subject's covariate effects);
//! co-medications given with the run multiply it by their CYP3A4 factor. No inter-individual
//! variability is added: each row is one subject.

use super::Individual;
use crate::error::{Error, Result};
use crate::interactions;
use crate::limits::{BODY_WEIGHT_KG as WEIGHT, CRCL_ML_PER_MIN as CRCL, LAG_H};
use crate::monograph::Monograph;
use crate::pk::PkParams;
use crate::subject::{checked_clearance_factor, typical_human, PkOverride};

/// The subjects of a parameter table and what the run must say about where their values came from.
#[derive(Debug, Clone)]
pub struct ParameterTable {
    pub subjects: Vec<Individual>,
    /// Which parameters came from the file, which from the monograph, and that no IIV is added.
    pub notes: Vec<String>,
}

const OPTIONAL: [&str; 4] = ["F", "LAG", "CRCL", "WT"];

/// Parses a parameter table; errors name the file, line and column and the allowed range.
pub fn parse_parameters(
    m: &Monograph,
    text: &str,
    file: &str,
    comedications: &[String],
) -> Result<ParameterTable> {
    let typical = typical_human(m, &PkOverride::default())?;
    let comeds = interactions::resolve(m, comedications)?;
    super::reject_time_varying(&comeds)?;
    let factor = checked_clearance_factor(m, None, interactions::combined_activity(&comeds))?;
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let cols: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::input(file, format!("header: {e}")))?
        .iter()
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if cols.iter().all(|c| c.is_empty()) {
        return Err(Error::input(
            file,
            "empty file; expected a header ID,CL,V,KA[,F,LAG,CRCL,WT]",
        ));
    }
    let find = |name: &str| cols.iter().position(|c| c == name);
    let (Some(id), Some(cl), Some(v), Some(ka)) = (find("ID"), find("CL"), find("V"), find("KA"))
    else {
        return Err(Error::input(
            file,
            format!(
                "header \"{}\" must contain ID, CL, V and KA (optional F, LAG, CRCL, WT)",
                cols.join(",")
            ),
        ));
    };
    let (f, lag, crcl, wt) = (find("F"), find("LAG"), find("CRCL"), find("WT"));
    let mut out = Vec::new();
    let (mut f_filled, mut lag_filled) = (0usize, 0usize);
    for rec in rdr.records() {
        let rec = rec.map_err(|e| Error::input(file, e.to_string()))?;
        let lineno = rec.position().map(|p| p.line()).unwrap_or(0);
        let field = |col: &str| format!("{file} line {lineno} column {col}");
        if rec.len() != cols.len() {
            return Err(Error::input(
                format!("{file} line {lineno}"),
                format!("{} cells, the header has {}", rec.len(), cols.len()),
            ));
        }
        let cell = |c: usize| rec.get(c).unwrap_or("");
        let num = |col: usize, lo: f64, hi: f64, unit: &str| -> Result<f64> {
            let x: f64 = cell(col).parse().map_err(|_| {
                Error::input(
                    field(&cols[col]),
                    format!("\"{}\" is not a number", cell(col)),
                )
            })?;
            if !(x.is_finite() && x >= lo && x <= hi) {
                return Err(Error::input(
                    field(&cols[col]),
                    format!("{x} {unit} is outside {lo} to {hi} {unit}"),
                ));
            }
            Ok(x)
        };
        let opt = |col: Option<usize>, lo: f64, hi: f64, unit: &str| -> Result<Option<f64>> {
            match col {
                Some(c) if !cell(c).is_empty() && !cell(c).eq_ignore_ascii_case("na") => {
                    num(c, lo, hi, unit).map(Some)
                }
                _ => Ok(None),
            }
        };
        let given_f = opt(f, 1e-6, 1.0, "")?;
        let given_lag = opt(lag, LAG_H.min, LAG_H.max, LAG_H.unit)?;
        f_filled += usize::from(given_f.is_none());
        lag_filled += usize::from(given_lag.is_none());
        let params = PkParams {
            clearance_l_per_h: num(cl, 1e-6, 1e6, "L/h")? * factor,
            volume_l: num(v, 1e-6, 1e6, "L")?,
            ka_per_h: num(ka, 1e-6, 1e3, "1/h")?,
            bioavailability: given_f.unwrap_or(typical.bioavailability),
            lag_h: given_lag.unwrap_or(typical.lag_h),
            peripheral: typical.peripheral,
        };
        out.push(Individual {
            id: cell(id).to_string(),
            params,
            crcl_ml_per_min: opt(crcl, CRCL.min, CRCL.max, CRCL.unit)?,
            weight_kg: opt(wt, WEIGHT.min, WEIGHT.max, WEIGHT.unit)?,
        });
    }
    if out.is_empty() {
        return Err(Error::input(file, "no subject rows after the header"));
    }
    if out.len() > super::MAX_SUBJECTS {
        return Err(Error::input(
            file,
            format!("{} rows; at most {}", out.len(), super::MAX_SUBJECTS),
        ));
    }
    let notes = provenance_notes(
        file,
        &cols,
        out.len(),
        &[
            ("F", f_filled, format!("{}", typical.bioavailability)),
            ("LAG", lag_filled, format!("{} h", typical.lag_h)),
        ],
        typical.peripheral.is_some(),
        (factor != 1.0).then_some(factor),
    );
    Ok(ParameterTable {
        subjects: out,
        notes,
    })
}

/// The notes of a parameter-table run: the file's columns, the monograph values that filled
/// missing ones (with how many rows), and that no variability is added.
fn provenance_notes(
    file: &str,
    cols: &[String],
    rows: usize,
    filled: &[(&str, usize, String)],
    monograph_peripheral: bool,
    comed_factor: Option<f64>,
) -> Vec<String> {
    let used: Vec<&str> = ["ID", "CL", "V", "KA"]
        .into_iter()
        .chain(OPTIONAL)
        .filter(|c| cols.iter().any(|h| h == c))
        .collect();
    let mut notes = vec![
        format!(
            "parameters from {file}: {} ({rows} subjects, one per row)",
            used.join(", ")
        ),
        format!(
            "no inter-individual variability is added: each row of {file} is simulated as given"
        ),
    ];
    for (name, n, value) in filled {
        if *n > 0 {
            let whom = if *n == rows {
                "every row".to_string()
            } else {
                format!("{n} of {rows} rows")
            };
            notes.push(format!(
                "{name} is missing in {whom} of {file}: the monograph's typical {name} ({value}) was used, which mixes the file's model with the monograph's; add a {name} column to use your own"
            ));
        }
    }
    if monograph_peripheral {
        notes.push(format!(
            "the monograph's peripheral compartment was added to the one-compartment parameters of {file}"
        ));
    }
    if let Some(f) = comed_factor {
        notes.push(format!(
            "CL of {file} multiplied by {f:.3} for the co-medications of the run"
        ));
    }
    notes
}
