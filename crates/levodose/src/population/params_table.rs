//! Individual parameters from a table (post-hoc estimates of the user's own model).
//!
//! CSV with a header: `ID, CL, V, KA` (L/h, L, 1/h; apparent values) and optional `F` (fraction),
//! `LAG` (h), `CRCL` (mL/min), `WT` (kg); column names are case-insensitive. Missing F and LAG
//! take the monograph's typical values. CL is used as given (it already carries the subject's
//! covariate effects); co-medications given with the run multiply it by their CYP3A4 factor.

use super::Individual;
use crate::error::{Error, Result};
use crate::interactions;
use crate::monograph::Monograph;
use crate::pk::PkParams;
use crate::subject::{checked_clearance_factor, typical_human, PkOverride};

/// Parses a parameter table; errors name the file, line and column and the allowed range.
pub fn parse_parameters(
    m: &Monograph,
    text: &str,
    file: &str,
    comedications: &[String],
) -> Result<Vec<Individual>> {
    let typical = typical_human(m, &PkOverride::default())?;
    let comeds = interactions::resolve(m, comedications)?;
    super::reject_time_varying(&comeds)?;
    let factor = checked_clearance_factor(m, None, interactions::combined_activity(&comeds))?;
    let field = |line: usize, col: &str| format!("{file} line {line} column {col}");
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let (_, header) = lines.next().ok_or_else(|| {
        Error::input(
            file,
            "empty file; expected a header ID,CL,V,KA[,F,LAG,CRCL,WT]",
        )
    })?;
    let cols: Vec<String> = header
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_uppercase())
        .collect();
    let find = |name: &str| cols.iter().position(|c| c == name);
    let (Some(id), Some(cl), Some(v), Some(ka)) = (find("ID"), find("CL"), find("V"), find("KA"))
    else {
        return Err(Error::input(
            file,
            format!(
                "header \"{}\" must contain ID, CL, V and KA (optional F, LAG, CRCL, WT)",
                header.trim()
            ),
        ));
    };
    let (f, lag, crcl, wt) = (find("F"), find("LAG"), find("CRCL"), find("WT"));
    let mut out = Vec::new();
    for (i, line) in lines {
        let lineno = i + 1;
        let cells: Vec<&str> = line
            .split(',')
            .map(|c| c.trim().trim_matches('"'))
            .collect();
        if cells.len() != cols.len() {
            return Err(Error::input(
                format!("{file} line {lineno}"),
                format!("{} cells, the header has {}", cells.len(), cols.len()),
            ));
        }
        let num = |col: usize, lo: f64, hi: f64, unit: &str| -> Result<f64> {
            let x: f64 = cells[col].parse().map_err(|_| {
                Error::input(
                    field(lineno, &cols[col]),
                    format!("\"{}\" is not a number", cells[col]),
                )
            })?;
            if !(x.is_finite() && x >= lo && x <= hi) {
                return Err(Error::input(
                    field(lineno, &cols[col]),
                    format!("{x} {unit} is outside {lo} to {hi} {unit}"),
                ));
            }
            Ok(x)
        };
        let opt = |col: Option<usize>, lo: f64, hi: f64, unit: &str| -> Result<Option<f64>> {
            match col {
                Some(c) if !cells[c].is_empty() && !cells[c].eq_ignore_ascii_case("na") => {
                    num(c, lo, hi, unit).map(Some)
                }
                _ => Ok(None),
            }
        };
        let params = PkParams {
            clearance_l_per_h: num(cl, 1e-6, 1e6, "L/h")? * factor,
            volume_l: num(v, 1e-6, 1e6, "L")?,
            ka_per_h: num(ka, 1e-6, 1e3, "1/h")?,
            bioavailability: opt(f, 1e-6, 1.0, "")?.unwrap_or(typical.bioavailability),
            lag_h: opt(lag, 0.0, 48.0, "h")?.unwrap_or(typical.lag_h),
            peripheral: typical.peripheral,
        };
        out.push(Individual {
            id: cells[id].to_string(),
            params,
            crcl_ml_per_min: opt(crcl, 0.0, 250.0, "mL/min")?,
            weight_kg: opt(wt, 0.005, 400.0, "kg")?,
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
    Ok(out)
}
