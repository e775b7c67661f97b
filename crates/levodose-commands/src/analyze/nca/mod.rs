//! `levodose analyze nca`: non-compartmental analysis as Phoenix WinNonlin computes it, with
//! parameters named as PKNCA; per-subject results, group summaries, CDISC PP rows, plots, sparse
//! sampling (Bailer / Nedelman-Jia) and measured species PK for `translate` (`--write-pk`).
//! The computation is `levodose_stats::nca`; this module reads files, checks flags and renders.

mod input;
mod nonmem;
pub(crate) mod plots;
pub(crate) mod render;

use crate::error::{CliError, CliResult};
use crate::io::{ensure_dir, print_json, to_json, write_atomic, write_files, written_names};
use input::Columns;
use levodose::translate::measured::{self, AnimalValues, StudyUnits};
use levodose::translate::{AnimalRoute, Species};
use levodose_stats::finding::{Finding, Severity};
use levodose_stats::nca::{
    self, absorption, parameters::Analysis, AucMethod, BlqRule, GroupSummary, Profile, Route,
    Settings,
};
use render::{Report, SettingsOut, SubjectOut, Units};
use serde_json::json;
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Rules (Phoenix WinNonlin): concentration 0 at time 0 for extravascular dosing and infusions unless
observed; C0 by log-linear back-extrapolation of the first two samples for a bolus; lambda_z by
best fit (>= 3 points, largest adjusted R², more points preferred within 1e-4; after Cmax except
for a bolus). BLQ (--lloq or --blq-column) as PKNCA conc.blq: first keep as 0, middle drop, last
keep as 0 (change with --blq-first/--blq-middle/--blq-last). Without units, derived units are
written in words, e.g. CL in dose/(conc*time); for extravascular dosing cl_obs is CL/F.

NONMEM datasets: a file whose header has ID, TIME, AMT, DV and EVID or MDV is read as a NONMEM
dataset (detected, no flag): doses from its dose records, TIME in h, units from its '# units:' line
(else NONMEM's AMT mg, DV mg/L); the dose is stated in ug for DV in ng/mL or ug/L (mg for mg/L)
so that CL/F is in L/h and V in L. Route from the dose records: RATE > 0 = iv-infusion of
AMT/RATE h; a dose into the sampled compartment (the observations' CMT) = iv-bolus; a dose into
another compartment (the depot, CMT 1; also without a CMT column) = extravascular; --route
overrides. One dose record: the NCA of that dose. Several: the NCA of the whole profile with the
first dose (a warning says so), or with --tau the last dosing interval (samples from the last
dose on, its amount). --group names a covariate column. --id/--time/--conc, --dose,
--dose-column, --blq-column, the unit flags, --sparse and --write-pk do not apply (exit 2).

Examples:
  levodose analyze nca examples/nca/rat_pilot.csv --dose 3 --time-unit h --conc-unit ng/mL --dose-unit mg/kg
  levodose analyze nca data.csv --dose 320 --json
  levodose analyze nca data.csv --dose 25 --route iv-infusion --duration 0.25 --format cdisc
  levodose analyze nca data.csv --dose-column DOSE --group ARM --auc-interval 0-24 --out nca/
  levodose analyze nca mice.csv --dose 10 --sparse
  levodose analyze nca nonmem_dataset.csv --json
  levodose analyze nca examples/nca/rat_pilot.csv --dose 3 --time-unit h --conc-unit ng/mL --dose-unit mg/kg --species rat --dose-route ip --write-pk pk.toml";

#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub enum RouteArg {
    Extravascular,
    IvBolus,
    IvInfusion,
}

#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub enum MethodArg {
    Linear,
    LinearUpLogDown,
}

#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub enum BlqArg {
    Keep,
    Drop,
}

#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub enum FormatArg {
    Text,
    Cdisc,
}

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// CSV file, one row per sample, with a header row; or a NONMEM dataset (detected by its
    /// header: ID, TIME, AMT, DV and EVID or MDV).
    pub data: PathBuf,
    /// Column with the subject id [default: ID].
    #[arg(long)]
    pub id: Option<String>,
    /// Column with the time after the dose [default: TIME].
    #[arg(long)]
    pub time: Option<String>,
    /// Column with the concentration [default: CONC].
    #[arg(long)]
    pub conc: Option<String>,
    /// Dose amount, the same for every subject.
    #[arg(long)]
    pub dose: Option<f64>,
    /// Column with each subject's dose amount.
    #[arg(long)]
    pub dose_column: Option<String>,
    /// Route of administration [default: extravascular; for a NONMEM dataset: from its dose
    /// records].
    #[arg(long, value_enum)]
    pub route: Option<RouteArg>,
    /// Infusion duration (time unit), for --route iv-infusion.
    #[arg(long)]
    pub duration: Option<f64>,
    /// Trapezoid rule.
    #[arg(long, value_enum, default_value = "linear-up-log-down")]
    pub auc_method: MethodArg,
    /// Column with a group label: summaries by group.
    #[arg(long)]
    pub group: Option<String>,
    /// Time unit, e.g. h (default: unitless).
    #[arg(long)]
    pub time_unit: Option<String>,
    /// Concentration unit, e.g. ng/mL (default: unitless).
    #[arg(long)]
    pub conc_unit: Option<String>,
    /// Dose unit, e.g. mg or mg/kg (default: unitless).
    #[arg(long)]
    pub dose_unit: Option<String>,
    /// Manual lambda_z ranges: CSV with ID, START_H, END_H, EXCLUDE_TIMES.
    #[arg(long)]
    pub lambda_z_file: Option<PathBuf>,
    /// Lower limit of quantification: concentrations below it are BLQ.
    #[arg(long)]
    pub lloq: Option<f64>,
    /// Column flagging BLQ samples (1/0, true/false, yes/no).
    #[arg(long)]
    pub blq_column: Option<String>,
    /// BLQ samples before the first measurable one.
    #[arg(long, value_enum, default_value = "keep")]
    pub blq_first: BlqArg,
    /// BLQ samples between measurable ones.
    #[arg(long, value_enum, default_value = "drop")]
    pub blq_middle: BlqArg,
    /// BLQ samples after the last measurable one.
    #[arg(long, value_enum, default_value = "keep")]
    pub blq_last: BlqArg,
    /// Partial AUC interval START-END (repeatable), e.g. 0-24.
    #[arg(long = "auc-interval")]
    pub auc_interval: Vec<String>,
    /// Dosing interval at steady state: AUCtau, Cmin, Cavg, fluctuation, swing, accumulation.
    #[arg(long)]
    pub tau: Option<f64>,
    /// Flag lambda_z fits with adjusted R² below this.
    #[arg(long, default_value_t = 0.8)]
    pub min_r2_adjusted: f64,
    /// Flag AUC extrapolated beyond tlast above this percentage.
    #[arg(long, default_value_t = 20.0)]
    pub max_auc_extrap_pct: f64,
    /// Sparse (destructive) sampling: mean-profile AUC with Bailer / Nedelman-Jia SE.
    #[arg(long)]
    pub sparse: bool,
    /// Output format on stdout (text table or CDISC PP rows as CSV).
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write nca_results.csv, nca.json, pp.csv, SVG plots and report.html into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Species of the study (for --write-pk): rat or mouse.
    #[arg(long)]
    pub species: Option<String>,
    /// Route of the animal study (for --write-pk): ip, po, iv, minipump.
    #[arg(long)]
    pub dose_route: Option<String>,
    /// Animal body weight, kg (for --write-pk with a dose in mg).
    #[arg(long)]
    pub weight_kg: Option<f64>,
    /// Write the measured species PK ([pk] block) to this TOML file for `translate --pk`.
    #[arg(long)]
    pub write_pk: Option<PathBuf>,
}

fn input_err(flag: &str, msg: impl std::fmt::Display) -> CliError {
    CliError::input(format!("{flag}: {msg}"))
}

/// Flags that depend on each other; every given option is used or refused.
fn check_flags(a: &Args) -> CliResult<()> {
    if a.dose.is_some() && a.dose_column.is_some() {
        return Err(input_err(
            "--dose",
            "give --dose or --dose-column, not both",
        ));
    }
    if let Some(d) = a.dose {
        if !(d.is_finite() && d > 0.0) {
            return Err(input_err(
                "--dose",
                format!("{d} is not allowed; the dose must be > 0"),
            ));
        }
    }
    match (a.route.unwrap_or(RouteArg::Extravascular), a.duration) {
        (RouteArg::IvInfusion, None) => {
            return Err(input_err(
                "--duration",
                "required with --route iv-infusion (hours, > 0)",
            ))
        }
        (RouteArg::IvInfusion, Some(_)) => {}
        (_, Some(_)) => {
            return Err(input_err(
                "--duration",
                "applies only to --route iv-infusion",
            ))
        }
        _ => {}
    }
    if a.json && a.format == FormatArg::Cdisc {
        return Err(input_err(
            "--format cdisc",
            "choose --json or --format cdisc, not both",
        ));
    }
    if let Some(l) = a.lloq {
        if !(l.is_finite() && l > 0.0) {
            return Err(input_err(
                "--lloq",
                format!("{l} is not allowed; the LLOQ must be > 0"),
            ));
        }
    }
    if !(0.0..=1.0).contains(&a.min_r2_adjusted) {
        return Err(input_err("--min-r2-adjusted", "allowed range 0 to 1"));
    }
    if !(0.0..=100.0).contains(&a.max_auc_extrap_pct) {
        return Err(input_err("--max-auc-extrap-pct", "allowed range 0 to 100"));
    }
    if a.sparse {
        let refused = [
            ("--lambda-z-file", a.lambda_z_file.is_some()),
            ("--tau", a.tau.is_some()),
            ("--auc-interval", !a.auc_interval.is_empty()),
            ("--write-pk", a.write_pk.is_some()),
            ("--group", a.group.is_some()),
            ("--format cdisc", a.format == FormatArg::Cdisc),
        ];
        if let Some((flag, _)) = refused.iter().find(|r| r.1) {
            return Err(input_err(flag, "not available with --sparse (individual parameters are not estimable from sparse data)"));
        }
    }
    let pk_flags = [
        ("--species", a.species.is_some()),
        ("--dose-route", a.dose_route.is_some()),
        ("--weight-kg", a.weight_kg.is_some()),
    ];
    if a.write_pk.is_none() {
        if let Some((flag, _)) = pk_flags.iter().find(|r| r.1) {
            return Err(input_err(flag, "used only with --write-pk FILE"));
        }
    }
    Ok(())
}

fn parse_interval(s: &str) -> CliResult<(f64, f64)> {
    let bad = || {
        input_err(
            "--auc-interval",
            format!("'{s}' is not START-END with 0 <= START < END, e.g. 0-24"),
        )
    };
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let (a, b): (f64, f64) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if !(a.is_finite() && b.is_finite() && a >= 0.0 && b > a) {
        return Err(bad());
    }
    Ok((a, b))
}

/// The route given by --route (with --duration), if any.
fn route_flag(a: &Args) -> Option<Route> {
    a.route.map(|r| match r {
        RouteArg::Extravascular => Route::Extravascular,
        RouteArg::IvBolus => Route::IvBolus,
        RouteArg::IvInfusion => Route::IvInfusion {
            duration_h: a.duration.unwrap_or(0.0),
        },
    })
}

/// Flags of the plain CSV that a NONMEM dataset answers itself: refused, never ignored.
fn check_nonmem_flags(a: &Args) -> CliResult<()> {
    let refused = [
        ("--id", a.id.is_some()),
        ("--time", a.time.is_some()),
        ("--conc", a.conc.is_some()),
        ("--dose", a.dose.is_some()),
        ("--dose-column", a.dose_column.is_some()),
        ("--blq-column", a.blq_column.is_some()),
        ("--time-unit", a.time_unit.is_some()),
        ("--conc-unit", a.conc_unit.is_some()),
        ("--dose-unit", a.dose_unit.is_some()),
        ("--sparse", a.sparse),
        ("--write-pk", a.write_pk.is_some()),
    ];
    match refused.iter().find(|r| r.1) {
        Some((flag, _)) => Err(input_err(
            flag,
            format!(
                "{} is a NONMEM dataset (header with ID, TIME, AMT, DV, EVID/MDV): columns, doses and units come from the dataset, so this flag does not apply; give a plain CSV (columns ID, TIME, CONC) to use it",
                a.data.display()
            ),
        )),
        None => Ok(()),
    }
}

fn settings(a: &Args, route: Route) -> CliResult<Settings> {
    let method = match a.auc_method {
        MethodArg::Linear => AucMethod::Linear,
        MethodArg::LinearUpLogDown => AucMethod::LinearUpLogDown,
    };
    let rule = |b: BlqArg| match b {
        BlqArg::Keep => BlqRule::Keep,
        BlqArg::Drop => BlqRule::Drop,
    };
    let mut s = Settings::new(route, method);
    s.blq = nca::BlqRules {
        first: rule(a.blq_first),
        middle: rule(a.blq_middle),
        last: rule(a.blq_last),
    };
    s.auc_intervals = a
        .auc_interval
        .iter()
        .map(|x| parse_interval(x))
        .collect::<CliResult<_>>()?;
    s.tau = a.tau;
    s.quality.min_r_squared_adjusted = a.min_r2_adjusted;
    s.quality.max_auc_pct_extrap = a.max_auc_extrap_pct;
    nca::parameters::check_settings(&s).map_err(|e| CliError::input(format!("--{e}")))?;
    Ok(s)
}

fn units(a: &Args) -> Units {
    let or = |u: &Option<String>, word: &str| u.clone().unwrap_or_else(|| word.to_string());
    Units {
        time: or(&a.time_unit, "time"),
        conc: or(&a.conc_unit, "conc"),
        dose: or(&a.dose_unit, "dose"),
    }
}

/// Profiles and what goes with them, from either input format.
struct Loaded {
    profiles: Vec<Profile>,
    groups: Vec<Option<String>>,
    route: Route,
    units: Units,
    /// Findings about how the input was read (NONMEM datasets).
    findings: Vec<Finding>,
}

/// Everything an individual (non-sparse) NCA is rendered from: text, JSON, CSV, plots, report.
pub struct Computed {
    pub settings: Settings,
    pub units: Units,
    pub profiles: Vec<Profile>,
    pub analysis: Analysis,
    /// Each subject's group label, in subject order.
    pub groups: Vec<Option<String>>,
    pub summary: Vec<GroupSummary>,
    /// The data file as named on the command line.
    pub data_name: String,
    /// Whether the data were a NONMEM dataset (doses and units from its records).
    pub nonmem_input: bool,
}

impl Computed {
    /// The `--json` document.
    pub fn report(&self) -> Report<'_> {
        Report {
            subjects: self
                .analysis
                .subjects
                .iter()
                .zip(&self.groups)
                .map(|(r, g)| SubjectOut {
                    group: g.as_deref(),
                    result: r,
                })
                .collect(),
            summary: &self.summary,
            settings: SettingsOut {
                settings: &self.settings,
                units: &self.units,
                parameter_units: render::parameter_units(&self.analysis, &self.units),
                lambda_z_rule: render::LAMBDA_Z_RULE,
                blq_rules_note: render::BLQ_NOTE,
                data: self.data_name.clone(),
            },
            findings: &self.analysis.findings,
        }
    }
}

pub fn run(a: Args) -> CliResult {
    check_flags(&a)?;
    if a.sparse {
        return sparse(&a);
    }
    let c = compute(&a)?;
    render_outputs(&a, &c)
}

/// `--sparse` (plain CSV only): the mean profile's AUC by Bailer / Nedelman-Jia.
fn sparse(a: &Args) -> CliResult {
    let text = read_data(a)?;
    if nonmem::is_nonmem(&text) {
        check_nonmem_flags(a)?;
    }
    drop(text);
    let route = route_flag(a).unwrap_or(Route::Extravascular);
    settings(a, route)?;
    let rows = input::read_rows(&a.data, &csv_columns(a))?;
    run_sparse(a, &rows, &units(a))
}

fn read_data(a: &Args) -> CliResult<String> {
    std::fs::read_to_string(&a.data)
        .map_err(|e| CliError::input(format!("DATA {}: cannot read: {e}", a.data.display())))
}

/// Checks the flags, reads the data (plain CSV or NONMEM dataset) and runs the individual NCA
/// (shared by the CLI and `levodose serve`); `--sparse` has its own path.
pub fn compute(a: &Args) -> CliResult<Computed> {
    check_flags(a)?;
    if a.sparse {
        return Err(input_err(
            "--sparse",
            "the sparse analysis has no individual results",
        ));
    }
    let text = read_data(a)?;
    let nonmem_input = nonmem::is_nonmem(&text);
    let loaded = if nonmem_input {
        check_nonmem_flags(a)?;
        let l = nonmem::load(
            &a.data,
            &text,
            &nonmem::Options {
                route: route_flag(a),
                tau: a.tau,
                lloq: a.lloq,
                group: a.group.as_deref(),
            },
        )?;
        Loaded {
            profiles: l.profiles,
            groups: l.groups,
            route: l.route,
            units: l.units,
            findings: l.findings,
        }
    } else {
        drop(text);
        load_csv(a)?
    };
    analyze(a, loaded, nonmem_input)
}

/// The plain CSV's columns as the flags name them.
fn csv_columns(a: &Args) -> Columns<'_> {
    Columns {
        id: a.id.as_deref().unwrap_or("ID"),
        time: a.time.as_deref().unwrap_or("TIME"),
        conc: a.conc.as_deref().unwrap_or("CONC"),
        dose: a.dose,
        dose_column: a.dose_column.as_deref(),
        blq_column: a.blq_column.as_deref(),
        lloq: a.lloq,
        group: a.group.as_deref(),
    }
}

/// The plain CSV as profiles.
fn load_csv(a: &Args) -> CliResult<Loaded> {
    let route = route_flag(a).unwrap_or(Route::Extravascular);
    let cols = csv_columns(a);
    let rows = input::read_rows(&a.data, &cols)?;
    let profiles = input::profiles(&rows, &cols, &a.data)?;
    Ok(Loaded {
        profiles,
        groups: rows.iter().map(|r| r.group.clone()).collect(),
        route,
        units: units(a),
        findings: Vec::new(),
    })
}

/// NCA of the loaded profiles with the manual lambda_z choices and group summaries.
fn analyze(a: &Args, loaded: Loaded, nonmem_input: bool) -> CliResult<Computed> {
    let Loaded {
        profiles,
        groups,
        route,
        units,
        findings: input_findings,
    } = loaded;
    let s = settings(a, route)?;
    let manual = match &a.lambda_z_file {
        Some(p) => input::read_lambda_z_file(p)?,
        None => Default::default(),
    };
    for id in manual.keys() {
        if !profiles.iter().any(|p| &p.id == id) {
            return Err(input_err(
                "--lambda-z-file",
                format!("subject {id} is not in {}", a.data.display()),
            ));
        }
    }
    let mut analysis = nca::analyze(&profiles, &s, &manual)
        .map_err(|e| CliError::input(format!("DATA {}: {e}", a.data.display())))?;
    analysis.findings.splice(0..0, input_findings);
    let summary = summaries(&analysis, &groups);
    Ok(Computed {
        settings: s,
        units,
        profiles,
        analysis,
        groups,
        summary,
        data_name: a.data.display().to_string(),
        nonmem_input,
    })
}

/// Every requested output, rendered before anything is written (no partial output on failure).
fn render_outputs(a: &Args, c: &Computed) -> CliResult {
    let Computed {
        settings: s,
        units,
        profiles,
        analysis,
        groups,
        summary,
        data_name,
        ..
    } = c;
    let report = c.report();
    let pk_toml = match &a.write_pk {
        Some(_) => Some(measured_pk(a, profiles, analysis, s, data_name)?),
        None => None,
    };
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    if a.out.is_some() {
        files.push(("nca.json".into(), to_json(&report)?.into_bytes()));
        files.push((
            "nca_results.csv".into(),
            render::results_csv(analysis, groups).into_bytes(),
        ));
        files.push((
            "pp.csv".into(),
            render::cdisc_csv(analysis, s.route, units).into_bytes(),
        ));
        for (p, r) in profiles.iter().zip(&analysis.subjects) {
            let id = plots::safe_id(&p.id);
            files.push((
                format!("profile_{id}_linear.svg"),
                plots::linear(p, r, units).render_svg()?.into_bytes(),
            ));
            files.push((
                format!("profile_{id}_log.svg"),
                plots::log(p, r, units).render_svg()?.into_bytes(),
            ));
        }
        files.push((
            "spaghetti.svg".into(),
            plots::spaghetti(profiles, units).render_svg()?.into_bytes(),
        ));
        let doc = super::html::nca::document(c, a)?;
        files.push((
            "report.html".into(),
            levodose_report::render_html(&doc)?.into_bytes(),
        ));
    }
    if let Some(dir) = &a.out {
        write_files(dir, &files)?;
    }
    if let (Some(path), Some(text)) = (&a.write_pk, &pk_toml) {
        write_file(path, text)?;
    }
    if a.json {
        return print_json(&report);
    }
    match a.format {
        FormatArg::Cdisc => print!("{}", render::cdisc_csv(analysis, s.route, units)),
        FormatArg::Text => {
            print!("{}", render::text(analysis, summary, s, units, data_name));
            if let Some(dir) = &a.out {
                println!(
                    "\nWrote {} files (each figure as SVG and PNG) to {}",
                    written_names(files.iter().map(|f| f.0.as_str())).len(),
                    dir.display()
                );
            }
            if let Some(p) = &a.write_pk {
                println!(
                    "Wrote measured PK to {} (use: levodose translate --pk {})",
                    p.display(),
                    p.display()
                );
            }
            println!("\n{}", crate::research_note());
        }
    }
    Ok(())
}

/// Summaries: all subjects, or one per group in order of first appearance.
fn summaries(a: &Analysis, groups: &[Option<String>]) -> Vec<GroupSummary> {
    let mut labels: Vec<Option<String>> = Vec::new();
    for g in groups {
        if !labels.contains(g) {
            labels.push(g.clone());
        }
    }
    labels
        .into_iter()
        .map(|label| {
            let members: Vec<_> = a
                .subjects
                .iter()
                .zip(groups)
                .filter(|(_, g)| **g == label)
                .map(|(r, _)| r)
                .collect();
            nca::summarize(label, &members)
        })
        .collect()
}

/// Writes one file atomically next to its final name.
fn write_file(path: &Path, text: &str) -> CliResult<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    ensure_dir(&dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| input_err("--write-pk", "needs a file name"))?
        .to_string_lossy()
        .into_owned();
    write_atomic(&dir, &name, text.as_bytes())?;
    Ok(())
}

/// The measured-PK TOML from the per-animal results.
fn measured_pk(
    a: &Args,
    profiles: &[Profile],
    analysis: &Analysis,
    s: &Settings,
    data_name: &str,
) -> CliResult<String> {
    let species = Species::parse(
        a.species
            .as_deref()
            .ok_or_else(|| input_err("--species", "required with --write-pk (rat or mouse)"))?,
    )?;
    let route = AnimalRoute::parse(a.dose_route.as_deref().ok_or_else(|| {
        input_err(
            "--dose-route",
            "required with --write-pk (ip, po, iv, minipump)",
        )
    })?)?;
    let expected = match route {
        AnimalRoute::Po | AnimalRoute::Ip => RouteArg::Extravascular,
        AnimalRoute::Iv => RouteArg::IvBolus,
        AnimalRoute::Minipump => {
            return Err(input_err(
                "--dose-route",
                "minipump PK cannot be measured from a single-dose NCA; allowed: ip, po, iv",
            ))
        }
    };
    if a.route.unwrap_or(RouteArg::Extravascular) != expected {
        return Err(input_err(
            "--dose-route",
            format!(
                "{} dosing needs --route {}",
                route.as_str(),
                if expected == RouteArg::Extravascular {
                    "extravascular"
                } else {
                    "iv-bolus"
                }
            ),
        ));
    }
    if s.tau.is_some() {
        return Err(input_err(
            "--write-pk",
            "needs single-dose data (not --tau)",
        ));
    }
    let unit = |u: &Option<String>, flag: &str| {
        u.clone()
            .ok_or_else(|| input_err(flag, "required with --write-pk (to convert to L/h/kg)"))
    };
    let study_units = StudyUnits::parse(
        &unit(&a.time_unit, "--time-unit")?,
        &unit(&a.conc_unit, "--conc-unit")?,
        &unit(&a.dose_unit, "--dose-unit")?,
        a.weight_kg,
    )?;
    let mut values = AnimalValues {
        n_animals: profiles.len(),
        ..Default::default()
    };
    for (p, r) in profiles.iter().zip(&analysis.subjects) {
        let par = &r.parameters;
        if let (Some(cl), Some(vz)) = (par.cl_obs, par.vz_obs) {
            values.cl.push(cl);
            values.vz.push(vz);
        }
        if expected == RouteArg::Extravascular {
            if let (Some(fit), Some(tmax)) = (&r.lambda_z_fit, par.tmax) {
                if let Some(k) = absorption::ka(p, fit, tmax) {
                    values.ka.push(k.ka);
                }
            }
        }
    }
    let file = measured::from_nca(species, route, data_name, study_units, &values)?;
    Ok(file.to_toml()?)
}

/// `--sparse`: the mean profile's AUC with its SE; individual parameters are not estimable.
fn run_sparse(a: &Args, rows: &[input::SubjectRows], units: &Units) -> CliResult {
    let samples = input::sparse_samples(rows);
    let r = nca::sparse_auc(&samples)
        .map_err(|e| CliError::input(format!("DATA {}: {e}", a.data.display())))?;
    let findings = vec![Finding::new(
        "nca_sparse_individual_not_estimable",
        Severity::Info,
        format!(
            "sparse sampling ({} design): individual lambda_z, AUCINF, CL and V are not estimable; the AUC is that of the mean profile",
            r.design
        ),
        "Bailer 1988; Nedelman and Jia 1998",
    )];
    let report = json!({
        "sparse": r,
        "settings": { "units": units, "auc_method": "linear", "data": a.data.display().to_string() },
        "findings": findings,
    });
    if let Some(dir) = &a.out {
        let bytes = to_json(&report)?.into_bytes();
        ensure_dir(dir)?;
        write_atomic(dir, "nca_sparse.json", &bytes)?;
    }
    if a.json {
        return print_json(&report);
    }
    println!(
        "Sparse NCA of {} ({} design, linear trapezoids on the mean profile)\n",
        a.data.display(),
        r.design
    );
    println!(
        "{:>10} {:>4} {:>12} {:>12}",
        format!("time ({})", units.time),
        "n",
        "mean",
        "SD"
    );
    for m in &r.mean_profile {
        println!(
            "{:>10} {:>4} {:>12.5} {:>12}",
            m.time,
            m.n,
            m.mean,
            m.sd.map(|s| format!("{s:.5}"))
                .unwrap_or_else(|| "null".into())
        );
    }
    println!(
        "\nAUClast {:.5} {}*{}, SE {}, df {}; Cmax {:.5} at {}",
        r.auclast,
        units.conc,
        units.time,
        r.auclast_se
            .map(|s| format!("{s:.5}"))
            .unwrap_or_else(|| "null (fewer than 2 animals at a time)".into()),
        r.auclast_df
            .map(|d| format!("{d:.3}"))
            .unwrap_or_else(|| "null".into()),
        r.cmax,
        r.tmax
    );
    for f in &findings {
        println!("[{}] {}: {}", f.severity, f.code, f.message);
    }
    println!("\n{}", crate::research_note());
    Ok(())
}
