//! `optimize` acceptance: label caps by population, monotone in the target, honest when the
//! target cannot be reached.

use levodose::monograph::builtin;
use levodose::occupancy::Basis;
use levodose::optimize::{optimize, OptimizeSpec};

fn spec(targets: &[&str]) -> OptimizeSpec {
    OptimizeSpec {
        doses_mg: None,
        targets: targets.iter().map(|s| s.to_string()).collect(),
        pta: 0.9,
        subjects: 1500,
        seed: 1,
        basis: Basis::Ki,
        crcl_ml_per_min: None,
        crcl_range_ml_per_min: None,
        comedications: vec![],
        allow_off_label: false,
    }
}

#[test]
fn recommendation_respects_label_caps_for_the_population() {
    let m = builtin("levomilnacipran").unwrap();
    // An easy target every candidate reaches: the recommendation is the lowest on-label dose,
    // and a hard one: it must still not exceed the cap.
    for target in [
        "net_occupancy.trough>=0.05",
        "net_occupancy.trough>=0.7",
        "sert_occupancy.trough>=0.85",
    ] {
        for (crcl, comed, cap) in [
            (None, Some("ketoconazole"), 80.0),
            (Some(45.0), None, 80.0),
            (Some(20.0), None, 40.0),
        ] {
            let mut s = spec(&[target]);
            s.crcl_ml_per_min = crcl;
            s.comedications = comed.map(|c| vec![c.to_string()]).unwrap_or_default();
            let o = optimize(&m, &s).unwrap();
            assert_eq!(o.label_cap_mg, Some(cap));
            // The expected recommendation: the lowest label-conform candidate reaching the
            // required PTA; none when no candidate qualifies (then there must be none).
            let expected = o
                .candidates
                .iter()
                .filter(|c| c.label_conform && c.pta >= s.pta)
                .map(|c| c.dose_mg)
                .reduce(f64::min);
            match (&o.recommendation, expected) {
                (Some(r), Some(e)) => {
                    assert_eq!(r.dose_mg, e, "{target} {crcl:?} {comed:?}");
                    assert!(
                        r.dose_mg <= cap,
                        "{target} {crcl:?} {comed:?}: {}",
                        r.dose_mg
                    );
                }
                (None, None) => {
                    // No on-label candidate reaches the PTA: the answer says so and points to the
                    // closest on-label dose, which stays within the cap.
                    let at = format!("{target} {crcl:?} {comed:?}");
                    assert!(
                        o.message.starts_with("no eligible dose qualifies"),
                        "{at}: {}",
                        o.message
                    );
                    let closest = o
                        .closest_dose_mg
                        .unwrap_or_else(|| panic!("{at}: no closest"));
                    assert!(closest <= cap, "{at}: closest {closest} mg above the cap");
                    assert!(
                        o.candidates
                            .iter()
                            .any(|c| c.dose_mg == closest && c.label_conform && c.pta < s.pta),
                        "{at}: closest {closest} mg is not an on-label candidate short of the PTA"
                    );
                }
                (r, e) => {
                    panic!("{target} {crcl:?} {comed:?}: recommendation {r:?}, expected {e:?}")
                }
            }
            if target == "net_occupancy.trough>=0.05" {
                // Every candidate reaches so easy a target: the lowest on-label dose (40 mg).
                assert_eq!(o.recommendation.as_ref().map(|r| r.dose_mg), Some(40.0));
            }
            for c in o.candidates.iter().filter(|c| c.dose_mg > cap) {
                assert!(!c.label_conform);
                assert!(c.findings.iter().any(|f| f.code == "above_label_cap"));
            }
        }
    }
}

#[test]
fn off_label_candidates_carry_an_error_when_allowed() {
    let m = builtin("levomilnacipran").unwrap();
    let mut s = spec(&["net_occupancy.trough>=0.75"]);
    s.crcl_ml_per_min = Some(20.0);
    s.allow_off_label = true;
    let o = optimize(&m, &s).unwrap();
    for c in o.candidates.iter().filter(|c| c.dose_mg > 40.0) {
        assert!(c
            .findings
            .iter()
            .any(|f| f.code == "off_label_dose" && f.severity == levodose::Severity::Error));
    }
}

#[test]
fn a_stricter_target_never_lowers_the_recommended_dose() {
    let m = builtin("levomilnacipran").unwrap();
    let mut last = 0.0;
    for thr in [0.1, 0.3, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7] {
        let o = optimize(&m, &spec(&[&format!("net_occupancy.trough>={thr}")])).unwrap();
        let dose = o
            .recommendation
            .as_ref()
            .map(|r| r.dose_mg)
            .unwrap_or(f64::INFINITY);
        assert!(dose >= last, "threshold {thr}: {dose} < {last}");
        last = dose;
        // PTA rises with dose for a ">=" target (same subjects for every candidate)
        for w in o.candidates.windows(2) {
            assert!(w[1].pta >= w[0].pta);
        }
    }
}

#[test]
fn unreachable_target_gives_no_recommendation_and_says_so() {
    let m = builtin("levomilnacipran").unwrap();
    let o = optimize(&m, &spec(&["net_occupancy.trough>=0.99"])).unwrap();
    assert!(o.recommendation.is_none());
    assert!(
        o.message.contains("no eligible dose qualifies"),
        "{}",
        o.message
    );
    assert!(o.findings.iter().any(|f| f.code == "target_not_reached"));
}

/// Issue 9 item 4: when nothing reaches the target, the dose closest to it is named (highest
/// PTA, then the highest median of the target metric), not the first candidate.
#[test]
fn unreachable_target_names_the_dose_closest_to_it() {
    let m = builtin("levomilnacipran").unwrap();
    let o = optimize(&m, &spec(&["net_occupancy.trough>=0.95"])).unwrap();
    assert!(o.recommendation.is_none());
    let best_pta = o
        .candidates
        .iter()
        .filter(|c| c.label_conform)
        .map(|c| c.pta)
        .fold(f64::MIN, f64::max);
    let expected = o
        .candidates
        .iter()
        .filter(|c| c.label_conform && c.pta == best_pta)
        .max_by(|a, b| {
            let med =
                |c: &levodose::optimize::Candidate| c.target_metrics["net_occupancy_trough"].p50;
            med(a).total_cmp(&med(b))
        })
        .unwrap();
    // every eligible candidate has the same (zero) PTA here, so the median decides: the highest dose
    assert_eq!(best_pta, 0.0);
    assert_eq!(expected.dose_mg, 120.0);
    assert_eq!(o.closest_dose_mg, Some(expected.dose_mg));
    assert!(
        o.message.contains("Closest to the target: 120 mg") && o.message.contains("none reaches"),
        "{}",
        o.message
    );
}

#[test]
fn default_target_is_the_monograph_research_target() {
    let m = builtin("levomilnacipran").unwrap();
    let o = optimize(&m, &spec(&[])).unwrap();
    let t = m.default_research_target.unwrap();
    assert_eq!(
        o.targets,
        vec![levodose::target::Target::parse(&t.expression)
            .unwrap()
            .to_string()]
    );
    assert!(o.target_basis.contains(&t.expression));
    let c = &o.candidates[0];
    assert_eq!(c.dose_mg, 40.0);
    let metric = &o.targets[0].split(">=").next().unwrap().to_string();
    let st = c.target_metrics[metric];
    assert!(st.p05 < st.p50);
}

#[test]
fn bad_inputs_are_input_errors() {
    let m = builtin("levomilnacipran").unwrap();
    let mut s = spec(&[]);
    s.pta = 1.5;
    assert!(matches!(
        optimize(&m, &s),
        Err(levodose::Error::Input { .. })
    ));
    let mut s = spec(&[]);
    s.doses_mg = Some(vec![-5.0]);
    assert!(matches!(
        optimize(&m, &s),
        Err(levodose::Error::Input { .. })
    ));
    let mut s = spec(&[]);
    s.comedications = vec!["aspirin".into()];
    assert!(matches!(
        optimize(&m, &s),
        Err(levodose::Error::Input { .. })
    ));
}

/// Issue 9 item 10: one spelling of each metric. Dotted and hyphenated names are aliases of the
/// canonical snake_case name, which the output prints, with a note; translate accepts the same.
#[test]
fn metric_aliases_print_the_canonical_name_with_a_note() {
    let m = builtin("levomilnacipran").unwrap();
    let canonical = optimize(&m, &spec(&["net_occupancy_trough>=0.5"])).unwrap();
    for alias in ["net_occupancy.trough>=0.5", "net-occupancy-trough>=0.5"] {
        let o = optimize(&m, &spec(&[alias])).unwrap();
        assert_eq!(o.targets, vec!["net_occupancy_trough>=0.5"]);
        assert_eq!(o.closest_dose_mg, canonical.closest_dose_mg);
        assert_eq!(
            o.recommendation.as_ref().map(|r| r.dose_mg),
            canonical.recommendation.as_ref().map(|r| r.dose_mg)
        );
        assert!(
            o.notes
                .iter()
                .any(|n| n.contains("is an alias of \"net_occupancy_trough\"")),
            "{:?}",
            o.notes
        );
        assert!(o.candidates[0]
            .target_metrics
            .contains_key("net_occupancy_trough"));
    }
    assert!(!canonical.notes.iter().any(|n| n.contains("alias")));
    use levodose::translate::Metric;
    for spelling in [
        "net-occupancy-trough",
        "net_occupancy.trough",
        "net_occupancy_trough",
    ] {
        assert_eq!(
            Metric::parse(spelling).unwrap().as_str(),
            "net_occupancy_trough"
        );
    }
}

/// Issue 9 item 9: a renal class (or a CrCl range) spreads the population over the band; the
/// label cap of the band's lowest CrCl applies to all, and the subjects' CrCl really varies (the
/// PTA differs from the population at the band's single lowest value).
#[test]
fn a_renal_class_population_is_capped_by_its_band_and_spread_over_it() {
    use levodose::population::covariates::{renal_class_band, CrclChoice};
    let m = builtin("levomilnacipran").unwrap();
    for (class, cap) in [("moderate", 80.0), ("severe", 40.0)] {
        let CrclChoice::Range { min, max } = renal_class_band(&m, class).unwrap() else {
            panic!("{class} is not a range");
        };
        let mut s = spec(&["net_occupancy.trough>=0.7"]);
        s.crcl_range_ml_per_min = Some((min, max));
        let o = optimize(&m, &s).unwrap();
        assert_eq!(o.label_cap_mg, Some(cap), "{class}");
        assert_eq!(o.crcl_range_ml_per_min, Some((min, max)));
        if let Some(r) = &o.recommendation {
            assert!(r.dose_mg <= cap, "{class}: {}", r.dose_mg);
        } else {
            assert!(o.closest_dose_mg.is_some_and(|d| d <= cap), "{class}");
        }
        assert!(o.notes.iter().any(|n| n.contains("uniform on")), "{class}");
        // The same population at the band's lowest CrCl only: different subjects' exposure.
        let mut fixed = spec(&["net_occupancy.trough>=0.7"]);
        fixed.crcl_ml_per_min = Some(min);
        let f = optimize(&m, &fixed).unwrap();
        assert_eq!(f.label_cap_mg, Some(cap));
        let spread = |o: &levodose::optimize::Optimization| {
            o.candidates.iter().map(|c| c.pta).collect::<Vec<_>>()
        };
        assert_ne!(
            spread(&o),
            spread(&f),
            "{class}: the range must not be copies of its lowest CrCl"
        );
    }
    // A value and a range together are refused.
    let mut both = spec(&[]);
    both.crcl_ml_per_min = Some(45.0);
    both.crcl_range_ml_per_min = Some((30.0, 60.0));
    assert!(optimize(&m, &both).is_err());
}
