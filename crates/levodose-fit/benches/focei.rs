//! FOCE-I to convergence on the nlmixr2 validation cases U023 (120 subjects, 2273 observations)
//! and U024 (4674 observations), from NONMEM's initial estimates, without the covariance step.
//! Anchor (issue 12): R nlme fits U023 (Lindstrom-Bates) in about 0.5 s on these machines.
//! Reads ../shared/reference/poppk; prints a notice and benchmarks nothing when it is absent.

use criterion::{criterion_group, criterion_main, Criterion};
use levodose::dataset::{self, ReadOptions};
use levodose_fit::estimate::{CovarianceMethod, FitOptions};
use levodose_fit::{fit, Model, ModelFile};
use std::path::PathBuf;

fn model(lcl: f64, lv: f64) -> Model {
    Model::from_file(
        &ModelFile::from_toml(&format!(
            "structure = \"oral-1cpt\"\n[parameters.cl]\ninit = {}\nomega = 0.15\n[parameters.v]\ninit = {}\nomega = 0.15\n[parameters.ka]\ninit = {}\nomega = 0.15\n[error]\nproportional_sd = 0.3\n",
            lcl.exp(),
            lv.exp(),
            0.2f64.exp()
        ))
        .unwrap(),
    )
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/poppk/data");
    if !dir.exists() {
        eprintln!("skipped: ../shared/reference not found");
        return;
    }
    let opts = ReadOptions {
        ignore: vec!["SS".into(), "II".into()],
        units: None,
    };
    let fit_opts = FitOptions {
        covariance: CovarianceMethod::None,
        ..Default::default()
    };
    let mut g = c.benchmark_group("focei");
    g.sample_size(10);
    for (name, file, lcl, lv) in [
        ("u023", "oral_1cpt_sd.csv", 1.8, 4.7),
        ("u024", "oral_1cpt_md.csv", 1.6, 4.5),
    ] {
        let data = dataset::read(&std::fs::read_to_string(dir.join(file)).unwrap(), &opts).unwrap();
        let m = model(lcl, lv);
        g.bench_function(name, |b| b.iter(|| fit(&m, &data, &fit_opts).unwrap().ofv));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
