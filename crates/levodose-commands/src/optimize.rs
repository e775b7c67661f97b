//! `levodose optimize`: the lowest label-conform dose that reaches a target in a share of a
//! virtual population, with adverse-event estimates, the titration path and plots.

use crate::error::{CliError, CliResult};
use crate::io::{file_names, pct, print_json, to_json, write_files};
use levodose::metric::Metric;
use levodose::monograph::Monograph;
use levodose::occupancy::Basis;
use levodose::optimize::{optimize, Optimization, OptimizeSpec};
use levodose::population::covariates::{parse_crcl, renal_class_band, CrclChoice};
use levodose_report::plot::Chart;
use levodose_report::{self as report, Answer, Document, Figure, Section, Table};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  levodose optimize --out report/
  levodose optimize --target net_occupancy.trough>=0.5 --pta 0.9 --comed ketoconazole
  levodose optimize --target sert_occupancy.average>=0.8 --crcl 45 --json")]
pub struct Args {
    /// Target expression, e.g. net_occupancy.trough>=0.8 (repeat: all must hold). Default: the monograph's research target.
    #[arg(long = "target")]
    pub target: Vec<String>,
    /// Required probability of target attainment (0.01-1).
    #[arg(long, default_value_t = 0.9)]
    pub pta: f64,
    /// Candidate once-daily doses in mg, comma-separated (default: the label's maintenance doses 40, 80, 120).
    #[arg(long, value_delimiter = ',')]
    pub doses: Option<Vec<f64>>,
    /// Virtual subjects.
    #[arg(long, default_value_t = 2000)]
    pub subjects: usize,
    /// Random seed (same seed, same result on any number of threads).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Occupancy basis: ki (binding) or ic50 (uptake inhibition).
    #[arg(long = "occupancy-basis", default_value = "ki")]
    pub occupancy_basis: String,
    /// Creatinine clearance (mL/min): one value for every subject (45), or a range the subjects
    /// are spread over uniformly (30:59); default: sampled from adults with MDD.
    #[arg(long)]
    pub crcl: Option<String>,
    /// Renal class from the label (mild, moderate, severe): subjects spread uniformly over its
    /// CrCl band; exclusive with --crcl.
    #[arg(long)]
    pub renal: Option<String>,
    /// Co-medication every subject takes (repeatable), e.g. ketoconazole.
    #[arg(long = "comed")]
    pub comed: Vec<String>,
    /// Allow doses above the label cap for this population (each is flagged as an error).
    #[arg(long = "allow-off-label")]
    pub allow_off_label: bool,
    /// Compound (built-in monograph).
    #[arg(long, default_value = "levomilnacipran")]
    pub compound: String,
    /// Use this monograph file instead of the built-in one (e.g. `fit --write-monograph`'s
    /// fitted population).
    #[arg(long)]
    pub monograph: Option<PathBuf>,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write report.html, report.md, optimize.json, pta_by_dose.svg and target_spread.svg to this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Dose step of the PTA curve drawn between the candidates (mg).
const CURVE_STEP_MG: f64 = 2.5;

/// PTA on a fine dose grid for the figure: the library's optimisation run again on every grid
/// dose with the same subjects (same seed), so the curve passes through the candidates' PTA.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PtaCurve {
    pub dose_mg: Vec<f64>,
    pub pta: Vec<f64>,
}

/// The result of `optimize` as the CLI and `serve` use it.
pub struct Outcome {
    pub optimization: Optimization,
    pub curve: PtaCurve,
    pub monograph: Monograph,
}

/// Validates the flags and runs the optimisation (shared by the CLI and `levodose serve`).
pub fn compute(args: &Args) -> CliResult<Outcome> {
    let m = super::facts::load(&args.compound, args.monograph.as_ref())?;
    let spec = spec_of(args, &m)?;
    let o = optimize(&m, &spec)?;
    let curve = pta_curve(&m, &spec, &o)?;
    Ok(Outcome {
        optimization: o,
        curve,
        monograph: m,
    })
}

fn spec_of(args: &Args, m: &Monograph) -> CliResult<OptimizeSpec> {
    let crcl = match (&args.crcl, &args.renal) {
        (Some(_), Some(_)) => return Err(CliError::input(
            "--crcl and --renal: give one of them (--renal CLASS is a CrCl range from the label)",
        )),
        (Some(text), None) => Some(parse_crcl(text)?),
        (None, Some(class)) => Some(renal_class_band(m, class)?),
        (None, None) => None,
    };
    Ok(OptimizeSpec {
        doses_mg: args.doses.clone(),
        targets: args.target.clone(),
        pta: args.pta,
        subjects: args.subjects,
        seed: args.seed,
        basis: Basis::parse(&args.occupancy_basis)?,
        crcl_ml_per_min: crcl.and_then(CrclChoice::value),
        crcl_range_ml_per_min: match crcl {
            Some(CrclChoice::Range { min, max }) => Some((min, max)),
            _ => None,
        },
        comedications: args.comed.clone(),
        allow_off_label: args.allow_off_label,
    })
}

/// The PTA curve from the first grid step to the largest candidate (or label cap), both ends and
/// every candidate included.
fn pta_curve(m: &Monograph, spec: &OptimizeSpec, o: &Optimization) -> CliResult<PtaCurve> {
    let max_mg = o
        .candidates
        .iter()
        .map(|c| c.dose_mg)
        .chain(o.label_cap_mg)
        .fold(0.0_f64, f64::max);
    let mut doses: Vec<f64> = (1..)
        .map(|k| k as f64 * CURVE_STEP_MG)
        .take_while(|d| *d <= max_mg + 1e-9)
        .chain(o.candidates.iter().map(|c| c.dose_mg))
        .collect();
    doses.sort_by(f64::total_cmp);
    doses.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    if doses.is_empty() {
        return Ok(PtaCurve {
            dose_mg: vec![],
            pta: vec![],
        });
    }
    let grid = OptimizeSpec {
        doses_mg: Some(doses),
        allow_off_label: true,
        ..spec.clone()
    };
    let g = optimize(m, &grid)?;
    Ok(PtaCurve {
        dose_mg: g.candidates.iter().map(|c| c.dose_mg).collect(),
        pta: g.candidates.iter().map(|c| c.pta).collect(),
    })
}

pub fn run(args: Args) -> CliResult {
    let out = compute(&args)?;
    let (o, m) = (&out.optimization, &out.monograph);
    if args.json {
        print_json(o)?;
    } else {
        print!("{}", report(o, false));
    }
    if let Some(dir) = &args.out {
        let pta = pta_chart(o, &out.curve);
        let spread = spread_chart(o);
        let html = report::render_html(&document(o, m, &pta, &spread)?)?;
        let files = [
            ("report.html", html.into_bytes()),
            ("optimize.json", to_json(o)?.into_bytes()),
            ("pta_by_dose.json", to_json(&out.curve)?.into_bytes()),
            ("report.md", report(o, true).into_bytes()),
            ("pta_by_dose.svg", pta.render_svg()?.into_bytes()),
            ("target_spread.svg", spread.render_svg()?.into_bytes()),
        ];
        write_files(dir, &files)?;
        if !args.json {
            println!("\nWrote {} to {}", file_names(&files), dir.display());
        }
    }
    Ok(())
}

/// The HTML report document (for `--out` and `serve`), with both figures.
pub fn html_document(out: &Outcome) -> CliResult<Document> {
    let o = &out.optimization;
    document(
        o,
        &out.monograph,
        &pta_chart(o, &out.curve),
        &spread_chart(o),
    )
}

/// Who the virtual subjects are, for captions: population, renal function, co-medication.
fn population_caption(o: &Optimization) -> String {
    format!(
        "{}, n = {}, seed {}; renal function: {}; co-medication: {}",
        o.population,
        o.subjects,
        o.seed,
        match (o.crcl_ml_per_min, o.crcl_range_ml_per_min) {
            (Some(c), _) => format!("CrCl {c} mL/min for every subject"),
            (None, Some((min, max))) => format!("CrCl uniform on {min}-{max} mL/min"),
            (None, None) => "CrCl sampled from the population".into(),
        },
        if o.comedications.is_empty() {
            "none".to_string()
        } else {
            o.comedications.join(", ")
        }
    )
}

fn document(o: &Optimization, m: &Monograph, pta: &Chart, spread: &Chart) -> CliResult<Document> {
    let answer = match &o.recommendation {
        Some(r) => Answer {
            headline: format!("{} mg once daily", r.dose_mg),
            details: vec![
                format!(
                    "PTA {} (required {}) for {}",
                    pct(r.pta),
                    pct(o.pta_required),
                    o.targets.join(" and ")
                ),
                format!("Titration: {}", r.titration),
                format!(
                    "About {:.1} days to 90 % of steady state",
                    r.days_to_steady_state
                ),
            ],
            positive: true,
        },
        None => Answer {
            headline: "No dose is recommended".into(),
            details: vec![o.message.clone()],
            positive: false,
        },
    };
    let inputs = vec![
        ("compound".to_string(), o.compound.clone()),
        ("target".into(), o.targets.join(" and ")),
        ("required PTA".into(), pct(o.pta_required)),
        ("population".into(), population_caption(o)),
        ("occupancy basis".into(), o.occupancy_basis.as_str().into()),
        (
            "label cap".into(),
            o.label_cap_mg
                .map(|c| format!("{c} mg once daily ({})", o.label_cap_reason))
                .unwrap_or_else(|| o.label_cap_reason.clone()),
        ),
        ("why this target".into(), o.target_basis.clone()),
    ];
    let metric_names: Vec<Metric> = o
        .candidates
        .first()
        .map(|c| c.target_metrics.keys().collect())
        .unwrap_or_default();
    let mut header = vec![
        "dose (mg once daily)".to_string(),
        "PTA".into(),
        "label".into(),
    ];
    for n in &metric_names {
        header.push(format!("{n} p05"));
        header.push(format!("{n} p50"));
    }
    header.push("Cmin p50 (ng/mL)".into());
    header.push("Cmax p95 (ng/mL)".into());
    let rows = o
        .candidates
        .iter()
        .map(|c| {
            let mut row = vec![
                format!("{}", c.dose_mg),
                pct(c.pta),
                if c.label_conform {
                    "on-label"
                } else {
                    "OFF-LABEL"
                }
                .to_string(),
            ];
            for n in &metric_names {
                let st = c.target_metrics[*n];
                row.push(fmt_metric(n, st.p05));
                row.push(fmt_metric(n, st.p50));
            }
            row.push(format!("{:.1}", c.metrics["cmin_ng_per_ml"].p50));
            row.push(format!("{:.1}", c.metrics["cmax_ng_per_ml"].p95));
            row
        })
        .collect();
    let mut findings: Vec<levodose::Finding> = o.findings.clone();
    findings.extend(o.candidates.iter().flat_map(|c| c.findings.iter().cloned()));
    Ok(Document {
        title: format!("levodose optimize: {}", o.compound),
        command: None,
        inputs,
        answer,
        sections: vec![
            Section {
                heading: "Candidate doses".into(),
                tables: vec![Table {
                    caption: format!(
                        "Steady-state target metrics by candidate dose ({})",
                        population_caption(o)
                    ),
                    header,
                    rows,
                    note: None,
                }],
                figures: vec![
                    Figure::from_chart("pta_by_dose", pta)?,
                    Figure::from_chart("target_spread", spread)?,
                ],
                ..Default::default()
            },
            Section {
                heading: "Notes".into(),
                paragraphs: o.notes.clone(),
                ..Default::default()
            },
        ],
        findings,
        sources: report::sources_of(m),
        research_note: o.research_note.to_string(),
        links: vec![],
    })
}

fn fmt_metric(metric: &Metric, x: f64) -> String {
    if metric.is_occupancy() {
        pct(x)
    } else {
        format!("{x:.1}")
    }
}

/// The report as Markdown (also printed to the terminal).
fn report(o: &Optimization, with_plots: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# levodose optimize: {}\n", o.compound);
    let _ = writeln!(s, "_{}_\n", o.research_note);
    let _ = writeln!(
        s,
        "Population: {} ({} virtual subjects, seed {}){}{}; occupancy basis {}.",
        o.population,
        o.subjects,
        o.seed,
        match (o.crcl_ml_per_min, o.crcl_range_ml_per_min) {
            (Some(c), _) => format!(", CrCl {c} mL/min"),
            (None, Some((min, max))) => format!(", CrCl uniform on {min}-{max} mL/min"),
            (None, None) => String::new(),
        },
        if o.comedications.is_empty() {
            String::new()
        } else {
            format!(", with {}", o.comedications.join(", "))
        },
        o.occupancy_basis.as_str()
    );
    let _ = writeln!(
        s,
        "Target: {} in at least {} of subjects at steady state.",
        o.targets.join(" and "),
        pct(o.pta_required)
    );
    let _ = writeln!(s, "Why this target: {}.", o.target_basis);
    let _ = writeln!(
        s,
        "Label cap for this population: {}.\n",
        o.label_cap_mg
            .map(|c| format!("{c} mg once daily ({})", o.label_cap_reason))
            .unwrap_or_else(|| o.label_cap_reason.clone())
    );
    let _ = writeln!(s, "## Recommendation\n");
    match &o.recommendation {
        Some(r) => {
            let _ = writeln!(s, "**{} mg once daily** (PTA {}).", r.dose_mg, pct(r.pta));
            let _ = writeln!(
                s,
                "Titration: `{}`; about {:.1} days to 90 % of steady state.\n",
                r.titration, r.days_to_steady_state
            );
        }
        None => {
            let _ = writeln!(
                s,
                "**No dose is recommended.** {}.\n",
                o.message.trim_end_matches(". No dose is recommended")
            );
        }
    }
    let _ = writeln!(s, "## Candidates\n");
    let metric_names: Vec<Metric> = o
        .candidates
        .first()
        .map(|c| c.target_metrics.keys().collect())
        .unwrap_or_default();
    let mut head = "| dose (mg) | PTA | label |".to_string();
    for n in &metric_names {
        let _ = write!(head, " {n} p05 | {n} p50 |");
    }
    head.push_str(" Cmin p50 (ng/mL) | Cmax p95 (ng/mL) |");
    let _ = writeln!(s, "{head}");
    let _ = writeln!(s, "|{}", "---|".repeat(3 + 2 * metric_names.len() + 2));
    for c in &o.candidates {
        let mut row = format!(
            "| {} | {} | {} |",
            c.dose_mg,
            pct(c.pta),
            if c.label_conform {
                "on-label"
            } else {
                "OFF-LABEL"
            }
        );
        for n in &metric_names {
            let st = c.target_metrics[*n];
            let _ = write!(
                row,
                " {} | {} |",
                fmt_metric(n, st.p05),
                fmt_metric(n, st.p50)
            );
        }
        let _ = write!(
            row,
            " {:.1} | {:.1} |",
            c.metrics["cmin_ng_per_ml"].p50, c.metrics["cmax_ng_per_ml"].p95
        );
        let _ = writeln!(s, "{row}");
    }
    if let Some(first) = o.candidates.first().and_then(|c| c.adverse_events.as_ref()) {
        let _ = writeln!(
            s,
            "\n## Adverse events and vital signs by dose (model estimates)\n"
        );
        let mut head = "| outcome |".to_string();
        for c in &o.candidates {
            let _ = write!(head, " {} mg |", c.dose_mg);
        }
        let _ = writeln!(s, "{head} placebo | rests on |");
        let _ = writeln!(s, "|{}", "---|".repeat(o.candidates.len() + 3));
        let n_ae = first.adverse_events.len();
        let n_vs = first.vital_signs.len();
        for k in 0..(n_ae + n_vs + 1) {
            let pick = |c: &levodose::optimize::Candidate| {
                let a = c.adverse_events.as_ref()?;
                if k < n_ae {
                    a.adverse_events.get(k).cloned()
                } else if k < n_ae + n_vs {
                    a.vital_signs.get(k - n_ae).cloned()
                } else {
                    a.discontinuation_for_ae.clone()
                }
            };
            let Some(e0) = pick(&o.candidates[0]) else {
                continue;
            };
            let who = if e0.population == "all" {
                String::new()
            } else {
                format!(" ({})", e0.population)
            };
            let mut row = format!("| {}{who} ({}) |", e0.name, e0.unit);
            for c in &o.candidates {
                match pick(c) {
                    Some(e) => {
                        let _ = write!(
                            row,
                            " {:.1}{} |",
                            e.value,
                            if e.extrapolated { "*" } else { "" }
                        );
                    }
                    None => row.push_str(" - |"),
                }
            }
            let basis = e0
                .rests_on
                .split("; EXTRAPOLATED")
                .next()
                .unwrap_or("")
                .to_string();
            let _ = writeln!(s, "{row} {:.1} | {} |", e0.placebo, basis);
        }
        let _ = writeln!(s, "\n\\* extrapolated outside the studied dose range.");
    }
    let all: Vec<&levodose::Finding> = o
        .findings
        .iter()
        .chain(o.candidates.iter().flat_map(|c| c.findings.iter()))
        .collect();
    if !all.is_empty() {
        let _ = writeln!(s, "\n## Findings\n");
        for f in all {
            let _ = writeln!(
                s,
                "- {} `{}`: {} ({})",
                f.severity, f.code, f.message, f.source
            );
        }
    }
    let _ = writeln!(s, "\n## Notes\n");
    for n in &o.notes {
        let _ = writeln!(s, "- {n}");
    }
    if with_plots {
        let _ = writeln!(s, "\n![PTA by dose](pta_by_dose.svg)\n\n![Population spread of the target metric](target_spread.svg)");
    }
    s
}

fn pta_chart(o: &Optimization, curve: &PtaCurve) -> Chart {
    let pts: Vec<(f64, f64)> = curve
        .dose_mg
        .iter()
        .copied()
        .zip(curve.pta.iter().copied())
        .collect();
    let on: Vec<(f64, f64)> = o
        .candidates
        .iter()
        .filter(|c| c.label_conform)
        .map(|c| (c.dose_mg, c.pta))
        .collect();
    let off: Vec<(f64, f64)> = o
        .candidates
        .iter()
        .filter(|c| !c.label_conform)
        .map(|c| (c.dose_mg, c.pta))
        .collect();
    let mut ch = Chart::new(
        format!(
            "Probability of target attainment: {}",
            o.targets.join(" and ")
        ),
        "dose (mg once daily)",
        "PTA (fraction of subjects)",
    )
    .line(format!("PTA every {CURVE_STEP_MG} mg"), pts)
    .points("on-label candidate", on);
    if !off.is_empty() {
        // A different shape as well as colour: distinct in greyscale and for colour-blind readers.
        ch = ch.series(
            "OFF-LABEL candidate",
            off,
            levodose_report::plot::Style::Triangles,
        );
    }
    ch.y_range = Some((0.0, 1.05));
    ch.integer_x = true;
    ch.hlines.push((
        o.pta_required,
        format!("required PTA {}", pct(o.pta_required)),
    ));
    if let Some(c) = o.label_cap_mg {
        ch.vlines.push((c, format!("label cap {c} mg")));
    }
    ch.caption = Some(format!(
        "PTA on a {CURVE_STEP_MG} mg dose grid (same virtual subjects), candidate doses marked; {}.",
        population_caption(o)
    ));
    ch.note = Some(format!(
        "{} Population: {}.",
        o.research_note,
        population_caption(o)
    ));
    ch
}

fn spread_chart(o: &Optimization) -> Chart {
    let metric = o
        .candidates
        .first()
        .and_then(|c| c.target_metrics.keys().next())
        .map_or("", Metric::name);
    let xs: Vec<f64> = o.candidates.iter().map(|c| c.dose_mg).collect();
    let st: Vec<_> = o
        .candidates
        .iter()
        .map(|c| c.target_metrics[metric])
        .collect();
    let mut ch = Chart::new(
        format!("Population spread of {metric} at steady state"),
        "dose (mg once daily)",
        if Metric::from_name(metric).is_some_and(Metric::is_occupancy) {
            format!("{metric} (fraction)")
        } else {
            metric.to_string()
        },
    )
    .band(
        "5-95 %",
        xs.clone(),
        st.iter().map(|s| s.p05).collect(),
        st.iter().map(|s| s.p95).collect(),
    )
    .line(
        "median",
        xs.iter().zip(&st).map(|(x, s)| (*x, s.p50)).collect(),
    );
    for t in &o.targets {
        if let Some((name, thr)) = t.split_once(">=").or_else(|| t.split_once("<=")) {
            if name == metric {
                if let Ok(v) = thr.parse::<f64>() {
                    ch.hlines.push((v, format!("target {t}")));
                }
            }
        }
    }
    ch.integer_x = true;
    ch.caption = Some(format!(
        "Median and 5-95 % range of {metric} by dose; {}.",
        population_caption(o)
    ));
    ch.note = Some(format!(
        "{} Population: {}.",
        o.research_note,
        population_caption(o)
    ));
    ch
}
