//! Label findings and special populations, checked against the label and published ratios.

use levodose::monograph;
use levodose::simulate::{run, Scenario};
use levodose::subject::Subject;
use levodose::Severity;

fn sim(regimen: &str, crcl: Option<f64>, comeds: &[&str]) -> levodose::simulate::Simulation {
    let m = monograph::builtin("levomilnacipran").unwrap();
    let sc = Scenario {
        regimen: regimen.into(),
        days: 14,
        subject: Subject {
            crcl_ml_per_min: crcl,
            comedications: comeds.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        },
        ..Scenario::default()
    };
    run(&m, &sc).unwrap()
}

fn codes(s: &levodose::simulate::Simulation) -> Vec<(String, Severity)> {
    s.findings
        .iter()
        .map(|f| (f.code.clone(), f.severity))
        .collect()
}

#[test]
fn caps_and_contraindications_produce_findings() {
    let keto = sim("120mg qd", None, &["ketoconazole"]);
    assert!(codes(&keto).contains(&("cyp3a4_inhibitor_cap_exceeded".into(), Severity::Error)));
    let ok80 = sim("label-titration:80", None, &["ketoconazole"]);
    assert!(ok80.findings.is_empty(), "{:?}", ok80.findings);
    let renal = sim("80mg qd", Some(20.0), &[]);
    assert!(codes(&renal).contains(&("renal_cap_exceeded".into(), Severity::Error)));
    assert!(codes(&sim("label-titration:80", Some(45.0), &[])).is_empty());
    assert!(codes(&sim("label-titration:120", Some(45.0), &[]))
        .iter()
        .any(|c| c.0 == "renal_cap_exceeded"));
    assert!(codes(&sim("label-titration:40", Some(10.0), &[]))
        .contains(&("renal_not_recommended".into(), Severity::Error)));
    let maoi = sim("label-titration", None, &["phenelzine"]);
    assert!(codes(&maoi).contains(&("maoi_contraindicated".into(), Severity::Error)));
    assert!(maoi.findings.iter().any(|f| f.message.contains("14 days")));
    assert!(codes(&sim("160mg qd", None, &[]))
        .contains(&("dose_above_label_max".into(), Severity::Error)));
}

#[test]
fn titration_pace_start_and_taper() {
    let fast = sim("20mg qd d1-2; 40mg qd d3; 120mg qd d4-", None, &[]);
    let c = codes(&fast);
    assert!(c.iter().any(|x| x.0 == "titration_too_fast"));
    assert!(c.iter().any(|x| x.0 == "titration_step_too_large"));
    assert!(codes(&sim("40mg qd", None, &[]))
        .iter()
        .any(|x| x.0 == "start_above_label"));
    assert!(codes(&sim("20mg qd d1-2; 40mg qd d3-10", None, &[]))
        .iter()
        .any(|x| x.0 == "stopped_without_taper"));
    assert!(sim("label-titration", None, &[]).findings.is_empty());
}

/// Calibration check (these ratios calibrate the model): the class model reproduces the observed
/// ketoconazole (1.57, fm) and carbamazepine (0.71, strong-inducer r) AUC ratios in the simulated
/// steady state, to the 4-digit rounding of fm and r in the monograph.
#[test]
fn calibration_check_observed_interaction_ratios() {
    let m = monograph::builtin("levomilnacipran").unwrap();
    let base = sim("label-titration:80", None, &[])
        .summary
        .steady_state
        .unwrap()
        .metrics
        .auc_tau_ng_h_per_ml;
    for name in ["ketoconazole", "carbamazepine"] {
        let c = m
            .interactions
            .as_ref()
            .unwrap()
            .comedications
            .iter()
            .find(|c| c.name == name)
            .unwrap();
        let expected = c.observed_auc_ratio.as_ref().unwrap().value;
        let auc = sim("label-titration:80", None, &[name])
            .summary
            .steady_state
            .unwrap()
            .metrics
            .auc_tau_ng_h_per_ml;
        assert!(
            (auc / base - expected).abs() < 1e-3,
            "{name}: {}",
            auc / base
        );
    }
}

fn sim_days(
    regimen: &str,
    days: u32,
    crcl: Option<f64>,
    comeds: &[&str],
) -> levodose::simulate::Simulation {
    let m = monograph::builtin("levomilnacipran").unwrap();
    let sc = Scenario {
        regimen: regimen.into(),
        days,
        step_h: 0.5,
        subject: Subject {
            crcl_ml_per_min: crcl,
            comedications: comeds.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        },
        ..Scenario::default()
    };
    run(&m, &sc).unwrap()
}

fn finding<'a>(s: &'a levodose::simulate::Simulation, code: &str) -> Vec<&'a str> {
    s.findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| f.message.as_str())
        .collect()
}

/// Issue 8 item 1: the label maximum and the strong-inhibitor cap apply to a middle segment,
/// and the finding names it.
#[test]
fn caps_apply_to_every_segment_and_name_it() {
    let s = sim_days(
        "20mg qd d1-2; 40mg qd d3-4; 200mg qd d5-30; 40mg qd d31-",
        40,
        None,
        &["ketoconazole"],
    );
    let max = finding(&s, "dose_above_label_max");
    assert_eq!(max.len(), 1, "{:?}", s.findings);
    assert!(max[0].contains("200mg po qd d5-30"), "{}", max[0]);
    let cyp = finding(&s, "cyp3a4_inhibitor_cap_exceeded");
    assert_eq!(cyp.len(), 1, "{:?}", s.findings);
    assert!(cyp[0].contains("200mg po qd d5-30"), "{}", cyp[0]);
}

/// Issue 8 item 1: the renal cap applies to the 120 mg middle segment, and stepping down to
/// 40 mg before stopping is a taper, not "stopped without taper".
#[test]
fn renal_cap_on_middle_segment_and_step_down_is_a_taper() {
    let s = sim_days(
        "20mg qd d1-2; 40mg qd d3-4; 80mg qd d5-6; 120mg qd d7-30; 40mg qd d31-35",
        35,
        Some(45.0),
        &[],
    );
    let renal = finding(&s, "renal_cap_exceeded");
    assert_eq!(renal.len(), 1, "{:?}", s.findings);
    assert!(renal[0].contains("120mg po qd d7-30"), "{}", renal[0]);
    assert!(
        finding(&s, "stopped_without_taper").is_empty(),
        "{:?}",
        s.findings
    );
}

/// Issue 9 item 8: a patient at steady state on 120 mg who starts ketoconazole on day 8 gets the
/// cap finding with the capped dose and the day, and no start_above_label.
#[test]
fn inhibitor_from_day_8_suggests_the_capped_dose() {
    let s = sim_days("120mg qd ss", 20, None, &["ketoconazole d8-"]);
    let cyp = finding(&s, "cyp3a4_inhibitor_cap_exceeded");
    assert_eq!(cyp.len(), 1, "{:?}", s.findings);
    assert!(cyp[0].contains("reduce to 80 mg from day 8"), "{}", cyp[0]);
    assert!(
        finding(&s, "start_above_label").is_empty(),
        "{:?}",
        s.findings
    );
    // Inhibitor stopped before the dose starts: no cap.
    let before = sim_days(
        "20mg qd d1-2; 40mg qd d3-",
        10,
        None,
        &["ketoconazole d1-2"],
    );
    assert!(finding(&before, "cyp3a4_inhibitor_cap_exceeded").is_empty());
}

/// Issue 8 item 2: every strong inhibitor predicts the ketoconazole ratio (never less than the
/// index inhibitor fm was calibrated on); calibration checks for ketoconazole and carbamazepine;
/// rifampin-class inducers stronger than carbamazepine; output says observed vs predicted.
#[test]
fn one_cyp3a4_model_by_class() {
    let m = monograph::builtin("levomilnacipran").unwrap();
    let all = |names: &[&str]| {
        levodose::interactions::resolve(
            &m,
            &names.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
        .unwrap()
    };
    let keto_observed = all(&["ketoconazole"])[0].observed_auc_ratio.unwrap();
    assert_eq!(keto_observed, 1.57);
    for c in all(&["ketoconazole", "itraconazole", "clarithromycin"]) {
        let p = c.predicted_auc_ratio.unwrap();
        assert!((p - keto_observed).abs() < 1e-3, "{}: {p}", c.name);
        assert!(c.basis.contains("predicted AUC ratio"), "{}", c.basis);
    }
    assert!(all(&["ketoconazole"])[0]
        .basis
        .contains("observed AUC ratio 1.57"));
    assert!(all(&["itraconazole"])[0].basis.contains("not observed"));
    // Calibration check: the strong-inducer class reproduces carbamazepine's observed 0.71.
    let carb = &all(&["carbamazepine"])[0];
    assert!((carb.predicted_auc_ratio.unwrap() - carb.observed_auc_ratio.unwrap()).abs() < 1e-3);
    let rif = all(&["rifampin"])[0].predicted_auc_ratio.unwrap();
    assert!(rif < carb.predicted_auc_ratio.unwrap(), "rifampin {rif}");
    // Moderate inhibitors sit between no interaction and the strong class.
    for c in all(&["fluconazole", "diltiazem", "erythromycin", "verapamil"]) {
        let p = c.predicted_auc_ratio.unwrap();
        assert!(p > 1.0 && p < keto_observed, "{}: {p}", c.name);
    }
    // The simulated exposure follows the class prediction.
    let base = sim("label-titration:80", None, &[])
        .summary
        .steady_state
        .unwrap()
        .metrics
        .auc_tau_ng_h_per_ml;
    let itra = sim("label-titration:80", None, &["itraconazole"])
        .summary
        .steady_state
        .unwrap()
        .metrics
        .auc_tau_ng_h_per_ml;
    assert!(
        (itra / base - keto_observed).abs() < 1e-3,
        "{}",
        itra / base
    );
}

/// Issue 8 item 3: alcohol is a co-medication with the ER dose-dumping finding and its source.
#[test]
fn alcohol_warns_of_dose_dumping() {
    let s = sim("label-titration:80", None, &["alcohol"]);
    let f: Vec<_> = s
        .findings
        .iter()
        .filter(|f| f.code == "alcohol_dose_dumping")
        .collect();
    assert_eq!(f.len(), 1, "{:?}", s.findings);
    assert_eq!(f[0].source, "LABEL");
    assert!(f[0].message.contains("dose dumping"), "{}", f[0].message);
    assert_eq!(s.parameters.clearance_factor, 1.0);
}

/// Issue 8 item 4: renal impairment with a strong inhibitor was never studied and its predicted
/// exposure exceeds every studied condition.
#[test]
fn renal_impairment_with_strong_inhibitor_is_flagged() {
    let s = sim("label-titration:80", Some(45.0), &["ketoconazole"]);
    let f = finding(&s, "renal_and_strong_inhibitor_not_studied");
    assert_eq!(f.len(), 1, "{:?}", s.findings);
    assert!(
        f[0].contains("not studied") && f[0].contains("above every studied condition"),
        "{}",
        f[0]
    );
    assert!(finding(
        &sim("label-titration:80", Some(45.0), &[]),
        "renal_and_strong_inhibitor_not_studied"
    )
    .is_empty());
    assert!(finding(
        &sim("label-titration:80", None, &["ketoconazole"]),
        "renal_and_strong_inhibitor_not_studied"
    )
    .is_empty());
}

/// Issue 8 item 5 acceptance: each CHEN-RENAL group's AUC ratio within 10 % and its half-life
/// ratio to normal within 15 %, observed values read from the monograph.
#[test]
fn renal_groups_auc_and_half_life_follow_chen() {
    let m = monograph::builtin("levomilnacipran").unwrap();
    let normal = sim("label-titration:40", None, &[]);
    let base_auc = normal
        .summary
        .steady_state
        .as_ref()
        .unwrap()
        .metrics
        .auc_tau_ng_h_per_ml;
    let base_t = normal.parameters.half_life_h;
    assert_eq!(m.human.renal_impairment.len(), 3);
    for g in &m.human.renal_impairment {
        let s = sim("label-titration:40", Some(g.crcl_ml_per_min.value), &[]);
        let auc = s
            .summary
            .steady_state
            .as_ref()
            .unwrap()
            .metrics
            .auc_tau_ng_h_per_ml
            / base_auc;
        let t = s.parameters.half_life_h / base_t;
        let obs_t = g
            .half_life_ratio
            .as_ref()
            .expect("half_life_ratio in the monograph")
            .value;
        println!(
            "{}: AUC ratio {auc:.3} (obs {}), t1/2 ratio {t:.3} (obs {obs_t})",
            g.group, g.auc_ratio.value
        );
        assert!(
            (auc / g.auc_ratio.value - 1.0).abs() < 0.10,
            "{}: AUC {auc}",
            g.group
        );
        assert!((t / obs_t - 1.0).abs() < 0.15, "{}: t1/2 {t}", g.group);
    }
    // Non-renal clearance is not lowered at CrCl 60-100 (issue 8 item 5).
    for c in [60.0, 80.0, 100.0] {
        assert!(
            levodose::subject::nonrenal_factor(&m, Some(c)) > 0.99,
            "CrCl {c}"
        );
    }
}

/// Issue 8 item 20: validation against data not used in fitting (CHEN-RENAL normal group,
/// single 40 mg dose): Cmax within 10 %. AUC0-inf is printed: it differs from the label-derived
/// CL/F by about 18 % (between-study difference, not tuned away).
#[test]
fn validation_single_40mg_dose_chen_normal_group() {
    let m = monograph::builtin("levomilnacipran").unwrap();
    let check = m.human.single_dose_check.as_ref().unwrap();
    let dose = check.dose_mg.value;
    let s = sim_days(&format!("{dose}mg once"), 4, None, &[]);
    let cmax = s
        .profile
        .iter()
        .map(|p| p.conc_ng_per_ml)
        .fold(0.0, f64::max);
    let auc_inf = dose / s.parameters.clearance_l_per_h * 1000.0;
    println!(
        "single {dose} mg: Cmax {cmax:.1} vs {} ng/mL; AUC0-inf {auc_inf:.0} vs {} ng*h/mL ({:+.1} %)",
        check.cmax_ng_per_ml.value,
        check.auc_inf_ng_h_per_ml.value,
        (auc_inf / check.auc_inf_ng_h_per_ml.value - 1.0) * 100.0
    );
    assert!(
        (cmax / check.cmax_ng_per_ml.value - 1.0).abs() < 0.10,
        "Cmax {cmax}"
    );
}
