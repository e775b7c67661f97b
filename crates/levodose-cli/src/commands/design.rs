//! `levodose design`: preclinical study design from a scenario or the built-in LPS template
//! (protocol.md, schedule.csv, randomisation.csv, blinding_key.csv), and dose-range design.

use crate::error::{CliError, CliResult};
use crate::output::{print_json, write_files};
use levodose::design::{self, protocol, scenario::PreclinicalScenario};
use levodose::occupancy::Basis;
use levodose::translate::{
    dose_range, species, toxicology, AnimalRoute, Metric, Schedule, Species, SpeciesPkOverride,
};
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
    /// Write protocol.md, schedule.csv, randomisation.csv, blinding_key.csv here.
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
    let m = crate::commands::facts::load(&sc.study.compound, None)?;
    let d = design::design(&m, &sc)?;
    if let Some(dir) = &a.out {
        let files = [
            ("protocol.md", protocol::markdown(&d)),
            ("schedule.csv", protocol::schedule_csv(&d)),
            ("randomisation.csv", protocol::randomisation_csv(&d)),
            ("blinding_key.csv", protocol::key_csv(&d)),
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
            "wrote protocol.md, schedule.csv, randomisation.csv, blinding_key.csv to {}",
            dir.display()
        );
    }
    println!("{}", levodose::RESEARCH_USE_NOTE);
    Ok(())
}

fn range(a: RangeArgs) -> CliResult {
    let m = crate::commands::facts::load(&a.compound, None)?;
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
