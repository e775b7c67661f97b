//! Unblinding with the key written by `design preclinical` (`blinding_key.csv`: code, group,
//! dose_mg_per_kg): replaces blind codes in the group column by group names and supplies doses.

use crate::error::{Error, Result};

/// One key entry.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyEntry {
    pub code: String,
    pub group: String,
    pub dose_mg_per_kg: Option<f64>,
}

/// Maps every label to its group name; a label that is not a code is an error naming the row.
pub fn apply(groups: &[String], key: &[KeyEntry]) -> Result<Vec<String>> {
    groups
        .iter()
        .enumerate()
        .map(|(row, g)| {
            key.iter()
                .find(|k| &k.code == g)
                .map(|k| k.group.clone())
                .ok_or_else(|| {
                    let codes: Vec<&str> = key.iter().map(|k| k.code.as_str()).collect();
                    Error::input(
                        "--unblind",
                        format!(
                            "data row {}: group label '{g}' is not a code of the key (codes: {})",
                            row + 1,
                            codes.join(", ")
                        ),
                    )
                })
        })
        .collect()
}
