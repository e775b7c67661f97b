//! `levodose fit` and `simulate --nonmem-out`: JSON layout of issue 12, exit 2 with the line
//! named for bad datasets, and no flag silently ignored.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn levodose(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn tmp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("levodose-cli-fit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const MODEL: &str = "structure = \"oral-1cpt\"\n[parameters.cl]\ninit = 20\nomega = 0.1\n[parameters.v]\ninit = 300\nomega = 0.1\n[parameters.ka]\ninit = 1\nomega = 0.2\n[error]\nproportional_sd = 0.2\n";

#[test]
fn fit_json_has_the_issue_layout() {
    let out = levodose(&[
        "fit",
        "examples/fit/levomilnacipran_sim.csv",
        "--model",
        "examples/fit/oral1_lag.toml",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(j["ofv"].as_f64().unwrap().is_finite());
    assert_eq!(j["n_subjects"], 60);
    assert_eq!(j["n_observations"], 360);
    assert_eq!(j["converged"], true);
    for name in ["cl", "v", "ka", "lag", "cl_crcl"] {
        let p = &j["parameters"][name];
        assert!(
            p["estimate"].is_number() && p["se"].is_number() && p["rse_pct"].is_number(),
            "{name}: {p}"
        );
    }
    for name in ["cl", "v", "ka"] {
        let o = &j["omega"][name];
        let var = o["variance"].as_f64().unwrap();
        // cv_pct = 100 sqrt(exp(omega^2) - 1) (issue 12)
        assert!((o["cv_pct"].as_f64().unwrap() - 100.0 * (var.exp() - 1.0).sqrt()).abs() < 1e-9);
        assert!(o["se"].is_number());
    }
    assert!(j["omega_correlation"]["cl,v"].is_number());
    assert!(j["sigma"]["proportional_sd"].is_number());
    assert!(j["shrinkage_pct"]["eta_cl"].is_number());
    let ind = &j["individual"][0];
    assert_eq!(ind["id"], "1");
    assert!(
        ind["eta"]["cl"].is_number()
            && ind["parameters"]["v"].is_number()
            && ind["ofv_contribution"].is_number()
    );
    // The individual OFV terms add up to the OFV.
    let sum: f64 = j["individual"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["ofv_contribution"].as_f64().unwrap())
        .sum();
    assert!((sum - j["ofv"].as_f64().unwrap()).abs() < 1e-6);
    assert!(j["covariance"]["condition_number"]
        .as_f64()
        .unwrap()
        .is_finite());
    assert!(j["findings"].is_array());
}

#[test]
fn bad_datasets_exit_2_naming_the_line() {
    let model = tmp("model.toml", MODEL);
    let m = model.to_str().unwrap();
    for (name, text, expect) in [
        (
            "backwards.csv",
            "ID,TIME,AMT,DV,EVID\n1,0,40,0,1\n1,5,0,30,0\n1,4,0,20,0\n",
            "line 4",
        ),
        (
            "noobs.csv",
            "ID,TIME,AMT,DV,EVID\n1,0,40,0,1\n1,5,0,30,0\n2,0,40,0,1\n",
            "line 4",
        ),
        (
            "noamt.csv",
            "ID,TIME,AMT,DV,EVID\n1,0,0,0,1\n1,5,0,30,0\n",
            "line 2",
        ),
        (
            "negdv.csv",
            "ID,TIME,AMT,DV,EVID\n1,0,40,0,1\n1,5,0,-3,0\n",
            "line 3",
        ),
    ] {
        let f = tmp(name, text);
        let out = levodose(&["fit", f.to_str().unwrap(), "--model", m]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(expect), "{name}: {err}");
    }
}

#[test]
fn nonmem_flags_need_nonmem_out() {
    let out = levodose(&[
        "simulate",
        "--regimen",
        "40mg qd",
        "--days",
        "2",
        "--sample-times",
        "1,2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--nonmem-out"));
}

#[test]
fn simulate_nonmem_out_reads_back_with_stated_units() {
    let dir = std::env::temp_dir().join(format!("levodose-cli-nm-{}", std::process::id()));
    let file = dir.join("sim.csv");
    let out = levodose(&[
        "simulate",
        "--regimen",
        "40mg qd",
        "--days",
        "2",
        "--sample-times",
        "6,24,30",
        "--nonmem-out",
        file.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("# units: TIME h; AMT mg (free base); DV ng/mL"));
    // Same concentrations as the simulation's own profile (hourly grid) at 6 and 30 h.
    let sim: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let prof = sim["profile"].as_array().unwrap();
    let at = |t: f64| {
        prof.iter()
            .find(|p| p["time_h"].as_f64().unwrap() == t)
            .unwrap()["conc_ng_per_ml"]
            .as_f64()
            .unwrap()
    };
    let obs: Vec<(f64, f64)> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .map(|l| {
            l.split(',')
                .map(|c| c.parse::<f64>().unwrap())
                .collect::<Vec<_>>()
        })
        .filter(|c| c[4] == 0.0)
        .map(|c| (c[1], c[3]))
        .collect();
    assert_eq!(obs.len(), 3);
    assert!((obs[0].1 - at(6.0)).abs() < 1e-9 * at(6.0));
    assert!((obs[2].1 - at(30.0)).abs() < 1e-9 * at(30.0));
}

/// `--write-model` writes a model that `fit --model` reads back (same OFV at the fitted values,
/// the omega block with the fitted correlation), and `--write-monograph` a monograph that
/// `simulate --monograph --subjects` and `trial --monograph` run on, its population centred on
/// the fitted CL/F.
#[test]
fn the_fitted_model_is_read_back_and_simulated() {
    let model = tmp(
        "block.toml",
        "structure = \"oral-1cpt-lag\"\n[parameters.cl]\ninit = 20\nomega = 0.1\n[parameters.v]\ninit = 350\nomega = 0.1\n[parameters.ka]\ninit = 1\nomega = 0.2\n[parameters.lag]\ninit = 3.5\n[omega_block]\nparameters = [\"cl\", \"v\"]\ncorrelation = 0.3\n[error]\nproportional_sd = 0.2\n",
    );
    let written = model.with_file_name("written.toml");
    let mono = model.with_file_name("fitted_monograph.toml");
    let out = levodose(&[
        "fit",
        "examples/fit/levomilnacipran_sim.csv",
        "--model",
        model.to_str().unwrap(),
        "--covariance",
        "none",
        "--write-model",
        written.to_str().unwrap(),
        "--write-monograph",
        mono.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fit: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = fit["omega_correlation"]["cl,v"].as_f64().unwrap();
    let text = std::fs::read_to_string(&written).unwrap();
    let file: toml::Value = toml::from_str(&text).unwrap();
    let written_r = file["omega_block"]["correlation"].as_float().unwrap();
    assert!((written_r - r).abs() < 1e-12, "{written_r} vs fitted {r}");

    let again = levodose(&[
        "fit",
        "examples/fit/levomilnacipran_sim.csv",
        "--model",
        written.to_str().unwrap(),
        "--posthoc-only",
        "--covariance",
        "none",
        "--json",
    ]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    let (a, b) = (fit["ofv"].as_f64().unwrap(), again["ofv"].as_f64().unwrap());
    assert!((a - b).abs() < 1e-6, "OFV {a} vs read back {b}");

    // Steady-state Cavg = dose / (tau CL/F): with CrCl at the reference (renal factor 1) the
    // population median is 40 mg / (24 h x fitted CL/F); the median of 400 log-normal draws
    // (omega_CL about 0.25) is within 5 % (about 3 standard errors).
    let sim = levodose(&[
        "simulate",
        "--monograph",
        mono.to_str().unwrap(),
        "--regimen",
        "40mg qd",
        "--subjects",
        "400",
        "--crcl",
        "100",
        "--seed",
        "4",
        "--no-profile",
        "--json",
    ]);
    assert!(
        sim.status.success(),
        "{}",
        String::from_utf8_lossy(&sim.stderr)
    );
    let sim: serde_json::Value = serde_json::from_slice(&sim.stdout).unwrap();
    let cl = fit["parameters"]["cl"]["estimate"].as_f64().unwrap();
    let cavg = sim["population"]["metrics"]["cavg_ng_per_ml"]["p50"]
        .as_f64()
        .unwrap();
    let expected = 40.0 / (24.0 * cl) * 1000.0;
    assert!(
        (cavg / expected - 1.0).abs() < 0.05,
        "median Cavg {cavg} vs {expected} from the fitted CL/F {cl}"
    );

    // optimize on the fitted population: the 40 mg candidate's median Cavg is the same
    // dose / (tau CL/F) within the same 5 %.
    let opt = levodose(&[
        "optimize",
        "--monograph",
        mono.to_str().unwrap(),
        "--subjects",
        "400",
        "--crcl",
        "100",
        "--seed",
        "4",
        "--json",
    ]);
    assert!(
        opt.status.success(),
        "{}",
        String::from_utf8_lossy(&opt.stderr)
    );
    let opt: serde_json::Value = serde_json::from_slice(&opt.stdout).unwrap();
    let c40 = opt["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["dose_mg"] == 40.0)
        .expect("a 40 mg candidate");
    let cavg40 = c40["metrics"]["cavg_ng_per_ml"]["p50"].as_f64().unwrap();
    assert!(
        (cavg40 / expected - 1.0).abs() < 0.05,
        "optimize: median Cavg {cavg40} at 40 mg vs {expected} from the fitted CL/F {cl}"
    );

    let trial = levodose(&[
        "trial",
        "examples/trial/madrs_8week.toml",
        "--monograph",
        mono.to_str().unwrap(),
        "--replicates",
        "3",
        "--n-per-arm",
        "20",
        "--seed",
        "1",
        "--json",
        "--quiet",
    ]);
    assert!(
        trial.status.success(),
        "{}",
        String::from_utf8_lossy(&trial.stderr)
    );
}

#[test]
fn fit_trace_prints_the_iteration_log_and_the_final_ofv() {
    let out = levodose(&[
        "fit",
        "examples/fit/levomilnacipran_sim.csv",
        "--model",
        "examples/fit/oral1_lag.toml",
        "--covariance",
        "none",
        "--json",
        "--trace",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let iterations: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("ITERATION NO.: "))
        .collect();
    assert!(iterations.len() >= 2, "{stderr}");
    assert!(iterations[0].starts_with("ITERATION NO.: 0  OBJECTIVE VALUE: "));
    assert!(iterations
        .iter()
        .all(|l| l.contains("  NO. OF FUNC. EVALS.: ")));
    // The last iteration line is the fit's last iterate.
    let last = iterations.last().unwrap();
    assert!(
        last.starts_with(&format!("ITERATION NO.: {}  ", j["iterations"])),
        "{last} vs {} iterations",
        j["iterations"]
    );
    let final_line = stderr.lines().last().unwrap();
    let ofv: f64 = final_line
        .strip_prefix("MINIMUM VALUE OF OBJECTIVE FUNCTION: ")
        .unwrap_or_else(|| panic!("{final_line}"))
        .parse()
        .unwrap();
    assert_eq!(ofv, j["ofv"].as_f64().unwrap());
}

#[test]
fn fit_without_trace_prints_no_iteration_log() {
    let out = levodose(&[
        "fit",
        "examples/fit/levomilnacipran_sim.csv",
        "--model",
        "examples/fit/oral1_lag.toml",
        "--posthoc-only",
        "--json",
    ]);
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("ITERATION NO."));
}

#[test]
fn a_covariate_that_makes_a_parameter_non_positive_is_named_with_its_subject() {
    // 1 + 0.05 (CRCL - 100) <= 0 for CRCL <= 80: subjects of the dataset have CRCL 68.
    let model = tmp(
        "linear_crcl.toml",
        "structure = \"oral-1cpt-lag\"\n[parameters.cl]\ninit = 20\nomega = 0.1\n[parameters.cl.covariates.CRCL]\nreference = 100\nform = \"linear\"\ninit = 0.05\n[parameters.v]\ninit = 350\nomega = 0.1\n[parameters.ka]\ninit = 1\nomega = 0.2\n[parameters.lag]\ninit = 3.5\n[error]\nproportional_sd = 0.2\n",
    );
    let out = levodose(&[
        "fit",
        "examples/fit/levomilnacipran_sim.csv",
        "--model",
        model.to_str().unwrap(),
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("covariate CRCL = ")
            && stderr.contains("of subject ")
            && stderr.contains("makes cl <= 0"),
        "{stderr}"
    );
    assert!(!stderr.contains("positive definite"), "{stderr}");
}
