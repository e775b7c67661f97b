//! Dose-range design: log spacing, the end doses hit the range, plateau and spacing warnings.

use levodose::monograph::builtin;
use levodose::occupancy::Basis;
use levodose::translate::dose_range;
use levodose::translate::species::{self, AnimalRoute, Species, SpeciesPkOverride};
use levodose::translate::{Metric, Schedule};

#[test]
fn proposed_doses_are_log_spaced_over_the_range() {
    let m = builtin("levomilnacipran").unwrap();
    let rules = &m.preclinical.as_ref().unwrap().design_rules;
    let s = species::resolve(
        &m,
        Species::Rat,
        AnimalRoute::Ip,
        None,
        Basis::Ki,
        &SpeciesPkOverride::default(),
    )
    .unwrap();
    let r = dose_range::design(
        &s,
        Schedule::Bid,
        Metric::NetOccupancyAverage,
        0.2,
        0.8,
        4,
        &[20.0, 30.0, 40.0],
        rules,
    )
    .unwrap();
    assert_eq!(r.proposed.len(), 4);
    assert!((r.proposed[0].predicted - 0.2).abs() < 1e-6);
    assert!((r.proposed[3].predicted - 0.8).abs() < 1e-6);
    for w in r.proposed.windows(2) {
        assert!((w[1].dose_mg_per_kg / w[0].dose_mg_per_kg - r.spacing_ratio).abs() < 1e-9);
        assert!(w[1].predicted > w[0].predicted);
    }
    // The user's 20/30/40 mg/kg sit on the plateau and are spaced under 2-fold.
    let codes: Vec<&str> = r.findings.iter().map(|f| f.code.as_str()).collect();
    assert!(codes.contains(&"doses_on_plateau"), "{codes:?}");
    assert!(codes.contains(&"dose_range_narrow"), "{codes:?}");
    assert!(r.user.iter().all(|p| p.predicted > 0.9));
}
