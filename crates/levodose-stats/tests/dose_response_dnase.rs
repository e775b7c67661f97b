//! ll4 on DNase run 1 against R 4.2.2 `nls(density ~ SSfpl(log(conc), A, B, xmid, scal))`
//! (`/work/shared/reference/dose-response/`). Mapping: bottom = A, top = B, ec50 = exp(xmid),
//! hill = 1/scal. Wald SEs transform exactly: SE(log ec50) = SE(xmid), SE(hill) = SE(scal)/scal².

use levodose_stats::dose_response::{fit, Model};
use std::path::{Path, PathBuf};

const REL_TOL: f64 = 1e-4;

/// `../shared/reference/dose-response`, or `None` (with a one-line notice) in a clone without it.
fn reference_dir() -> Option<PathBuf> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/dose-response");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared/reference not found");
        None
    }
}

fn load_data(dir: &Path) -> (Vec<f64>, Vec<f64>) {
    let mut rdr = csv::Reader::from_path(dir.join("dnase_run1.csv")).expect("dnase_run1.csv");
    let headers = rdr.headers().expect("header").clone();
    let ci = headers
        .iter()
        .position(|h| h == "conc")
        .expect("conc column");
    let di = headers
        .iter()
        .position(|h| h == "density")
        .expect("density column");
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for rec in rdr.records() {
        let rec = rec.expect("record");
        x.push(rec[ci].parse::<f64>().expect("conc"));
        y.push(rec[di].parse::<f64>().expect("density"));
    }
    (x, y)
}

fn reference(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("dnase_run1_fpl.json")).expect("reference json");
    serde_json::from_str(&text).expect("json")
}

fn assert_rel(what: &str, got: f64, want: f64) {
    let rel = ((got - want) / want).abs();
    eprintln!("{what}: relative deviation from R {rel:.2e}");
    assert!(
        rel <= REL_TOL,
        "{what}: got {got:.10e}, R {want:.10e}, relative deviation {rel:.2e}"
    );
}

#[test]
fn ll4_estimates_match_r_sspfl() {
    let Some(dir) = reference_dir() else { return };
    let (x, y) = load_data(&dir);
    let r = reference(&dir);
    let f = fit(&x, &y, Model::Ll4).expect("fit");
    let est = |k: &str| r["estimates"][k].as_f64().unwrap();
    assert_eq!(f.n, 16);
    assert_rel(
        "bottom (A)",
        f.parameter("bottom").unwrap().estimate,
        est("A"),
    );
    assert_rel("top (B)", f.parameter("top").unwrap().estimate, est("B"));
    assert_rel(
        "ec50 (exp xmid)",
        f.parameter("ec50").unwrap().estimate,
        est("xmid").exp(),
    );
    assert_rel(
        "ec50 vs ec50_conc",
        f.ed50.estimate,
        r["ec50_conc"].as_f64().unwrap(),
    );
    assert_rel(
        "hill (1/scal)",
        f.parameter("hill").unwrap().estimate,
        1.0 / est("scal"),
    );
}

#[test]
fn ll4_standard_errors_match_r_sspfl() {
    let Some(dir) = reference_dir() else { return };
    let (x, y) = load_data(&dir);
    let r = reference(&dir);
    let f = fit(&x, &y, Model::Ll4).expect("fit");
    let se = |k: &str| r["se"][k].as_f64().unwrap();
    assert_rel("SE(A)", f.parameter("bottom").unwrap().se, se("A"));
    assert_rel("SE(B)", f.parameter("top").unwrap().se, se("B"));
    assert_rel("SE(xmid) = SE(log ec50)", f.ed50.se_log, se("xmid"));
    let ec50 = f.parameter("ec50").unwrap();
    assert_rel(
        "SE(ec50)/ec50 = SE(xmid)",
        ec50.se / ec50.estimate,
        se("xmid"),
    );
    let hill = f.parameter("hill").unwrap();
    assert_rel(
        "SE(scal) = SE(hill)/hill²",
        hill.se / hill.estimate.powi(2),
        se("scal"),
    );
}

#[test]
fn ll4_residual_se_and_df_match_r() {
    let Some(dir) = reference_dir() else { return };
    let (x, y) = load_data(&dir);
    let r = reference(&dir);
    let f = fit(&x, &y, Model::Ll4).expect("fit");
    assert_eq!(f.df as u64, r["df"].as_u64().unwrap());
    assert_rel(
        "residual SE",
        f.residual_se,
        r["residual_se"].as_f64().unwrap(),
    );
}

/// AIC = n log(2π RSS/n) + n + 2(p+1), with RSS = σ̂²·df taken from R's residual SE.
#[test]
fn ll4_aic_matches_r_formula_from_reference_rss() {
    let Some(dir) = reference_dir() else { return };
    let (x, y) = load_data(&dir);
    let r = reference(&dir);
    let f = fit(&x, &y, Model::Ll4).expect("fit");
    let s = r["residual_se"].as_f64().unwrap();
    let rss = s * s * 12.0;
    let n = 16.0;
    let aic = n * (2.0 * std::f64::consts::PI * rss / n).ln() + n + 2.0 * 5.0;
    assert!((f.aic - aic).abs() < 1e-3, "AIC {} vs {}", f.aic, aic);
}

/// ED50 interval: exp(xmid ± t_{0.975,12}·SE(xmid)), t_{0.975,12} = 2.17881282966787 (R qt).
#[test]
fn ed50_interval_is_wald_on_log_scale_with_t12() {
    let Some(dir) = reference_dir() else { return };
    let (x, y) = load_data(&dir);
    let r = reference(&dir);
    let f = fit(&x, &y, Model::Ll4).expect("fit");
    let xmid = r["estimates"]["xmid"].as_f64().unwrap();
    let se = r["se"]["xmid"].as_f64().unwrap();
    let t = 2.17881282966787;
    assert_rel("ED50 lower", f.ed50.lower, (xmid - t * se).exp());
    assert_rel("ED50 upper", f.ed50.upper, (xmid + t * se).exp());
}

/// Nesting: emax0 ⊂ emax ⊂ ll4 (emax is ll4 with hill = 1), so RSS(ll4) ≤ RSS(emax) ≤ RSS(emax0)
/// and, with one more parameter costing 2, AIC(emax) ≥ AIC(ll4) − 2 and AIC(emax0) ≥ AIC(emax) − 2.
#[test]
fn model_comparison_respects_nesting() {
    let Some(dir) = reference_dir() else { return };
    let (x, y) = load_data(&dir);
    let cmp = levodose_stats::dose_response::compare(&x, &y);
    assert_eq!(cmp.len(), 3);
    let aic = |m: Model| {
        cmp.iter()
            .find(|c| c.model == m)
            .and_then(|c| c.aic)
            .expect("converged")
    };
    assert!(aic(Model::Emax) >= aic(Model::Ll4) - 2.0 - 1e-9, "{cmp:?}");
    assert!(
        aic(Model::Emax0) >= aic(Model::Emax) - 2.0 - 1e-9,
        "{cmp:?}"
    );
}
