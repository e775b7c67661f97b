//! Model formulas in R `mmrm` notation: `Y ~ A*B + C + D:E + us(VISIT | SUBJECT)`.
//!
//! `A*B` expands to `A + B + A:B` (all sub-interactions for longer products), `A:B` is the
//! interaction alone, `1` keeps and `0` / `-1` drops the intercept. Terms are ordered by degree
//! (main effects first) as R's `terms()` does, and each term's variables in formula order.

use super::error::MmrmError;

/// The covariance term `us(VISIT | SUBJECT)`: unstructured over visits within subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CovarianceTerm {
    pub visit: String,
    pub subject: String,
}

/// A parsed model formula.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    pub response: String,
    pub intercept: bool,
    /// Fixed-effect terms; each is the list of variables it multiplies.
    pub terms: Vec<Vec<String>>,
    pub covariance: Option<CovarianceTerm>,
}

impl Formula {
    /// Parses `response ~ rhs`.
    pub fn parse(text: &str) -> Result<Formula, MmrmError> {
        let (lhs, rhs) = text
            .split_once('~')
            .ok_or_else(|| MmrmError::Formula(format!("`{text}` has no `~`")))?;
        let response = lhs.trim().to_string();
        if !valid_name(&response) {
            return Err(MmrmError::Formula(format!(
                "response `{}` is not a column name",
                lhs.trim()
            )));
        }
        let rhs = parse_rhs(rhs)?;
        Ok(Formula {
            response,
            intercept: rhs.intercept,
            terms: rhs.terms,
            covariance: rhs.covariance,
        })
    }
}

/// The right-hand side only (no response), e.g. `ARM*VISIT + BASE:VISIT`.
pub(crate) struct Rhs {
    pub intercept: bool,
    pub terms: Vec<Vec<String>>,
    pub covariance: Option<CovarianceTerm>,
}

pub(crate) fn parse_rhs(rhs: &str) -> Result<Rhs, MmrmError> {
    let mut intercept = true;
    let mut covariance = None;
    let mut terms: Vec<Vec<String>> = Vec::new();
    let mut order: Vec<String> = Vec::new();
    for (negated, piece) in split_top_level(rhs)? {
        let piece = piece.trim();
        if piece.is_empty() {
            return Err(MmrmError::Formula(format!(
                "empty term in `{}`",
                rhs.trim()
            )));
        }
        if piece == "1" || piece == "0" {
            intercept = piece == "1" && !negated;
            continue;
        }
        if negated {
            return Err(MmrmError::Formula(format!(
                "`- {piece}`: only `- 1` is supported"
            )));
        }
        if let Some(inner) = piece.strip_prefix("us(").and_then(|s| s.strip_suffix(')')) {
            let (visit, subject) = inner.split_once('|').ok_or_else(|| {
                MmrmError::Formula(format!("`{piece}`: expected us(VISIT | SUBJECT)"))
            })?;
            let (visit, subject) = (visit.trim(), subject.trim());
            if !valid_name(visit) || !valid_name(subject) {
                return Err(MmrmError::Formula(format!(
                    "`{piece}`: expected us(VISIT | SUBJECT)"
                )));
            }
            if covariance.is_some() {
                return Err(MmrmError::Formula("more than one covariance term".into()));
            }
            covariance = Some(CovarianceTerm {
                visit: visit.into(),
                subject: subject.into(),
            });
            continue;
        }
        if piece.contains('(') || piece.contains(')') {
            return Err(MmrmError::Formula(format!(
                "`{piece}`: only the covariance structure us(VISIT | SUBJECT) is supported"
            )));
        }
        for term in expand_term(piece)? {
            for v in &term {
                if !order.contains(v) {
                    order.push(v.clone());
                }
            }
            let mut sorted = term.clone();
            sorted.sort();
            if !terms.iter().any(|t| {
                let mut s = t.clone();
                s.sort();
                s == sorted
            }) {
                terms.push(term);
            }
        }
    }
    for t in &mut terms {
        t.sort_by_key(|v| order.iter().position(|o| o == v));
    }
    terms.sort_by_key(|t| t.len());
    Ok(Rhs {
        intercept,
        terms,
        covariance,
    })
}

/// Splits at `+` and `-` outside parentheses; the flag marks a `-` term.
fn split_top_level(s: &str) -> Result<Vec<(bool, String)>, MmrmError> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    let mut negated = false;
    for ch in s.chars() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(MmrmError::Formula(format!(
                        "unbalanced `)` in `{}`",
                        s.trim()
                    )));
                }
            }
            _ => {}
        }
        if depth == 0 && (ch == '+' || ch == '-') {
            if !(cur.trim().is_empty() && out.is_empty()) {
                out.push((negated, std::mem::take(&mut cur)));
            }
            negated = ch == '-';
            continue;
        }
        cur.push(ch);
    }
    if depth != 0 {
        return Err(MmrmError::Formula(format!(
            "unbalanced `(` in `{}`",
            s.trim()
        )));
    }
    out.push((negated, cur));
    Ok(out)
}

/// `A*B:C` → products of the `*` factors, each factor a `:` interaction.
fn expand_term(piece: &str) -> Result<Vec<Vec<String>>, MmrmError> {
    let mut parts: Vec<Vec<String>> = Vec::new();
    for factor in piece.split('*') {
        let vars: Vec<String> = factor.split(':').map(|v| v.trim().to_string()).collect();
        if let Some(bad) = vars.iter().find(|v| !valid_name(v)) {
            return Err(MmrmError::Formula(format!(
                "`{bad}` in `{piece}` is not a column name"
            )));
        }
        parts.push(vars);
    }
    let n = parts.len();
    if n > 16 {
        return Err(MmrmError::Formula(format!(
            "`{piece}` has too many `*` factors"
        )));
    }
    let mut out = Vec::new();
    for mask in 1u32..(1 << n) {
        let mut term: Vec<String> = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            if mask & (1 << i) != 0 {
                for v in p {
                    if !term.contains(v) {
                        term.push(v.clone());
                    }
                }
            }
        }
        out.push(term);
    }
    out.sort_by_key(|t| t.len());
    Ok(out)
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && !s.chars().any(|c| "~+-*:()|^/ ".contains(c))
        && !s.chars().next().is_some_and(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_fev_formula() {
        let f = Formula::parse("FEV1 ~ ARMCD*AVISIT + RACE + SEX + us(AVISIT | USUBJID)").unwrap();
        assert_eq!(f.response, "FEV1");
        assert!(f.intercept);
        let terms: Vec<String> = f.terms.iter().map(|t| t.join(":")).collect();
        assert_eq!(terms, ["ARMCD", "AVISIT", "RACE", "SEX", "ARMCD:AVISIT"]);
        assert_eq!(
            f.covariance,
            Some(CovarianceTerm {
                visit: "AVISIT".into(),
                subject: "USUBJID".into()
            })
        );
    }

    #[test]
    fn rejects_bad_formulas() {
        for bad in [
            "FEV1 ARMCD",
            "FEV1 ~ ARMCD + ",
            "FEV1 ~ ar1(AVISIT | USUBJID)",
            "~ ARMCD",
            "Y ~ (A",
        ] {
            assert!(Formula::parse(bad).is_err(), "{bad}");
        }
        let f = Formula::parse("Y ~ A:B - 1").unwrap();
        assert!(!f.intercept);
        assert_eq!(f.terms, vec![vec!["A".to_string(), "B".to_string()]]);
    }
}
