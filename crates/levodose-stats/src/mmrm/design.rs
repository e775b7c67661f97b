//! Fixed-effects model matrix with R's coding rules, and SAS LS-means coefficient vectors.
//!
//! A factor in a term is coded by treatment contrasts (reference level dropped) when the term
//! without that factor is also in the model (the intercept counts as the empty term), and by
//! indicators of all levels otherwise, as R's `model.matrix` does. Columns of a term vary the
//! first variable fastest; names follow R (`ARMCDTRT:AVISITVIS2`).

use super::data::{Data, Variable};
use super::error::MmrmError;
use nalgebra::{DMatrix, DVector};

#[derive(Debug, Clone, Copy)]
enum Piece {
    Level { var: usize, level: usize },
    Numeric { var: usize },
}

/// The model matrix over the rows with an observed outcome.
#[derive(Debug, Clone)]
pub(crate) struct Design {
    pub names: Vec<String>,
    /// n_obs x p, rows in data order.
    pub x: DMatrix<f64>,
    /// Data row of each model-matrix row.
    pub rows: Vec<usize>,
    columns: Vec<Vec<Piece>>,
    /// Index of the formula term of each column (None for the intercept).
    pub term_of: Vec<Option<usize>>,
    /// Mean of each variable over the used rows (continuous variables only).
    means: Vec<f64>,
}

impl Design {
    pub fn build(data: &Data, intercept: bool, terms: &[Vec<String>]) -> Result<Design, MmrmError> {
        let rows: Vec<usize> = (0..data.n_rows())
            .filter(|&i| data.y[i].is_some())
            .collect();
        let var_index = |name: &str| -> Result<usize, MmrmError> {
            data.vars
                .iter()
                .position(|(n, _)| n == name)
                .ok_or_else(|| MmrmError::UnknownVariable(name.to_string()))
        };
        let sorted = |t: &[String]| {
            let mut s = t.to_vec();
            s.sort();
            s
        };
        let model_terms: Vec<Vec<String>> = terms.iter().map(|t| sorted(t)).collect();
        let mut names = Vec::new();
        let mut columns: Vec<Vec<Piece>> = Vec::new();
        let mut term_of = Vec::new();
        if intercept {
            names.push("(Intercept)".to_string());
            columns.push(Vec::new());
            term_of.push(None);
        }
        let mut empty_present = intercept;
        for (ti, term) in terms.iter().enumerate() {
            let mut choices: Vec<Vec<(String, Piece)>> = Vec::new();
            let mut full_coded = false;
            for v in term {
                let vi = var_index(v)?;
                match &data.vars[vi].1 {
                    Variable::Numeric(_) => {
                        choices.push(vec![(v.clone(), Piece::Numeric { var: vi })])
                    }
                    Variable::Factor {
                        levels, reference, ..
                    } => {
                        let rest: Vec<String> =
                            sorted(term).into_iter().filter(|x| x != v).collect();
                        let contrast = if rest.is_empty() {
                            empty_present
                        } else {
                            model_terms.contains(&rest)
                        };
                        full_coded |= !contrast && rest.is_empty();
                        choices.push(
                            levels
                                .iter()
                                .enumerate()
                                .filter(|(l, _)| !contrast || l != reference)
                                .map(|(l, name)| {
                                    (format!("{v}{name}"), Piece::Level { var: vi, level: l })
                                })
                                .collect(),
                        );
                    }
                }
            }
            empty_present |= full_coded;
            // Cartesian product; the outer loop over the new variable keeps earlier ones fastest.
            let mut combos: Vec<(Vec<String>, Vec<Piece>)> = vec![(Vec::new(), Vec::new())];
            for choice in &choices {
                let mut next = Vec::new();
                for (label, piece) in choice {
                    for (ls, ps) in &combos {
                        let mut ls = ls.clone();
                        let mut ps = ps.clone();
                        ls.push(label.clone());
                        ps.push(*piece);
                        next.push((ls, ps));
                    }
                }
                combos = next;
            }
            for (ls, ps) in combos {
                names.push(ls.join(":"));
                columns.push(ps);
                term_of.push(Some(ti));
            }
        }
        let p = columns.len();
        if p == 0 {
            return Err(MmrmError::Formula("the model has no fixed effects".into()));
        }
        let mut x = DMatrix::zeros(rows.len(), p);
        for (r, &row) in rows.iter().enumerate() {
            for (j, col) in columns.iter().enumerate() {
                x[(r, j)] = value(data, col, row);
            }
        }
        let mut means = vec![0.0; data.vars.len()];
        for (vi, (_, var)) in data.vars.iter().enumerate() {
            if let Variable::Numeric(vals) = var {
                means[vi] = rows.iter().map(|&r| vals[r]).sum::<f64>() / rows.len().max(1) as f64;
            }
        }
        let design = Design {
            names,
            x,
            rows,
            columns,
            term_of,
            means,
        };
        design.check_rank()?;
        Ok(design)
    }

    pub fn p(&self) -> usize {
        self.columns.len()
    }

    /// Incremental Cholesky of X'X (columns scaled to unit length): a column whose residual
    /// after projection on the earlier columns is below 1e-9 of its length is aliased.
    fn check_rank(&self) -> Result<(), MmrmError> {
        let p = self.p();
        let xtx = self.x.tr_mul(&self.x);
        let mut l = DMatrix::<f64>::zeros(p, p);
        for j in 0..p {
            let djj = xtx[(j, j)];
            if djj <= 0.0 {
                return Err(MmrmError::SingularDesign {
                    column: self.names[j].clone(),
                    reason: format!(
                        "it is zero in all {} rows with an observed outcome",
                        self.rows.len()
                    ),
                });
            }
            let s = djj.sqrt();
            for i in 0..j {
                let mut v = xtx[(j, i)] / (s * xtx[(i, i)].sqrt());
                for k in 0..i {
                    v -= l[(j, k)] * l[(i, k)];
                }
                l[(j, i)] = v / l[(i, i)];
            }
            let rem = 1.0 - (0..j).map(|k| l[(j, k)].powi(2)).sum::<f64>();
            if rem <= 1e-9 {
                return Err(MmrmError::SingularDesign {
                    column: self.names[j].clone(),
                    reason:
                        "it is a linear combination of the columns before it (collinear covariate \
                             or an empty cell)"
                            .into(),
                });
            }
            l[(j, j)] = rem.sqrt();
        }
        if self.rows.len() <= p {
            return Err(MmrmError::Data(format!(
                "{} observed outcomes for {p} fixed effects: too few to estimate the model",
                self.rows.len()
            )));
        }
        Ok(())
    }

    /// LS-means coefficients (SAS): factors in `at` at their given level, other factors with
    /// equal weight 1/levels on each level, continuous variables at their mean over used rows.
    pub fn lsmeans_vector(&self, data: &Data, at: &[(usize, usize)]) -> DVector<f64> {
        DVector::from_iterator(
            self.p(),
            self.columns.iter().map(|col| {
                col.iter()
                    .map(|piece| match *piece {
                        Piece::Numeric { var } => self.means[var],
                        Piece::Level { var, level } => match at.iter().find(|(v, _)| *v == var) {
                            Some(&(_, l)) => f64::from(u8::from(l == level)),
                            None => match &data.vars[var].1 {
                                Variable::Factor { levels, .. } => 1.0 / levels.len() as f64,
                                Variable::Numeric(_) => 0.0,
                            },
                        },
                    })
                    .product()
            }),
        )
    }

    /// Whether a variable appears in any model term.
    pub fn uses(&self, var: usize) -> bool {
        self.columns.iter().flatten().any(|p| match *p {
            Piece::Level { var: v, .. } | Piece::Numeric { var: v } => v == var,
        })
    }
}

fn value(data: &Data, col: &[Piece], row: usize) -> f64 {
    col.iter()
        .map(|piece| match *piece {
            Piece::Numeric { var } => match &data.vars[var].1 {
                Variable::Numeric(v) => v[row],
                Variable::Factor { .. } => 0.0,
            },
            Piece::Level { var, level } => match &data.vars[var].1 {
                Variable::Factor { codes, .. } => f64::from(u8::from(codes[row] == level)),
                Variable::Numeric(_) => 0.0,
            },
        })
        .product()
}
