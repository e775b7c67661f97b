//! Clinical lint rules for trial scenarios. Limits come from the monograph's `label` and
//! `efficacy` sections (and the conventional minimum power of `preclinical.design_rules`), never
//! from constants here.

use super::scenario::{ArmKind, TrialScenario};
use crate::finding::{Finding, Severity};
use crate::monograph::Monograph;
use crate::regimen::{parse, Amount, TitrationRule};

/// Source key of the seed protocol (Phase III design: run-in, taper, MMRM on mITT).
const SEED: &str = "SEED";

/// All clinical lint findings for a trial scenario.
pub fn lint_trial(s: &TrialScenario, m: &Monograph) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(label) = &m.label else {
        out.push(Finding::new(
            "trial_no_label",
            Severity::Info,
            format!(
                "{} has no label section: label rules not checked",
                m.compound.name
            ),
            "user",
        ));
        return out;
    };
    let src = label.source.clone();
    let (lo, hi) = (
        label.min_maintenance_mg.value,
        label.max_maintenance_mg.value,
    );
    let rule = TitrationRule::from_label(label);
    for (i, a) in s.arms.iter().enumerate() {
        let doses: Vec<f64> = match a.kind {
            ArmKind::Placebo => vec![],
            ArmKind::Fixed => a.dose_mg.into_iter().collect(),
            ArmKind::Flexible => vec![a.dose_min_mg.unwrap_or(lo), a.dose_max_mg.unwrap_or(hi)],
        };
        for d in doses {
            if d < lo - 1e-9 || d > hi + 1e-9 {
                out.push(
                    Finding::new(
                        "trial_dose_outside_label",
                        Severity::Warning,
                        format!("arm \"{}\": {d} mg/day is outside the label maintenance range {lo}-{hi} mg once daily", a.name),
                        src.clone(),
                    )
                    .with_suggestion(format!("keep maintenance doses within {lo}-{hi} mg or justify the exploratory dose")),
                );
            }
        }
        if a.kind == ArmKind::Flexible {
            if let Some(step) = a.step_mg.filter(|&st| st > rule.step_mg + 1e-9) {
                out.push(
                    Finding::new(
                        "trial_titration_too_fast",
                        Severity::Warning,
                        format!("arm \"{}\": up-titration steps of {step} mg exceed the label's {} mg increments", a.name, rule.step_mg),
                        label.titration_step_mg.source.clone(),
                    )
                    .with_suggestion(format!("step_mg = {}", rule.step_mg)),
                );
            }
            if let Some(w) = visit_gap_days(s).filter(|&g| g < rule.interval_days as f64) {
                out.push(
                    Finding::new(
                        "trial_titration_too_fast",
                        Severity::Warning,
                        format!("arm \"{}\": visits {w} days apart allow dose increases faster than the label's {} or more days", a.name, rule.interval_days),
                        label.titration_min_interval_days.source.clone(),
                    )
                    .with_suggestion("space dose-adjustment visits by the label's minimum interval"),
                );
            }
        }
        if let Some(text) = &a.titration {
            out.extend(titration_findings(i, &a.name, text, &rule, &src));
        }
    }
    let run_in = s
        .run_in
        .weeks
        .or_else(|| m.efficacy.as_ref().map(|e| e.run_in_weeks.value))
        .unwrap_or(0.0);
    if run_in <= 0.0 {
        out.push(
            Finding::new(
                "trial_no_placebo_run_in",
                Severity::Info,
                "no single-blind placebo run-in: placebo responders are randomised",
                SEED,
            )
            .with_suggestion(
                "add [trial.run_in] weeks = 1 to exclude placebo responders before randomisation",
            ),
        );
    }
    let washout = label.maoi_stop_before_start_days.value;
    match s.maoi_washout_days {
        Some(d) if d < washout => out.push(
            Finding::new(
                "trial_maoi_washout_short",
                Severity::Error,
                format!("screening MAOI washout of {d} days is shorter than the label's {washout} days"),
                label.maoi_stop_before_start_days.source.clone(),
            )
            .with_suggestion(format!("maoi_washout_days = {washout}")),
        ),
        Some(_) => {}
        None => out.push(
            Finding::new("trial_maoi_washout_unstated", Severity::Info, format!("the screening window does not state the MAOI washout (label: at least {washout} days)"), label.maoi_stop_before_start_days.source.clone())
                .with_suggestion(format!("maoi_washout_days = {washout}")),
        ),
    }
    let taper = s
        .taper_weeks
        .or_else(|| m.efficacy.as_ref().map(|e| e.taper_weeks.value))
        .unwrap_or(0.0);
    if taper <= 0.0 {
        out.push(
            Finding::new(
                "trial_no_down_taper",
                Severity::Warning,
                format!(
                    "no down-taper after the double-blind phase; label: {}",
                    label.taper.text
                ),
                label.taper.source.clone(),
            )
            .with_suggestion("taper_weeks = 2 (seed protocol 2)"),
        );
    }
    let method = s.analysis.method.to_ascii_lowercase();
    let population = s.analysis.population.to_ascii_lowercase();
    if method != "mmrm" || population != "mitt" {
        out.push(
            Finding::new(
                "trial_primary_analysis_not_mmrm_mitt",
                Severity::Info,
                format!("primary analysis is {} on {}; the Phase III trials used MMRM on the mITT population", s.analysis.method, s.analysis.population),
                SEED,
            )
            .with_suggestion("analysis.method = \"mmrm\", analysis.population = \"mitt\""),
        );
    }
    if let Some(rules) = m.preclinical.as_ref().map(|p| &p.design_rules) {
        let min = &rules.min_power_fraction;
        if let Some(p) = s.planned_power.filter(|&p| p < min.value) {
            out.push(
                Finding::new(
                    "trial_power_low",
                    Severity::Warning,
                    format!("planned power {p} is below {}", min.value),
                    min.source.clone(),
                )
                .with_suggestion(
                    "run `levodose trial SCENARIO --target-power 0.9` to size the arms",
                ),
            );
        }
    }
    if let Some(f) = power_shortfall(s, m) {
        out.push(f);
    }
    out
}

/// Planned power that the design cannot deliver: the analytic power of the primary contrast
/// (two-sample t-test on completers, n x (1 - dropout) per arm, effect |D| / SD at the primary
/// week, D and SD as the simulator resolves them) below the planned power by more than the
/// tolerance of `efficacy`-free arithmetic (0.01). The analytic value ignores the baseline
/// covariate and the MMRM's use of incomplete subjects, so `levodose trial` is the check.
fn power_shortfall(s: &TrialScenario, m: &Monograph) -> Option<Finding> {
    let planned = s.planned_power?;
    let d = s.resolve(m).ok()?;
    let arm = &d.arms[d.primary_arm];
    let placebo = &d.arms[d.placebo_arm];
    let completers = (arm.n as f64 * (1.0 - arm.dropout_fraction))
        .min(placebo.n as f64 * (1.0 - placebo.dropout_fraction));
    let sd = d.change_sd_madrs[d.primary_visit];
    let effect = arm.difference_madrs.abs() / sd;
    let alt = levodose_stats::power::Alternative::TwoSided;
    let analytic =
        levodose_stats::power::two_sample_t_power(completers, effect, d.alpha, alt).ok()?;
    let source = d
        .assumptions
        .iter()
        .find(|u| u.name == format!("trial.arms[{}].difference_madrs", d.primary_arm))
        .map_or_else(|| "user".to_string(), |u| u.source.clone());
    (analytic < planned - 0.01).then(|| {
        Finding::new(
            "trial_power_shortfall",
            Severity::Warning,
            format!(
                "planned power {planned} but the design gives {analytic:.3} analytically: arm \"{}\" \
                 difference {:.2} MADRS points (SD {sd:.1} at week {}), {:.0} completers per arm \
                 after {:.0} % dropout, alpha {}",
                arm.name,
                arm.difference_madrs,
                d.visit_weeks[d.primary_visit],
                completers,
                100.0 * arm.dropout_fraction,
                d.alpha
            ),
            source,
        )
        .with_suggestion("run `levodose trial SCENARIO --target-power PLANNED` to size the arms, or plan the power the design gives")
    })
}

/// Parses `text` and lints it; a file that does not parse gives one error finding.
pub fn lint_trial_str(text: &str, m: &Monograph) -> Vec<Finding> {
    match super::scenario::parse(text) {
        Ok(s) => lint_trial(&s, m),
        Err(e) => vec![Finding::new(
            "trial_scenario_invalid",
            Severity::Error,
            e.to_string(),
            "user",
        )],
    }
}

/// Shortest gap between efficacy visits before the primary week, in days.
fn visit_gap_days(s: &TrialScenario) -> Option<f64> {
    let w = s.visit_weeks.as_ref()?;
    w.windows(2).map(|p| (p[1] - p[0]) * 7.0).reduce(f64::min)
}

fn titration_findings(
    i: usize,
    arm: &str,
    text: &str,
    rule: &TitrationRule,
    src: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Ok(reg) = parse(text, Some(rule)) else {
        out.push(Finding::new(
            "trial_titration_invalid",
            Severity::Error,
            format!("trial.arms[{i}].titration \"{text}\" does not parse"),
            "user",
        ));
        return out;
    };
    let mut segs = reg.segments.clone();
    segs.sort_by_key(|s| s.days.start);
    let mg = |s: &crate::regimen::Segment| match s.amount {
        Amount::Mg(x) => Some(
            x * s
                .frequency
                .tau_h()
                .map_or(1.0, |t| (24.0 / t).round().max(1.0)),
        ),
        Amount::MgPerKg(_) => None,
    };
    if let Some(first) = segs.first().and_then(mg) {
        if first > rule.start_mg + 1e-9 {
            out.push(
                Finding::new(
                    "trial_titration_too_fast",
                    Severity::Warning,
                    format!("arm \"{arm}\": starts at {first} mg/day; the label starts at {} mg for {} days", rule.start_mg, rule.start_days),
                    src,
                )
                .with_suggestion("titration = \"label-titration\""),
            );
        }
    }
    // Every segment of the titration against the label maximum (not only the last one).
    for seg in &segs {
        if let Some(x) = mg(seg).filter(|&x| x > rule.max_target_mg + 1e-9) {
            out.push(
                Finding::new(
                    "trial_dose_outside_label",
                    Severity::Warning,
                    format!(
                        "arm \"{arm}\": titration segment \"{seg}\" gives {x} mg/day, above the label maximum of {} mg once daily",
                        rule.max_target_mg
                    ),
                    src,
                )
                .with_suggestion(format!("keep every titration step at or below {} mg", rule.max_target_mg)),
            );
        }
    }
    for w in segs.windows(2) {
        let (Some(a), Some(b)) = (mg(&w[0]), mg(&w[1])) else {
            continue;
        };
        let held = w[1].days.start.saturating_sub(w[0].days.start);
        if b > a && (b - a > rule.step_mg + 1e-9 || held < rule.interval_days) {
            out.push(
                Finding::new(
                    "trial_titration_too_fast",
                    Severity::Warning,
                    format!(
                        "arm \"{arm}\": day {}: {a} -> {b} mg/day after {held} day(s); label: steps of at most {} mg at intervals of {} or more days",
                        w[1].days.start, rule.step_mg, rule.interval_days
                    ),
                    src,
                )
                .with_suggestion("titration = \"label-titration\""),
            );
        }
    }
    out
}
