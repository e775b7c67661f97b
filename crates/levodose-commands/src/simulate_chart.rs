//! Chart marks shared by the one-subject and the population simulate reports: the time axis, the
//! dose marks and the research-target line.

use levodose::monograph::Monograph;
use levodose::simulate::Simulation;

/// Profiles longer than this are plotted in days rather than hours.
const DAYS_AXIS_AFTER_H: f64 = 72.0;

/// The time axis for a profile ending at `end_h`: (hours per axis unit, axis label).
pub fn time_axis_until(end_h: f64) -> (f64, &'static str) {
    if end_h > DAYS_AXIS_AFTER_H {
        (24.0, "time (days)")
    } else {
        (1.0, "time (h)")
    }
}

/// Dose marks with the amount written at each change of dose, so titration steps are labelled.
pub fn dose_marks(sim: &Simulation, per: f64) -> Vec<(f64, String)> {
    let mut last = f64::NAN;
    sim.dose_events
        .iter()
        .map(|d| {
            let label = if (d.amount_mg - last).abs() > 1e-9 || last.is_nan() {
                format!("{} mg", d.amount_mg)
            } else {
                String::new()
            };
            last = d.amount_mg;
            (d.time_h / per, label)
        })
        .collect()
}

/// The monograph's default research target as a reference line (level, legend label), when it is
/// a lower bound on occupancy.
pub fn research_target_line(m: &Monograph) -> Option<(f64, String)> {
    let t = m.default_research_target.as_ref()?;
    let v = t
        .expression
        .split_once(">=")
        .and_then(|(_, level)| level.trim().parse::<f64>().ok())?;
    Some((
        v,
        format!(
            "research target {} ({}, {})",
            t.expression, t.source, t.status
        ),
    ))
}
