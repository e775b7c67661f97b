//! CYP3A4 co-medications: observed exposure ratios where published, the static model otherwise.
//!
//! Static model (DESIGN.md §4): AUCR = 1 / (fm r + 1 - fm), r = remaining CYP3A4 activity for the
//! perpetrator's class. Both act on non-renal clearance only, so renal impairment and
//! interactions combine: CL = CL_ref [fe rr + g ((1 - fe - fm) + fm r)] (see `subject`).

use crate::error::{Error, Result};
use crate::monograph::{ComedClass, Comedication, Monograph};
use serde::Serialize;

/// A co-medication resolved against the monograph.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedComed {
    pub name: String,
    pub class: ComedClass,
    /// Remaining CYP3A4 activity r (1 = none, < 1 inhibition, > 1 induction); None for non-CYP3A4.
    pub cyp3a4_activity: Option<f64>,
    /// How r was obtained, e.g. "observed AUC ratio 1.57 (CHEN-DDI)".
    pub basis: String,
    pub source: String,
    pub contraindicated: bool,
}

/// Looks up co-medications by name (case-insensitive); unknown names are input errors listing
/// the known ones.
pub fn resolve(m: &Monograph, names: &[String]) -> Result<Vec<ResolvedComed>> {
    if names.is_empty() {
        return Ok(vec![]);
    }
    let inter = m.interactions.as_ref().ok_or_else(|| {
        Error::input(
            "comed",
            format!("the {} monograph has no interaction data", m.compound.name),
        )
    })?;
    let fm = m.human.fm_cyp3a4_fraction.as_ref().map(|v| v.value);
    names
        .iter()
        .map(|n| {
            resolve_one(
                inter.comedications.as_slice(),
                &inter.class_activity_ratio,
                fm,
                n,
            )
        })
        .collect()
}

fn resolve_one(
    known: &[Comedication],
    class_activity: &std::collections::BTreeMap<String, crate::monograph::Value>,
    fm: Option<f64>,
    name: &str,
) -> Result<ResolvedComed> {
    let key = name.trim().to_ascii_lowercase();
    let c = known.iter().find(|c| c.name == key).ok_or_else(|| {
        let list: Vec<&str> = known.iter().map(|c| c.name.as_str()).collect();
        Error::input(
            "comed",
            format!(
                "unknown co-medication \"{name}\"; known: {}",
                list.join(", ")
            ),
        )
    })?;
    let (activity, basis) = if !c.class.is_cyp3a4() {
        (None, "not a CYP3A4 interaction".to_string())
    } else if let (Some(obs), Some(fm)) = (&c.observed_auc_ratio, fm) {
        // Invert the static model: 1/AUCR = 1 - fm (1 - r)  =>  r = 1 - (1 - 1/AUCR) / fm.
        let r = 1.0 - (1.0 - 1.0 / obs.value) / fm;
        (
            Some(r),
            format!("observed AUC ratio {} ({})", obs.value, obs.source),
        )
    } else {
        let r = class_activity.get(c.class.key()).ok_or_else(|| {
            Error::input(
                "comed",
                format!("no remaining-activity value for class {}", c.class.key()),
            )
        })?;
        (
            Some(r.value),
            format!(
                "static model, {} remaining CYP3A4 activity r = {} ({})",
                c.class.key(),
                r.value,
                r.source
            ),
        )
    };
    Ok(ResolvedComed {
        name: c.name.clone(),
        class: c.class,
        cyp3a4_activity: activity,
        basis,
        source: c.source.clone(),
        contraindicated: c.contraindicated,
    })
}

/// Combined remaining CYP3A4 activity of several perpetrators: the product of their r. With one
/// perpetrator the observed ratio is reproduced exactly.
pub fn combined_activity(comeds: &[ResolvedComed]) -> f64 {
    comeds
        .iter()
        .filter_map(|c| c.cyp3a4_activity)
        .product::<f64>()
}
