//! `levodose individualize`: one patient's measured levels and dosing history, a population model
//! as the prior, and the MAP estimate of the patient's CL/F, V/F and ka with the profiles and the
//! label-conform dose it implies. The CLI reads the files and renders; the computation is
//! `levodose_fit::tdm`.

use crate::error::{CliError, CliResult};
use crate::io::{file_names, pct, print_json, to_json, write_files};
use levodose::dataset::{self, ReadOptions};
use levodose::finding::{Finding, Severity};
use levodose::metric::Metric;
use levodose::monograph::Monograph;
use levodose::occupancy::Basis;
use levodose::regimen::{self, DoseEvent, ResolveContext, TitrationRule};
use levodose_fit::individualize::Level;
use levodose_fit::tdm::{self, Tdm, TdmSpec};
use levodose_fit::{Model, ModelFile};
use levodose_report::plot::Chart;
use levodose_report::{self as report, Answer, Document, Figure, Section, Table};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Levels CSV: a header with CONC_NG_PER_ML (total plasma concentration, ng/mL) and TIME_H (hours
since the first dose of the history); one row per level. A level without a time (no TIME_H column
or a blank cell) is taken as a trough just before the next dose after the last dose of the history
(the regimen over --days days, or the dataset's doses), with a sampling_time_unknown finding.

Prior: the built-in population model of the compound (monograph typical CL/F, V/F, ka and lag for
the patient's CrCl and co-medications, log-normal IIV, proportional residual error), or a fit model
file (--model, the `levodose fit` format; covariate columns come from --dataset or CRCL from --crcl).

Examples:
  levodose individualize --regimen \"80mg qd\" --levels examples/individualize/levels.csv
  levodose individualize --regimen \"80mg qd\" --levels levels.csv --crcl 45 --target net_occupancy.trough>=0.5 --pta 0.8 --json
  levodose individualize --dataset data.csv --id 7 --model model.toml --out patient7/";

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Dosing history as a regimen from the first dose, e.g. \"80mg qd\" or \"20mg qd d1-2; 40mg qd d3-\".
    #[arg(long)]
    pub regimen: Option<String>,
    /// Days of the regimen taken (default: up to the day of the last timed level).
    #[arg(long)]
    pub days: Option<u32>,
    /// Measured levels (CSV: TIME_H, CONC_NG_PER_ML). Without it (and without --dataset
    /// observations) the result is the prior.
    #[arg(long)]
    pub levels: Option<PathBuf>,
    /// NONMEM-format dataset giving the dosing history (and the levels, if --levels is not given).
    #[arg(long)]
    pub dataset: Option<PathBuf>,
    /// Subject ID in --dataset (needed when it holds more than one subject).
    #[arg(long)]
    pub id: Option<String>,
    /// Dataset columns that are not NONMEM items (comma-separated), e.g. SS,II.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Prior model file (levodose fit format) instead of the built-in population model.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Target expression, e.g. net_occupancy.trough>=0.5 (repeat: all must hold). Default: the monograph's research target.
    #[arg(long = "target")]
    pub target: Vec<String>,
    /// Required posterior probability of target attainment (0.01-1).
    #[arg(long, default_value_t = 0.9)]
    pub pta: f64,
    /// Candidate once-daily doses in mg, comma-separated (default: the label's maintenance doses).
    #[arg(long, value_delimiter = ',')]
    pub doses: Option<Vec<f64>>,
    /// The patient's creatinine clearance (mL/min).
    #[arg(long)]
    pub crcl: Option<f64>,
    /// Co-medication the patient takes throughout (repeatable), e.g. ketoconazole.
    #[arg(long = "comed")]
    pub comed: Vec<String>,
    /// Draws from the posterior (and from the prior for the plausibility check).
    #[arg(long, default_value_t = 2000)]
    pub samples: usize,
    /// Random seed (same seed, same result on any number of threads).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Occupancy basis: ki (binding) or ic50 (uptake inhibition).
    #[arg(long = "occupancy-basis", default_value = "ki")]
    pub occupancy_basis: String,
    /// Compound (built-in monograph).
    #[arg(long, default_value = "levomilnacipran")]
    pub compound: String,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write individualize.json, concentration.svg, occupancy.svg and report.html to this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The dataset column holding creatinine clearance (mL/min), as `simulate --nonmem-out` writes it.
const CRCL_COLUMN: &str = "CRCL";

/// Resolution of the predicted profiles (display only).
const PROFILE_STEP_H: f64 = 0.5;

/// One row of the levels file; `time_h` None = the sampling time is unknown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelRow {
    pub time_h: Option<f64>,
    pub conc_ng_per_ml: f64,
}

/// Parses a levels CSV; errors name the row (and file line), the column and the allowed range.
pub fn parse_levels(text: &str, file: &str) -> CliResult<Vec<LevelRow>> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| CliError::input(format!("{file}: cannot read the header: {e}")))?
        .clone();
    let mut time_col = None;
    let mut conc_col = None;
    for (i, h) in header.iter().enumerate() {
        match h.to_ascii_uppercase().as_str() {
            "TIME_H" => time_col = Some(i),
            "CONC_NG_PER_ML" => conc_col = Some(i),
            other => {
                return Err(CliError::input(format!(
                    "{file}: column \"{other}\" is not allowed; the columns are TIME_H (hours since the first dose) and CONC_NG_PER_ML"
                )))
            }
        }
    }
    let conc_col = conc_col.ok_or_else(|| {
        CliError::input(format!(
            "{file}: no CONC_NG_PER_ML column (the measured total plasma concentration in ng/mL)"
        ))
    })?;
    let mut rows = Vec::new();
    for (k, rec) in rdr.records().enumerate() {
        let row = k + 1;
        let rec = rec.map_err(|e| CliError::input(format!("{file}: row {row}: {e}")))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let at = format!("{file}: row {row} (line {line})");
        let cell = |c: usize| rec.get(c).unwrap_or("");
        let conc_text = cell(conc_col);
        let conc: f64 = conc_text.parse().map_err(|_| {
            CliError::input(format!(
                "{at}: CONC_NG_PER_ML \"{conc_text}\" is not a number; give a concentration in ng/mL, 0 or more"
            ))
        })?;
        if !(conc.is_finite() && conc >= 0.0) {
            return Err(CliError::input(format!(
                "{at}: CONC_NG_PER_ML {conc} is outside the allowed range (finite, 0 or more ng/mL)"
            )));
        }
        let time_h = match time_col.map(cell) {
            None | Some("") => None,
            Some(t) => {
                let x: f64 = t.parse().map_err(|_| {
                    CliError::input(format!(
                        "{at}: TIME_H \"{t}\" is not a number; give hours since the first dose, 0 or more (or leave it blank if unknown)"
                    ))
                })?;
                if !(x.is_finite() && x >= 0.0) {
                    return Err(CliError::input(format!(
                        "{at}: TIME_H {x} is outside the allowed range (hours since the first dose, 0 or more)"
                    )));
                }
                Some(x)
            }
        };
        rows.push(LevelRow {
            time_h,
            conc_ng_per_ml: conc,
        });
    }
    if rows.is_empty() {
        return Err(CliError::input(format!(
            "{file}: no rows; give one or more levels (or leave out --levels for the prior alone)"
        )));
    }
    Ok(rows)
}

fn read_text(path: &Path, flag: &str) -> CliResult<String> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::input(format!("{flag} {}: cannot read: {e}", path.display())))
}

/// The dosing history and any levels the dataset holds for the chosen subject.
struct History {
    doses: Vec<DoseEvent>,
    description: String,
    dataset_levels: Vec<LevelRow>,
    covariates: std::collections::BTreeMap<String, f64>,
}

fn history(args: &Args, m: &Monograph, rows: &[LevelRow]) -> CliResult<History> {
    match (&args.regimen, &args.dataset) {
        (Some(_), Some(_)) => Err(CliError::input(
            "--regimen and --dataset: give one dosing history",
        )),
        (None, None) => Err(CliError::input(
            "give the dosing history: --regimen \"80mg qd\" or --dataset FILE --id ID",
        )),
        (Some(text), None) => {
            if args.id.is_some() || !args.ignore.is_empty() {
                return Err(CliError::input(
                    "--id and --ignore select dataset rows; they need --dataset",
                ));
            }
            let rule = m.label.as_ref().map(TitrationRule::from_label);
            let reg = regimen::parse(text, rule.as_ref())?;
            if reg.segments.iter().any(|s| s.steady_state) {
                return Err(CliError::input(
                    "--regimen: `ss` is not allowed here; write the history from the first dose (levels are timed from it)",
                ));
            }
            let last_timed = rows
                .iter()
                .filter_map(|r| r.time_h)
                .fold(None, |a: Option<f64>, t| Some(a.map_or(t, |a| a.max(t))));
            let days = match (args.days, last_timed) {
                (Some(d), _) => d,
                (None, Some(t)) => ((t / 24.0).ceil() as u32).max(1),
                (None, None) if rows.is_empty() => {
                    return Err(CliError::input(
                        "--days: give the days of the regimen taken (there are no levels to time the history)",
                    ))
                }
                (None, None) => {
                    return Err(CliError::input(
                        "--days: no level has a sampling time; give the days of the regimen taken, and the levels are taken as troughs after the last dose",
                    ))
                }
            };
            if days == 0 || days > 3650 {
                return Err(CliError::input(format!(
                    "--days {days} is outside 1 to 3650"
                )));
            }
            let doses = reg.events(&ResolveContext {
                weight_kg: None,
                molar_mass_base: m.compound.molar_mass_base_g_per_mol.value,
                molar_mass_salt: m.salt_molar_mass(),
                days,
            })?;
            Ok(History {
                description: format!("{reg} over {days} day(s), {} dose(s)", doses.len()),
                doses,
                dataset_levels: vec![],
                covariates: Default::default(),
            })
        }
        (None, Some(path)) => {
            if args.days.is_some() {
                return Err(CliError::input(
                    "--days sets the length of a --regimen history; the dataset's doses are the history",
                ));
            }
            let text = read_text(path, "--dataset")?;
            let data = dataset::read(
                &text,
                &ReadOptions {
                    ignore: args.ignore.clone(),
                    units: None,
                },
            )
            .map_err(|e| CliError::input(format!("--dataset {}: {e}", path.display())))?;
            let subject = match &args.id {
                Some(id) => data.subjects.iter().find(|s| &s.id == id).ok_or_else(|| {
                    CliError::input(format!(
                        "--id {id}: no such subject in {}; IDs: {}",
                        path.display(),
                        data.subjects
                            .iter()
                            .map(|s| s.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?,
                None if data.subjects.len() == 1 => &data.subjects[0],
                None => {
                    return Err(CliError::input(format!(
                        "--id: {} holds {} subjects; choose one",
                        path.display(),
                        data.subjects.len()
                    )))
                }
            };
            let ng_per_ml_per_dv =
                levodose::units::NG_PER_ML_PER_MG_PER_L / data.units.dv_per_mg_per_l();
            Ok(History {
                description: format!(
                    "{} subject {} ({} dose(s))",
                    path.display(),
                    subject.id,
                    subject.doses.len()
                ),
                doses: subject.dose_events(Some(1)),
                dataset_levels: subject
                    .observations
                    .iter()
                    .map(|o| LevelRow {
                        time_h: Some(o.time_h),
                        conc_ng_per_ml: o.dv * ng_per_ml_per_dv,
                    })
                    .collect(),
                covariates: subject.covariates.clone(),
            })
        }
    }
}

/// Untimed levels become troughs just before the next dose after the history's last dose, with a
/// finding each.
fn place_levels(
    rows: &[LevelRow],
    doses: &[DoseEvent],
    tau_h: f64,
    findings: &mut Vec<Finding>,
) -> Vec<Level> {
    let last_dose_h = doses.iter().map(|d| d.time_h).fold(0.0_f64, f64::max);
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let time_h = r.time_h.unwrap_or_else(|| {
                let t = last_dose_h + tau_h;
                findings.push(Finding::new(
                    "sampling_time_unknown",
                    Severity::Warning,
                    format!(
                        "level {} has no sampling time relative to the dose: taken as a trough {tau_h} h after the last dose of the history (t = {t} h); if it was drawn at another time the estimates are biased",
                        i + 1
                    ),
                    "LEVODOSE",
                ));
                t
            });
            Level {
                time_h,
                conc_ng_per_ml: r.conc_ng_per_ml,
            }
        })
        .collect()
}

/// The prior model and its covariate values for this patient.
fn prior(
    args: &Args,
    m: &Monograph,
    h: &History,
    crcl: Option<f64>,
) -> CliResult<(Model, Vec<f64>, String)> {
    let Some(path) = &args.model else {
        let model = tdm::monograph_prior(m, crcl, &args.comed)?;
        return Ok((
            model,
            vec![],
            format!(
                "built-in {} population model (monograph typical values for this patient's CrCl and co-medications, [variability], residual error)",
                m.compound.name
            ),
        ));
    };
    let text = read_text(path, "--model")?;
    let model = Model::from_file(&ModelFile::from_toml(&text)?)
        .map_err(|e| CliError::input(format!("--model {}: {e}", path.display())))?;
    let covariates =
        model
            .covariates
            .iter()
            .map(
                |c| match (h.covariates.get(&c.column), c.column.as_str(), crcl) {
                    (Some(x), _, _) => Ok(*x),
                    (None, CRCL_COLUMN, Some(x)) => Ok(x),
                    _ => Err(CliError::input(format!(
                    "--model {}: covariate {} has no value for this patient (a --dataset column{})",
                    path.display(),
                    c.column,
                    if c.column == CRCL_COLUMN { " or --crcl" } else { "" }
                ))),
                },
            )
            .collect::<CliResult<Vec<f64>>>()?;
    Ok((model, covariates, format!("model file {}", path.display())))
}

/// Reads the inputs and runs the individualisation.
pub fn compute(args: &Args) -> CliResult<(Tdm, String, String)> {
    let m = levodose::monograph::builtin(&args.compound)?;
    let rows = match &args.levels {
        Some(p) => parse_levels(&read_text(p, "--levels")?, &p.display().to_string())?,
        None => vec![],
    };
    let h = history(args, &m, &rows)?;
    let rows = if args.levels.is_some() {
        rows
    } else {
        h.dataset_levels.clone()
    };
    let tau_h = m.compound.usual_tau_h.value;
    let mut findings = Vec::new();
    let levels = place_levels(&rows, &h.doses, tau_h, &mut findings);
    // The patient's CrCl: --crcl, else the dataset's CRCL column (baseline).
    let crcl = args.crcl.or_else(|| h.covariates.get(CRCL_COLUMN).copied());
    if let Some(c) = crcl {
        levodose::error::check_range("crcl", c, 0.0, 250.0, "mL/min")?;
    }
    let (model, covariates, prior_text) = prior(args, &m, &h, crcl)?;
    let last_dose_h = h.doses.iter().map(|d| d.time_h).fold(0.0_f64, f64::max);
    let end_h = levels
        .iter()
        .map(|l| l.time_h)
        .fold(last_dose_h + tau_h, f64::max);
    let spec = TdmSpec {
        prior: model,
        covariates,
        doses: h.doses.clone(),
        levels,
        crcl_ml_per_min: crcl,
        comedications: args.comed.clone(),
        targets: args.target.clone(),
        pta: args.pta,
        doses_mg: args.doses.clone(),
        samples: args.samples,
        seed: args.seed,
        basis: Basis::parse(&args.occupancy_basis)?,
        profile_end_h: (end_h / PROFILE_STEP_H).ceil() * PROFILE_STEP_H,
        profile_step_h: PROFILE_STEP_H,
    };
    let mut t = tdm::individualize(&m, &spec).map_err(|e| match e {
        levodose::Error::Numerical(msg) => CliError::Internal(anyhow::anyhow!(msg)),
        other => other.into(),
    })?;
    findings.append(&mut t.findings);
    t.findings = findings;
    if let (None, Some(c)) = (args.crcl, crcl) {
        t.notes.push(format!(
            "CrCl {c} mL/min from the dataset's {CRCL_COLUMN} column (baseline record)"
        ));
    }
    if args.model.is_some() && !args.comed.is_empty() {
        t.notes.push("--model: co-medications set the label cap; the model file's clearance is not changed by them (measured levels under the co-medication carry its effect)".into());
    }
    Ok((t, prior_text, h.description))
}

pub fn run(args: Args) -> CliResult {
    let (t, prior_text, history_text) = compute(&args)?;
    let m = levodose::monograph::builtin(&args.compound)?;
    if args.json {
        let mut v = serde_json::to_value(&t)?;
        if let Some(o) = v.as_object_mut() {
            o.insert("prior".into(), prior_text.clone().into());
            o.insert("dosing_history".into(), history_text.clone().into());
        }
        print_json(&v)?;
    } else {
        print!("{}", report_text(&t, &prior_text, &history_text));
    }
    if let Some(dir) = &args.out {
        let conc = conc_chart(&t);
        let occ = occupancy_chart(&t);
        let html =
            report::render_html(&document(&t, &m, &prior_text, &history_text, &conc, &occ)?)?;
        let mut v = serde_json::to_value(&t)?;
        if let Some(o) = v.as_object_mut() {
            o.insert("prior".into(), prior_text.into());
            o.insert("dosing_history".into(), history_text.into());
        }
        let files = [
            ("individualize.json", to_json(&v)?.into_bytes()),
            ("concentration.svg", conc.render_svg()?.into_bytes()),
            ("occupancy.svg", occ.render_svg()?.into_bytes()),
            ("report.html", html.into_bytes()),
        ];
        write_files(dir, &files)?;
        if !args.json {
            println!("\nWrote {} to {}", file_names(&files), dir.display());
        }
    }
    Ok(())
}

/// How users name the model parameters.
fn label_of(name: &str) -> &str {
    match name {
        "cl" => "CL/F (L/h)",
        "v" => "V/F (L)",
        "ka" => "ka (1/h)",
        "lag" => "lag (h)",
        other => other,
    }
}

fn parameter_rows(t: &Tdm) -> Vec<Vec<String>> {
    t.map
        .parameters
        .iter()
        .map(|(name, est)| {
            vec![
                label_of(name).to_string(),
                format!(
                    "{:.4}",
                    t.prior_typical.get(name).copied().unwrap_or(f64::NAN)
                ),
                format!("{est:.4}"),
                match t.map.parameters_ci95.get(name) {
                    Some((lo, hi)) => format!("{lo:.4} - {hi:.4}"),
                    None => "fixed (no IIV)".into(),
                },
            ]
        })
        .collect()
}

fn level_rows(t: &Tdm) -> Vec<Vec<String>> {
    t.levels
        .iter()
        .map(|l| {
            vec![
                format!("{}", l.time_h),
                format!("{}", l.conc_ng_per_ml),
                format!("{:.2}", l.ipred_ng_per_ml),
                format!("{:.2}", l.pred_ng_per_ml),
                format!(
                    "{:.2} - {:.2}",
                    l.prior_p01_ng_per_ml, l.prior_p99_ng_per_ml
                ),
                if l.plausible { "yes" } else { "IMPLAUSIBLE" }.into(),
            ]
        })
        .collect()
}

fn fmt_metric(metric: &Metric, x: f64) -> String {
    if metric.is_occupancy() {
        pct(x)
    } else {
        format!("{x:.1}")
    }
}

fn dose_table(t: &Tdm) -> (Vec<String>, Vec<Vec<String>>) {
    let names = target_metric_names(&t.dose);
    let mut header = vec![
        "dose (mg once daily)".to_string(),
        "PTA".into(),
        "label".into(),
    ];
    for n in &names {
        header.push(format!("{n} p05"));
        header.push(format!("{n} p50"));
    }
    let rows = t
        .dose
        .candidates
        .iter()
        .map(|c| {
            let mut row = vec![
                format!("{}", c.dose_mg),
                pct(c.pta),
                if c.label_conform {
                    "on-label"
                } else {
                    "OVER CAP"
                }
                .to_string(),
            ];
            for n in &names {
                let s = c.target_metrics[*n];
                row.push(fmt_metric(n, s.p05));
                row.push(fmt_metric(n, s.p50));
            }
            row
        })
        .collect();
    (header, rows)
}

/// The target metrics of the candidates, in the order the candidates hold them.
fn target_metric_names(d: &tdm::DoseChoice) -> Vec<Metric> {
    d.candidates
        .first()
        .map(|c| c.target_metrics.keys().collect())
        .unwrap_or_default()
}

fn md_table(s: &mut String, header: &[String], rows: &[Vec<String>]) {
    let _ = writeln!(s, "| {} |", header.join(" | "));
    let _ = writeln!(s, "|{}", "---|".repeat(header.len()));
    for r in rows {
        let _ = writeln!(s, "| {} |", r.join(" | "));
    }
}

/// The text report (terminal).
fn report_text(t: &Tdm, prior: &str, history: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# levodose individualize: {}\n", t.compound);
    let _ = writeln!(s, "_{}_\n", t.research_note);
    let _ = writeln!(s, "Prior: {prior}; structure {}.", t.structure);
    let _ = writeln!(s, "Dosing history: {history}.");
    let _ = writeln!(
        s,
        "Levels: {}; MAP {}.\n",
        t.levels.len(),
        if t.map.converged {
            "converged"
        } else {
            "NOT converged"
        }
    );
    let _ = writeln!(
        s,
        "## The patient's parameters (MAP, 95 % Laplace interval)\n"
    );
    md_table(
        &mut s,
        &[
            "parameter".into(),
            "prior typical".into(),
            "MAP".into(),
            "95 % interval".into(),
        ],
        &parameter_rows(t),
    );
    if !t.levels.is_empty() {
        let _ = writeln!(s, "\n## Levels (ng/mL)\n");
        md_table(&mut s, &level_header(), &level_rows(t));
    }
    let _ = writeln!(s, "\n## Dose\n");
    let _ = writeln!(
        s,
        "Target: {} with posterior probability >= {} at steady state ({}).",
        t.dose.targets.join(" and "),
        pct(t.dose.pta_required),
        t.dose.target_basis
    );
    let _ = writeln!(
        s,
        "Label cap for this patient: {}.\n",
        t.dose
            .label_cap_mg
            .map(|c| format!("{c} mg once daily ({})", t.dose.label_cap_reason))
            .unwrap_or_else(|| t.dose.label_cap_reason.clone())
    );
    let (header, rows) = dose_table(t);
    md_table(&mut s, &header, &rows);
    let _ = writeln!(s);
    match t.dose.recommended_dose_mg {
        Some(d) => {
            let _ = writeln!(s, "**{d} mg once daily**: {}.", t.dose.message);
        }
        None => {
            let _ = writeln!(s, "**No dose is recommended.** {}.", t.dose.message);
        }
    }
    if !t.findings.is_empty() {
        let _ = writeln!(s, "\n## Findings\n");
        for f in &t.findings {
            let _ = writeln!(
                s,
                "- {} `{}`: {} ({})",
                f.severity, f.code, f.message, f.source
            );
        }
    }
    let _ = writeln!(s, "\n## Notes\n");
    for n in &t.notes {
        let _ = writeln!(s, "- {n}");
    }
    s
}

fn level_header() -> Vec<String> {
    vec![
        "time (h)".into(),
        "measured".into(),
        "IPRED".into(),
        "PRED".into(),
        "prior predictive 1-99 %".into(),
        "plausible".into(),
    ]
}

fn document(
    t: &Tdm,
    m: &Monograph,
    prior: &str,
    history: &str,
    conc: &Chart,
    occ: &Chart,
) -> CliResult<Document> {
    let answer = match t.dose.recommended_dose_mg {
        Some(d) => Answer {
            headline: format!("{d} mg once daily"),
            details: vec![t.dose.message.clone()],
            positive: true,
        },
        None => Answer {
            headline: "No dose is recommended".into(),
            details: vec![t.dose.message.clone()],
            positive: false,
        },
    };
    let inputs = vec![
        ("compound".to_string(), t.compound.clone()),
        ("prior".into(), prior.to_string()),
        ("dosing history".into(), history.to_string()),
        ("levels".into(), t.levels.len().to_string()),
        ("target".into(), t.dose.targets.join(" and ")),
        ("required PTA".into(), pct(t.dose.pta_required)),
        (
            "label cap".into(),
            t.dose
                .label_cap_mg
                .map(|c| format!("{c} mg once daily ({})", t.dose.label_cap_reason))
                .unwrap_or_else(|| t.dose.label_cap_reason.clone()),
        ),
        (
            "posterior draws".into(),
            format!("{}, seed {}", t.samples, t.seed),
        ),
    ];
    let (dose_header, dose_rows) = dose_table(t);
    let mut sections = vec![Section {
        heading: "The patient's parameters".into(),
        tables: vec![Table {
            caption: "MAP estimates with 95 % Laplace intervals".into(),
            header: vec![
                "parameter".into(),
                "prior typical".into(),
                "MAP".into(),
                "95 % interval".into(),
            ],
            rows: parameter_rows(t),
            note: None,
        }],
        figures: vec![
            Figure::from_chart("concentration", conc)?,
            Figure::from_chart("occupancy", occ)?,
        ],
        ..Default::default()
    }];
    if !t.levels.is_empty() {
        sections.push(Section {
            heading: "Levels".into(),
            tables: vec![Table {
                caption: "Measured levels (ng/mL) with individual (IPRED) and typical (PRED) predictions and the prior predictive range".into(),
                header: level_header(),
                rows: level_rows(t),
                note: None,
            }],
            ..Default::default()
        });
    }
    sections.push(Section {
        heading: "Dose".into(),
        tables: vec![Table {
            caption:
                "Posterior probability of target attainment by once-daily dose at steady state"
                    .into(),
            header: dose_header,
            rows: dose_rows,
            note: None,
        }],
        ..Default::default()
    });
    sections.push(Section {
        heading: "Notes".into(),
        paragraphs: t.notes.clone(),
        ..Default::default()
    });
    Ok(Document {
        title: format!("levodose individualize: {}", t.compound),
        command: None,
        inputs,
        answer,
        sections,
        findings: t.findings.clone(),
        sources: report::sources_of(m),
        research_note: t.research_note.to_string(),
        links: vec![],
    })
}

fn conc_chart(t: &Tdm) -> Chart {
    let p = &t.profiles;
    let c = &p.conc_ng_per_ml;
    let mut ch = Chart::new(
        format!("{}: predicted concentration for this patient", t.compound),
        "time since the first dose (h)",
        "total plasma concentration (ng/mL)",
    )
    .band(
        "posterior 5-95 %",
        p.time_h.clone(),
        c.p05.clone(),
        c.p95.clone(),
    )
    .line(
        "MAP prediction",
        p.time_h
            .iter()
            .copied()
            .zip(c.map.iter().copied())
            .collect(),
    );
    if !t.levels.is_empty() {
        ch = ch.points(
            "measured levels",
            t.levels
                .iter()
                .map(|l| (l.time_h, l.conc_ng_per_ml))
                .collect(),
        );
    }
    ch.caption = Some(format!(
        "MAP prediction and 5-95 % range of {} posterior draws (seed {}).",
        t.samples, t.seed
    ));
    ch.note = Some(t.research_note.to_string());
    ch
}

fn occupancy_chart(t: &Tdm) -> Chart {
    let p = &t.profiles;
    let mut ch = Chart::new(
        format!(
            "{}: predicted NET and SERT occupancy for this patient",
            t.compound
        ),
        "time since the first dose (h)",
        "occupancy (fraction)",
    )
    .band(
        "NET posterior 5-95 %",
        p.time_h.clone(),
        p.net_occupancy.p05.clone(),
        p.net_occupancy.p95.clone(),
    )
    .band(
        "SERT posterior 5-95 %",
        p.time_h.clone(),
        p.sert_occupancy.p05.clone(),
        p.sert_occupancy.p95.clone(),
    )
    .line(
        "NET (MAP)",
        p.time_h
            .iter()
            .copied()
            .zip(p.net_occupancy.map.iter().copied())
            .collect(),
    )
    .line(
        "SERT (MAP)",
        p.time_h
            .iter()
            .copied()
            .zip(p.sert_occupancy.map.iter().copied())
            .collect(),
    );
    ch.y_range = Some((0.0, 1.05));
    ch.caption = Some(format!(
        "MAP occupancy and 5-95 % range of {} posterior draws (seed {}).",
        t.samples, t.seed
    ));
    ch.note = Some(t.research_note.to_string());
    ch
}
