//! Bad designs give a clear `MmrmError`, never a panic or NaN; a subject without outcomes is
//! dropped from the likelihood.

use levodose_stats::mmrm::{fit, Data, MmrmError, ModelSpec};

/// 40 subjects x 3 visits; `keep(subject, visit)` decides whether the outcome is observed.
fn data(keep: impl Fn(usize, usize) -> bool) -> Data {
    let (mut subject, mut visit, mut y, mut arm, mut base, mut base2) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for s in 0..40usize {
        let b = ((s * 37) % 17) as f64;
        for v in 0..3usize {
            let noise = (((s * 7 + v * 13) % 19) as f64 - 9.0) / 3.0 + ((s * 5) % 7) as f64;
            subject.push(s);
            visit.push(v);
            arm.push(s % 2);
            base.push(b);
            base2.push(2.0 * b + 1.0);
            y.push(keep(s, v).then_some(10.0 + v as f64 + (s % 2) as f64 + 0.3 * b + noise));
        }
    }
    let mut d = Data::new(
        "VISIT",
        vec!["V1".into(), "V2".into(), "V3".into()],
        subject,
        visit,
        y,
    )
    .unwrap();
    d.add_factor("ARM", vec!["PBO".into(), "TRT".into()], arm)
        .unwrap();
    d.add_numeric("BASE", base).unwrap();
    d.add_numeric("BASE2", base2).unwrap();
    d
}

fn spec(rhs: &str) -> ModelSpec {
    ModelSpec::parse(rhs).unwrap().with_arm("ARM")
}

#[test]
fn mmrm_subject_with_all_outcomes_missing_is_dropped() {
    let all = fit(&data(|_, _| true), &spec("ARM*VISIT + BASE")).unwrap();
    let res = fit(&data(|s, _| s != 3), &spec("ARM*VISIT + BASE")).unwrap();
    assert_eq!(res.n_subjects, 40);
    assert_eq!(res.n_subjects_with_outcome, 39);
    assert_eq!(res.n_observations, all.n_observations - 3);
    let numbers = res
        .differences
        .iter()
        .flat_map(|d| [d.estimate, d.se, d.df, d.t, d.p, d.lower, d.upper]);
    assert!(numbers
        .chain(res.covariance.iter().flatten().copied())
        .all(f64::is_finite));
}

#[test]
fn mmrm_visit_without_observations_is_an_error() {
    let err = fit(&data(|_, v| v != 1), &spec("ARM*VISIT")).unwrap_err();
    assert_eq!(err, MmrmError::EmptyVisit("V2".into()));
    assert!(err.to_string().contains("V2"));
}

#[test]
fn mmrm_collinear_covariate_is_a_singular_design() {
    let err = fit(&data(|_, _| true), &spec("ARM*VISIT + BASE + BASE2")).unwrap_err();
    match &err {
        MmrmError::SingularDesign { column, .. } => assert_eq!(column, "BASE2"),
        other => panic!("expected a singular design, got {other}"),
    }
    assert!(err.to_string().contains("BASE2"));
}

#[test]
fn mmrm_unknown_variable_and_bad_formula_are_errors() {
    assert_eq!(
        fit(&data(|_, _| true), &spec("ARM + AGE")).unwrap_err(),
        MmrmError::UnknownVariable("AGE".into())
    );
    assert!(matches!(
        ModelSpec::parse("ARM + "),
        Err(MmrmError::Formula(_))
    ));
    let mut d = data(|_, _| true);
    assert!(d.set_reference("ARM", "XYZ").is_err());
}
