//! Keys under `specific` that no rule reads (issue 15): a warning naming
//! the full path and the closest known key, at every level the registry
//! knows (not inside `conf`); bounded and escaped; an error when the
//! operator sets `unknown_keys = "error"`.

use cdp_spark_domain::api::DescriptorKind;
use cdp_spark_domain::descriptor::{
    parse_request, parse_request_to_remove, DescriptorSettings, UnknownKeys, MAX_UNKNOWN_KEYS,
};
use cdp_spark_domain::issues::Issue;

use crate::descriptor_support::{fixture_with, ok, J, S, SCHED};

fn refusing() -> DescriptorSettings {
    DescriptorSettings {
        unknown_keys: UnknownKeys::Error,
        ..DescriptorSettings::default()
    }
}

fn shown(issues: &[Issue]) -> Vec<String> {
    issues.iter().map(Issue::to_string).collect()
}

/// The fixture with typos at each level: under specific, jobConfig and
/// schedule, and one key inside conf (a Spark property: not a typo).
fn with_typos() -> String {
    fixture_with(&[
        ("        queue: root.finance\n", "        queue: root.finance\n        clasName: x\n"),
        ("          driverCores: 1\n", "          driverCores: 1\n          maxDurration: 2h\n          exectorMemory: 8g\n"),
        (
            "            endDate: 2030-12-31T23:59:59Z\n",
            "            endDate: 2030-12-31T23:59:59Z\n            timezone: Europe/Rome\n",
        ),
        (
            "            spark.dynamicAllocation.enabled: \"false\"\n",
            "            spark.dynamicAllocation.enabled: \"false\"\n            spark.maxDurration: \"1\"\n",
        ),
    ])
}

#[test]
fn typos_at_every_level_are_warnings_naming_the_closest_key() {
    let parsed = ok(&with_typos());
    assert_eq!(
        shown(&parsed.warnings),
        vec![
            format!("{S}.clasName: is not a known key; did you mean className?"),
            format!("{J}.maxDurration: is not a known key; did you mean maxDuration?"),
            format!("{J}.exectorMemory: is not a known key; did you mean executorMemory?"),
            format!("{SCHED}.timezone: is not a known key; did you mean timeZone?"),
        ]
    );
    for w in &parsed.warnings {
        assert!(w.hint.contains("it is ignored"), "{w:?}");
    }
}

#[test]
fn a_key_at_the_wrong_level_says_where_it_belongs() {
    let parsed = ok(&fixture_with(&[(
        "        queue: root.finance\n",
        "        queue: root.finance\n        numExecutors: 3\n",
    )]));
    assert_eq!(
        shown(&parsed.warnings),
        vec![format!(
            "{S}.numExecutors: is not a known key; did you mean numExecutors (it belongs under \
             specific.jobConfig)?"
        )]
    );
}

#[test]
fn an_unrelated_key_lists_the_known_keys_of_its_level() {
    let parsed = ok(&fixture_with(&[(
        "            endDate: 2030-12-31T23:59:59Z\n",
        "            endDate: 2030-12-31T23:59:59Z\n            owner: me\n",
    )]));
    let [w] = parsed.warnings.as_slice() else {
        panic!("{:?}", parsed.warnings)
    };
    assert_eq!(w.field, format!("{SCHED}.owner"));
    assert!(
        w.problem
            .starts_with("is not a known key (known here: cronExpression, startDate,"),
        "{}",
        w.problem
    );
}

#[test]
fn the_operator_can_make_them_errors_with_the_same_text() {
    let text = with_typos();
    let issues = parse_request(DescriptorKind::ComponentDescriptor, &text, &refusing())
        .expect_err("unknown keys are refused");
    let errors = shown(&issues.clone().into_vec());
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert_eq!(
        errors[1],
        format!("{J}.maxDurration: is not a known key; did you mean maxDuration?")
    );
    assert!(issues.warnings().is_empty());
    assert!(issues.messages()[1].contains("descriptor.unknown_keys = \"error\""));
    // Unprovisioning needs only the job's key: unknown keys do not stop it.
    parse_request_to_remove(DescriptorKind::ComponentDescriptor, &text, &refusing())
        .expect("removable");
}

#[test]
fn an_invalid_descriptor_keeps_its_warnings_beside_its_errors() {
    // The typo is why jobName is missing: both are said.
    let text = fixture_with(&[("        jobName: finance", "        jobname: finance")]);
    let issues = parse_request(
        DescriptorKind::ComponentDescriptor,
        &text,
        &DescriptorSettings::default(),
    )
    .expect_err("jobName is missing");
    assert_eq!(
        issues.iter().next().map(|i| i.field.clone()),
        Some(format!("{S}.jobName"))
    );
    assert_eq!(
        shown(issues.warnings()),
        vec![format!(
            "{S}.jobname: is not a known key; did you mean jobName?"
        )]
    );
    let result = issues.to_validation_result();
    assert!(!result.valid);
    assert_eq!(result.warnings.len(), 1, "{result:?}");
}

#[test]
fn warnings_are_bounded() {
    let many: String = (0..500)
        .map(|n| format!("          extra{n}: 1\n"))
        .collect();
    let parsed = ok(&fixture_with(&[(
        "          driverCores: 1\n",
        &format!("          driverCores: 1\n{many}"),
    )]));
    assert_eq!(parsed.warnings.len(), MAX_UNKNOWN_KEYS + 1);
    let last = parsed.warnings.last().expect("summary");
    assert_eq!(last.field, S);
    assert!(
        last.problem
            .contains(&format!("{} more unknown keys", 500 - MAX_UNKNOWN_KEYS)),
        "{}",
        last.problem
    );
}

#[test]
fn hostile_keys_are_escaped_and_cut() {
    let huge = "k".repeat(100_000);
    let text = fixture_with(&[(
        "          driverCores: 1\n",
        &format!(
            "          driverCores: 1\n          \"\\e[31mred\\u202Egpj.exe\\n\": 1\n          ? {huge}\n          : 1\n"
        ),
    )]);
    let parsed = ok(&text);
    let fields: Vec<&str> = parsed.warnings.iter().map(|w| w.field.as_str()).collect();
    assert_eq!(
        fields[0],
        format!("{J}[\"\\u{{1b}}[31mred\\u{{202e}}gpj.exe\\u{{a}}\"]")
    );
    assert!(
        fields[1].starts_with(&format!("{J}[\"kkkk")),
        "{}",
        fields[1]
    );
    assert!(fields[1].chars().count() < J.len() + 80, "{}", fields[1]);
    for w in &parsed.warnings {
        assert!(
            !w.to_string().chars().any(char::is_control),
            "a control character leaked: {w:?}"
        );
    }
}
