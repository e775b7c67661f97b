//! Generates `examples/nca/rat_pilot.csv`: a *simulated* rat PK pilot (12 rats, 3 mg/kg i.p.,
//! samples at 0.08, 0.25, 0.5, 1, 2, 4, 8 h) from levodose's own rat model (the monograph's rat
//! i.p. entry with allometric clearance and volume), with log-normal between-animal variability
//! on CL, V and ka and a proportional residual error. These are not real data: they exist to show
//! the NCA -> measured PK -> translate loop in the README.
//!
//! Run: `cargo run -p levodose --example rat_pilot > examples/nca/rat_pilot.csv` (seeded ChaCha:
//! the same file every time).

use levodose::monograph::builtin;
use levodose::occupancy::Basis;
use levodose::pk;
use levodose::regimen::DoseEvent;
use levodose::translate::species::{self, AnimalRoute, Species, SpeciesPkOverride};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// Design of the illustrative pilot (not literature numbers): 12 animals of 0.25 kg,
/// 3 mg/kg i.p., 25 % CV between animals, 10 % proportional assay error, seed 2026.
const ANIMALS: usize = 12;
const WEIGHT_KG: f64 = 0.25;
const DOSE_MG_PER_KG: f64 = 3.0;
const TIMES_H: [f64; 7] = [0.08, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0];
const BETWEEN_ANIMAL_SD: f64 = 0.25;
const RESIDUAL_SD: f64 = 0.10;
const SEED: u64 = 2026;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let m = builtin("levomilnacipran")?;
    let model = species::resolve(
        &m,
        Species::Rat,
        AnimalRoute::Ip,
        Some(WEIGHT_KG),
        Basis::Ki,
        &SpeciesPkOverride::default(),
    )?;
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let eta = Normal::new(0.0, BETWEEN_ANIMAL_SD)?;
    let eps = Normal::new(0.0, RESIDUAL_SD)?;
    println!("ID,WT_KG,DOSE_MG_PER_KG,TIME_H,CONC_NG_PER_ML");
    for id in 1..=ANIMALS {
        let mut p = model.params;
        p.clearance_l_per_h *= eta.sample(&mut rng).exp();
        p.volume_l *= eta.sample(&mut rng).exp();
        p.ka_per_h *= eta.sample(&mut rng).exp();
        let dose = DoseEvent {
            time_h: 0.0,
            amount_mg: DOSE_MG_PER_KG * WEIGHT_KG,
            route: AnimalRoute::Ip.engine_route(),
            infusion_h: None,
        };
        let conc = pk::concentrations(&p, &[dose], &TIMES_H)?;
        for (t, c) in TIMES_H.iter().zip(conc) {
            let observed = c * (1.0 + eps.sample(&mut rng));
            println!(
                "{id},{WEIGHT_KG},{DOSE_MG_PER_KG},{t},{:.3}",
                observed.max(0.0)
            );
        }
    }
    Ok(())
}
