//! Translation to rat and mouse: allometric formula, salt ratio, exposure-matching invariants.

use levodose::monograph::builtin;
use levodose::occupancy::Basis;
use levodose::translate::species::{self, Provenance};
use levodose::translate::{
    self, AnimalRoute, Metric, Request, Schedule, Species, SpeciesPkOverride,
};

fn req(species: Species, route: AnimalRoute, metric: Metric) -> Request {
    Request {
        species,
        route,
        human_regimen: "80mg qd".into(),
        metric,
        weight_kg: None,
        basis: Basis::Ki,
        pk: SpeciesPkOverride::default(),
        weigh_salt: true,
        dose_volume_ml_per_kg: None,
    }
}

#[test]
fn allometric_parameters_follow_the_power_law() {
    let m = builtin("levomilnacipran").unwrap();
    for (sp, w) in [(Species::Rat, 0.25), (Species::Mouse, 0.025)] {
        let s = species::resolve(
            &m,
            sp,
            AnimalRoute::Ip,
            Some(w),
            Basis::Ki,
            &SpeciesPkOverride::default(),
        )
        .unwrap();
        let r = w / m.human.weight_reference_kg.value;
        assert!(
            (s.params.clearance_l_per_h - m.human.clearance_l_per_h.value * r.powf(0.75)).abs()
                < 1e-12
        );
        assert!((s.params.volume_l - m.human.volume_l.value * r).abs() < 1e-12);
        // Half-life scales as W^0.25.
        assert!((s.half_life_h / m.human.half_life_h.value - r.powf(0.25)).abs() < 0.05);
        assert_eq!(s.clearance_provenance, Provenance::Allometric);
        assert!(s
            .assumptions
            .iter()
            .any(|a| a.contains("assumed: allometric")));
    }
}

#[test]
fn measured_values_override_allometry() {
    let m = builtin("levomilnacipran").unwrap();
    let over = SpeciesPkOverride {
        clearance_l_per_h_per_kg: Some(2.0),
        volume_l_per_kg: Some(4.0),
        ..Default::default()
    };
    let s = species::resolve(
        &m,
        Species::Rat,
        AnimalRoute::Ip,
        Some(0.3),
        Basis::Ki,
        &over,
    )
    .unwrap();
    assert!((s.params.clearance_l_per_h - 0.6).abs() < 1e-12);
    assert!((s.params.volume_l - 1.2).abs() < 1e-12);
    assert!(!s.is_allometric());
}

#[test]
fn salt_dose_gives_exposure_lower_by_the_molar_mass_ratio() {
    let m = builtin("levomilnacipran").unwrap();
    let s = species::resolve(
        &m,
        Species::Rat,
        AnimalRoute::Ip,
        Some(0.25),
        Basis::Ki,
        &SpeciesPkOverride::default(),
    )
    .unwrap();
    let ctx = levodose::regimen::ResolveContext {
        weight_kg: Some(0.25),
        molar_mass_base: 246.35,
        molar_mass_salt: m.salt_molar_mass(),
        days: 3,
    };
    let times: Vec<f64> = (1..60).map(|i| i as f64 * 1.1).collect();
    let conc = |text: &str| {
        let r = levodose::regimen::parse(text, None).unwrap();
        levodose::pk::concentrations(&s.params, &r.events(&ctx).unwrap(), &times).unwrap()
    };
    let (base, salt) = (conc("15mg/kg ip qd d1-3"), conc("15mg/kg ip qd d1-3 salt"));
    for (b, s) in base.iter().zip(&salt) {
        assert!((s / b - 246.35 / 282.81).abs() < 1e-9, "{s} / {b}");
    }
}

#[test]
fn rat_ip_net_occupancy_translation() {
    let m = builtin("levomilnacipran").unwrap();
    let t = translate::translate(
        &m,
        &req(Species::Rat, AnimalRoute::Ip, Metric::NetOccupancyAverage),
    )
    .unwrap();
    // Every option reproduces the human level (the solved equation).
    for o in &t.options {
        assert!(
            (o.average - t.human_level).abs() < 1e-6,
            "{:?}",
            o.frequency
        );
        assert!(o.dose_mg_per_kg > 0.0);
    }
    // bid or minipump is recommended when once-daily trough < half of peak.
    let qd = t
        .options
        .iter()
        .find(|o| o.frequency == Schedule::Qd)
        .unwrap();
    assert!(qd.trough < 0.5 * qd.peak);
    assert!(matches!(
        t.recommended.frequency,
        Schedule::Bid | Schedule::Minipump
    ));
    assert!(t
        .findings
        .iter()
        .any(|f| f.code == "once_daily_short_half_life"));
    assert!(t
        .findings
        .iter()
        .any(|f| f.code == "allometric_assumption" && f.message.contains("assumed: allometric")));
    let w = t.test_window_h.unwrap();
    assert!(w.start < w.end && w.end <= 12.0);
    assert!(t.tmax_h.unwrap() >= w.start && t.tmax_h.unwrap() <= w.end);
    // BSA scaling: 80 mg / 60 kg x 37 / 6.
    assert!((t.bsa_scaled_dose_mg_per_kg - 80.0 / 60.0 * 37.0 / 6.0).abs() < 1e-9);
    // Salt amount = base x 282.81 / 246.35.
    let p = t.preparation.as_ref().unwrap();
    assert!(
        (p.dose_salt_mg_per_kg.unwrap() / p.dose_base_mg_per_kg - 282.81 / 246.35).abs() < 1e-12
    );
    assert!((p.injection_volume_ml - 5.0 * 0.25).abs() < 1e-12);
    assert!(
        (p.concentration_mg_per_ml * p.dose_volume_ml_per_kg - p.dose_salt_mg_per_kg.unwrap())
            .abs()
            < 1e-12
    );
}

#[test]
fn minipump_free_cavg_is_rate_over_clearance() {
    let m = builtin("levomilnacipran").unwrap();
    let t =
        translate::translate(&m, &req(Species::Mouse, AnimalRoute::Ip, Metric::FreeCavg)).unwrap();
    let pump = t
        .options
        .iter()
        .find(|o| o.frequency == Schedule::Minipump)
        .unwrap();
    // Css = F * rate / CL; free = fu * Css; rate = dose * W / 24 h (mg/h), ng/mL = 1000 mg/L.
    let s = species::resolve(
        &m,
        Species::Mouse,
        AnimalRoute::Minipump,
        None,
        Basis::Ki,
        &SpeciesPkOverride::default(),
    )
    .unwrap();
    let free =
        0.78 * pump.dose_mg_per_kg * s.weight_kg / 24.0 / s.params.clearance_l_per_h * 1000.0;
    assert!((free - t.human_level).abs() / t.human_level < 1e-6);
    // Human free Cavg at 80 mg qd = fu * 80 mg / (CL * 24 h).
    let human = 0.78 * 80.0 / (m.human.clearance_l_per_h.value * 24.0) * 1000.0;
    assert!((t.human_level - human).abs() / human < 1e-4);
    // Linear metrics: daily dose the same for every schedule with equal AUC.
    for o in &t.options {
        assert!(
            (o.daily_dose_mg_per_kg - t.options[0].daily_dose_mg_per_kg).abs()
                / o.daily_dose_mg_per_kg
                < 1e-3
                || o.frequency == Schedule::Minipump
        );
    }
}

#[test]
fn bad_inputs_name_the_field() {
    let m = builtin("levomilnacipran").unwrap();
    assert!(Species::parse("dog")
        .unwrap_err()
        .to_string()
        .contains("species"));
    assert!(Metric::parse("cmax")
        .unwrap_err()
        .to_string()
        .contains("metric"));
    let mut r = req(Species::Rat, AnimalRoute::Ip, Metric::FreeCavg);
    r.weight_kg = Some(-1.0);
    assert!(translate::translate(&m, &r)
        .unwrap_err()
        .to_string()
        .contains("weight_kg"));
}

#[test]
fn human_daily_dose_for_free_cavg_includes_bioavailability() {
    let mut m = builtin("levomilnacipran").unwrap();
    // Css,avg = F * D / (CL * 24 h); free = fu * Css,avg; ng/mL = 1000 mg/L.
    // Free Cavg of 80 mg/day with fu 0.78 and F 1: 0.78 * 80 / (CL * 24) * 1000.
    let cl = m.human.clearance_l_per_h.value;
    let free = 0.78 * 80.0 / (cl * 24.0) * 1000.0;
    let mg = translate::human_daily_mg_for_free_cavg(&m, free).unwrap();
    assert!((mg - 80.0).abs() / 80.0 < 1e-4, "{mg}");
    // Half the bioavailability: twice the oral dose for the same free Cavg.
    m.human.bioavailability_fraction.value = 0.5;
    let mg = translate::human_daily_mg_for_free_cavg(&m, free).unwrap();
    assert!((mg - 160.0).abs() / 160.0 < 1e-4, "{mg}");
}

#[test]
fn bsa_disagreement_threshold_comes_from_the_monograph() {
    let mut m = builtin("levomilnacipran").unwrap();
    let r = req(Species::Rat, AnimalRoute::Ip, Metric::NetOccupancyAverage);
    let rule = &m
        .preclinical
        .as_ref()
        .unwrap()
        .design_rules
        .bsa_disagreement_fold;
    assert_eq!(rule.value, 2.0);
    assert_eq!(rule.source, "LEVODOSE");
    let t = translate::translate(&m, &r).unwrap();
    let daily = t
        .options
        .iter()
        .find(|o| o.frequency == t.recommended.frequency)
        .unwrap()
        .daily_dose_mg_per_kg;
    let fold = (daily / t.bsa_scaled_dose_mg_per_kg).max(t.bsa_scaled_dose_mg_per_kg / daily);
    let has =
        |t: &translate::Translation| t.findings.iter().any(|f| f.code == "bsa_scaling_disagrees");
    assert_eq!(has(&t), fold > 2.0);
    // A threshold just above / below the actual fold turns the finding off / on.
    m.preclinical
        .as_mut()
        .unwrap()
        .design_rules
        .bsa_disagreement_fold
        .value = fold * 1.01;
    assert!(!has(&translate::translate(&m, &r).unwrap()));
    m.preclinical
        .as_mut()
        .unwrap()
        .design_rules
        .bsa_disagreement_fold
        .value = fold * 0.99;
    assert!(has(&translate::translate(&m, &r).unwrap()));
}

#[test]
fn zero_human_dose_is_an_input_error() {
    let m = builtin("levomilnacipran").unwrap();
    let mut r = req(Species::Rat, AnimalRoute::Ip, Metric::FreeCavg);
    r.human_regimen = "0mg qd".into();
    assert!(translate::translate(&m, &r).is_err());
}
