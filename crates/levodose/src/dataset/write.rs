//! The NONMEM-format writer: simulated subjects -> NM-TRAN CSV text.
//!
//! Units are stated in a first `#` line (NONMEM skips it by its default IGNORE=#): TIME h, AMT mg
//! free base, DV ng/mL. Extravascular doses go to CMT 1 (depot), intravenous doses and all
//! observations to CMT 2 (central), as NONMEM's ADVAN2/ADVAN4 number them. An observation at a
//! dose time is written before the dose: it is the pre-dose level, as the engine reports it.
//! A simulated subject's own PK parameters follow the covariates as `SIM*` columns (constant per
//! subject; see [`super::simulated::PARAMETER_COLUMNS`]), described in a second `#` line, so a
//! round trip (NCA, a fit) can be checked against each subject's true values. They are named
//! SIMCL, not CL, so that they never clash with the $PK variables of a NONMEM control stream;
//! drop them in $INPUT (`SIMCL=DROP`) when estimating.

use super::{AmountUnit, ConcUnit, DatasetUnits};
use crate::regimen::DoseEvent;
use std::fmt::Write;

/// One simulated subject to write.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteSubject {
    pub id: u32,
    /// Covariate columns, same names and order for every subject.
    pub covariates: Vec<(String, f64)>,
    /// The subject's true PK parameters as `SIM*` columns (same names for every subject; empty
    /// for data that are not simulated).
    pub parameters: Vec<(String, f64)>,
    pub doses: Vec<DoseEvent>,
    /// (time in h, concentration in ng/mL) samples.
    pub samples: Vec<(f64, f64)>,
}

/// Formats a number compactly and reproducibly (shortest round-trip representation).
fn num(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// The dataset text for `subjects` (all must have the same covariate names).
pub fn write(subjects: &[WriteSubject]) -> String {
    let units = DatasetUnits {
        amt: AmountUnit::Mg,
        dv: ConcUnit::NgPerMl,
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}", units.header_comment());
    let cov_names: Vec<&str> = subjects
        .first()
        .map(|s| {
            s.covariates
                .iter()
                .chain(&s.parameters)
                .map(|(n, _)| n.as_str())
                .collect()
        })
        .unwrap_or_default();
    if let Some(line) = subjects
        .first()
        .and_then(|s| super::simulated::parameter_comment(&s.parameters))
    {
        let _ = writeln!(out, "{line}");
    }
    let mut header = String::from("ID,TIME,AMT,DV,EVID,MDV,CMT,RATE");
    for n in &cov_names {
        header.push(',');
        header.push_str(n);
    }
    let _ = writeln!(out, "{header}");
    for s in subjects {
        let cov: String = s
            .covariates
            .iter()
            .chain(&s.parameters)
            .map(|(_, v)| format!(",{}", num(*v)))
            .collect();
        // Merge by time; at equal times the observation (pre-dose level) goes first.
        let mut rows: Vec<(f64, u8, String)> = Vec::with_capacity(s.doses.len() + s.samples.len());
        for d in &s.doses {
            let cmt = if d.route.is_extravascular() { 1 } else { 2 };
            let rate = match d.infusion_h {
                Some(h) if !d.route.is_extravascular() => d.amount_mg / h,
                _ => 0.0,
            };
            rows.push((
                d.time_h,
                1,
                format!(
                    "{},{},{},0,1,1,{},{}{}",
                    s.id,
                    num(d.time_h),
                    num(d.amount_mg),
                    cmt,
                    num(rate),
                    cov
                ),
            ));
        }
        for &(t, c) in &s.samples {
            rows.push((
                t,
                0,
                format!("{},{},0,{},0,0,2,0{}", s.id, num(t), num(c), cov),
            ));
        }
        rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (_, _, r) in rows {
            let _ = writeln!(out, "{r}");
        }
    }
    out
}
