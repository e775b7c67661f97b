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

/// The static-model inversion reproduces the observed ketoconazole AUC ratio (1.57) exactly for a
/// subject with normal renal function, and carbamazepine's 0.71.
#[test]
fn observed_interaction_ratios_are_reproduced() {
    let m = monograph::builtin("levomilnacipran").unwrap();
    let base = sim("label-titration:80", None, &[])
        .summary
        .steady_state
        .unwrap()
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
            .auc_tau_ng_h_per_ml;
        assert!(
            (auc / base - expected).abs() < 1e-9,
            "{name}: {}",
            auc / base
        );
    }
}

/// Renal impairment: the clearance model reproduces Chen 2015's AUC ratios (mild, moderate,
/// severe) within 15 %; its non-renal slope was derived from the moderate and severe groups.
#[test]
fn renal_impairment_auc_ratios_follow_chen() {
    let m = monograph::builtin("levomilnacipran").unwrap();
    let base = sim("label-titration:40", None, &[])
        .summary
        .steady_state
        .unwrap()
        .auc_tau_ng_h_per_ml;
    for g in &m.human.renal_impairment {
        let auc = sim("label-titration:40", Some(g.crcl_ml_per_min.value), &[])
            .summary
            .steady_state
            .unwrap()
            .auc_tau_ng_h_per_ml;
        let ratio = auc / base;
        assert!(
            (ratio / g.auc_ratio.value - 1.0).abs() < 0.15,
            "{}: {ratio} vs {}",
            g.group,
            g.auc_ratio.value
        );
    }
}
