//! The README and the tests use the copies under `examples/`; the binary embeds the templates of
//! this crate. They must stay byte-identical, or the documented example would differ from
//! `--write-template`.

use std::path::Path;

fn example(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn lps_example_is_the_template() {
    assert_eq!(
        example("examples/preclinical/lps_template.toml"),
        levodose_data::LPS_TEMPLATE
    );
}

#[test]
fn trial_example_is_the_template() {
    assert_eq!(
        example("examples/trial/madrs_8week.toml"),
        levodose_data::TRIAL_TEMPLATE
    );
}
