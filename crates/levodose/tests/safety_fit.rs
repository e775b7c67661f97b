//! Safety by dose: the fits reproduce the published tables where the model can, are monotone in
//! dose, and flag extrapolation.

use levodose::monograph::builtin;
use levodose::safety::{at_dose, fit, DoseModel};

#[test]
fn emax_fit_passes_through_concave_data_and_is_monotone() {
    let m = builtin("levomilnacipran").unwrap();
    let s = m.safety.clone().unwrap();
    for t in s.adverse_events.iter().chain(&s.vital_signs) {
        let model = fit(t);
        // placebo reproduced exactly
        assert_eq!(model.at(0.0), t.values[0], "{}", t.name);
        let (y40, y80) = (t.values[1] - t.values[0], t.values[2] - t.values[0]);
        if y40 > 0.0 && y80 > y40 && y80 < 2.0 * y40 {
            // concave and rising: a two-parameter Emax through two points fits exactly
            assert!(
                (model.at(40.0) - t.values[1]).abs() < 0.05,
                "{} {:?}",
                t.name,
                model
            );
            assert!(
                (model.at(80.0) - t.values[2]).abs() < 0.05,
                "{} {:?}",
                t.name,
                model
            );
        }
        let grid: Vec<f64> = (0..=30).map(|i| model.at(i as f64 * 5.0)).collect();
        let rising = grid.windows(2).all(|w| w[1] >= w[0] - 1e-12);
        let falling = grid.windows(2).all(|w| w[1] <= w[0] + 1e-12);
        assert!(rising || falling, "{} not monotone", t.name);
    }
}

#[test]
fn one_active_dose_gives_the_line_through_it() {
    let m = builtin("levomilnacipran").unwrap();
    let t = m.safety.clone().unwrap().discontinuation_for_ae;
    let model = fit(&t);
    assert!(matches!(model, DoseModel::Linear { .. }));
    let (d, v) = (t.doses_mg[1], t.values[1]);
    assert!((model.at(d) - v).abs() < 1e-9);
}

#[test]
fn estimates_flag_extrapolation_and_say_what_they_rest_on() {
    let m = builtin("levomilnacipran").unwrap();
    let at80 = at_dose(&m, 80.0).unwrap();
    assert!(at80
        .adverse_events
        .iter()
        .all(|e| !e.extrapolated && e.rests_on.contains("BAKISH")));
    let at120 = at_dose(&m, 120.0).unwrap();
    assert!(at120
        .adverse_events
        .iter()
        .all(|e| e.extrapolated && e.rests_on.contains("EXTRAPOLATED")));
    let pulse = at120
        .vital_signs
        .iter()
        .find(|e| e.name == "supine pulse")
        .unwrap();
    assert!(pulse.above_placebo > 0.0);
    assert!(at120
        .adverse_events
        .iter()
        .all(|e| (0.0..=100.0).contains(&e.value)));
}
