//! MAP individualisation (issue 12 acceptance): with no levels the prior's typical values come
//! back with the prior's uncertainty; with many precise levels the estimate converges to the
//! parameters that generated them (simulated by the engine, not by the fit's closed forms).

use levodose::pk::{self, PkParams};
use levodose::regimen::{DoseEvent, Route};
use levodose_fit::individualize::{map_estimate, Level};
use levodose_fit::{Model, ModelFile};

fn prior(prop_sd: f64) -> Model {
    Model::from_file(
        &ModelFile::from_toml(&format!(
            "structure = \"oral-1cpt\"\n[parameters.cl]\ninit = 23.1\nomega = 0.06\n[parameters.v]\ninit = 400\nomega = 0.06\n[parameters.ka]\ninit = 1.0\nomega = 0.22\n[error]\nproportional_sd = {prop_sd}\n"
        ))
        .unwrap(),
    )
    .unwrap()
}

fn doses() -> Vec<DoseEvent> {
    (0..5)
        .map(|d| DoseEvent {
            time_h: 24.0 * d as f64,
            amount_mg: 80.0,
            route: Route::Po,
            infusion_h: None,
        })
        .collect()
}

#[test]
fn no_levels_returns_the_prior() {
    let m = prior(0.2);
    let r = map_estimate(&m, &doses(), &[], &[]).unwrap();
    // exp(ln x) returns x to round-off.
    for (name, typical) in [("cl", 23.1), ("v", 400.0), ("ka", 1.0)] {
        assert!((r.parameters[name] / typical - 1.0).abs() < 1e-14, "{name}");
        assert_eq!(r.eta[name], 0.0);
    }
    for e in 0..3 {
        assert!((r.eta_covariance[e][e] - m.omega[(e, e)]).abs() < 1e-12);
    }
}

#[test]
fn many_precise_levels_converge_to_the_true_parameters() {
    let truth = PkParams::one_compartment(30.0, 350.0, 1.4);
    let times: Vec<f64> = (0..25).map(|i| 72.0 + 2.0 * i as f64).collect();
    let conc = pk::concentrations(&truth, &doses(), &times).unwrap();
    let levels: Vec<Level> = times
        .iter()
        .zip(conc)
        .map(|(&t, c)| Level {
            time_h: t,
            conc_ng_per_ml: c,
        })
        .collect();
    let r = map_estimate(&prior(0.001), &doses(), &levels, &[]).unwrap();
    assert!(r.converged);
    for (name, t) in [("cl", 30.0), ("v", 350.0), ("ka", 1.4)] {
        let est = r.parameters[name];
        assert!((est / t - 1.0).abs() < 0.01, "{name}: {est} vs truth {t}");
        let (lo, hi) = r.parameters_ci95[name];
        assert!(
            lo < est && est < hi && (hi / lo) < 1.05,
            "{name}: CI {lo}-{hi} should be narrow"
        );
    }
}
