//! Per-patient PK of a simulated trial as a NONMEM dataset (`trial --nonmem-out`).
//!
//! The efficacy simulation draws no concentrations (exposure-scaled arms use a steady-state
//! metric only), so the PK is generated here, separately: every patient of every drug arm is a
//! subject of the monograph's virtual population (`population::sample`, seeded ChaCha, so the
//! same seed gives the same file), dosed with the arm's regimen from day 1 to the last visit and
//! sampled at the given times (by default at each visit, where the level is the pre-dose trough).
//! Placebo patients have no drug and are not written. The patients are not the efficacy
//! replicates' patients: the file is the trial's PK as the arms' regimens and the population
//! give it, for taking to NONMEM, nlmixr2 or Pumas and for sampling-design work.

use crate::dataset::{self, SampleInput, WriteSubject};
use crate::error::{Error, Result};
use crate::monograph::Monograph;
use crate::population::{self, SampleSpec};
use crate::simulate::Scenario;

/// One drug arm's PK: its regimen and how many patients.
#[derive(Debug, Clone, PartialEq)]
pub struct PkArm {
    /// 1-based arm number in the scenario file (the ARM column).
    pub number: usize,
    /// Regimen in levodose's regimen language, e.g. "80mg qd" or "label-titration:40".
    pub regimen: String,
    pub n: usize,
}

/// The sampling grid of the visits: each visit week in hours (the pre-dose level that day).
pub fn visit_times_h(visit_weeks: &[f64]) -> Vec<f64> {
    visit_weeks.iter().map(|w| w * 7.0 * 24.0).collect()
}

/// Simulated subjects of every drug arm, ids 1.. in arm order, with an ARM covariate column and
/// the population's CRCL and WT; doses for `days` days from time 0.
pub fn patient_pk(
    m: &Monograph,
    arms: &[PkArm],
    days: u32,
    times_h: &[f64],
    seed: u64,
) -> Result<Vec<WriteSubject>> {
    let total: usize = arms.iter().map(|a| a.n).sum();
    if total == 0 {
        return Err(Error::input(
            "nonmem_out",
            "the trial has no drug-arm patients to write (placebo patients have no PK)",
        ));
    }
    let individuals = population::sample(m, &SampleSpec::from_monograph(m, total, seed)?)?;
    let mut doses = Vec::with_capacity(total);
    let mut arm_of = Vec::with_capacity(total);
    let mut next = individuals.iter();
    for arm in arms {
        let sc = Scenario {
            compound: m.compound.name.clone(),
            regimen: arm.regimen.clone(),
            days,
            ..Scenario::default()
        };
        for _ in 0..arm.n {
            let ind = next.next().expect("sampled one individual per patient");
            doses.push(dataset::scenario_doses(m, &sc, ind.weight_kg)?);
            arm_of.push(arm.number);
        }
    }
    let inputs: Vec<SampleInput> = individuals
        .iter()
        .zip(&doses)
        .zip(&arm_of)
        .enumerate()
        .map(|(i, ((ind, d), arm))| SampleInput {
            id: i as u32 + 1,
            params: &ind.params,
            doses: d,
            covariates: std::iter::once(("ARM".to_string(), *arm as f64))
                .chain(dataset::individual_covariates(ind))
                .collect(),
        })
        .collect();
    dataset::sample_subjects(&inputs, times_h, None, seed)
}
