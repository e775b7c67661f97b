//! Exposure over one interval: Cmax, Tmax, Cmin, Cavg, AUC, and a fine profile for averages.

use super::cursor::Cursor;
use serde::Serialize;

/// The concentration over [start, start + tau] sampled finely, with exact AUC and refined peak.
#[derive(Debug, Clone)]
pub struct IntervalProfile {
    pub start_h: f64,
    pub end_h: f64,
    /// (time since interval start h, concentration ng/mL), including every action time.
    pub samples: Vec<(f64, f64)>,
    pub metrics: ExposureMetrics,
}

/// Exposure metrics of one interval. Times are hours after the interval start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ExposureMetrics {
    pub cmax_ng_per_ml: f64,
    pub tmax_h: f64,
    pub cmin_ng_per_ml: f64,
    pub cavg_ng_per_ml: f64,
    pub auc_ng_h_per_ml: f64,
}

/// Samples per interval for the fine profile (time-averaged occupancy uses it; error of the
/// trapezoid rule is O(h^2) on a smooth curve, below 1e-6 relative here).
const SAMPLES: usize = 960;

/// Profiles the interval [cursor.time_h, cursor.time_h + tau]. The cursor's pending actions at
/// its start time are applied first (the dose that opens the interval). The minimum is taken over
/// the samples, which include every action time: between actions the curve is unimodal.
pub fn interval_profile(cursor: &Cursor<'_>, tau_h: f64) -> IntervalProfile {
    let start = cursor.time_h;
    let end = start + tau_h;
    let mut cur = cursor.clone();
    cur.advance_through(start);
    let auc0 = cur.auc_ng_h_per_ml();
    let mut times: Vec<f64> = (0..=SAMPLES)
        .map(|i| start + tau_h * i as f64 / SAMPLES as f64)
        .collect();
    let mut probe = cur.clone();
    while let Some(t) = probe.next_action_time() {
        if t >= end {
            break;
        }
        times.push(t);
        probe.advance_through(t);
    }
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut samples = Vec::with_capacity(times.len());
    let mut cursors = Vec::with_capacity(times.len());
    for &t in &times {
        cur.advance_to(t);
        samples.push((t - start, cur.conc_ng_per_ml()));
        cursors.push(cur.clone());
        cur.advance_through(t);
    }
    let auc = cursors
        .last()
        .map(|c| c.auc_ng_h_per_ml() - auc0)
        .unwrap_or(0.0);
    let (imax, _) =
        samples
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &(_, c))| {
                if c > bv {
                    (i, c)
                } else {
                    (bi, bv)
                }
            });
    let (tmax, cmax) = refine_peak(&samples, &cursors, imax, start);
    let cmin = samples.iter().map(|s| s.1).fold(f64::INFINITY, f64::min);
    IntervalProfile {
        start_h: start,
        end_h: end,
        samples,
        metrics: ExposureMetrics {
            cmax_ng_per_ml: cmax,
            tmax_h: tmax,
            cmin_ng_per_ml: cmin,
            cavg_ng_per_ml: auc / tau_h,
            auc_ng_h_per_ml: auc,
        },
    }
}

/// Golden-section search for the peak between the neighbours of sample `i` (each neighbour is at
/// most one action away, so the curve is unimodal there).
fn refine_peak(samples: &[(f64, f64)], cursors: &[Cursor<'_>], i: usize, start: f64) -> (f64, f64) {
    let (mut best_t, mut best_c) = samples[i];
    if i == 0 || i + 1 >= samples.len() {
        return (best_t, best_c);
    }
    // Evaluate from the left neighbour's cursor (after its pending actions) at absolute time t.
    let base = {
        let mut c = cursors[i - 1].clone();
        c.advance_through(c.time_h);
        c
    };
    let eval = |t_rel: f64| {
        let mut c = base.clone();
        c.advance_to(start + t_rel);
        c.conc_ng_per_ml()
    };
    let (mut a, mut b) = (samples[i - 1].0, samples[i + 1].0);
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let mut x1 = b - g * (b - a);
    let mut x2 = a + g * (b - a);
    let (mut f1, mut f2) = (eval(x1), eval(x2));
    for _ in 0..60 {
        if f1 < f2 {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + g * (b - a);
            f2 = eval(x2);
        } else {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - g * (b - a);
            f1 = eval(x1);
        }
        if b - a < 1e-9 {
            break;
        }
    }
    let (t, c) = if f1 > f2 { (x1, f1) } else { (x2, f2) };
    if c > best_c {
        best_t = t;
        best_c = c;
    }
    (best_t, best_c)
}
