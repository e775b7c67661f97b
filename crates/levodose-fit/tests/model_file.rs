//! The model file written for a fitted model (`fit --write-model`) reads back as the same model:
//! typical values, covariate coefficients, residual error and the whole omega matrix, including
//! the covariances of an `[omega_block]` (issue 12: the block must survive with its fitted
//! correlation).

use levodose::dataset::{self, ReadOptions, SampleInput};
use levodose::pk::PkParams;
use levodose::regimen::{DoseEvent, Route};
use levodose_fit::estimate::{CovarianceMethod, FitOptions};
use levodose_fit::{fit, Model, ModelFile};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Writes `m` as `--write-model` does and reads it back as `fit --model` does.
fn write_and_read(m: &Model) -> Model {
    let text = toml::to_string_pretty(&m.to_file()).unwrap();
    Model::from_file(&ModelFile::from_toml(&text).unwrap())
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn assert_same(a: &Model, b: &Model) {
    assert_eq!(a.structure, b.structure);
    assert_eq!(a.theta, b.theta);
    assert_eq!(a.eta_parameter, b.eta_parameter);
    assert_eq!(a.omega_pairs.len(), b.omega_pairs.len());
    let mut pa = a.omega_pairs.clone();
    let mut pb = b.omega_pairs.clone();
    pa.sort_unstable();
    pb.sort_unstable();
    assert_eq!(pa, pb);
    assert_eq!(a.covariates, b.covariates);
    assert_eq!(a.error, b.error);
    for (x, y) in a.omega.iter().zip(b.omega.iter()) {
        // The covariance is written as a correlation and rebuilt as r sqrt(w_i w_j): round-off only.
        assert!((x - y).abs() <= 1e-14 * x.abs().max(1e-300), "{x} vs {y}");
    }
}

#[test]
fn a_three_parameter_block_with_different_correlations_reads_back() {
    let file = ModelFile::from_toml(
        "structure = \"oral-1cpt\"\n[parameters.cl]\ninit = 4\nomega = 0.09\n[parameters.cl.covariates.CRCL]\nreference = 100\nform = \"power\"\ninit = 0.4\n[parameters.v]\ninit = 70\nomega = 0.04\n[parameters.ka]\ninit = 1\nomega = 0.25\n[omega_block]\nparameters = [\"cl\", \"v\", \"ka\"]\ncorrelation = 0.2\ncorrelations = { \"v,cl\" = 0.6, \"ka,v\" = -0.3 }\n[error]\nproportional_sd = 0.2\nadditive_sd = 0.5\n",
    )
    .unwrap();
    let m = Model::from_file(&file).unwrap();
    // The per-pair entries override the common correlation; cl,ka keeps it.
    let r = |i: usize, j: usize| m.omega[(i, j)] / (m.omega[(i, i)] * m.omega[(j, j)]).sqrt();
    assert!((r(0, 1) - 0.6).abs() < 1e-15);
    assert!((r(1, 2) + 0.3).abs() < 1e-15);
    assert!((r(0, 2) - 0.2).abs() < 1e-15);
    assert_same(&m, &write_and_read(&m));
}

#[test]
fn a_pair_not_in_the_block_is_rejected_with_its_key() {
    let file = ModelFile::from_toml(
        "structure = \"oral-1cpt\"\n[parameters.cl]\ninit = 4\nomega = 0.09\n[parameters.v]\ninit = 70\nomega = 0.04\n[parameters.ka]\ninit = 1\n[omega_block]\nparameters = [\"cl\", \"v\"]\ncorrelations = { \"cl,ka\" = 0.5 }\n[error]\nproportional_sd = 0.2\n",
    )
    .unwrap();
    let e = Model::from_file(&file).unwrap_err().to_string();
    assert!(e.contains("omega_block.correlations"), "{e}");
}

/// Fit a simulated population with a CL-V block, write the fitted model, read it back: the
/// written correlation is the fitted one and the model is the fitted model.
#[test]
fn the_fitted_block_survives_write_model() {
    let (cl, v, ka, w, rho) = (4.0, 70.0, 1.0, 0.09f64, 0.6);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let params: Vec<PkParams> = (0..60)
        .map(|_| {
            let z: [f64; 3] = [
                StandardNormal.sample(&mut rng),
                StandardNormal.sample(&mut rng),
                StandardNormal.sample(&mut rng),
            ];
            let e_v = rho * z[0] + (1.0 - rho * rho).sqrt() * z[1];
            PkParams::one_compartment(
                cl * (w.sqrt() * z[0]).exp(),
                v * (w.sqrt() * e_v).exp(),
                ka * (w.sqrt() * z[2]).exp(),
            )
        })
        .collect();
    let doses = [DoseEvent {
        time_h: 0.0,
        amount_mg: 100.0,
        route: Route::Po,
        infusion_h: None,
    }];
    let inputs: Vec<SampleInput> = params
        .iter()
        .enumerate()
        .map(|(i, p)| SampleInput {
            id: i as u32 + 1,
            params: p,
            doses: &doses,
            covariates: vec![],
        })
        .collect();
    let subjects =
        dataset::sample_subjects(&inputs, &[0.5, 1.0, 2.0, 4.0, 8.0, 24.0], Some(0.1), 5).unwrap();
    let data = dataset::read(&dataset::write(&subjects), &ReadOptions::default()).unwrap();
    let model = Model::from_file(
        &ModelFile::from_toml(
            "structure = \"oral-1cpt\"\n[parameters.cl]\ninit = 3\nomega = 0.2\n[parameters.v]\ninit = 50\nomega = 0.2\n[parameters.ka]\ninit = 1.5\nomega = 0.2\n[omega_block]\nparameters = [\"cl\", \"v\"]\ncorrelation = 0.1\n[error]\nproportional_sd = 0.2\n",
        )
        .unwrap(),
    )
    .unwrap();
    let r = fit(
        &model,
        &data,
        &FitOptions {
            covariance: CovarianceMethod::None,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(r.converged);
    let fitted_r = r.omega_correlation["cl,v"];
    // The fit moved the correlation away from its initial 0.1 (60 subjects drawn with 0.6).
    assert!(fitted_r > 0.3, "fitted correlation {fitted_r}");
    let file = r.fitted.to_file();
    let block = file
        .omega_block
        .as_ref()
        .expect("the fitted model keeps its omega block");
    assert_eq!(block.parameters, ["cl", "v"]);
    let written = block
        .correlation
        .expect("a pair is written as one correlation");
    assert!(
        (written - fitted_r).abs() < 1e-14,
        "{written} vs {fitted_r}"
    );
    let back = write_and_read(&r.fitted);
    assert_same(&r.fitted, &back);
    // Reading the written model back and evaluating it (post hoc) reproduces the fit's OFV.
    let again = fit(
        &back,
        &data,
        &FitOptions {
            posthoc_only: true,
            covariance: CovarianceMethod::None,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        (again.ofv - r.ofv).abs() < 1e-6,
        "{} vs {}",
        again.ofv,
        r.ofv
    );
}
