//! The sources section: every reference of the monograph the result was computed from, with the
//! status (published / derived / assumed) of the values the monograph takes from it.

use crate::document::Source;
use levodose::monograph::Monograph;
use std::collections::BTreeMap;

/// One row per reference key, statuses joined ("published, derived"); values whose source is not a
/// reference (e.g. an assumption without citation) are listed under their source text.
pub fn sources_of(m: &Monograph) -> Vec<Source> {
    let mut statuses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for fact in m.facts() {
        let entry = statuses.entry(fact.source.clone()).or_default();
        if !entry.contains(&fact.status) {
            entry.push(fact.status.clone());
        }
    }
    let mut rows: Vec<Source> = m
        .references
        .iter()
        .map(|(key, r)| Source {
            key: key.clone(),
            citation: r.citation.clone(),
            address: r.address.clone(),
            status: statuses
                .remove(key)
                .map(|mut s| {
                    s.sort();
                    s.join(", ")
                })
                .unwrap_or_else(|| "cited".into()),
        })
        .collect();
    for (key, mut s) in statuses {
        s.sort();
        rows.push(Source {
            citation: format!("no reference entry: {key}"),
            key,
            address: String::new(),
            status: s.join(", "),
        });
    }
    rows
}
