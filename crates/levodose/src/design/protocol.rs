//! Renders a design as `protocol.md`, `schedule.csv`, `randomisation.csv` and the blinding key.

use super::Design;
use std::fmt::Write;

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn hhmm(h: f64) -> String {
    let total = (h * 60.0).round() as i64;
    format!("{:02}:{:02}", total / 60, total % 60)
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map(|v| format!("{v:.digits$}")).unwrap_or_default()
}

/// `schedule.csv`: day,time,event,groups,duration_min,hours_after_last_dose,note
pub fn schedule_csv(d: &Design) -> String {
    let mut s = String::from("day,time,event,groups,duration_min,hours_after_last_dose,note\n");
    for e in &d.timeline {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{}",
            e.day,
            hhmm(e.hour),
            csv_field(&e.event),
            csv_field(&e.groups),
            opt(e.duration_min, 0),
            opt(e.hours_after_last_dose, 2),
            csv_field(&e.note)
        );
    }
    s
}

/// `randomisation.csv` (blinded): animal_id,block,position_in_block,code
pub fn randomisation_csv(d: &Design) -> String {
    let mut s = String::from("animal_id,block,position_in_block,code\n");
    for a in &d.randomisation {
        let _ = writeln!(
            s,
            "{},{},{},{}",
            a.animal_id, a.block, a.position_in_block, a.code
        );
    }
    s
}

/// `blinding_key.csv`: code,group (for the person preparing doses only).
pub fn key_csv(d: &Design) -> String {
    let mut s = String::from("code,group,dose_mg_per_kg\n");
    let mut g: Vec<_> = d.groups.iter().collect();
    g.sort_by(|a, b| a.code.cmp(&b.code));
    for x in g {
        let _ = writeln!(
            s,
            "{},{},{}",
            x.code,
            csv_field(&x.name),
            opt(x.dose_mg_per_kg, 3)
        );
    }
    s
}

/// `protocol.md`.
pub fn markdown(d: &Design) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", d.title);
    let _ = writeln!(s, "> {}\n", d.research_note);
    let _ = writeln!(
        s,
        "Species: {}; route: {}; frequency: {}; randomisation seed: {}.\n",
        d.species, d.route, d.frequency, d.seed
    );
    if !d.unverified.is_empty() {
        let _ = writeln!(s, "## Unverified numbers (edit before use)\n");
        for u in &d.unverified {
            let _ = writeln!(s, "- {u}");
        }
        s.push('\n');
    }
    let _ = writeln!(s, "## Groups\n");
    let _ = writeln!(
        s,
        "| group | treatment | dose (mg/kg) | challenge | n | verified |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for g in &d.groups {
        let _ = writeln!(
            s,
            "| {} | {:?} | {} | {} | {} | {} |",
            g.name,
            g.treatment,
            g.dose_mg_per_kg
                .map(|x| format!("{x}"))
                .unwrap_or_else(|| "-".into()),
            if g.challenge { "yes" } else { "no" },
            g.n,
            if g.verified { "yes" } else { "NO" }
        );
    }
    s.push('\n');
    let _ = writeln!(s, "## Sample size\n");
    match &d.sample_size {
        Some(ss) => {
            let _ = writeln!(
                s,
                "Primary endpoint: {}; target power {}. n per group (completers) = {} (exact {:.2}, achieved power {:.3}); with attrition {:.0} %: enrol {} per group.",
                ss.effect, ss.power, ss.n_per_group, ss.n_exact, ss.achieved_power, 100.0 * ss.attrition, ss.n_enrolled_per_group
            );
            if let (Some(n), Some(p)) = (ss.stated_n_per_group, ss.stated_power) {
                let _ = writeln!(s, "\nThe scenario states {n} per group: power {p:.2}.");
            }
        }
        None => {
            let _ = writeln!(
                s,
                "n per group {} as stated (no endpoint for a power calculation).",
                d.n_per_group
            );
        }
    }
    let _ = writeln!(s, "\nTotal animals: {}.\n", d.randomisation.len());
    let _ = writeln!(s, "## Dose preparation\n");
    for g in &d.groups {
        if let Some(p) = &g.preparation {
            let _ = writeln!(
                s,
                "- {}: {:.3} mg/kg free base = {} mg/kg salt; weigh {:.3} mg {} per {} kg animal; solution {:.4} mg/mL; inject {:.3} mL ({} mL/kg).",
                g.name,
                p.dose_base_mg_per_kg,
                p.dose_salt_mg_per_kg.map(|x| format!("{x:.3}")).unwrap_or_else(|| "-".into()),
                p.amount_per_animal_mg,
                p.weigh_as,
                p.weight_kg,
                p.concentration_mg_per_ml,
                p.injection_volume_ml,
                p.dose_volume_ml_per_kg
            );
        }
    }
    let _ = writeln!(s, "\n## Timeline\n");
    let _ = writeln!(
        s,
        "| day | time | event | duration (min) | h after last dose | note |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for e in &d.timeline {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            e.day,
            hhmm(e.hour),
            e.event,
            opt(e.duration_min, 0),
            opt(e.hours_after_last_dose, 1),
            e.note
        );
    }
    let _ = writeln!(
        s,
        "\n## Safety observations (mirroring clinical adverse events)\n"
    );
    if let Some(h) = d.human_equivalent_dose_mg {
        let _ = writeln!(s, "Highest dose studied matches a human dose of about {h:.0} mg/day by free average concentration; events chosen at the nearest clinical dose.\n");
    }
    for o in &d.safety_observations {
        let _ = writeln!(
            s,
            "- {} ({:.1} {} at {} mg vs {:.1} {} placebo): {} — {} [{}]",
            o.adverse_event,
            o.clinical_incidence_percent,
            o.unit,
            o.at_human_dose_mg,
            o.placebo_percent,
            o.unit,
            o.observations.join("; "),
            o.rationale,
            o.source
        );
    }
    let _ = writeln!(s, "\n## Randomisation\n");
    let _ = writeln!(
        s,
        "Blocked (each block holds every group once, shuffled), blinded by codes; list in `randomisation.csv`, key in `blinding_key.csv` (keep it with the person preparing doses). Same seed, same list.\n"
    );
    let _ = writeln!(s, "## Design findings (levodose lint)\n");
    if d.findings.is_empty() {
        let _ = writeln!(s, "None.");
    }
    for f in &d.findings {
        let _ = writeln!(
            s,
            "- **{}** ({}): {}{}",
            f.code,
            f.severity,
            f.message,
            f.suggestion
                .as_ref()
                .map(|x| format!(" Suggestion: {x}"))
                .unwrap_or_default()
        );
    }
    if !d.assumptions.is_empty() {
        let _ = writeln!(s, "\n## Assumptions\n");
        for a in &d.assumptions {
            let _ = writeln!(s, "- {a}");
        }
    }
    s
}
