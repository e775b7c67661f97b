//! The built-in data of levodose, embedded as text: the compound monographs (`compounds/*.toml`,
//! every value with its unit, source and status) and the editable templates (`templates/*.toml`).
//! The files live inside this crate so that nothing embeds a path reaching outside its crate;
//! parsing and validation belong to `levodose::monograph` and the scenario loaders.
//!
//! `examples/preclinical/lps_template.toml` and `examples/trial/madrs_8week.toml` are copies of the
//! templates for the README and the tests; a test below keeps them byte-identical.

/// The built-in compound monographs: (name, TOML text), in the order `levodose` lists them.
pub const BUILTIN_COMPOUNDS: &[(&str, &str)] = &[
    (
        "levomilnacipran",
        include_str!("../compounds/levomilnacipran.toml"),
    ),
    ("duloxetine", include_str!("../compounds/duloxetine.toml")),
    ("venlafaxine", include_str!("../compounds/venlafaxine.toml")),
    (
        "desvenlafaxine",
        include_str!("../compounds/desvenlafaxine.toml"),
    ),
];

/// The built-in LPS neuroinflammation template (seed protocol 1), every number editable.
pub const LPS_TEMPLATE: &str = include_str!("../templates/lps_template.toml");

/// The built-in trial template: seed protocol 2 (8-week MDD trial), every key editable.
pub const TRIAL_TEMPLATE: &str = include_str!("../templates/madrs_8week.toml");

/// The TOML text of a built-in monograph by its file name (exact, lower case; synonyms are
/// resolved by `levodose::monograph::builtin`, which parses the files).
pub fn compound_toml(name: &str) -> Option<&'static str> {
    BUILTIN_COMPOUNDS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_compound_is_found_by_name() {
        for (name, text) in BUILTIN_COMPOUNDS {
            assert_eq!(compound_toml(name), Some(*text));
            assert!(
                text.contains("[compound]"),
                "{name} has no [compound] table"
            );
        }
        assert_eq!(compound_toml("no-such-compound"), None);
    }
}
