//! One MMRM fit: 300 subjects x 5 visits, two arms, baseline x visit, 20 % monotone dropout.

use criterion::{criterion_group, criterion_main, Criterion};
use levodose_stats::mmrm::{fit, Data, ModelSpec};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

fn simulate(seed: u64) -> Data {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let visits: Vec<String> = (1..=5).map(|v| format!("W{}", 2 * v)).collect();
    let (mut subject, mut visit, mut y, mut arm, mut base) =
        (vec![], vec![], vec![], vec![], vec![]);
    for s in 0..300usize {
        let a = s % 2;
        let b: f64 = 25.0 + 4.0 * rng.sample::<f64, _>(StandardNormal);
        let u: f64 = 3.0 * rng.sample::<f64, _>(StandardNormal);
        let dropout_at = if rng.random::<f64>() < 0.2 {
            rng.random_range(1..5)
        } else {
            5
        };
        for v in 0..5 {
            let e: f64 = StandardNormal.sample(&mut rng);
            let mean = -1.5 * (v + 1) as f64 - 0.4 * a as f64 * (v + 1) as f64 - 0.3 * (b - 25.0);
            subject.push(s);
            visit.push(v);
            arm.push(a);
            base.push(b);
            y.push((v < dropout_at).then_some(mean + u + 2.0 * e));
        }
    }
    let mut data = Data::new("VISIT", visits, subject, visit, y).unwrap();
    data.add_factor("ARM", vec!["PBO".into(), "DRUG".into()], arm)
        .unwrap();
    data.add_numeric("BASE", base).unwrap();
    data
}

fn bench(c: &mut Criterion) {
    let data = simulate(20240611);
    let spec = ModelSpec::parse("ARM*VISIT + BASE*VISIT")
        .unwrap()
        .with_arm("ARM");
    c.bench_function(
        "mmrm fit 300 subjects x 5 visits, 20% dropout, Satterthwaite",
        |b| b.iter(|| fit(&data, &spec).unwrap()),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
