//! The analysis examples in `examples/analysis/` are data levodose generates itself (seeded ChaCha,
//! known true parameters), so the README and the CLI tests run on a clone without `../shared`.
//!
//! Each test regenerates its file and requires the committed copy to be identical (the file is
//! what this generator writes, nothing else), then checks that the fit recovers the truth the
//! data were simulated from (an independently known value, not a calibration).
//! To rewrite the files after a deliberate change: `LEVODOSE_WRITE_EXAMPLES=1 cargo test -p
//! levodose-stats --test example_datasets`.

use levodose_stats::dose_response::{fit as fit_curve, Model};
use levodose_stats::mmrm::{fit, Data, ModelSpec};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Uniform};
use std::fmt::Write as _;
use std::path::PathBuf;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/analysis")
}

/// Compares the generated text with the committed file (or writes it when asked to).
fn check_file(name: &str, text: &str) {
    let path = examples().join(name);
    if std::env::var_os("LEVODOSE_WRITE_EXAMPLES").is_some() {
        std::fs::create_dir_all(examples()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    let committed =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        committed == text,
        "{} differs from what its generator writes; regenerate with LEVODOSE_WRITE_EXAMPLES=1",
        path.display()
    );
}

// Truth of the synthetic trial: change from baseline in a MADRS-like score.
const TRIAL_SEED: u64 = 20_261_130;
const SUBJECTS_PER_ARM: usize = 80;
const VISIT_WEEKS: [f64; 4] = [2.0, 4.0, 6.0, 8.0];
const PLACEBO_CHANGE_W8: f64 = -12.0;
const TRUE_DIFFERENCE_W8: f64 = -3.0;
const TIME_CONSTANT_WEEKS: f64 = 3.0;
const VISIT_SD: f64 = 8.0;
const CORRELATION_PER_WEEK: f64 = 0.9;
const DROPOUT_PER_VISIT: f64 = 0.06;

struct Trial {
    subject: Vec<usize>,
    visit: Vec<usize>,
    arm: Vec<usize>,
    base: Vec<f64>,
    chg: Vec<Option<f64>>,
    csv: String,
}

/// Simulates a two-arm, four-visit trial with monotone dropout and writes its long CSV.
fn trial() -> Trial {
    let mut rng = ChaCha8Rng::seed_from_u64(TRIAL_SEED);
    let z = Normal::<f64>::new(0.0, 1.0).unwrap();
    let u = Uniform::<f64>::new(0.0, 1.0).unwrap();
    let m = VISIT_WEEKS.len();
    // AR(1)-in-weeks correlation; Cholesky by hand (4 x 4).
    let mut sigma = vec![vec![0.0; m]; m];
    for j in 0..m {
        for k in 0..m {
            sigma[j][k] = VISIT_SD
                * VISIT_SD
                * CORRELATION_PER_WEEK.powf((VISIT_WEEKS[j] - VISIT_WEEKS[k]).abs());
        }
    }
    let mut l = vec![vec![0.0; m]; m];
    for j in 0..m {
        for k in 0..=j {
            let s: f64 = (0..k).map(|i| l[j][i] * l[k][i]).sum();
            l[j][k] = if j == k {
                (sigma[j][j] - s).sqrt()
            } else {
                (sigma[j][k] - s) / l[k][k]
            };
        }
    }
    let shape = |t: f64| {
        (1.0 - (-t / TIME_CONSTANT_WEEKS).exp()) / (1.0 - (-8.0 / TIME_CONSTANT_WEEKS).exp())
    };
    let mut t = Trial {
        subject: vec![],
        visit: vec![],
        arm: vec![],
        base: vec![],
        chg: vec![],
        csv: String::from("USUBJID,ARM,VISIT,BASE,CHG\n"),
    };
    for s in 0..2 * SUBJECTS_PER_ARM {
        let arm = s % 2;
        let base = (30.0 + 4.0 * z.sample(&mut rng)).round();
        let e: Vec<f64> = (0..m).map(|_| z.sample(&mut rng)).collect();
        let mut dropped = false;
        for v in 0..m {
            if v > 0 && !dropped && u.sample(&mut rng) < DROPOUT_PER_VISIT {
                dropped = true;
            }
            let noise: f64 = (0..=v).map(|k| l[v][k] * e[k]).sum();
            let mean = (PLACEBO_CHANGE_W8 + arm as f64 * TRUE_DIFFERENCE_W8)
                * shape(VISIT_WEEKS[v])
                - 0.2 * (base - 30.0);
            let y = (!dropped).then(|| ((mean + noise) * 10.0).round() / 10.0);
            let cell = y.map(|y| format!("{y:.1}")).unwrap_or_default();
            writeln!(
                t.csv,
                "S{:03},{},W{},{base:.0},{cell}",
                s + 1,
                ["PBO", "TRT"][arm],
                VISIT_WEEKS[v],
            )
            .unwrap();
            t.subject.push(s);
            t.visit.push(v);
            t.arm.push(arm);
            t.base.push(base);
            t.chg.push(y);
        }
    }
    t
}

#[test]
fn mmrm_example_is_generated_and_recovers_its_truth() {
    let t = trial();
    check_file("mmrm_trial.csv", &t.csv);
    let labels = VISIT_WEEKS.iter().map(|w| format!("W{w}")).collect();
    let mut data = Data::new("VISIT", labels, t.subject, t.visit, t.chg).unwrap();
    data.add_factor("ARM", vec!["PBO".into(), "TRT".into()], t.arm)
        .unwrap();
    data.add_numeric("BASE", t.base).unwrap();
    let spec = ModelSpec::parse("ARM*VISIT + BASE")
        .unwrap()
        .with_arm("ARM");
    let r = fit(&data, &spec).unwrap();
    let w8 = r
        .differences
        .iter()
        .find(|d| d.visit.as_deref() == Some("W8"))
        .expect("a W8 difference");
    assert!(
        (w8.estimate - TRUE_DIFFERENCE_W8).abs() <= 3.0 * w8.se,
        "W8 difference {} (SE {}) vs true {TRUE_DIFFERENCE_W8}",
        w8.estimate,
        w8.se
    );
}

// Truth of the synthetic dose-response: a four-parameter log-logistic curve with normal noise.
const CURVE_SEED: u64 = 20_261_131;
const DOSES: [f64; 7] = [0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0];
const REPLICATES: usize = 3;
const BOTTOM: f64 = 2.0;
const TOP: f64 = 20.0;
const EC50: f64 = 4.0;
const HILL: f64 = 1.2;
const NOISE_SD: f64 = 0.8;

fn curve() -> (Vec<f64>, Vec<f64>, String) {
    let mut rng = ChaCha8Rng::seed_from_u64(CURVE_SEED);
    let noise = Normal::new(0.0, NOISE_SD).unwrap();
    let (mut x, mut y) = (vec![], vec![]);
    let mut csv = String::from("dose_mg_per_kg,response\n");
    for &d in &DOSES {
        for _ in 0..REPLICATES {
            let mean = BOTTOM + (TOP - BOTTOM) / (1.0 + (EC50 / d).powf(HILL));
            let r = ((mean + noise.sample(&mut rng)) * 100.0).round() / 100.0;
            writeln!(csv, "{d},{r:.2}").unwrap();
            x.push(d);
            y.push(r);
        }
    }
    (x, y, csv)
}

#[test]
fn dose_response_example_is_generated_and_recovers_its_truth() {
    let (x, y, csv) = curve();
    check_file("dose_response.csv", &csv);
    let f = fit_curve(&x, &y, Model::Ll4).unwrap();
    for (name, truth) in [("bottom", BOTTOM), ("top", TOP), ("hill", HILL)] {
        let p = f.parameter(name).unwrap();
        assert!(
            (p.estimate - truth).abs() <= 3.0 * p.se,
            "{name} {} (SE {}) vs true {truth}",
            p.estimate,
            p.se
        );
    }
    let ed50 = f.ed50_interval(0.95).unwrap();
    assert!(ed50.lower < EC50 && EC50 < ed50.upper, "{ed50:?}");
}
