//! NCA throughput: 10,000 subjects x 12 samples (extravascular, linear-up/log-down, best-fit
//! lambda_z, partial AUC). Subjects per second = 10,000 / reported time.

use criterion::{criterion_group, criterion_main, Criterion};
use levodose_stats::nca::{analyze, AucMethod, Profile, Route, Settings};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use std::collections::HashMap;

fn population(n: usize) -> Vec<Profile> {
    let times = [
        0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 24.0,
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let eta = Normal::<f64>::new(0.0, 0.3).unwrap();
    let eps = Normal::<f64>::new(0.0, 0.1).unwrap();
    (0..n)
        .map(|i| {
            let (k, ka, v) = (
                0.1 * eta.sample(&mut rng).exp(),
                1.5 * eta.sample(&mut rng).exp(),
                30.0 * eta.sample(&mut rng).exp(),
            );
            let conc: Vec<f64> = times
                .iter()
                .map(|&t| {
                    let c = 100.0 / v * ka / (ka - k) * ((-k * t).exp() - (-ka * t).exp());
                    (c * (1.0 + eps.sample(&mut rng))).max(0.0)
                })
                .collect();
            Profile::new(i.to_string(), times.to_vec(), conc, 100.0).unwrap()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let profiles = population(10_000);
    let mut s = Settings::new(Route::Extravascular, AucMethod::LinearUpLogDown);
    s.auc_intervals = vec![(0.0, 24.0)];
    let manual = HashMap::new();
    c.bench_function("nca_10000_subjects_x_12_samples", |b| {
        b.iter(|| analyze(&profiles, &s, &manual).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
