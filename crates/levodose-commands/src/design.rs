//! `levodose design`: preclinical study design from a scenario or the built-in LPS template
//! (protocol.md, schedule.csv, randomisation.csv, blinding_key.csv), and dose-range design.

use crate::error::{CliError, CliResult};
use crate::io::{print_json, write_files};
use levodose::design::{self, protocol, scenario::PreclinicalScenario, Design};
use levodose::monograph::Monograph;
use levodose::occupancy::Basis;
use levodose::translate::{
    dose_range, species, toxicology, AnimalRoute, Metric, Schedule, Species, SpeciesPkOverride,
};
use levodose_report::{self as report, Answer, Document, Section, Table};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

#[derive(clap::Subcommand)]
pub enum What {
    /// Groups, n per group (power), timeline, blocked blinded randomisation, safety observations.
    #[command(
        after_help = "Examples:\n  levodose design preclinical --template lps --out study/\n  levodose design preclinical --write-template lps > my_study.toml\n  levodose design preclinical my_study.toml --seed 42 --out study/ --json"
    )]
    Preclinical(PreArgs),
    /// k log-spaced doses over the rising part of the occupancy (or exposure) curve.
    #[command(
        after_help = "Examples:\n  levodose design dose-range --species rat --route ip --frequency bid --range 0.2:0.8 --k 4\n  levodose design dose-range --species rat --route ip --frequency qd --range 0.2:0.8 --doses 20,30,40 --json"
    )]
    DoseRange(RangeArgs),
}

#[derive(clap::Args)]
pub struct PreArgs {
    /// Scenario file (TOML, [study] kind = "preclinical"; keys in docs/scenarios.md).
    pub scenario: Option<PathBuf>,
    /// Use a built-in template: lps (seed protocol 1).
    #[arg(long)]
    pub template: Option<String>,
    /// Print a built-in template (to edit) and exit.
    #[arg(long)]
    pub write_template: Option<String>,
    /// Randomisation seed (overrides the scenario).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write report.html, protocol.md, schedule.csv, randomisation.csv, blinding_key.csv here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the design as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct RangeArgs {
    /// Compound whose built-in monograph is used (it needs a [preclinical] section).
    #[arg(long, default_value = "levomilnacipran")]
    pub compound: String,
    #[arg(long)]
    pub species: String,
    #[arg(long, default_value = "ip")]
    pub route: String,
    /// qd, bid, tid or minipump.
    #[arg(long, default_value = "bid")]
    pub frequency: String,
    #[arg(long, default_value = "net_occupancy_average")]
    pub metric: String,
    /// Levels to span, LO:HI (occupancy fractions, or free ng/mL for exposure metrics).
    #[arg(long, default_value = "0.2:0.8")]
    pub range: String,
    /// Number of doses (2-12).
    #[arg(long, default_value_t = 4)]
    pub k: usize,
    /// Your doses (mg/kg, comma-separated) to check.
    #[arg(long, value_delimiter = ',')]
    pub doses: Vec<f64>,
    #[arg(long)]
    pub weight_kg: Option<f64>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> CliResult {
    match args.what {
        What::Preclinical(a) => preclinical(a),
        What::DoseRange(a) => range(a),
    }
}

fn preclinical(a: PreArgs) -> CliResult {
    if let Some(name) = &a.write_template {
        print!("{}", design::template(name)?);
        return Ok(());
    }
    let (d, m, name) = compute_preclinical(&a)?;
    if let Some(dir) = &a.out {
        let files = [
            ("protocol.md", protocol::markdown(&d)),
            ("schedule.csv", protocol::schedule_csv(&d)),
            ("randomisation.csv", protocol::randomisation_csv(&d)),
            ("blinding_key.csv", protocol::key_csv(&d)),
            (
                "report.html",
                report::render_html(&html_document(&d, &name, &m))?,
            ),
        ];
        let files: Vec<(&str, Vec<u8>)> = files
            .into_iter()
            .map(|(n, b)| (n, b.into_bytes()))
            .collect();
        write_files(dir, &files)?;
    }
    if a.json {
        return print_json(&d);
    }
    println!(
        "{}: {} groups x {} = {} animals (seed {})",
        d.title,
        d.groups.len(),
        d.n_per_group,
        d.randomisation.len(),
        d.seed
    );
    match (&d.sample_size, d.n_source) {
        (Some(ss), "study.n_per_group") => println!(
            "n per group: {} from the scenario's study.n_per_group (power {} for {}; the power calculation would enrol {})",
            d.n_per_group,
            ss.stated_power
                .map(|p| format!("{p:.2}"))
                .unwrap_or_else(|| "-".into()),
            ss.effect,
            ss.n_enrolled_per_group
        ),
        (Some(ss), _) => println!(
            "n per group: {} enrolled from the power calculation ({} completers, {}, power {}, {:.0} % attrition)",
            d.n_per_group,
            ss.n_per_group,
            ss.effect,
            ss.power,
            100.0 * ss.attrition
        ),
        (None, _) => println!(
            "n per group: {} from the scenario's study.n_per_group (no endpoint for a power calculation)",
            d.n_per_group
        ),
    }
    for u in &d.unverified {
        println!("UNVERIFIED: {u}");
    }
    for f in &d.findings {
        println!("{}: {}: {}", f.severity, f.code, f.message);
    }
    if let Some(dir) = &a.out {
        println!(
            "wrote report.html, protocol.md, schedule.csv, randomisation.csv, blinding_key.csv to {}",
            dir.display()
        );
    }
    println!("{}", levodose::RESEARCH_USE_NOTE);
    Ok(())
}

/// The report of a preclinical design (`--out` report.html). Group codes are left out: the
/// report sits beside randomisation.csv and must not unblind it (the key is its own file).
pub fn html_document(d: &Design, scenario: &str, m: &Monograph) -> Document {
    let total = d.randomisation.len();
    let mut details = vec![match (&d.sample_size, d.n_source) {
        (Some(ss), "study.n_per_group") => format!(
            "n per group {} from the scenario (power {} for {}; the power calculation would enrol {})",
            d.n_per_group,
            ss.stated_power
                .map(|p| format!("{p:.2}"))
                .unwrap_or_else(|| "-".into()),
            ss.effect,
            ss.n_enrolled_per_group
        ),
        (Some(ss), _) => format!(
            "n per group {} enrolled from the power calculation: {} completers for {} at power {} \
             (achieved {:.3}), {:.0} % attrition",
            d.n_per_group,
            ss.n_per_group,
            ss.effect,
            ss.power,
            ss.achieved_power,
            100.0 * ss.attrition
        ),
        (None, _) => format!(
            "n per group {} from the scenario (no endpoint for a power calculation)",
            d.n_per_group
        ),
    }];
    if let Some(h) = d.human_equivalent_dose_mg {
        details.push(format!("Human-equivalent dose about {h:.0} mg"));
    }
    details.extend(d.unverified.iter().map(|u| format!("UNVERIFIED: {u}")));
    let answer = Answer {
        headline: format!(
            "{} groups x {} = {} animals",
            d.groups.len(),
            d.n_per_group,
            total
        ),
        details,
        positive: d.unverified.is_empty()
            && !d
                .findings
                .iter()
                .any(|f| f.severity == levodose::Severity::Error),
    };
    let inputs = vec![
        ("scenario".to_string(), scenario.to_string()),
        ("species".into(), d.species.clone()),
        ("route".into(), d.route.clone()),
        ("frequency".into(), d.frequency.clone()),
        ("doses stated as".into(), d.doses_stated_as.clone()),
        ("randomisation seed".into(), d.seed.to_string()),
    ];
    let groups = Table {
        caption: "Groups".into(),
        header: vec![
            "group".into(),
            "treatment".into(),
            format!("dose (mg/kg, {})", d.doses_stated_as),
            "challenge".into(),
            "n".into(),
            "verified".into(),
            "note".into(),
        ],
        rows: d
            .groups
            .iter()
            .map(|g| {
                vec![
                    g.name.clone(),
                    format!("{:?}", g.treatment),
                    g.dose_mg_per_kg.map_or("-".into(), |x| x.to_string()),
                    if g.challenge { "yes" } else { "no" }.into(),
                    g.n.to_string(),
                    g.verified_label.into(),
                    g.note.clone(),
                ]
            })
            .collect(),
        note: Some(format!(
            "Predictions use free base (x {:.4} of the stated dose). Blind codes are in \
             randomisation.csv and blinding_key.csv only.",
            d.base_per_stated
        )),
    };
    let opt = |x: Option<f64>, digits: usize| x.map_or(String::new(), |v| format!("{v:.digits$}"));
    let timeline = Table {
        caption: "Timeline (study day 1 = first dose)".into(),
        header: vec![
            "day".into(),
            "hour".into(),
            "event".into(),
            "groups".into(),
            "duration (min)".into(),
            "hours after last dose".into(),
            "note".into(),
        ],
        rows: d
            .timeline
            .iter()
            .map(|e| {
                vec![
                    e.day.to_string(),
                    format!("{:.2}", e.hour),
                    e.event.clone(),
                    e.groups.clone(),
                    opt(e.duration_min, 0),
                    opt(e.hours_after_last_dose, 2),
                    e.note.clone(),
                ]
            })
            .collect(),
        note: None,
    };
    let safety = Table {
        caption: "Safety observations mirroring clinical adverse events".into(),
        header: vec![
            "adverse event".into(),
            "clinical incidence".into(),
            "placebo".into(),
            "at human dose (mg)".into(),
            "observations".into(),
            "source".into(),
        ],
        rows: d
            .safety_observations
            .iter()
            .map(|s| {
                vec![
                    s.adverse_event.clone(),
                    format!("{} {}", s.clinical_incidence_percent, s.unit),
                    format!("{} {}", s.placebo_percent, s.unit),
                    s.at_human_dose_mg.to_string(),
                    s.observations.join("; "),
                    s.source.clone(),
                ]
            })
            .collect(),
        note: None,
    };
    let mut sections = vec![
        Section {
            heading: "Groups".into(),
            tables: vec![groups],
            ..Default::default()
        },
        Section {
            heading: "Timeline".into(),
            tables: vec![timeline],
            ..Default::default()
        },
    ];
    if !d.safety_observations.is_empty() {
        sections.push(Section {
            heading: "Safety observations".into(),
            tables: vec![safety],
            ..Default::default()
        });
    }
    if !d.assumptions.is_empty() {
        sections.push(Section {
            heading: "Assumptions".into(),
            paragraphs: d.assumptions.clone(),
            ..Default::default()
        });
    }
    Document {
        title: format!("levodose design preclinical: {}", d.title),
        command: None,
        inputs,
        answer,
        sections,
        findings: d.findings.clone(),
        sources: report::sources_of(m),
        research_note: d.research_note.to_string(),
        links: Vec::new(),
    }
}

/// Reads the scenario (file or built-in template) and designs the study; returns the design, the
/// monograph it used and the scenario's name. Writes nothing.
pub fn compute_preclinical(a: &PreArgs) -> CliResult<(Design, Monograph, String)> {
    let (text, name) = match (&a.scenario, &a.template) {
        (Some(p), None) => {
            let n = p.display().to_string();
            (
                std::fs::read_to_string(p)
                    .map_err(|e| CliError::input(format!("{n}: cannot read: {e}")))?,
                n,
            )
        }
        (None, Some(t)) => (design::template(t)?.to_string(), format!("template {t}")),
        _ => {
            return Err(CliError::input(
                "give a scenario file or --template lps (not both)",
            ))
        }
    };
    let mut sc = PreclinicalScenario::from_toml_str(&text, &name)?;
    if let Some(s) = a.seed {
        sc.study.seed = s;
    }
    let m = crate::facts::load(&sc.study.compound, None)?;
    let d = design::design(&m, &sc)?;
    Ok((d, m, name))
}

fn range(a: RangeArgs) -> CliResult {
    let m = crate::facts::load(&a.compound, None)?;
    let sp = Species::parse(&a.species)?;
    let schedule = Schedule::parse(&a.frequency)?;
    let route = if schedule == Schedule::Minipump {
        AnimalRoute::Minipump
    } else {
        AnimalRoute::parse(&a.route)?
    };
    let metric = Metric::parse(&a.metric)?;
    let (lo, hi) = a
        .range
        .split_once(':')
        .and_then(|(l, h)| Some((l.trim().parse::<f64>().ok()?, h.trim().parse::<f64>().ok()?)))
        .ok_or_else(|| {
            CliError::input(format!(
                "--range: \"{}\" is not LO:HI, e.g. 0.2:0.8",
                a.range
            ))
        })?;
    let model = species::resolve(
        &m,
        sp,
        route,
        a.weight_kg,
        Basis::Ki,
        &SpeciesPkOverride::default(),
    )?;
    let rules = &species::preclinical(&m)?.design_rules;
    let mut r = dose_range::design(&model, schedule, metric, lo, hi, a.k, &a.doses, rules)?;
    // Toxicity ceilings of the monograph for every proposed and user dose.
    let per_day = if schedule == Schedule::Minipump {
        1.0
    } else {
        schedule.doses_per_day()
    };
    let checked: Vec<toxicology::DoseToCheck> = r
        .proposed
        .iter()
        .map(|p| ("proposed", p))
        .chain(r.user.iter().map(|p| ("your", p)))
        .map(|(who, p)| toxicology::DoseToCheck {
            what: format!("{who} dose {:.3}", p.dose_mg_per_kg),
            per_dose_mg_per_kg: p.dose_mg_per_kg,
            daily_mg_per_kg: p.dose_mg_per_kg * per_day,
        })
        .collect();
    r.findings.extend(toxicology::check(&m, sp, &checked)?);
    if a.json {
        return print_json(&r);
    }
    println!(
        "{} {} {}: {} doses spanning {} {lo}-{hi} (ratio {:.2})",
        sp.as_str(),
        route.as_str(),
        schedule.as_str(),
        a.k,
        metric.as_str(),
        r.spacing_ratio
    );
    for p in &r.proposed {
        println!("  {:>10.3} mg/kg  -> {:.3}", p.dose_mg_per_kg, p.predicted);
    }
    if !r.user.is_empty() {
        println!("your doses:");
        for p in &r.user {
            println!("  {:>10.3} mg/kg  -> {:.3}", p.dose_mg_per_kg, p.predicted);
        }
    }
    for f in &r.findings {
        println!("{}: {}: {}", f.severity, f.code, f.message);
    }
    for x in &model.assumptions {
        println!("{x}");
    }
    println!("{}", levodose::RESEARCH_USE_NOTE);
    Ok(())
}
