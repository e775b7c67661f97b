//! Dose-response fits: four-parameter log-logistic (`ll4`) and Emax (`emax`, `emax0`) by
//! least squares (Levenberg–Marquardt, analytic Jacobians).
//!
//! Standard errors are the Wald SEs of R `nls`: Cov(θ̂) = σ̂²(JᵀJ)⁻¹ at the optimum,
//! σ̂² = RSS/(n − p). The ED50 (EC50) is estimated on the log scale; its natural-scale SE is the
//! delta-method SE(ED50) = ED50·SE(log ED50), exact for Wald SEs under reparameterisation.
//! The ED50 interval is Wald on the log scale with the t quantile on the residual df:
//! exp(log ED50 ± t_{1−α/2, n−p}·SE(log ED50)).
//! AIC as R's `AIC()` for `nls`: n·log(2π·RSS/n) + n + 2(p + 1).

mod diagnostics;
pub mod lm;
mod models;

pub use diagnostics::{Finding, Severity, PLATEAU_FRACTION, RISING_MIN_DOSES, RISING_RANGE};
pub use models::Model;

use diagnostics::distinct_doses;
use lm::{LeastSquaresProblem, LevenbergMarquardt, Solver, SolverFailure};
use nalgebra::{DMatrix, DVector};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Errors of a dose-response fit. Data errors name the field; fit errors say why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DoseResponseError {
    #[error("dose and response have different lengths ({doses} vs {responses})")]
    LengthMismatch { doses: usize, responses: usize },
    #[error("{field}[{index}] = {value} is not a finite number")]
    NonFinite {
        field: &'static str,
        index: usize,
        value: f64,
    },
    #[error("dose[{index}] = {value} is negative: doses must be >= 0")]
    NegativeDose { index: usize, value: f64 },
    #[error(
        "model {model} has {params} parameters: it needs more than {params} points and at least \
         {params} distinct doses (got {n} points, {distinct} distinct doses)"
    )]
    TooFewPoints {
        model: Model,
        params: usize,
        n: usize,
        distinct: usize,
    },
    #[error("confidence level {0} is outside (0, 1)")]
    InvalidLevel(f64),
    #[error("model {model}: the fit did not converge ({reason})")]
    NotConverged { model: Model, reason: String },
    #[error("model {model}: the parameters are not determined by the data ({reason})")]
    NotIdentifiable { model: Model, reason: String },
}

impl DoseResponseError {
    /// The error as an error-severity finding.
    pub fn to_finding(&self) -> Finding {
        let code = match self {
            DoseResponseError::NotConverged { .. } => "not_converged",
            DoseResponseError::NotIdentifiable { .. } => "not_identifiable",
            DoseResponseError::TooFewPoints { .. } => "too_few_points",
            _ => "invalid_data",
        };
        Finding::new(
            code,
            Severity::Error,
            self.to_string(),
            "dose_response::fit",
        )
    }
}

/// Fit settings: the solver and the confidence level of the ED50 interval.
#[derive(Clone, Debug)]
pub struct FitOptions {
    pub solver: LevenbergMarquardt,
    pub level: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            solver: LevenbergMarquardt::default(),
            level: 0.95,
        }
    }
}

/// A parameter estimate on the natural scale with its Wald standard error.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Parameter {
    pub name: &'static str,
    pub estimate: f64,
    pub se: f64,
}

/// ED50 with its Wald interval on the log scale.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Ed50 {
    pub estimate: f64,
    /// SE(log ED50).
    pub se_log: f64,
    pub lower: f64,
    pub upper: f64,
    pub level: f64,
}

/// The fitted mean at a dose with a pointwise confidence interval (delta method, t quantile).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MeanCi {
    pub estimate: f64,
    pub se: f64,
    pub lower: f64,
    pub upper: f64,
}

/// A converged least-squares fit.
#[derive(Clone, Debug, Serialize)]
pub struct Fit {
    pub model: Model,
    pub n: usize,
    pub parameters: Vec<Parameter>,
    pub ed50: Ed50,
    pub residual_se: f64,
    pub df: usize,
    pub rss: f64,
    pub aic: f64,
    pub iterations: usize,
    pub findings: Vec<Finding>,
    #[serde(skip)]
    theta: Vec<f64>,
    #[serde(skip)]
    covariance: DMatrix<f64>,
}

/// One row of a model comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub model: Model,
    pub aic: Option<f64>,
    pub converged: bool,
    pub message: Option<String>,
}

struct CurveProblem<'a> {
    model: Model,
    x: &'a [f64],
    y: &'a [f64],
}

impl LeastSquaresProblem for CurveProblem<'_> {
    fn n_params(&self) -> usize {
        self.model.n_params()
    }
    fn residuals(&self, theta: &DVector<f64>) -> DVector<f64> {
        DVector::from_iterator(
            self.x.len(),
            self.x
                .iter()
                .zip(self.y)
                .map(|(&x, &y)| self.model.mean(theta.as_slice(), x) - y),
        )
    }
    fn jacobian(&self, theta: &DVector<f64>) -> DMatrix<f64> {
        let p = self.model.n_params();
        let mut j = DMatrix::zeros(self.x.len(), p);
        let mut g = vec![0.0; p];
        for (i, &x) in self.x.iter().enumerate() {
            self.model.gradient(theta.as_slice(), x, &mut g);
            for (k, gk) in g.iter().enumerate() {
                j[(i, k)] = *gk;
            }
        }
        j
    }
}

fn validate(model: Model, doses: &[f64], responses: &[f64]) -> Result<usize, DoseResponseError> {
    if doses.len() != responses.len() {
        return Err(DoseResponseError::LengthMismatch {
            doses: doses.len(),
            responses: responses.len(),
        });
    }
    for (field, v) in [("dose", doses), ("response", responses)] {
        if let Some((index, &value)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(DoseResponseError::NonFinite {
                field,
                index,
                value,
            });
        }
    }
    if let Some((index, &value)) = doses.iter().enumerate().find(|(_, &x)| x < 0.0) {
        return Err(DoseResponseError::NegativeDose { index, value });
    }
    let distinct = distinct_doses(doses).len();
    let params = model.n_params();
    let positive = doses.iter().any(|&d| d > 0.0);
    if doses.len() <= params || distinct < params || !positive {
        return Err(DoseResponseError::TooFewPoints {
            model,
            params,
            n: doses.len(),
            distinct,
        });
    }
    Ok(distinct)
}

fn t_quantile(level: f64, df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|t| t.inverse_cdf(0.5 + level / 2.0))
        .unwrap_or(f64::NAN)
}

/// Fits `model` with default options (LM solver, 95 % ED50 interval).
pub fn fit(doses: &[f64], responses: &[f64], model: Model) -> Result<Fit, DoseResponseError> {
    fit_with(doses, responses, model, &FitOptions::default())
}

/// Fits `model` to (dose, response) pairs.
pub fn fit_with(
    doses: &[f64],
    responses: &[f64],
    model: Model,
    options: &FitOptions,
) -> Result<Fit, DoseResponseError> {
    if !(options.level > 0.0 && options.level < 1.0) {
        return Err(DoseResponseError::InvalidLevel(options.level));
    }
    validate(model, doses, responses)?;
    let not_identifiable = |reason: String| DoseResponseError::NotIdentifiable { model, reason };
    let start = model.start(doses, responses).ok_or_else(|| {
        not_identifiable("no starting values: the responses do not vary with dose".into())
    })?;
    let problem = CurveProblem {
        model,
        x: doses,
        y: responses,
    };
    let solution = options
        .solver
        .minimize(&problem, DVector::from_vec(start))
        .map_err(|f| {
            let reason = match f {
                SolverFailure::NonFiniteStart => {
                    "non-finite values at the starting point".to_string()
                }
                SolverFailure::MaxIterations { iterations, rss } => {
                    format!("no convergence after {iterations} iterations, RSS {rss:.6e}")
                }
                SolverFailure::Stalled { iterations, rss } => {
                    format!("no step reduces the RSS after {iterations} iterations, RSS {rss:.6e}")
                }
            };
            DoseResponseError::NotConverged { model, reason }
        })?;
    let mut theta = solution.theta.as_slice().to_vec();
    model.canonical(&mut theta);
    if theta.iter().any(|v| !v.is_finite()) {
        return Err(DoseResponseError::NotConverged {
            model,
            reason: "non-finite estimates".into(),
        });
    }

    let k = model.ed50_index();
    let positive: Vec<f64> = doses.iter().copied().filter(|&d| d > 0.0).collect();
    let lo = positive.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = positive.iter().copied().fold(0.0, f64::max);
    let ed50 = theta[k].exp();
    if !(ed50 > lo * 1e-3 && ed50 < hi * 1e3) {
        return Err(not_identifiable(format!(
            "ED50 drifted to {ed50:.4e}, more than 1000-fold outside the positive doses [{lo}, {hi}]"
        )));
    }

    let theta_v = DVector::from_vec(theta.clone());
    let j = problem.jacobian(&theta_v);
    let rss = problem.residuals(&theta_v).norm_squared();
    let a = j.transpose() * &j;
    let p = model.n_params();
    let n = doses.len();
    let diag: Vec<f64> = (0..p).map(|i| a[(i, i)]).collect();
    if diag.iter().any(|&d| d.is_nan() || d <= 0.0) {
        return Err(not_identifiable(
            "a parameter does not affect the fitted curve".into(),
        ));
    }
    let scaled = DMatrix::from_fn(p, p, |r, c| a[(r, c)] / (diag[r] * diag[c]).sqrt());
    let eig = scaled.clone().symmetric_eigen().eigenvalues;
    let (emin, emax) = eig.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &e| {
        (lo.min(e), hi.max(e))
    });
    if emin.is_nan() || emin <= 1e-12 * emax {
        return Err(not_identifiable(format!(
            "the Jacobian is (nearly) rank deficient, reciprocal condition number {:.1e}",
            emin / emax
        )));
    }
    let inv_scaled = scaled
        .cholesky()
        .ok_or_else(|| not_identifiable("JᵀJ is not positive definite".into()))?
        .inverse();
    let df = n - p;
    let sigma2 = rss / df as f64;
    let covariance = DMatrix::from_fn(p, p, |r, c| {
        sigma2 * inv_scaled[(r, c)] / (diag[r] * diag[c]).sqrt()
    });

    let (natural, jac) = model.to_natural(&theta);
    let parameters = model
        .parameter_names()
        .iter()
        .enumerate()
        .map(|(i, &name)| Parameter {
            name,
            estimate: natural[i],
            se: jac[i].abs() * covariance[(i, i)].sqrt(),
        })
        .collect();
    let se_log = covariance[(k, k)].sqrt();
    let tq = t_quantile(options.level, df);
    let nf = n as f64;
    let aic = nf * (2.0 * std::f64::consts::PI * rss / nf).ln() + nf + 2.0 * (p as f64 + 1.0);
    let mut fit = Fit {
        model,
        n,
        parameters,
        ed50: Ed50 {
            estimate: ed50,
            se_log,
            lower: (theta[k] - tq * se_log).exp(),
            upper: (theta[k] + tq * se_log).exp(),
            level: options.level,
        },
        residual_se: sigma2.sqrt(),
        df,
        rss,
        aic,
        iterations: solution.iterations,
        findings: Vec::new(),
        theta,
        covariance,
    };
    let curve = diagnostics::FittedCurve {
        model: fit.model,
        theta: &fit.theta,
        ed50: fit.ed50.estimate,
        n: fit.n,
        df: fit.df,
    };
    fit.findings = diagnostics::findings(&curve, doses);
    Ok(fit)
}

/// AIC difference beyond which another model is reported as better supported than the one
/// asked for (Burnham & Anderson 2002, Model Selection and Multimodel Inference, 2nd ed., §2.6:
/// models within 2 AIC units have substantial support, beyond that considerably less).
pub const AIC_BETTER_BY: f64 = 2.0;

/// Findings of a model comparison for the reported `fit`: models that could not be fitted, and
/// any model whose AIC is lower than the reported model's by more than [`AIC_BETTER_BY`]
/// (named, best first). The reported model stays the one the user asked for.
pub fn comparison_findings(fit: &Fit, comparison: &[Comparison]) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in comparison.iter().filter(|c| !c.converged) {
        out.push(Finding::new(
            "comparison_fit_failed",
            Severity::Info,
            format!(
                "model {} could not be fitted for the comparison: {}",
                c.model,
                c.message.as_deref().unwrap_or("unknown reason")
            ),
            "dose_response::compare",
        ));
    }
    let mut better: Vec<(Model, f64)> = comparison
        .iter()
        .filter(|c| c.model != fit.model)
        .filter_map(|c| c.aic.map(|a| (c.model, a)))
        .filter(|(_, a)| fit.aic - a > AIC_BETTER_BY)
        .collect();
    better.sort_by(|a, b| a.1.total_cmp(&b.1));
    if let Some(&(best, aic)) = better.first() {
        out.push(
            Finding::new(
                "better_model_by_aic",
                Severity::Warning,
                format!(
                    "model {best} fits better than the reported {} by {:.1} AIC units (AIC {:.1} vs {:.1}; more than {AIC_BETTER_BY} is a meaningful difference)",
                    fit.model,
                    fit.aic - aic,
                    aic,
                    fit.aic
                ),
                "Burnham & Anderson 2002, Model Selection and Multimodel Inference, section 2.6",
            )
            .with_suggestion(format!("report --model {best}, or say why {} is preferred", fit.model)),
        );
    }
    out
}

/// Fits every model and lists AIC (None where the fit failed).
pub fn compare(doses: &[f64], responses: &[f64]) -> Vec<Comparison> {
    Model::ALL
        .iter()
        .map(|&model| match fit(doses, responses, model) {
            Ok(f) => Comparison {
                model,
                aic: Some(f.aic),
                converged: true,
                message: None,
            },
            Err(e) => Comparison {
                model,
                aic: None,
                converged: false,
                message: Some(e.to_string()),
            },
        })
        .collect()
}

impl Fit {
    /// A parameter by name (natural scale).
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// Fitted mean response at `dose`.
    pub fn predict(&self, dose: f64) -> f64 {
        self.model.mean(&self.theta, dose)
    }

    /// Fraction of the fitted effect range reached at `dose` (0 low-dose end, 1 high-dose asymptote).
    pub fn effect_fraction(&self, dose: f64) -> f64 {
        self.model.effect_fraction(&self.theta, dose)
    }

    /// Covariance of the internal parameters (ED50 as log ED50), σ̂²(JᵀJ)⁻¹.
    pub fn internal_covariance(&self) -> &DMatrix<f64> {
        &self.covariance
    }

    /// Internal parameter estimates (ED50 as log ED50), in the order of `parameter_names`.
    pub fn internal_estimates(&self) -> &[f64] {
        &self.theta
    }

    /// Wald interval for ED50 on the log scale at `level`.
    pub fn ed50_interval(&self, level: f64) -> Result<Ed50, DoseResponseError> {
        if !(level > 0.0 && level < 1.0) {
            return Err(DoseResponseError::InvalidLevel(level));
        }
        let le = self.theta[self.model.ed50_index()];
        let tq = t_quantile(level, self.df);
        Ok(Ed50 {
            level,
            lower: (le - tq * self.ed50.se_log).exp(),
            upper: (le + tq * self.ed50.se_log).exp(),
            ..self.ed50
        })
    }

    /// Mean response at `dose` with a pointwise interval: f ± t_{1−α/2, df}·√(gᵀ Cov g),
    /// g = ∂f/∂θ (delta method).
    pub fn mean_ci(&self, dose: f64, level: f64) -> Result<MeanCi, DoseResponseError> {
        if !(level > 0.0 && level < 1.0) {
            return Err(DoseResponseError::InvalidLevel(level));
        }
        let p = self.theta.len();
        let mut g = vec![0.0; p];
        self.model.gradient(&self.theta, dose, &mut g);
        let g = DVector::from_vec(g);
        let se = (g.transpose() * &self.covariance * &g)[(0, 0)]
            .max(0.0)
            .sqrt();
        let estimate = self.predict(dose);
        let tq = t_quantile(level, self.df);
        Ok(MeanCi {
            estimate,
            se,
            lower: estimate - tq * se,
            upper: estimate + tq * se,
        })
    }
}
