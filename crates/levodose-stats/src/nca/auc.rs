//! Trapezoid rules for AUC and AUMC between samples, and partial AUCs with interpolation.
//!
//! Linear: (C1 + C2)/2 dt. Log (used by linear-up/log-down when C2 < C1 and both > 0):
//! (C1 - C2) dt / ln(C1/C2). AUMC by the same rule: linear (t1 C1 + t2 C2)/2 dt, log
//! (t1 C1 - t2 C2)/k + (C1 - C2)/k² with k = ln(C1/C2)/dt, the exact integral of t C(t) for a
//! mono-exponential segment (WinNonlin's formula).

use super::AucMethod;

/// True when the segment uses the log rule.
fn is_log(method: AucMethod, c1: f64, c2: f64) -> bool {
    method == AucMethod::LinearUpLogDown && c2 < c1 && c2 > 0.0
}

/// AUC of one segment.
pub fn auc_segment(method: AucMethod, t1: f64, c1: f64, t2: f64, c2: f64) -> f64 {
    let dt = t2 - t1;
    if is_log(method, c1, c2) {
        (c1 - c2) * dt / (c1 / c2).ln()
    } else {
        0.5 * (c1 + c2) * dt
    }
}

/// AUMC (first moment) of one segment.
pub fn aumc_segment(method: AucMethod, t1: f64, c1: f64, t2: f64, c2: f64) -> f64 {
    let dt = t2 - t1;
    if is_log(method, c1, c2) {
        let k = (c1 / c2).ln() / dt;
        (t1 * c1 - t2 * c2) / k + (c1 - c2) / (k * k)
    } else {
        0.5 * (t1 * c1 + t2 * c2) * dt
    }
}

/// (AUC, AUMC) from the first point to index `last` (inclusive).
pub fn auc_aumc_to(method: AucMethod, time: &[f64], conc: &[f64], last: usize) -> (f64, f64) {
    let (mut auc, mut aumc) = (0.0, 0.0);
    for i in 0..last {
        auc += auc_segment(method, time[i], conc[i], time[i + 1], conc[i + 1]);
        aumc += aumc_segment(method, time[i], conc[i], time[i + 1], conc[i + 1]);
    }
    (auc, aumc)
}

/// Concentration at `t` inside the sampled range, interpolated by the segment's rule
/// (log-linear where the AUC rule is logarithmic, else linear).
pub fn interpolate(method: AucMethod, time: &[f64], conc: &[f64], t: f64) -> Option<f64> {
    let first = *time.first()?;
    let last = *time.last()?;
    if t < first || t > last {
        return None;
    }
    let i = match time.iter().position(|&x| x >= t) {
        Some(i) if time[i] == t => return Some(conc[i]),
        Some(i) => i,
        None => return None,
    };
    let (t1, c1, t2, c2) = (time[i - 1], conc[i - 1], time[i], conc[i]);
    let f = (t - t1) / (t2 - t1);
    Some(if is_log(method, c1, c2) {
        (c1.ln() + f * (c2.ln() - c1.ln())).exp()
    } else {
        c1 + f * (c2 - c1)
    })
}

/// AUC from `start` to `end`. Inside the samples the trapezoid rule applies with interpolated
/// end points; beyond the last sample the terminal exponential `c_last exp(-lambda_z (t - t_last))`
/// is integrated when `tail = Some((t_last, c_last, lambda_z))`, otherwise None.
pub fn partial_auc(
    method: AucMethod,
    time: &[f64],
    conc: &[f64],
    start: f64,
    end: f64,
    tail: Option<(f64, f64, f64)>,
) -> Option<f64> {
    let t_end_data = *time.last()?;
    if start < *time.first()? || end < start {
        return None;
    }
    let mut auc = 0.0;
    let inside_end = end.min(t_end_data);
    if start < inside_end {
        let c_start = interpolate(method, time, conc, start)?;
        let mut pts: Vec<(f64, f64)> = vec![(start, c_start)];
        pts.extend(
            time.iter()
                .zip(conc)
                .filter(|(&t, _)| t > start && t < inside_end)
                .map(|(&t, &c)| (t, c)),
        );
        pts.push((inside_end, interpolate(method, time, conc, inside_end)?));
        for w in pts.windows(2) {
            auc += auc_segment(method, w[0].0, w[0].1, w[1].0, w[1].1);
        }
    }
    if end > t_end_data {
        let (t_last, c_last, lz) = tail?;
        let from = start.max(t_end_data);
        auc += c_last / lz * ((-lz * (from - t_last)).exp() - (-lz * (end - t_last)).exp());
    }
    Some(auc)
}
