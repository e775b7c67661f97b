//! `levodose compare`: levomilnacipran beside the comparator SNRIs at steady state on one
//! occupancy basis, as a table and one SVG (NET vs SERT time-averaged occupancy).

use crate::error::{CliError, CliResult};
use crate::io::{file_names, print_json, to_json, write_files};
use levodose::compare::{compare, default_compounds, Comparison};
use levodose::occupancy::Basis;
use levodose_report::plot::{Chart, Style};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  levodose compare
  levodose compare --dose duloxetine=60,120 --dose levomilnacipran=40,80,120 --out compare/
  levodose compare --compounds levomilnacipran,desvenlafaxine --occupancy-basis ic50 --json")]
pub struct Args {
    /// Compounds to compare, comma-separated (default: all built-in monographs).
    #[arg(long, value_delimiter = ',')]
    pub compounds: Option<Vec<String>>,
    /// Doses for one compound, COMPOUND=MG[,MG...] (repeatable); others at their usual doses.
    #[arg(long = "dose")]
    pub dose: Vec<String>,
    /// Occupancy basis for every compound: ki (binding) or ic50 (uptake inhibition).
    #[arg(long = "occupancy-basis", default_value = "ki")]
    pub occupancy_basis: String,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write compare.json, compare.md and occupancy_balance.svg to this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn parse_doses(items: &[String]) -> CliResult<BTreeMap<String, Vec<f64>>> {
    let mut out = BTreeMap::new();
    for it in items {
        let (name, list) = it.split_once('=').ok_or_else(|| {
            CliError::input(format!(
                "--dose \"{it}\": expected COMPOUND=MG[,MG...], e.g. duloxetine=60,120"
            ))
        })?;
        let doses = list
            .split(',')
            .map(|x| {
                x.trim().parse::<f64>().map_err(|_| {
                    CliError::input(format!("--dose \"{it}\": \"{x}\" is not a number of mg"))
                })
            })
            .collect::<CliResult<Vec<f64>>>()?;
        out.insert(name.trim().to_ascii_lowercase(), doses);
    }
    Ok(out)
}

pub fn run(args: Args) -> CliResult {
    let compounds = args.compounds.clone().unwrap_or_else(default_compounds);
    let doses = parse_doses(&args.dose)?;
    let c = compare(&compounds, &doses, Basis::parse(&args.occupancy_basis)?)?;
    if args.json {
        print_json(&c)?;
    } else {
        print!("{}", table(&c));
    }
    if let Some(dir) = &args.out {
        let files = [
            ("compare.json", to_json(&c)?.into_bytes()),
            ("compare.md", table(&c).into_bytes()),
            (
                "occupancy_balance.svg",
                chart(&c).render_svg()?.into_bytes(),
            ),
        ];
        write_files(dir, &files)?;
        if !args.json {
            println!("\nWrote {} to {}", file_names(&files), dir.display());
        }
    }
    Ok(())
}

fn pct(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}

fn table(c: &Comparison) -> String {
    let mut s = format!(
        "# Steady-state exposure and transporter occupancy ({} basis)\n\n_{}_\n\n",
        c.occupancy_basis.as_str(),
        c.research_note
    );
    s.push_str("| compound | dose (mg qd) | Cmin | Cavg | Cmax (ng/mL) | NET trough % | NET avg % | SERT trough % | SERT avg % | NET/SERT | K NET / SERT (nM) |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for r in &c.rows {
        s.push_str(&format!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {} | {} | {} | {} | {:.2} | {} / {} ({}) |\n",
            r.compound,
            r.dose_mg,
            r.cmin_ng_per_ml,
            r.cavg_ng_per_ml,
            r.cmax_ng_per_ml,
            pct(r.net_occupancy.trough),
            pct(r.net_occupancy.average),
            pct(r.sert_occupancy.trough),
            pct(r.sert_occupancy.average),
            r.net_sert_balance,
            r.net_k_nm,
            r.sert_k_nm,
            r.affinity_source
        ));
    }
    let with_met: Vec<&levodose::compare::Row> = c
        .rows
        .iter()
        .filter(|r| !r.metabolites.is_empty())
        .collect();
    if !with_met.is_empty() {
        s.push_str("\n## With active metabolites (competitive binding, parent + metabolites)\n\n");
        s.push_str("| compound | dose (mg qd) | metabolite | formed (fraction of dose) | metabolite Cavg (ng/mL) | NET trough % | NET avg % | SERT trough % | SERT avg % |\n");
        s.push_str("|---|---|---|---|---|---|---|---|---|\n");
        for r in with_met {
            let (Some(n), Some(se)) = (
                r.net_occupancy_with_metabolites,
                r.sert_occupancy_with_metabolites,
            ) else {
                continue;
            };
            for mt in &r.metabolites {
                s.push_str(&format!(
                    "| {} | {} | {} | {} ({}) | {:.1} | {} | {} | {} | {} |\n",
                    r.compound,
                    r.dose_mg,
                    mt.compound,
                    mt.formation_fraction,
                    mt.formation_source,
                    mt.cavg_ng_per_ml,
                    pct(n.trough),
                    pct(n.average),
                    pct(se.trough),
                    pct(se.average)
                ));
            }
        }
    }
    let pets: Vec<(&levodose::compare::Row, &levodose::compare::PetRow)> = c
        .rows
        .iter()
        .flat_map(|r| r.pet.iter().map(move |p| (r, p)))
        .collect();
    s.push_str("\n## Published PET occupancy beside the prediction\n\n");
    if pets.is_empty() {
        s.push_str("No published PET occupancy at the compared doses.\n");
    } else {
        s.push_str("| compound | dose (mg) | transporter | PET measured % | predicted avg % | predicted peak % | when | source |\n");
        s.push_str("|---|---|---|---|---|---|---|---|\n");
        for (r, p) in pets {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.compound,
                p.dose_mg,
                p.transporter.to_uppercase(),
                pct(p.measured_occupancy),
                pct(p.predicted_average),
                pct(p.predicted_peak),
                p.timing,
                p.source
            ));
        }
    }
    s.push_str("\nNET/SERT = ratio of time-averaged occupancies, parent and active metabolites (> 1: NET-preferring at that dose).\n\nNotes:\n");
    for n in &c.notes {
        s.push_str(&format!("- {n}\n"));
    }
    s
}

fn chart(c: &Comparison) -> Chart {
    let mut ch = Chart::new(
        format!(
            "NET vs SERT occupancy at steady state ({} basis, time-averaged)",
            c.occupancy_basis.as_str()
        ),
        "SERT occupancy (fraction)",
        "NET occupancy (fraction)",
    );
    let mut names: Vec<&str> = c.rows.iter().map(|r| r.compound.as_str()).collect();
    names.dedup();
    for n in names {
        let pts: Vec<(f64, f64)> = c
            .rows
            .iter()
            .filter(|r| r.compound == n)
            .map(|r| (r.sert_occupancy.average, r.net_occupancy.average))
            .collect();
        // One colour per compound for its line and its dose points.
        ch = ch.series(n, pts, Style::LinePoints);
    }
    ch = ch.series(
        "equal occupancy",
        vec![(0.0, 0.0), (1.0, 1.0)],
        Style::Reference,
    );
    ch.y_range = Some((0.0, 1.0));
    ch.note = Some(format!(
        "Points mark the compared doses. {}",
        c.research_note
    ));
    ch
}
