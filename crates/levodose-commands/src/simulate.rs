//! `levodose simulate`: concentration, free concentration and NET/SERT occupancy for a regimen.

pub use super::simulate_args::Args;
use crate::error::{CliError, CliResult};
use crate::io::{pct, print_json, to_json, write_files};
use crate::simulate_chart::{dose_marks, research_target_line, time_axis_until};
use levodose::monograph::Monograph;
use levodose::occupancy::Basis;
use levodose::population::covariates::{parse_crcl, renal_class_band, CrclChoice};
use levodose::simulate::{self, Scenario, Simulation};
use levodose_report::plot::Chart;
use levodose_report::{self as report, Answer, Document, Figure, Section, Table};

/// The scenario from the file (if any) with the flags applied on top.
pub fn scenario_from_args(args: &Args) -> CliResult<Scenario> {
    let mut sc = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                CliError::input(format!("scenario {}: cannot read: {e}", path.display()))
            })?;
            Scenario::from_toml_str(&text, &path.display().to_string())?
        }
        None => Scenario::default(),
    };
    if let Some(c) = &args.compound {
        sc.compound = c.clone();
    }
    if let Some(r) = &args.regimen {
        sc.regimen = r.clone();
    }
    if let Some(d) = args.days {
        sc.days = d;
    }
    if let Some(s) = args.step_h {
        sc.step_h = s;
    }
    if let Some(text) = &args.crcl {
        if let CrclChoice::Value(v) = parse_crcl(text)? {
            sc.subject.crcl_ml_per_min = Some(v);
        }
    }
    if args.weight_kg.is_some() {
        sc.subject.weight_kg = args.weight_kg;
    }
    if !args.comed.is_empty() {
        sc.subject.comedications = args.comed.clone();
    }
    if let Some(b) = &args.occupancy_basis {
        sc.occupancy.basis = Some(Basis::parse(b)?);
    }
    if args.brain_ratio.is_some() {
        sc.occupancy.brain_to_plasma_unbound_ratio = args.brain_ratio;
    }
    Ok(sc)
}

/// Renal function from `--crcl` (value or range) or `--renal` (label class); not both.
pub fn crcl_choice(args: &Args, m: &Monograph) -> CliResult<Option<CrclChoice>> {
    match (&args.crcl, &args.renal) {
        (Some(_), Some(_)) => Err(CliError::input(
            "--crcl and --renal: give one of them (--renal CLASS is a CrCl range from the label)",
        )),
        (Some(text), None) => Ok(Some(parse_crcl(text)?)),
        (None, Some(class)) => Ok(Some(renal_class_band(m, class)?)),
        (None, None) => Ok(None),
    }
}

pub fn run(args: Args) -> CliResult {
    let sc = scenario_from_args(&args)?;
    let m: Monograph = super::facts::load(&sc.compound, args.monograph.as_ref())?;
    // Targets are checked first, so a malformed one is an error whatever the mode.
    let targets = levodose::target::parse_all(&args.target)?;
    let crcl = crcl_choice(&args, &m)?;
    args.nonmem_flags().check()?;
    if args.subjects.is_some() || args.parameters.is_some() {
        return super::simulate_population::run(&args, sc, &m, &targets, crcl);
    }
    if matches!(crcl, Some(CrclChoice::Range { .. })) {
        return Err(CliError::input(
            "--crcl range / --renal class: describes a population; add --subjects N (one subject takes --crcl VALUE)",
        ));
    }
    reject_population_flags(&args)?;
    let sim = simulate::run(&m, &sc)?;
    if args.nonmem_out.is_some() {
        let ind = levodose::population::Individual {
            id: "1".into(),
            params: levodose::subject::individual_human(&m, &sc.subject, &sc.pk)?.params,
            weight_kg: sc.subject.weight_kg,
            crcl_ml_per_min: sc.subject.crcl_ml_per_min,
        };
        if let Some(note) = super::nonmem_out::write(&args.nonmem_flags(), &m, &sc, &[ind])? {
            eprintln!("{note}");
        }
    }
    if let Some(dir) = &args.out {
        write_outputs(dir, &sim, &sc, &m, args.no_profile)?;
    }
    if args.json {
        if args.no_profile {
            let mut json = serde_json::to_value(&sim)?;
            if let Some(obj) = json.as_object_mut() {
                obj.remove("profile");
            }
            print_json(&json)?;
        } else {
            print_json(&sim)?;
        }
    } else {
        print_table(&sim);
        if let Some(dir) = &args.out {
            let files = if args.no_profile {
                "summary.json (without the profile)"
            } else {
                "report.html, profile.csv, summary.json, concentration.svg, concentration.png, \
                 occupancy.svg, occupancy.png"
            };
            println!("\nWrote {files} to {}", dir.display());
        }
    }
    Ok(())
}

/// Single-subject runs have no random draws and no population to attain a target in: the
/// population flags are rejected rather than ignored.
fn reject_population_flags(args: &Args) -> CliResult {
    if !args.target.is_empty() {
        return Err(CliError::input(
            "--target applies to population runs (--subjects N or --parameters FILE): the probability of target attainment is a share of subjects; a single subject's metrics are in summary.steady_state",
        ));
    }
    if args.seed.is_some() && args.residual_proportional.is_none() {
        return Err(CliError::input(
            "--seed applies to sampled population runs (--subjects N) and to --residual-proportional noise: a single typical subject has no random draws otherwise",
        ));
    }
    if args.no_profile && !args.json && args.out.is_none() {
        return Err(CliError::input(
            "--no-profile omits the profile from --json or --out output; the table prints no profile",
        ));
    }
    Ok(())
}

fn print_table(sim: &Simulation) {
    println!(
        "{} | {} | regimen: {}",
        sim.compound, sim.species, sim.regimen
    );
    let p = &sim.parameters;
    println!(
        "parameters: CL/F {:.2} L/h, V/F {:.1} L, ka {:.3} /h, lag {:.1} h, t1/2 {:.1} h (clearance factor {:.3})",
        p.clearance_l_per_h, p.volume_l, p.ka_per_h, p.lag_h, p.half_life_h, p.clearance_factor
    );
    if let Some(ss) = &sim.summary.steady_state {
        println!("\nSteady state, {} mg every {} h:", ss.dose_mg, ss.tau_h);
        let o = &ss.metrics;
        println!("  Cmax {:.1} ng/mL at {:.2} h | Cmin {:.1} ng/mL | Cavg {:.1} ng/mL | AUCtau {:.0} ng*h/mL", o.cmax_ng_per_ml, o.tmax_h, o.cmin_ng_per_ml, o.cavg_ng_per_ml, o.auc_tau_ng_h_per_ml);
        println!(
            "  accumulation ratio {:.2} | 90 % of steady state after {:.1} h",
            o.accumulation_ratio, o.time_to_90pct_h
        );
        println!(
            "  NET occupancy  trough {} | peak {} | average {}",
            pct(o.net_occupancy_trough),
            pct(o.net_occupancy_peak),
            pct(o.net_occupancy_average)
        );
        println!(
            "  SERT occupancy trough {} | peak {} | average {}",
            pct(o.sert_occupancy_trough),
            pct(o.sert_occupancy_peak),
            pct(o.sert_occupancy_average)
        );
    }
    let li = &sim.summary.last_interval;
    println!("\nLast interval {:.0}-{:.0} h:", li.start_h, li.end_h);
    println!(
        "  Cmax {:.1} ng/mL at {:.2} h | Cmin {:.1} ng/mL | Cavg {:.1} ng/mL | AUC {:.0} ng*h/mL",
        li.cmax_ng_per_ml, li.tmax_h, li.cmin_ng_per_ml, li.cavg_ng_per_ml, li.auc_ng_h_per_ml
    );
    println!(
        "  NET occupancy trough {} average {} | SERT trough {} average {}",
        pct(li.occupancy.net.trough),
        pct(li.occupancy.net.average),
        pct(li.occupancy.sert.trough),
        pct(li.occupancy.sert.average)
    );
    println!("\nFindings:");
    if sim.findings.is_empty() {
        println!("  none");
    }
    for f in &sim.findings {
        println!(
            "  [{}] {}: {} ({})",
            f.severity, f.code, f.message, f.source
        );
    }
    println!("\nNotes:");
    for n in &sim.notes {
        println!("  - {n}");
    }
    println!("\n{}", sim.research_note);
}

/// Validates the flags and simulates one subject (shared by the CLI and `levodose serve`).
pub fn compute(args: &Args) -> CliResult<(Simulation, Scenario, Monograph)> {
    let sc = scenario_from_args(args)?;
    let m: Monograph = super::facts::load(&sc.compound, args.monograph.as_ref())?;
    if args.subjects.is_some() || args.parameters.is_some() {
        return Err(CliError::input(
            "--subjects/--parameters: population runs are not available here; use the command line",
        ));
    }
    levodose::target::parse_all(&args.target)?;
    if crcl_choice(args, &m)?.is_some_and(|c| matches!(c, CrclChoice::Range { .. })) {
        return Err(CliError::input(
            "--crcl range / --renal class: describes a population; use the command line with --subjects N",
        ));
    }
    reject_population_flags(args)?;
    let sim = simulate::run(&m, &sc)?;
    Ok((sim, sc, m))
}

/// The time axis: hours for short runs, days for long ones (28 days in hours is unreadable).
fn time_axis(sim: &Simulation) -> (f64, &'static str) {
    time_axis_until(sim.profile.last().map(|p| p.time_h).unwrap_or(0.0))
}

/// Renal function and co-medication of the simulated subject, for captions.
fn subject_caption(sc: &Scenario) -> String {
    format!(
        "renal function: {}; co-medication: {}",
        sc.subject
            .crcl_ml_per_min
            .map(|c| format!("CrCl {c} mL/min"))
            .unwrap_or_else(|| "normal (monograph default)".into()),
        if sc.subject.comedications.is_empty() {
            "none".to_string()
        } else {
            sc.subject.comedications.join(", ")
        }
    )
}

fn charts(sim: &Simulation, sc: &Scenario, m: &Monograph) -> (Chart, Chart) {
    let (per, x_label) = time_axis(sim);
    let doses = dose_marks(sim, per);
    let mut conc = Chart::new(
        format!("{}: {}", sim.compound, sim.regimen),
        x_label,
        "plasma concentration (ng/mL)",
    )
    .line(
        "total",
        sim.profile
            .iter()
            .map(|p| (p.time_h / per, p.conc_ng_per_ml))
            .collect(),
    )
    .dashed(
        "free",
        sim.profile
            .iter()
            .map(|p| (p.time_h / per, p.free_conc_ng_per_ml))
            .collect(),
    );
    conc.vlines = doses.clone();
    conc.caption = Some(format!(
        "Total and free plasma concentration; ticks mark doses, labelled at each dose change; {}.",
        subject_caption(sc)
    ));
    conc.note = Some(format!(
        "ticks on the time axis mark doses. {}",
        levodose::RESEARCH_USE_NOTE
    ));
    let mut occ = Chart::new(
        format!(
            "Transporter occupancy ({} basis)",
            sim.occupancy_model.basis.as_str()
        ),
        x_label,
        "occupancy (fraction)",
    )
    .line(
        "NET",
        sim.profile
            .iter()
            .map(|p| (p.time_h / per, p.net_occupancy))
            .collect(),
    )
    .line(
        "SERT",
        sim.profile
            .iter()
            .map(|p| (p.time_h / per, p.sert_occupancy))
            .collect(),
    );
    occ.y_range = Some((0.0, 1.0));
    occ.vlines = doses;
    occ.hlines.extend(research_target_line(m));
    occ.caption = Some(format!(
        "NET and SERT occupancy from free plasma concentration; dashed line: the monograph's research target; {}.",
        subject_caption(sc)
    ));
    occ.note = Some("Kp,uu and in vitro K are assumptions: in vivo occupancy may be far lower (milnacipran PET).".into());
    (conc, occ)
}

/// The HTML report document (for `--out` and `serve`).
pub fn html_document(sim: &Simulation, sc: &Scenario, m: &Monograph) -> CliResult<Document> {
    let (conc, occ) = charts(sim, sc, m);
    let mut details = Vec::new();
    let headline = match &sim.summary.steady_state {
        Some(ss) => {
            let o = &ss.metrics;
            details.push(format!(
                "Cmax {:.1} ng/mL at {:.2} h, Cmin {:.1} ng/mL, Cavg {:.1} ng/mL, AUCtau {:.0} ng*h/mL",
                o.cmax_ng_per_ml, o.tmax_h, o.cmin_ng_per_ml, o.cavg_ng_per_ml, o.auc_tau_ng_h_per_ml
            ));
            details.push(format!(
                "SERT occupancy trough {}, average {}; 90 % of steady state after {:.1} h",
                pct(o.sert_occupancy_trough),
                pct(o.sert_occupancy_average),
                o.time_to_90pct_h
            ));
            format!(
                "Steady state at {} mg every {} h: NET occupancy trough {}, average {}",
                ss.dose_mg,
                ss.tau_h,
                pct(o.net_occupancy_trough),
                pct(o.net_occupancy_average)
            )
        }
        None => {
            let li = &sim.summary.last_interval;
            format!(
                "Last interval {:.0}-{:.0} h: Cmax {:.1} ng/mL, Cmin {:.1} ng/mL, NET occupancy average {}",
                li.start_h,
                li.end_h,
                li.cmax_ng_per_ml,
                li.cmin_ng_per_ml,
                pct(li.occupancy.net.average)
            )
        }
    };
    let p = &sim.parameters;
    let li = &sim.summary.last_interval;
    let params = Table {
        caption: "PK parameters used".into(),
        header: vec![
            "CL/F (L/h)".into(),
            "V/F (L)".into(),
            "ka (1/h)".into(),
            "lag (h)".into(),
            "t1/2 (h)".into(),
            "clearance factor".into(),
        ],
        rows: vec![vec![
            format!("{:.2}", p.clearance_l_per_h),
            format!("{:.1}", p.volume_l),
            format!("{:.3}", p.ka_per_h),
            format!("{:.1}", p.lag_h),
            format!("{:.1}", p.half_life_h),
            format!("{:.3}", p.clearance_factor),
        ]],
        note: None,
    };
    let last = Table {
        caption: format!("Last interval {:.0}-{:.0} h", li.start_h, li.end_h),
        header: vec![
            "Cmax (ng/mL)".into(),
            "Tmax (h)".into(),
            "Cmin (ng/mL)".into(),
            "Cavg (ng/mL)".into(),
            "AUC (ng*h/mL)".into(),
            "NET trough".into(),
            "NET average".into(),
            "SERT trough".into(),
            "SERT average".into(),
        ],
        rows: vec![vec![
            format!("{:.1}", li.cmax_ng_per_ml),
            format!("{:.2}", li.tmax_h),
            format!("{:.1}", li.cmin_ng_per_ml),
            format!("{:.1}", li.cavg_ng_per_ml),
            format!("{:.0}", li.auc_ng_h_per_ml),
            pct(li.occupancy.net.trough),
            pct(li.occupancy.net.average),
            pct(li.occupancy.sert.trough),
            pct(li.occupancy.sert.average),
        ]],
        note: None,
    };
    Ok(Document {
        title: format!("levodose simulate: {}", sim.compound),
        command: None,
        inputs: vec![
            ("compound".into(), sim.compound.clone()),
            ("species".into(), sim.species.clone()),
            ("regimen".into(), sim.regimen.clone()),
            ("days".into(), sc.days.to_string()),
            ("output step".into(), format!("{} h", sc.step_h)),
            ("subject".into(), subject_caption(sc)),
            (
                "occupancy basis".into(),
                sim.occupancy_model.basis.as_str().into(),
            ),
        ],
        answer: Answer {
            headline,
            details,
            positive: true,
        },
        sections: vec![
            Section {
                heading: "Exposure and occupancy".into(),
                tables: vec![params, last],
                figures: vec![
                    Figure::from_chart("concentration", &conc)?,
                    Figure::from_chart("occupancy", &occ)?,
                ],
                ..Default::default()
            },
            Section {
                heading: "Notes".into(),
                paragraphs: sim.notes.clone(),
                ..Default::default()
            },
        ],
        findings: sim.findings.clone(),
        sources: report::sources_of(m),
        research_note: sim.research_note.to_string(),
        links: vec![],
    })
}

/// Writes the output files; with `no_profile` only summary.json, without its profile array.
fn write_outputs(
    dir: &std::path::Path,
    sim: &Simulation,
    sc: &Scenario,
    m: &Monograph,
    no_profile: bool,
) -> CliResult {
    if no_profile {
        let mut json = serde_json::to_value(sim)?;
        if let Some(obj) = json.as_object_mut() {
            obj.remove("profile");
        }
        return write_files(dir, &[("summary.json", to_json(&json)?.into_bytes())]);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "time_h",
        "conc_ng_per_ml",
        "free_conc_ng_per_ml",
        "net_occupancy",
        "sert_occupancy",
    ])
    .map_err(|e| CliError::Internal(e.into()))?;
    for p in &sim.profile {
        w.write_record(
            [
                p.time_h,
                p.conc_ng_per_ml,
                p.free_conc_ng_per_ml,
                p.net_occupancy,
                p.sert_occupancy,
            ]
            .map(|x| format!("{x}")),
        )
        .map_err(|e| CliError::Internal(e.into()))?;
    }
    let csv_bytes = w
        .into_inner()
        .map_err(|e| CliError::Internal(anyhow::anyhow!("csv: {e}")))?;
    let (conc, occ) = charts(sim, sc, m);
    let summary = to_json(sim)?;
    let conc_svg = conc.render_svg()?;
    let occ_svg = occ.render_svg()?;
    let html = report::render_html(&html_document(sim, sc, m)?)?;
    write_files(
        dir,
        &[
            ("report.html", html.into_bytes()),
            ("profile.csv", csv_bytes),
            ("concentration.svg", conc_svg.into_bytes()),
            ("occupancy.svg", occ_svg.into_bytes()),
            ("summary.json", summary.into_bytes()),
        ],
    )
}
