//! `levodose fit DATA.csv --model model.toml`: population PK by FOCE-I (as NONMEM) on a
//! NONMEM-format dataset; JSON, tables and `--out` files are rendered from one `FitResult`.

use crate::error::{CliError, CliResult};
use crate::output::{file_names, print_json, to_json, write_files};
use crate::plot::Chart;
use levodose::dataset::{self, AmountUnit, ConcUnit, DatasetUnits, ReadOptions};
use levodose_fit::estimate::{CovarianceMethod, FitOptions, FitResult};
use levodose_fit::{Model, ModelFile};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Dataset: NONMEM format (CSV with a header): ID, TIME (h), AMT, DV, EVID (0 observation, 1 dose,
2 other/ignored), MDV, CMT (doses into CMT 1 are oral for oral structures), RATE (> 0 infusion),
ADDL with II, SS = 0; any other column is a covariate (baseline = first record). Not supported
(exit 2 with the line named): EVID 3/4, SS != 0, RATE -1/-2, doses without AMT, times going
backwards, subjects without observations, negative DV with a proportional error model.
Units: AMT mg and DV mg/L unless a `# units:` line (as `simulate --nonmem-out` writes) or
--amt-unit/--dv-unit say otherwise; predictions are amount / V in DV units.

Estimation: FOCE with interaction, OFV as NONMEM reports it (without N log 2 pi). Covariance step
R (NONMEM MATRIX=R, default) or sandwich; --covariance none skips it.

Examples:
  levodose fit examples/fit/levomilnacipran_sparse.csv --model examples/fit/oral1.toml --json
  levodose fit data.csv --model model.toml --ignore SS,II --amt-unit ug --dv-unit ug/L --out fit/";

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// NONMEM-format dataset (CSV).
    pub data: PathBuf,
    /// Model file (TOML): structure, parameters with omega, covariates, error.
    #[arg(long)]
    pub model: PathBuf,
    /// Columns that are not NONMEM items (comma-separated), e.g. SS,II.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Unit of AMT: mg, ug or ng.
    #[arg(long)]
    pub amt_unit: Option<String>,
    /// Unit of DV: mg/L, ug/L or ng/mL.
    #[arg(long)]
    pub dv_unit: Option<String>,
    /// Covariance step: r (default), sandwich or none.
    #[arg(long, default_value = "r")]
    pub covariance: String,
    /// Keep the population parameters at the model's values and estimate the MAP etas only.
    #[arg(long)]
    pub posthoc_only: bool,
    /// Print JSON to stdout.
    #[arg(long)]
    pub json: bool,
    /// Write fit.json, table.csv (PRED, IPRED, IWRES, CWRES) and goodness-of-fit plots here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the fitted model (estimates as initial values, omega block kept) to this TOML file;
    /// `fit --model FILE` reads it back.
    #[arg(long)]
    pub write_model: Option<PathBuf>,
    /// Write the compound's monograph with the fitted typical values and variability (source
    /// FIT) to this TOML file, for `simulate --monograph` and `trial --monograph`
    /// (oral-1cpt or oral-1cpt-lag without covariates).
    #[arg(long)]
    pub write_monograph: Option<PathBuf>,
    /// Compound whose built-in monograph --write-monograph starts from.
    #[arg(long, default_value = "levomilnacipran")]
    pub compound: String,
}

fn units(args: &Args, file_units: DatasetUnits) -> CliResult<Option<DatasetUnits>> {
    if args.amt_unit.is_none() && args.dv_unit.is_none() {
        return Ok(None);
    }
    let mut u = file_units;
    if let Some(a) = &args.amt_unit {
        u.amt = AmountUnit::parse(a)?;
    }
    if let Some(d) = &args.dv_unit {
        u.dv = ConcUnit::parse(d)?;
    }
    Ok(Some(u))
}

pub fn run(args: Args) -> CliResult {
    let covariance = match args.covariance.to_ascii_lowercase().as_str() {
        "r" => CovarianceMethod::R,
        "sandwich" => CovarianceMethod::Sandwich,
        "none" => CovarianceMethod::None,
        other => {
            return Err(CliError::input(format!(
                "--covariance: \"{other}\" is not one of r, sandwich, none"
            )))
        }
    };
    let text = std::fs::read_to_string(&args.data)
        .map_err(|e| CliError::input(format!("{}: cannot read: {e}", args.data.display())))?;
    let model_text = std::fs::read_to_string(&args.model).map_err(|e| {
        CliError::input(format!(
            "--model {}: cannot read: {e}",
            args.model.display()
        ))
    })?;
    let model = Model::from_file(&ModelFile::from_toml(&model_text)?)
        .map_err(|e| CliError::input(format!("--model {}: {e}", args.model.display())))?;
    let opts = ReadOptions {
        ignore: args.ignore.clone(),
        units: units(&args, DatasetUnits::default())?,
    };
    let data = dataset::read(&text, &opts)
        .map_err(|e| CliError::input(format!("{}: {e}", args.data.display())))?;
    let fit_opts = FitOptions {
        posthoc_only: args.posthoc_only,
        covariance,
        ..Default::default()
    };
    let result = levodose_fit::fit(&model, &data, &fit_opts).map_err(|e| match e {
        levodose::Error::Numerical(m) => CliError::Internal(anyhow::anyhow!(m)),
        other => CliError::input(format!("{}: {other}", args.data.display())),
    })?;
    let mut json = serde_json::to_value(&result)?;
    if let Some(o) = json.as_object_mut() {
        o.insert("units".into(), serde_json::to_value(data.units)?);
        o.insert("research_note".into(), crate::research_note().into());
    }
    // Resolve every requested output before writing any (no partial output files).
    let monograph_text = match &args.write_monograph {
        Some(path) => {
            let base = levodose::monograph::builtin(&args.compound)?;
            let citation = format!(
                "levodose fit (FOCE-I, {}) of {} with model {}; OFV {:.4}",
                result.method,
                args.data.display(),
                args.model.display(),
                result.ofv
            );
            let m = levodose_fit::export::monograph_with_fit(&result.fitted, &base, &citation)
                .map_err(|e| {
                    CliError::input(format!("--write-monograph {}: {e}", path.display()))
                })?;
            Some(toml::to_string_pretty(&m).map_err(|e| CliError::Internal(e.into()))?)
        }
        None => None,
    };
    if let (Some(path), Some(text)) = (&args.write_monograph, &monograph_text) {
        std::fs::write(path, text)?;
    }
    if let Some(path) = &args.write_model {
        let toml_text = toml::to_string_pretty(&result.fitted.to_file())
            .map_err(|e| CliError::Internal(e.into()))?;
        let header = format!(
            "# Fitted by levodose fit (FOCE-I) on {}; OFV {:.4}\n",
            args.data.display(),
            result.ofv
        );
        std::fs::write(path, header + &toml_text)?;
    }
    if let Some(dir) = &args.out {
        let files = vec![
            ("fit.json", to_json(&json)?.into_bytes()),
            ("table.csv", table_csv(&result).into_bytes()),
            (
                "dv_vs_pred.svg",
                scatter(&result, Axis::Pred).render_svg()?.into_bytes(),
            ),
            (
                "dv_vs_ipred.svg",
                scatter(&result, Axis::Ipred).render_svg()?.into_bytes(),
            ),
            (
                "cwres_vs_time.svg",
                cwres(&result, true).render_svg()?.into_bytes(),
            ),
            (
                "cwres_vs_pred.svg",
                cwres(&result, false).render_svg()?.into_bytes(),
            ),
        ];
        write_files(dir, &files)?;
        if !args.json {
            println!("Wrote {} to {}", file_names(&files), dir.display());
        }
    }
    if args.json {
        print_json(&json)?;
    } else {
        print_table(&result, &data.units);
    }
    Ok(())
}

fn print_table(r: &FitResult, units: &DatasetUnits) {
    println!(
        "{} ({}): {} subjects, {} observations; DV {}, AMT {}",
        r.method,
        r.structure,
        r.n_subjects,
        r.n_observations,
        units.dv.as_str(),
        units.amt.as_str()
    );
    println!(
        "OFV {:.4} ({}, {} iterations)",
        r.ofv,
        if r.converged {
            "converged"
        } else {
            "NOT converged"
        },
        r.iterations
    );
    let opt =
        |x: Option<f64>, d: usize| x.map(|v| format!("{v:.d$}")).unwrap_or_else(|| "-".into());
    println!(
        "\n  {:<16} {:>12} {:>12} {:>8}",
        "parameter", "estimate", "se", "rse %"
    );
    for (k, p) in &r.parameters {
        println!(
            "  {k:<16} {:>12.5} {:>12} {:>8}",
            p.estimate,
            opt(p.se, 5),
            opt(p.rse_pct, 1)
        );
    }
    println!(
        "\n  {:<16} {:>12} {:>8} {:>12} {:>12}",
        "omega", "variance", "cv %", "se", "shrink %"
    );
    for (k, o) in &r.omega {
        let sh = r.shrinkage_pct.get(&format!("eta_{k}")).copied();
        println!(
            "  {k:<16} {:>12.5} {:>8.1} {:>12} {:>12}",
            o.variance,
            o.cv_pct,
            opt(o.se, 5),
            opt(sh, 1)
        );
    }
    for (k, c) in &r.omega_correlation {
        println!("  correlation {k}: {c:.3}");
    }
    if let Some(a) = r.sigma.additive_sd {
        println!(
            "\n  additive SD      {a:.5} (se {})",
            opt(r.sigma.additive_sd_se, 5)
        );
    }
    if let Some(p) = r.sigma.proportional_sd {
        println!(
            "  proportional SD  {p:.5} (se {})",
            opt(r.sigma.proportional_sd_se, 5)
        );
    }
    if let Some(c) = &r.covariance {
        println!(
            "  covariance step: {:?}, condition number {:.1}",
            c.method, c.condition_number
        );
    }
    if !r.findings.is_empty() {
        println!("\nFindings:");
        for f in &r.findings {
            println!("  [{}] {}: {}", f.severity, f.code, f.message);
        }
    }
    println!("\n{}", crate::research_note());
}

fn table_csv(r: &FitResult) -> String {
    let mut s = String::from("ID,TIME,DV,PRED,IPRED,IWRES,CWRES,USED\n");
    let o = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    for d in &r.observations {
        s.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            d.id,
            d.time_h,
            d.dv,
            d.pred,
            d.ipred,
            o(d.iwres),
            o(d.cwres),
            d.used as u8
        ));
    }
    s
}

enum Axis {
    Pred,
    Ipred,
}

fn scatter(r: &FitResult, axis: Axis) -> Chart {
    let (name, pts): (&str, Vec<(f64, f64)>) = match axis {
        Axis::Pred => (
            "PRED",
            r.observations.iter().map(|d| (d.pred, d.dv)).collect(),
        ),
        Axis::Ipred => (
            "IPRED",
            r.observations.iter().map(|d| (d.ipred, d.dv)).collect(),
        ),
    };
    let max = pts.iter().map(|p| p.0.max(p.1)).fold(0.0, f64::max);
    let mut c = Chart::new(format!("Observed vs {name}"), name, "DV")
        .points("observations", pts)
        .line("identity", vec![(0.0, 0.0), (max, max)]);
    c.note = Some(crate::research_note().to_string());
    c
}

fn cwres(r: &FitResult, vs_time: bool) -> Chart {
    let pts: Vec<(f64, f64)> = r
        .observations
        .iter()
        .filter_map(|d| {
            d.cwres
                .map(|c| (if vs_time { d.time_h } else { d.pred }, c))
        })
        .collect();
    let x = if vs_time { "time (h)" } else { "PRED" };
    let xmax = pts.iter().map(|p| p.0).fold(0.0, f64::max);
    let mut c = Chart::new(format!("CWRES vs {x}"), x, "CWRES")
        .points("CWRES", pts)
        .line("0", vec![(0.0, 0.0), (xmax, 0.0)]);
    c.note = Some(crate::research_note().to_string());
    c
}
