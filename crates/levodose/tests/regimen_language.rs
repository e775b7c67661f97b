//! The regimen language: examples from the README ("The regimen language"), errors, label titration, and property tests
//! (no input makes the parser panic; parse(print(r)) == r).

use levodose::regimen::{
    parse, Amount, DayRange, Frequency, Regimen, ResolveContext, Route, Segment, TitrationRule,
};
use proptest::prelude::*;

fn rule() -> TitrationRule {
    let m = levodose::monograph::builtin("levomilnacipran").unwrap();
    TitrationRule::from_label(m.label.as_ref().unwrap())
}

#[test]
fn design_examples_parse() {
    for text in [
        "label-titration",
        "40mg qd",
        "20mg qd d1-2; 40mg qd d3-7; 80mg qd d8-",
        "40mg once",
        "10mg/kg ip bid d1-14",
        "15mg/kg ip qd d1-14 salt",
        "100mg iv over 2h q12h d1-3",
        "40 mg po tid d2",
    ] {
        let r = parse(text, Some(&rule())).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(parse(&r.to_string(), None).unwrap(), r, "{text}");
    }
}

#[test]
fn label_titration_starts_20_20_40_and_reaches_target() {
    let r = parse("label-titration", Some(&rule())).unwrap();
    let ctx = ResolveContext {
        weight_kg: None,
        molar_mass_base: 246.35,
        molar_mass_salt: Some(282.81),
        days: 10,
    };
    let mg: Vec<f64> = r
        .events(&ctx)
        .unwrap()
        .iter()
        .map(|e| e.amount_mg)
        .collect();
    assert_eq!(&mg[..3], &[20.0, 20.0, 40.0]);
    assert_eq!(
        r.to_string(),
        "20mg po qd d1-2; 40mg po qd d3-4; 80mg po qd d5-6; 120mg po qd d7-"
    );
    let r80 = parse("label-titration:80", Some(&rule())).unwrap();
    assert_eq!(
        r80.to_string(),
        "20mg po qd d1-2; 40mg po qd d3-4; 80mg po qd d5-"
    );
    assert!(parse("label-titration:200", Some(&rule())).is_err());
}

#[test]
fn salt_is_converted_by_molar_mass() {
    let ctx = ResolveContext {
        weight_kg: Some(0.3),
        molar_mass_base: 246.35,
        molar_mass_salt: Some(282.81),
        days: 1,
    };
    let base = parse("10mg/kg ip once", None)
        .unwrap()
        .events(&ctx)
        .unwrap()[0]
        .amount_mg;
    let salt = parse("10mg/kg ip once salt", None)
        .unwrap()
        .events(&ctx)
        .unwrap()[0]
        .amount_mg;
    assert!((base - 3.0).abs() < 1e-12);
    assert!((salt / base - 246.35 / 282.81).abs() < 1e-12);
}

#[test]
fn errors_name_the_segment_and_expectation() {
    for (text, needle) in [
        ("40mgg qd", "40mgg"),
        ("40mg qd; 80mg sometimes", "sometimes"),
        ("0mg qd", "above 0"),
        ("40mg qd d5-2", "end"),
        ("40mg po over 2h", "only with route iv"),
        ("40mg qd qd", "once only"),
        ("", "regimen"),
    ] {
        let e = parse(text, None).unwrap_err().to_string();
        assert!(e.contains(needle), "{text}: {e}");
    }
}

fn arb_segment() -> impl Strategy<Value = Segment> {
    (
        prop_oneof![
            (1u32..100_000).prop_map(|x| Amount::Mg(x as f64 / 4.0)),
            (1u32..8000).prop_map(|x| Amount::MgPerKg(x as f64 / 4.0))
        ],
        prop_oneof![Just(Route::Po), Just(Route::Ip), Just(Route::Iv)],
        prop_oneof![
            Just(Frequency::Once),
            Just(Frequency::EveryHours(24.0)),
            Just(Frequency::EveryHours(12.0)),
            Just(Frequency::EveryHours(8.0)),
            (1u32..200).prop_map(|h| Frequency::EveryHours(h as f64))
        ],
        1u32..400,
        proptest::option::of(0u32..400),
        any::<bool>(),
        proptest::option::of(1u32..8),
    )
        .prop_map(|(amount, route, frequency, start, len, salt, inf)| {
            let infusion_h = if route == Route::Iv {
                inf.map(|h| (h as f64).min(frequency.tau_h().unwrap_or(672.0)))
            } else {
                None
            };
            Segment {
                amount,
                route,
                infusion_h,
                frequency,
                days: DayRange {
                    start,
                    end: len.map(|l| start + l),
                },
                salt,
                steady_state: false,
            }
        })
}

proptest! {
    #[test]
    fn parser_never_panics(s in "\\PC{0,60}") {
        let _ = parse(&s, Some(&rule()));
    }

    #[test]
    fn parser_never_panics_on_near_misses(s in "(label-titration(:[0-9]{0,4})?|[0-9]{0,6}(\\.[0-9]{0,3})?(mg|mg/kg|g)?( (po|ip|iv|over|[0-9]+h|once|qd|bid|tid|q[0-9]{0,3}h|d[0-9]{0,5}(-[0-9]{0,5})?|salt|x))*)(; ?[0-9]{1,4}mg( qd| d[0-9]{1,3}-)?)*") {
        let _ = parse(&s, Some(&rule()));
    }

    #[test]
    fn print_then_parse_round_trips(segments in proptest::collection::vec(arb_segment(), 1..5)) {
        let r = Regimen { segments };
        let printed = r.to_string();
        prop_assert_eq!(parse(&printed, None).unwrap(), r);
    }
}
