//! PK engine benchmarks: one typical subject for 28 days hourly (the whole `simulate` pipeline),
//! and engine throughput in subject-time-points per second on a uniform hourly grid.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use levodose::monograph;
use levodose::pk::{self, PkParams};
use levodose::regimen::{DoseEvent, Route};
use levodose::simulate::{run, Scenario};
use std::hint::black_box;

fn typical_subject(c: &mut Criterion) {
    let m = monograph::builtin("levomilnacipran").unwrap();
    let sc = Scenario {
        regimen: "label-titration".into(),
        days: 28,
        ..Scenario::default()
    };
    c.bench_function(
        "simulate typical subject 28 d hourly (label titration)",
        |b| b.iter(|| run(black_box(&m), black_box(&sc)).unwrap()),
    );
}

fn engine_throughput(c: &mut Criterion) {
    let doses: Vec<DoseEvent> = (0..28)
        .map(|d| DoseEvent {
            time_h: 24.0 * d as f64,
            amount_mg: 80.0,
            route: Route::Po,
            infusion_h: None,
        })
        .collect();
    let times: Vec<f64> = (0..=28 * 24).map(|h| h as f64).collect();
    let subjects = 200;
    let params: Vec<PkParams> = (0..subjects)
        .map(|i| PkParams {
            lag_h: 4.0,
            ..PkParams::one_compartment(20.0 + 0.05 * i as f64, 400.0, 1.0)
        })
        .collect();
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements((subjects * times.len()) as u64));
    g.bench_function("one-compartment, 200 subjects x 673 hourly points", |b| {
        b.iter(|| {
            let mut s = 0.0;
            for p in &params {
                s += pk::concentrations(p, &doses, &times).unwrap()[100];
            }
            black_box(s)
        })
    });
    g.finish();
}

criterion_group!(benches, typical_subject, engine_throughput);
criterion_main!(benches);
