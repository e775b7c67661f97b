//! One spelling of each metric across commands. The canonical name is snake_case, as the JSON
//! fields are (`net_occupancy_trough`); dotted (`net_occupancy.trough`) and hyphenated
//! (`net-occupancy-trough`) spellings, in any case, are accepted as aliases, and the caller
//! reports a note so the user learns the canonical name that every output prints.

/// The canonical spelling of a metric name: lower case, `.` and `-` written as `_`.
pub fn canonical(text: &str) -> String {
    text.trim().to_ascii_lowercase().replace(['.', '-'], "_")
}

/// A note when `text` is an alias of its canonical name (None when already canonical).
pub fn alias_note(text: &str) -> Option<String> {
    let c = canonical(text);
    (text.trim() != c).then(|| {
        format!(
            "metric \"{}\" is an alias of \"{c}\", the name every output uses",
            text.trim()
        )
    })
}

/// Alias notes of the metrics of several target or metric expressions (`METRIC>=X` allowed).
pub fn alias_notes(texts: &[String]) -> Vec<String> {
    let mut notes: Vec<String> = texts
        .iter()
        .filter_map(|t| {
            let lhs = t.split(['>', '<', '=']).next().unwrap_or(t);
            alias_note(lhs)
        })
        .collect();
    notes.dedup();
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_map_to_one_canonical_name() {
        for alias in [
            "net_occupancy.trough",
            "net-occupancy-trough",
            "NET_OCCUPANCY_TROUGH",
        ] {
            assert_eq!(canonical(alias), "net_occupancy_trough");
            assert!(alias_note(alias)
                .unwrap()
                .contains("\"net_occupancy_trough\""));
        }
        assert_eq!(alias_note("net_occupancy_trough"), None);
        assert_eq!(
            alias_notes(&[
                "net_occupancy.trough>=0.8".into(),
                "cmax_ng_per_ml<=400".into()
            ])
            .len(),
            1
        );
    }
}
