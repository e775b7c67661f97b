//! Visual predictive check and individual curves (issue 12 item 2).
//!
//! Invariants, not calibration checks: with no variability the simulated percentiles are the
//! population predictions; data simulated by the engine from the model lie inside the model's
//! simulated intervals; the same seed gives the same VPC on 1 and 2 threads; the fine-grid
//! curves pass through the fit's own PRED and IPRED at the sampling times.

use levodose::dataset::{self, Dataset, ReadOptions, SampleInput};
use levodose::pk::PkParams;
use levodose::regimen::{DoseEvent, Route};
use levodose_fit::curves::individual_curves;
use levodose_fit::estimate::{CovarianceMethod, FitOptions, FitResult};
use levodose_fit::vpc::{quantile, vpc, Vpc, VpcOptions};
use levodose_fit::{fit, Model, ModelFile};
use nalgebra::DMatrix;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

const CL: f64 = 4.0;
const V: f64 = 70.0;
const KA: f64 = 1.0;
const OMEGA: f64 = 0.09;
const PROP_SD: f64 = 0.2;
const TIMES_H: [f64; 6] = [0.5, 1.0, 2.0, 4.0, 8.0, 24.0];

const TRUE_MODEL: &str = "structure = \"oral-1cpt\"\n[parameters.cl]\ninit = 4.0\nomega = 0.09\n[parameters.v]\ninit = 70.0\nomega = 0.09\n[parameters.ka]\ninit = 1.0\nomega = 0.09\n[error]\nproportional_sd = 0.2\n";

/// `n` subjects simulated by the engine (not by the fit's predictions) from the true model,
/// alternately 50 and 100 mg so that PRED differs between subjects at the same time.
fn simulated_dataset(n: usize, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let params: Vec<PkParams> = (0..n)
        .map(|_| {
            let mut draw = |tv: f64| {
                let z: f64 = StandardNormal.sample(&mut rng);
                tv * (OMEGA.sqrt() * z).exp()
            };
            PkParams::one_compartment(draw(CL), draw(V), draw(KA))
        })
        .collect();
    let doses: Vec<[DoseEvent; 1]> = (0..n)
        .map(|i| {
            [DoseEvent {
                time_h: 0.0,
                amount_mg: if i % 2 == 0 { 50.0 } else { 100.0 },
                route: Route::Po,
                infusion_h: None,
            }]
        })
        .collect();
    let inputs: Vec<SampleInput> = params
        .iter()
        .zip(&doses)
        .enumerate()
        .map(|(i, (p, d))| SampleInput {
            id: i as u32 + 1,
            params: p,
            doses: d,
            covariates: vec![],
        })
        .collect();
    let subjects = dataset::sample_subjects(&inputs, &TIMES_H, Some(PROP_SD), seed).unwrap();
    dataset::read(&dataset::write(&subjects), &ReadOptions::default()).unwrap()
}

/// Post hoc fit at the true population values (no estimation: fast, and the "fitted" model
/// is exactly the model that generated the data).
fn posthoc_at_truth(data: &Dataset) -> FitResult {
    let model = Model::from_file(&ModelFile::from_toml(TRUE_MODEL).unwrap()).unwrap();
    fit(
        &model,
        data,
        &FitOptions {
            posthoc_only: true,
            covariance: CovarianceMethod::None,
            ..Default::default()
        },
    )
    .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1e-12)
}

#[test]
fn without_variability_the_simulated_percentiles_are_the_population_predictions() {
    let data = simulated_dataset(12, 11);
    let mut r = posthoc_at_truth(&data);
    r.fitted.omega = DMatrix::zeros(3, 3);
    r.fitted.error.proportional_sd = Some(0.0);
    let v = vpc(
        &r,
        &data,
        &VpcOptions {
            replicates: 5,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(v.bins.len(), TIMES_H.len(), "{}", v.binning);
    for (bin, &t) in v.bins.iter().zip(&TIMES_H) {
        assert_eq!((bin.lower_h, bin.upper_h), (t, t));
        let mut pred: Vec<f64> = r
            .observations
            .iter()
            .filter(|o| o.time_h == t)
            .map(|o| o.pred)
            .collect();
        pred.sort_by(f64::total_cmp);
        assert_eq!(bin.n_observations, 12);
        assert!(pred[0] < pred[11], "two dose levels give two PRED values");
        for (interval, p) in [
            (bin.simulated.p05, 0.05),
            (bin.simulated.p50, 0.5),
            (bin.simulated.p95, 0.95),
        ] {
            let expected = quantile(&pred, p);
            for x in [interval.lower, interval.median, interval.upper] {
                assert!(
                    close(x, expected),
                    "t {t}: {x} vs PRED percentile {expected}"
                );
            }
        }
    }
}

#[test]
fn data_simulated_from_the_model_fall_inside_its_simulated_intervals() {
    let data = simulated_dataset(60, 2026);
    let r = posthoc_at_truth(&data);
    let v = vpc(
        &r,
        &data,
        &VpcOptions {
            replicates: 100,
            seed: 7,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(v.bins.len(), 6);
    let inside =
        |f: &dyn Fn(&levodose_fit::vpc::VpcBin) -> bool| v.bins.iter().filter(|b| f(b)).count();
    let medians = inside(&|b| b.simulated.p50.contains(b.observed.p50));
    let all = inside(&|b| {
        b.simulated.p05.contains(b.observed.p05)
            && b.simulated.p50.contains(b.observed.p50)
            && b.simulated.p95.contains(b.observed.p95)
    });
    eprintln!("{}", serde_json::to_string_pretty(&v.bins).unwrap());
    // Each 95 % interval covers its observed percentile with probability 0.95.
    assert!(
        medians >= 5,
        "observed median inside in {medians} of 6 bins"
    );
    assert!(all >= 4, "all three percentiles inside in {all} of 6 bins");
}

fn vpc_on_threads(threads: usize, r: &FitResult, data: &Dataset, seed: u64) -> Vpc {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| {
            vpc(
                r,
                data,
                &VpcOptions {
                    replicates: 20,
                    seed,
                    ..Default::default()
                },
            )
            .unwrap()
        })
}

#[test]
fn same_seed_gives_the_same_vpc_on_one_and_two_threads() {
    let data = simulated_dataset(10, 3);
    let r = posthoc_at_truth(&data);
    let one = vpc_on_threads(1, &r, &data, 42);
    let two = vpc_on_threads(2, &r, &data, 42);
    assert_eq!(one, two);
    let other = vpc_on_threads(2, &r, &data, 43);
    assert_ne!(one, other, "the seed must change the draws");
}

#[test]
fn bad_options_are_refused_naming_the_option() {
    let data = simulated_dataset(4, 5);
    let r = posthoc_at_truth(&data);
    let e = vpc(
        &r,
        &data,
        &VpcOptions {
            replicates: 0,
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("vpc_replicates"), "{e}");
}

#[test]
fn vpc_refuses_a_fit_of_another_dataset() {
    let r = posthoc_at_truth(&simulated_dataset(4, 5));
    let other = simulated_dataset(5, 5);
    let e = vpc(&r, &other, &VpcOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("another dataset"), "{e}");
}

/// Curves on the fine grid meet the fit's PRED and IPRED at every sampling time, with a
/// covariate model and an absorption lag (the example model at its initial values).
#[test]
fn individual_curves_pass_through_the_fits_pred_and_ipred() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fit");
    let text = std::fs::read_to_string(root.join("levomilnacipran_sim.csv")).unwrap();
    let model_text = std::fs::read_to_string(root.join("oral1_lag.toml")).unwrap();
    let data = dataset::read(&text, &ReadOptions::default()).unwrap();
    let model = Model::from_file(&ModelFile::from_toml(&model_text).unwrap()).unwrap();
    let r = fit(
        &model,
        &data,
        &FitOptions {
            posthoc_only: true,
            covariance: CovarianceMethod::None,
            ..Default::default()
        },
    )
    .unwrap();
    let curves = individual_curves(&r, &data, 150).unwrap();
    assert_eq!(curves.len(), data.subjects.len());
    let mut checked = 0;
    for c in &curves {
        assert!(c.time_h.len() >= 150);
        assert!(c.time_h.windows(2).all(|w| w[1] > w[0]));
        for o in r.observations.iter().filter(|o| o.id == c.id) {
            let k = c.time_h.iter().position(|&t| t == o.time_h).unwrap();
            assert!(close(c.ipred[k], o.ipred), "{} {}", c.id, o.time_h);
            assert!(close(c.pred[k], o.pred), "{} {}", c.id, o.time_h);
            checked += 1;
        }
        // Before the absorption lag has passed nothing is absorbed.
        assert_eq!(c.pred[0], 0.0);
    }
    assert_eq!(checked, r.observations.len());
}

/// Theophylline (`../shared/reference/poppk`, Wiczling/theopd) at NONMEM 7.4.4's final
/// estimates (1.ext: CL 2.75098, V 31.8125, KA 1.59038, OMEGA diag 0.0690912, 0.0191687,
/// 0.402446, SIGMA 0.482255): actual sampling times, so the VPC uses equal-count time bins;
/// the one-compartment model NONMEM fitted describes these data, so the observed median
/// lies inside the simulated median's 95 % interval in most bins.
#[test]
fn theophylline_vpc_at_nonmem_estimates_uses_quantile_bins() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/poppk");
    if !dir.exists() {
        eprintln!("skipped: ../shared/reference not found");
        return;
    }
    let text = std::fs::read_to_string(dir.join("data/theo_sd_nonmem.csv")).unwrap();
    let data = dataset::read(&text, &ReadOptions::default()).unwrap();
    let model = Model::from_file(
        &ModelFile::from_toml(&format!(
            "structure = \"oral-1cpt\"\n[parameters.cl]\ninit = 2.75098\nomega = 0.0690912\n[parameters.v]\ninit = 31.8125\nomega = 0.0191687\n[parameters.ka]\ninit = 1.59038\nomega = 0.402446\n[error]\nadditive_sd = {}\n",
            0.482255f64.sqrt()
        ))
        .unwrap(),
    )
    .unwrap();
    let r = fit(
        &model,
        &data,
        &FitOptions {
            posthoc_only: true,
            covariance: CovarianceMethod::None,
            ..Default::default()
        },
    )
    .unwrap();
    let v = vpc(&r, &data, &VpcOptions::default()).unwrap();
    eprintln!("{}", v.binning);
    for b in &v.bins {
        eprintln!(
            "{:>6.2}-{:<6.2} n {:>3} obs p50 {:>6.3} sim p50 {:.3}-{:.3}",
            b.lower_h,
            b.upper_h,
            b.n_observations,
            b.observed.p50,
            b.simulated.p50.lower,
            b.simulated.p50.upper
        );
    }
    assert_eq!(v.bins.len(), 10, "{}", v.binning);
    assert!(v.binning.contains("quantile"));
    let n: usize = v.bins.iter().map(|b| b.n_observations).sum();
    assert_eq!(n, r.observations.len());
    assert!(v.bins.windows(2).all(|w| w[0].upper_h < w[1].lower_h));
    let medians = v
        .bins
        .iter()
        .filter(|b| b.simulated.p50.contains(b.observed.p50))
        .count();
    assert!(
        medians >= 8,
        "observed median inside in {medians} of 10 bins"
    );
}
