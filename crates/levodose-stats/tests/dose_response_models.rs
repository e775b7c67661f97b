//! Emax/ll4 on noise-free synthetic data (parameters known exactly), degenerate data, diagnostics.

use levodose_stats::dose_response::{
    fit, fit_with, lm::LevenbergMarquardt, DoseResponseError, FitOptions, Model, Severity,
};

const DOSES: [f64; 8] = [0.0, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0];

fn emax_curve(e0: f64, emax: f64, ed50: f64, x: f64) -> f64 {
    e0 + emax * x / (ed50 + x)
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        ((got - want) / want).abs() <= tol,
        "{what}: got {got}, want {want}"
    );
}

#[test]
fn emax_recovers_parameters_from_noise_free_data() {
    let y: Vec<f64> = DOSES
        .iter()
        .map(|&x| emax_curve(2.0, 10.0, 25.0, x))
        .collect();
    let f = fit(&DOSES, &y, Model::Emax).expect("fit");
    close("e0", f.parameter("e0").unwrap().estimate, 2.0, 1e-8);
    close("emax", f.parameter("emax").unwrap().estimate, 10.0, 1e-8);
    close("ed50", f.parameter("ed50").unwrap().estimate, 25.0, 1e-8);
    assert!(f.residual_se < 1e-8);
}

#[test]
fn emax0_recovers_parameters_from_noise_free_data() {
    let y: Vec<f64> = DOSES
        .iter()
        .map(|&x| emax_curve(0.0, -40.0, 7.5, x))
        .collect();
    let f = fit(&DOSES, &y, Model::Emax0).expect("fit");
    close("emax", f.parameter("emax").unwrap().estimate, -40.0, 1e-8);
    close("ed50", f.parameter("ed50").unwrap().estimate, 7.5, 1e-8);
}

#[test]
fn ll4_recovers_decreasing_curve_with_zero_dose() {
    let (b, t, ec50, h) = (100.0, 20.0, 12.0, 1.7);
    let y: Vec<f64> = DOSES
        .iter()
        .map(|&x| {
            if x == 0.0 {
                b
            } else {
                b + (t - b) / (1.0 + (ec50 / x).powf(h))
            }
        })
        .collect();
    let f = fit(&DOSES, &y, Model::Ll4).expect("fit");
    close("bottom", f.parameter("bottom").unwrap().estimate, b, 1e-8);
    close("top", f.parameter("top").unwrap().estimate, t, 1e-8);
    close("ec50", f.parameter("ec50").unwrap().estimate, ec50, 1e-8);
    close("hill", f.parameter("hill").unwrap().estimate, h, 1e-8);
    assert_eq!(f.predict(0.0), f.parameter("bottom").unwrap().estimate);
}

/// Emax with hill = 1 is ll4 with bottom = e0, top = e0 + emax, ec50 = ed50.
#[test]
fn emax_data_fit_by_ll4_gives_hill_one() {
    let y: Vec<f64> = DOSES
        .iter()
        .map(|&x| emax_curve(5.0, 30.0, 40.0, x))
        .collect();
    let f = fit(&DOSES, &y, Model::Ll4).expect("fit");
    close("hill", f.parameter("hill").unwrap().estimate, 1.0, 1e-7);
    close("top", f.parameter("top").unwrap().estimate, 35.0, 1e-7);
    close("ec50", f.parameter("ec50").unwrap().estimate, 40.0, 1e-7);
}

#[test]
fn constant_response_is_an_error_not_a_panic() {
    let y = vec![3.0; DOSES.len()];
    for model in Model::ALL {
        let e = fit(&DOSES, &y, model).expect_err("constant data cannot determine ED50");
        assert!(
            matches!(
                e,
                DoseResponseError::NotIdentifiable { .. } | DoseResponseError::NotConverged { .. }
            ),
            "{model}: {e}"
        );
        assert_eq!(e.to_finding().severity, Severity::Error);
    }
}

#[test]
fn iteration_limit_reports_not_converged() {
    let y: Vec<f64> = DOSES
        .iter()
        .map(|&x| emax_curve(2.0, 10.0, 25.0, x) + 0.3 * (x * 0.7).sin())
        .collect();
    let options = FitOptions {
        solver: LevenbergMarquardt {
            max_iterations: 1,
            ..Default::default()
        },
        level: 0.95,
    };
    let e = fit_with(&DOSES, &y, Model::Ll4, &options).expect_err("one iteration cannot converge");
    assert!(matches!(e, DoseResponseError::NotConverged { .. }), "{e}");
    assert_eq!(e.to_finding().code, "not_converged");
}

#[test]
fn linear_response_without_plateau_does_not_panic() {
    let y: Vec<f64> = DOSES.iter().map(|&x| 1.0 + 0.01 * x).collect();
    for model in Model::ALL {
        match fit(&DOSES, &y, model) {
            Ok(f) => assert!(
                f.findings
                    .iter()
                    .any(|x| x.code == "ed50_above_highest_dose"),
                "{model}: {f:?}"
            ),
            Err(e) => assert_eq!(e.to_finding().severity, Severity::Error),
        }
    }
}

#[test]
fn invalid_data_is_rejected_with_field_names() {
    let y = [1.0, 2.0, 3.0, 4.0, 5.0];
    let e = fit(&[0.0, 1.0, -2.0, 3.0, 4.0], &y, Model::Emax).unwrap_err();
    assert!(
        matches!(e, DoseResponseError::NegativeDose { index: 2, .. }),
        "{e}"
    );
    let e = fit(
        &[0.0, 1.0, 2.0, 3.0, 4.0],
        &[1.0, f64::NAN, 3.0, 4.0, 5.0],
        Model::Emax,
    )
    .unwrap_err();
    assert!(e.to_string().contains("response[1]"), "{e}");
    let e = fit(&[0.0, 1.0, 2.0], &[1.0, 2.0, 3.0], Model::Emax).unwrap_err();
    assert!(matches!(e, DoseResponseError::TooFewPoints { .. }), "{e}");
    let e = fit(
        &[1.0, 1.0, 2.0, 2.0, 3.0, 3.0],
        &[1.0, 1.1, 2.0, 2.1, 3.0, 3.1],
        Model::Ll4,
    )
    .unwrap_err();
    assert!(
        matches!(e, DoseResponseError::TooFewPoints { distinct: 3, .. }),
        "{e}"
    );
    let e = fit(&[0.0, 1.0], &[1.0], Model::Emax0).unwrap_err();
    assert!(matches!(e, DoseResponseError::LengthMismatch { .. }), "{e}");
}

/// Emax fraction at the lowest dose 1 with ed50 = 0.1 is 1/1.1 = 0.91 ≥ 0.8.
#[test]
fn plateau_at_lowest_dose_is_flagged() {
    let y: Vec<f64> = DOSES
        .iter()
        .map(|&x| emax_curve(0.0, 10.0, 0.1, x))
        .collect();
    let f = fit(&DOSES, &y, Model::Emax).expect("fit");
    assert!(
        f.findings
            .iter()
            .any(|x| x.code == "top_plateau_at_lowest_dose"),
        "{:?}",
        f.findings
    );
    assert!(
        f.findings
            .iter()
            .any(|x| x.code == "few_doses_on_rising_part"),
        "{:?}",
        f.findings
    );
}

/// Fractions x/(ed50+x) for ed50 = 25 at doses 3..300: 0.107, 0.286, 0.545, 0.8, 0.923: four in (0.1, 0.9).
#[test]
fn well_spaced_design_has_no_warnings() {
    let y: Vec<f64> = DOSES
        .iter()
        .map(|&x| emax_curve(2.0, 10.0, 25.0, x) + 0.05 * (x + 1.0).ln().sin())
        .collect();
    let f = fit(&DOSES, &y, Model::Emax).expect("fit");
    assert!(f.findings.is_empty(), "{:?}", f.findings);
}

/// The pointwise band at the fitted ED50 is centred on e0 + emax/2 and the band width is
/// 2 t_{0.975, df} SE; at dose 0 the Emax mean is e0 with SE(e0).
#[test]
fn mean_band_at_zero_dose_is_e0_interval() {
    let y: Vec<f64> = DOSES
        .iter()
        .map(|&x| emax_curve(2.0, 10.0, 25.0, x) + 0.05 * (x + 1.0).ln().sin())
        .collect();
    let f = fit(&DOSES, &y, Model::Emax).expect("fit");
    let ci = f.mean_ci(0.0, 0.95).unwrap();
    let e0 = f.parameter("e0").unwrap();
    close("mean at 0", ci.estimate, e0.estimate, 1e-12);
    close("se at 0", ci.se, e0.se, 1e-12);
    // t_{0.975, 5} = 2.570581835636314 (R qt)
    close(
        "half width",
        (ci.upper - ci.lower) / 2.0,
        2.570581835636314 * e0.se,
        1e-9,
    );
}

/// Issue 9 item 6: when another model beats the reported one by more than 2 AIC units, a
/// finding names it (the best one); the reported model stays the one asked for.
#[test]
fn a_better_model_by_more_than_two_aic_units_is_named() {
    use levodose_stats::dose_response::{compare, comparison_findings};
    // A steep log-logistic curve (hill 3, baseline 1) plus a fixed +-0.1 pattern: emax0 (no
    // baseline, hill 1) cannot follow it, ll4 can.
    let (mut x, mut y) = (vec![], vec![]);
    for (i, &d) in [1.0, 3.0, 10.0, 20.0, 30.0, 100.0, 300.0]
        .iter()
        .enumerate()
    {
        for (k, e) in [0.1, -0.1].iter().enumerate() {
            x.push(d);
            let mean = 1.0 + 9.0 / (1.0 + (20.0f64 / d).powf(3.0));
            y.push(mean + e * if (i + k) % 3 == 0 { -1.0 } else { 1.0 });
        }
    }
    let cmp = compare(&x, &y);
    let aic = |m: Model| cmp.iter().find(|c| c.model == m).unwrap().aic.unwrap();
    let best = [Model::Ll4, Model::Emax, Model::Emax0]
        .into_iter()
        .min_by(|a, b| aic(*a).total_cmp(&aic(*b)))
        .unwrap();
    assert_eq!(best, Model::Ll4, "{cmp:?}");
    assert!(aic(Model::Emax0) - aic(Model::Ll4) > 2.0, "{cmp:?}");

    let asked = fit(&x, &y, Model::Emax0).unwrap();
    let findings = comparison_findings(&asked, &cmp);
    let f = findings
        .iter()
        .find(|f| f.code == "better_model_by_aic")
        .expect("a better_model_by_aic finding");
    assert!(
        f.message
            .contains("model ll4 fits better than the reported emax0"),
        "{}",
        f.message
    );
    // the best model itself gets no such finding
    let ll4 = fit(&x, &y, Model::Ll4).unwrap();
    assert!(comparison_findings(&ll4, &cmp)
        .iter()
        .all(|f| f.code != "better_model_by_aic"));
}
