//! Seeded, blocked, blinded randomisation (ChaCha8, reproducible for a seed).
//!
//! Groups get blind codes A, B, C, ... in a seeded random order (the key is kept apart from the
//! list). Animals are allocated in blocks holding each group once, shuffled within the block
//! (Fisher-Yates), so group sizes stay balanced as animals arrive.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One animal's allocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    pub animal_id: String,
    pub block: u64,
    pub position_in_block: usize,
    pub code: String,
}

fn letter(i: usize) -> String {
    ((b'A' + (i % 26) as u8) as char).to_string()
}

/// Blind codes for `groups` groups (group i gets codes[i]), a seeded permutation of A, B, ...
pub fn blind_codes(groups: usize, seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut letters: Vec<String> = (0..groups).map(letter).collect();
    letters.shuffle(&mut rng);
    letters
}

/// `n_blocks` blocks, each a seeded shuffle of `codes`; animal ids `PREFIX-001`, ...
pub fn blocked(codes: &[String], n_blocks: u64, seed: u64, species: &str) -> Vec<Allocation> {
    // A separate stream from the code assignment (seed + 1 would collide with another seed's).
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(1);
    let prefix: String = species
        .chars()
        .take(1)
        .collect::<String>()
        .to_ascii_uppercase();
    let mut out = Vec::with_capacity(codes.len() * n_blocks as usize);
    let mut id = 0usize;
    for b in 1..=n_blocks {
        let mut block: Vec<String> = codes.to_vec();
        block.shuffle(&mut rng);
        for (i, c) in block.into_iter().enumerate() {
            id += 1;
            out.push(Allocation {
                animal_id: format!("{prefix}{id:03}"),
                block: b,
                position_in_block: i + 1,
                code: c,
            });
        }
    }
    out
}
