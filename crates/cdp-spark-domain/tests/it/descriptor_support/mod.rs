//! Helpers of the descriptor tests: the descriptor fixture, text mutations
//! of it, and assertions on the issues.
#![allow(dead_code)]

use std::path::PathBuf;

use cdp_spark_domain::api::DescriptorKind;
use cdp_spark_domain::descriptor::{parse_request, ComponentDescriptor, DescriptorSettings};
use cdp_spark_domain::issues::{Issue, Issues};

use cdp_spark_testkit::fixtures;

/// Index of the workload in the fixture's `dataProduct.components`.
pub const C: &str = "dataProduct.components[1]";
pub const S: &str = "dataProduct.components[1].specific";
pub const J: &str = "dataProduct.components[1].specific.jobConfig";
pub const SCHED: &str = "dataProduct.components[1].specific.jobConfig.schedule";

/// The COMPONENT_DESCRIPTOR fixture (`tests/fixtures/descriptors/`); fails
/// the test when missing.
pub fn fixture() -> String {
    fixtures::read(fixtures::SCHEDULED_DESCRIPTOR)
}

/// A file of `tests/data/descriptors/`.
pub fn data(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/descriptors")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("test data {} could not be read: {e}", path.display()))
}

/// The fixture with each `(from, to)` applied; every `from` must occur
/// exactly once, so a changed fixture fails loudly instead of silently
/// testing nothing.
pub fn fixture_with(replacements: &[(&str, &str)]) -> String {
    let mut text = fixture();
    for (from, to) in replacements {
        let count = text.matches(from).count();
        assert_eq!(
            count, 1,
            "the fixture should contain {from:?} exactly once, found {count} times"
        );
        text = text.replacen(from, to, 1);
    }
    text
}

pub fn parse(text: &str) -> Result<ComponentDescriptor, Issues> {
    parse_request(
        DescriptorKind::ComponentDescriptor,
        text,
        &DescriptorSettings::default(),
    )
}

/// Parse, expecting success.
pub fn ok(text: &str) -> ComponentDescriptor {
    match parse(text) {
        Ok(d) => d,
        Err(issues) => panic!("expected the descriptor to parse, got: {issues:#?}"),
    }
}

/// Parse, expecting failure.
pub fn issues(text: &str) -> Vec<Issue> {
    match parse(text) {
        Ok(d) => panic!("expected issues, the descriptor parsed: {d:#?}"),
        Err(issues) => {
            assert!(!issues.is_empty(), "an error must carry at least one issue");
            for i in issues.iter() {
                assert!(!i.problem.is_empty(), "issue without a problem: {i:?}");
                assert!(!i.hint.is_empty(), "issue without a hint: {i:?}");
            }
            issues.into_vec()
        }
    }
}

/// Exactly one issue, on `field`, whose problem contains `problem`.
pub fn only_issue(text: &str, field: &str, problem: &str) -> Issue {
    let found = issues(text);
    assert_eq!(
        found.len(),
        1,
        "expected exactly one issue on {field}, got: {found:#?}"
    );
    assert_has(&found, field, problem);
    found.into_iter().next().unwrap_or_else(|| unreachable!())
}

/// Some issue is on `field` and its problem contains `problem`.
pub fn assert_has(found: &[Issue], field: &str, problem: &str) {
    assert!(
        found
            .iter()
            .any(|i| i.field == field && i.problem.contains(problem)),
        "expected an issue on {field} containing {problem:?}, got: {found:#?}"
    );
}
