//! Levomilnacipran beside comparator SNRIs at steady state on one occupancy basis: exposure,
//! NET and SERT occupancy (trough, average) and the NET/SERT balance (ratio of the time-averaged
//! occupancies), for choosing a positive control. Typical subjects, once-daily usual doses.
//!
//! Active metabolites (monograph `[[metabolites]]`, e.g. venlafaxine -> O-desmethylvenlafaxine)
//! are formed from the parent at `formation_fraction` x parent elimination rate, follow their own
//! one-compartment PK (their monograph's CL and V), and bind competitively with the parent:
//! occupancy = sum(C_i/K_i) / (1 + sum(C_i/K_i)), C_i the free site concentration (nM). Where a
//! PET occupancy at the same dose is published (`[[pet_occupancy]]`), it is shown beside the
//! prediction, so the distance between the Ki basis and measurement is visible per drug.

use crate::error::{check_range, Error, Result};
use crate::monograph::{self, Monograph};
use crate::occupancy::{Basis, OccupancyModel, OccupancySummary};
use crate::pk::{self, PkParams};
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
    /// Active metabolites at steady state (empty when the compound has none).
    pub metabolites: Vec<MetaboliteRow>,
    /// Occupancy of parent and metabolites together (competitive binding); None without
    /// metabolites (then the parent occupancy above is the prediction).
    pub net_occupancy_with_metabolites: Option<OccupancySummary>,
    pub sert_occupancy_with_metabolites: Option<OccupancySummary>,
    /// Published PET occupancies at this dose, beside the prediction.
    pub pet: Vec<PetRow>,
}

/// An active metabolite's steady state beside its parent.
#[derive(Debug, Clone, Serialize)]
pub struct MetaboliteRow {
    pub compound: String,
    pub formation_fraction: f64,
    pub formation_source: String,
    pub cmin_ng_per_ml: f64,
    pub cavg_ng_per_ml: f64,
    pub cmax_ng_per_ml: f64,
    pub net_k_nm: f64,
    pub sert_k_nm: f64,
}

/// A published PET occupancy and the model's prediction of the same quantity.
#[derive(Debug, Clone, Serialize)]
pub struct PetRow {
    pub transporter: String,
    pub dose_mg: f64,
    pub measured_occupancy: f64,
    /// The prediction at the time the PET was taken is not modelled: the predicted average and
    /// peak bracket it (Ki basis, parent and metabolites).
    pub predicted_average: f64,
    pub predicted_peak: f64,
    pub timing: String,
    pub source: String,
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
            let (metabolites, with_met) = metabolite_steady_state(m, &p, &occ, dose, tau, basis)?;
            let (net_all, sert_all) = match &with_met {
                Some((n, s)) => (*n, *s),
                None => (ss.metrics.net_occupancy(), ss.metrics.sert_occupancy()),
            };
            let pet = m
                .pet_occupancy
                .iter()
                .filter(|x| (x.dose_mg.value - dose).abs() < 1e-9)
                .map(|x| {
                    let o = if x.transporter == "net" {
                        net_all
                    } else {
                        sert_all
                    };
                    PetRow {
                        transporter: x.transporter.clone(),
                        dose_mg: dose,
                        measured_occupancy: x.occupancy_fraction.value,
                        predicted_average: o.average,
                        predicted_peak: o.peak,
                        timing: x.timing.clone(),
                        source: x.occupancy_fraction.source.clone(),
                    }
                })
                .collect();
            rows.push(Row {
                compound: m.compound.name.clone(),
                display_name: m.compound.display_name.clone(),
                dose_mg: dose,
                tau_h: tau,
                cmin_ng_per_ml: ss.metrics.cmin_ng_per_ml,
                cavg_ng_per_ml: ss.metrics.cavg_ng_per_ml,
                cmax_ng_per_ml: ss.metrics.cmax_ng_per_ml,
                auc_tau_ng_h_per_ml: ss.metrics.auc_tau_ng_h_per_ml,
                net_occupancy: ss.metrics.net_occupancy(),
                sert_occupancy: ss.metrics.sert_occupancy(),
                net_sert_balance: net_all.average / sert_all.average,
                net_k_nm: occ.net_k_nm,
                sert_k_nm: occ.sert_k_nm,
                affinity_source: format!("{} / {}", kn.source, ks.source),
                metabolites,
                net_occupancy_with_metabolites: with_met.map(|x| x.0),
                sert_occupancy_with_metabolites: with_met.map(|x| x.1),
                pet,
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
    notes.push("with active metabolites: occupancy = sum(C_i/K_i) / (1 + sum(C_i/K_i)) over parent and metabolites (competitive binding); the NET/SERT balance uses it".into());
    notes.push("PET: published occupancy at the same dose beside the predicted average and peak; the gap shows how far the in vitro basis sits from measurement for each drug (no PET occupancy of levomilnacipran is published)".into());
    Ok(Comparison {
        research_note: crate::RESEARCH_USE_NOTE,
        occupancy_basis: basis,
        rows,
        notes,
    })
}

/// Steady state of each active metabolite of `m` at `dose` every `tau` h, and the combined
/// (parent + metabolites) NET and SERT occupancy. The parent is simulated for enough days that
/// every species is at steady state; the metabolite amount follows
/// dA/dt = fm x CL_parent x C_parent(t) x (M_met / M_parent) - (CL_met / V_met) A,
/// integrated exactly for a piecewise-linear formation rate on a 0.05-h grid.
#[allow(clippy::type_complexity)]
fn metabolite_steady_state(
    m: &Monograph,
    parent: &PkParams,
    occ: &OccupancyModel,
    dose: f64,
    tau: f64,
    basis: Basis,
) -> Result<(
    Vec<MetaboliteRow>,
    Option<(OccupancySummary, OccupancySummary)>,
)> {
    if m.metabolites.is_empty() {
        return Ok((Vec::new(), None));
    }
    struct Met {
        row: MetaboliteRow,
        occ: OccupancyModel,
        conc: Vec<f64>,
    }
    let dt = 0.05;
    let mut slowest = parent.half_life_h();
    let mut mets = Vec::new();
    for a in &m.metabolites {
        let mm = monograph::builtin(&a.compound)?;
        let pm = typical_human(&mm, &PkOverride::default())?;
        slowest = slowest.max(pm.half_life_h());
        mets.push((a, mm, pm));
    }
    // Ten half-lives of the slowest species (at least three intervals), whole intervals.
    let n_doses = ((10.0 * slowest / tau).ceil() as usize).max(3);
    let t_end = n_doses as f64 * tau;
    let steps = (t_end / dt).round() as usize;
    let times: Vec<f64> = (0..=steps).map(|i| i as f64 * dt).collect();
    let doses: Vec<DoseEvent> = (0..n_doses)
        .map(|k| DoseEvent {
            time_h: k as f64 * tau,
            amount_mg: dose,
            route: Route::Po,
            infusion_h: None,
        })
        .collect();
    let cp = pk::concentrations(parent, &doses, &times)?;
    let mut out = Vec::new();
    for (a, mm, pm) in mets {
        let fm = a.formation_fraction.value;
        let ratio = mm.compound.molar_mass_base_g_per_mol.value
            / m.compound.molar_mass_base_g_per_mol.value;
        let k = pm.clearance_l_per_h / pm.volume_l;
        let decay = (-k * dt).exp();
        // Formation rate, ng/h (ng/mL x L/h = ug/h; the units cancel in amount / V).
        let rate: Vec<f64> = cp
            .iter()
            .map(|c| fm * parent.clearance_l_per_h * c * ratio)
            .collect();
        let mut amount = 0.0;
        let mut conc = Vec::with_capacity(rate.len());
        conc.push(0.0);
        for i in 1..rate.len() {
            // Exact for a rate linear in t between grid points.
            let (r0, r1) = (rate[i - 1], rate[i]);
            let slope = (r1 - r0) / dt;
            amount = amount * decay
                + r0 * (1.0 - decay) / k
                + slope * (dt / k - (1.0 - decay) / (k * k));
            conc.push(amount / pm.volume_l);
        }
        let mocc = OccupancyModel::from_monograph(&mm, basis, None, None)?;
        out.push(Met {
            row: MetaboliteRow {
                compound: mm.compound.name.clone(),
                formation_fraction: fm,
                formation_source: a.formation_fraction.source.clone(),
                cmin_ng_per_ml: 0.0,
                cavg_ng_per_ml: 0.0,
                cmax_ng_per_ml: 0.0,
                net_k_nm: mocc.net_k_nm,
                sert_k_nm: mocc.sert_k_nm,
            },
            occ: mocc,
            conc,
        });
    }
    // The last dosing interval: [t_end - tau, t_end].
    let first = steps - (tau / dt).round() as usize;
    let idx: Vec<usize> = (first..=steps).collect();
    let summary = |f: &dyn Fn(usize) -> f64| {
        let mut area = 0.0;
        for w in idx.windows(2) {
            area += 0.5 * (f(w[0]) + f(w[1])) * dt;
        }
        let peak = idx.iter().map(|&i| f(i)).fold(f64::NEG_INFINITY, f64::max);
        let trough = idx.iter().map(|&i| f(i)).fold(f64::INFINITY, f64::min);
        (trough, peak, area / tau)
    };
    for met in &mut out {
        let (lo, hi, avg) = summary(&|i| met.conc[i]);
        met.row.cmin_ng_per_ml = lo;
        met.row.cmax_ng_per_ml = hi;
        met.row.cavg_ng_per_ml = avg;
    }
    let combined = |i: usize, sert: bool| {
        let k_of = |o: &OccupancyModel| if sert { o.sert_k_nm } else { o.net_k_nm };
        let mut x = occ.site_nm(cp[i]) / k_of(occ);
        for met in &out {
            x += met.occ.site_nm(met.conc[i]) / k_of(&met.occ);
        }
        x / (1.0 + x)
    };
    let to_summary = |sert: bool| {
        let (trough, peak, average) = summary(&|i| combined(i, sert));
        OccupancySummary {
            trough,
            peak,
            average,
        }
    };
    let net = to_summary(false);
    let sert = to_summary(true);
    Ok((out.into_iter().map(|x| x.row).collect(), Some((net, sert))))
}
