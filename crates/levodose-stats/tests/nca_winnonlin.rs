//! Validation against Phoenix WinNonlin: every parameter WinNonlin reports in
//! `../shared/reference/nca/` (theophylline extravascular; indomethacin i.v. bolus and 0.25 h
//! infusion; linear and linear-up/log-down) within 1e-4 relative, for every subject.
//! Skipped with a notice where the reference folder is absent.

use levodose_stats::nca::{analyze_subject, AucMethod, Profile, Route, Settings};
use std::collections::BTreeMap;
use std::path::PathBuf;

const TOL: f64 = 1e-4;

fn reference_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/nca");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared/reference not found");
        None
    }
}

/// WinNonlin column -> PKNCA-style name used by levodose.
fn pknca_name(winnonlin: &str) -> &'static str {
    match winnonlin {
        "Rsq" => "r_squared",
        "Rsq_adjusted" => "r_squared_adjusted",
        "Corr_XY" => "corr_xy",
        "No_points_lambda_z" => "lambda_z_n_points",
        "Lambda_z" => "lambda_z",
        "Lambda_z_lower" => "lambda_z_lower",
        "Lambda_z_upper" => "lambda_z_upper",
        "HL_Lambda_z" => "half_life",
        "Tlag" => "tlag",
        "Tmax" => "tmax",
        "Cmax" => "cmax",
        "Cmax_D" => "cmax_dn",
        "C0" => "c0",
        "Tlast" => "tlast",
        "Clast" => "clast",
        "AUClast" => "auclast",
        "AUCall" => "aucall",
        "AUCINF_obs" => "aucinf_obs",
        "AUCINF_D_obs" => "aucinf_obs_dn",
        "AUC_%Extrap_obs" => "auc_pct_extrap_obs",
        "AUC_%Back_Ext_obs" => "auc_pct_back_extrap_obs",
        "Vz_obs" | "Vz_F_obs" => "vz_obs",
        "Cl_obs" | "Cl_F_obs" => "cl_obs",
        "AUCINF_pred" => "aucinf_pred",
        "AUCINF_D_pred" => "aucinf_pred_dn",
        "AUC_%Extrap_pred" => "auc_pct_extrap_pred",
        "AUC_%Back_Ext_pred" => "auc_pct_back_extrap_pred",
        "Vz_pred" | "Vz_F_pred" => "vz_pred",
        "Cl_pred" | "Cl_F_pred" => "cl_pred",
        "AUMClast" => "aumclast",
        "AUMCINF_obs" => "aumcinf_obs",
        "AUMC_%Extrap_obs" => "aumc_pct_extrap_obs",
        "AUMCINF_pred" => "aumcinf_pred",
        "AUMC_%Extrap_pred" => "aumc_pct_extrap_pred",
        "MRTlast" => "mrtlast",
        "MRTINF_obs" => "mrtinf_obs",
        "MRTINF_pred" => "mrtinf_pred",
        "Vss_obs" => "vss_obs",
        "Vss_pred" => "vss_pred",
        other => panic!("WinNonlin column {other} has no levodose name"),
    }
}

/// (id -> (time, conc)) from a data file with ID, TIME, CONC columns.
fn read_profiles(path: &PathBuf) -> BTreeMap<String, (Vec<f64>, Vec<f64>)> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (ci, ti, ki) = (col("ID"), col("TIME"), col("CONC"));
    let mut out: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let e = out.entry(rec[ci].to_string()).or_default();
        e.0.push(rec[ti].parse().unwrap());
        e.1.push(rec[ki].parse().unwrap());
    }
    out
}

/// Compares every column of the WinNonlin file with levodose for every subject.
fn check(data: &str, reference: &str, dose: f64, route: Route, method: AucMethod) {
    let Some(dir) = reference_dir() else { return };
    let profiles = read_profiles(&dir.join(data));
    let settings = Settings::new(route, method);
    let mut rdr = csv::Reader::from_path(dir.join(reference)).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let mut compared = 0;
    let mut worst = 0.0f64;
    let mut subjects = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let id = rec[0].to_string();
        let (t, c) = profiles.get(&id).expect("subject in data").clone();
        let p = Profile::new(id.clone(), t, c, dose).unwrap();
        let r = analyze_subject(&p, &settings).unwrap();
        for (name, text) in headers.iter().zip(rec.iter()).skip(1) {
            let expected: f64 = text.parse().unwrap();
            let key = pknca_name(name);
            let got = r
                .parameters
                .get(key)
                .unwrap_or_else(|| panic!("{reference} subject {id}: {key} ({name}) is null"));
            let err = if expected == 0.0 {
                got.abs()
            } else {
                ((got - expected) / expected).abs()
            };
            assert!(
                err <= TOL,
                "{reference} subject {id}: {name} levodose {got} vs WinNonlin {expected} (rel. error {err:.2e})"
            );
            worst = worst.max(err);
            compared += 1;
        }
        subjects += 1;
    }
    eprintln!(
        "{reference}: {compared} values, {subjects} subjects, largest relative error {worst:.2e}"
    );
    assert!(
        subjects >= 6 && compared > 30 * subjects,
        "{reference}: too little compared"
    );
}

#[test]
fn theophylline_linear_matches_winnonlin() {
    check(
        "theoph.csv",
        "winnonlin_theoph_linear.csv",
        320.0,
        Route::Extravascular,
        AucMethod::Linear,
    );
}

#[test]
fn theophylline_linear_up_log_down_matches_winnonlin() {
    check(
        "theoph.csv",
        "winnonlin_theoph_linuplogdown.csv",
        320.0,
        Route::Extravascular,
        AucMethod::LinearUpLogDown,
    );
}

#[test]
fn indomethacin_bolus_linear_matches_winnonlin() {
    check(
        "indometh.csv",
        "winnonlin_indometh_linear.csv",
        25.0,
        Route::IvBolus,
        AucMethod::Linear,
    );
}

#[test]
fn indomethacin_bolus_log_matches_winnonlin() {
    check(
        "indometh.csv",
        "winnonlin_indometh_log.csv",
        25.0,
        Route::IvBolus,
        AucMethod::LinearUpLogDown,
    );
}

#[test]
fn indomethacin_infusion_linear_matches_winnonlin() {
    check(
        "indometh.csv",
        "winnonlin_indometh_linear_infusion.csv",
        25.0,
        Route::IvInfusion { duration_h: 0.25 },
        AucMethod::Linear,
    );
}

#[test]
fn indomethacin_infusion_log_matches_winnonlin() {
    check(
        "indometh.csv",
        "winnonlin_indometh_log_infusion.csv",
        25.0,
        Route::IvInfusion { duration_h: 0.25 },
        AucMethod::LinearUpLogDown,
    );
}
