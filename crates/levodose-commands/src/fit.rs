//! `levodose fit DATA.csv --model model.toml`: population PK by FOCE-I (as NONMEM) on a
//! NONMEM-format dataset; JSON, tables and `--out` files are rendered from one `FitResult`.

use crate::error::{CliError, CliResult};
use crate::fit_figures::{self, NamedChart};
use crate::fit_report::{self, FitFigures};
use crate::io::{file_names, print_json, to_json, write_files};
use levodose::dataset::{self, AmountUnit, ConcUnit, DatasetUnits, ReadOptions};
use levodose_fit::estimate::{CovarianceMethod, FitOptions, FitResult};
use levodose_fit::vpc::VpcOptions;
use levodose_fit::{Model, ModelFile};
use levodose_report::{self as report, Figure};
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

--out DIR writes report.html (estimates, findings, figures inline), fit.json, table.csv, vpc.csv
and SVG figures: dv_vs_pred, dv_vs_ipred, cwres_vs_time, cwres_vs_pred, individual_<ID> (first 12
subjects: observed DV with PRED and IPRED curves on a fine time grid) and vpc (visual predictive
check: --vpc-replicates simulations of the dataset's design from the fitted model, --seed; one
bin per sampling time up to 10 distinct times, otherwise 10 equal-count bins).

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
    /// Write report.html, fit.json, table.csv (PRED, IPRED, IWRES, CWRES), vpc.csv and the
    /// figures (goodness of fit, individual fits, visual predictive check) here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replicates of the visual predictive check written with --out (default 200).
    #[arg(long)]
    pub vpc_replicates: Option<usize>,
    /// Seed of the visual predictive check (default 1); same seed, same result on any thread count.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write the fitted model (estimates as initial values, omega block kept) to this TOML file;
    /// `fit --model FILE` reads it back.
    #[arg(long)]
    pub write_model: Option<PathBuf>,
    /// Write the compound's monograph with the fitted typical values and variability (source
    /// FIT) to this TOML file, for `simulate`, `optimize` and `trial --monograph`
    /// (oral-1cpt or oral-1cpt-lag without covariates).
    #[arg(long)]
    pub write_monograph: Option<PathBuf>,
    /// Compound whose built-in monograph --write-monograph starts from.
    #[arg(long, default_value = "levomilnacipran")]
    pub compound: String,
    /// Print the iteration log to stderr, as NONMEM's (ITERATION NO., OBJECTIVE VALUE, NO. OF
    /// FUNC. EVALS.), then the final OFV.
    #[arg(long)]
    pub trace: bool,
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

/// The VPC options, refused unless --out is given (the VPC is only written there).
fn vpc_options(args: &Args) -> CliResult<VpcOptions> {
    if args.out.is_none() {
        for (given, flag) in [
            (args.vpc_replicates.is_some(), "--vpc-replicates"),
            (args.seed.is_some(), "--seed"),
        ] {
            if given {
                return Err(CliError::input(format!(
                    "{flag} applies to the visual predictive check, which is written with --out DIR"
                )));
            }
        }
    }
    let mut opts = VpcOptions::default();
    if let Some(n) = args.vpc_replicates {
        if !(1..=100_000).contains(&n) {
            return Err(CliError::input(format!(
                "--vpc-replicates: {n} is not in 1..=100000"
            )));
        }
        opts.replicates = n;
    }
    if let Some(s) = args.seed {
        opts.seed = s;
    }
    Ok(opts)
}

pub fn run(args: Args) -> CliResult {
    let vpc_opts = vpc_options(&args)?;
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
    let mut trace = |r: &levodose_fit::optim::IterationReport| {
        let evals = r.evaluations.unwrap_or(0);
        eprintln!(
            "ITERATION NO.: {}  OBJECTIVE VALUE: {:.4}  NO. OF FUNC. EVALS.: {evals}",
            r.iteration, r.objective
        );
    };
    let mut quiet = levodose_fit::optim::NoObserver;
    let observer: &mut dyn levodose_fit::optim::Observer =
        if args.trace { &mut trace } else { &mut quiet };
    let result = levodose_fit::fit_observed(&model, &data, &fit_opts, observer);
    if let (true, Ok(r)) = (args.trace, &result) {
        eprintln!("MINIMUM VALUE OF OBJECTIVE FUNCTION: {}", r.ofv);
    }
    let result = result.map_err(|e| match e {
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
        let files = out_files(&args, &result, &data, &json, &vpc_opts)?;
        let named: Vec<(&str, Vec<u8>)> =
            files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
        write_files(dir, &named)?;
        if !args.json {
            println!("Wrote {} to {}", file_names(&named), dir.display());
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

/// Renders a chart once; the same SVG is written to `<stem>.svg` and inlined in the report.
fn render(c: &NamedChart) -> CliResult<Figure> {
    Ok(Figure::from_chart(&c.stem, &c.chart)?)
}

/// Every file of `--out`, rendered before anything is written (no partial output).
fn out_files(
    args: &Args,
    result: &FitResult,
    data: &dataset::Dataset,
    json: &serde_json::Value,
    vpc_opts: &VpcOptions,
) -> CliResult<Vec<(String, Vec<u8>)>> {
    let units = &data.units;
    let curves = levodose_fit::curves::individual_curves(result, data, fit_figures::CURVE_POINTS)?;
    let vpc = levodose_fit::vpc::vpc(result, data, vpc_opts)?;
    let gof = fit_figures::goodness_of_fit(result, units)
        .iter()
        .map(render)
        .collect::<CliResult<Vec<_>>>()?;
    let individual = fit_figures::individual_fits(&curves, units)
        .iter()
        .map(render)
        .collect::<CliResult<Vec<_>>>()?;
    let vpc_fig = render(&fit_figures::vpc_chart(&vpc, units))?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("fit.json".into(), to_json(json)?.into_bytes()),
        ("table.csv".into(), table_csv(result).into_bytes()),
        ("vpc.csv".into(), fit_figures::vpc_csv(&vpc).into_bytes()),
    ];
    for f in gof
        .iter()
        .chain(&individual)
        .chain(std::iter::once(&vpc_fig))
    {
        files.push((format!("{}.svg", f.id), f.svg.clone().into_bytes()));
    }
    let mut inputs = vec![
        ("dataset".to_string(), args.data.display().to_string()),
        ("model".into(), args.model.display().to_string()),
        ("structure".into(), result.structure.to_string()),
        (
            "units".into(),
            format!("AMT {}, DV {}", units.amt.as_str(), units.dv.as_str()),
        ),
        ("covariance step".into(), args.covariance.clone()),
        (
            "VPC".into(),
            format!("{} replicates, seed {}", vpc.replicates, vpc.seed),
        ),
    ];
    if !args.ignore.is_empty() {
        inputs.push(("ignored columns".into(), args.ignore.join(", ")));
    }
    if args.posthoc_only {
        inputs.push((
            "mode".into(),
            "--posthoc-only: population values kept as given".into(),
        ));
    }
    let figures = FitFigures {
        goodness_of_fit: gof,
        n_subjects: curves.len(),
        individual,
        vpc: vpc_fig,
    };
    let title = format!(
        "levodose fit: {} on {}",
        result.structure,
        args.data
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| args.data.display().to_string())
    );
    let doc = fit_report::document(result, &vpc, title, inputs, figures);
    files.insert(
        0,
        (
            "report.html".into(),
            report::render_html(&doc)?.into_bytes(),
        ),
    );
    Ok(files)
}
