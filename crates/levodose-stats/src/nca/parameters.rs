//! Per-subject NCA parameters, as WinNonlin computes them and named as PKNCA.
//!
//! Definitions (Gabrielsson and Weiner, *Pharmacokinetic and Pharmacodynamic Data Analysis*;
//! Phoenix WinNonlin user's guide, NCA chapter):
//! - AUClast to the last positive concentration, AUCall to the last sample;
//! - AUCINF_obs = AUClast + Clast/lambda_z, AUCINF_pred = AUClast + Clast_pred/lambda_z with
//!   Clast_pred from the terminal regression; AUMCINF likewise with + tlast C/lambda_z + C/lambda_z²;
//! - CL = Dose/AUCINF (CL/F for extravascular), Vz = CL/lambda_z, MRT = AUMC/AUC (minus half the
//!   infusion duration for an infusion), Vss = MRTINF x CL (intravenous only);
//! - bolus: C0 by back-extrapolation, AUC_%Back_Ext = AUC(0, t1)/AUCINF;
//! - extravascular: Tlag = time of the sample before the first positive concentration.
//!
//! A quantity that cannot be computed (no lambda_z, no positive concentration, Cmin of 0 for the
//! swing) is None (JSON null) with a finding, never NaN.

use super::auc::{auc_aumc_to, auc_segment, partial_auc};
use super::lambda_z::{self, LambdaZ, LambdaZRule};
use super::profile::{prepare, Exclusion, Profile};
use super::{NcaError, Route, Settings};
use crate::finding::{Finding, Severity};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::collections::HashMap;

/// Every parameter of one subject; None = not estimable or not applicable to the route.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parameters {
    pub route: Option<Route>,
    pub with_tau: bool,
    pub cmax: Option<f64>,
    pub tmax: Option<f64>,
    pub tlag: Option<f64>,
    pub c0: Option<f64>,
    pub tlast: Option<f64>,
    pub clast: Option<f64>,
    pub auclast: Option<f64>,
    pub aucall: Option<f64>,
    pub lambda_z: Option<f64>,
    pub lambda_z_n_points: Option<usize>,
    pub lambda_z_lower: Option<f64>,
    pub lambda_z_upper: Option<f64>,
    pub r_squared: Option<f64>,
    pub r_squared_adjusted: Option<f64>,
    pub corr_xy: Option<f64>,
    pub half_life: Option<f64>,
    pub span_ratio: Option<f64>,
    pub clast_pred: Option<f64>,
    pub aucinf_obs: Option<f64>,
    pub aucinf_pred: Option<f64>,
    pub auc_pct_extrap_obs: Option<f64>,
    pub auc_pct_extrap_pred: Option<f64>,
    pub auc_pct_back_extrap_obs: Option<f64>,
    pub auc_pct_back_extrap_pred: Option<f64>,
    pub cl_obs: Option<f64>,
    pub cl_pred: Option<f64>,
    pub vz_obs: Option<f64>,
    pub vz_pred: Option<f64>,
    pub vss_obs: Option<f64>,
    pub vss_pred: Option<f64>,
    pub aumclast: Option<f64>,
    pub aumcinf_obs: Option<f64>,
    pub aumcinf_pred: Option<f64>,
    pub aumc_pct_extrap_obs: Option<f64>,
    pub aumc_pct_extrap_pred: Option<f64>,
    pub mrtlast: Option<f64>,
    pub mrtinf_obs: Option<f64>,
    pub mrtinf_pred: Option<f64>,
    pub cmax_dn: Option<f64>,
    pub aucinf_obs_dn: Option<f64>,
    pub aucinf_pred_dn: Option<f64>,
    pub auctau: Option<f64>,
    pub cmin: Option<f64>,
    pub cavg: Option<f64>,
    pub fluctuation_pct: Option<f64>,
    pub swing: Option<f64>,
    pub accumulation_index: Option<f64>,
    pub cl_ss: Option<f64>,
}

/// What a parameter measures, for units: see [`Parameters::entries`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Conc,
    Time,
    RatePerTime,
    Count,
    Ratio,
    Percent,
    Auc,
    Aumc,
    Clearance,
    Volume,
    ConcPerDose,
    AucPerDose,
}

impl Parameters {
    /// The parameters that apply to the route, in report order, with their kind.
    pub fn entries(&self) -> Vec<(&'static str, Option<f64>, Kind)> {
        use Kind::*;
        let route = self.route.unwrap_or(Route::Extravascular);
        let mut v = vec![("cmax", self.cmax, Conc), ("tmax", self.tmax, Time)];
        match route {
            Route::Extravascular => v.push(("tlag", self.tlag, Time)),
            Route::IvBolus => v.push(("c0", self.c0, Conc)),
            Route::IvInfusion { .. } => {}
        }
        v.extend([
            ("tlast", self.tlast, Time),
            ("clast", self.clast, Conc),
            ("auclast", self.auclast, Auc),
            ("aucall", self.aucall, Auc),
            ("lambda_z", self.lambda_z, RatePerTime),
            (
                "lambda_z_n_points",
                self.lambda_z_n_points.map(|n| n as f64),
                Count,
            ),
            ("lambda_z_lower", self.lambda_z_lower, Time),
            ("lambda_z_upper", self.lambda_z_upper, Time),
            ("r_squared", self.r_squared, Ratio),
            ("r_squared_adjusted", self.r_squared_adjusted, Ratio),
            ("corr_xy", self.corr_xy, Ratio),
            ("half_life", self.half_life, Time),
            ("span_ratio", self.span_ratio, Ratio),
            ("clast_pred", self.clast_pred, Conc),
            ("aucinf_obs", self.aucinf_obs, Auc),
            ("aucinf_pred", self.aucinf_pred, Auc),
            ("auc_pct_extrap_obs", self.auc_pct_extrap_obs, Percent),
            ("auc_pct_extrap_pred", self.auc_pct_extrap_pred, Percent),
        ]);
        if route == Route::IvBolus {
            v.extend([
                (
                    "auc_pct_back_extrap_obs",
                    self.auc_pct_back_extrap_obs,
                    Percent,
                ),
                (
                    "auc_pct_back_extrap_pred",
                    self.auc_pct_back_extrap_pred,
                    Percent,
                ),
            ]);
        }
        v.extend([
            ("cl_obs", self.cl_obs, Clearance),
            ("cl_pred", self.cl_pred, Clearance),
            ("vz_obs", self.vz_obs, Volume),
            ("vz_pred", self.vz_pred, Volume),
        ]);
        if route.is_intravenous() {
            v.extend([
                ("vss_obs", self.vss_obs, Volume),
                ("vss_pred", self.vss_pred, Volume),
            ]);
        }
        v.extend([
            ("aumclast", self.aumclast, Aumc),
            ("aumcinf_obs", self.aumcinf_obs, Aumc),
            ("aumcinf_pred", self.aumcinf_pred, Aumc),
            ("aumc_pct_extrap_obs", self.aumc_pct_extrap_obs, Percent),
            ("aumc_pct_extrap_pred", self.aumc_pct_extrap_pred, Percent),
            ("mrtlast", self.mrtlast, Time),
            ("mrtinf_obs", self.mrtinf_obs, Time),
            ("mrtinf_pred", self.mrtinf_pred, Time),
            ("cmax_dn", self.cmax_dn, ConcPerDose),
            ("aucinf_obs_dn", self.aucinf_obs_dn, AucPerDose),
            ("aucinf_pred_dn", self.aucinf_pred_dn, AucPerDose),
        ]);
        if self.with_tau {
            v.extend([
                ("auctau", self.auctau, Auc),
                ("cmin", self.cmin, Conc),
                ("cavg", self.cavg, Conc),
                ("fluctuation_pct", self.fluctuation_pct, Percent),
                ("swing", self.swing, Ratio),
                ("accumulation_index", self.accumulation_index, Ratio),
                ("cl_ss", self.cl_ss, Clearance),
            ]);
        }
        v
    }

    /// The value of a parameter by its PKNCA name.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.entries()
            .into_iter()
            .find(|e| e.0 == name)
            .and_then(|e| e.1)
    }
}

/// JSON: the route's parameters by name, null where not estimable; the point count as an integer.
impl Serialize for Parameters {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let entries = self.entries();
        let mut map = s.serialize_map(Some(entries.len()))?;
        for (name, value, kind) in entries {
            if kind == Kind::Count {
                map.serialize_entry(name, &value.map(|v| v as u64))?;
            } else {
                map.serialize_entry(name, &value)?;
            }
        }
        map.end()
    }
}

/// One partial AUC.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AucInterval {
    pub start: f64,
    pub end: f64,
    /// None when the interval reaches beyond the last sample and lambda_z is not estimable.
    pub auc: Option<f64>,
}

/// The result for one subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubjectResult {
    pub id: String,
    pub dose: f64,
    pub parameters: Parameters,
    /// Times of the samples in the lambda_z regression.
    pub lambda_z_points: Vec<f64>,
    pub exclusions: Vec<Exclusion>,
    pub auc_intervals: Vec<AucInterval>,
    /// The terminal regression (for plots).
    #[serde(skip)]
    pub lambda_z_fit: Option<LambdaZ>,
    /// Quality findings of this subject (reported at the top level).
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

/// Results for many subjects plus all findings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub subjects: Vec<SubjectResult>,
    pub findings: Vec<Finding>,
}

const SOURCE: &str = "levodose_stats::nca (WinNonlin rules)";

/// Analyses every profile. `manual` gives a lambda_z rule per subject id (others: best fit).
pub fn analyze(
    profiles: &[Profile],
    settings: &Settings,
    manual: &HashMap<String, LambdaZRule>,
) -> Result<Analysis, NcaError> {
    check_settings(settings)?;
    let mut subjects = Vec::with_capacity(profiles.len());
    let mut findings = Vec::new();
    for p in profiles {
        let rule = manual.get(&p.id).unwrap_or(&LambdaZRule::Auto);
        let r = analyze_with_rule(p, settings, rule);
        findings.extend(r.findings.iter().cloned());
        subjects.push(r);
    }
    Ok(Analysis { subjects, findings })
}

/// One subject with the best-fit lambda_z.
pub fn analyze_subject(p: &Profile, settings: &Settings) -> Result<SubjectResult, NcaError> {
    check_settings(settings)?;
    Ok(analyze_with_rule(p, settings, &LambdaZRule::Auto))
}

fn settings_error(field: &str, message: String) -> NcaError {
    NcaError::Settings {
        field: field.to_string(),
        message,
    }
}

/// Rejects settings no analysis can use (they are user input).
pub fn check_settings(s: &Settings) -> Result<(), NcaError> {
    if let Route::IvInfusion { duration_h } = s.route {
        if !(duration_h.is_finite() && duration_h > 0.0) {
            return Err(settings_error(
                "duration",
                format!("{duration_h} is not allowed; the infusion duration must be > 0"),
            ));
        }
    }
    if let Some(tau) = s.tau {
        if !(tau.is_finite() && tau > 0.0) {
            return Err(settings_error(
                "tau",
                format!("{tau} is not allowed; the dosing interval must be > 0"),
            ));
        }
    }
    for &(a, b) in &s.auc_intervals {
        if !(a.is_finite() && b.is_finite() && a >= 0.0 && b > a) {
            return Err(settings_error(
                "auc-interval",
                format!("{a}-{b} is not allowed; an interval needs 0 <= start < end"),
            ));
        }
    }
    Ok(())
}

fn pct(part: f64, whole: f64) -> f64 {
    100.0 * part / whole
}

/// The whole computation for one subject with a given lambda_z rule.
pub fn analyze_with_rule(p: &Profile, s: &Settings, rule: &LambdaZRule) -> SubjectResult {
    let mut prep = prepare(p, &s.blq, s.route);
    if s.tau.is_some() && prep.c0_added == Some(0.0) {
        // At steady state the pre-dose level is not 0: WinNonlin takes the minimum in the interval.
        let tau = s.tau.unwrap_or(f64::INFINITY);
        let cmin = prep
            .time
            .iter()
            .zip(&prep.conc)
            .skip(1)
            .filter(|(&t, _)| t <= tau)
            .map(|(_, &c)| c)
            .fold(f64::INFINITY, f64::min);
        if cmin.is_finite() {
            prep.conc[0] = cmin;
            prep.c0_added = Some(cmin);
        }
    }
    let (time, conc) = (&prep.time, &prep.conc);
    let obs = prep.first_observed;
    let mut par = Parameters {
        route: Some(s.route),
        with_tau: s.tau.is_some(),
        ..Default::default()
    };
    let mut findings = Vec::new();
    let finding = |code: &str, sev: Severity, msg: String| {
        Finding::new(code, sev, format!("subject {}: {msg}", p.id), SOURCE)
    };

    // Cmax/Tmax over the observed samples (a bolus C0 is not an observation).
    let (ot, oc) = (&time[obs..], &conc[obs..]);
    let imax = oc
        .iter()
        .enumerate()
        .fold(0, |best, (i, &c)| if c > oc[best] { i } else { best });
    par.cmax = Some(oc[imax]);
    par.tmax = Some(ot[imax]);
    par.cmax_dn = Some(oc[imax] / p.dose);
    match s.route {
        Route::IvBolus => par.c0 = Some(prep.c0_added.unwrap_or(conc[0])),
        Route::Extravascular => {
            par.tlag =
                conc.iter()
                    .position(|&c| c > 0.0)
                    .map(|i| if i == 0 { time[0] } else { time[i - 1] });
        }
        Route::IvInfusion { .. } => {}
    }
    let Some(ilast) = conc.iter().rposition(|&c| c > 0.0) else {
        findings.push(finding(
            "nca_no_positive_concentration",
            Severity::Warning,
            "no concentration above 0: AUC and the parameters that depend on it are not estimable"
                .into(),
        ));
        return SubjectResult {
            id: p.id.clone(),
            dose: p.dose,
            parameters: par,
            lambda_z_points: Vec::new(),
            exclusions: prep.exclusions,
            auc_intervals: s
                .auc_intervals
                .iter()
                .map(|&(start, end)| AucInterval {
                    start,
                    end,
                    auc: None,
                })
                .collect(),
            lambda_z_fit: None,
            findings,
        };
    };
    let (tlast, clast) = (time[ilast], conc[ilast]);
    par.tlast = Some(tlast);
    par.clast = Some(clast);
    let (auclast, aumclast) = auc_aumc_to(s.auc_method, time, conc, ilast);
    let (aucall, _) = auc_aumc_to(s.auc_method, time, conc, time.len() - 1);
    par.auclast = Some(auclast);
    par.aucall = Some(aucall);
    par.aumclast = Some(aumclast);
    let mrt_shift = match s.route {
        Route::IvInfusion { duration_h } => duration_h / 2.0,
        _ => 0.0,
    };
    par.mrtlast = (auclast > 0.0).then(|| aumclast / auclast - mrt_shift);
    let back_auc = if obs == 1 {
        auc_segment(s.auc_method, time[0], conc[0], time[1], conc[1])
    } else {
        0.0
    };

    // Terminal phase.
    let (first_eligible, fit_rule_time) = match (rule, s.route) {
        (LambdaZRule::Manual { .. }, _) => (0, ot),
        (LambdaZRule::Auto, Route::IvBolus) => (0, ot),
        (LambdaZRule::Auto, _) => (imax + 1, ot),
    };
    let fit = lambda_z::select(fit_rule_time, oc, first_eligible, rule);
    let lambda_z_points = fit.as_ref().map(|f| f.times.clone()).unwrap_or_default();
    match &fit {
        None => findings.push(
            finding(
                "nca_lambda_z_not_estimable",
                Severity::Warning,
                format!(
                    "lambda_z not estimable ({}): fewer than {} eligible positive samples with a falling log-linear fit; AUCINF, CL, Vz, half-life and MRTINF are null",
                    match rule {
                        LambdaZRule::Auto => "best fit",
                        LambdaZRule::Manual { .. } => "manual range",
                    },
                    lambda_z::MIN_POINTS
                ),
            )
            .with_suggestion("sample longer into the terminal phase, or give a range with --lambda-z-file"),
        ),
        Some(f) => {
            let lz = f.lambda_z;
            let hl = std::f64::consts::LN_2 / lz;
            par.lambda_z = Some(lz);
            par.lambda_z_n_points = Some(f.n_points);
            par.lambda_z_lower = Some(f.lower);
            par.lambda_z_upper = Some(f.upper);
            par.r_squared = Some(f.r_squared);
            par.r_squared_adjusted = Some(f.r_squared_adjusted);
            par.corr_xy = Some(f.corr_xy);
            par.half_life = Some(hl);
            par.span_ratio = Some((f.upper - f.lower) / hl);
            let clast_pred = (f.intercept - lz * tlast).exp();
            par.clast_pred = Some(clast_pred);
            let inf = |c: f64| auclast + c / lz;
            let aumc_inf = |c: f64| aumclast + tlast * c / lz + c / (lz * lz);
            let (ai_o, ai_p) = (inf(clast), inf(clast_pred));
            let (mi_o, mi_p) = (aumc_inf(clast), aumc_inf(clast_pred));
            par.aucinf_obs = Some(ai_o);
            par.aucinf_pred = Some(ai_p);
            par.aucinf_obs_dn = Some(ai_o / p.dose);
            par.aucinf_pred_dn = Some(ai_p / p.dose);
            par.auc_pct_extrap_obs = Some(pct(ai_o - auclast, ai_o));
            par.auc_pct_extrap_pred = Some(pct(ai_p - auclast, ai_p));
            par.aumcinf_obs = Some(mi_o);
            par.aumcinf_pred = Some(mi_p);
            par.aumc_pct_extrap_obs = Some(pct(mi_o - aumclast, mi_o));
            par.aumc_pct_extrap_pred = Some(pct(mi_p - aumclast, mi_p));
            par.cl_obs = Some(p.dose / ai_o);
            par.cl_pred = Some(p.dose / ai_p);
            par.vz_obs = Some(p.dose / (lz * ai_o));
            par.vz_pred = Some(p.dose / (lz * ai_p));
            let (mrt_o, mrt_p) = (mi_o / ai_o - mrt_shift, mi_p / ai_p - mrt_shift);
            par.mrtinf_obs = Some(mrt_o);
            par.mrtinf_pred = Some(mrt_p);
            if s.route.is_intravenous() {
                par.vss_obs = Some(mrt_o * p.dose / ai_o);
                par.vss_pred = Some(mrt_p * p.dose / ai_p);
            }
            if s.route == Route::IvBolus {
                par.auc_pct_back_extrap_obs = Some(pct(back_auc, ai_o));
                par.auc_pct_back_extrap_pred = Some(pct(back_auc, ai_p));
            }
            quality(f, &par, s, &mut findings, &finding);
        }
    }

    // Partial AUCs and steady state.
    let tail = par.lambda_z.map(|lz| (tlast, clast, lz));
    let auc_intervals = s
        .auc_intervals
        .iter()
        .map(|&(start, end)| AucInterval {
            start,
            end,
            auc: partial_auc(s.auc_method, time, conc, start, end, tail),
        })
        .collect::<Vec<_>>();
    if auc_intervals.iter().any(|a| a.auc.is_none()) {
        findings.push(finding(
            "nca_partial_auc_not_estimable",
            Severity::Warning,
            "a partial AUC interval reaches beyond the samples where no lambda_z extrapolates (or starts before the first sample): its AUC is null".into(),
        ));
    }
    if let Some(tau) = s.tau {
        steady_state(&mut par, s, time, conc, tau, tail, p.dose);
        if par.auctau.is_none() {
            findings.push(finding(
                "nca_auctau_not_estimable",
                Severity::Warning,
                format!("tau {tau} reaches beyond the last sample and lambda_z is not estimable: steady-state parameters are null"),
            ));
        }
    }
    SubjectResult {
        id: p.id.clone(),
        dose: p.dose,
        parameters: par,
        lambda_z_points,
        exclusions: prep.exclusions,
        auc_intervals,
        lambda_z_fit: fit,
        findings,
    }
}

/// Quality findings on the terminal phase.
fn quality(
    f: &LambdaZ,
    par: &Parameters,
    s: &Settings,
    findings: &mut Vec<Finding>,
    finding: &dyn Fn(&str, Severity, String) -> Finding,
) {
    let q = &s.quality;
    if f.r_squared_adjusted < q.min_r_squared_adjusted {
        findings.push(finding(
            "nca_r_squared_adjusted_low",
            Severity::Warning,
            format!(
                "adjusted R² of the lambda_z fit {:.4} is below {}",
                f.r_squared_adjusted, q.min_r_squared_adjusted
            ),
        ));
    }
    if let Some(x) = par.auc_pct_extrap_obs {
        if x > q.max_auc_pct_extrap {
            findings.push(finding(
                "nca_auc_extrapolation_high",
                Severity::Warning,
                format!(
                    "{x:.1} % of AUCINF_obs is extrapolated beyond tlast (more than {} %): AUCINF, CL and Vz are uncertain",
                    q.max_auc_pct_extrap
                ),
            ));
        }
    }
    if let Some(r) = par.span_ratio {
        if r < q.min_span_half_lives {
            findings.push(finding(
                "nca_lambda_z_span_short",
                Severity::Warning,
                format!(
                    "the lambda_z points span {r:.2} half-lives (fewer than {}): the terminal slope is uncertain",
                    q.min_span_half_lives
                ),
            ));
        }
    }
}

/// AUCtau, Cmin, Cavg, fluctuation, swing and accumulation index over [0, tau].
fn steady_state(
    par: &mut Parameters,
    s: &Settings,
    time: &[f64],
    conc: &[f64],
    tau: f64,
    tail: Option<(f64, f64, f64)>,
    dose: f64,
) {
    let cmin = time
        .iter()
        .zip(conc)
        .filter(|(&t, _)| t <= tau)
        .map(|(_, &c)| c)
        .fold(f64::INFINITY, f64::min);
    let cmax_tau = time
        .iter()
        .zip(conc)
        .filter(|(&t, _)| t <= tau)
        .map(|(_, &c)| c)
        .fold(f64::NEG_INFINITY, f64::max);
    par.cmin = cmin.is_finite().then_some(cmin);
    par.auctau = partial_auc(s.auc_method, time, conc, 0.0, tau, tail);
    if let Some(auctau) = par.auctau {
        let cavg = auctau / tau;
        par.cavg = Some(cavg);
        par.cl_ss = (auctau > 0.0).then(|| dose / auctau);
        if cavg > 0.0 && cmin.is_finite() {
            par.fluctuation_pct = Some(100.0 * (cmax_tau - cmin) / cavg);
        }
    }
    if cmin.is_finite() && cmin > 0.0 {
        par.swing = Some((cmax_tau - cmin) / cmin);
    }
    par.accumulation_index = par.lambda_z.map(|lz| 1.0 / (1.0 - (-lz * tau).exp()));
}
