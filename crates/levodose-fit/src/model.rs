//! The model file (`--model model.toml`) and its resolved form.
//!
//! ```toml
//! structure = "oral-1cpt"
//! [parameters.cl]
//! init = 2.7        # natural scale; log-normal IIV: CL = cl * exp(eta_cl)
//! omega = 0.3       # initial variance of eta_cl; leave out for no IIV
//! [parameters.cl.covariates.CRCL]
//! reference = 100
//! form = "power"    # CL = TVCL * (CRCL/100)^theta; "linear": * (1 + theta (CRCL - 100))
//! init = 0.5
//! [parameters.v]
//! init = 32.0
//! omega = 0.1
//! [parameters.ka]
//! init = 1.5
//! omega = 0.6
//! [omega_block]     # optional: correlated etas
//! parameters = ["cl", "v"]
//! correlation = 0.3
//! [error]
//! additive_sd = 0.7   # and/or proportional_sd
//! ```

use levodose::error::{Error, Result};
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Structural models with exact closed forms in [`crate::predict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Structure {
    #[serde(rename = "oral-1cpt")]
    Oral1,
    #[serde(rename = "oral-1cpt-lag")]
    Oral1Lag,
    #[serde(rename = "iv-1cpt")]
    Iv1,
}

impl Structure {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "oral-1cpt" => Ok(Structure::Oral1),
            "oral-1cpt-lag" => Ok(Structure::Oral1Lag),
            "iv-1cpt" => Ok(Structure::Iv1),
            "oral-2cpt" | "iv-2cpt" => Err(Error::input(
                "structure",
                format!("\"{s}\" is not implemented in the fit yet; use oral-1cpt, oral-1cpt-lag or iv-1cpt"),
            )),
            other => Err(Error::input(
                "structure",
                format!("\"{other}\" is unknown; use oral-1cpt, oral-1cpt-lag or iv-1cpt"),
            )),
        }
    }
    /// Parameter names in the order the predictions use them.
    pub fn parameter_names(self) -> &'static [&'static str] {
        match self {
            Structure::Oral1 => &["cl", "v", "ka"],
            Structure::Oral1Lag => &["cl", "v", "ka", "lag"],
            Structure::Iv1 => &["cl", "v"],
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Structure::Oral1 => "oral-1cpt",
            Structure::Oral1Lag => "oral-1cpt-lag",
            Structure::Iv1 => "iv-1cpt",
        }
    }
    /// NONMEM compartment that receives extravascular doses (None for iv structures).
    pub fn depot_cmt(self) -> Option<u32> {
        match self {
            Structure::Iv1 => None,
            _ => Some(1),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CovariateFile {
    /// Reference value (power, linear) or reference level (factor: multiplier 1).
    pub reference: f64,
    pub form: String,
    /// Initial coefficient (power, linear).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<f64>,
    /// Factor: initial multiplier of each non-reference level, keyed by the level's value in
    /// the column, e.g. `levels = { "1" = 0.8 }`: P = TV * multiplier for subjects at that level.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub levels: BTreeMap<String, f64>,
    #[serde(default)]
    pub fixed: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterFile {
    pub init: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omega: Option<f64>,
    #[serde(default)]
    pub fixed: bool,
    #[serde(default)]
    pub omega_fixed: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub covariates: BTreeMap<String, CovariateFile>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OmegaBlockFile {
    pub parameters: Vec<String>,
    /// One correlation for every pair of the block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation: Option<f64>,
    /// Correlation per pair, keyed "cl,v" (either order); overrides `correlation` for that pair.
    /// `--write-model` writes a fitted block of three or more this way, since the fitted pairs differ.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub correlations: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additive_sd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proportional_sd: Option<f64>,
    #[serde(default)]
    pub fixed: bool,
}

/// The model file as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    pub structure: String,
    pub parameters: BTreeMap<String, ParameterFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omega_block: Option<OmegaBlockFile>,
    pub error: ErrorFile,
}

impl ModelFile {
    pub fn from_toml(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::input("model", e.to_string()))
    }
}

/// How a covariate enters a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CovariateForm {
    /// P = TV * (COV / reference)^theta
    #[serde(rename = "power")]
    Power,
    /// P = TV * (1 + theta (COV - reference))
    #[serde(rename = "linear")]
    Linear,
    /// P = TV * exp(theta) when COV equals the covariate's `level`, TV otherwise: one
    /// log-scale theta per non-reference level of a categorical covariate.
    #[serde(rename = "factor")]
    Factor,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Covariate {
    /// Index of the structural parameter it acts on.
    pub parameter: usize,
    /// Dataset column (upper case).
    pub column: String,
    pub form: CovariateForm,
    pub reference: f64,
    /// Factor: the level this coefficient belongs to.
    pub level: Option<f64>,
    /// Initial coefficient (factor: log of the multiplier).
    pub init: f64,
    pub fixed: bool,
}

impl Covariate {
    /// The covariate's term in the log-parameter for coefficient `coef` at value `x`; None
    /// when the parameter would not be positive (power at x <= 0, linear factor <= 0).
    pub fn log_effect(&self, coef: f64, x: f64) -> Option<f64> {
        match self.form {
            CovariateForm::Power => (x > 0.0).then(|| coef * (x / self.reference).ln()),
            CovariateForm::Linear => {
                let m = 1.0 + coef * (x - self.reference);
                (m > 0.0).then(|| m.ln())
            }
            CovariateForm::Factor => Some(if Some(x) == self.level { coef } else { 0.0 }),
        }
    }

    /// Name of the coefficient in outputs: `cl_crcl`, or `cl_sex_1_log_multiplier` for a level.
    pub fn coefficient_name(&self, parameter: &str) -> String {
        let col = self.column.to_ascii_lowercase();
        match self.level {
            Some(l) => format!("{parameter}_{col}_{l}_log_multiplier"),
            None => format!("{parameter}_{col}"),
        }
    }
}

/// Residual error: R = additive_sd^2 + (proportional_sd f)^2.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ErrorModel {
    pub additive_sd: Option<f64>,
    pub proportional_sd: Option<f64>,
    pub fixed: bool,
}

/// A resolved, validated model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub structure: Structure,
    /// Natural-scale typical values, in `structure.parameter_names()` order.
    pub theta: Vec<f64>,
    pub theta_fixed: Vec<bool>,
    /// Structural parameter index of each eta.
    pub eta_parameter: Vec<usize>,
    /// Initial omega (variances on the diagonal).
    pub omega: DMatrix<f64>,
    /// Per eta: variance fixed.
    pub omega_fixed: Vec<bool>,
    /// Eta index pairs (i > j) whose covariance is estimated.
    pub omega_pairs: Vec<(usize, usize)>,
    pub covariates: Vec<Covariate>,
    pub error: ErrorModel,
}

impl Model {
    pub fn names(&self) -> &'static [&'static str] {
        self.structure.parameter_names()
    }
    pub fn n_eta(&self) -> usize {
        self.eta_parameter.len()
    }
    pub fn eta_name(&self, e: usize) -> &'static str {
        self.names()[self.eta_parameter[e]]
    }

    /// Parses and resolves a model file's text (`--model model.toml`); reading it is the
    /// caller's.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        Model::from_file(&ModelFile::from_toml(text)?)
    }

    /// Resolves and validates a model file; errors name the key and the allowed values.
    pub fn from_file(file: &ModelFile) -> Result<Self> {
        let structure = Structure::parse(&file.structure)?;
        check_parameter_names(structure, file)?;
        let params = resolve_parameters(structure, file)?;
        let (omega, omega_pairs) = match &file.omega_block {
            Some(b) => omega_with_block(&params, structure.parameter_names(), b)?,
            None => (diagonal_omega(&params.omega_var), Vec::new()),
        };
        Ok(Model {
            structure,
            theta: params.theta,
            theta_fixed: params.theta_fixed,
            eta_parameter: params.eta_parameter,
            omega,
            omega_fixed: params.omega_fixed,
            omega_pairs,
            covariates: params.covariates,
            error: resolve_error(&file.error)?,
        })
    }

    /// The `[omega_block]` of these values: the etas of the estimated covariances, with their
    /// correlations (one `correlation` for a pair, `correlations` per pair for a larger block).
    fn omega_block_file(&self) -> Option<OmegaBlockFile> {
        if self.omega_pairs.is_empty() {
            return None;
        }
        let mut members: Vec<usize> = self.omega_pairs.iter().flat_map(|&(i, j)| [i, j]).collect();
        members.sort_unstable();
        members.dedup();
        let corr = |i: usize, j: usize| {
            self.omega[(i, j)] / (self.omega[(i, i)] * self.omega[(j, j)]).sqrt()
        };
        let parameters: Vec<String> = members
            .iter()
            .map(|&e| self.eta_name(e).to_string())
            .collect();
        if members.len() == 2 {
            return Some(OmegaBlockFile {
                parameters,
                correlation: Some(corr(members[1], members[0])),
                correlations: BTreeMap::new(),
            });
        }
        let correlations = self
            .omega_pairs
            .iter()
            .map(|&(i, j)| {
                (
                    format!("{},{}", self.eta_name(j), self.eta_name(i)),
                    corr(i, j),
                )
            })
            .collect();
        Some(OmegaBlockFile {
            parameters,
            correlation: None,
            correlations,
        })
    }

    /// The model file for these values (as `--write-model` writes a fitted model).
    pub fn to_file(&self) -> ModelFile {
        let names = self.names();
        let mut parameters = BTreeMap::new();
        for (k, name) in names.iter().enumerate() {
            let eta = self.eta_parameter.iter().position(|&p| p == k);
            let mut covariates: BTreeMap<String, CovariateFile> = BTreeMap::new();
            for c in self.covariates.iter().filter(|c| c.parameter == k) {
                let entry = covariates
                    .entry(c.column.clone())
                    .or_insert_with(|| CovariateFile {
                        reference: c.reference,
                        form: match c.form {
                            CovariateForm::Power => "power".into(),
                            CovariateForm::Linear => "linear".into(),
                            CovariateForm::Factor => "factor".into(),
                        },
                        init: None,
                        levels: BTreeMap::new(),
                        fixed: c.fixed,
                    });
                match c.level {
                    Some(l) => {
                        entry.levels.insert(format!("{l}"), c.init.exp());
                    }
                    None => entry.init = Some(c.init),
                }
            }
            parameters.insert(
                name.to_string(),
                ParameterFile {
                    init: self.theta[k],
                    omega: eta.map(|e| self.omega[(e, e)]),
                    fixed: self.theta_fixed[k],
                    omega_fixed: eta.map(|e| self.omega_fixed[e]).unwrap_or(false),
                    covariates,
                },
            );
        }
        ModelFile {
            structure: self.structure.as_str().into(),
            parameters,
            omega_block: self.omega_block_file(),
            error: ErrorFile {
                additive_sd: self.error.additive_sd,
                proportional_sd: self.error.proportional_sd,
                fixed: self.error.fixed,
            },
        }
    }
}

/// Every parameter of the file belongs to the structure.
fn check_parameter_names(structure: Structure, file: &ModelFile) -> Result<()> {
    let names = structure.parameter_names();
    for key in file.parameters.keys() {
        if !names.contains(&key.as_str()) {
            return Err(Error::input(
                format!("parameters.{key}"),
                format!(
                    "not a parameter of {}; its parameters are {}",
                    structure.as_str(),
                    names.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// The structural parameters in the structure's order, with their etas and covariates.
struct Parameters {
    theta: Vec<f64>,
    theta_fixed: Vec<bool>,
    eta_parameter: Vec<usize>,
    /// Initial variance of each eta.
    omega_var: Vec<f64>,
    omega_fixed: Vec<bool>,
    covariates: Vec<Covariate>,
}

fn resolve_parameters(structure: Structure, file: &ModelFile) -> Result<Parameters> {
    let names = structure.parameter_names();
    let mut out = Parameters {
        theta: Vec::new(),
        theta_fixed: Vec::new(),
        eta_parameter: Vec::new(),
        omega_var: Vec::new(),
        omega_fixed: Vec::new(),
        covariates: Vec::new(),
    };
    for (k, name) in names.iter().enumerate() {
        let p = file.parameters.get(*name).ok_or_else(|| {
            Error::input(
                format!("parameters.{name}"),
                format!("missing: {} needs {}", structure.as_str(), names.join(", ")),
            )
        })?;
        if !(p.init.is_finite() && p.init > 0.0) {
            return Err(Error::input(
                format!("parameters.{name}.init"),
                format!("{} must be > 0 (natural scale, log-normal)", p.init),
            ));
        }
        out.theta.push(p.init);
        out.theta_fixed.push(p.fixed);
        if let Some(w) = p.omega {
            if !(w.is_finite() && w > 0.0 && w < 10.0) {
                return Err(Error::input(
                    format!("parameters.{name}.omega"),
                    format!("{w} must be a variance above 0 and below 10"),
                ));
            }
            out.eta_parameter.push(k);
            out.omega_var.push(w);
            out.omega_fixed.push(p.omega_fixed);
        } else if p.omega_fixed {
            return Err(Error::input(
                format!("parameters.{name}.omega_fixed"),
                "set without an omega",
            ));
        }
        for (col, c) in &p.covariates {
            let key = format!("parameters.{name}.covariates.{col}");
            out.covariates.extend(resolve_covariate(k, col, c, &key)?);
        }
    }
    Ok(out)
}

/// One covariate entry of parameter `k`: one coefficient, or one per level of a factor.
fn resolve_covariate(k: usize, col: &str, c: &CovariateFile, key: &str) -> Result<Vec<Covariate>> {
    let form = match c.form.as_str() {
        "power" => CovariateForm::Power,
        "linear" => CovariateForm::Linear,
        "factor" => CovariateForm::Factor,
        other => {
            return Err(Error::input(
                format!("{key}.form"),
                format!("\"{other}\" is not supported; use power, linear or factor"),
            ))
        }
    };
    if !(c.reference.is_finite() && (form != CovariateForm::Power || c.reference > 0.0)) {
        return Err(Error::input(
            format!("{key}.reference"),
            format!("{} must be a positive number", c.reference),
        ));
    }
    let column = col.to_ascii_uppercase();
    if form == CovariateForm::Factor {
        return factor_levels(k, column, c, key);
    }
    if !c.levels.is_empty() {
        return Err(Error::input(
            format!("{key}.levels"),
            "levels belong to form = \"factor\"",
        ));
    }
    let init = c
        .init
        .filter(|v| v.is_finite())
        .ok_or_else(|| Error::input(format!("{key}.init"), "must be a finite number"))?;
    Ok(vec![Covariate {
        parameter: k,
        column,
        form,
        reference: c.reference,
        level: None,
        init,
        fixed: c.fixed,
    }])
}

/// A factor covariate: one log-multiplier coefficient per non-reference level.
fn factor_levels(k: usize, column: String, c: &CovariateFile, key: &str) -> Result<Vec<Covariate>> {
    if c.init.is_some() {
        return Err(Error::input(
            format!("{key}.init"),
            "a factor takes the initial multiplier of each level in `levels`, not init",
        ));
    }
    if c.levels.is_empty() {
        return Err(Error::input(
            format!("{key}.levels"),
            "give the initial multiplier of each non-reference level, e.g. levels = { \"1\" = 0.8 }",
        ));
    }
    let mut out = Vec::new();
    for (level_key, &mult) in &c.levels {
        let level: f64 = level_key.trim().parse().map_err(|_| {
            Error::input(
                format!("{key}.levels.{level_key}"),
                "a level is the number in the column, e.g. \"1\"",
            )
        })?;
        if level == c.reference {
            return Err(Error::input(
                format!("{key}.levels.{level_key}"),
                "is the reference level (multiplier 1)",
            ));
        }
        if !(mult.is_finite() && mult > 0.0) {
            return Err(Error::input(
                format!("{key}.levels.{level_key}"),
                format!("{mult} must be a multiplier > 0"),
            ));
        }
        out.push(Covariate {
            parameter: k,
            column: column.clone(),
            form: CovariateForm::Factor,
            reference: c.reference,
            level: Some(level),
            init: mult.ln(),
            fixed: c.fixed,
        });
    }
    Ok(out)
}

fn diagonal_omega(omega_var: &[f64]) -> DMatrix<f64> {
    let n = omega_var.len();
    let mut omega = DMatrix::zeros(n, n);
    for (e, w) in omega_var.iter().enumerate() {
        omega[(e, e)] = *w;
    }
    omega
}

/// Eta pairs (i > j) that an omega block occupies.
type EtaPairs = Vec<(usize, usize)>;

/// Omega with the covariances of `[omega_block]` and the eta pairs (i > j) they occupy.
fn omega_with_block(
    params: &Parameters,
    names: &[&str],
    b: &OmegaBlockFile,
) -> Result<(DMatrix<f64>, EtaPairs)> {
    check_block_correlations(b)?;
    let mut idx = Vec::new();
    for p in &b.parameters {
        let e = names
            .iter()
            .position(|x| x == p)
            .and_then(|k| params.eta_parameter.iter().position(|&ep| ep == k))
            .ok_or_else(|| {
                Error::input(
                    "omega_block.parameters",
                    format!("\"{p}\" is not a parameter with an omega"),
                )
            })?;
        idx.push(e);
    }
    if idx.len() < 2 {
        return Err(Error::input(
            "omega_block.parameters",
            "needs at least two parameters",
        ));
    }
    let mut omega = diagonal_omega(&params.omega_var);
    let mut omega_pairs = Vec::new();
    for (a, &i) in idx.iter().enumerate() {
        for (bb, &j) in idx[..a].iter().enumerate() {
            let r = block_correlation(b, &b.parameters[a], &b.parameters[bb])?;
            let (hi, lo) = if i > j { (i, j) } else { (j, i) };
            let c = r * (omega[(hi, hi)] * omega[(lo, lo)]).sqrt();
            omega[(hi, lo)] = c;
            omega[(lo, hi)] = c;
            omega_pairs.push((hi, lo));
        }
    }
    if omega.clone().cholesky().is_none() {
        return Err(Error::input(
            "omega_block.correlation",
            "gives an omega matrix that is not positive definite",
        ));
    }
    Ok((omega, omega_pairs))
}

/// The block's correlations are in (-1, 1) and each `correlations` key names two of its
/// parameters.
fn check_block_correlations(b: &OmegaBlockFile) -> Result<()> {
    let in_range = |r: f64| r.is_finite() && r.abs() < 1.0;
    if let Some(r) = b.correlation.filter(|r| !in_range(*r)) {
        return Err(Error::input(
            "omega_block.correlation",
            format!("{r} must be between -1 and 1"),
        ));
    }
    for (pair, &r) in &b.correlations {
        let names_ok = pair.split_once(',').is_some_and(|(x, y)| {
            b.parameters.contains(&x.trim().to_string())
                && b.parameters.contains(&y.trim().to_string())
                && x.trim() != y.trim()
        });
        if !names_ok {
            return Err(Error::input(
                format!("omega_block.correlations.\"{pair}\""),
                format!(
                    "name two different parameters of the block ({}), as \"a,b\"",
                    b.parameters.join(", ")
                ),
            ));
        }
        if !in_range(r) {
            return Err(Error::input(
                format!("omega_block.correlations.\"{pair}\""),
                format!("{r} must be between -1 and 1"),
            ));
        }
    }
    Ok(())
}

/// The correlation of the pair (`pa`, `pb`): its own entry in `correlations`, else the block's
/// `correlation`.
fn block_correlation(b: &OmegaBlockFile, pa: &str, pb: &str) -> Result<f64> {
    b.correlations
        .iter()
        .find(|(k, _)| {
            k.split_once(',').is_some_and(|(x, y)| {
                (x.trim() == pa && y.trim() == pb) || (x.trim() == pb && y.trim() == pa)
            })
        })
        .map(|(_, r)| *r)
        .or(b.correlation)
        .ok_or_else(|| {
            Error::input(
                "omega_block",
                format!("give correlation, or correlations.\"{pb},{pa}\" for this pair"),
            )
        })
}

fn resolve_error(e: &ErrorFile) -> Result<ErrorModel> {
    for (key, v) in [
        ("error.additive_sd", e.additive_sd),
        ("error.proportional_sd", e.proportional_sd),
    ] {
        if let Some(x) = v {
            if !(x.is_finite() && x > 0.0) {
                return Err(Error::input(
                    key,
                    format!("{x} must be a standard deviation > 0"),
                ));
            }
        }
    }
    if e.additive_sd.is_none() && e.proportional_sd.is_none() {
        return Err(Error::input(
            "error",
            "give additive_sd, proportional_sd or both",
        ));
    }
    Ok(ErrorModel {
        additive_sd: e.additive_sd,
        proportional_sd: e.proportional_sd,
        fixed: e.fixed,
    })
}
