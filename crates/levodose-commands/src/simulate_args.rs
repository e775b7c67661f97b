//! The flags of `levodose simulate`, shared by the single-subject command (`simulate`) and the
//! population run (`simulate_population`): each reads them from here, so neither module imports
//! the other's internals.

use std::path::PathBuf;

const AFTER_HELP: &str = "\
Occupancy basis: occupancy = C_u / (C_u + K), with C_u the free plasma concentration (times the
brain-to-plasma unbound ratio, default 1, an assumption) and K the binding Ki (default) or the uptake
IC50 (--occupancy-basis ic50). Ki is the default because PET measures binding. No PET data exist for
levomilnacipran; for racemic milnacipran, PET occupancy (Nogami 2013: NET 40 % at 100 mg/day) is far
below the free-plasma prediction, so treat absolute occupancies as upper bounds and compare doses on
one basis.

Examples:
  levodose simulate --regimen label-titration --days 14
  levodose simulate --regimen \"120mg qd\" --days 14 --json
  levodose simulate --regimen \"80mg qd\" --crcl 45 --comed ketoconazole
  levodose simulate --regimen \"120mg qd ss\" --comed \"ketoconazole d8-\" --days 21
  levodose simulate --regimen \"80mg qd\" --subjects 500 --renal moderate
  levodose simulate examples/desolve_reference.toml --json
  levodose simulate --regimen label-titration --out results/";

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP, allow_negative_numbers = true)]
pub struct Args {
    /// Scenario file (TOML); flags override it.
    pub scenario: Option<PathBuf>,
    /// Compound (built-in: levomilnacipran, duloxetine, venlafaxine, desvenlafaxine).
    #[arg(long)]
    pub compound: Option<String>,
    /// Use this monograph file instead of the built-in one.
    #[arg(long)]
    pub monograph: Option<PathBuf>,
    /// Regimen, e.g. "label-titration", "label-titration:80", "40mg qd", "20mg qd d1-2; 40mg qd d3-".
    #[arg(long)]
    pub regimen: Option<String>,
    /// Days to simulate (1-3650).
    #[arg(long)]
    pub days: Option<u32>,
    /// Output grid step in hours (0.01-24; default 1).
    #[arg(long)]
    pub step_h: Option<f64>,
    /// Creatinine clearance, mL/min (0-250), or a range for populations (--crcl 30:59, uniform).
    #[arg(long)]
    pub crcl: Option<String>,
    /// Renal class for populations: mild, moderate or severe (CrCl bands of the label, uniform).
    #[arg(long)]
    pub renal: Option<String>,
    /// Body weight, kg (for mg/kg doses).
    #[arg(long)]
    pub weight_kg: Option<f64>,
    /// Co-medication by name (repeatable), e.g. ketoconazole, carbamazepine, phenelzine.
    #[arg(long = "comed")]
    pub comed: Vec<String>,
    /// Occupancy basis: ki (binding, default) or ic50 (uptake inhibition).
    #[arg(long)]
    pub occupancy_basis: Option<String>,
    /// Brain-to-plasma unbound concentration ratio Kp,uu (default 1, an assumption).
    #[arg(long)]
    pub brain_ratio: Option<f64>,
    /// Print JSON to stdout.
    #[arg(long)]
    pub json: bool,
    /// Write report.html, profile.csv, summary.json, concentration.svg and occupancy.svg to this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Simulate a virtual population of N subjects.
    #[arg(long)]
    pub subjects: Option<usize>,
    /// Seed of the random generator (sampled population runs; default 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// CSV of individual parameters (ID, CL, V, KA; optional F, LAG, CRCL, WT).
    #[arg(long)]
    pub parameters: Option<PathBuf>,
    /// Omit profile arrays from the JSON and --out (population: no percentile bands).
    #[arg(long)]
    pub no_profile: bool,
    /// Target expression, e.g. "net_occupancy.trough>=0.8" (repeatable; population runs).
    #[arg(long = "target")]
    pub target: Vec<String>,
    /// Write the simulated subject(s) as a NONMEM-format dataset (TIME h, AMT mg, DV ng/mL).
    #[arg(long)]
    pub nonmem_out: Option<PathBuf>,
    /// Sampling times (h) for --nonmem-out, comma-separated (default: the output grid).
    #[arg(long, value_delimiter = ',')]
    pub sample_times: Vec<f64>,
    /// Proportional residual error SD (fraction, e.g. 0.2) on the --nonmem-out samples.
    #[arg(long)]
    pub residual_proportional: Option<f64>,
}

impl Args {
    pub fn nonmem_flags(&self) -> super::nonmem_out::NonmemFlags<'_> {
        super::nonmem_out::NonmemFlags {
            out: self.nonmem_out.as_deref(),
            sample_times: &self.sample_times,
            residual_proportional: self.residual_proportional,
            seed: self.seed.unwrap_or(1),
        }
    }
}
