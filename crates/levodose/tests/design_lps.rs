//! Study designer on the built-in LPS template: n from the analytic power calculation,
//! reproducible randomisation, balanced blocks, timeline and safety observations.

use levodose::design::{self, protocol, scenario::PreclinicalScenario, LPS_TEMPLATE};
use levodose::monograph::builtin;

fn lps() -> PreclinicalScenario {
    PreclinicalScenario::from_toml_str(LPS_TEMPLATE, "lps").unwrap()
}

#[test]
fn n_per_group_matches_the_two_sample_calculation() {
    let m = builtin("levomilnacipran").unwrap();
    let d = design::design(&m, &lps()).unwrap();
    let ss = d.sample_size.as_ref().unwrap();
    // d = 10/10 = 1, alpha 0.05 two-sided, power 0.8: n = 16.71 -> 17 (R power.t.test), 10 % attrition -> 19.
    assert!((ss.n_exact - 16.71).abs() < 0.01, "{}", ss.n_exact);
    assert_eq!(ss.n_per_group, 17);
    assert_eq!(ss.n_enrolled_per_group, (17.0f64 / 0.9).ceil() as u64);
    assert_eq!(d.randomisation.len() as u64, 4 * ss.n_enrolled_per_group);
}

#[test]
fn same_seed_same_list_and_blocks_are_balanced() {
    let m = builtin("levomilnacipran").unwrap();
    let a = design::design(&m, &lps()).unwrap();
    let b = design::design(&m, &lps()).unwrap();
    assert_eq!(a.randomisation, b.randomisation);
    assert_eq!(
        protocol::randomisation_csv(&a),
        protocol::randomisation_csv(&b)
    );
    let mut other = lps();
    other.study.seed += 1;
    let c = design::design(&m, &other).unwrap();
    assert_ne!(a.randomisation, c.randomisation);
    for block in 1..=a.n_per_group {
        let mut codes: Vec<&str> = a
            .randomisation
            .iter()
            .filter(|x| x.block == block)
            .map(|x| x.code.as_str())
            .collect();
        codes.sort();
        assert_eq!(codes, vec!["A", "B", "C", "D"]);
    }
}

#[test]
fn timeline_safety_and_unverified() {
    let m = builtin("levomilnacipran").unwrap();
    let d = design::design(&m, &lps()).unwrap();
    let fst = d
        .timeline
        .iter()
        .find(|e| e.event == "test: forced swim test")
        .unwrap();
    // Last dose day 14 09:00, test day 15 10:30: 25.5 h.
    assert!((fst.hours_after_last_dose.unwrap() - 25.5).abs() < 1e-9);
    assert!(d.unverified.iter().any(|u| u.contains("30 mg/kg")));
    assert!(d.unverified.iter().any(|u| u.contains("LPS")));
    let names: Vec<&str> = d
        .safety_observations
        .iter()
        .map(|o| o.adverse_event.as_str())
        .collect();
    assert!(
        names.contains(&"nausea") && names.contains(&"heart rate increased"),
        "{names:?}"
    );
    let md = protocol::markdown(&d);
    assert!(md.contains("Research use only"));
    assert!(protocol::schedule_csv(&d).lines().count() > 5);
    assert!(d
        .findings
        .iter()
        .any(|f| f.code == "test_outside_exposure_window"));
}

#[test]
fn human_equivalent_dose_scales_with_bioavailability() {
    let mut m = builtin("levomilnacipran").unwrap();
    let hed = design::design(&m, &lps())
        .unwrap()
        .human_equivalent_dose_mg
        .unwrap();
    // Same free Cavg with half the oral bioavailability needs twice the oral dose.
    m.human.bioavailability_fraction.value = 0.5;
    let hed_half = design::design(&m, &lps())
        .unwrap()
        .human_equivalent_dose_mg
        .unwrap();
    assert!((hed_half / hed - 2.0).abs() < 1e-6, "{hed} {hed_half}");
}
