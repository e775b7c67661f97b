//! `levodose translate`: the rat or mouse dose (mg/kg) that reproduces a human steady-state
//! exposure or occupancy, per dosing frequency, with the test window, BSA comparison and dose
//! preparation.

use crate::error::{CliError, CliResult};
use crate::io::{print_json, to_json, write_files};
use levodose::monograph::Monograph;
use levodose::occupancy::Basis;
use levodose::translate::{
    self, AnimalRoute, Metric, Request, Species, SpeciesPkOverride, Translation,
};
use levodose_report::plot::Chart;
use levodose_report::{self as report, Answer, Document, Figure, Section, Table};
use std::fmt::Write;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Metrics: free_cavg, free_auc24, free_cmax (free plasma, ng/mL), net_occupancy_trough,
net_occupancy_average, sert_occupancy_trough, sert_occupancy_average (Ki basis unless
--occupancy-basis ic50). Doses are free base per administration (mg/kg/day for a minipump).
No rat or mouse levomilnacipran PK is published: clearance and volume are allometric from human
(CL ~ W^0.75, V ~ W^1), marked `assumed: allometric`. Give measured values with --cl-l-per-h-per-kg
and --v-l-per-kg, or a file from `levodose analyze nca --write-pk` with --pk (printed `measured: FILE`).

Columns: mg/kg/dose per administration (per day for a minipump); h>=human/day = hours per 24 h
(all doses of the day) at or above the human level; window = hours after each dose (one dosing
interval) at or above it, continuous for a minipump. Findings flag doses above a tenth of the
LD50 (error) or above the NOAEL/LOAEL (warning) of [preclinical.toxicology], recommendations
implausibly far from the body-surface-area dose or above the published effective range, and
recommendations below every published minimum effective dose.

Examples:
  levodose translate --species rat --route ip --match \"80mg qd\" --metric net_occupancy_average
  levodose translate --species rat --route ip --match \"80mg qd\" --metric net_occupancy_average --salt --weight-kg 0.25
  levodose translate --species mouse --route po --match \"40mg qd\" --metric free_cavg --json
  levodose translate --species rat --route ip --match \"80mg qd\" --metric net_occupancy_average --out translate/";

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP, allow_negative_numbers = true)]
pub struct Args {
    /// Compound whose built-in monograph is used (it needs a [preclinical] section).
    #[arg(long, default_value = "levomilnacipran")]
    pub compound: String,
    /// Species: rat or mouse.
    #[arg(long)]
    pub species: String,
    /// Route: ip, po (solution), iv, minipump.
    #[arg(long, default_value = "ip")]
    pub route: String,
    /// Human regimen whose steady state is matched, e.g. "80mg qd".
    #[arg(long = "match", default_value = "80mg qd")]
    pub human: String,
    /// Metric to match (see below).
    #[arg(long, default_value = "net_occupancy_average")]
    pub metric: String,
    /// Animal body weight, kg (default: the monograph's species weight).
    #[arg(long)]
    pub weight_kg: Option<f64>,
    /// You dose the hydrochloride salt: report what to weigh as salt.
    #[arg(long)]
    pub salt: bool,
    /// Dosing volume, mL/kg (default 5 rat i.p., 10 mouse i.p.).
    #[arg(long)]
    pub dose_volume_ml_per_kg: Option<f64>,
    /// Occupancy basis: ki (default) or ic50.
    #[arg(long, default_value = "ki")]
    pub occupancy_basis: String,
    /// Measured species clearance, L/h/kg (replaces allometry).
    #[arg(long)]
    pub cl_l_per_h_per_kg: Option<f64>,
    /// Measured species volume, L/kg (replaces allometry).
    #[arg(long)]
    pub v_l_per_kg: Option<f64>,
    /// Measured species PK written by `levodose analyze nca --write-pk` (replaces allometry;
    /// printed as `measured: FILE`).
    #[arg(long)]
    pub pk: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Write report.html, translate.json, profile.csv and profile.svg to this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The species PK the user gives: a measured-PK file (`--pk`) or single values.
fn pk_override(args: &Args) -> CliResult<SpeciesPkOverride> {
    match &args.pk {
        Some(path) => {
            if args.cl_l_per_h_per_kg.is_some() || args.v_l_per_kg.is_some() {
                return Err(CliError::input(
                    "--pk: give a measured-PK file or --cl-l-per-h-per-kg/--v-l-per-kg, not both",
                ));
            }
            let text = std::fs::read_to_string(path).map_err(|e| {
                levodose::Error::input("pk", format!("cannot read {}: {e}", path.display()))
            })?;
            let name = path.display().to_string();
            let file = levodose::translate::measured::MeasuredPkFile::from_toml_str(&text, &name)?;
            Ok(file.override_for(
                Species::parse(&args.species)?,
                AnimalRoute::parse(&args.route)?,
                &name,
            )?)
        }
        None => Ok(SpeciesPkOverride {
            clearance_l_per_h_per_kg: args.cl_l_per_h_per_kg,
            volume_l_per_kg: args.v_l_per_kg,
            ..Default::default()
        }),
    }
}

/// Validates the flags and translates (shared by the CLI and `levodose serve`).
pub fn compute(args: &Args) -> CliResult<(Translation, Monograph)> {
    let m = crate::facts::load(&args.compound, None)?;
    let req = Request {
        species: Species::parse(&args.species)?,
        route: AnimalRoute::parse(&args.route)?,
        human_regimen: args.human.clone(),
        metric: Metric::parse(&args.metric)?,
        weight_kg: args.weight_kg,
        basis: Basis::parse(&args.occupancy_basis)?,
        pk: pk_override(args)?,
        weigh_salt: args.salt,
        dose_volume_ml_per_kg: args.dose_volume_ml_per_kg,
    };
    let mut t = translate::translate(&m, &req)?;
    t.notes.extend(levodose::metric::alias_note(&args.metric));
    Ok((t, m))
}

pub fn run(args: Args) -> CliResult {
    let (t, m) = compute(&args)?;
    if let Some(dir) = &args.out {
        let json = to_json(&t)?;
        let csv = profile_csv(&t);
        let svg = chart(&t).render_svg().map_err(CliError::Internal)?;
        let html = report::render_html(&html_document(&t, &m)?)?;
        write_files(
            dir,
            &[
                ("report.html", html.into_bytes()),
                ("translate.json", json.into_bytes()),
                ("profile.csv", csv.into_bytes()),
                ("profile.svg", svg.into_bytes()),
            ],
        )?;
    }
    if args.json {
        print_json(&t)
    } else {
        print!("{}", text(&t));
        Ok(())
    }
}

fn profile_csv(t: &Translation) -> String {
    let mut s = String::from("frequency,time_h,value\n");
    for o in &t.options {
        for (x, y) in &o.profile {
            let _ = writeln!(s, "{},{x:.4},{y:.6}", o.frequency.as_str());
        }
    }
    s
}

fn chart(t: &Translation) -> Chart {
    let mut c = Chart::new(
        format!(
            "{} {}: {} matching human {}",
            t.species.as_str(),
            t.route.as_str(),
            t.metric.as_str(),
            t.human_regimen
        ),
        "time after the first daily dose (h), steady state",
        t.metric_unit,
    );
    for o in &t.options {
        c = c.line(
            format!("{} {:.3} mg/kg", o.frequency.as_str(), o.dose_mg_per_kg),
            o.profile.clone(),
        );
    }
    c.hlines.push((
        translate::Metric::instantaneous_level(t.metric, t.human_level),
        format!("human steady state ({})", t.human_regimen),
    ));
    if let Some(w) = t.test_window_h {
        c = c.xspan(
            w.start,
            w.end,
            format!(
                "test window ({} {})",
                t.recommended.route.as_str(),
                t.recommended.frequency.as_str()
            ),
        );
    }
    c.caption = Some(format!(
        "{} profile at steady state for each dosing frequency, body weight {} kg; dashed line: the human steady-state level matched; shaded: the behavioural test window.",
        t.metric.as_str(),
        t.weight_kg
    ));
    c.note = Some(format!(
        "{} {}",
        if t.assumptions.iter().any(|a| a.contains("allometric")) {
            "assumed: allometric species PK."
        } else {
            ""
        },
        levodose::RESEARCH_USE_NOTE
    ));
    c
}

/// The HTML report document (for `--out` and `serve`).
pub fn html_document(t: &Translation, m: &Monograph) -> CliResult<Document> {
    let rows = t
        .options
        .iter()
        .map(|o| {
            vec![
                o.frequency.as_str().to_string(),
                format!("{:.3}", o.dose_mg_per_kg),
                format!("{:.3}", o.daily_dose_mg_per_kg),
                format!("{:.3}", o.trough),
                format!("{:.3}", o.peak),
                format!("{:.3}", o.average),
                format!("{:.1}", o.hours_at_or_above_human),
                o.test_window_h
                    .map(|w| format!("{:.2}-{:.2}", w.start, w.end))
                    .unwrap_or_else(|| "none".into()),
            ]
        })
        .collect();
    let mut details = vec![format!(
        "Matches human {} at steady state: {} = {:.4} {}",
        t.human_regimen,
        t.metric.as_str(),
        t.human_level,
        t.metric_unit
    )];
    if let Some(w) = t.test_window_h {
        details.push(format!(
            "Test window {:.2} to {:.2} h after the dose",
            w.start, w.end
        ));
    }
    details.push(format!(
        "Body-surface-area scaling (FDA Km) would give {:.2} mg/kg/day",
        t.bsa_scaled_dose_mg_per_kg
    ));
    if let Some(p) = &t.preparation {
        details.push(format!(
            "Weigh {:.3} mg {} per {} kg animal; {}",
            p.amount_per_animal_mg, p.weigh_as, p.weight_kg, p.note
        ));
    }
    let mut paragraphs = t.assumptions.clone();
    paragraphs.extend(t.notes.iter().cloned());
    Ok(Document {
        title: format!(
            "levodose translate: {} to {}",
            t.compound,
            t.species.as_str()
        ),
        command: None,
        inputs: vec![
            ("compound".into(), t.compound.clone()),
            ("species".into(), t.species.as_str().into()),
            ("route".into(), t.route.as_str().into()),
            ("human regimen matched".into(), t.human_regimen.clone()),
            (
                "metric".into(),
                format!("{} ({})", t.metric.as_str(), t.metric_unit),
            ),
            ("body weight".into(), format!("{} kg", t.weight_kg)),
            (
                "species half-life".into(),
                format!("{:.2} h", t.species_half_life_h),
            ),
        ],
        answer: Answer {
            headline: format!(
                "{:.3} mg/kg {} {} (free base)",
                t.recommended.dose_mg_per_kg,
                t.recommended.route.as_str(),
                t.recommended.frequency.as_str()
            ),
            details,
            positive: true,
        },
        sections: vec![
            Section {
                heading: "Dosing frequencies".into(),
                tables: vec![Table {
                    caption: format!("Options ({})", t.metric_unit),
                    header: vec![
                        "frequency".into(),
                        "mg/kg per dose".into(),
                        "mg/kg per day".into(),
                        "trough".into(),
                        "peak".into(),
                        "average".into(),
                        "h at or above human".into(),
                        "test window (h after dose)".into(),
                    ],
                    rows,
                    note: None,
                }],
                figures: vec![Figure::from_chart("profile", &chart(t))?],
                ..Default::default()
            },
            Section {
                heading: "Assumptions and notes".into(),
                paragraphs,
                ..Default::default()
            },
        ],
        findings: t.findings.clone(),
        sources: report::sources_of(m),
        research_note: t.research_note.to_string(),
        links: vec![],
    })
}

fn text(t: &Translation) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {}: match human {} at steady state, {} = {:.4} {}",
        t.species.as_str(),
        t.route.as_str(),
        t.human_regimen,
        t.metric.as_str(),
        t.human_level,
        t.metric_unit
    );
    let _ = writeln!(
        s,
        "species half-life {:.2} h, body weight {} kg\n",
        t.species_half_life_h, t.weight_kg
    );
    let _ = writeln!(
        s,
        "{:<9} {:>12} {:>12} {:>9} {:>9} {:>9} {:>14}  window (h after each dose)",
        "frequency", "mg/kg/dose", "mg/kg/day", "trough", "peak", "average", "h>=human/day"
    );
    for o in &t.options {
        let w = match (o.test_window_h, o.frequency) {
            (_, translate::Schedule::Minipump) => "continuous (no dose)".to_string(),
            (Some(w), _) => format!("{:.2}-{:.2}", w.start, w.end),
            (None, _) => "none".into(),
        };
        let _ = writeln!(
            s,
            "{:<9} {:>12.3} {:>12.3} {:>9.3} {:>9.3} {:>9.3} {:>14.1}  {w}",
            o.frequency.as_str(),
            o.dose_mg_per_kg,
            o.daily_dose_mg_per_kg,
            o.trough,
            o.peak,
            o.average,
            o.hours_at_or_above_human
        );
    }
    let rec = if t.recommended.frequency == translate::Schedule::Minipump {
        format!(
            "{:.3} mg/kg/day by osmotic minipump",
            t.recommended.dose_mg_per_kg
        )
    } else {
        format!(
            "{:.3} mg/kg {} {}",
            t.recommended.dose_mg_per_kg,
            t.recommended.route.as_str(),
            t.recommended.frequency.as_str()
        )
    };
    let _ = writeln!(s, "\nrecommended: {rec} (free base)");
    if let Some(w) = t.test_window_h {
        let _ = writeln!(
            s,
            "test window: {:.2} to {:.2} h after the dose{}",
            w.start,
            w.end,
            t.tmax_h
                .map(|x| format!(" (Tmax {x:.2} h)"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(
        s,
        "body-surface-area scaling (FDA Km) gives {:.2} mg/kg/day",
        t.bsa_scaled_dose_mg_per_kg
    );
    if let Some(p) = &t.preparation {
        let _ = writeln!(
            s,
            "preparation: weigh {:.3} mg {} per {} kg animal ({:.3} mg/kg); {}",
            p.amount_per_animal_mg,
            p.weigh_as,
            p.weight_kg,
            if p.weigh_as == "free base" {
                p.dose_base_mg_per_kg
            } else {
                p.dose_salt_mg_per_kg.unwrap_or(p.dose_base_mg_per_kg)
            },
            p.note
        );
    }
    for f in &t.findings {
        let _ = writeln!(
            s,
            "{}: {}: {} [{}]",
            f.severity, f.code, f.message, f.source
        );
    }
    for a in &t.assumptions {
        let _ = writeln!(s, "{a}");
    }
    for n in &t.notes {
        let _ = writeln!(s, "note: {n}");
    }
    let _ = writeln!(s, "{}", levodose::RESEARCH_USE_NOTE);
    s
}
