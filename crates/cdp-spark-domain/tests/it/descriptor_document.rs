//! The document as a whole: descriptor kind, size, YAML syntax, alias
//! bombs, nesting depth.

use crate::descriptor_support;

use std::time::{Duration, Instant};

use cdp_spark_domain::api::DescriptorKind;
use cdp_spark_domain::descriptor::{parse_request, DescriptorSettings, MAX_NESTING_DEPTH};
use descriptor_support::{data, fixture, fixture_with, issues, ok, only_issue};

#[test]
fn only_component_descriptors_are_accepted() {
    for kind in [
        DescriptorKind::DataproductDescriptor,
        DescriptorKind::DataproductDescriptorWithResults,
    ] {
        let found = parse_request(kind, &fixture(), &DescriptorSettings::default())
            .expect_err("a data product descriptor must be rejected")
            .into_vec();
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].field, "descriptorKind");
        assert!(
            found[0].problem.contains(kind.as_str())
                && found[0].problem.contains("single components")
                && found[0].problem.contains("COMPONENT_DESCRIPTOR"),
            "{}",
            found[0].problem
        );
    }
}

#[test]
fn an_oversized_descriptor_is_rejected_before_parsing_with_both_sizes() {
    let text = fixture();
    let settings = DescriptorSettings {
        max_descriptor_bytes: 1000,
        ..DescriptorSettings::default()
    };
    // Invalid YAML after the limit proves the text is never parsed.
    let oversized = format!("{text}\n: : [ not yaml");
    let found = parse_request(DescriptorKind::ComponentDescriptor, &oversized, &settings)
        .expect_err("over the limit")
        .into_vec();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].field, "descriptor");
    assert!(
        found[0].problem.contains(&oversized.len().to_string())
            && found[0].problem.contains("1000"),
        "{}",
        found[0].problem
    );
    // Exactly at the limit is fine.
    let exact = DescriptorSettings {
        max_descriptor_bytes: text.len(),
        ..DescriptorSettings::default()
    };
    assert!(parse_request(DescriptorKind::ComponentDescriptor, &text, &exact).is_ok());
}

#[test]
fn yaml_syntax_errors_give_line_and_column() {
    let text = fixture_with(&[("  name: Cash Flow\n", "  name: Cash: Flow\n")]);
    let line = text
        .lines()
        .position(|l| l == "  name: Cash: Flow")
        .map(|i| i + 1)
        .expect("mutated line");
    let issue = only_issue(&text, "", "not valid YAML");
    assert!(
        issue.problem.contains(&format!("line {line}, column ")),
        "expected line {line} in: {}",
        issue.problem
    );
    assert!(
        issue.hint.contains(&format!("line {line}")),
        "{}",
        issue.hint
    );

    let unclosed = fixture_with(&[(
        "          args: [\"--date\", \"yesterday\", \"--output\", \"/data/finance/cashflow/daily\"]\n",
        "          args: [\"--date\", \"yesterday\"\n",
    )]);
    let issue = only_issue(&unclosed, "", "not valid YAML");
    assert!(issue.problem.contains("line "), "{}", issue.problem);
}

#[test]
fn duplicate_keys_are_rejected_not_silently_overwritten() {
    let text = fixture_with(&[(
        "          driverCores: 1\n",
        "          driverCores: 1\n          driverCores: 8\n",
    )]);
    let issue = only_issue(&text, "", "duplicate");
    assert!(issue.problem.contains("line "), "{}", issue.problem);
}

#[test]
fn a_billion_laughs_fails_fast_with_a_message_about_aliases() {
    let bomb = data("billion-laughs.yaml");
    let started = Instant::now();
    let result = parse_request(
        DescriptorKind::ComponentDescriptor,
        &bomb,
        &DescriptorSettings::default(),
    );
    let elapsed = started.elapsed();
    let found = result
        .expect_err("an alias bomb must be rejected")
        .into_vec();
    assert!(
        elapsed < Duration::from_millis(500),
        "took {elapsed:?}, should fail in well under a second"
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].problem.contains("alias"), "{}", found[0].problem);
    assert!(found[0].hint.contains("10000"), "{}", found[0].hint);
}

#[test]
fn the_alias_budget_comes_from_the_settings() {
    // Ten aliases of a 10-element list replay about 120 events: fine by
    // default, too many for a budget of 50.
    let mut text = fixture();
    text = text.replacen(
        "  tags: []\n",
        "  tags: &t [a, b, c, d, e, f, g, h, i, j]\n",
        1,
    );
    text.push_str("extra: [*t, *t, *t, *t, *t, *t, *t, *t, *t, *t]\n");
    ok(&text);
    let tight = DescriptorSettings {
        max_alias_replayed_events: 50,
        ..DescriptorSettings::default()
    };
    let found = parse_request(DescriptorKind::ComponentDescriptor, &text, &tight)
        .expect_err("over the alias budget")
        .into_vec();
    assert!(found[0].problem.contains("alias"), "{}", found[0].problem);
}

#[test]
fn ordinary_aliases_still_work() {
    let text = fixture_with(&[
        (
            "          dependencies:\n            - hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar\n",
            "          dependencies: &deps\n            - hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar\n",
        ),
    ]) + "extra: *deps\n";
    let d = ok(&text);
    assert_eq!(d.component.specific.job_config.dependencies.len(), 1);
}

#[test]
fn nesting_is_bounded() {
    let deep = format!(
        "{}deep: {}{}\n",
        fixture(),
        "[".repeat(MAX_NESTING_DEPTH + 10),
        "]".repeat(MAX_NESTING_DEPTH + 10)
    );
    let found = issues(&deep);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].problem.contains("nests too deeply"),
        "{}",
        found[0].problem
    );
    assert!(found[0].problem.contains("line "), "{}", found[0].problem);
}

#[test]
fn a_document_that_is_not_a_mapping_is_rejected() {
    for text in ["", "just a string", "- a\n- b\n"] {
        let issue = only_issue(text, "", "must be a YAML mapping");
        assert!(issue.problem.contains("dataProduct"), "{}", issue.problem);
    }
}

#[test]
fn more_than_one_document_is_rejected() {
    let text = format!("{}---\nsecond: document\n", fixture());
    let issue = only_issue(&text, "", "not valid YAML");
    assert!(issue.problem.contains("line "), "{}", issue.problem);
}
