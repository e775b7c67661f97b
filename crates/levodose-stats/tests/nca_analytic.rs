//! NCA on exact one-compartment profiles (textbook results), BLQ rules, partial AUCs, steady state,
//! non-estimable lambda_z, data errors and sparse sampling against published numbers.

use levodose_stats::nca::sparse::{sparse_auc, trapezoid_weights, SparseSample};
use levodose_stats::nca::{analyze_subject, AucMethod, NcaError, Profile, Route, Sample, Settings};

const DOSE: f64 = 100.0;
const CL: f64 = 5.0;
const V: f64 = 25.0;

fn k() -> f64 {
    CL / V
}

fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}

/// C = Dose/V exp(-k t) at 0.5, 1, 2, 4, 6, 8, 12, 16, 24 h.
fn bolus_profile() -> Profile {
    let t = vec![0.5, 1.0, 2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0];
    let c = t.iter().map(|&t| DOSE / V * (-k() * t).exp()).collect();
    Profile::new("bolus", t, c, DOSE).unwrap()
}

#[test]
fn bolus_exact_exponential_gives_textbook_values_with_log_down() {
    let s = Settings::new(Route::IvBolus, AucMethod::LinearUpLogDown);
    let p = analyze_subject(&bolus_profile(), &s).unwrap().parameters;
    // Log trapezoids are exact for a mono-exponential, and so is the back-extrapolated C0.
    assert!(rel(p.c0.unwrap(), DOSE / V) < 1e-12);
    assert!(rel(p.lambda_z.unwrap(), k()) < 1e-12);
    assert!(rel(p.aucinf_obs.unwrap(), DOSE / CL) < 1e-12);
    assert!(rel(p.cl_obs.unwrap(), CL) < 1e-12);
    assert!(rel(p.vz_obs.unwrap(), V) < 1e-12);
    assert!(rel(p.vss_obs.unwrap(), V) < 1e-12);
    assert!(rel(p.mrtinf_obs.unwrap(), 1.0 / k()) < 1e-12);
    assert!(rel(p.half_life.unwrap(), std::f64::consts::LN_2 / k()) < 1e-12);
    // every positive sample lies on the line: the best fit uses all 9 (more points within 1e-4)
    assert_eq!(p.lambda_z_n_points, Some(9));
    assert!(rel(p.r_squared_adjusted.unwrap(), 1.0) < 1e-12);
    // AUC(0, 0.5) / AUCINF = 1 - exp(-0.5 k)
    assert!(
        rel(
            p.auc_pct_back_extrap_obs.unwrap(),
            100.0 * (1.0 - (-0.5 * k()).exp())
        ) < 1e-10
    );
}

#[test]
fn bolus_partial_auc_is_exact_inside_and_beyond_the_samples() {
    let mut s = Settings::new(Route::IvBolus, AucMethod::LinearUpLogDown);
    s.auc_intervals = vec![(0.0, 24.0), (1.5, 3.0), (20.0, 48.0)];
    let r = analyze_subject(&bolus_profile(), &s).unwrap();
    let exact = |a: f64, b: f64| DOSE / CL * ((-k() * a).exp() - (-k() * b).exp());
    for iv in &r.auc_intervals {
        assert!(
            rel(iv.auc.unwrap(), exact(iv.start, iv.end)) < 1e-12,
            "{}-{}",
            iv.start,
            iv.end
        );
    }
}

#[test]
fn infusion_gives_textbook_values_up_to_the_rising_trapezoid() {
    let dur = 0.25;
    let rate = DOSE / dur;
    let k = k();
    let conc = |t: f64| {
        if t <= dur {
            rate / CL * (1.0 - (-k * t).exp())
        } else {
            rate / CL * (1.0 - (-k * dur).exp()) * (-k * (t - dur)).exp()
        }
    };
    let t = vec![0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 12.0, 24.0];
    let c: Vec<f64> = t.iter().map(|&t| conc(t)).collect();
    let c_end = c[1];
    let prof = Profile::new("inf", t, c, DOSE).unwrap();
    let s = Settings::new(
        Route::IvInfusion { duration_h: dur },
        AucMethod::LinearUpLogDown,
    );
    let p = analyze_subject(&prof, &s).unwrap().parameters;
    // Exact integrals of the rising part, and what the linear trapezoid gives there instead.
    let a = rate / CL;
    let auc_rise = a * (dur - (1.0 - (-k * dur).exp()) / k);
    let aumc_rise = a * (dur * dur / 2.0 - (1.0 - (-k * dur).exp() * (1.0 + k * dur)) / (k * k));
    let (trap_auc, trap_aumc) = (0.5 * c_end * dur, 0.5 * dur * c_end * dur);
    // Total AUC = Dose/CL; total AUMC = Dose/CL (1/k + dur/2) for a constant-rate input.
    let auc_nca = DOSE / CL - auc_rise + trap_auc;
    let aumc_nca = DOSE / CL * (1.0 / k + dur / 2.0) - aumc_rise + trap_aumc;
    assert!(rel(p.aucinf_obs.unwrap(), auc_nca) < 1e-12);
    assert!(rel(p.aumcinf_obs.unwrap(), aumc_nca) < 1e-12);
    let mrt = aumc_nca / auc_nca - dur / 2.0;
    assert!(rel(p.mrtinf_obs.unwrap(), mrt) < 1e-12);
    assert!(rel(p.vss_obs.unwrap(), mrt * DOSE / auc_nca) < 1e-12);
    assert!(rel(p.lambda_z.unwrap(), k) < 1e-12);
    // Textbook values: the only error is the linear trapezoid over the 0.25 h rise,
    // about (k dur)^2 / 12 = 1e-4 of the AUC here.
    assert!(rel(p.cl_obs.unwrap(), CL) < 3e-4);
    assert!(rel(p.mrtinf_obs.unwrap(), 1.0 / k) < 3e-3);
    assert!(rel(p.vss_obs.unwrap(), V) < 3e-3);
    assert_eq!(p.cmax, Some(c_end));
    assert_eq!(p.tmax, Some(0.25));
}

#[test]
fn steady_state_bolus_gives_exact_auctau_and_accumulation() {
    // Steady state of Dose every tau: C(t) = Dose/V exp(-k t) / (1 - exp(-k tau)).
    let tau = 12.0;
    let acc = 1.0 / (1.0 - (-k() * tau).exp());
    let t: Vec<f64> = vec![0.0, 1.0, 2.0, 4.0, 8.0, 12.0];
    let c: Vec<f64> = t
        .iter()
        .map(|&t| DOSE / V * (-k() * t).exp() * acc)
        .collect();
    let prof = Profile::new("ss", t, c.clone(), DOSE).unwrap();
    let mut s = Settings::new(Route::IvBolus, AucMethod::LinearUpLogDown);
    s.tau = Some(tau);
    let p = analyze_subject(&prof, &s).unwrap().parameters;
    assert!(rel(p.auctau.unwrap(), DOSE / CL) < 1e-12);
    assert!(rel(p.cl_ss.unwrap(), CL) < 1e-12);
    assert!(rel(p.cavg.unwrap(), DOSE / CL / tau) < 1e-12);
    assert!(rel(p.accumulation_index.unwrap(), acc) < 1e-12);
    assert_eq!(p.cmin, Some(c[5]));
    assert!(rel(p.swing.unwrap(), (c[0] - c[5]) / c[5]) < 1e-12);
    assert!(
        rel(
            p.fluctuation_pct.unwrap(),
            100.0 * (c[0] - c[5]) / (DOSE / CL / tau)
        ) < 1e-12
    );
}

#[test]
fn non_estimable_lambda_z_gives_nulls_and_a_finding_never_nan() {
    // Cmax is the second-to-last sample: only one point after it.
    let p = Profile::new(
        "short",
        vec![0.0, 1.0, 2.0, 4.0],
        vec![0.0, 2.0, 5.0, 3.0],
        10.0,
    )
    .unwrap();
    let r = analyze_subject(&p, &Settings::new(Route::Extravascular, AucMethod::Linear)).unwrap();
    let par = &r.parameters;
    assert_eq!(par.auclast, Some(0.5 * 2.0 + 3.5 + 8.0));
    for name in [
        "lambda_z",
        "half_life",
        "aucinf_obs",
        "cl_obs",
        "vz_obs",
        "mrtinf_obs",
    ] {
        assert_eq!(par.get(name), None, "{name}");
    }
    assert!(r
        .findings
        .iter()
        .any(|f| f.code == "nca_lambda_z_not_estimable"));
    let json = serde_json_like(par);
    assert!(!json.contains("NaN") && json.contains("\"lambda_z\":null"));
}

/// Minimal JSON rendering through serde's Serialize impl (serde_json is not a dev-dependency here).
fn serde_json_like(p: &levodose_stats::nca::Parameters) -> String {
    p.entries()
        .iter()
        .map(|(n, v, _)| match v {
            Some(x) => format!("\"{n}\":{x}"),
            None => format!("\"{n}\":null"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn blq_rules_follow_pknca_defaults() {
    // first BLQ kept as 0, middle BLQ dropped, last BLQ kept as 0
    let sample = |time: f64, conc: f64, blq: bool| Sample {
        time,
        conc,
        blq,
        row: None,
    };
    let samples = vec![
        sample(0.5, 0.0, true),
        sample(1.0, 4.0, false),
        sample(2.0, 0.0, true),
        sample(3.0, 2.0, false),
        sample(4.0, 0.0, true),
    ];
    let p = Profile::from_samples("blq", samples, 10.0).unwrap();
    let r = analyze_subject(&p, &Settings::new(Route::Extravascular, AucMethod::Linear)).unwrap();
    // points: (0,0) (0.5,0) (1,4) (3,2) (4,0)
    assert_eq!(
        r.parameters.auclast,
        Some(0.0 + 0.5 * 4.0 * 0.5 + 0.5 * 6.0 * 2.0)
    );
    assert_eq!(r.parameters.aucall, Some(1.0 + 6.0 + 1.0));
    assert_eq!(r.parameters.tlag, Some(0.5));
    assert_eq!(r.exclusions.len(), 1);
    assert_eq!(r.exclusions[0].time, 2.0);
}

#[test]
fn bad_data_are_errors_naming_the_problem() {
    let e = Profile::new("7", vec![0.0, 2.0, 1.0], vec![1.0, 2.0, 3.0], 1.0).unwrap_err();
    assert!(
        matches!(&e, NcaError::Data { id, message } if id == "7" && message.contains("sorted"))
    );
    let e = Profile::new("7", vec![0.0, 1.0, 1.0], vec![1.0, 2.0, 3.0], 1.0).unwrap_err();
    assert!(e.to_string().contains("duplicated"));
    let e = Profile::new("7", vec![0.0, 1.0], vec![1.0, -2.0], 1.0).unwrap_err();
    assert!(e.to_string().contains(">= 0"));
    let e = Profile::new("7", vec![0.0, 1.0], vec![1.0, 2.0], f64::NAN).unwrap_err();
    assert!(e.to_string().contains("dose"));
}

fn pknca_sparse_example(serial: bool) -> Vec<SparseSample> {
    // PKNCA tests/testthat/test-sparse.R ("sparse_auc"), from the R package PK
    // (Jaki and Wolfsegger): 9 animals, 3 per time, batches {0,1,6}, {2,10}, {4,24} h.
    let id = [
        1, 2, 3, 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 7, 8, 9, 7, 8, 9,
    ];
    let conc = [
        0.0, 0.0, 0.0, 1.75, 2.2, 1.58, 4.63, 2.99, 1.52, 3.03, 1.98, 2.22, 3.34, 1.3, 1.22, 3.54,
        2.84, 2.55, 0.3, 0.0421, 0.231,
    ];
    let time = [
        0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 6.0, 6.0, 6.0, 2.0, 2.0, 2.0, 10.0, 10.0, 10.0, 4.0, 4.0,
        4.0, 24.0, 24.0, 24.0,
    ];
    (0..id.len())
        .map(|i| SparseSample {
            subject: if serial {
                format!("row{i}")
            } else {
                id[i].to_string()
            },
            time: time[i],
            conc: conc[i],
        })
        .collect()
}

#[test]
fn sparse_auc_matches_the_published_pk_package_example() {
    // Values: PKNCA test-sparse.R, computed with R package PK: auc(method = "t", design = "ssd" /
    // "batch"): AUC 39.4689, SE 6.86584835083522 (serial, Bailer), df 2.82631153092225
    // (Satterthwaite), SE 7.30997787038754 (batch, Nedelman-Jia with Holder's covariance).
    let serial = sparse_auc(&pknca_sparse_example(true)).unwrap();
    assert_eq!(serial.design, "serial");
    assert!(rel(serial.auclast, 39.4689) < 1e-6);
    assert!(rel(serial.auclast_se.unwrap(), 6.86584835083522) < 1e-9);
    assert!(rel(serial.auclast_df.unwrap(), 2.82631153092225) < 1e-9);
    let batch = sparse_auc(&pknca_sparse_example(false)).unwrap();
    assert_eq!(batch.design, "batch");
    assert!(rel(batch.auclast, 39.4689) < 1e-6);
    assert!(rel(batch.auclast_se.unwrap(), 7.30997787038754) < 1e-9);
    assert_eq!(batch.auclast_df, None);
}

#[test]
fn bailer_weights_and_variance_by_hand() {
    // Times 0, 1, 3: weights 0.5, 1.5, 1.0 (trapezoid rule written as a weighted sum).
    assert_eq!(trapezoid_weights(&[0.0, 1.0, 3.0]), vec![0.5, 1.5, 1.0]);
    // Two animals per time, values m±1 -> s² = 2 each; Var = Σ w² s²/n = (0.25 + 2.25 + 1) 2/2.
    let mut s = Vec::new();
    for (j, (t, m)) in [(0.0, 1.0), (1.0, 5.0), (3.0, 2.0)].iter().enumerate() {
        for (a, d) in [-1.0, 1.0].iter().enumerate() {
            s.push(SparseSample {
                subject: format!("{j}-{a}"),
                time: *t,
                conc: m + d,
            });
        }
    }
    let r = sparse_auc(&s).unwrap();
    assert!(rel(r.auclast, 0.5 * 1.0 + 1.5 * 5.0 + 1.0 * 2.0) < 1e-15);
    assert!(rel(r.auclast_se.unwrap(), 3.5f64.sqrt()) < 1e-15);
    assert_eq!((r.cmax, r.tmax), (5.0, 1.0));
}

#[test]
fn ka_from_the_tmax_equation_and_the_method_of_residuals() {
    use levodose_stats::nca::absorption::{ka, tmax_equation, KaMethod};
    // one compartment, first-order absorption: tmax = ln(ka/k)/(ka - k)
    let (k, ka_true) = (0.2f64, 1.5f64);
    let tmax = (ka_true / k).ln() / (ka_true - k);
    assert!(rel(tmax_equation(tmax, k).unwrap(), ka_true) < 1e-9);
    // exact profile with 4 samples before Tmax; terminal samples where exp(-ka t) < 1e-7 of exp(-k t)
    let t = vec![0.1, 0.2, 0.4, 0.7, 1.6, 14.0, 16.0, 20.0, 24.0];
    let c: Vec<f64> = t
        .iter()
        .map(|&t| 10.0 * ka_true / (ka_true - k) * ((-k * t).exp() - (-ka_true * t).exp()))
        .collect();
    let p = Profile::new("oral", t, c, DOSE).unwrap();
    let r = analyze_subject(
        &p,
        &Settings::new(Route::Extravascular, AucMethod::LinearUpLogDown),
    )
    .unwrap();
    let est = ka(
        &p,
        r.lambda_z_fit.as_ref().unwrap(),
        r.parameters.tmax.unwrap(),
    )
    .unwrap();
    assert_eq!(est.method, KaMethod::MethodOfResiduals);
    assert!(rel(est.ka, ka_true) < 1e-5, "{}", est.ka);
}
