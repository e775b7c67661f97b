//! Population throughput: subject-time-points per second (full profiles and summaries only) for
//! 10,000 and 100,000 subjects x 20 days hourly (481 points), and optimize on 5,000 subjects.
//! Throughput = subjects x 481 / time (criterion reports elements/s).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use levodose::monograph::builtin;
use levodose::occupancy::Basis;
use levodose::optimize::{optimize, OptimizeSpec};
use levodose::population::{self, RunOptions, SampleSpec};
use levodose::simulate::Scenario;

fn bench(c: &mut Criterion) {
    let m = builtin("levomilnacipran").unwrap();
    let sc = Scenario {
        regimen: "label-titration:80".into(),
        days: 20,
        ..Scenario::default()
    };
    let points = 481u64;
    let mut g = c.benchmark_group("population");
    g.sample_size(10);
    for n in [10_000usize, 100_000] {
        let subjects =
            population::sample(&m, &SampleSpec::from_monograph(&m, n, 1).unwrap()).unwrap();
        g.throughput(Throughput::Elements(n as u64 * points));
        for (name, profiles) in [("profiles", true), ("summaries", false)] {
            let opts = RunOptions {
                profiles,
                ..Default::default()
            };
            g.bench_function(format!("{name}_{n}"), |b| {
                b.iter(|| population::simulate(&m, &sc, &subjects, &[], &opts).unwrap())
            });
        }
    }
    g.throughput(Throughput::Elements(5000));
    g.bench_function("optimize_5000", |b| {
        let spec = OptimizeSpec {
            doses_mg: None,
            targets: vec![],
            pta: 0.9,
            subjects: 5000,
            seed: 1,
            basis: Basis::Ki,
            crcl_ml_per_min: None,
            crcl_range_ml_per_min: None,
            comedications: vec![],
            allow_off_label: false,
        };
        b.iter(|| optimize(&m, &spec).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
