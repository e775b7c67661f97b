//! `levodose simulate --subjects N` / `--parameters FILE`: a virtual population (or given
//! individual parameters) through the scenario, with percentiles, PTA and band plots.

use crate::error::{CliError, CliResult};
use crate::io::{file_names, print_json, to_json, write_files};
use levodose::monograph::Monograph;
use levodose::population::covariates::CrclChoice;
use levodose::population::{self, Covariate, PopulationSummary, RunOptions, SampleSpec};
use levodose::simulate::{self, Scenario};
use levodose_report::plot::Chart;
use levodose_report::{self as report, Answer, Document, Figure, Section, Table};

pub fn run(
    args: &super::simulate_args::Args,
    scenario: Scenario,
    monograph: &Monograph,
    targets: &[levodose::target::Target],
    crcl: Option<CrclChoice>,
) -> CliResult {
    let m = monograph;
    let sc = scenario;
    let who = population_caption(&sc, crcl, args.parameters.is_some());
    let (subjects, opts) = match &args.parameters {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                CliError::input(format!("--parameters {}: cannot read: {e}", path.display()))
            })?;
            let table = population::parse_parameters(
                m,
                &text,
                &path.display().to_string(),
                &sc.subject.comedications,
            )?;
            let subjects = table.subjects;
            if args.seed.is_some() {
                return Err(CliError::input(
                    "--seed applies to sampled populations (--subjects N): the subjects of --parameters have no random draws",
                ));
            }
            if let Some(n) = args.subjects {
                if n != subjects.len() {
                    return Err(CliError::input(format!(
                        "--subjects {n} does not match the {} rows of {}; omit --subjects with --parameters",
                        subjects.len(),
                        path.display()
                    )));
                }
            }
            let opts = RunOptions {
                profiles: !args.no_profile,
                per_subject: true,
                seed: None,
                source: format!("individual parameters from {}", path.display()),
                notes: table
                    .notes
                    .into_iter()
                    .chain(levodose::metric::alias_notes(&args.target))
                    .collect(),
            };
            (subjects, opts)
        }
        None => {
            let n = args.subjects.unwrap_or(1000);
            sc.validate()?;
            if !args.no_profile {
                // Before sampling: a run too large for its bands fails at once.
                population::check_profile_budget(n, &sc)?;
            }
            let seed = args.seed.unwrap_or(1);
            let mut spec = SampleSpec::from_monograph(m, n, seed)?;
            if let Some(choice) = crcl {
                spec.covariates.crcl_ml_per_min = choice.covariate();
                if let CrclChoice::Range { min, max } = choice {
                    spec.covariates.note = format!(
                        "{}; CrCl uniform on [{min}, {max}) mL/min",
                        spec.covariates.note
                    );
                }
            }
            if let Some(w) = sc.subject.weight_kg {
                spec.covariates.weight_kg = Covariate::Fixed { value: w };
            }
            spec.comedications = sc.subject.comedications.clone();
            spec.pk = sc.pk;
            let source = format!(
                "sampled: {} ({})",
                spec.covariates.name, spec.covariates.note
            );
            (
                population::sample(m, &spec)?,
                RunOptions {
                    profiles: !args.no_profile,
                    per_subject: false,
                    seed: Some(seed),
                    source,
                    notes: levodose::metric::alias_notes(&args.target),
                },
            )
        }
    };
    let pop = population::simulate(m, &sc, &subjects, targets, &opts)?;
    if let Some(note) = super::nonmem_out::write(&args.nonmem_flags(), m, &sc, &subjects)? {
        eprintln!("{note}");
    }
    // The typical subject of the same scenario (its summary, findings and notes frame the population).
    let typical = simulate::run(m, &sc)?;
    let mut json = serde_json::to_value(&typical)?;
    if let Some(obj) = json.as_object_mut() {
        if args.no_profile {
            obj.remove("profile");
        }
        obj.insert("population".into(), serde_json::to_value(&pop)?);
    }
    if args.json {
        print_json(&json)?;
    } else {
        print_text(&typical, &pop);
    }
    if let Some(dir) = &args.out {
        let html = report::render_html(&html_document(&typical, &pop, &sc, &who, m)?)?;
        let mut files = vec![
            ("report.html", html.into_bytes()),
            ("summary.json", to_json(&json)?.into_bytes()),
        ];
        if !pop.profile_bands.is_empty() {
            files.push((
                "concentration.svg",
                band_chart(&typical, &pop, &who, m, Kind::Conc)
                    .render_svg()?
                    .into_bytes(),
            ));
            files.push((
                "occupancy.svg",
                band_chart(&typical, &pop, &who, m, Kind::Occ)
                    .render_svg()?
                    .into_bytes(),
            ));
        }
        write_files(dir, &files)?;
        if !args.json {
            println!("\nWrote {} to {}", file_names(&files), dir.display());
        }
    }
    Ok(())
}

fn print_text(typical: &simulate::Simulation, pop: &PopulationSummary) {
    println!(
        "{}: {} | {} subjects{}",
        typical.compound,
        typical.regimen,
        pop.n,
        pop.seed.map(|s| format!(", seed {s}")).unwrap_or_default()
    );
    println!("source: {}", pop.source);
    let table = |title: &str, map: &levodose::metric::MetricStats| {
        println!("\n{title}");
        println!(
            "  {:<26} {:>12} {:>12} {:>12} {:>12}",
            "metric", "p05", "p50", "p95", "mean"
        );
        for (k, s) in map {
            println!(
                "  {k:<26} {:>12.4} {:>12.4} {:>12.4} {:>12.4}",
                s.p05, s.p50, s.p95, s.mean
            );
        }
    };
    if !pop.metrics.is_empty() {
        table("Steady state (population percentiles):", &pop.metrics);
    }
    table(
        "Last interval (population percentiles):",
        &pop.last_interval,
    );
    if let Some(p) = pop.pta {
        println!(
            "\nProbability of target attainment ({}): {:.1} %",
            pop.targets.join(" and "),
            100.0 * p
        );
    }
    if !typical.findings.is_empty() {
        println!("\nFindings (typical subject):");
        for f in &typical.findings {
            println!(
                "  [{}] {}: {} ({})",
                f.severity, f.code, f.message, f.source
            );
        }
    }
    println!("\nNotes:");
    for n in pop.notes.iter().chain(&typical.notes) {
        println!("  - {n}");
    }
    println!("\n{}", typical.research_note);
}

#[derive(PartialEq)]
enum Kind {
    Conc,
    Occ,
}

/// Renal function and co-medication of the simulated population, for figure notes and captions.
fn population_caption(sc: &Scenario, crcl: Option<CrclChoice>, given: bool) -> String {
    let renal = match crcl {
        Some(CrclChoice::Value(v)) => format!("CrCl {v} mL/min for every subject"),
        Some(CrclChoice::Range { min, max }) => format!("CrCl uniform on [{min}, {max}) mL/min"),
        None if given => "as in the parameter file".to_string(),
        None => "monograph default".to_string(),
    };
    let comed = if sc.subject.comedications.is_empty() {
        "none".to_string()
    } else {
        sc.subject.comedications.join(", ")
    };
    format!("renal function: {renal}; co-medication: {comed}")
}

/// A population band chart: days for long runs, dose marks labelled at each dose change, the
/// research target on the occupancy chart, and who was simulated (renal function and
/// co-medication) in the footnote and caption.
fn band_chart(
    typical: &simulate::Simulation,
    pop: &PopulationSummary,
    who: &str,
    m: &Monograph,
    kind: Kind,
) -> Chart {
    let b = &pop.profile_bands;
    let (per, x_label) =
        crate::simulate_chart::time_axis_until(b.last().map(|p| p.time_h).unwrap_or(0.0));
    let x: Vec<f64> = b.iter().map(|p| p.time_h / per).collect();
    let at = |f: fn(&levodose::population::BandPoint) -> f64| -> Vec<(f64, f64)> {
        b.iter().map(|p| (p.time_h / per, f(p))).collect()
    };
    let (title, y_label) = match kind {
        Kind::Conc => ("plasma concentration", "plasma concentration (ng/mL)"),
        Kind::Occ => ("transporter occupancy", "transporter occupancy (fraction)"),
    };
    let mut ch = Chart::new(
        format!(
            "{}: {} {title} ({} subjects, median and 5-95 %)",
            typical.compound, typical.regimen, pop.n
        ),
        x_label,
        y_label,
    );
    ch = match kind {
        Kind::Conc => ch
            .band(
                "5-95 %",
                x.clone(),
                b.iter().map(|p| p.p05).collect(),
                b.iter().map(|p| p.p95).collect(),
            )
            .line("median", at(|p| p.p50)),
        Kind::Occ => {
            let mut c = ch
                .band(
                    "NET 5-95 %",
                    x.clone(),
                    b.iter().map(|p| p.net_occupancy.p05).collect(),
                    b.iter().map(|p| p.net_occupancy.p95).collect(),
                )
                .line("NET median", at(|p| p.net_occupancy.p50))
                .band(
                    "SERT 5-95 %",
                    x.clone(),
                    b.iter().map(|p| p.sert_occupancy.p05).collect(),
                    b.iter().map(|p| p.sert_occupancy.p95).collect(),
                )
                .dashed("SERT median", at(|p| p.sert_occupancy.p50));
            c.y_range = Some((0.0, 1.0));
            c.hlines
                .extend(crate::simulate_chart::research_target_line(m));
            c
        }
    };
    ch.vlines = crate::simulate_chart::dose_marks(typical, per);
    ch.caption = Some(format!(
        "Median and 5-95 % of {title} across {} subjects ({}); ticks mark doses; {who}.",
        pop.n, pop.source
    ));
    ch.note = Some(format!(
        "{} subjects; {who}. Ticks on the time axis mark doses. {}",
        pop.n, typical.research_note
    ));
    ch
}

/// Percentile table of one group of metrics (p05, p50, p95, mean), metric names as in the JSON.
fn percentile_table(caption: &str, map: &levodose::metric::MetricStats) -> Table {
    Table {
        caption: caption.into(),
        header: vec![
            "metric".into(),
            "p05".into(),
            "p50".into(),
            "p95".into(),
            "mean".into(),
        ],
        rows: map
            .iter()
            .map(|(k, s)| {
                let mut row = vec![k.to_string()];
                row.extend([s.p05, s.p50, s.p95, s.mean].map(|x| format!("{x:.4}")));
                row
            })
            .collect(),
        note: None,
    }
}

/// The HTML report of a population run (`--out`): the same result structs as the JSON and the
/// text table (percentiles, PTA, bands), laid out like the single-subject report.
fn html_document(
    typical: &simulate::Simulation,
    pop: &PopulationSummary,
    sc: &Scenario,
    who: &str,
    m: &Monograph,
) -> CliResult<Document> {
    let headline = match pop.pta {
        Some(p) => format!(
            "Probability of target attainment ({}): {:.1} % of {} subjects",
            pop.targets.join(" and "),
            100.0 * p,
            pop.n
        ),
        None => format!("{} subjects: {}", pop.n, typical.regimen),
    };
    let mut details = vec![format!("population: {}", pop.source)];
    if let Some(seed) = pop.seed {
        details.push(format!("seed {seed}"));
    }
    let mut tables = Vec::new();
    if !pop.metrics.is_empty() {
        tables.push(percentile_table(
            "Steady state (population percentiles)",
            &pop.metrics,
        ));
    }
    tables.push(percentile_table(
        "Last interval (population percentiles)",
        &pop.last_interval,
    ));
    let mut figures = Vec::new();
    if !pop.profile_bands.is_empty() {
        figures.push(Figure::from_chart(
            "concentration",
            &band_chart(typical, pop, who, m, Kind::Conc),
        )?);
        figures.push(Figure::from_chart(
            "occupancy",
            &band_chart(typical, pop, who, m, Kind::Occ),
        )?);
    }
    Ok(Document {
        title: format!("levodose simulate (population): {}", typical.compound),
        command: None,
        inputs: vec![
            ("compound".into(), typical.compound.clone()),
            ("regimen".into(), typical.regimen.clone()),
            ("days".into(), sc.days.to_string()),
            ("output step".into(), format!("{} h", sc.step_h)),
            ("subjects".into(), pop.n.to_string()),
            (
                "occupancy basis".into(),
                typical.occupancy_model.basis.as_str().into(),
            ),
        ],
        answer: Answer {
            headline,
            details,
            positive: true,
        },
        sections: vec![
            Section {
                heading: "Exposure and occupancy across subjects".into(),
                tables,
                figures,
                ..Default::default()
            },
            Section {
                heading: "Notes".into(),
                paragraphs: pop.notes.iter().chain(&typical.notes).cloned().collect(),
                ..Default::default()
            },
        ],
        findings: typical.findings.clone(),
        sources: report::sources_of(m),
        research_note: typical.research_note.to_string(),
        links: vec![],
    })
}
