//! Writes the example study data `examples/study/data_blinded.csv` for the README's protocol-1
//! loop: one row per animal of `examples/study/design/randomisation.csv`, group column in the
//! blind codes, values drawn with a fixed seed (ChaCha8, seed 20261130). The group effects are
//! illustrative only (an LPS effect that the drug partly reverses); they are not literature values.
//!
//! Run from the repository root: `cargo run -p levodose --example study_data`.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use std::fmt::Write;

/// Illustrative group means: sucrose preference %, total intake mL, immobility s, distance cm,
/// BDNF delta Ct, p-Akt/Akt ratio.
fn means(group: &str) -> [f64; 6] {
    match group {
        "vehicle + saline" => [82.0, 42.0, 118.0, 3100.0, 7.9, 0.82],
        "vehicle + LPS" => [67.0, 36.0, 158.0, 2650.0, 8.6, 0.55],
        g if g.starts_with("levomilnacipran 10") => [71.0, 37.0, 146.0, 2700.0, 8.4, 0.61],
        g if g.starts_with("levomilnacipran") => [76.0, 38.0, 134.0, 2800.0, 8.15, 0.70],
        _ => [77.0, 38.0, 130.0, 2790.0, 8.1, 0.72],
    }
}

fn main() {
    let dir = std::path::Path::new("examples/study");
    let rand =
        std::fs::read_to_string(dir.join("design/randomisation.csv")).expect("run design first");
    let key =
        std::fs::read_to_string(dir.join("design/blinding_key.csv")).expect("run design first");
    let group_of = |code: &str| -> String {
        key.lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|f| f[0] == code)
            .map(|f| f[1].to_string())
            .expect("code in key")
    };
    let mut rng = ChaCha8Rng::seed_from_u64(20_261_130);
    let z = Normal::new(0.0, 1.0).unwrap();
    let mut out = String::from("ANIMAL,GROUP,SUCROSE_ML,WATER_ML,FST_IMMOBILITY_S,OFT_DISTANCE_CM,CT_BDNF,CT_GAPDH,WB_PAKT,WB_TOTAL_AKT\n");
    for line in rand.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (animal, code) = (f[0], f[3]);
        let m = means(&group_of(code));
        let mut d = || z.sample(&mut rng);
        let pref = (m[0] + 6.0 * d()).clamp(5.0, 98.0) / 100.0;
        let total = m[1] + 5.0 * d();
        let fst = (m[2] + 22.0 * d()).clamp(0.0, 300.0).round();
        let oft = m[3] * (0.14 * d()).exp();
        let input = 0.45 * d();
        let gapdh = 18.2 + input + 0.10 * d();
        let bdnf = gapdh + m[4] + 0.35 * d();
        let akt = 24000.0 * (0.18 * d()).exp();
        let pakt = akt * m[5] * (0.15 * d()).exp();
        let _ = writeln!(
            out,
            "{animal},{code},{:.1},{:.1},{fst},{oft:.1},{bdnf:.2},{gapdh:.2},{pakt:.0},{akt:.0}",
            total * pref,
            total * (1.0 - pref)
        );
    }
    std::fs::write(dir.join("data_blinded.csv"), out).unwrap();
    eprintln!("wrote examples/study/data_blinded.csv");
}
