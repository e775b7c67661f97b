//! 1000-replicate power run of a 300-subject x 5-visit trial with about 20 % monotone dropout
//! (issue target: under 10 s on 2 cores), and a single replicate.

use criterion::{criterion_group, criterion_main, Criterion};
use levodose::monograph::builtin;
use levodose::trial::{parse, power, simulate::Prepared};

const SCENARIO: &str = include_str!("../../../examples/trial/bench_300x5.toml");

fn bench(c: &mut Criterion) {
    let m = builtin("levomilnacipran").expect("monograph");
    let design = parse(SCENARIO)
        .expect("scenario")
        .resolve(&m)
        .expect("design");
    let prepared = Prepared::new(design.clone()).expect("prepared");
    c.bench_function("trial_one_replicate_300x5", |b| {
        b.iter(|| {
            prepared
                .replicate(&mut power::stream(1, 0))
                .expect("replicate")
        })
    });
    let mut g = c.benchmark_group("trial_power");
    g.sample_size(10);
    g.bench_function("trial_1000_replicates_300x5", |b| {
        b.iter(|| power::run(&design, 1000, 1, &|| {}).expect("run"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
