//! Levomilnacipran beside comparator SNRIs at steady state on one occupancy basis: exposure,
//! NET and SERT occupancy (trough, average) and the NET/SERT balance (ratio of the time-averaged
//! occupancies), for choosing a positive control. Typical subjects, once-daily usual doses.

use crate::error::{check_range, Error, Result};
use crate::monograph::{self, Monograph};
use crate::occupancy::{Basis, OccupancyModel, OccupancySummary};
use crate::regimen::{DoseEvent, Route};
use crate::simulate::steady_state_out;
use crate::subject::{typical_human, PkOverride};
use serde::Serialize;
use std::collections::BTreeMap;

/// One compound at one dose.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub compound: String,
    pub display_name: String,
    pub dose_mg: f64,
    pub tau_h: f64,
    pub cmin_ng_per_ml: f64,
    pub cavg_ng_per_ml: f64,
    pub cmax_ng_per_ml: f64,
    pub auc_tau_ng_h_per_ml: f64,
    pub net_occupancy: OccupancySummary,
    pub sert_occupancy: OccupancySummary,
    /// NET / SERT time-averaged occupancy (> 1: NET-preferring at this dose).
    pub net_sert_balance: f64,
    pub net_k_nm: f64,
    pub sert_k_nm: f64,
    pub affinity_source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub research_note: &'static str,
    pub occupancy_basis: Basis,
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

/// Default compounds: levomilnacipran and the comparators.
pub fn default_compounds() -> Vec<String> {
    monograph::builtin_names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Compares `compounds` (usual doses unless `doses` names others for a compound).
pub fn compare(
    compounds: &[String],
    doses: &BTreeMap<String, Vec<f64>>,
    basis: Basis,
) -> Result<Comparison> {
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let monos: Vec<Monograph> = compounds
        .iter()
        .map(|c| monograph::builtin(c))
        .collect::<Result<_>>()?;
    for k in doses.keys() {
        if !monos
            .iter()
            .any(|m| &m.compound.name == k || m.compound.synonyms.iter().any(|s| s == k))
        {
            return Err(Error::input(
                "dose",
                format!(
                    "\"{k}\" is not among the compared compounds ({})",
                    compounds.join(", ")
                ),
            ));
        }
    }
    for m in &monos {
        let occ = OccupancyModel::from_monograph(m, basis, None, None)?;
        let p = typical_human(m, &PkOverride::default())?;
        let tau = m.compound.usual_tau_h.value;
        let list = doses
            .iter()
            .find(|(k, _)| **k == m.compound.name || m.compound.synonyms.contains(k))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| m.compound.usual_doses_mg.values.clone());
        for dose in list {
            check_range(
                &format!("dose {}", m.compound.name),
                dose,
                0.001,
                10000.0,
                "mg",
            )?;
            let ss = steady_state_out(
                &p,
                &occ,
                &DoseEvent {
                    time_h: 0.0,
                    amount_mg: dose,
                    route: Route::Po,
                    infusion_h: None,
                },
                tau,
            )?;
            let (kn, ks) = match basis {
                Basis::Ki => (&m.targets.net_ki_nm, &m.targets.sert_ki_nm),
                Basis::Ic50 => (
                    m.targets
                        .net_ic50_nm
                        .as_ref()
                        .unwrap_or(&m.targets.net_ki_nm),
                    m.targets
                        .sert_ic50_nm
                        .as_ref()
                        .unwrap_or(&m.targets.sert_ki_nm),
                ),
            };
            rows.push(Row {
                compound: m.compound.name.clone(),
                display_name: m.compound.display_name.clone(),
                dose_mg: dose,
                tau_h: tau,
                cmin_ng_per_ml: ss.cmin_ng_per_ml,
                cavg_ng_per_ml: ss.cavg_ng_per_ml,
                cmax_ng_per_ml: ss.cmax_ng_per_ml,
                auc_tau_ng_h_per_ml: ss.auc_tau_ng_h_per_ml,
                net_occupancy: ss.occupancy.net,
                sert_occupancy: ss.occupancy.sert,
                net_sert_balance: ss.occupancy.net.average / ss.occupancy.sert.average,
                net_k_nm: occ.net_k_nm,
                sert_k_nm: occ.sert_k_nm,
                affinity_source: format!("{} / {}", kn.source, ks.source),
            });
        }
        if m.targets.brain_to_plasma_unbound_ratio.status != crate::monograph::Status::Published {
            notes.push(format!(
                "{}: Kp,uu {} ({})",
                m.compound.name,
                m.targets.brain_to_plasma_unbound_ratio.value,
                m.targets.brain_to_plasma_unbound_ratio.status
            ));
        }
    }
    notes.push(format!(
        "occupancy = free site concentration / (concentration + K), K = {} for every compound; typical subjects at steady state, once daily; in vitro affinities from different laboratories are not strictly comparable",
        basis.as_str()
    ));
    Ok(Comparison {
        research_note: crate::RESEARCH_USE_NOTE,
        occupancy_basis: basis,
        rows,
        notes,
    })
}
