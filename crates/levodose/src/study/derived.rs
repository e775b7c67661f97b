//! The endpoints of one analysis, raw and derived, per animal:
//! `sucrose_preference_pct` = sucrose / (sucrose + water) x 100, `total_fluid_ml`,
//! `delta_ct_GENE` = Ct(target) - Ct(reference) (efficiency-weighted, log2 units, when primer
//! efficiencies are given), and `SIGNAL_over_LOADING` normalised to the calibrator's mean.
//! A missing input makes only the endpoints built from it missing.

use super::settings::Settings;
use super::table::StudyData;
use super::{qpcr, western};
use crate::error::Result;
use crate::finding::Finding;

/// One endpoint's per-animal values.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

fn pairwise(
    a: &[Option<f64>],
    b: &[Option<f64>],
    f: impl Fn(f64, f64) -> Option<f64>,
) -> Vec<Option<f64>> {
    a.iter()
        .zip(b)
        .map(|(x, y)| match (x, y) {
            (Some(x), Some(y)) => f(*x, *y),
            _ => None,
        })
        .collect()
}

/// Every endpoint the settings ask for, in output order: the named columns (plus the forced swim
/// and locomotor columns), sucrose preference and total intake, delta Ct per gene, Western ratios.
pub fn endpoints(
    data: &StudyData,
    s: &Settings,
    idx: &[usize],
    k: usize,
    calibrator: Option<usize>,
    findings: &mut Vec<Finding>,
) -> Result<Vec<Endpoint>> {
    let mut out: Vec<Endpoint> = Vec::new();
    let mut raw: Vec<(&str, &str)> = s
        .endpoints
        .iter()
        .map(|e| (e.as_str(), "--endpoint"))
        .collect();
    if let Some(f) = &s.forced_swim {
        raw.push((f, "--forced-swim"));
    }
    if let Some(l) = &s.locomotor {
        raw.push((l, "--locomotor"));
    }
    for (name, flag) in raw {
        let col = data.column(name, flag)?;
        if !out.iter().any(|e| e.name == name) {
            out.push(Endpoint {
                name: name.to_string(),
                values: col.to_vec(),
            });
        }
    }
    if let Some((su, wa)) = &s.sucrose_preference {
        let (a, b) = (
            data.column(su, "--sucrose-preference")?,
            data.column(wa, "--sucrose-preference")?,
        );
        out.push(Endpoint {
            name: "sucrose_preference_pct".into(),
            values: pairwise(a, b, |x, y| {
                let t = x + y;
                (t > 0.0).then(|| x / t * 100.0)
            }),
        });
        out.push(Endpoint {
            name: "total_fluid_ml".into(),
            values: pairwise(a, b, |x, y| Some(x + y)),
        });
    }
    for (target, reference) in &s.qpcr {
        out.push(Endpoint {
            name: format!("delta_ct_{}", super::settings::gene_name(target)),
            values: qpcr::delta_ct(data, s, target, reference)?,
        });
    }
    for (signal, loading) in &s.western {
        if let Some(c) = calibrator {
            out.push(Endpoint {
                name: western::endpoint_name(signal, loading),
                values: western::normalised(data, signal, loading, idx, k, c, findings)?,
            });
        }
    }
    Ok(out)
}
