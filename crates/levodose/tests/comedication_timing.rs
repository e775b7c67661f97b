//! Co-medications that start or stop during treatment (issue 9 item 8): piecewise-constant
//! clearance on the exact event cursor, checked against invariants.

use levodose::monograph;
use levodose::simulate::{run, Scenario, Simulation};
use levodose::subject::Subject;

fn sim(regimen: &str, days: u32, comeds: &[&str]) -> Simulation {
    let m = monograph::builtin("levomilnacipran").unwrap();
    let sc = Scenario {
        regimen: regimen.into(),
        days,
        step_h: 1.0,
        subject: Subject {
            comedications: comeds.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        },
        ..Scenario::default()
    };
    run(&m, &sc).unwrap()
}

fn conc(s: &Simulation) -> Vec<(f64, f64)> {
    s.profile
        .iter()
        .map(|p| (p.time_h, p.conc_ng_per_ml))
        .collect()
}

/// Before the inhibitor's first day the profile is identical to no co-medication; long after,
/// it equals the profile with the inhibitor taken throughout (steady state with the inhibitor).
#[test]
fn inhibitor_from_day_8_before_and_long_after() {
    let none = conc(&sim("80mg qd", 60, &[]));
    let from8 = conc(&sim("80mg qd", 60, &["ketoconazole d8-"]));
    let always = conc(&sim("80mg qd", 60, &["ketoconazole"]));
    for ((a, b), c) in none.iter().zip(&from8).zip(&always) {
        if a.0 <= 7.0 * 24.0 {
            assert_eq!(a.1, b.1, "t {}", a.0);
        }
        // 50 days after the change (about 60 half-lives): the history is forgotten.
        if a.0 >= 57.0 * 24.0 {
            assert!(
                (b.1 / c.1 - 1.0).abs() < 1e-9,
                "t {}: {} vs {}",
                a.0,
                b.1,
                c.1
            );
        }
    }
    // The change is immediate: on day 9 exposure is already above the no-inhibitor profile.
    let day9 = |p: &[(f64, f64)]| p.iter().find(|x| x.0 == 8.0 * 24.0 + 12.0).unwrap().1;
    assert!(day9(&from8) > day9(&none) * 1.05);
}

/// Stopping the inhibitor restores the profile without it (inhibition ends at once).
#[test]
fn inhibitor_stopped_wears_off() {
    let none = conc(&sim("80mg qd", 60, &[]));
    let d1_10 = conc(&sim("80mg qd", 60, &["ketoconazole d1-10"]));
    for (a, b) in none.iter().zip(&d1_10) {
        if a.0 >= 55.0 * 24.0 {
            assert!((b.1 / a.1 - 1.0).abs() < 1e-9, "t {}", a.0);
        }
    }
}

/// Induction builds up over the monograph's onset span: part way after a week, full after the
/// span, and it fades over the same span after the inducer stops.
#[test]
fn induction_builds_up_and_fades() {
    let m = monograph::builtin("levomilnacipran").unwrap();
    let onset = m
        .interactions
        .as_ref()
        .unwrap()
        .induction_onset_days
        .as_ref()
        .unwrap()
        .value;
    let s = sim("80mg qd", 60, &["carbamazepine d8-30"]);
    let changes = &s.parameters.clearance_changes;
    assert!(!changes.is_empty());
    let full = sim("80mg qd", 5, &["carbamazepine"])
        .parameters
        .clearance_factor;
    let factor_on = |day: u32| {
        changes
            .iter()
            .rev()
            .find(|c| c.day <= day)
            .map(|c| c.clearance_factor)
            .unwrap_or(s.parameters.clearance_factor)
    };
    assert_eq!(factor_on(7), 1.0);
    let week = factor_on(14);
    assert!(
        week > 1.0 && week < full,
        "day 14 factor {week} vs full {full}"
    );
    let built = factor_on(8 + onset as u32);
    assert!((built - full).abs() < 1e-12, "{built} vs {full}");
    let faded = factor_on(30 + onset as u32 + 1);
    assert!((faded - 1.0).abs() < 1e-12, "{faded}");
    assert!(factor_on(35) > 1.0 && factor_on(35) < full);
}

/// "120mg qd ss": already at steady state, so the profile is periodic from the start (day 1
/// equals day 2) and no start_above_label is raised.
#[test]
fn steady_state_start_is_periodic() {
    let s = sim("120mg qd ss", 3, &[]);
    let p = conc(&s);
    for h in 0..24 {
        let a = p[h].1;
        let b = p[h + 24].1;
        assert!((a / b - 1.0).abs() < 1e-8, "h {h}: {a} vs {b}");
    }
    // And it is the steady state of the engine's own steady-state solution (AUC over day 1).
    let ss = s.summary.steady_state.as_ref().unwrap();
    assert!(p[0].1 >= ss.metrics.cmin_ng_per_ml && p[0].1 <= ss.metrics.cmax_ng_per_ml);
    assert!(s.findings.iter().all(|f| f.code != "start_above_label"));
    assert!(sim("120mg qd", 3, &[])
        .findings
        .iter()
        .any(|f| f.code == "start_above_label"));
}

#[test]
fn day_range_syntax_errors_name_the_comedication() {
    let m = monograph::builtin("levomilnacipran").unwrap();
    let sc = Scenario {
        regimen: "80mg qd".into(),
        subject: Subject {
            comedications: vec!["ketoconazole d9-3".into()],
            ..Default::default()
        },
        ..Scenario::default()
    };
    let e = run(&m, &sc).unwrap_err().to_string();
    assert!(e.contains("ketoconazole d9-3"), "{e}");
}
