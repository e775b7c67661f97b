//! `levodose lint`: design problems in a scenario file (preclinical now; clinical rules are
//! added for `[trial]` files). Exit 0 even with findings; 2 for a file that cannot be read.

use crate::error::{CliError, CliResult};
use crate::io::print_json;
use levodose::monograph::Monograph;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Preclinical codes: test_outside_exposure_window, once_daily_short_half_life, dose_range_narrow,
doses_on_plateau (judged on the scenario's target occupancy metric, else NET average),
dose_above_ld50_fraction (error), dose_above_toxicity_level, single_behavioral_assay,
no_locomotor_control, forced_swim_pretest_missing (rats), underpowered, salt_form_unstated,
serotonin_driven_model (info). Salt doses are converted to free base before any prediction. Findings do not change the exit code (0); a bad file exits 2.

Examples:
  levodose lint examples/preclinical/lint_bad.toml
  levodose lint examples/preclinical/lint_clean.toml --json";

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Scenario file (TOML): [study] kind = "preclinical" or a [trial] table (docs/scenarios.md).
    pub scenario: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The compound a scenario names: `[trial] compound` or `[study] compound` (preclinical);
/// levomilnacipran when it names none (or the file does not parse: `lint_str` reports that).
fn scenario_compound(text: &str) -> String {
    let v: Option<toml::Value> = toml::from_str(text).ok();
    v.as_ref()
        .and_then(|v| {
            ["trial", "study"]
                .iter()
                .find_map(|t| v.get(t)?.get("compound")?.as_str())
        })
        .unwrap_or("levomilnacipran")
        .to_string()
}

/// Lints a scenario's text; `name` labels the file in messages (the path the user gave, or the
/// uploaded file's name in the workbench, so both print the same message for the same file).
pub fn compute(text: &str, name: &str) -> CliResult<(levodose::lint::Report, Monograph)> {
    let m = crate::facts::load(&scenario_compound(text), None)?;
    let r = levodose::lint::lint_str(&m, text, name)?;
    Ok((r, m))
}

pub fn run(args: Args) -> CliResult {
    let name = args.scenario.display().to_string();
    let text = std::fs::read_to_string(&args.scenario)
        .map_err(|e| CliError::input(format!("{name}: cannot read: {e}")))?;
    let (r, _) = compute(&text, &name)?;
    if args.json {
        return print_json(&r);
    }
    if r.findings.is_empty() {
        println!("{name}: no findings");
    }
    for f in &r.findings {
        println!("{}: {}: {} [{}]", f.severity, f.code, f.message, f.source);
        if let Some(s) = &f.suggestion {
            println!("  suggestion: {s}");
        }
    }
    println!("{}", levodose::RESEARCH_USE_NOTE);
    Ok(())
}
