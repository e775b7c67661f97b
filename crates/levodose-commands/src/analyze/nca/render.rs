//! Rendering NCA results: units of every parameter, the text table, the wide results CSV, CDISC PP
//! rows and the JSON document. All are rendered from the same result structs.

use levodose_stats::finding::Finding;
use levodose_stats::nca::parameters::{Analysis, Kind};
use levodose_stats::nca::{GroupSummary, Route, Settings, SubjectResult};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Units as the user gave them; absent ones are written as the words "time", "conc", "dose".
#[derive(Debug, Clone, Serialize)]
pub struct Units {
    pub time: String,
    pub conc: String,
    pub dose: String,
}

impl Units {
    /// Derived unit of a parameter kind, e.g. dose/(conc*time) for CL.
    pub fn of(&self, kind: Kind) -> String {
        let (t, c, d) = (&self.time, &self.conc, &self.dose);
        match kind {
            Kind::Conc => c.clone(),
            Kind::Time => t.clone(),
            Kind::RatePerTime => format!("1/{t}"),
            Kind::Count | Kind::Ratio => String::new(),
            Kind::Percent => "%".into(),
            Kind::Auc => format!("{c}*{t}"),
            Kind::Aumc => format!("{c}*{t}^2"),
            Kind::Clearance if reduces_to_litres(d, c) => format!("L/{t}"),
            Kind::Volume if reduces_to_litres(d, c) => "L".into(),
            Kind::Clearance => format!("{d}/({c}*{t})"),
            Kind::Volume => format!("{d}/({c})"),
            Kind::ConcPerDose => format!("{c}/{d}"),
            Kind::AucPerDose => format!("{c}*{t}/{d}"),
        }
    }
}

/// True when dose / conc is a volume in litres exactly (ug with ng/mL or ug/L, mg with mg/L or
/// ug/mL, ng with ng/L): then CL is written L/time and V L instead of the quotient of units.
fn reduces_to_litres(dose: &str, conc: &str) -> bool {
    matches!(
        (
            dose.to_ascii_lowercase().as_str(),
            conc.to_ascii_lowercase().as_str()
        ),
        ("ug", "ng/ml" | "ug/l") | ("mg", "mg/l" | "ug/ml") | ("ng", "ng/l")
    )
}

/// One subject with its group, as written in JSON.
#[derive(Serialize)]
pub struct SubjectOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<&'a str>,
    #[serde(flatten)]
    pub result: &'a SubjectResult,
}

/// The settings block of the JSON.
#[derive(Serialize)]
pub struct SettingsOut<'a> {
    #[serde(flatten)]
    pub settings: &'a Settings,
    pub units: &'a Units,
    pub parameter_units: BTreeMap<&'static str, String>,
    pub lambda_z_rule: &'static str,
    pub blq_rules_note: &'static str,
    pub data: String,
}

/// The whole `--json` document: {subjects, summary, settings, findings}.
#[derive(Serialize)]
pub struct Report<'a> {
    pub subjects: Vec<SubjectOut<'a>>,
    pub summary: &'a [GroupSummary],
    pub settings: SettingsOut<'a>,
    pub findings: &'a [Finding],
}

pub const LAMBDA_Z_RULE: &str = "WinNonlin best fit: last >= 3 positive samples (after Cmax unless i.v. bolus), largest adjusted R², more points preferred within 1e-4; manual ranges from --lambda-z-file";
pub const BLQ_NOTE: &str = "PKNCA conc.blq defaults: BLQ before the first measurable sample kept as 0, between measurable samples dropped, after the last kept as 0";

pub fn parameter_units(a: &Analysis, units: &Units) -> BTreeMap<&'static str, String> {
    a.subjects
        .first()
        .map(|s| {
            s.parameters
                .entries()
                .into_iter()
                .map(|(n, _, k)| (n, units.of(k)))
                .collect()
        })
        .unwrap_or_default()
}

fn fmt(v: Option<f64>) -> String {
    match v {
        None => "null".into(),
        Some(0.0) => "0".into(),
        Some(x) if x.abs() >= 1e5 || x.abs() < 1e-3 => format!("{x:.4e}"),
        Some(x) => {
            let decimals = (4 - x.abs().log10().floor() as i32).clamp(0, 6) as usize;
            format!("{x:.decimals$}")
        }
    }
}

/// The parameters shown in the terminal table (the JSON and CSV have all of them).
pub const TABLE: [&str; 12] = [
    "cmax",
    "tmax",
    "auclast",
    "aucinf_obs",
    "auc_pct_extrap_obs",
    "lambda_z",
    "half_life",
    "r_squared_adjusted",
    "lambda_z_n_points",
    "cl_obs",
    "vz_obs",
    "mrtinf_obs",
];

pub fn text(
    a: &Analysis,
    summary: &[GroupSummary],
    s: &Settings,
    units: &Units,
    data: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "NCA of {data}: {} subjects, route {}, AUC {}, lambda_z by WinNonlin best fit (or --lambda-z-file)",
        a.subjects.len(),
        s.route.name(),
        s.auc_method.name()
    );
    let apparent = if s.route == Route::Extravascular {
        " (cl_obs = CL/F, vz_obs = Vz/F)"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "units: time {}, conc {}, dose {}; AUC {}, CL {}, V {}{apparent}\n",
        units.time,
        units.conc,
        units.dose,
        units.of(Kind::Auc),
        units.of(Kind::Clearance),
        units.of(Kind::Volume)
    );
    let _ = write!(out, "{:<10}", "id");
    for n in TABLE {
        let _ = write!(out, " {:>12}", short(n));
    }
    out.push('\n');
    for r in &a.subjects {
        let _ = write!(out, "{:<10}", r.id);
        for n in TABLE {
            let _ = write!(out, " {:>12}", fmt(r.parameters.get(n)));
        }
        out.push('\n');
    }
    for g in summary {
        let _ = writeln!(
            out,
            "\nsummary{} (n = {}): geometric mean [CV %] / median (min-max)",
            g.group
                .as_ref()
                .map(|x| format!(" of group {x}"))
                .unwrap_or_default(),
            g.n_subjects
        );
        for p in g
            .parameters
            .iter()
            .filter(|p| TABLE.contains(&p.parameter.as_str()))
        {
            let _ = writeln!(
                out,
                "  {:<20} n {:>3}  mean {:>12}  geo.mean {:>12}  CV % {:>8}  median {:>12} ({} - {})",
                p.parameter,
                p.n,
                fmt(p.mean),
                fmt(p.geometric_mean),
                fmt(p.cv_pct),
                fmt(p.median),
                fmt(p.min),
                fmt(p.max)
            );
        }
    }
    out.push_str("\nFindings:\n");
    if a.findings.is_empty() {
        out.push_str("  none\n");
    }
    for f in &a.findings {
        let _ = writeln!(out, "  [{}] {}: {}", f.severity, f.code, f.message);
    }
    out
}

fn short(name: &str) -> &str {
    match name {
        "auc_pct_extrap_obs" => "%extrap",
        "r_squared_adjusted" => "r2_adj",
        "lambda_z_n_points" => "n_lz",
        other => other,
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One row per subject, one column per parameter (empty = null), full precision.
pub fn results_csv(a: &Analysis, groups: &[Option<String>]) -> String {
    let mut out = String::new();
    let names: Vec<&str> = a
        .subjects
        .first()
        .map(|s| s.parameters.entries().iter().map(|e| e.0).collect())
        .unwrap_or_default();
    let _ = write!(out, "id,group");
    for n in &names {
        let _ = write!(out, ",{n}");
    }
    out.push('\n');
    for (r, g) in a.subjects.iter().zip(groups) {
        let _ = write!(
            out,
            "{},{}",
            csv_field(&r.id),
            csv_field(g.as_deref().unwrap_or(""))
        );
        for n in &names {
            match r.parameters.get(n) {
                Some(x) => {
                    let _ = write!(out, ",{x}");
                }
                None => out.push(','),
            }
        }
        out.push('\n');
    }
    out
}

/// CDISC SDTM PP test code and name (controlled terminology C85493/C85839) of a parameter;
/// None for parameters without a code.
pub fn cdisc_code(name: &str, route: Route) -> Option<(&'static str, &'static str)> {
    let ev = route == Route::Extravascular;
    Some(match name {
        "cmax" => ("CMAX", "Max Conc"),
        "tmax" => ("TMAX", "Time of CMAX"),
        "tlag" => ("TLAG", "Time Until First Nonzero Conc"),
        "c0" => ("C0", "Initial Conc"),
        "tlast" => ("TLST", "Time of Last Nonzero Conc"),
        "clast" => ("CLST", "Last Nonzero Conc"),
        "auclast" => ("AUCLST", "AUC to Last Nonzero Conc"),
        "aucall" => ("AUCALL", "AUC All"),
        "lambda_z" => ("LAMZ", "Lambda z"),
        "lambda_z_n_points" => ("LAMZNPT", "Number of Points for Lambda z"),
        "lambda_z_lower" => ("LAMZLL", "Lambda z Lower Limit"),
        "lambda_z_upper" => ("LAMZUL", "Lambda z Upper Limit"),
        "r_squared" => ("R2", "R Squared"),
        "r_squared_adjusted" => ("R2ADJ", "R Squared Adjusted"),
        "corr_xy" => ("CORRXY", "Correlation Between TimeX and Log ConcY"),
        "half_life" => ("LAMZHL", "Half-Life Lambda z"),
        "aucinf_obs" => ("AUCIFO", "AUC Infinity Obs"),
        "aucinf_pred" => ("AUCIFP", "AUC Infinity Pred"),
        "auc_pct_extrap_obs" => ("AUCPEO", "AUC %Extrapolation Obs"),
        "auc_pct_extrap_pred" => ("AUCPEP", "AUC %Extrapolation Pred"),
        "auc_pct_back_extrap_obs" => ("AUCPBEO", "AUC %Back Extrapolation Obs"),
        "auc_pct_back_extrap_pred" => ("AUCPBEP", "AUC %Back Extrapolation Pred"),
        "cl_obs" if ev => ("CLFO", "Total CL Obs by F"),
        "cl_obs" => ("CLO", "Total CL Obs"),
        "cl_pred" if ev => ("CLFP", "Total CL Pred by F"),
        "cl_pred" => ("CLP", "Total CL Pred"),
        "vz_obs" if ev => ("VZFO", "Vz Obs by F"),
        "vz_obs" => ("VZO", "Vz Obs"),
        "vz_pred" if ev => ("VZFP", "Vz Pred by F"),
        "vz_pred" => ("VZP", "Vz Pred"),
        "vss_obs" => ("VSSO", "Vol Dist Steady State Obs"),
        "vss_pred" => ("VSSP", "Vol Dist Steady State Pred"),
        "aumclast" => ("AUMCLST", "AUMC to Last Nonzero Conc"),
        "aumcinf_obs" => ("AUMCIFO", "AUMC Infinity Obs"),
        "aumcinf_pred" => ("AUMCIFP", "AUMC Infinity Pred"),
        "aumc_pct_extrap_obs" => ("AUMCPEO", "AUMC % Extrapolation Obs"),
        "aumc_pct_extrap_pred" => ("AUMCPEP", "AUMC % Extrapolation Pred"),
        "mrtlast" if ev => ("MRTEVLST", "MRT Extravasc to Last Nonzero Conc"),
        "mrtlast" => ("MRTIVLST", "MRT Intravasc to Last Nonzero Conc"),
        "mrtinf_obs" if ev => ("MRTEVIFO", "MRT Extravasc Infinity Obs"),
        "mrtinf_obs" => ("MRTIVIFO", "MRT Intravasc Infinity Obs"),
        "mrtinf_pred" if ev => ("MRTEVIFP", "MRT Extravasc Infinity Pred"),
        "mrtinf_pred" => ("MRTIVIFP", "MRT Intravasc Infinity Pred"),
        "cmax_dn" => ("CMAXD", "Max Conc Norm by Dose"),
        "aucinf_obs_dn" => ("AUCIFOD", "AUC Infinity Obs Norm by Dose"),
        "aucinf_pred_dn" => ("AUCIFPD", "AUC Infinity Pred Norm by Dose"),
        "auctau" => ("AUCTAU", "AUC Over Dosing Interval"),
        "cmin" => ("CMIN", "Min Conc"),
        "cavg" => ("CAVG", "Average Concentration"),
        "fluctuation_pct" => ("FLUCP", "Fluctuation%"),
        "swing" => ("SWING", "Swing"),
        "accumulation_index" => ("AILAMZ", "Accumulation Index using Lambda z"),
        _ => return None,
    })
}

/// CDISC PP rows (USUBJID, PPTESTCD, PPTEST, PPORRES, PPORRESU); null parameters get an empty
/// PPORRES (PPSTAT would say NOT DONE in a full SDTM domain).
pub fn cdisc_csv(a: &Analysis, route: Route, units: &Units) -> String {
    let mut out = String::from("USUBJID,PPTESTCD,PPTEST,PPORRES,PPORRESU\n");
    for r in &a.subjects {
        for (name, value, kind) in r.parameters.entries() {
            let Some((code, test)) = cdisc_code(name, route) else {
                continue;
            };
            let _ = writeln!(
                out,
                "{},{code},{},{},{}",
                csv_field(&r.id),
                csv_field(test),
                value.map(|v| v.to_string()).unwrap_or_default(),
                csv_field(&units.of(kind))
            );
        }
    }
    out
}
