//! Fast one-compartment kernels for populations.
//!
//! Steady state (oral, lag L < tau): with s the time since the lag, the depot just after a dose
//! enters holds A_d = F D / (1 - e^{-ka tau}) and the central compartment
//! A_c = T_dc(tau) A_d / (1 - e^{-k tau}), T_dc the depot-to-central coefficient of `onecpt`.
//! The trough is C(s = 0) = A_c / V (the minimum is at the lag time), the peak is at
//! s* = ln[ka (1 - e^{-k tau}) / (k (1 - e^{-ka tau}))] / (ka - k), AUC_tau = F D / CL, and
//! the time-averaged occupancy is integrated by Simpson's rule on `AVERAGE_NODES` exact steps.
//!
//! Profiles on a uniform grid: the transition over one step is computed once per subject, so a
//! time point costs five multiply-adds; dose actions off the grid split a step exactly.

use crate::occupancy::OccupancyModel;
use crate::pk::onecpt::Coefficients;
use crate::pk::{Action, ActionKind, PkParams};
use crate::units::NG_PER_ML_PER_MG_PER_L;
use serde::Serialize;

/// Simpson intervals over one dosing interval for the time-averaged occupancy (even).
pub const AVERAGE_NODES: usize = 240;

/// Steady-state metrics of one subject; names are those of `simulate`'s `summary.steady_state`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct SteadyMetrics {
    pub cmax_ng_per_ml: f64,
    pub tmax_h: f64,
    pub cmin_ng_per_ml: f64,
    pub cavg_ng_per_ml: f64,
    pub auc_tau_ng_h_per_ml: f64,
    pub accumulation_ratio: f64,
    pub time_to_90pct_h: f64,
    pub net_occupancy_trough: f64,
    pub net_occupancy_peak: f64,
    pub net_occupancy_average: f64,
    pub sert_occupancy_trough: f64,
    pub sert_occupancy_peak: f64,
    pub sert_occupancy_average: f64,
}

impl SteadyMetrics {
    /// Metric names, in output order.
    pub const NAMES: [&'static str; 13] = [
        "cmax_ng_per_ml",
        "tmax_h",
        "cmin_ng_per_ml",
        "cavg_ng_per_ml",
        "auc_tau_ng_h_per_ml",
        "accumulation_ratio",
        "time_to_90pct_h",
        "net_occupancy_trough",
        "net_occupancy_peak",
        "net_occupancy_average",
        "sert_occupancy_trough",
        "sert_occupancy_peak",
        "sert_occupancy_average",
    ];

    pub fn values(&self) -> [f64; 13] {
        [
            self.cmax_ng_per_ml,
            self.tmax_h,
            self.cmin_ng_per_ml,
            self.cavg_ng_per_ml,
            self.auc_tau_ng_h_per_ml,
            self.accumulation_ratio,
            self.time_to_90pct_h,
            self.net_occupancy_trough,
            self.net_occupancy_peak,
            self.net_occupancy_average,
            self.sert_occupancy_trough,
            self.sert_occupancy_peak,
            self.sert_occupancy_average,
        ]
    }

    /// A metric by name (`NAMES`).
    pub fn get(&self, name: &str) -> Option<f64> {
        Self::NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| self.values()[i])
    }

    /// From the exact engine's output (`simulate::steady_state_out`).
    pub fn from_exact(s: &crate::simulate::SteadyStateOut) -> Self {
        SteadyMetrics {
            cmax_ng_per_ml: s.cmax_ng_per_ml,
            tmax_h: s.tmax_h,
            cmin_ng_per_ml: s.cmin_ng_per_ml,
            cavg_ng_per_ml: s.cavg_ng_per_ml,
            auc_tau_ng_h_per_ml: s.auc_tau_ng_h_per_ml,
            accumulation_ratio: s.accumulation_ratio,
            time_to_90pct_h: s.time_to_90pct_h,
            net_occupancy_trough: s.occupancy.net.trough,
            net_occupancy_peak: s.occupancy.net.peak,
            net_occupancy_average: s.occupancy.net.average,
            sert_occupancy_trough: s.occupancy.sert.trough,
            sert_occupancy_peak: s.occupancy.sert.peak,
            sert_occupancy_average: s.occupancy.sert.average,
        }
    }
}

/// Whether the closed form applies: one compartment, extravascular dose, lag shorter than tau.
pub fn closed_form_applies(p: &PkParams, extravascular: bool, infusion: bool, tau_h: f64) -> bool {
    p.peripheral.is_none() && extravascular && !infusion && p.lag_h < tau_h
}

/// Steady state of `dose_mg` (free base, before F) every `tau_h`, in closed form.
pub fn steady_state(p: &PkParams, occ: &OccupancyModel, dose_mg: f64, tau_h: f64) -> SteadyMetrics {
    let k = p.k_per_h();
    let mut ka = p.ka_per_h;
    if ((ka - k) / k).abs() < 1e-7 {
        // ka = k: the peak formula is 0/0; a relative nudge of 1e-7 changes nothing measurable.
        ka = k * (1.0 + 1e-7);
    }
    let fd = p.bioavailability * dose_mg;
    let scale = NG_PER_ML_PER_MG_PER_L / p.volume_l;
    let full = Coefficients::new(k, ka, tau_h);
    let ad = fd / (1.0 - full.depot_keep);
    let ac = full.depot_to_central * ad / (1.0 - full.central_keep);
    let conc_at = |s: f64| {
        let c = Coefficients::new(k, ka, s);
        (c.central_keep * ac + c.depot_to_central * ad) * scale
    };
    let cmin = ac * scale;
    let ratio = ka * (1.0 - full.central_keep) / (k * (1.0 - full.depot_keep));
    let s_star = (ratio.ln() / (ka - k)).clamp(0.0, tau_h);
    let cmax = conc_at(s_star).max(cmin);
    let mut tmax = p.lag_h + s_star;
    if tmax >= tau_h {
        tmax -= tau_h;
    }
    let auc = fd / p.clearance_l_per_h * NG_PER_ML_PER_MG_PER_L;
    // First interval after a single dose: AUC = eliminated / CL by mass balance.
    let t1 = tau_h - p.lag_h;
    let c1 = Coefficients::new(k, ka, t1);
    let auc1 = fd * (1.0 - c1.depot_keep - c1.depot_to_central) / p.clearance_l_per_h
        * NG_PER_ML_PER_MG_PER_L;
    // Simpson's rule on exact steps for the time-averaged occupancy.
    let h = tau_h / AVERAGE_NODES as f64;
    let step = Coefficients::new(k, ka, h);
    let (mut d, mut c) = (ad, ac);
    let (mut net, mut sert) = (0.0, 0.0);
    for i in 0..=AVERAGE_NODES {
        let w = if i == 0 || i == AVERAGE_NODES {
            1.0
        } else if i % 2 == 1 {
            4.0
        } else {
            2.0
        };
        let conc = c * scale;
        net += w * occ.net(conc);
        sert += w * occ.sert(conc);
        (d, c) = step.step(d, c, 0.0);
    }
    let avg = |sum: f64| sum * h / 3.0 / tau_h;
    SteadyMetrics {
        cmax_ng_per_ml: cmax,
        tmax_h: tmax,
        cmin_ng_per_ml: cmin,
        cavg_ng_per_ml: auc / tau_h,
        auc_tau_ng_h_per_ml: auc,
        accumulation_ratio: auc / auc1,
        time_to_90pct_h: std::f64::consts::LN_10 / p.lambda_z_per_h(),
        net_occupancy_trough: occ.net(cmin),
        net_occupancy_peak: occ.net(cmax),
        net_occupancy_average: avg(net),
        sert_occupancy_trough: occ.sert(cmin),
        sert_occupancy_peak: occ.sert(cmax),
        sert_occupancy_average: avg(sert),
    }
}

#[inline]
fn apply(kind: ActionKind, d: &mut f64, c: &mut f64, r: &mut f64) {
    match kind {
        ActionKind::Depot(x) => *d += x,
        ActionKind::Central(x) => *c += x,
        ActionKind::Rate(x) => *r += x,
    }
}

/// Walks a one-compartment subject over the grid t_i = i * step_h (i < n_points) and calls
/// `f(i, C(t_i))` with C in ng/mL; a value at a dose time is the one just before the dose enters
/// (as in `pk::concentrations`). `actions` must be sorted by time.
#[inline]
pub fn grid<F: FnMut(usize, f64)>(
    p: &PkParams,
    actions: &[Action],
    step_h: f64,
    n_points: usize,
    mut f: F,
) {
    const EPS: f64 = 1e-9;
    let k = p.k_per_h();
    let ka = p.ka_per_h;
    let coef = Coefficients::new(k, ka, step_h);
    let scale = NG_PER_ML_PER_MG_PER_L / p.volume_l;
    let (mut d, mut c, mut r) = (0.0f64, 0.0f64, 0.0f64);
    let mut ai = 0;
    let mut next = actions.first().map_or(f64::INFINITY, |a| a.time_h);
    for i in 0..n_points {
        let t = i as f64 * step_h;
        f(i, c * scale);
        while next <= t + EPS {
            apply(actions[ai].kind, &mut d, &mut c, &mut r);
            ai += 1;
            next = actions.get(ai).map_or(f64::INFINITY, |a| a.time_h);
        }
        let t1 = t + step_h;
        if next < t1 - EPS {
            // Actions inside the step: split it exactly at each action time.
            let mut tc = t;
            while next < t1 - EPS {
                let part = Coefficients::new(k, ka, next - tc);
                (d, c) = part.step(d, c, r);
                tc = next;
                while next <= tc + EPS {
                    apply(actions[ai].kind, &mut d, &mut c, &mut r);
                    ai += 1;
                    next = actions.get(ai).map_or(f64::INFINITY, |a| a.time_h);
                }
            }
            (d, c) = Coefficients::new(k, ka, t1 - tc).step(d, c, r);
        } else {
            (d, c) = coef.step(d, c, r);
        }
    }
}
