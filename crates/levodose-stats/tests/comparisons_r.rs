//! Shapiro-Wilk, Brown-Forsythe, Grubbs and the log-dose trend contrast against values computed
//! in R 4.2.2 (Debian 12, multcomp 1.4) on the fixed data below; each R call is in the comment.

#![allow(clippy::excessive_precision)] // R values kept exactly as printed with %.17g
use levodose_stats::comparisons::{anova, normality, outliers, OneWayInput};

const X1: [f64; 10] = [2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8, 9.7, 3.0, 4.1];
const X2: [f64; 7] = [12.5, 11.1, 13.8, 12.9, 10.4, 14.2, 11.7];
const X3: [f64; 3] = [1.0, 2.0, 4.0];

fn rel(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol * b.abs(), "{what}: {a:e} vs R {b:e}");
}

#[test]
fn shapiro_wilk_matches_r() {
    // shapiro.test(x1); shapiro.test(x2); shapiro.test(x3)   (sprintf("%.17g"))
    let r = [
        (&X1[..], 0.80206002438106072, 0.015358702980747065),
        (&X2[..], 0.96766842710179601, 0.88116589832904268),
        (&X3[..], 0.96428571428571419, 0.6368868450289632),
    ];
    for (x, w, p) in r {
        let s = normality::shapiro_wilk(x).expect("n >= 3");
        rel(s.w, w, 1e-9, "W");
        rel(s.p, p, 1e-7, "p");
    }
    assert!(normality::shapiro_wilk(&[1.0, 2.0]).is_none());
    assert!(normality::shapiro_wilk(&[3.0, 3.0, 3.0]).is_none());
}

#[test]
fn brown_forsythe_matches_r() {
    // g <- factor(rep(c("a","b","c"), c(10, 7, 3))); y <- c(x1, x2, x3)
    // anova(lm(abs(y - ave(y, g, FUN = median)) ~ g))
    let b = anova::brown_forsythe(&[&X1, &X2, &X3]).unwrap();
    rel(b.f, 0.13932519702276702, 1e-10, "F");
    assert_eq!((b.df1, b.df2), (2.0, 17.0));
    rel(b.p, 0.8709282608691008, 1e-10, "p");
}

#[test]
fn grubbs_matches_the_outliers_package_formula() {
    // outliers::grubbs.test(x1) (type 10, one-sided), by its formula in R:
    // G = |9.7 - mean| / sd; s = G^2 n (2 - n) / (G^2 n - (n - 1)^2); p = n (1 - pt(sqrt(s), n - 2))
    let g = outliers::grubbs("a", &X1).unwrap();
    assert_eq!(g.value, 9.7);
    rel(g.g, 2.4939043503871314, 1e-12, "G");
    rel(g.p, 0.0044043428434858978, 1e-9, "p");
}

#[test]
fn log_dose_trend_matches_r_and_glht() {
    // Groups a (control), b = 1 mg/kg, c = 4 mg/kg; scores log(c(1, 4)) centred.
    // est <- sum(sc * m[2:3]); se <- sqrt(mse * sum(sc^2 / n[2:3])); 2 * pt(-abs(est/se), 17)
    // = -6.9578774124779281, 0.91949012118646722, t -7.5671040418572497, p 7.7190627127157216e-07;
    // summary(glht(aov(y ~ g), linfct = mcp(g = K))) gives t -7.5671040418572444, p 7.719062713e-07.
    let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    let values = vec![X1.to_vec(), X2.to_vec(), X3.to_vec()];
    let input = OneWayInput {
        names: &names,
        values: &values,
        n_missing: &[0, 0, 0],
        control: 0,
        planned_reference: None,
        doses: &[(1, 1.0), (2, 4.0)],
        endpoint: "y",
    };
    let a = levodose_stats::comparisons::analyse(&input);
    let t = a.trend.expect("two doses");
    rel(t.estimate, -6.9578774124779281, 1e-10, "estimate");
    rel(t.se, 0.91949012118646722, 1e-10, "se");
    rel(t.t, -7.5671040418572497, 1e-10, "t");
    rel(t.p, 7.7190627127157216e-07, 1e-8, "p");
}
