//! Calibration checks: the typical human parameters reproduce the published figures they were derived from
//! (LABEL steady state at 120 mg qd, Tmax 6-8 h, half-life about 12 h), read from the monograph.

use levodose::monograph;
use levodose::simulate::{run, Scenario};

#[test]
fn calibration_check_steady_state_at_120mg_matches_label() {
    let m = monograph::builtin("levomilnacipran").unwrap();
    let check = m.human.steady_state_check.as_ref().unwrap();
    let sc = Scenario {
        regimen: "120mg qd".into(),
        days: 14,
        ..Scenario::default()
    };
    let sim = run(&m, &sc).unwrap();
    let ss = sim.summary.steady_state.unwrap();
    assert_eq!(ss.dose_mg, check.dose_mg.value);
    let rel = |a: f64, b: f64| (a - b).abs() / b;
    assert!(
        rel(ss.metrics.cmax_ng_per_ml, check.cmax_ng_per_ml.value) < 0.10,
        "Cmax {}",
        ss.metrics.cmax_ng_per_ml
    );
    assert!(
        rel(
            ss.metrics.auc_tau_ng_h_per_ml,
            check.auc_tau_ng_h_per_ml.value
        ) < 0.10,
        "AUC {}",
        ss.metrics.auc_tau_ng_h_per_ml
    );
    let (lo, hi) = (
        m.human.tmax_low_h.as_ref().unwrap().value,
        m.human.tmax_high_h.as_ref().unwrap().value,
    );
    assert!(
        ss.metrics.tmax_h >= lo && ss.metrics.tmax_h <= hi,
        "Tmax {}",
        ss.metrics.tmax_h
    );
    assert!(sim.parameters.half_life_h >= 11.0 && sim.parameters.half_life_h <= 13.5);
    println!("{ss:?}");
}
