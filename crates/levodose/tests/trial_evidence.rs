//! Efficacy evidence: the random-effects meta-analysis by dose of every trial arm in the
//! monograph, and the one exposure-response (E_occ x NET occupancy) the trial simulator uses.

use levodose::monograph::builtin;
use levodose::trial::evidence::{fit_exposure_response, meta_by_dose};
use levodose::trial::exposure::{EffectPk, Metric};
use levodose::trial::parse;
use levodose_stats::meta::{dersimonian_laird, Study};

/// Every fixed-dose and flexible-dose trial of the monograph enters the pool of its stratum:
/// 40 and 80 mg pool ASNIS and BAKISH (the 40/80 mg trial: -3.3 and -3.1), 120 mg is ASNIS alone,
/// the flexible stratum pools SAMBUNARIS and GOMMOLL. Each pooled value lies within its arms'
/// range and equals an independent DerSimonian-Laird pool of the monograph's arm values.
#[test]
fn meta_analysis_pools_every_trial_by_dose() {
    let m = builtin("levomilnacipran").unwrap();
    let eff = m.efficacy.as_ref().unwrap();
    let pools = meta_by_dose(eff).unwrap();
    let strata: Vec<&str> = pools.iter().map(|p| p.stratum.as_str()).collect();
    assert_eq!(strata, ["40 mg", "80 mg", "120 mg", "flexible 40-120 mg"]);
    assert_eq!(pools[0].sources, ["ASNIS", "BAKISH"]);
    assert_eq!(pools[1].sources, ["ASNIS", "BAKISH"]);
    assert_eq!(pools[2].sources, ["ASNIS"]);
    assert_eq!(pools[3].sources, ["SAMBUNARIS", "GOMMOLL"]);
    for p in &pools {
        let arms: Vec<Study> = eff
            .trial_arms
            .iter()
            .filter(|a| match p.dose_mg {
                Some(d) => a.dose_mg.as_ref().is_some_and(|x| x.value == d),
                None => a.dose_mg.is_none(),
            })
            .map(|a| Study {
                label: a.trial.clone(),
                estimate: a.difference_madrs.value,
                se: a.se_madrs.value,
            })
            .collect();
        let lo = arms
            .iter()
            .map(|s| s.estimate)
            .fold(f64::INFINITY, f64::min);
        let hi = arms
            .iter()
            .map(|s| s.estimate)
            .fold(f64::NEG_INFINITY, f64::max);
        assert!((lo..=hi).contains(&p.meta.estimate), "{}", p.stratum);
        let want = dersimonian_laird(&arms, 0.95).unwrap();
        assert!((p.meta.estimate - want.estimate).abs() < 1e-12);
        assert!(p.meta.ci_lower < p.meta.estimate && p.meta.estimate < p.meta.ci_upper);
    }
    // BAKISH 40 mg (-3.3, SE 1.122) and ASNIS 40 mg (-3.23, SE 1.372) agree (Q < df): tau^2 = 0
    // and the pool is the inverse-variance mean.
    let w = [1.0 / 1.372f64.powi(2), 1.0 / 1.122f64.powi(2)];
    let fe = (w[0] * -3.23 + w[1] * -3.3) / (w[0] + w[1]);
    assert_eq!(pools[0].meta.tau2, 0.0);
    assert!((pools[0].meta.estimate - fe).abs() < 1e-12);
    assert!((pools[0].meta.se - (1.0 / (w[0] + w[1])).sqrt()).abs() < 1e-12);
}

/// One E_occ for all fixed-dose arms, fitted by weighted least squares: the weighted residuals
/// are orthogonal to occupancy (the normal equation), each arm's prediction is E_occ x its own
/// occupancy, and the 120 mg arm is not forced to reproduce itself. The 40/80 mg trial showed
/// no dose-response, and the output says so in words.
#[test]
fn one_exposure_response_fitted_to_all_arms() {
    let m = builtin("levomilnacipran").unwrap();
    let eff = m.efficacy.as_ref().unwrap();
    let pk = EffectPk::from_monograph(&m).unwrap();
    let er = fit_exposure_response(eff, &pk).unwrap();
    assert_eq!(er.arms.len(), 5, "ASNIS 40/80/120 and BAKISH 40/80");
    assert_eq!(er.excluded.len(), 2, "flexible arms are listed as excluded");
    let mut normal_eq = 0.0;
    for a in &er.arms {
        let o = pk
            .metric(&pk.typical, a.dose_mg, Metric::NetOccupancyAverage)
            .unwrap();
        assert!((a.net_occupancy_average - o).abs() < 1e-12);
        assert!((a.predicted_difference_madrs - er.e_occ_madrs * o).abs() < 1e-12);
        let w = 1.0 / (a.se_madrs.powi(2) + er.tau2);
        normal_eq += w * o * (a.observed_difference_madrs - er.e_occ_madrs * o);
    }
    assert!(normal_eq.abs() < 1e-9, "{normal_eq}");
    assert!(er.e_occ_se_madrs > 0.0 && er.e_occ_ci_madrs.0 < er.e_occ_madrs);
    let at120 = er.arms.iter().find(|a| a.dose_mg == 120.0).unwrap();
    assert!((at120.predicted_difference_madrs - -4.86).abs() > 0.1);
    assert!(!er.dose_response_shown);
    assert!(
        er.statement.starts_with("the data show no dose-response"),
        "{}",
        er.statement
    );
}

/// With arms whose differences rise steeply with dose and small SEs, the same fit reports a
/// dose-response (the verdict follows the data, it is not fixed text).
#[test]
fn steep_data_show_a_dose_response() {
    let mut m = builtin("levomilnacipran").unwrap();
    let eff = m.efficacy.as_mut().unwrap();
    for a in eff.trial_arms.iter_mut() {
        if let Some(d) = &a.dose_mg {
            a.difference_madrs.value = -0.1 * d.value;
            a.se_madrs.value = 0.2;
        }
    }
    let pk = EffectPk::from_monograph(&m).unwrap();
    let er = fit_exposure_response(m.efficacy.as_ref().unwrap(), &pk).unwrap();
    assert!(er.dose_response_shown, "{}", er.statement);
}

/// The trial JSON `assumptions` carry the pooled effects with their SE and sources, and an
/// arm without its own difference takes the pooled value at its dose.
#[test]
fn trial_defaults_come_from_the_pool() {
    let m = builtin("levomilnacipran").unwrap();
    let pools = meta_by_dose(m.efficacy.as_ref().unwrap()).unwrap();
    let d = parse(
        "[trial]\nn_per_arm = 10\n[[trial.arms]]\nname = \"placebo\"\nkind = \"placebo\"\n\
         [[trial.arms]]\nname = \"80 mg\"\nkind = \"fixed\"\ndose_mg = 80\n\
         [[trial.arms]]\nname = \"flex\"\nkind = \"flexible\"\n",
    )
    .unwrap()
    .resolve(&m)
    .unwrap();
    assert_eq!(d.arms[1].difference_madrs, pools[1].meta.estimate);
    assert_eq!(d.arms[2].difference_madrs, pools[3].meta.estimate);
    let u = d
        .assumptions
        .iter()
        .find(|u| u.name == "efficacy.meta_analysis[80 mg]")
        .expect("pooled 80 mg effect listed in assumptions");
    assert_eq!(u.source, "ASNIS, BAKISH");
    assert_eq!(u.se, Some(pools[1].meta.se));
    assert!(d
        .assumptions
        .iter()
        .any(|u| u.name == "efficacy.exposure_response.e_occ_madrs" && u.se.is_some()));
}

/// Values from the scenario file are marked `status = "user"`, never "published".
#[test]
fn user_values_have_user_status() {
    let m = builtin("levomilnacipran").unwrap();
    let d = parse(
        "[trial]\nn_per_arm = 10\ninclusion_min_madrs = 26\n[trial.outcome]\nchange_sd_madrs = [9.0]\n\
         [[trial.arms]]\nname = \"placebo\"\nkind = \"placebo\"\ndropout_fraction = 0.1\n\
         [[trial.arms]]\nname = \"80 mg\"\nkind = \"fixed\"\ndose_mg = 80\ndifference_madrs = -3.0\n",
    )
    .unwrap()
    .resolve(&m)
    .unwrap();
    let users: Vec<_> = d
        .assumptions
        .iter()
        .filter(|u| u.source == "user")
        .collect();
    assert!(users.len() >= 4, "{}", users.len());
    for u in users {
        assert_eq!(u.status.to_string(), "user", "{}", u.name);
    }
    let json = serde_json::to_string(&d.assumptions).unwrap();
    assert!(!json.contains(r#""source":"user","status":"published""#));
}
