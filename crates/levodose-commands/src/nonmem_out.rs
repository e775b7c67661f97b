//! `--nonmem-out FILE` for `simulate` (one subject or `--subjects`): the simulated subjects as a
//! NONMEM-format dataset (TIME h, AMT mg free base, DV ng/mL, stated in a `#` first line).

use crate::error::{CliError, CliResult};
use levodose::dataset::{self, SampleInput};
use levodose::monograph::Monograph;
use levodose::population::Individual;
use levodose::simulate::Scenario;
use std::path::Path;

/// The flags that only make sense with `--nonmem-out`.
pub struct NonmemFlags<'a> {
    pub out: Option<&'a Path>,
    pub sample_times: &'a [f64],
    pub residual_proportional: Option<f64>,
    pub seed: u64,
}

impl NonmemFlags<'_> {
    /// Rejects --sample-times / --residual-proportional without --nonmem-out (never ignored).
    pub fn check(&self) -> CliResult {
        if self.out.is_none()
            && (!self.sample_times.is_empty() || self.residual_proportional.is_some())
        {
            return Err(CliError::input(
                "--sample-times and --residual-proportional apply to --nonmem-out FILE; add it",
            ));
        }
        Ok(())
    }
}

/// Writes the dataset if asked; returns the note to print.
pub fn write(
    flags: &NonmemFlags,
    m: &Monograph,
    sc: &Scenario,
    subjects: &[Individual],
) -> CliResult<Option<String>> {
    let Some(path) = flags.out else {
        return Ok(None);
    };
    let times: Vec<f64> = if flags.sample_times.is_empty() {
        let horizon = sc.days as f64 * 24.0;
        let n = (horizon / sc.step_h).round() as usize;
        (0..=n)
            .map(|i| (i as f64 * sc.step_h).min(horizon))
            .collect()
    } else {
        flags.sample_times.to_vec()
    };
    let doses: Vec<Vec<levodose::regimen::DoseEvent>> = subjects
        .iter()
        .map(|s| dataset::scenario_doses(m, sc, s.weight_kg))
        .collect::<Result<_, _>>()?;
    let inputs: Vec<SampleInput> = subjects
        .iter()
        .zip(&doses)
        .enumerate()
        .map(|(i, (s, d))| SampleInput {
            id: s.id.parse().unwrap_or(i as u32 + 1),
            params: &s.params,
            doses: d,
            covariates: dataset::individual_covariates(s),
        })
        .collect();
    let rows = dataset::sample_subjects(&inputs, &times, flags.residual_proportional, flags.seed)
        .map_err(|e| CliError::input(format!("--nonmem-out: {e}")))?;
    let text = dataset::write(&rows);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| {
        CliError::input(format!("--nonmem-out {}: not a file name", path.display()))
    })?;
    crate::io::write_files(dir, &[(&name.to_string_lossy(), text.into_bytes())])?;
    Ok(Some(format!(
        "Wrote NONMEM dataset {} ({} subjects x {} samples; TIME h, AMT mg free base, DV ng/mL{})",
        path.display(),
        rows.len(),
        times.len(),
        flags
            .residual_proportional
            .map(|s| format!(", proportional residual error SD {s}"))
            .unwrap_or_default()
    )))
}
