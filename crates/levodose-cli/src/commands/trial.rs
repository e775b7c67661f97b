//! `levodose trial`: simulate a clinical trial scenario many times, analyse each replicate with
//! the MMRM, report power; optionally search the n per arm for a target power.

use crate::error::{CliError, CliResult};
use crate::output::{print_json, to_json, write_files};
use crate::plot::Chart;
use levodose::finding::Finding;
use levodose::trial::{self, power, PowerResult, TrialDesign};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    /// Write summary.json, trajectories.svg and power_curve.svg to this directory.
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    power_curve: Vec<power::CurvePoint>,
    findings: &'a [Finding],
}

/// Progress on stderr, updated about every 1 %; silent when off.
struct Progress {
    done: AtomicUsize,
    total: usize,
    on: bool,
}

impl Progress {
    fn tick(&self) {
        let k = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.on && (k.is_multiple_of((self.total / 100).max(1)) || k == self.total) {
            eprint!("\rtrial: {k}/{} replicates", self.total);
            if k == self.total {
                eprintln!();
            }
        }
    }
    fn reset(&self, total: usize) -> Progress {
        Progress {
            done: AtomicUsize::new(0),
            total,
            on: self.on,
        }
    }
}

/// The built-in trial template: seed protocol 2 (8-week MDD trial), every key editable.
pub const TRIAL_TEMPLATE: &str = include_str!("../../../../examples/trial/madrs_8week.toml");

pub fn run(args: Args) -> CliResult {
    if args.write_template {
        print!("{TRIAL_TEMPLATE}");
        return Ok(());
    }
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
    let on = !args.quiet && std::io::stderr().is_terminal();
    let progress = Progress {
        done: AtomicUsize::new(0),
        total: args.replicates,
        on,
    };

    let (design, search) = match args.target_power {
        Some(target) => {
            let p = progress.reset(args.replicates);
            let s = power::search_n(
                &design,
                &allocation,
                target,
                args.replicates,
                args.seed,
                &|| p.tick(),
            )?;
            (
                power::with_n_per_arm(&design, s.n_per_arm, &allocation),
                Some(s),
            )
        }
        None => (design, None),
    };
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
    let power_curve = match (&search, &args.out) {
        (Some(s), _) => s.evaluated.clone(),
        (None, Some(_)) => {
            let p = progress.reset(args.replicates * power::CURVE_FACTORS.len());
            power::curve(&design, &allocation, args.replicates, args.seed, &|| {
                p.tick()
            })?
        }
        _ => Vec::new(),
    };
    let report = Report {
        research_use_note: levodose::RESEARCH_USE_NOTE,
        scenario: scenario_path.display().to_string(),
        design: &design,
        result: &result,
        n_search: search.as_ref(),
        power_curve,
        findings: &findings,
    };
    if let Some(dir) = &args.out {
        let mut files = vec![
            ("summary.json", to_json(&report)?.into_bytes()),
            (
                "trajectories.svg",
                trajectory_chart(&design, &result)
                    .render_svg()?
                    .into_bytes(),
            ),
        ];
        if !report.power_curve.is_empty() {
            files.push((
                "power_curve.svg",
                curve_chart(&report.power_curve, search.as_ref())
                    .render_svg()?
                    .into_bytes(),
            ));
        }
        write_files(dir, &files)?;
    }
    if let Some(path) = &args.nonmem_out {
        let note = write_pk_dataset(path, &args, &scenario, &design, &m)?;
        if !args.json {
            eprintln!("{note}");
        }
    }
    if let Some(dir) = &args.write_data {
        let (visits, trials) = power::datasets(&design, args.write_data_replicates, args.seed)?;
        let files = trials
            .iter()
            .enumerate()
            .map(|(r, t)| {
                Ok((
                    format!("replicate_{:03}.csv", r + 1),
                    dataset_csv(&design, &visits, t)?,
                ))
            })
            .collect::<CliResult<Vec<(String, Vec<u8>)>>>()?;
        let refs: Vec<(&str, Vec<u8>)> =
            files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
        write_files(dir, &refs)?;
    }
    if args.json {
        return print_json(&report);
    }
    print_table(&design, &result, search.as_ref(), &findings);
    Ok(())
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

fn trajectory_chart(d: &TrialDesign, r: &PowerResult) -> Chart {
    let mut c = Chart::new(
        "Mean LS-mean change from baseline (MMRM)",
        "week",
        "MADRS change from baseline",
    );
    for arm in &r.arms {
        // Visits where every fit failed have no mean: leave them out of the line.
        let pts = std::iter::once((0.0, 0.0))
            .chain(
                d.visit_weeks
                    .iter()
                    .copied()
                    .zip(arm.mean_lsmean_change_madrs.iter().copied())
                    .filter_map(|(w, v)| v.map(|v| (w, v))),
            )
            .collect();
        c = c.line(arm.name.clone(), pts);
    }
    c.vlines.push((r.primary_week, "primary".into()));
    c.note = Some(format!(
        "{} replicates, seed {}. {}",
        r.replicates,
        r.seed,
        levodose::RESEARCH_USE_NOTE
    ));
    c
}

fn curve_chart(pts: &[power::CurvePoint], s: Option<&power::NSearch>) -> Chart {
    let mut c = Chart::new("Simulated power by n per arm", "n per arm", "power");
    c = c.line(
        "simulated power",
        pts.iter().map(|p| (p.n_per_arm as f64, p.power)).collect(),
    );
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
    if let Some(s) = s {
        c.hlines.push((s.target_power, "target".into()));
        c.vlines
            .push((s.n_per_arm as f64, format!("n = {}", s.n_per_arm)));
    }
    c.y_range = Some((0.0, 1.0));
    c.note = Some(levodose::RESEARCH_USE_NOTE.into());
    c
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
