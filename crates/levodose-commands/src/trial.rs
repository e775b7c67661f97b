//! `levodose trial`: simulate a clinical trial scenario many times, analyse each replicate with
//! the MMRM, report power; optionally search the n per arm for a target power.

use crate::error::{CliError, CliResult};
use crate::io::{pct, print_json, to_json, write_files};
use levodose::finding::Finding;
use levodose::monograph::Monograph;
use levodose::trial::{self, power, PowerResult, TrialDesign};
use levodose_report::plot::Chart;
use levodose_report::{self as report, Answer, Document, Figure, Section, Table};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

const AFTER_HELP: &str = "\
Each replicate screens subjects (MADRS inclusion threshold, single-blind placebo run-in excluding
placebo responders), randomises n per arm, simulates change from baseline at each visit
(placebo response + drug-placebo difference, exponential time course, correlated visit errors),
applies dropout (MCAR or MAR on the last observed change) and fits the MMRM
change ~ ARM*VISIT + BASE*VISIT, unstructured covariance, Satterthwaite df. Power is the share of
replicates with p < alpha for the primary arm vs placebo at the primary week. Values the scenario
leaves out come from the monograph's [efficacy] section; the JSON lists each with its source and
whether it is assumed. Results depend only on --seed (one ChaCha stream per replicate), not on
the number of threads (RAYON_NUM_THREADS).

Examples:
  levodose trial examples/trial/madrs_8week.toml --replicates 200 --seed 1
  levodose trial examples/trial/madrs_8week.toml --replicates 500 --target-power 0.9
  levodose trial examples/trial/madrs_8week.toml --replicates 200 --json
  levodose trial examples/trial/madrs_8week.toml --replicates 200 --out results/trial/
  levodose trial examples/trial/madrs_8week.toml --replicates 50 --write-data sims/ --write-data-replicates 2
  levodose analyze mmrm sims/replicate_001.csv --formula \"CHG ~ ARM*VISIT + BASE*VISIT + us(VISIT | ID)\" --arm ARM --reference ARM=placebo

Columns of the table: power = share of replicates with p < alpha; diff = mean over replicates of
the estimated difference from placebo at the primary week (MADRS points); sd = SD of that
estimate across replicates (the Monte Carlo spread, not the SD of patients); mean SE = mean of
the MMRM standard errors. Screened = subjects screened per trial (including those failing the
inclusion threshold or excluded in the run-in); randomised = the arms' n.";

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Trial scenario file (TOML with a [trial] table; keys in docs/scenarios.md).
    #[arg(required_unless_present = "write_template")]
    pub scenario: Option<PathBuf>,
    /// Print the built-in trial template (seed protocol 2, examples/trial/madrs_8week.toml) to
    /// edit, and exit.
    #[arg(long)]
    pub write_template: bool,
    /// Number of simulated trials (1-100000).
    #[arg(long, default_value_t = 1000)]
    pub replicates: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Override n randomised per arm (allocation 1).
    #[arg(long)]
    pub n_per_arm: Option<u32>,
    /// Search the smallest n per arm reaching this power (0.05-0.999).
    #[arg(long)]
    pub target_power: Option<f64>,
    /// Use this monograph file instead of the built-in one.
    #[arg(long)]
    pub monograph: Option<PathBuf>,
    /// Print JSON to stdout.
    #[arg(long)]
    pub json: bool,
    /// Write report.html, summary.json, trajectories.svg and power_curve.svg to this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Write the simulated data of the first replicates as CSV (replicate_001.csv, ...) to this
    /// directory: one row per subject and visit, columns ID, ARM, VISIT, BASE, CHG (empty after
    /// dropout), readable by `levodose analyze mmrm`.
    #[arg(long, value_name = "DIR")]
    pub write_data: Option<PathBuf>,
    /// How many replicates --write-data writes (1-100, at most --replicates).
    #[arg(long, default_value_t = 1)]
    pub write_data_replicates: usize,
    /// Write the trial's PK as a NONMEM dataset (TIME h, AMT mg free base, DV ng/mL): each
    /// drug-arm patient a subject of the monograph's virtual population (seeded by --seed), dosed
    /// with the arm's regimen to the last visit and sampled at the visits (pre-dose troughs) or
    /// --sample-times; generated for the file, not the efficacy replicates' patients; placebo
    /// patients are not written.
    #[arg(long, value_name = "FILE")]
    pub nonmem_out: Option<PathBuf>,
    /// Sampling times (h after the first dose) for --nonmem-out, comma-separated (default: the
    /// visit weeks).
    #[arg(long, value_delimiter = ',')]
    pub sample_times: Vec<f64>,
}

#[derive(Serialize)]
struct Report<'a> {
    research_use_note: &'static str,
    scenario: String,
    design: &'a TrialDesign,
    result: &'a PowerResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    n_search: Option<&'a power::NSearch>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    power_curve: &'a [power::CurvePoint],
    findings: &'a [Finding],
}

/// Progress of a run, read by the terminal line of the CLI or the job page of `levodose serve`.
/// A run has phases ("n search", "power", "power curve"); `total` is 0 while unknown (the n
/// search does not know how many n it will try).
pub struct Progress {
    done: AtomicUsize,
    total: AtomicUsize,
    phase: Mutex<&'static str>,
    terminal: bool,
}

impl Progress {
    /// `terminal`: also print "trial: k/N replicates" on stderr, about every 1 %.
    pub fn new(terminal: bool) -> Progress {
        Progress {
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
            phase: Mutex::new("starting"),
            terminal,
        }
    }

    fn start(&self, phase: &'static str, total: usize) {
        *self.phase.lock().expect("progress lock") = phase;
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    fn tick(&self) {
        let k = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let total = self.total.load(Ordering::Relaxed);
        if self.terminal && (total == 0 || k.is_multiple_of((total / 100).max(1)) || k == total) {
            if total == 0 {
                eprint!("\rtrial: {k} replicates");
            } else {
                eprint!("\rtrial: {k}/{total} replicates");
                if k == total {
                    eprintln!();
                }
            }
        }
    }

    /// (phase, replicates done in it, its total; 0 = unknown).
    pub fn snapshot(&self) -> (&'static str, usize, usize) {
        (
            *self.phase.lock().expect("progress lock"),
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }
}

/// Everything one `levodose trial` run computed; the table, the JSON, the files and the report
/// are all rendered from it.
pub struct Outcome {
    pub scenario: String,
    pub design: TrialDesign,
    pub result: PowerResult,
    pub search: Option<power::NSearch>,
    pub power_curve: Vec<power::CurvePoint>,
    pub findings: Vec<Finding>,
    pub monograph: Monograph,
    /// The scenario as parsed (arm regimens for `--nonmem-out`).
    pub spec: trial::TrialScenario,
}

impl Outcome {
    fn report(&self) -> Report<'_> {
        Report {
            research_use_note: levodose::RESEARCH_USE_NOTE,
            scenario: self.scenario.clone(),
            design: &self.design,
            result: &self.result,
            n_search: self.search.as_ref(),
            power_curve: &self.power_curve,
            findings: &self.findings,
        }
    }

    /// The JSON that `--json` prints and `--out` writes as summary.json.
    pub fn json(&self) -> CliResult<String> {
        to_json(&self.report())
    }
}

/// The built-in trial template: seed protocol 2 (8-week MDD trial), every key editable.
pub const TRIAL_TEMPLATE: &str = levodose_data::TRIAL_TEMPLATE;

pub fn run(args: Args) -> CliResult {
    if args.write_template {
        print!("{TRIAL_TEMPLATE}");
        return Ok(());
    }
    let progress = Progress::new(!args.quiet && std::io::stderr().is_terminal());
    let out = compute(&args, args.out.is_some(), &progress)?;
    if let Some(dir) = &args.out {
        let mut files = vec![
            ("summary.json", out.json()?.into_bytes()),
            (
                "trajectories.svg",
                trajectory_chart(&out.design, &out.result)
                    .render_svg()?
                    .into_bytes(),
            ),
        ];
        if !out.power_curve.is_empty() {
            files.push((
                "power_curve.svg",
                curve_chart(&out.design, &out.power_curve, out.search.as_ref())
                    .render_svg()?
                    .into_bytes(),
            ));
        }
        files.push((
            "report.html",
            report::render_html(&html_document(&out)?)?.into_bytes(),
        ));
        write_files(dir, &files)?;
    }
    if let Some(path) = &args.nonmem_out {
        let note = write_pk_dataset(path, &args, &out.spec, &out.design, &out.monograph)?;
        if !args.json {
            eprintln!("{note}");
        }
    }
    let design = &out.design;
    if let Some(dir) = &args.write_data {
        let (visits, trials) = power::datasets(design, args.write_data_replicates, args.seed)?;
        let files = trials
            .iter()
            .enumerate()
            .map(|(r, t)| {
                Ok((
                    format!("replicate_{:03}.csv", r + 1),
                    dataset_csv(design, &visits, t)?,
                ))
            })
            .collect::<CliResult<Vec<(String, Vec<u8>)>>>()?;
        let refs: Vec<(&str, Vec<u8>)> =
            files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
        write_files(dir, &refs)?;
    }
    if args.json {
        return print_json(&out.report());
    }
    print_table(design, &out.result, out.search.as_ref(), &out.findings);
    Ok(())
}

/// Validates the arguments and runs the trial: the n search (with --target-power), the power
/// at the chosen n, and the power curve when `with_curve` (the CLI's --out; the workbench
/// always) unless the search already evaluated one. Writes nothing.
pub fn compute(args: &Args, with_curve: bool, progress: &Progress) -> CliResult<Outcome> {
    let Some(scenario_path) = args.scenario.clone() else {
        return Err(CliError::input(
            "give a trial scenario file, or --write-template to print one",
        ));
    };
    if !(1..=100_000).contains(&args.replicates) {
        return Err(CliError::input(format!(
            "--replicates: {} is outside 1 to 100000",
            args.replicates
        )));
    }
    let text = std::fs::read_to_string(&scenario_path)
        .map_err(|e| CliError::input(format!("scenario {}: {e}", scenario_path.display())))?;
    let mut scenario = trial::parse(&text)?;
    if let Some(n) = args.n_per_arm {
        scenario.n_per_arm = n;
    }
    let m = super::facts::load(&scenario.compound, args.monograph.as_ref())?;
    let mut design = scenario.resolve(&m)?;
    let file_source = format!("user: {}", scenario_path.display());
    for u in design.assumptions.iter_mut().filter(|u| u.source == "user") {
        u.source = file_source.clone();
    }
    if args.write_data.is_some()
        && !(1..=100.min(args.replicates)).contains(&args.write_data_replicates)
    {
        return Err(CliError::input(format!(
            "--write-data-replicates: {} is outside 1 to {}",
            args.write_data_replicates,
            100.min(args.replicates)
        )));
    }
    if args.nonmem_out.is_none() && !args.sample_times.is_empty() {
        return Err(CliError::input(
            "--sample-times applies to --nonmem-out FILE; add it",
        ));
    }
    if args.write_data.is_none() && args.write_data_replicates != 1 {
        return Err(CliError::input(
            "--write-data-replicates needs --write-data DIR",
        ));
    }
    let mut findings = trial::lint_trial(&scenario, &m);
    let allocation: Vec<f64> = scenario.arms.iter().map(|a| a.allocation).collect();

    let (design, search) = match args.target_power {
        Some(target) => {
            progress.start("n search", 0);
            let s = power::search_n(
                &design,
                &allocation,
                target,
                args.replicates,
                args.seed,
                &|| progress.tick(),
            )?;
            (
                power::with_n_per_arm(&design, s.n_per_arm, &allocation),
                Some(s),
            )
        }
        None => (design, None),
    };
    progress.start("power", args.replicates);
    let result = power::run(&design, args.replicates, args.seed, &|| progress.tick())?;
    if result.failed_fits > 0 {
        findings.push(Finding::new(
            "trial_fit_failures",
            levodose::Severity::Warning,
            format!(
                "{} of {} MMRM fits failed and count as not significant (first: {})",
                result.failed_fits,
                result.replicates,
                result.first_fit_error.clone().unwrap_or_default()
            ),
            "user",
        ));
    }
    if let Some(rules) = m.preclinical.as_ref().map(|p| &p.design_rules) {
        if result.power < rules.min_power_fraction.value {
            findings.push(
                Finding::new(
                    "trial_power_low",
                    levodose::Severity::Warning,
                    format!(
                        "simulated power {:.3} is below {}",
                        result.power, rules.min_power_fraction.value
                    ),
                    rules.min_power_fraction.source.clone(),
                )
                .with_suggestion("use --target-power 0.9 to size the arms"),
            );
        }
    }
    let power_curve = match (&search, with_curve) {
        (Some(s), _) => s.evaluated.clone(),
        (None, true) => {
            progress.start("power curve", args.replicates * power::CURVE_FACTORS.len());
            power::curve(&design, &allocation, args.replicates, args.seed, &|| {
                progress.tick()
            })?
        }
        (None, false) => Vec::new(),
    };
    progress.start("done", 0);
    Ok(Outcome {
        scenario: scenario_path.display().to_string(),
        design,
        result,
        search,
        power_curve,
        findings,
        monograph: m,
        spec: scenario,
    })
}

/// `--nonmem-out`: the drug arms' PK (see the flag's help) through the NONMEM writer.
fn write_pk_dataset(
    path: &std::path::Path,
    args: &Args,
    scenario: &trial::TrialScenario,
    design: &TrialDesign,
    m: &levodose::monograph::Monograph,
) -> CliResult<String> {
    use levodose::trial::pk_dataset::{self, PkArm};
    use levodose::trial::scenario::ArmKind;
    let tau_h = m.compound.usual_tau_h.value;
    let arms: Vec<PkArm> = design
        .arms
        .iter()
        .zip(&scenario.arms)
        .enumerate()
        .filter(|(_, (a, _))| a.kind != ArmKind::Placebo)
        .map(|(i, (a, spec))| PkArm {
            number: i + 1,
            // Flexible arms: their titration (or starting maintenance dose), without the later
            // flexible dose changes, which the efficacy model does not draw per patient.
            regimen: match (&a.kind, &spec.titration) {
                (ArmKind::Flexible, Some(t)) => t.clone(),
                _ => format!("{}mg q{}h", a.dose_mg, tau_h),
            },
            n: a.n,
        })
        .collect();
    let last_week = design.visit_weeks.iter().copied().fold(0.0, f64::max);
    let days = (last_week * 7.0).ceil().max(1.0) as u32;
    let times = if args.sample_times.is_empty() {
        pk_dataset::visit_times_h(&design.visit_weeks)
    } else {
        args.sample_times.clone()
    };
    let rows = pk_dataset::patient_pk(m, &arms, days, &times, args.seed)
        .map_err(|e| CliError::input(format!("--nonmem-out: {e}")))?;
    let text = levodose::dataset::write(&rows);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path.file_name().ok_or_else(|| {
        CliError::input(format!("--nonmem-out {}: not a file name", path.display()))
    })?;
    write_files(dir, &[(&name.to_string_lossy(), text.into_bytes())])?;
    Ok(format!(
        "Wrote NONMEM dataset {} ({} drug-arm patients x {} samples, {} days of dosing; ARM = arm number in the scenario; TIME h, AMT mg free base, DV ng/mL; PK generated from the population, seed {})",
        path.display(),
        rows.len(),
        times.len(),
        days,
        args.seed
    ))
}

/// One replicate as long-format CSV (ID, ARM, VISIT, BASE, CHG), randomised subjects only.
fn dataset_csv(
    d: &TrialDesign,
    visits: &[String],
    t: &levodose::trial::simulate::SimulatedTrial,
) -> CliResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| CliError::input(format!("--write-data: {e}"));
    w.write_record(["ID", "ARM", "VISIT", "BASE", "CHG"])
        .map_err(io)?;
    for (i, s) in t.subjects.iter().enumerate() {
        for (j, y) in s.change_madrs.iter().enumerate() {
            w.write_record([
                format!("S{:05}", i + 1),
                d.arms[s.arm].name.clone(),
                visits[j].clone(),
                format!("{}", s.baseline_madrs),
                y.map_or(String::new(), |y| format!("{y}")),
            ])
            .map_err(io)?;
        }
    }
    w.into_inner()
        .map_err(|e| CliError::input(format!("--write-data: {e}")))
}

/// The arm's legend name with its n, e.g. "placebo (n = 150)".
fn arm_label(a: &power::ArmSummary) -> String {
    format!("{} (n = {})", a.name, a.n_randomised)
}

/// Mean LS-mean trajectories with, per arm, the band in which 95 % of the simulated trials'
/// LS means fell (2.5th-97.5th percentiles across replicates); week 0 is baseline (change 0).
/// The x axis runs past the last visit so the primary-visit mark is never on the edge.
fn trajectory_chart(d: &TrialDesign, r: &PowerResult) -> Chart {
    let mut c = Chart::new(
        "Mean LS-mean change from baseline (MMRM) with 95 % of simulated trials",
        "week",
        "MADRS change from baseline (points)",
    );
    for arm in &r.arms {
        // Visits where every fit failed have no value: leave them out of line and band.
        let mut x = vec![0.0];
        let (mut lo, mut hi) = (vec![0.0], vec![0.0]);
        for (j, &w) in d.visit_weeks.iter().enumerate() {
            if let (Some(l), Some(h)) = (
                arm.lsmean_change_p025_madrs[j],
                arm.lsmean_change_p975_madrs[j],
            ) {
                x.push(w);
                lo.push(l);
                hi.push(h);
            }
        }
        c = c.band(format!("{}: 95 % of trials", arm.name), x, lo, hi);
    }
    for arm in &r.arms {
        let pts = std::iter::once((0.0, 0.0))
            .chain(
                d.visit_weeks
                    .iter()
                    .copied()
                    .zip(arm.mean_lsmean_change_madrs.iter().copied())
                    .filter_map(|(w, v)| v.map(|v| (w, v))),
            )
            .collect();
        c = c.line(arm_label(arm), pts);
    }
    let last = d.visit_weeks.iter().copied().fold(r.primary_week, f64::max);
    // Half a week or 5 % of the span, whichever is larger, beyond the last visit.
    c.x_range = Some((0.0, last + (0.05 * last).max(0.5)));
    c.integer_x = true;
    c.vlines
        .push((r.primary_week, format!("primary: week {}", r.primary_week)));
    c.note = Some(format!(
        "{} simulated trials, seed {}. {}",
        r.replicates,
        r.seed,
        levodose::RESEARCH_USE_NOTE
    ));
    let ns: Vec<String> = r.arms.iter().map(arm_label).collect();
    c.caption = Some(format!(
        "Lines: mean over {} simulated trials of each arm's MMRM LS mean; bands: 2.5th to 97.5th \
         percentile of the LS means across trials (where one trial's estimate falls in 95 % of \
         trials). Arms: {}. Mark: primary visit (week {}).",
        r.replicates,
        ns.join(", "),
        r.primary_week
    ));
    c
}

/// Power by n per arm: every evaluated n as a point on the curve, the +-2 MC SE band, the n the
/// search chose (or the design's n) marked, and the target power when searched.
fn curve_chart(d: &TrialDesign, pts: &[power::CurvePoint], s: Option<&power::NSearch>) -> Chart {
    let mut c = Chart::new("Simulated power by n per arm", "n per arm", "power");
    c = c.band(
        "+-2 MC SE",
        pts.iter().map(|p| p.n_per_arm as f64).collect(),
        pts.iter()
            .map(|p| (p.power - 2.0 * p.power_mc_se).max(0.0))
            .collect(),
        pts.iter()
            .map(|p| (p.power + 2.0 * p.power_mc_se).min(1.0))
            .collect(),
    );
    let xy: Vec<(f64, f64)> = pts.iter().map(|p| (p.n_per_arm as f64, p.power)).collect();
    c = c.line("simulated power", xy.clone());
    c = c.points("n evaluated", xy);
    match s {
        Some(s) => {
            c.hlines.push((s.target_power, "target power".into()));
            c.vlines
                .push((s.n_per_arm as f64, format!("chosen n = {}", s.n_per_arm)));
        }
        None => {
            let n = d.arms[d.primary_arm].n;
            c.vlines.push((n as f64, format!("design n = {n}")));
        }
    }
    let (lo, hi) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.n_per_arm as f64), b.max(p.n_per_arm as f64))
        });
    if lo.is_finite() {
        let pad = (0.05 * (hi - lo)).max(1.0);
        c.x_range = Some(((lo - pad).max(0.0), hi + pad));
    }
    c.integer_x = true;
    c.y_range = Some((0.0, 1.0));
    c.note = Some(levodose::RESEARCH_USE_NOTE.into());
    c.caption = Some(match s {
        Some(s) => format!(
            "Power at each n the search evaluated (the same seed at each n: common random \
             numbers); chosen n = {} per arm for power >= {}.",
            s.n_per_arm, s.target_power
        ),
        None => format!(
            "Power at {} n per arm around the design's n (0.5 to 1.5 times), the same seed at \
             each n (common random numbers).",
            pts.len()
        ),
    });
    c
}

/// The report of a trial run (`--out` report.html and the workbench result page).
pub fn html_document(out: &Outcome) -> CliResult<Document> {
    let (d, r) = (&out.design, &out.result);
    let low = out.findings.iter().any(|f| f.code == "trial_power_low");
    let mut details = vec![format!(
        "{} vs placebo at week {}, alpha {}; {} simulated trials (seed {}); power {} +- {} (2 MC SE)",
        r.primary_arm,
        r.primary_week,
        r.alpha,
        r.replicates,
        r.seed,
        pct(r.power),
        pct(2.0 * r.power_mc_se)
    )];
    if let Some(s) = &out.search {
        details.push(format!(
            "n per arm for power >= {}: {} (n {} to {} have power within 2 MC SE of the target)",
            s.target_power, s.n_per_arm, s.compatible_n_range.0, s.compatible_n_range.1
        ));
    }
    let randomised: usize = d.arms.iter().map(|a| a.n).sum();
    details.push(format!(
        "Per trial: {randomised} randomised, {:.0} screened",
        r.mean_screened
    ));
    let answer = Answer {
        headline: format!("Power {:.3}", r.power),
        details,
        positive: !low,
    };
    let mut inputs = vec![
        ("scenario".to_string(), out.scenario.clone()),
        ("trial".into(), d.name.clone()),
        (
            "arms".into(),
            d.arms
                .iter()
                .map(|a| format!("{} ({}, n = {})", a.name, kind_name(a.kind), a.n))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        (
            "visits (week)".into(),
            d.visit_weeks
                .iter()
                .map(|w| w.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("replicates".into(), r.replicates.to_string()),
        ("seed".into(), r.seed.to_string()),
    ];
    if let Some(s) = &out.search {
        inputs.push(("target power".into(), s.target_power.to_string()));
    }
    let f3 = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.3}"));
    let power_table = Table {
        caption: "Power and estimated difference from placebo at the primary week".into(),
        header: vec![
            "arm".into(),
            "n randomised".into(),
            "power".into(),
            "diff (MADRS points)".into(),
            "sd of diff".into(),
            "mean SE".into(),
            "dropout (%)".into(),
        ],
        rows: r
            .arms
            .iter()
            .map(|a| {
                vec![
                    a.name.clone(),
                    a.n_randomised.to_string(),
                    f3(a.power),
                    f3(a.mean_difference_madrs),
                    f3(a.sd_difference_madrs),
                    f3(a.mean_se_madrs),
                    format!("{:.1}", 100.0 * a.mean_dropout_fraction),
                ]
            })
            .collect(),
        note: Some(
            "power = share of simulated trials with p < alpha; diff = mean estimate over trials; \
             sd = its SD across trials (Monte Carlo spread); mean SE = mean MMRM standard error."
                .into(),
        ),
    };
    let mut header = vec!["arm".to_string()];
    header.extend(r.visit_weeks.iter().map(|w| format!("week {w}")));
    let traj_table = Table {
        caption: "LS-mean change from baseline (MADRS points): mean [2.5th, 97.5th percentile across trials]"
            .into(),
        header,
        rows: r
            .arms
            .iter()
            .map(|a| {
                std::iter::once(arm_label(a))
                    .chain((0..r.visit_weeks.len()).map(|j| {
                        match (
                            a.mean_lsmean_change_madrs[j],
                            a.lsmean_change_p025_madrs[j],
                            a.lsmean_change_p975_madrs[j],
                        ) {
                            (Some(m), Some(l), Some(h)) => format!("{m:.2} [{l:.2}, {h:.2}]"),
                            _ => "-".into(),
                        }
                    }))
                    .collect()
            })
            .collect(),
        note: None,
    };
    let mut sections = vec![
        Section {
            heading: "Power".into(),
            tables: vec![power_table],
            paragraphs: evidence_paragraphs(d),
            ..Default::default()
        },
        Section {
            heading: "Trajectories".into(),
            tables: vec![traj_table],
            figures: vec![Figure::from_chart("trajectories", &trajectory_chart(d, r))?],
            ..Default::default()
        },
    ];
    if !out.power_curve.is_empty() {
        sections.push(Section {
            heading: "Power by n per arm".into(),
            tables: vec![Table {
                caption: "Simulated power at each n per arm".into(),
                header: vec!["n per arm".into(), "power".into(), "MC SE".into()],
                rows: out
                    .power_curve
                    .iter()
                    .map(|p| {
                        vec![
                            p.n_per_arm.to_string(),
                            format!("{:.3}", p.power),
                            format!("{:.3}", p.power_mc_se),
                        ]
                    })
                    .collect(),
                note: None,
            }],
            figures: vec![Figure::from_chart(
                "power_curve",
                &curve_chart(d, &out.power_curve, out.search.as_ref()),
            )?],
            ..Default::default()
        });
    }
    sections.push(Section {
        heading: "Values used".into(),
        tables: vec![Table {
            caption: "Simulation inputs the scenario left out or gave, with their source".into(),
            header: vec![
                "value".into(),
                "".into(),
                "unit".into(),
                "source".into(),
                "status".into(),
            ],
            rows: d
                .assumptions
                .iter()
                .map(|u| {
                    vec![
                        u.name.clone(),
                        match u.se {
                            Some(se) => format!("{} (SE {se})", u.value),
                            None => u.value.to_string(),
                        },
                        u.unit.clone(),
                        u.source.clone(),
                        u.status.to_string(),
                    ]
                })
                .collect(),
            note: None,
        }],
        ..Default::default()
    });
    Ok(Document {
        title: format!(
            "levodose trial: {}",
            if d.name.is_empty() {
                out.scenario.as_str()
            } else {
                d.name.as_str()
            }
        ),
        command: None,
        inputs,
        answer,
        sections,
        findings: out.findings.clone(),
        sources: report::sources_of(&out.monograph),
        research_note: levodose::RESEARCH_USE_NOTE.into(),
        links: Vec::new(),
    })
}

fn kind_name(k: levodose::trial::scenario::ArmKind) -> &'static str {
    use levodose::trial::scenario::ArmKind;
    match k {
        ArmKind::Placebo => "placebo",
        ArmKind::Fixed => "fixed dose",
        ArmKind::Flexible => "flexible dose",
    }
}

/// The exposure-response fit and pooled published effects behind the arms' differences.
fn evidence_paragraphs(d: &TrialDesign) -> Vec<String> {
    let mut p = Vec::new();
    if let Some(er) = &d.exposure_response {
        p.push(format!(
            "Exposure-response (all fixed-dose trial arms): E_occ {:.2} (SE {:.2}) MADRS points at \
             full NET occupancy; {}",
            er.e_occ_madrs, er.e_occ_se_madrs, er.statement
        ));
    }
    for x in &d.evidence_by_dose {
        p.push(format!(
            "Pooled {} ({}): {:.2} (SE {:.2}, 95 % CI {:.2} to {:.2})",
            x.stratum,
            x.sources.join(", "),
            x.meta.estimate,
            x.meta.se,
            x.meta.ci_lower,
            x.meta.ci_upper
        ));
    }
    p
}

fn print_table(d: &TrialDesign, r: &PowerResult, s: Option<&power::NSearch>, findings: &[Finding]) {
    println!("{}", if d.name.is_empty() { "trial" } else { &d.name });
    println!(
        "{} replicates, seed {}; primary: {} vs placebo at week {}, alpha {}",
        r.replicates, r.seed, r.primary_arm, r.primary_week, r.alpha
    );
    println!(
        "power {:.3} (MC SE {:.3}); failed fits {}",
        r.power, r.power_mc_se, r.failed_fits
    );
    if let Some(s) = s {
        println!(
            "n per arm for power >= {}: {} (power there {:.3}, MC SE {:.3}; n from {} to {} \
             have power within 2 MC SE of the target)",
            s.target_power,
            s.n_per_arm,
            s.power_at_n,
            s.power_at_n_mc_se,
            s.compatible_n_range.0,
            s.compatible_n_range.1
        );
        println!("  search: {}", s.method);
    }
    let randomised: usize = d.arms.iter().map(|a| a.n).sum();
    println!(
        "per trial: screened {:.0} (subjects screened, including screen failures and run-in \
         exclusions), excluded in run-in {:.1} ({:.1} % of those entering the run-in), \
         randomised {randomised}",
        r.mean_screened,
        r.mean_excluded_run_in,
        100.0 * r.mean_excluded_run_in / (r.mean_excluded_run_in + randomised as f64).max(1.0)
    );
    if let Some(er) = &d.exposure_response {
        println!(
            "exposure-response (all fixed-dose trial arms): E_occ {:.2} (SE {:.2}) MADRS points \
             at full NET occupancy; {}",
            er.e_occ_madrs, er.e_occ_se_madrs, er.statement
        );
    }
    for p in &d.evidence_by_dose {
        println!(
            "  pooled {} ({}): {:.2} (SE {:.2}, 95 % CI {:.2} to {:.2})",
            p.stratum,
            p.sources.join(", "),
            p.meta.estimate,
            p.meta.se,
            p.meta.ci_lower,
            p.meta.ci_upper
        );
    }
    println!("sd = SD of the estimated difference across replicates; mean SE = mean MMRM SE");
    println!(
        "{:<32} {:>5} {:>7} {:>10} {:>8} {:>8} {:>9}",
        "arm", "n", "power", "diff", "sd", "mean SE", "dropout"
    );
    for a in &r.arms {
        let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.3}"));
        println!(
            "{:<32} {:>5} {:>7} {:>10} {:>8} {:>8} {:>8.1}%",
            a.name,
            a.n_randomised,
            f(a.power),
            f(a.mean_difference_madrs),
            f(a.sd_difference_madrs),
            f(a.mean_se_madrs),
            100.0 * a.mean_dropout_fraction
        );
    }
    let weeks: Vec<String> = r.visit_weeks.iter().map(|w| format!("{w:>7}")).collect();
    println!("mean LS-mean change by week {}", weeks.join(""));
    for a in &r.arms {
        let v: Vec<String> = a
            .mean_lsmean_change_madrs
            .iter()
            .map(|x| x.map_or(format!("{:>7}", "-"), |v| format!("{v:>7.2}")))
            .collect();
        println!("  {:<26} {}", a.name, v.join(""));
    }
    for f in findings {
        println!(
            "{} [{}] {} (source {})",
            f.severity, f.code, f.message, f.source
        );
    }
    println!("{}", levodose::RESEARCH_USE_NOTE);
}
