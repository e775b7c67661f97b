//! `report.html` of `levodose fit --out`: the answer first (converged? OFV), the estimates
//! with their precision, variability with shrinkage, residual error, findings by severity, the
//! figures inline and the inputs. Built from the same `FitResult` and `Vpc` as fit.json.

use levodose::finding::Severity;
use levodose_fit::estimate::FitResult;
use levodose_fit::vpc::Vpc;
use levodose_report::{Answer, Document, Figure, Section, Table};

/// The rendered figures of the report, by section.
pub struct FitFigures {
    pub goodness_of_fit: Vec<Figure>,
    pub individual: Vec<Figure>,
    /// Subjects in the dataset (individual figures are capped).
    pub n_subjects: usize,
    pub vpc: Figure,
}

fn opt(x: Option<f64>, decimals: usize) -> String {
    x.map(|v| format!("{v:.decimals$}"))
        .unwrap_or_else(|| "-".into())
}

fn answer(r: &FitResult) -> Answer {
    let errors = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    let mut details = vec![
        format!(
            "{} ({}), {} iterations",
            r.method, r.structure, r.iterations
        ),
        format!(
            "{} subjects, {} observations in the likelihood",
            r.n_subjects, r.n_observations
        ),
        match &r.covariance {
            Some(c) => format!(
                "Covariance step {:?}: condition number {:.1}",
                c.method, c.condition_number
            ),
            None => "No standard errors (covariance step skipped or failed; see findings)".into(),
        },
    ];
    if errors + warnings > 0 {
        details.push(format!(
            "{errors} error(s) and {warnings} warning(s) in the findings below"
        ));
    }
    Answer {
        headline: format!(
            "{}: OFV {:.4}",
            if r.converged {
                "Converged"
            } else {
                "NOT converged"
            },
            r.ofv
        ),
        details,
        positive: r.converged && errors == 0,
    }
}

fn parameter_table(r: &FitResult) -> Table {
    Table {
        caption: "Fixed effects (typical values on the natural scale; covariate coefficients as estimated)".into(),
        header: vec![
            "parameter".into(),
            "estimate".into(),
            "SE".into(),
            "RSE (%)".into(),
        ],
        rows: r
            .parameters
            .iter()
            .map(|(k, p)| {
                vec![
                    k.clone(),
                    format!("{:.5}", p.estimate),
                    opt(p.se, 5),
                    opt(p.rse_pct, 1),
                ]
            })
            .collect(),
        note: Some("Units: cl L/h, v L, ka 1/h, lag h (amounts / V in DV units). SE from the covariance step; '-' when there is none.".into()),
    }
}

fn omega_table(r: &FitResult) -> Table {
    let mut rows: Vec<Vec<String>> = r
        .omega
        .iter()
        .map(|(k, o)| {
            vec![
                format!("eta_{k}"),
                format!("{:.5}", o.variance),
                format!("{:.1}", o.cv_pct),
                opt(o.se, 5),
                opt(r.shrinkage_pct.get(&format!("eta_{k}")).copied(), 1),
            ]
        })
        .collect();
    for (k, c) in &r.omega_correlation {
        rows.push(vec![
            format!("correlation {k}"),
            format!("{c:.3}"),
            "-".into(),
            "-".into(),
            "-".into(),
        ]);
    }
    Table {
        caption: "Inter-individual variability (omega)".into(),
        header: vec![
            "eta".into(),
            "variance".into(),
            "CV (%)".into(),
            "SE".into(),
            "shrinkage (%)".into(),
        ],
        rows,
        note: Some("CV % = 100 sqrt(exp(omega^2) - 1); shrinkage SD-based as NONMEM: 100 (1 - SD(eta) / omega).".into()),
    }
}

fn sigma_table(r: &FitResult) -> Table {
    let mut rows = Vec::new();
    if let Some(a) = r.sigma.additive_sd {
        rows.push(vec![
            "additive SD".into(),
            format!("{a:.5}"),
            opt(r.sigma.additive_sd_se, 5),
        ]);
    }
    if let Some(p) = r.sigma.proportional_sd {
        rows.push(vec![
            "proportional SD".into(),
            format!("{p:.5}"),
            opt(r.sigma.proportional_sd_se, 5),
        ]);
    }
    Table {
        caption: "Residual error (sigma)".into(),
        header: vec!["term".into(), "estimate".into(), "SE".into()],
        rows,
        note: Some(format!(
            "Epsilon shrinkage {} %. Additive SD in DV units; proportional SD as a fraction.",
            opt(r.shrinkage_pct.get("epsilon").copied(), 1)
        )),
    }
}

fn vpc_table(v: &Vpc) -> Table {
    let iv = |i: &levodose_fit::vpc::Interval| {
        format!("{:.3} ({:.3}-{:.3})", i.median, i.lower, i.upper)
    };
    Table {
        caption: "VPC bins: observed percentiles and simulated medians (95 % interval)".into(),
        header: vec![
            "time (h)".into(),
            "n".into(),
            "obs 5th".into(),
            "sim 5th".into(),
            "obs median".into(),
            "sim median".into(),
            "obs 95th".into(),
            "sim 95th".into(),
        ],
        rows: v
            .bins
            .iter()
            .map(|b| {
                vec![
                    if b.lower_h == b.upper_h {
                        format!("{}", b.lower_h)
                    } else {
                        format!("{}-{}", b.lower_h, b.upper_h)
                    },
                    b.n_observations.to_string(),
                    format!("{:.3}", b.observed.p05),
                    iv(&b.simulated.p05),
                    format!("{:.3}", b.observed.p50),
                    iv(&b.simulated.p50),
                    format!("{:.3}", b.observed.p95),
                    iv(&b.simulated.p95),
                ]
            })
            .collect(),
        note: Some("Concentrations in DV units. The same numbers are in vpc.csv.".into()),
    }
}

/// The report document of a fit.
pub fn document(
    r: &FitResult,
    v: &Vpc,
    title: String,
    inputs: Vec<(String, String)>,
    figures: FitFigures,
) -> Document {
    let shown = figures.individual.len();
    Document {
        title,
        command: None,
        inputs,
        answer: answer(r),
        sections: vec![
            Section {
                heading: "Estimates".into(),
                tables: vec![parameter_table(r), omega_table(r), sigma_table(r)],
                ..Default::default()
            },
            Section {
                heading: "Goodness of fit".into(),
                paragraphs: vec!["PRED, IPRED, IWRES and CWRES of every observation are in table.csv.".into()],
                figures: figures.goodness_of_fit,
                ..Default::default()
            },
            Section {
                heading: "Individual fits".into(),
                paragraphs: vec![if shown < figures.n_subjects {
                    format!(
                        "The first {shown} of {} subjects (dataset order) are shown; every subject's post hoc parameters are in fit.json.",
                        figures.n_subjects
                    )
                } else {
                    format!("All {shown} subjects.")
                }],
                figures: figures.individual,
                ..Default::default()
            },
            Section {
                heading: "Visual predictive check".into(),
                paragraphs: vec![format!(
                    "{} replicates of the dataset's design (same doses, sampling times and covariates) simulated from the fitted model with inter-individual variability and residual error (seed {}, one ChaCha stream per replicate). Bins: {}. A model that describes the data has the observed percentiles inside the shaded 95 % intervals in most bins.",
                    v.replicates, v.seed, v.binning
                )],
                tables: vec![vpc_table(v)],
                figures: vec![figures.vpc],
            },
        ],
        findings: r.findings.clone(),
        sources: vec![],
        research_note: crate::research_note().to_string(),
        links: vec![],
    }
}
