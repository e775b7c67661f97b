//! NONMEM-format input for `analyze nca`: the same [`Profile`]s as the plain CSV, built from a
//! dataset's dose and observation records (read by `levodose::dataset`, which validates them).
//!
//! Detection: a file whose header (first line that is not a `#` comment) has the columns ID,
//! TIME, AMT and DV and also EVID or MDV is a NONMEM dataset; any other file is a plain CSV. A
//! plain CSV with these column names is therefore read as NONMEM, which is what its columns mean.
//!
//! Per subject, the reference dose is the first dose record, or the last one with `--tau`
//! (steady state: the last dosing interval, samples from that dose on). Times become time after
//! the reference dose. The route comes from the reference dose: RATE > 0 is an infusion of
//! AMT/RATE h; a dose into the compartment that is sampled (CMT of the observations) is an
//! intravenous bolus; a dose into another compartment (NONMEM's depot, CMT 1 of ADVAN2/4, also
//! when the file has no CMT column) is extravascular. `--route` overrides it for every subject.
//! Units come from the `# units:` line (NONMEM's mg and mg/L without one); the dose is stated
//! in the amount unit of DV's numerator (ug for ng/mL or ug/L, mg for mg/L) so that CL is in
//! L/h and V in L.

use super::render::Units;
use crate::error::{CliError, CliResult};
use levodose::dataset::{self, ConcUnit, Dataset, DoseRecord, ReadOptions, Subject};
use levodose_stats::finding::{Finding, Severity};
use levodose_stats::nca::{Profile, Route, Sample};
use std::path::Path;

/// The columns that make a header a NONMEM dataset (plus EVID or MDV).
const REQUIRED: [&str; 4] = ["ID", "TIME", "AMT", "DV"];

const SOURCE: &str = "levodose analyze nca (NONMEM input)";

/// True when the first non-comment line has ID, TIME, AMT, DV and EVID or MDV.
pub fn is_nonmem(text: &str) -> bool {
    let Some(header) = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return false;
    };
    let names: Vec<String> = header
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_uppercase())
        .collect();
    let has = |n: &str| names.iter().any(|c| c == n);
    REQUIRED.iter().all(|n| has(n)) && (has("EVID") || has("MDV"))
}

/// What the caller decides for every subject.
pub struct Options<'a> {
    /// `--route` (with `--duration`), overriding the dose records.
    pub route: Option<Route>,
    pub tau: Option<f64>,
    pub lloq: Option<f64>,
    /// `--group COL`: a covariate column of the dataset.
    pub group: Option<&'a str>,
}

/// Profiles, groups, the route and units, and findings about how the dataset was read.
pub struct Loaded {
    pub profiles: Vec<Profile>,
    pub groups: Vec<Option<String>>,
    pub route: Route,
    pub units: Units,
    pub findings: Vec<Finding>,
}

/// The dose unit matching DV's numerator, and dose units per mg.
fn dose_unit(dv: ConcUnit) -> (&'static str, f64) {
    match dv {
        ConcUnit::MgPerL => ("mg", 1.0),
        ConcUnit::UgPerL | ConcUnit::NgPerMl => ("ug", 1e3),
    }
}

fn data_err(path: &Path, msg: impl std::fmt::Display) -> CliError {
    CliError::input(format!("DATA {} (NONMEM dataset): {msg}", path.display()))
}

/// Reads the dataset text into profiles.
pub fn load(path: &Path, text: &str, o: &Options) -> CliResult<Loaded> {
    let ds = dataset::read(text, &ReadOptions::default()).map_err(|e| data_err(path, e))?;
    let (dose_name, dose_per_mg) = dose_unit(ds.units.dv);
    let groups = groups(path, &ds, o.group)?;
    let mut profiles = Vec::with_capacity(ds.subjects.len());
    let mut routes: Vec<(Route, &str)> = Vec::new();
    let mut multi_dose = 0usize;
    let mut excluded_before_tau = 0usize;
    for s in &ds.subjects {
        let reference = reference_dose(path, s, o.tau)?;
        if s.doses.len() > 1 {
            multi_dose += 1;
        }
        let route = match o.route {
            Some(r) => r,
            None => subject_route(path, s, reference)?,
        };
        routes.push((route, &s.id));
        let mut samples = Vec::with_capacity(s.observations.len());
        for ob in &s.observations {
            if ob.time_h < reference.time_h {
                if o.tau.is_some() {
                    excluded_before_tau += 1;
                    continue;
                }
                return Err(data_err(
                    path,
                    format!(
                        "line {}: subject {} has an observation at TIME {} h before its first dose at {} h; NCA needs times after the dose (remove the row or set MDV=1)",
                        ob.line, s.id, ob.time_h, reference.time_h
                    ),
                ));
            }
            samples.push(Sample {
                time: ob.time_h - reference.time_h,
                conc: ob.dv,
                blq: o.lloq.is_some_and(|l| ob.dv < l),
                row: Some(ob.line),
            });
        }
        let dose = reference.amount_mg * dose_per_mg;
        profiles.push(
            Profile::from_samples(s.id.clone(), samples, dose)
                .map_err(|e| data_err(path, format!("{e} (rows are file lines)")))?,
        );
    }
    let route = common_route(path, &routes)?;
    let units = Units {
        time: "h".into(),
        conc: ds.units.dv.as_str().into(),
        dose: dose_name.into(),
    };
    let findings = notes(&ds, route, o, &units, multi_dose, excluded_before_tau);
    Ok(Loaded {
        profiles,
        groups,
        route,
        units,
        findings,
    })
}

/// The dose the NCA is of: the first, or the last with --tau.
fn reference_dose<'a>(path: &Path, s: &'a Subject, tau: Option<f64>) -> CliResult<&'a DoseRecord> {
    let d = if tau.is_some() {
        s.doses.last()
    } else {
        s.doses.first()
    };
    d.ok_or_else(|| {
        data_err(
            path,
            format!(
                "line {}: subject {} has no dose record (EVID 1 with AMT > 0); NCA needs each subject's dose",
                s.line, s.id
            ),
        )
    })
}

/// Route of the reference dose, by RATE and by the compartments of dose and observations.
fn subject_route(path: &Path, s: &Subject, d: &DoseRecord) -> CliResult<Route> {
    let obs_cmt = s.observations[0].cmt;
    if let Some(o) = s.observations.iter().find(|o| o.cmt != obs_cmt) {
        return Err(data_err(
            path,
            format!(
                "line {}: subject {} has observations in CMT {} and {}; NCA is of one analyte in one compartment (set MDV=1 on the others)",
                o.line, s.id, obs_cmt, o.cmt
            ),
        ));
    }
    let route_of = |x: &DoseRecord| match x.infusion_h {
        Some(h) => Route::IvInfusion { duration_h: h },
        None if x.cmt == obs_cmt => Route::IvBolus,
        None => Route::Extravascular,
    };
    let r = route_of(d);
    if let Some(other) = s.doses.iter().find(|x| route_of(x) != r) {
        return Err(data_err(
            path,
            format!(
                "line {}: subject {} has a {} dose here and a {} dose on line {}; NCA needs one route per subject (give --route to override)",
                other.line,
                s.id,
                route_of(other).name(),
                r.name(),
                d.line
            ),
        ));
    }
    Ok(r)
}

/// One route for the whole analysis (the settings, CDISC rows and units are per analysis).
fn common_route(path: &Path, routes: &[(Route, &str)]) -> CliResult<Route> {
    let (first, first_id) = routes[0];
    match routes.iter().find(|(r, _)| *r != first) {
        None => Ok(first),
        Some((r, id)) => Err(data_err(
            path,
            format!(
                "subject {id} is dosed {} but subject {first_id} {}; analyse one route per run (split the file) or give --route",
                describe(*r),
                describe(first)
            ),
        )),
    }
}

fn describe(r: Route) -> String {
    match r {
        Route::IvInfusion { duration_h } => format!("iv-infusion over {duration_h} h"),
        other => other.name().to_string(),
    }
}

/// `--group COL` from a covariate column (its value on the subject's first record).
fn groups(path: &Path, ds: &Dataset, group: Option<&str>) -> CliResult<Vec<Option<String>>> {
    let Some(col) = group else {
        return Ok(vec![None; ds.subjects.len()]);
    };
    let name = col.to_ascii_uppercase();
    if !ds.covariate_names.contains(&name) {
        return Err(CliError::input(format!(
            "--group '{col}': no such covariate column in {} (covariate columns: {})",
            path.display(),
            ds.covariate_names.join(", ")
        )));
    }
    Ok(ds
        .subjects
        .iter()
        .map(|s| s.covariates.get(&name).map(|v| format!("{v}")))
        .collect())
}

/// Findings that say how the dataset was read (never silent about a choice).
fn notes(
    ds: &Dataset,
    route: Route,
    o: &Options,
    units: &Units,
    multi_dose: usize,
    excluded_before_tau: usize,
) -> Vec<Finding> {
    let mut f = vec![Finding::new(
        "nca_nonmem_input",
        Severity::Info,
        format!(
            "read as a NONMEM dataset (header with ID, TIME, AMT, DV and EVID/MDV): {} subjects, doses from their dose records, route {} ({}); TIME h, DV {}, AMT {} given to the NCA as {} so that CL is in L/h and V in L",
            ds.subjects.len(),
            describe(route),
            if o.route.is_some() { "from --route" } else { "from the dose records" },
            units.conc,
            ds.units.amt.as_str(),
            units.dose
        ),
        SOURCE,
    )];
    if multi_dose > 0 && o.tau.is_none() {
        f.push(Finding::new(
            "nca_multiple_doses_first_dose",
            Severity::Warning,
            format!(
                "{multi_dose} subject(s) have more than one dose record: the NCA is of the whole profile after the first dose with the first dose's amount, so AUC includes the later doses and cl_obs/vz_obs are not per dose; give --tau to analyse the last dosing interval"
            ),
            SOURCE,
        ));
    }
    if excluded_before_tau > 0 {
        f.push(Finding::new(
            "nca_samples_before_last_dose",
            Severity::Info,
            format!(
                "--tau: {excluded_before_tau} observation(s) before each subject's last dose are outside the analysed dosing interval and were not used"
            ),
            SOURCE,
        ));
    }
    f
}
