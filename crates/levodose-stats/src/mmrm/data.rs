//! Long-format data for an MMRM: one row per subject and visit, outcome possibly missing.

use super::error::MmrmError;

/// A model variable: a classification factor (levels, reference level, one code per row) or a
/// continuous covariate.
#[derive(Debug, Clone)]
pub enum Variable {
    Factor {
        levels: Vec<String>,
        reference: usize,
        codes: Vec<usize>,
    },
    Numeric(Vec<f64>),
}

/// MMRM input. The visit is also a factor variable named `visit_name` (reference: the first
/// visit unless changed with [`Data::set_reference`]); covariance rows follow `visit_labels`.
#[derive(Debug, Clone)]
pub struct Data {
    pub(crate) subject: Vec<usize>,
    pub(crate) visit: Vec<usize>,
    pub(crate) y: Vec<Option<f64>>,
    pub(crate) visit_labels: Vec<String>,
    pub(crate) vars: Vec<(String, Variable)>,
}

impl Data {
    /// `subject[i]` is any subject key, `visit[i]` indexes `visit_labels`, `y[i]` is the outcome
    /// (`None` = missing; the row is dropped from the likelihood, which is valid under MAR).
    pub fn new(
        visit_name: &str,
        visit_labels: Vec<String>,
        subject: Vec<usize>,
        visit: Vec<usize>,
        y: Vec<Option<f64>>,
    ) -> Result<Data, MmrmError> {
        let n = subject.len();
        if visit.len() != n || y.len() != n {
            return Err(MmrmError::Data(format!(
                "subject ({n}), visit ({}) and outcome ({}) must have the same length",
                visit.len(),
                y.len()
            )));
        }
        if visit_labels.is_empty() || visit_labels.len() > 64 {
            return Err(MmrmError::Data(format!(
                "{} visits given: 1 to 64 are supported",
                visit_labels.len()
            )));
        }
        if let Some(&v) = visit.iter().find(|&&v| v >= visit_labels.len()) {
            return Err(MmrmError::Data(format!("visit index {v} is out of range")));
        }
        if let Some(v) = y.iter().flatten().find(|v| !v.is_finite()) {
            return Err(MmrmError::Data(format!(
                "outcome {v} is not a finite number"
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for (s, v) in subject.iter().zip(&visit) {
            if !seen.insert((*s, *v)) {
                return Err(MmrmError::Data(format!(
                    "subject {s} has more than one row for visit {}",
                    visit_labels[*v]
                )));
            }
        }
        let vars = vec![(
            visit_name.to_string(),
            Variable::Factor {
                levels: visit_labels.clone(),
                reference: 0,
                codes: visit.clone(),
            },
        )];
        Ok(Data {
            subject,
            visit,
            y,
            visit_labels,
            vars,
        })
    }

    /// Adds a classification factor; the reference level is the first unless set otherwise.
    pub fn add_factor(
        &mut self,
        name: &str,
        levels: Vec<String>,
        codes: Vec<usize>,
    ) -> Result<(), MmrmError> {
        self.check_new(name, codes.len())?;
        if let Some(&c) = codes.iter().find(|&&c| c >= levels.len()) {
            return Err(MmrmError::Data(format!(
                "{name}: level index {c} is out of range"
            )));
        }
        self.vars.push((
            name.to_string(),
            Variable::Factor {
                levels,
                reference: 0,
                codes,
            },
        ));
        Ok(())
    }

    /// Adds a continuous covariate (finite values).
    pub fn add_numeric(&mut self, name: &str, values: Vec<f64>) -> Result<(), MmrmError> {
        self.check_new(name, values.len())?;
        if values.iter().any(|v| !v.is_finite()) {
            return Err(MmrmError::Data(format!(
                "{name}: values must be finite numbers"
            )));
        }
        self.vars
            .push((name.to_string(), Variable::Numeric(values)));
        Ok(())
    }

    /// Sets the reference level of a factor (the comparator for its effects).
    pub fn set_reference(&mut self, name: &str, level: &str) -> Result<(), MmrmError> {
        match self.vars.iter_mut().find(|(n, _)| n == name) {
            Some((
                _,
                Variable::Factor {
                    levels, reference, ..
                },
            )) => {
                *reference = levels.iter().position(|l| l == level).ok_or_else(|| {
                    MmrmError::Data(format!(
                        "reference level `{level}` of {name} is not one of: {}",
                        levels.join(", ")
                    ))
                })?;
                Ok(())
            }
            Some(_) => Err(MmrmError::Data(format!(
                "{name} is continuous: it has no reference level"
            ))),
            None => Err(MmrmError::UnknownVariable(name.to_string())),
        }
    }

    pub fn n_rows(&self) -> usize {
        self.subject.len()
    }

    pub fn visit_labels(&self) -> &[String] {
        &self.visit_labels
    }

    fn check_new(&self, name: &str, len: usize) -> Result<(), MmrmError> {
        if self.vars.iter().any(|(n, _)| n == name) {
            return Err(MmrmError::Data(format!("variable {name} is defined twice")));
        }
        if len != self.n_rows() {
            return Err(MmrmError::Data(format!(
                "{name} has {len} values for {} rows",
                self.n_rows()
            )));
        }
        Ok(())
    }
}
