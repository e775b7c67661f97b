//! `fit --write-monograph`: the fitted population written into a monograph reads back through
//! the monograph loader, and its population draws (the engine's `population` module, as
//! `simulate --subjects` uses it) carry the fitted typical values and omega.

use levodose::monograph::{self, Monograph};
use levodose::population::Omega;
use levodose_fit::export::monograph_with_fit;
use levodose_fit::{Model, ModelFile};

fn model(text: &str) -> Model {
    Model::from_file(&ModelFile::from_toml(text).unwrap()).unwrap()
}

const FITTED: &str = "structure = \"oral-1cpt-lag\"\n[parameters.cl]\ninit = 21.5\nomega = 0.07\n[parameters.v]\ninit = 380\nomega = 0.05\n[parameters.ka]\ninit = 0.8\nomega = 0.3\n[parameters.lag]\ninit = 3.6\n[omega_block]\nparameters = [\"cl\", \"v\"]\ncorrelation = 0.55\n[error]\nproportional_sd = 0.15\n";

#[test]
fn the_fitted_population_is_a_monograph_the_loader_accepts() {
    let base = monograph::builtin("levomilnacipran").unwrap();
    let m =
        monograph_with_fit(&model(FITTED), &base, "levodose fit of data.csv, OFV 123.4").unwrap();
    let text = toml::to_string_pretty(&m).unwrap();
    let back: Monograph = monograph::from_toml_str(&text, "written.toml").unwrap();
    assert_eq!(back.human.clearance_l_per_h.value, 21.5);
    assert_eq!(back.human.volume_l.value, 380.0);
    assert_eq!(back.human.ka_per_h.value, 0.8);
    assert_eq!(back.human.lag_h.as_ref().unwrap().value, 3.6);
    assert_eq!(back.human.clearance_l_per_h.source, "FIT");
    assert!(back.references.contains_key("FIT"));
    // The population module turns CVs back into omega: the fitted omega (as SDs) and correlation.
    let omega = Omega::from_monograph(&back).unwrap().unwrap();
    for (got, var) in omega.sd().iter().zip([0.07f64, 0.05, 0.3]) {
        assert!((got - var.sqrt()).abs() < 1e-12, "{got} vs {}", var.sqrt());
    }
    assert!((omega.rho[0] - 0.55).abs() < 1e-12);
    assert_eq!(omega.rho[1], 0.0);
    assert_eq!(omega.rho[2], 0.0);
    // The rest is the base monograph's.
    assert_eq!(back.human.unbound_fraction, base.human.unbound_fraction);
}

#[test]
fn what_the_monograph_cannot_hold_is_an_error_naming_it() {
    let base = monograph::builtin("levomilnacipran").unwrap();
    let with_cov = model(&FITTED.replace(
        "[parameters.v]",
        "[parameters.cl.covariates.CRCL]\nreference = 100\nform = \"power\"\ninit = 0.5\n[parameters.v]",
    ));
    let e = monograph_with_fit(&with_cov, &base, "x")
        .unwrap_err()
        .to_string();
    assert!(e.contains("CRCL"), "{e}");
    let iv = model("structure = \"iv-1cpt\"\n[parameters.cl]\ninit = 2\n[parameters.v]\ninit = 30\n[error]\nadditive_sd = 1\n");
    let e = monograph_with_fit(&iv, &base, "x").unwrap_err().to_string();
    assert!(e.contains("iv-1cpt"), "{e}");
    let lag_iiv = model(&FITTED.replace("init = 3.6\n", "init = 3.6\nomega = 0.1\n"));
    let e = monograph_with_fit(&lag_iiv, &base, "x")
        .unwrap_err()
        .to_string();
    assert!(e.contains("lag"), "{e}");
}
