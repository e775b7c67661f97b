//! Issue 8 item 16: user-given `[pk]` values are checked against the monograph's physiological
//! bounds, and the message states the bound actually applied (read here from the monograph).

use levodose::monograph::builtin;
use levodose::simulate::{run, Scenario};

fn scenario(pk: &str) -> Scenario {
    Scenario::from_toml_str(
        &format!("regimen = \"40mg qd\"\ndays = 3\n[pk]\n{pk}\n"),
        "t.toml",
    )
    .unwrap()
}

#[test]
fn pk_values_outside_physiological_bounds_name_the_limit() {
    let m = builtin("levomilnacipran").unwrap();
    let b = m
        .pk_bounds
        .as_ref()
        .expect("levomilnacipran has [pk_bounds]");
    for (pk, field, limit) in [
        ("ka_per_h = 1e-9", "pk.ka_per_h", b.ka_min_per_h.value),
        ("volume_l = 1e9", "pk.volume_l", b.volume_max_l.value),
        (
            "clearance_l_per_h = 1e6",
            "pk.clearance_l_per_h",
            b.clearance_max_l_per_h.value,
        ),
        ("volume_l = 0.5", "pk.volume_l", b.volume_min_l.value),
    ] {
        let e = run(&m, &scenario(pk)).unwrap_err();
        assert!(matches!(e, levodose::Error::Input { .. }), "{pk}: {e}");
        let text = e.to_string();
        assert!(text.starts_with(field), "{pk}: {text}");
        assert!(
            text.contains(&format!("the limit it crosses, {limit} ")),
            "{pk}: {text}"
        );
        assert!(!text.contains("positive finite number"), "{text}");
    }
    // values inside the bounds run
    let ok = run(
        &m,
        &scenario("ka_per_h = 0.25\nvolume_l = 420.0\nclearance_l_per_h = 25.0"),
    )
    .unwrap();
    assert!(ok.summary.last_interval.cmax_ng_per_ml > 0.0);
}

#[test]
fn every_bound_is_sourced_and_ordered() {
    let m = builtin("levomilnacipran").unwrap();
    let b = m.pk_bounds.unwrap();
    for (lo, hi) in [
        (&b.clearance_min_l_per_h, &b.clearance_max_l_per_h),
        (&b.volume_min_l, &b.volume_max_l),
        (&b.ka_min_per_h, &b.ka_max_per_h),
    ] {
        assert!(0.0 < lo.value && lo.value < hi.value);
        assert!(!lo.note.is_empty() && !hi.note.is_empty());
    }
    // the monograph's own typical values sit inside its bounds
    let h = &m.human;
    assert!(b.clearance_min_l_per_h.value < h.clearance_l_per_h.value);
    assert!(h.volume_l.value < b.volume_max_l.value && b.volume_min_l.value < h.volume_l.value);
    assert!(b.ka_min_per_h.value < h.ka_per_h.value && h.ka_per_h.value < b.ka_max_per_h.value);
}
