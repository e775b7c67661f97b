//! SVG plots of NCA results: each subject's profile on a linear and a log10 scale with the lambda_z
//! points and the terminal regression marked, and a spaghetti plot of all subjects.

use levodose_report::plot::Chart;
use levodose_stats::nca::{Profile, SubjectResult};

use super::render::Units;

/// A file-name-safe version of a subject id.
pub fn safe_id(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn points(p: &Profile) -> Vec<(f64, f64)> {
    p.samples
        .iter()
        .map(|s| (s.time, if s.blq { 0.0 } else { s.conc }))
        .collect()
}

/// Linear-scale profile with the lambda_z points.
pub fn linear(p: &Profile, r: &SubjectResult, units: &Units) -> Chart {
    let data = points(p);
    let marked: Vec<(f64, f64)> = data
        .iter()
        .copied()
        .filter(|(t, _)| r.lambda_z_points.contains(t))
        .collect();
    let mut c = Chart::new(
        format!("subject {}: concentration", p.id),
        format!("time ({})", units.time),
        format!("concentration ({})", units.conc),
    )
    .line("observed", data.clone())
    .points("samples", data);
    if !marked.is_empty() {
        c = c.points("lambda_z points", marked);
    }
    c
}

/// Concentration on a log10 axis with the lambda_z points and the fitted terminal line. A log
/// axis (rather than plotting log10 values on a linear axis) keeps the tick labels in the user's
/// concentration unit; BLQ and zero samples cannot be shown on it and are left out.
pub fn log(p: &Profile, r: &SubjectResult, units: &Units) -> Chart {
    let data: Vec<(f64, f64)> = points(p).into_iter().filter(|&(_, c)| c > 0.0).collect();
    let marked: Vec<(f64, f64)> = data
        .iter()
        .copied()
        .filter(|(t, _)| r.lambda_z_points.contains(t))
        .collect();
    let mut c = Chart::new(
        format!("subject {}: concentration, log scale", p.id),
        format!("time ({})", units.time),
        format!("concentration ({}, log scale)", units.conc),
    )
    .line("observed", data.clone())
    .points("samples", data);
    c.log_y = true;
    if let Some(f) = &r.lambda_z_fit {
        // ln C = intercept - lambda_z * t
        let line = [f.lower, f.upper]
            .iter()
            .map(|&t| (t, (f.intercept - f.lambda_z * t).exp()))
            .collect();
        c = c
            .points("lambda_z points", marked)
            .dashed(format!("lambda_z fit, {} points", f.n_points), line);
    }
    c.note = Some(match &r.lambda_z_fit {
        Some(f) => format!(
            "lambda_z {:.4} 1/{}, adjusted R² {:.4}",
            f.lambda_z, units.time, f.r_squared_adjusted
        ),
        None => "lambda_z not estimable".into(),
    });
    c
}

/// Above this many subjects the spaghetti plot has no legend: it would need more rows than the
/// figure has room for, and the per-subject plots name each subject.
const SPAGHETTI_LEGEND_MAX: usize = 16;

/// All subjects on one linear chart.
pub fn spaghetti(profiles: &[Profile], units: &Units) -> Chart {
    let mut c = Chart::new(
        format!("all subjects ({})", profiles.len()),
        format!("time ({})", units.time),
        format!("concentration ({})", units.conc),
    );
    let named = profiles.len() <= SPAGHETTI_LEGEND_MAX;
    for p in profiles {
        let name = if named { p.id.clone() } else { String::new() };
        c = c.line(name, points(p));
    }
    if !named {
        c.note = Some(format!(
            "one line per subject ({} subjects; see profile_<id>_linear for each)",
            profiles.len()
        ));
    }
    c
}
