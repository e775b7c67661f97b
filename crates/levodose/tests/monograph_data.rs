//! Monograph loading: the built-in files validate, and broken files name file, key and reason.

use levodose::monograph::{self, Status};

const LEVO: &str = include_str!("../../levodose-data/compounds/levomilnacipran.toml");

#[test]
fn builtin_monographs_load_with_sources() {
    for name in monograph::builtin_names() {
        let m = monograph::builtin(name).unwrap();
        let facts = m.facts();
        assert!(facts.len() >= 10, "{name}");
        assert!(
            facts.iter().all(|f| m.references.contains_key(&f.source)),
            "{name}"
        );
    }
    let m = monograph::builtin("Fetzima").unwrap();
    assert_eq!(m.compound.name, "levomilnacipran");
    assert_eq!(m.human.clearance_l_per_h.status, Status::Derived);
    assert!((m.salt_molar_mass().unwrap() - 282.81).abs() < 1e-9);
}

#[test]
fn broken_files_name_file_key_and_reason() {
    let cases = [
        (
            LEVO.replace("value = 92.2, unit = \"nM\"", "value = 92.2, unit = \"mg\""),
            "targets.net_ki_nm",
            "unit",
        ),
        (
            LEVO.replace(
                "source = \"AUCLAIR\", note = \"binding to human NET",
                "source = \"NOWHERE\", note = \"binding to human NET",
            ),
            "net_ki_nm",
            "NOWHERE",
        ),
        (
            LEVO.replace("value = 0.78, unit = \"1\"", "value = 1.78, unit = \"1\""),
            "unbound_fraction",
            "outside",
        ),
        (
            LEVO.replace("[targets]", "[targets]\nnonsense = 1"),
            "bytes",
            "unknown field",
        ),
    ];
    for (text, key, reason) in cases {
        let e = monograph::from_toml_str(&text, "broken.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("broken.toml") && e.contains(key) && e.contains(reason),
            "{e}"
        );
    }
    assert!(monograph::builtin("aspirin")
        .unwrap_err()
        .to_string()
        .contains("levomilnacipran"));
}
