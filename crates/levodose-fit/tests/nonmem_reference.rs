//! FOCE-I and post hoc etas against NONMEM on the reference cases in
//! `../shared/reference/poppk/` (theophylline: NONMEM 7.4.4, Wiczling/theopd; U023 and U024:
//! NONMEM 7.4.3 closed form, nlmixr2test). Skipped with a notice when the folder is absent.

use levodose::dataset::{self, Dataset, ReadOptions};
use levodose_fit::estimate::{CovarianceMethod, FitOptions};
use levodose_fit::{fit, Model, ModelFile};
use std::path::PathBuf;

fn reference() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/poppk");
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/reference not found");
        None
    }
}

fn read(dir: &std::path::Path, file: &str, ignore: &[&str]) -> Dataset {
    let text = std::fs::read_to_string(dir.join("data").join(file)).unwrap();
    let opts = ReadOptions {
        ignore: ignore.iter().map(|s| s.to_string()).collect(),
        units: None,
    };
    dataset::read(&text, &opts).unwrap()
}

/// (ID, [eta1, eta2, eta3], OBJ) rows of a NONMEM .phi file.
fn phi(path: PathBuf) -> Vec<(usize, [f64; 3], f64)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            let id = c.get(1)?.parse::<usize>().ok()?;
            let v: Vec<f64> = c.iter().skip(2).map(|x| x.parse().unwrap()).collect();
            Some((id, [v[0], v[1], v[2]], *v.last().unwrap()))
        })
        .collect()
}

fn model(text: &str) -> Model {
    Model::from_file(&ModelFile::from_toml(text).unwrap()).unwrap()
}

fn theo_model(cl: f64, v: f64, ka: f64, w: [f64; 3], sigma2: f64) -> Model {
    model(&format!(
        "structure = \"oral-1cpt\"\n[parameters.cl]\ninit = {cl}\nomega = {}\n[parameters.v]\ninit = {v}\nomega = {}\n[parameters.ka]\ninit = {ka}\nomega = {}\n[error]\nadditive_sd = {}\n",
        w[0], w[1], w[2], sigma2.sqrt()
    ))
}

fn u02x_model(lcl: f64, lv: f64, lka: f64, w: [f64; 3], prop: f64) -> Model {
    model(&format!(
        "structure = \"oral-1cpt\"\n[parameters.cl]\ninit = {}\nomega = {}\n[parameters.v]\ninit = {}\nomega = {}\n[parameters.ka]\ninit = {}\nomega = {}\n[error]\nproportional_sd = {prop}\n",
        lcl.exp(), w[0], lv.exp(), w[1], lka.exp(), w[2]
    ))
}

fn posthoc() -> FitOptions {
    FitOptions {
        posthoc_only: true,
        covariance: CovarianceMethod::None,
        ..Default::default()
    }
}

/// NONMEM's subject k (1-based, R's Theoph order) is theo_sd ID THEO_MAP[k-1] (README).
const THEO_MAP: [usize; 12] = [6, 7, 8, 11, 3, 2, 4, 9, 12, 10, 1, 5];

#[test]
fn theophylline_posthoc_etas_match_nonmem_phi() {
    let Some(dir) = reference() else { return };
    let data = read(&dir, "theo_sd_nonmem.csv", &[]);
    // NONMEM 7.4.4 final estimates (1.ext): CL, V, KA, SIGMA(1,1), OMEGA diag.
    let m = theo_model(
        2.75098,
        31.8125,
        1.59038,
        [0.0690912, 0.0191687, 0.402446],
        0.482255,
    );
    let r = fit(&m, &data, &posthoc()).unwrap();
    let reference = phi(dir.join("sources/Wiczling_theopd/1.phi"));
    assert_eq!(reference.len(), 12);
    let mut total = 0.0;
    for (k, eta, obj) in reference {
        let id = THEO_MAP[k - 1].to_string();
        let ind = r
            .individual
            .iter()
            .find(|i| i.id == id)
            .expect("subject present");
        for (e, name) in ["cl", "v", "ka"].iter().enumerate() {
            assert!(
                (ind.eta[*name] - eta[e]).abs() < 1e-3,
                "ID {id} eta_{name}: {} vs NONMEM {}",
                ind.eta[*name],
                eta[e]
            );
        }
        assert!(
            (ind.ofv_contribution - obj).abs() < 1e-3,
            "ID {id} OBJ {} vs {obj}",
            ind.ofv_contribution
        );
        total += obj;
    }
    assert!(
        (r.ofv - 116.80342577).abs() < 2e-3,
        "OFV at NONMEM's estimates {} (phi sum {total})",
        r.ofv
    );
}

#[test]
fn u023_posthoc_etas_match_nonmem_phi() {
    let Some(dir) = reference() else { return };
    let data = read(&dir, "oral_1cpt_sd.csv", &["SS", "II"]);
    // NONMEM 7.4.3 final estimates (runN023.ext).
    let m = u02x_model(
        1.39014,
        4.19282,
        -0.026632,
        [6.42546e-2, 7.51482e-2, 1.03790e-1],
        1.98611e-1,
    );
    let r = fit(&m, &data, &posthoc()).unwrap();
    let reference = phi(dir.join("sources/nlmixr2test/runN023.phi"));
    assert_eq!(reference.len(), 120);
    let mut worst = 0.0f64;
    for (k, eta, obj) in reference {
        let ind = r
            .individual
            .iter()
            .find(|i| i.id == k.to_string())
            .expect("subject present");
        for (e, name) in ["cl", "v", "ka"].iter().enumerate() {
            worst = worst.max((ind.eta[*name] - eta[e]).abs());
            assert!(
                (ind.eta[*name] - eta[e]).abs() < 1e-3,
                "ID {k} eta_{name}: {} vs NONMEM {}",
                ind.eta[*name],
                eta[e]
            );
        }
        assert!(
            (ind.ofv_contribution - obj).abs() < 1e-2,
            "ID {k} OBJ {} vs {obj}",
            ind.ofv_contribution
        );
    }
    eprintln!(
        "U023 worst eta difference {worst:.2e}, OFV at NONMEM estimates {}",
        r.ofv
    );
    assert!(
        (r.ofv - 19365.1940245131).abs() < 0.05,
        "OFV at NONMEM's estimates {}",
        r.ofv
    );
}

#[test]
fn theophylline_focei_matches_nonmem() {
    let Some(dir) = reference() else { return };
    let data = read(&dir, "theo_sd_nonmem.csv", &[]);
    // NONMEM's initial estimates (1.ext iteration 0).
    let m = theo_model(1.0, 20.0, 1.0, [0.1, 0.1, 0.1], 1.0);
    let t = std::time::Instant::now();
    let r = fit(&m, &data, &FitOptions::default()).unwrap();
    eprintln!(
        "theophylline: OFV {} in {} iterations, {:?}",
        r.ofv,
        r.iterations,
        t.elapsed()
    );
    eprintln!(
        "{}",
        serde_json::to_string(&(&r.parameters, &r.omega, &r.sigma)).unwrap()
    );
    assert!(r.converged);
    assert!((r.ofv - 116.80342577).abs() < 1e-3, "OFV {}", r.ofv);
    for (name, nm) in [("cl", 2.75098), ("v", 31.8125), ("ka", 1.59038)] {
        let est = r.parameters[name].estimate;
        assert!(
            (est / nm - 1.0).abs() < 0.005,
            "{name} {est} vs NONMEM {nm}"
        );
    }
    for (name, nm) in [("cl", 0.0690912), ("v", 0.0191687), ("ka", 0.402446)] {
        let est = r.omega[name].variance;
        assert!(
            (est / nm - 1.0).abs() < 0.03,
            "omega {name} {est} vs NONMEM {nm}"
        );
    }
    let sd = r.sigma.additive_sd.unwrap();
    assert!((sd / 0.694446 - 1.0).abs() < 0.01, "additive SD {sd}");
    // R-matrix standard errors (1.ext, row -1000000001): CL 0.229763, V 1.48329, KA 0.305153.
    for (name, nm) in [("cl", 0.229763), ("v", 1.48329), ("ka", 0.305153)] {
        let se = r.parameters[name].se.expect("covariance step ran");
        eprintln!("SE {name}: {se} vs NONMEM {nm}");
        assert!(
            (se / nm - 1.0).abs() < 0.05,
            "SE {name} {se} vs NONMEM {nm}"
        );
    }
}

#[test]
fn u023_focei_matches_nonmem() {
    let Some(dir) = reference() else { return };
    let data = read(&dir, "oral_1cpt_sd.csv", &["SS", "II"]);
    // NONMEM's initial estimates (runN023.ext iteration 0).
    let m = u02x_model(1.8, 4.7, 0.2, [0.15, 0.15, 0.15], 0.3);
    let t = std::time::Instant::now();
    let r = fit(
        &m,
        &data,
        &FitOptions {
            covariance: CovarianceMethod::None,
            ..Default::default()
        },
    )
    .unwrap();
    eprintln!(
        "U023: OFV {} in {} iterations, {:?}",
        r.ofv,
        r.iterations,
        t.elapsed()
    );
    eprintln!(
        "{}",
        serde_json::to_string(&(&r.parameters, &r.omega, &r.sigma)).unwrap()
    );
    assert!(r.converged);
    assert!((r.ofv - 19365.1940245131).abs() < 0.01, "OFV {}", r.ofv);
    for (name, nm) in [
        ("cl", 1.39014f64.exp()),
        ("v", 4.19282f64.exp()),
        ("ka", (-0.026632f64).exp()),
    ] {
        let est = r.parameters[name].estimate;
        assert!((est / nm - 1.0).abs() < 0.01, "{name} {est} vs NONMEM {nm}");
    }
    let sd = r.sigma.proportional_sd.unwrap();
    assert!((sd / 0.198611 - 1.0).abs() < 0.01, "proportional SD {sd}");
}

#[test]
fn u024_posthoc_and_focei_match_nonmem() {
    let Some(dir) = reference() else { return };
    let data = read(&dir, "oral_1cpt_md.csv", &["SS", "II"]);
    // NONMEM 7.4.3 final estimates (runN024.ext).
    let m = u02x_model(
        1.39203,
        4.20682,
        -8.31690e-3,
        [7.06694e-2, 7.96392e-2, 1.30018e-1],
        1.96834e-1,
    );
    let r = fit(&m, &data, &posthoc()).unwrap();
    for (k, eta, _) in phi(dir.join("sources/nlmixr2test/runN024.phi")) {
        let ind = r
            .individual
            .iter()
            .find(|i| i.id == k.to_string())
            .expect("subject present");
        for (e, name) in ["cl", "v", "ka"].iter().enumerate() {
            assert!(
                (ind.eta[*name] - eta[e]).abs() < 1e-3,
                "ID {k} eta_{name}: {} vs NONMEM {}",
                ind.eta[*name],
                eta[e]
            );
        }
    }
    assert!(
        (r.ofv - 43707.1166855974).abs() < 0.05,
        "OFV at NONMEM's estimates {}",
        r.ofv
    );
    let m0 = u02x_model(1.6, 4.5, 0.2, [0.15, 0.15, 0.15], 0.3);
    let f = fit(
        &m0,
        &data,
        &FitOptions {
            covariance: CovarianceMethod::None,
            ..Default::default()
        },
    )
    .unwrap();
    eprintln!("U024: OFV {} in {} iterations", f.ofv, f.iterations);
    assert!((f.ofv - 43707.1166855974).abs() < 0.01, "OFV {}", f.ofv);
}
