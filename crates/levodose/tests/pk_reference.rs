//! The engine against independent references: R deSolve (../shared/reference/pk), analytic
//! solutions, and invariants (mass balance, dose linearity, superposition, steady state).

use levodose::monograph;
use levodose::pk::{self, PkParams};
use levodose::regimen::{DoseEvent, Route};
use levodose::simulate::{run, Scenario};
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether `../shared/reference` is beside the repository; prints a one-line notice when not,
/// so a clone alone passes while CI (which requires the folder) always runs the comparison.
fn have_reference() -> bool {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference");
    let found = dir.is_dir();
    if !found {
        eprintln!("skipped: ../shared/reference not found");
    }
    found
}

fn oral(t: f64, mg: f64) -> DoseEvent {
    DoseEvent {
        time_h: t,
        amount_mg: mg,
        route: Route::Po,
        infusion_h: None,
    }
}

#[test]
fn reproduces_desolve_reference_through_scenario_file() {
    if !have_reference() {
        return;
    }
    let text = std::fs::read_to_string(repo().join("examples/desolve_reference.toml")).unwrap();
    let sc = Scenario::from_toml_str(&text, "desolve_reference.toml").unwrap();
    let m = monograph::builtin("levomilnacipran").unwrap();
    let sim = run(&m, &sc).unwrap();
    let csv =
        std::fs::read_to_string(repo().join("../shared/reference/pk/onecpt_desolve.csv")).unwrap();
    let reference: Vec<(f64, f64)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<f64> = l.split(',').map(|x| x.parse().unwrap()).collect();
            (f[0], f[1])
        })
        .collect();
    assert_eq!(reference.len(), 481);
    assert_eq!(sim.profile.len(), reference.len());
    let cmax = reference.iter().map(|r| r.1).fold(0.0, f64::max);
    let mut worst = 0.0f64;
    for (p, (t, c)) in sim.profile.iter().zip(&reference) {
        assert_eq!(p.time_h, *t);
        if *c > 1e-6 * cmax {
            worst = worst.max((p.conc_ng_per_ml - c).abs() / c);
        }
    }
    assert!(worst < 1e-6, "worst relative error {worst}");
}

/// C(t) = F D ka / (V (ka - k)) (e^{-k t} - e^{-ka t}), with the ka = k limit D k t e^{-k t} / V.
#[test]
fn single_oral_dose_matches_bateman_including_ka_equal_k() {
    for &(cl, v, ka) in &[
        (20.0, 400.0, 1.0),
        (20.0, 400.0, 0.05),
        (20.0, 400.0, 0.05 * (1.0 + 1e-10)),
    ] {
        let p = PkParams::one_compartment(cl, v, ka);
        let k = cl / v;
        let times: Vec<f64> = (0..=96).map(|i| i as f64 * 0.5).collect();
        let c = pk::concentrations(&p, &[oral(0.0, 100.0)], &times).unwrap();
        for (t, c) in times.iter().zip(c) {
            let exact = if (ka - k).abs() < 1e-8 {
                100.0 * k * t * (-k * t).exp() / v * 1000.0
            } else {
                100.0 * ka / (v * (ka - k)) * ((-k * t).exp() - (-ka * t).exp()) * 1000.0
            };
            assert!(
                (c - exact).abs() <= 1e-9 * exact.abs().max(1e-3),
                "t {t}: {c} vs {exact}"
            );
        }
    }
}

/// IV bolus C = D/V e^{-kt}; infusion C = R/(k V) (1 - e^{-k t}) during, then decays.
#[test]
fn iv_bolus_and_infusion_match_closed_forms() {
    let p = PkParams::one_compartment(10.0, 100.0, 1.0);
    let k = 0.1;
    let bolus = DoseEvent {
        time_h: 0.0,
        amount_mg: 50.0,
        route: Route::Iv,
        infusion_h: None,
    };
    let inf = DoseEvent {
        time_h: 0.0,
        amount_mg: 50.0,
        route: Route::Iv,
        infusion_h: Some(2.0),
    };
    let times: Vec<f64> = (1..=40).map(|i| i as f64 * 0.25).collect();
    let cb = pk::concentrations(&p, &[bolus], &times).unwrap();
    let ci = pk::concentrations(&p, &[inf], &times).unwrap();
    for (i, &t) in times.iter().enumerate() {
        let eb = 50.0 / 100.0 * (-k * t).exp() * 1000.0;
        let rate = 25.0;
        let ei = if t <= 2.0 {
            rate / (k * 100.0) * (1.0 - (-k * t).exp())
        } else {
            rate / (k * 100.0) * (1.0 - (-k * 2.0f64).exp()) * (-k * (t - 2.0)).exp()
        } * 1000.0;
        assert!((cb[i] - eb).abs() < 1e-9 * eb);
        assert!((ci[i] - ei).abs() < 1e-9 * ei, "t {t}: {} vs {ei}", ci[i]);
    }
}

/// Two-compartment IV bolus: C = A e^{-alpha t} + B e^{-beta t} (textbook macro-constants).
#[test]
fn two_compartment_bolus_matches_biexponential() {
    let (cl, v1, q, v2) = (10.0, 50.0, 20.0, 100.0);
    let p = PkParams {
        peripheral: Some((q, v2)),
        ..PkParams::one_compartment(cl, v1, 1.0)
    };
    let (k10, k12, k21) = (cl / v1, q / v1, q / v2);
    let s = k10 + k12 + k21;
    let disc = (s * s - 4.0 * k10 * k21).sqrt();
    let (alpha, beta) = (0.5 * (s + disc), 0.5 * (s - disc));
    let d = 100.0;
    let a = d / v1 * (alpha - k21) / (alpha - beta);
    let b = d / v1 * (k21 - beta) / (alpha - beta);
    let times: Vec<f64> = (1..=48).map(|i| i as f64).collect();
    let c = pk::concentrations(
        &p,
        &[DoseEvent {
            time_h: 0.0,
            amount_mg: d,
            route: Route::Iv,
            infusion_h: None,
        }],
        &times,
    )
    .unwrap();
    for (t, c) in times.iter().zip(c) {
        let exact = (a * (-alpha * t).exp() + b * (-beta * t).exp()) * 1000.0;
        assert!((c - exact).abs() < 1e-9 * exact, "t {t}: {c} vs {exact}");
    }
    assert!((p.half_life_h() - std::f64::consts::LN_2 / beta).abs() < 1e-12);
}

/// Mass balance: AUC(0-inf) = F D / CL, from the engine's exact AUC over a long interval.
#[test]
fn auc_equals_dose_over_clearance() {
    let mut p = PkParams::one_compartment(23.1, 400.0, 1.0);
    p.lag_h = 4.0;
    p.bioavailability = 0.8;
    let first = pk::first_interval(&p, &oral(0.0, 120.0), 24.0 * 40.0).unwrap();
    let expected = 0.8 * 120.0 / 23.1 * 1000.0;
    assert!((first.metrics.auc_ng_h_per_ml - expected).abs() < 1e-6 * expected);
    let two = PkParams {
        peripheral: Some((15.0, 300.0)),
        ..p
    };
    let first = pk::first_interval(&two, &oral(0.0, 120.0), 24.0 * 80.0).unwrap();
    assert!((first.metrics.auc_ng_h_per_ml - expected).abs() < 1e-6 * expected);
}

#[test]
fn dose_linearity_and_superposition() {
    let mut p = PkParams::one_compartment(23.1, 400.0, 1.0);
    p.lag_h = 4.0;
    let times: Vec<f64> = (0..=72).map(|i| i as f64).collect();
    let a = pk::concentrations(&p, &[oral(0.0, 40.0)], &times).unwrap();
    let b = pk::concentrations(&p, &[oral(0.0, 120.0)], &times).unwrap();
    let c = pk::concentrations(&p, &[oral(10.0, 40.0)], &times).unwrap();
    let ac = pk::concentrations(&p, &[oral(0.0, 40.0), oral(10.0, 40.0)], &times).unwrap();
    for i in 0..times.len() {
        assert!((b[i] - 3.0 * a[i]).abs() <= 1e-12 * b[i].max(1.0));
        assert!((ac[i] - (a[i] + c[i])).abs() <= 1e-12 * ac[i].max(1.0));
    }
}

/// The closed-form steady state equals the limit of repeated dosing.
#[test]
fn steady_state_equals_limit_of_repeated_dosing() {
    for peripheral in [None, Some((15.0, 300.0))] {
        let p = PkParams {
            lag_h: 4.0,
            peripheral,
            ..PkParams::one_compartment(23.1, 400.0, 1.0)
        };
        let ss = pk::steady_state(&p, &oral(0.0, 80.0), 24.0).unwrap();
        let doses: Vec<DoseEvent> = (0..60).map(|i| oral(24.0 * i as f64, 80.0)).collect();
        let times: Vec<f64> = (0..=24).map(|h| 59.0 * 24.0 + h as f64).collect();
        let c = pk::concentrations(&p, &doses, &times).unwrap();
        for (h, &ch) in c.iter().enumerate() {
            let sample = ss
                .profile
                .samples
                .iter()
                .find(|s| s.0 == h as f64)
                .unwrap()
                .1;
            assert!(
                (ch - sample).abs() < 1e-9 * ch,
                "hour {h}: {} vs {sample}",
                ch
            );
        }
        let cavg = ss.profile.metrics.cavg_ng_per_ml;
        assert!((cavg - 80.0 / 23.1 * 1000.0 / 24.0).abs() < 1e-9 * cavg);
    }
}
