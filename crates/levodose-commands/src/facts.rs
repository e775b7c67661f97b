//! `levodose facts`: the monograph with sources, flagging derived and assumed values.

use crate::error::CliResult;
use crate::io::print_json;
use levodose::monograph::{self, Monograph};
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  levodose facts\n  levodose facts --compound duloxetine --json\n  levodose facts --monograph my_compound.toml"
)]
pub struct Args {
    /// Compound (built-in: levomilnacipran, duloxetine, venlafaxine, desvenlafaxine).
    #[arg(long, default_value = "levomilnacipran")]
    pub compound: String,
    /// Use this monograph file instead of the built-in one.
    #[arg(long)]
    pub monograph: Option<PathBuf>,
    /// Print the whole monograph as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Loads the built-in monograph or the file given with `--monograph`.
pub fn load(compound: &str, file: Option<&PathBuf>) -> CliResult<Monograph> {
    match file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                crate::error::CliError::input(format!(
                    "--monograph {}: cannot read: {e}",
                    path.display()
                ))
            })?;
            Ok(monograph::from_toml_str(
                &text,
                &path.display().to_string(),
            )?)
        }
        None => Ok(monograph::builtin(compound)?),
    }
}

pub fn run(args: Args) -> CliResult {
    let m = load(&args.compound, args.monograph.as_ref())?;
    if args.json {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            monograph: &'a Monograph,
            facts: Vec<monograph::FactRow>,
        }
        return print_json(&Out {
            monograph: &m,
            facts: m.facts(),
        });
    }
    println!("{} ({})", m.compound.display_name, m.compound.class);
    println!("{}\n", crate::research_note());
    let rows = m.facts();
    let kw = rows.iter().map(|r| r.key.len()).max().unwrap_or(10).min(58);
    for r in &rows {
        let flag = match r.status.as_str() {
            "derived" => " [DERIVED]",
            "assumed" => " [ASSUMED]",
            _ => "",
        };
        println!(
            "{:<kw$}  {:>12} {:<8} {:<12}{}",
            r.key, r.value, r.unit, r.source, flag
        );
        if !r.note.is_empty() && !flag.is_empty() {
            println!("{:<kw$}    note: {}", "", r.note);
        }
    }
    print_comedications(&m);
    print_efficacy_evidence(&m)?;
    println!("\nReferences:");
    for (k, r) in &m.references {
        println!(
            "  {k}: {}{}",
            r.citation,
            if r.address.is_empty() {
                String::new()
            } else {
                format!(" <{}>", r.address)
            }
        );
    }
    Ok(())
}

/// Co-medications by class with their source and the class model's predicted AUC ratio beside
/// any observed one (so a reader sees which ratio is measured and which predicted).
fn print_comedications(m: &Monograph) {
    let Some(inter) = &m.interactions else {
        return;
    };
    let names: Vec<String> = inter.comedications.iter().map(|c| c.name.clone()).collect();
    let Ok(resolved) = levodose::interactions::resolve(m, &names) else {
        return;
    };
    let mut classes: Vec<_> = inter.comedications.iter().map(|c| c.class).collect();
    classes.sort();
    classes.dedup();
    println!(
        "\nCo-medications by class (predicted: class model; observed: levomilnacipran study):"
    );
    for class in classes {
        let r = inter
            .class_activity_ratio
            .get(class.key())
            .map(|v| format!(" r = {} ({}, {})", v.value, v.source, v.status))
            .unwrap_or_default();
        println!("  {}{r}", class.key());
        for (c, res) in inter.comedications.iter().zip(&resolved) {
            if c.class != class {
                continue;
            }
            let predicted = res
                .predicted_auc_ratio
                .map(|p| format!("predicted AUC ratio {p:.2}"))
                .unwrap_or_else(|| "no PK change modelled".into());
            let observed = res
                .observed_auc_ratio
                .map(|o| format!("; observed {o}"))
                .unwrap_or_default();
            println!("    {:<18} {predicted}{observed}  [{}]", c.name, c.source);
        }
    }
}

/// The efficacy meta-analysis by dose computed from `efficacy.trial_arms` (status derived).
fn print_efficacy_evidence(m: &Monograph) -> CliResult {
    let Some(eff) = m.efficacy.as_ref().filter(|e| !e.trial_arms.is_empty()) else {
        return Ok(());
    };
    println!("\nEfficacy meta-analysis by dose (DerSimonian-Laird, random effects) [DERIVED]:");
    for p in levodose::trial::evidence::meta_by_dose(eff)? {
        println!(
            "  {:<22} {:>7.2} MADRS points (SE {:.2}, 95 % CI {:.2} to {:.2}, tau^2 {:.2}, I^2 {:.0} %)  {}",
            p.stratum,
            p.meta.estimate,
            p.meta.se,
            p.meta.ci_lower,
            p.meta.ci_upper,
            p.meta.tau2,
            p.meta.i2_percent,
            p.sources.join(", ")
        );
    }
    Ok(())
}
