//! The study table and the containers the endpoint modules share: the parsed data
//! (`StudyData`), endpoints in output order (`Ordered`) and the split of a column by group. In
//! their own file so that `qpcr`, `western`, `locomotor` and `derived` do not import `study/mod.rs`,
//! which calls them.

use crate::error::{Error, Result};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// A parsed study table: one group label and one value (or missing) per animal and column.
#[derive(Debug, Clone)]
pub struct StudyData {
    pub group: Vec<String>,
    /// Numeric columns by name, each with one entry per animal (None = empty cell).
    pub columns: Vec<(String, Vec<Option<f64>>)>,
}

impl StudyData {
    pub fn column(&self, name: &str, flag: &str) -> Result<&[Option<f64>]> {
        self.columns
            .iter()
            .find(|c| c.0 == name)
            .map(|c| c.1.as_slice())
            .ok_or_else(|| {
                let names: Vec<&str> = self.columns.iter().map(|c| c.0.as_str()).collect();
                Error::input(
                    flag,
                    format!("no column '{name}' (numeric columns: {})", names.join(", ")),
                )
            })
    }
}

/// Endpoints in output order; serialised as a JSON object keyed by endpoint name.
#[derive(Debug, Clone)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<T: Serialize> Serialize for Ordered<T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<T> Ordered<T> {
    pub fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().find(|e| e.0 == key).map(|e| &e.1)
    }
}

/// Splits a per-animal column into per-group values and missing counts.
pub fn by_group(values: &[Option<f64>], idx: &[usize], k: usize) -> (Vec<Vec<f64>>, Vec<usize>) {
    let mut v = vec![Vec::new(); k];
    let mut miss = vec![0; k];
    for (x, &g) in values.iter().zip(idx) {
        match x {
            Some(x) => v[g].push(*x),
            None => miss[g] += 1,
        }
    }
    (v, miss)
}
