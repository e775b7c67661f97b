//! Simulated subjects sampled at chosen times, ready for the NONMEM writer.
//!
//! Concentrations come from the engine (`pk::concentrations`); optional residual error is
//! proportional, C_obs = C (1 + sd z) with z standard normal from a ChaCha8 stream per subject
//! (seed, stream = subject index), so output is the same for any thread count. A draw that would
//! make C_obs negative is redrawn (a concentration cannot be negative; with sd <= 0.3 this
//! happens less than once in a million draws).

use super::WriteSubject;
use crate::error::{Error, Result};
use crate::pk::{self, PkParams};
use crate::regimen::DoseEvent;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// One subject to sample.
#[derive(Debug, Clone)]
pub struct SampleInput<'a> {
    pub id: u32,
    pub params: &'a PkParams,
    pub doses: &'a [DoseEvent],
    pub covariates: Vec<(String, f64)>,
}

/// Offset that separates the residual-error streams from the population's own draws.
const RESIDUAL_SEED_OFFSET: u64 = 0x5EED_0E44_0000_0001;

/// Samples every subject at `times_h` (h, ascending).
pub fn sample_subjects(
    inputs: &[SampleInput],
    times_h: &[f64],
    residual_proportional_sd: Option<f64>,
    seed: u64,
) -> Result<Vec<WriteSubject>> {
    if times_h.is_empty() {
        return Err(Error::input(
            "sample_times",
            "give at least one sampling time",
        ));
    }
    if times_h.iter().any(|t| !t.is_finite() || *t < 0.0)
        || times_h.windows(2).any(|w| w[1] <= w[0])
    {
        return Err(Error::input(
            "sample_times",
            "times must be finite, >= 0 h and strictly ascending",
        ));
    }
    if let Some(sd) = residual_proportional_sd {
        crate::error::check_range("residual_proportional", sd, 0.0, 1.0, "(fraction)")?;
    }
    inputs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let conc = pk::concentrations(s.params, s.doses, times_h)?;
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ RESIDUAL_SEED_OFFSET);
            rng.set_stream(i as u64);
            let samples = times_h
                .iter()
                .zip(conc)
                .map(|(&t, c)| {
                    let obs = match residual_proportional_sd {
                        Some(sd) if sd > 0.0 => loop {
                            let z: f64 = StandardNormal.sample(&mut rng);
                            let v = c * (1.0 + sd * z);
                            if v >= 0.0 {
                                break v;
                            }
                        },
                        _ => c,
                    };
                    (t, obs)
                })
                .collect();
            Ok(WriteSubject {
                id: s.id,
                covariates: s.covariates.clone(),
                parameters: individual_parameters(s.params),
                doses: s.doses.to_vec(),
                samples,
            })
        })
        .collect()
}

/// The dose events of scenario `sc` for a subject of `weight_kg` (mg/kg regimens), resolved
/// exactly as `simulate` resolves them.
pub fn scenario_doses(
    m: &crate::monograph::Monograph,
    sc: &crate::simulate::Scenario,
    weight_kg: Option<f64>,
) -> Result<Vec<DoseEvent>> {
    let regimen = crate::simulate::parse_regimen(m, &sc.regimen)?;
    let ctx = crate::regimen::ResolveContext {
        weight_kg: weight_kg
            .or(sc.subject.weight_kg)
            .or(Some(m.human.weight_reference_kg.value)),
        molar_mass_base: m.compound.molar_mass_base_g_per_mol.value,
        molar_mass_salt: m.salt_molar_mass(),
        days: sc.days,
    };
    regimen.events(&ctx)
}

/// The individual's covariate columns for the writer (CRCL in mL/min, WT in kg), when known.
pub fn individual_covariates(ind: &crate::population::Individual) -> Vec<(String, f64)> {
    let mut v = Vec::new();
    if let Some(c) = ind.crcl_ml_per_min {
        v.push(("CRCL".to_string(), c));
    }
    if let Some(w) = ind.weight_kg {
        v.push(("WT".to_string(), w));
    }
    v
}

/// The `SIM*` parameter columns: (column, unit, meaning). CL and V are apparent (CL/F, V/F) as
/// in the engine, where F scales the dose; so F x AMT / SIMCL is the subject's true AUC0-inf of
/// one dose (mg h/L, x 1000 for ng h/mL).
pub const PARAMETER_COLUMNS: [(&str, &str, &str); 7] = [
    ("SIMCL", "L/h", "clearance"),
    ("SIMV", "L", "central volume"),
    ("SIMKA", "1/h", "absorption rate constant"),
    ("SIMF", "fraction", "bioavailability"),
    ("SIMLAG", "h", "absorption lag"),
    (
        "SIMQ",
        "L/h",
        "intercompartmental clearance (two compartments)",
    ),
    ("SIMV2", "L", "peripheral volume (two compartments)"),
];

/// A subject's true parameters as `SIM*` columns; SIMQ and SIMV2 only for two compartments.
pub fn individual_parameters(p: &PkParams) -> Vec<(String, f64)> {
    let mut values = vec![
        p.clearance_l_per_h,
        p.volume_l,
        p.ka_per_h,
        p.bioavailability,
        p.lag_h,
    ];
    if let Some((q, v2)) = p.peripheral {
        values.extend([q, v2]);
    }
    PARAMETER_COLUMNS
        .iter()
        .zip(values)
        .map(|((name, _, _), v)| (name.to_string(), v))
        .collect()
}

/// The `#` line that explains the `SIM*` columns present (None when there are none).
pub fn parameter_comment(parameters: &[(String, f64)]) -> Option<String> {
    if parameters.is_empty() {
        return None;
    }
    let described: Vec<String> = parameters
        .iter()
        .filter_map(|(n, _)| PARAMETER_COLUMNS.iter().find(|c| c.0 == n))
        .map(|(n, u, what)| format!("{n} {what} ({u})"))
        .collect();
    Some(format!(
        "# simulated: each subject's own parameters, constant per subject: {}; drop them ($INPUT SIMCL=DROP ...) when estimating",
        described.join(", ")
    ))
}
