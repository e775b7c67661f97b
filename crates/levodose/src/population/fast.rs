//! Fast one-compartment kernels for populations.
//!
//! Steady state (oral, lag L < tau): with s the time since the lag, the depot just after a dose
//! enters holds A_d = F D / (1 - e^{-ka tau}) and the central compartment
//! A_c = T_dc(tau) A_d / (1 - e^{-k tau}), T_dc the depot-to-central coefficient of `onecpt`.
//! The trough is C(s = 0) = A_c / V (the minimum is at the lag time), the peak is at
//! s* = ln[ka (1 - e^{-k tau}) / (k (1 - e^{-ka tau}))] / (ka - k), AUC_tau = F D / CL.
//!
//! Time-averaged occupancy: over one period (s from 0 to tau; the kink at the lag time is at the
//! ends, so the integrand is smooth inside) C(s) = a e^{-k s} - b e^{-ka s} with
//! a = (A_c + g A_d) / V, b = g A_d / V, g = ka / (ka - k), and
//! occ_avg = (1/tau) int_0^tau occ(C(s)) ds by 8-point Gauss-Legendre on graded panels: G panels
//! doubling in width from h0, then M panels of width 2^G h0, with h0 (2^G - 1 + M 2^G) = tau,
//! h0 <= min(1/lambda, d) and 2^G h0 <= 2/mu (lambda = max(k, ka), mu = min(k, ka)). The
//! integrand occ = C/(C + K_c) has a pole where C = -K_c: near s = 0 it lies about
//! d = (C(0) + K_c)/|C'(0)| before the start (tiny when the trough is far below K_c and the depot
//! large), later about pi/mu off the real axis. Node exponentials of a panel twice as wide are the
//! squares of the previous ones, so a subject costs 18 exponentials and 8 (G + M) Hill
//! evaluations (G + M = 3 to 6 for oral levomilnacipran; about 1e-11 relative error).
//!
//! Profiles on a uniform grid: the transition over one step is computed once per subject, so a
//! time point costs five multiply-adds; dose actions off the grid split a step exactly, and the
//! stretch before the first wanted point is crossed action to action.

use crate::metric::SteadyMetrics;
use crate::occupancy::OccupancyModel;
use crate::pk::onecpt::Coefficients;
use crate::pk::{Action, ActionKind, PkParams};
use crate::units::NG_PER_ML_PER_MG_PER_L;

/// Gauss-Legendre abscissae on [-1, 1] (8 points) and their weights.
const GL_X: [f64; GL_N] = [
    -0.960_289_856_497_536_3,
    -0.796_666_477_413_626_7,
    -0.525_532_409_916_329,
    -0.183_434_642_495_649_8,
    0.183_434_642_495_649_8,
    0.525_532_409_916_329,
    0.796_666_477_413_626_7,
    0.960_289_856_497_536_3,
];
const GL_W: [f64; GL_N] = [
    0.101_228_536_290_376_3,
    0.222_381_034_453_374_5,
    0.313_706_645_877_887_3,
    0.362_683_783_378_362,
    0.362_683_783_378_362,
    0.313_706_645_877_887_3,
    0.222_381_034_453_374_5,
    0.101_228_536_290_376_3,
];
const GL_N: usize = 8;

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
    let g = ka / (ka - k);
    let (net_avg, sert_avg) =
        average_occupancy(occ, (ac + g * ad) * scale, g * ad * scale, k, ka, tau_h);
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
        net_occupancy_average: net_avg,
        sert_occupancy_trough: occ.sert(cmin),
        sert_occupancy_peak: occ.sert(cmax),
        sert_occupancy_average: sert_avg,
    }
}

/// (1/tau) int_0^tau occ(C(s)) ds for C(s) = a e^{-k s} - b e^{-ka s}, NET and SERT, by
/// Gauss-Legendre on graded panels (module docs).
pub fn average_occupancy(
    occ: &OccupancyModel,
    a: f64,
    b: f64,
    k: f64,
    ka: f64,
    tau_h: f64,
) -> (f64, f64) {
    let (fast, slow) = (k.max(ka), k.min(ka));
    // occ = C / (C + K_c) with K_c the concentration (ng/mL) at 50 % occupancy.
    let k_c = occ.net_k_nm.min(occ.sert_k_nm) / occ.site_nm(1.0);
    let slope0 = (ka * b - k * a).abs();
    let pole = (a - b + k_c) / slope0;
    let h_first = (1.0 / fast).min(pole);
    let mut g = (2.0 / slow / h_first).log2().floor().max(1.0);
    let m = if h_first * (g.exp2() - 1.0) >= tau_h {
        g = (tau_h / h_first + 1.0).log2().ceil().max(1.0);
        0.0
    } else {
        ((tau_h / h_first - (g.exp2() - 1.0)) / g.exp2()).ceil()
    };
    let mut h = tau_h / (g.exp2() - 1.0 + m * g.exp2());
    let (g, m) = (g as usize, m as usize);
    // e^{-k u}, e^{-ka u} at the nodes u of the current panel (from its start), at its start,
    // and over its width.
    let mut e1 = GL_X.map(|x| (-k * h * 0.5 * (1.0 + x)).exp());
    let mut e2 = GL_X.map(|x| (-ka * h * 0.5 * (1.0 + x)).exp());
    let (mut s1, mut s2) = (1.0, 1.0);
    let (mut w1, mut w2) = ((-k * h).exp(), (-ka * h).exp());
    let (mut net, mut sert) = (0.0, 0.0);
    for j in 0..g + m {
        let (a1, b2) = (a * s1, b * s2);
        let (mut pn, mut ps) = (0.0, 0.0);
        for i in 0..GL_N {
            let c = a1 * e1[i] - b2 * e2[i];
            pn += GL_W[i] * occ.net(c);
            ps += GL_W[i] * occ.sert(c);
        }
        net += 0.5 * h * pn;
        sert += 0.5 * h * ps;
        s1 *= w1;
        s2 *= w2;
        if j < g {
            // The next panel is twice as wide: square every factor.
            h *= 2.0;
            w1 *= w1;
            w2 *= w2;
            for i in 0..GL_N {
                e1[i] *= e1[i];
                e2[i] *= e2[i];
            }
        }
    }
    (net / tau_h, sert / tau_h)
}

pub use crate::pk::actions_into;

#[inline]
fn apply(kind: ActionKind, d: &mut f64, c: &mut f64, r: &mut f64) {
    match kind {
        ActionKind::Depot(x) => *d += x,
        ActionKind::Central(x) => *c += x,
        ActionKind::Rate(x) => *r += x,
        // Populations build actions from doses only (`actions_into`); time-varying clearance is
        // rejected before a population run (`population::sample`).
        ActionKind::Clearance(_) => {}
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
    f: F,
) {
    grid_range(p, actions, step_h, 0..n_points, f)
}

/// `grid` for the points `range` only: the time before `range.start` is crossed from action to
/// action (one exact step per dose instead of one per grid point; equal gaps reuse their step).
#[inline]
pub fn grid_range<F: FnMut(usize, f64)>(
    p: &PkParams,
    actions: &[Action],
    step_h: f64,
    range: std::ops::Range<usize>,
    mut f: F,
) {
    const EPS: f64 = 1e-9;
    let k = p.k_per_h();
    let ka = p.ka_per_h;
    let coef = Coefficients::new(k, ka, step_h);
    let mut jump = coef;
    let mut step_of = |dt: f64| {
        if (jump.dt - dt).abs() > 1e-12 * dt.max(1.0) {
            jump = Coefficients::new(k, ka, dt);
        }
        jump
    };
    let scale = NG_PER_ML_PER_MG_PER_L / p.volume_l;
    let (mut d, mut c, mut r) = (0.0f64, 0.0f64, 0.0f64);
    let mut ai = 0;
    let mut next = actions.first().map_or(f64::INFINITY, |a| a.time_h);
    let t_first = range.start as f64 * step_h;
    let mut tc = 0.0;
    while next < t_first - EPS {
        if next > tc {
            (d, c) = step_of(next - tc).step(d, c, r);
            tc = next;
        }
        while next <= tc + EPS {
            apply(actions[ai].kind, &mut d, &mut c, &mut r);
            ai += 1;
            next = actions.get(ai).map_or(f64::INFINITY, |a| a.time_h);
        }
    }
    if t_first > tc {
        (d, c) = step_of(t_first - tc).step(d, c, r);
    }
    let mut i = range.start;
    while i < range.end {
        // Quiet points before the next action: no action at t_j and none inside its step, so
        // t_j + step_h - EPS <= next. Walk them without checks.
        let mut quiet = if next.is_finite() {
            (((next + EPS) / step_h).floor() as usize).clamp(i, range.end)
        } else {
            range.end
        };
        while quiet > i && next < (quiet - 1) as f64 * step_h + step_h - EPS {
            quiet -= 1;
        }
        for j in i..quiet {
            f(j, c * scale);
            (d, c) = coef.step(d, c, r);
        }
        i = quiet;
        if i == range.end {
            break;
        }
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
                (d, c) = step_of(next - tc).step(d, c, r);
                tc = next;
                while next <= tc + EPS {
                    apply(actions[ai].kind, &mut d, &mut c, &mut r);
                    ai += 1;
                    next = actions.get(ai).map_or(f64::INFINITY, |a| a.time_h);
                }
            }
            (d, c) = step_of(t1 - tc).step(d, c, r);
        } else {
            (d, c) = coef.step(d, c, r);
        }
        i += 1;
    }
}
