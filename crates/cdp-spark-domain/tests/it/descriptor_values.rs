//! Values reach the job exactly as the descriptor's author wrote them: args
//! and conf values are text to Spark, so a YAML scalar that also reads as a
//! number, a boolean or a null (`0x1F`, `1e3`, `True`, `~`) is passed in its
//! source spelling, never re-rendered from the typed value (`31`, `1000.0`,
//! `true`). Fields that are numbers still read as numbers.

use crate::descriptor_support;

use cdp_spark_domain::usecases::job_definition;
use descriptor_support::{fixture_with, issues, ok, only_issue, J};

const ARGS_LINE: &str =
    "          args: [\"--date\", \"yesterday\", \"--output\", \"/data/finance/cashflow/daily\"]\n";
const LAST_CONF_LINE: &str = "            spark.dynamicAllocation.enabled: \"false\"\n";

/// Plain scalars that YAML 1.2 (or serde-saphyr's inference) would type,
/// each as the author wrote it.
const WRITTEN: [&str; 22] = [
    "0x1F",
    "0X1F",
    "1e3",
    "1E+3",
    "0o17",
    "True",
    "FALSE",
    "true",
    "1_000",
    ".inf",
    "-.Inf",
    ".NaN",
    "+1",
    "-0",
    "007",
    "1.50",
    "1.0",
    "~",
    "null",
    "NULL",
    "1e999",
    "12345678901234567890123",
];

#[test]
fn args_and_conf_values_are_passed_exactly_as_written() {
    let args = format!("          args: [{}]\n", WRITTEN.join(", "));
    let conf: String = WRITTEN
        .iter()
        .enumerate()
        .map(|(n, v)| format!("            spark.test.v{n:02}: {v}\n"))
        .collect();
    let d = ok(&fixture_with(&[
        (ARGS_LINE, &args),
        (LAST_CONF_LINE, &format!("{LAST_CONF_LINE}{conf}")),
    ]));

    let job = job_definition(&d);
    assert_eq!(job.spec.args, WRITTEN, "args as written");
    for (n, v) in WRITTEN.iter().enumerate() {
        assert_eq!(
            job.spec
                .conf
                .get(&format!("spark.test.v{n:02}"))
                .map(String::as_str),
            Some(*v),
            "conf value {n} as written"
        );
    }
    // The descriptor's own values are the job's.
    assert_eq!(d.component.specific.job_config.args, WRITTEN);
}

#[test]
fn quoted_block_and_tagged_values_keep_their_content() {
    let d = ok(&fixture_with(&[(
        ARGS_LINE,
        "          args:\n            - \"0x1F\"\n            - '1e3'\n            - !!str 0o17\n            - !!int \"0x10\"\n            - |-\n              1.50\n            - &v 0x2A\n            - *v\n",
    )]));
    assert_eq!(
        job_definition(&d).spec.args,
        ["0x1F", "1e3", "0o17", "0x10", "1.50", "0x2A", "0x2A"]
    );
}

#[test]
fn number_fields_still_read_as_numbers_in_any_yaml_notation() {
    let d = ok(&fixture_with(&[
        ("          driverCores: 1\n", "          driverCores: 0x2\n"),
        (
            "          numExecutors: 4\n",
            "          numExecutors: +4\n",
        ),
        (
            "            endDate: 2030-12-31T23:59:59Z\n",
            "            endDate: 2030-12-31T23:59:59Z\n            retries: 0o3\n",
        ),
    ]));
    let j = &d.component.specific.job_config;
    assert_eq!(j.driver_cores.map(|n| n.get()), Some(2));
    assert_eq!(j.num_executors.map(|n| n.get()), Some(4));
    assert_eq!(j.schedule.as_ref().map(|s| s.retries), Some(3));

    // A number field refuses text that only looks like a number, naming it
    // as written.
    let found = only_issue(
        &fixture_with(&[("          driverCores: 1\n", "          driverCores: 007\n")]),
        &format!("{J}.driverCores"),
        "found the string '007'",
    );
    assert!(found.hint.contains("whole number"), "{found:?}");
    only_issue(
        &fixture_with(&[(
            "          driverCores: 1\n",
            "          driverCores: -0x1\n",
        )]),
        &format!("{J}.driverCores"),
        "found -0x1",
    );
}

#[test]
fn memory_sizes_and_text_fields_are_read_as_written() {
    // `0x10` is not a Spark size: refused, not passed on as 16 (MiB).
    only_issue(
        &fixture_with(&[(
            "          driverMemory: 2g\n",
            "          driverMemory: 0x10\n",
        )]),
        &format!("{J}.driverMemory"),
        "'0x10'",
    );
    let d = ok(&fixture_with(&[
        (
            "          driverMemory: 2g\n",
            "          driverMemory: 2048\n",
        ),
        (
            "  domain: finance\n  version: 0.3.1\n",
            "  domain: finance\n  version: 1.10\n",
        ),
    ]));
    assert_eq!(
        d.component
            .specific
            .job_config
            .driver_memory
            .as_ref()
            .map(|m| m.as_str()),
        Some("2048")
    );
    assert_eq!(d.data_product.version.as_deref(), Some("1.10"));
}

#[test]
fn nothing_written_is_still_not_a_value() {
    let found = issues(&fixture_with(&[(
        ARGS_LINE,
        "          args:\n            - a\n            -\n",
    )]));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].field, format!("{J}.args[1]"));
    assert!(found[0].problem.contains("nothing (null)"), "{found:#?}");
    only_issue(
        &fixture_with(&[(
            LAST_CONF_LINE,
            "            spark.dynamicAllocation.enabled:\n",
        )]),
        &format!("{J}.conf[\"spark.dynamicAllocation.enabled\"]"),
        "found nothing (null)",
    );
}
