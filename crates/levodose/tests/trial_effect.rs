//! Trial drug effect scaled by simulated PK (`effect = "exposure"` / `"occupancy"`) and the
//! clamp of simulated MADRS scores to the scale range.

use levodose::monograph::builtin;
use levodose::trial::exposure::{exposure_scaled_effect, EffectPk, Metric};
use levodose::trial::simulate::Prepared;
use levodose::trial::{parse, power, TrialDesign};

fn resolve(text: &str) -> TrialDesign {
    parse(text)
        .unwrap()
        .resolve(&builtin("levomilnacipran").unwrap())
        .unwrap()
}

fn example(file: &str) -> TrialDesign {
    resolve(
        &std::fs::read_to_string(format!(
            "{}/../../examples/trial/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
}

/// Placebo and fixed arms at 40, 80 and 120 mg with the given effect model, typical PK.
fn fixed_doses(effect: &str) -> TrialDesign {
    let mut text = String::from(
        "[trial]\nn_per_arm = 10\n[[trial.arms]]\nname = \"placebo\"\nkind = \"placebo\"\n",
    );
    for dose in [40, 80, 120] {
        text += &format!(
            "[[trial.arms]]\nname = \"{dose} mg\"\nkind = \"fixed\"\ndose_mg = {dose}\neffect = \"{effect}\"\npk_variability = false\n"
        );
    }
    text += "[[trial.arms]]\nname = \"flexible\"\nkind = \"flexible\"\n";
    text += &format!("effect = \"{effect}\"\npk_variability = false\n");
    resolve(&text)
}

/// Exposure arms: the typical subject gets its dose's pooled difference (scaling by Cavg_i /
/// Cavg_typical is 1). Occupancy arms: one exposure-response for every arm and dose, fixed or
/// flexible: difference = E_occ x the typical occupancy at the dose, with the E_occ fitted to all
/// trial arms (no per-dose value that reproduces itself).
#[test]
fn typical_subject_follows_pool_and_single_exposure_response() {
    let d = fixed_doses("exposure");
    let pk = d.pk.clone().expect("PK resolved for a PK-scaled arm");
    let prep = Prepared::new(d.clone()).unwrap();
    for (i, pool) in d.evidence_by_dose.iter().take(3).enumerate() {
        let arm = &d.arms[i + 1];
        assert_eq!(Some(arm.dose_mg), pool.dose_mg);
        let got = prep.scaled_effect(arm, &pk.typical, arm.dose_mg).unwrap();
        assert!((got - pool.meta.estimate).abs() < 1e-12, "{got}");
    }
    let d = fixed_doses("occupancy");
    let pk = d.pk.clone().unwrap();
    let er = d.exposure_response.clone().unwrap();
    let prep = Prepared::new(d.clone()).unwrap();
    for dose in [40.0, 80.0, 120.0] {
        let o = pk
            .metric(&pk.typical, dose, Metric::NetOccupancyAverage)
            .unwrap();
        let want = er.e_occ_madrs * o;
        let arm = d.arms.iter().find(|a| a.dose_mg == dose).unwrap();
        for a in [arm, &d.arms[4]] {
            assert_eq!(a.difference_at_full_occupancy_madrs, Some(er.e_occ_madrs));
            let got = prep.scaled_effect(a, &pk.typical, dose).unwrap();
            assert!((got - want).abs() < 1e-12, "{dose} mg: {got} vs {want}");
        }
    }
}

/// Cavg = F D / (CL tau): a subject with doubled clearance has half the exposure-scaled effect.
#[test]
fn doubled_clearance_halves_exposure_effect() {
    let m = builtin("levomilnacipran").unwrap();
    let pk = EffectPk::from_monograph(&m).unwrap();
    let mut fast = pk.typical;
    fast.clearance_l_per_h *= 2.0;
    let typical = pk.metric(&pk.typical, 80.0, Metric::Cavg).unwrap();
    let subject = pk.metric(&fast, 80.0, Metric::Cavg).unwrap();
    assert!(
        (typical - 80.0 / (23.1 * 24.0) * 1000.0).abs() < 1e-6,
        "{typical}"
    );
    let e = exposure_scaled_effect(-3.99, subject, typical);
    assert!((e - -3.99 / 2.0).abs() < 1e-9, "{e}");
    // The same through an exposure arm of a design (its pooled 80 mg difference, halved).
    let d = fixed_doses("exposure");
    let prep = Prepared::new(d.clone()).unwrap();
    let e = prep.scaled_effect(&d.arms[2], &fast, 80.0).unwrap();
    let half = d.arms[2].difference_madrs / 2.0;
    assert!((e - half).abs() < 1e-9, "{e} vs {half}");
}

/// The DerSimonian-Laird pool of the monograph's published placebo-controlled arms at `dose_mg`
/// (each arm's LS-mean difference and SE as the trial reported them), written out here from the
/// published figures rather than taken from the design the library resolved.
fn published_pool_at(dose_mg: f64) -> f64 {
    let m = builtin("levomilnacipran").unwrap();
    let arms: Vec<(f64, f64)> = m
        .efficacy
        .as_ref()
        .unwrap()
        .trial_arms
        .iter()
        .filter(|a| a.dose_mg.as_ref().is_some_and(|d| d.value == dose_mg))
        .map(|a| (a.difference_madrs.value, a.se_madrs.value.powi(2)))
        .collect();
    assert!(
        arms.len() >= 2,
        "{dose_mg} mg: {} published arms",
        arms.len()
    );
    let w: Vec<f64> = arms.iter().map(|a| 1.0 / a.1).collect();
    let sw: f64 = w.iter().sum();
    let fixed = arms.iter().zip(&w).map(|(a, w)| w * a.0).sum::<f64>() / sw;
    let q: f64 = arms
        .iter()
        .zip(&w)
        .map(|(a, w)| w * (a.0 - fixed).powi(2))
        .sum();
    let c = sw - w.iter().map(|w| w * w).sum::<f64>() / sw;
    let tau2 = ((q - (arms.len() - 1) as f64) / c).max(0.0);
    let w: Vec<f64> = arms.iter().map(|a| 1.0 / (a.1 + tau2)).collect();
    arms.iter().zip(&w).map(|(a, w)| w * a.0).sum::<f64>() / w.iter().sum::<f64>()
}

/// Without PK variability, `effect = "exposure"` at 80 mg gives the published 80 mg effect (the
/// pool of the monograph's 80 mg trial arms, ASNIS and BAKISH) as the mean MMRM difference over
/// replicates (within 4 Monte Carlo SE).
#[test]
fn exposure_effect_without_variability_reproduces_published_mean() {
    let d = resolve(
        r#"
[trial]
n_per_arm = 200
visit_weeks = [8]
primary_week = 8
[trial.outcome]
change_sd_madrs = [10.0]
clamp_to_scale = false
[[trial.arms]]
name = "placebo"
kind = "placebo"
dropout_fraction = 0.0
[[trial.arms]]
name = "80 mg"
kind = "fixed"
dose_mg = 80
effect = "exposure"
pk_variability = false
dropout_fraction = 0.0
[trial.analysis]
baseline_covariate = false
"#,
    );
    let reps = 1000;
    let res = power::run(&d, reps, 11, &|| {}).unwrap();
    assert_eq!(res.failed_fits, 0);
    let arm = &res.arms[1];
    let mean = arm.mean_difference_madrs.unwrap();
    let mc_se = arm.sd_difference_madrs.unwrap() / (reps as f64).sqrt();
    let want = published_pool_at(80.0);
    // The design's default for the arm is that published pool.
    assert!(
        (d.arms[1].difference_madrs - want).abs() < 1e-12,
        "{} vs {want}",
        d.arms[1].difference_madrs
    );
    assert!(
        (mean - want).abs() < 4.0 * mc_se,
        "mean {mean} vs {want} (MC SE {mc_se})"
    );
}

/// Scores at screening, baseline and every visit stay within MADRS 0-60, the clamp is active (some
/// scores sit at 0), and without it some simulated scores fall below 0.
#[test]
fn scores_stay_within_scale() {
    let d = example("madrs_exposure.toml");
    assert!(d.clamp_to_scale);
    assert_eq!((d.scale_min_madrs, d.scale_max_madrs), (0.0, 60.0));
    let prep = Prepared::new(d.clone()).unwrap();
    let (mut at_zero, mut n) = (0, 0);
    for r in 0..4 {
        let sim = prep.simulate(&mut power::stream(5, r)).unwrap();
        for s in &sim.subjects {
            assert!((0.0..=60.0).contains(&s.baseline_madrs));
            for y in s.change_madrs.iter().flatten() {
                let score = s.baseline_madrs + y;
                assert!((-1e-9..=60.0 + 1e-9).contains(&score), "score {score}");
                at_zero += usize::from(score.abs() < 1e-9);
                n += 1;
            }
        }
    }
    assert!(n > 1000 && at_zero > 0, "{at_zero} of {n} at 0");
    let mut open = d;
    open.clamp_to_scale = false;
    let sim = Prepared::new(open)
        .unwrap()
        .simulate(&mut power::stream(5, 0))
        .unwrap();
    assert!(sim.subjects.iter().any(|s| s
        .change_madrs
        .iter()
        .flatten()
        .any(|y| s.baseline_madrs + y < 0.0)));
}

/// With PK variability, subjects differ in clearance and effect; effect x CL is constant in an
/// exposure arm at a fixed dose (Cavg = D / (CL tau)).
#[test]
fn pk_variability_spreads_exposure_effect() {
    let d = example("madrs_exposure.toml");
    let prep = Prepared::new(d.clone()).unwrap();
    let sim = prep.simulate(&mut power::stream(9, 0)).unwrap();
    let typical_cl = d.pk.as_ref().unwrap().typical.clearance_l_per_h;
    let arm80: Vec<_> = sim.subjects.iter().filter(|s| s.arm == 1).collect();
    let cls: Vec<f64> = arm80.iter().map(|s| s.clearance_l_per_h.unwrap()).collect();
    let spread =
        cls.iter().cloned().fold(f64::MIN, f64::max) / cls.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread > 1.5, "CL spread {spread}");
    for s in &arm80 {
        let Some(e) = s.effect_madrs.iter().flatten().next() else {
            continue; // dropped out before the first visit
        };
        let cl = s.clearance_l_per_h.unwrap();
        let want = d.arms[1].difference_madrs;
        assert!((e * cl / typical_cl - want).abs() < 1e-9, "{e} at CL {cl}");
    }
    // Placebo subjects draw no PK.
    assert!(sim
        .subjects
        .iter()
        .filter(|s| s.arm == 0)
        .all(|s| s.clearance_l_per_h.is_none()));
}

fn json_with_threads(d: &TrialDesign, threads: usize) -> String {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| serde_json::to_string(&power::run(d, 12, 99, &|| {}).unwrap()).unwrap())
}

#[test]
fn pk_scaled_trial_identical_with_one_or_two_threads() {
    let d = example("madrs_exposure.toml");
    let d = power::with_n_per_arm(&d, 30, &[1.0; 4]);
    assert_eq!(json_with_threads(&d, 1), json_with_threads(&d, 2));
}

/// MADRS inputs are checked against the monograph's scale range (`efficacy.scale_min_score`,
/// `scale_max_score`), not a fixed 0-60: narrowing the range rejects values that 0-60 allows.
#[test]
fn madrs_inputs_are_checked_against_the_monograph_scale() {
    let base = "[trial]\nn_per_arm = 10\n[[trial.arms]]\nname = \"placebo\"\nkind = \"placebo\"\n\
                [[trial.arms]]\nname = \"active\"\nkind = \"fixed\"\ndose_mg = 80\n";
    let mut m = builtin("levomilnacipran").unwrap();
    let eff = m.efficacy.as_mut().unwrap();
    eff.scale_min_score.as_mut().unwrap().value = 10.0;
    eff.scale_max_score.as_mut().unwrap().value = 40.0;
    let cases = [
        ("inclusion_min_madrs = 45\n", "trial.inclusion_min_madrs"),
        ("inclusion_min_madrs = 5\n", "trial.inclusion_min_madrs"),
        (
            "[trial.run_in]\nscreening_mean_madrs = 50\n",
            "trial.run_in.screening_mean_madrs",
        ),
        (
            "[trial.outcome]\nplacebo_change_madrs = -35\n",
            "trial.outcome.placebo_change_madrs",
        ),
    ];
    for (extra, field) in cases {
        let text = if extra.starts_with('[') {
            format!("{base}{extra}")
        } else {
            base.replacen("n_per_arm = 10\n", &format!("n_per_arm = 10\n{extra}"), 1)
        };
        let s = parse(&text).unwrap();
        assert!(
            s.resolve(&builtin("levomilnacipran").unwrap()).is_ok(),
            "{field}"
        );
        let e = s.resolve(&m).unwrap_err().to_string();
        assert!(e.contains(field), "{field}: {e}");
    }
    let diff = base.to_string() + "difference_madrs = -35\n";
    let s = parse(&diff).unwrap();
    assert!(s.resolve(&builtin("levomilnacipran").unwrap()).is_ok());
    let e = s.resolve(&m).unwrap_err().to_string();
    assert!(e.contains("trial.arms[1].difference_madrs"), "{e}");
}
