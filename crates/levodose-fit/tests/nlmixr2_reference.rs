//! Diagnostics against nlmixr2est 7.0.2 FOCEi on theophylline (`../shared/reference/poppk/
//! sources/nlmixr2qual_fixture/`, read there): at nlmixr2's final estimates, the post hoc etas,
//! PRED, IPRED, IWRES and CWRES of every observation and the SD-based eta and epsilon shrinkage.
//!
//! nlmixr2's CWRES is the residual of the model linearised in eta at the conditional mode
//! (Hooker et al. 2007), `y - [f(eta*) - G eta*]`, standardised observation by observation by
//! the diagonal of `G Omega G' + diag(R(eta*))` (not decorrelated within a subject: a Cholesky
//! decorrelation agreed only on each subject's first observations, by up to 3.2 elsewhere), as
//! ours. The programs differ only in where their inner optimisations stop: measured, etas
//! within 9.2e-7, IPRED/IWRES/CWRES within 2.3e-6; the bounds below are 1e-4 (two orders
//! above), PRED (eta = 0) does not depend on the etas (round-off). Shrinkage: nlmixr2's
//! "sd shrinkage (%)", 1 - sd(eta)/sqrt(omega) with R's sd (n - 1), and 1 - sd(IWRES), agree
//! to 1e-4 percentage points; NONMEM's .shk is not in the reference, so NONMEM's own choice
//! of n or n - 1 is not checked here.

use levodose::dataset::{self, ReadOptions};
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

/// Rows of a CSV written by R's write.csv (quoted header and strings, "NA" as missing).
fn r_csv(path: PathBuf) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let split = |l: &str| -> Vec<String> {
        l.split(',')
            .map(|c| c.trim_matches('"').to_string())
            .collect()
    };
    let header = split(lines.next().unwrap());
    (header, lines.map(split).collect())
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("column {name}"))
}

#[test]
fn theophylline_diagnostics_match_nlmixr2_focei() {
    let Some(dir) = reference() else { return };
    let fixture = dir.join("sources/nlmixr2qual_fixture");
    // nlmixr2's final estimates (README; parFixedDf.csv): tka, tcl, tv on the log scale,
    // omega^2 of eta.ka, eta.cl, eta.v, add.sd.
    let (tka, tcl, tv) = (
        0.464451132923658f64,
        1.01204689833242f64,
        3.45997310165565f64,
    );
    let (w_ka, w_cl, w_v) = (0.404625391, 0.0687956049, 0.0192223487);
    let add_sd = 0.693839405708945;
    let m = Model::from_file(
        &ModelFile::from_toml(&format!(
            "structure = \"oral-1cpt\"\n[parameters.cl]\ninit = {}\nomega = {w_cl}\n[parameters.v]\ninit = {}\nomega = {w_v}\n[parameters.ka]\ninit = {}\nomega = {w_ka}\n[error]\nadditive_sd = {add_sd}\n",
            tcl.exp(), tv.exp(), tka.exp()
        ))
        .unwrap(),
    )
    .unwrap();
    let text = std::fs::read_to_string(dir.join("data/theo_sd_nonmem.csv")).unwrap();
    let data = dataset::read(&text, &ReadOptions::default()).unwrap();
    let r = fit(
        &m,
        &data,
        &FitOptions {
            posthoc_only: true,
            covariance: CovarianceMethod::None,
            ..Default::default()
        },
    )
    .unwrap();

    // Etas.
    let (h, rows) = r_csv(fixture.join("theophylline_focei-ranef.csv"));
    let mut worst_eta = 0.0f64;
    for row in &rows {
        let ind = r
            .individual
            .iter()
            .find(|i| i.id == row[col(&h, "ID")])
            .unwrap();
        for (ours, theirs) in [("ka", "eta.ka"), ("cl", "eta.cl"), ("v", "eta.v")] {
            let d = (ind.eta[ours] - row[col(&h, theirs)].parse::<f64>().unwrap()).abs();
            worst_eta = worst_eta.max(d);
        }
    }
    assert_eq!(rows.len(), r.individual.len());

    // Observations, in the same (ID, TIME) order.
    let (h, rows) = r_csv(fixture.join("theophylline_focei-fit-table.csv"));
    assert_eq!(rows.len(), r.observations.len());
    let mut worst = [0.0f64; 4];
    for (row, o) in rows.iter().zip(&r.observations) {
        assert_eq!(row[col(&h, "ID")], o.id);
        let t: f64 = row[col(&h, "TIME")].parse().unwrap();
        assert!((t - o.time_h).abs() < 1e-9);
        let get = |n: &str| row[col(&h, n)].parse::<f64>().unwrap();
        let ours = [
            o.pred,
            o.ipred,
            o.iwres
                .expect("additive error: every observation has an IWRES"),
            o.cwres
                .expect("additive error: every observation has a CWRES"),
        ];
        for (k, name) in ["PRED", "IPRED", "IWRES", "CWRES"].iter().enumerate() {
            worst[k] = worst[k].max((ours[k] - get(name)).abs());
        }
    }
    eprintln!(
        "max |diff| vs nlmixr2: eta {worst_eta:.2e}, PRED {:.2e}, IPRED {:.2e}, IWRES {:.2e}, CWRES {:.2e}",
        worst[0], worst[1], worst[2], worst[3]
    );
    assert!(worst_eta < 1e-4, "eta {worst_eta}");
    assert!(worst[0] < 1e-6, "PRED {}", worst[0]);
    for (k, name) in ["IPRED", "IWRES", "CWRES"].iter().enumerate() {
        assert!(worst[k + 1] < 1e-4, "{name} {}", worst[k + 1]);
    }

    // Shrinkage: nlmixr2's "sd shrinkage (%)" row, 1 - sd(eta) / sqrt(omega) with R's sd
    // (n - 1), and 1 - sd(IWRES) for epsilon.
    let (h, rows) = r_csv(fixture.join("theophylline_focei-shrink.csv"));
    let sd_row = rows.iter().find(|r| r[0] == "sd shrinkage (%)").unwrap();
    for (ours, theirs) in [
        ("eta_ka", "eta.ka"),
        ("eta_cl", "eta.cl"),
        ("eta_v", "eta.v"),
        ("epsilon", "IWRES"),
    ] {
        let want: f64 = sd_row[col(&h, theirs)].parse().unwrap();
        let got = r.shrinkage_pct[ours];
        eprintln!("shrinkage {ours}: {got:.4} % vs nlmixr2 {want:.4} %");
        assert!((got - want).abs() < 1e-3, "{ours}: {got} vs {want}");
    }
}
