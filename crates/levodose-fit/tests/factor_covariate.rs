//! Categorical covariates (`form = "factor"`): one log-scale theta per non-reference level.
//! A population simulated with a known multiplier for one level is fitted: the estimated
//! multiplier equals the ratio of the two groups' realised geometric-mean clearances (the
//! subjects' own true values), and a value of the column that is neither the reference nor a
//! listed level is an error naming the subject.

use levodose::dataset::{self, Dataset, ReadOptions, SampleInput};
use levodose::pk::PkParams;
use levodose::regimen::{DoseEvent, Route};
use levodose_fit::estimate::{CovarianceMethod, FitOptions};
use levodose_fit::{fit, Model, ModelFile};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

const MODEL: &str = "structure = \"oral-1cpt\"\n[parameters.cl]\ninit = 3\nomega = 0.2\n[parameters.cl.covariates.SEX]\nform = \"factor\"\nreference = 0\nlevels = { \"1\" = 1.0 }\n[parameters.v]\ninit = 50\nomega = 0.2\n[parameters.ka]\ninit = 1.5\nomega = 0.2\n[error]\nproportional_sd = 0.1\n";

/// 120 subjects, every second one at SEX = 1 with CL x 0.7; 5 % proportional error.
fn study(sex_of: impl Fn(usize) -> f64) -> (Vec<(PkParams, f64)>, Dataset) {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let subjects: Vec<(PkParams, f64)> = (0..120)
        .map(|i| {
            let z: [f64; 3] = [
                StandardNormal.sample(&mut rng),
                StandardNormal.sample(&mut rng),
                StandardNormal.sample(&mut rng),
            ];
            let sex = (i % 2) as f64;
            let cl = 4.0 * if sex == 1.0 { 0.7 } else { 1.0 };
            (
                PkParams::one_compartment(
                    cl * (0.3 * z[0]).exp(),
                    70.0 * (0.3 * z[1]).exp(),
                    (0.3 * z[2]).exp(),
                ),
                sex,
            )
        })
        .collect();
    let doses = [DoseEvent {
        time_h: 0.0,
        amount_mg: 100.0,
        route: Route::Po,
        infusion_h: None,
    }];
    let inputs: Vec<SampleInput> = subjects
        .iter()
        .enumerate()
        .map(|(i, (p, _))| SampleInput {
            id: i as u32 + 1,
            params: p,
            doses: &doses,
            covariates: vec![("SEX".into(), sex_of(i))],
        })
        .collect();
    let rows =
        dataset::sample_subjects(&inputs, &[0.5, 1.0, 2.0, 4.0, 8.0, 24.0], Some(0.05), 3).unwrap();
    let data = dataset::read(&dataset::write(&rows), &ReadOptions::default()).unwrap();
    (subjects, data)
}

fn model() -> Model {
    Model::from_file(&ModelFile::from_toml(MODEL).unwrap()).unwrap()
}

fn options() -> FitOptions {
    FitOptions {
        covariance: CovarianceMethod::None,
        ..Default::default()
    }
}

#[test]
fn the_level_multiplier_is_recovered() {
    let (subjects, data) = study(|i| (i % 2) as f64);
    let r = fit(&model(), &data, &options()).unwrap();
    assert!(r.converged);
    let gm = |sex: f64| {
        let v: Vec<f64> = subjects
            .iter()
            .filter(|(_, s)| *s == sex)
            .map(|(p, _)| p.clearance_l_per_h.ln())
            .collect();
        (v.iter().sum::<f64>() / v.len() as f64).exp()
    };
    let realised = gm(1.0) / gm(0.0);
    let log_mult = r.parameters["cl_sex_1_log_multiplier"].estimate;
    eprintln!(
        "multiplier {:.4} (realised ratio {realised:.4}, simulated 0.7); CL {:.4} (realised {:.4})",
        log_mult.exp(),
        r.parameters["cl"].estimate,
        gm(0.0)
    );
    assert!((log_mult.exp() / realised - 1.0).abs() < 0.03);
    assert!((r.parameters["cl"].estimate / gm(0.0) - 1.0).abs() < 0.03);
    // Each subject's post hoc CL carries its level's multiplier.
    let level_1 = r.individual.iter().find(|i| i.id == "2").unwrap();
    assert!(level_1.parameters["cl"] < r.parameters["cl"].estimate * 1.5);
    // The written model keeps the factor with the fitted multiplier.
    let text = toml::to_string_pretty(&r.fitted.to_file()).unwrap();
    let back = Model::from_file(&ModelFile::from_toml(&text).unwrap()).unwrap();
    assert_eq!(back.covariates.len(), 1);
    assert_eq!(back.covariates[0].level, Some(1.0));
    assert!((back.covariates[0].init - log_mult).abs() < 1e-12, "{text}");
}

#[test]
fn an_unlisted_level_is_an_error_naming_the_subject() {
    let (_, data) = study(|i| if i == 7 { 2.0 } else { (i % 2) as f64 });
    let e = fit(&model(), &data, &options()).unwrap_err().to_string();
    assert!(e.contains("subject 8") && e.contains("SEX = 2"), "{e}");
}

#[test]
fn factor_file_errors_name_the_key() {
    for (bad, key) in [
        ("levels = { \"1\" = 1.0 }", "init = 0.5"),
        ("levels = { \"0\" = 1.0 }", "levels.0"),
        ("levels = { \"one\" = 1.0 }", "levels.one"),
        ("levels = { \"1\" = -1.0 }", "levels.1"),
    ] {
        let text = if key == "init = 0.5" {
            MODEL.replace(bad, &format!("{bad}\n{key}"))
        } else {
            MODEL.replace("levels = { \"1\" = 1.0 }", bad)
        };
        let e = Model::from_file(&ModelFile::from_toml(&text).unwrap())
            .unwrap_err()
            .to_string();
        let want = if key == "init = 0.5" { "SEX.init" } else { key };
        assert!(e.contains(want), "{e}");
    }
}
