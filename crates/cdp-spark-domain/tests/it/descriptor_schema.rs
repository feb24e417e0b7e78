//! The JSON Schema and the CUE policy of `specific` (issue 15) that the
//! repository ships are the ones the domain generates from its field
//! registry, and `docs/DESCRIPTOR.md` explains every registered field.

use std::path::PathBuf;

use cdp_spark_domain::descriptor::fields::FIELDS;
use cdp_spark_domain::descriptor::schema::{
    cue_policy, json_schema_text, CUE_FILE, REGENERATE, SCHEMA_FILE,
};
use cdp_spark_domain::descriptor::UnknownKeys;
use cdp_spark_testkit::fixtures;

/// The workspace root.
pub fn root() -> PathBuf {
    fixtures::dir()
        .ancestors()
        .nth(2)
        .expect("tests/fixtures is two levels under the root")
        .to_path_buf()
}

fn shipped(file: &str) -> String {
    std::fs::read_to_string(root().join(file))
        .unwrap_or_else(|e| panic!("{file} cannot be read ({e}): restore it from git"))
}

#[test]
fn the_shipped_json_schema_is_the_generated_one() {
    assert!(
        shipped(SCHEMA_FILE) == json_schema_text(UnknownKeys::Warn),
        "{SCHEMA_FILE} differs from what the field registry (descriptor/fields.rs) generates: \
         run `{REGENERATE}` and commit it"
    );
}

#[test]
fn the_shipped_cue_policy_is_the_generated_one() {
    assert!(
        shipped(CUE_FILE) == cue_policy(),
        "{CUE_FILE} differs from what the field registry (descriptor/fields.rs) generates: \
         run `{REGENERATE}` and commit it"
    );
}

#[test]
fn the_reference_explains_every_registered_field() {
    let doc = shipped("docs/DESCRIPTOR.md");
    for f in FIELDS {
        // Each field has its own heading, its full path in backquotes.
        let heading = format!("### `{}`", f.path);
        assert!(
            doc.lines().any(|l| l.trim_end() == heading),
            "docs/DESCRIPTOR.md has no section `{heading}` for the registered field specific.{}: \
             add one (type, default, rule, example, error, what it becomes in spark-submit)",
            f.path
        );
        let section = doc
            .split(&format!("{heading}\n"))
            .nth(1)
            .and_then(|rest| rest.split("\n### ").next())
            .unwrap_or_default();
        let json_type = f.shape.json_type();
        assert!(
            section.contains(&format!("Type: {json_type}")),
            "docs/DESCRIPTOR.md, {heading}: says no `Type: {json_type}`"
        );
        let required = if f.required { "required" } else { "optional" };
        assert!(
            section.contains(required),
            "docs/DESCRIPTOR.md, {heading}: does not say it is {required}"
        );
    }
}
