//! What the job store can hold is a descriptor rule: a descriptor that
//! validates can be provisioned. Each size the store checks before writing
//! (`cdp-spark-jobstore`'s `limits.rs`) is refused here first, naming the
//! field.

use crate::descriptor_support;

use cdp_spark_domain::api::DescriptorKind;
use cdp_spark_domain::descriptor::{parse_request_to_remove, DescriptorSettings};
use cdp_spark_domain::model::{
    MAX_CRON_EXPRESSION_LEN, MAX_JOB_DATA_BYTES, MAX_KEY_LEN, MAX_TIME_ZONE_LEN,
};
use cdp_spark_domain::usecases::job_definition;
use descriptor_support::{fixture_with, ok, only_issue, C, J, SCHED};

const ARGS_LINE: &str =
    "          args: [\"--date\", \"yesterday\", \"--output\", \"/data/finance/cashflow/daily\"]\n";
const CRON_LINE: &str = "            cronExpression: \"0 30 2 ? * MON-FRI\"\n";
const LAST_CONF_LINE: &str = "            spark.dynamicAllocation.enabled: \"false\"\n";

fn args_of(total_chars: usize, each: usize) -> String {
    let items: Vec<String> = (0..total_chars / each)
        .map(|n| format!("\"{}\"", format!("{n:08}").repeat(each / 8)))
        .collect();
    format!("          args: [{}]\n", items.join(", "))
}

#[test]
fn args_that_overflow_job_data_are_refused_on_args_with_the_sizes() {
    let text = fixture_with(&[(ARGS_LINE, &args_of(70_000, 1_000))]);
    let issue = only_issue(&text, &format!("{J}.args"), "Quartz's JOB_DATA");
    assert!(issue.problem.contains("65,535"), "{}", issue.problem);
    assert!(issue.problem.contains("args 70,"), "{}", issue.problem);
    assert!(issue.hint.contains("shorten args"), "{}", issue.hint);

    // Removing the job needs only its key.
    let d = parse_request_to_remove(
        DescriptorKind::ComponentDescriptor,
        &text,
        &DescriptorSettings::default(),
    )
    .expect("unprovision reads it");
    assert!(job_definition(&d).job_data_size().total() > MAX_JOB_DATA_BYTES);
}

#[test]
fn the_rule_counts_bytes_as_stored_not_characters() {
    // 12,000 characters of '€' are 36,000 bytes of UTF-8 and 72,000 bytes as
    // stored (\u20AC each): refused, while 60,000 ASCII letters fit.
    let euro = format!("          args: [\"{}\"]\n", "€".repeat(12_000));
    only_issue(
        &fixture_with(&[(ARGS_LINE, &euro)]),
        &format!("{J}.args"),
        "72,0",
    );
    let d = ok(&fixture_with(&[(
        ARGS_LINE,
        &format!("          args: [\"{}\"]\n", "a".repeat(60_000)),
    )]));
    let size = job_definition(&d).job_data_size();
    assert!(size.fits() && size.total() > 60_000, "{}", size.total());
}

#[test]
fn conf_and_queue_that_overflow_job_data_are_named() {
    let conf: String = (0..700)
        .map(|n| format!("            spark.test.k{n:04}: \"{}\"\n", "v".repeat(100)))
        .collect();
    let issue = only_issue(
        &fixture_with(&[(LAST_CONF_LINE, &format!("{LAST_CONF_LINE}{conf}"))]),
        &format!("{J}.conf"),
        "Quartz's JOB_DATA",
    );
    // Only parts that weigh something are named.
    assert!(
        issue.problem.ends_with("65,535: conf 86,187 bytes"),
        "{}",
        issue.problem
    );
    assert!(issue
        .hint
        .starts_with("shorten conf (86,187 bytes) by at least 21,180 bytes"));
    let queue = format!("        queue: root.{}\n", "q".repeat(70_000));
    only_issue(
        &fixture_with(&[("        queue: root.finance\n", &queue)]),
        &format!("{}.specific.queue", C),
        "queue 70,",
    );
}

#[test]
fn job_data_just_under_the_limit_is_valid() {
    // Grow args until the job data is exactly at the limit: valid; one
    // more byte: refused.
    let base = ok(&fixture_with(&[(ARGS_LINE, "          args: [\"\"]\n")]));
    let room = MAX_JOB_DATA_BYTES - job_definition(&base).job_data_size().total();
    let exact = fixture_with(&[(
        ARGS_LINE,
        &format!("          args: [\"{}\"]\n", "a".repeat(room)),
    )]);
    assert_eq!(
        job_definition(&ok(&exact)).job_data_size().total(),
        MAX_JOB_DATA_BYTES
    );
    only_issue(
        &fixture_with(&[(
            ARGS_LINE,
            &format!("          args: [\"{}\"]\n", "a".repeat(room + 1)),
        )]),
        &format!("{J}.args"),
        "65,536 bytes",
    );
}

#[test]
fn cron_expressions_longer_than_quartz_column_are_refused() {
    // A valid expression, padded with spaces between fields to 121.
    let fields = ["0", "30", "2", "?", "*", "MON-FRI"];
    let base: usize = fields.iter().map(|f| f.len()).sum();
    let gap = (MAX_CRON_EXPRESSION_LEN + 1 - base) / (fields.len() - 1);
    let mut long = fields.join(&" ".repeat(gap));
    while long.chars().count() <= MAX_CRON_EXPRESSION_LEN {
        long.insert(1, ' ');
    }
    assert_eq!(long.chars().count(), MAX_CRON_EXPRESSION_LEN + 1);
    let issue = only_issue(
        &fixture_with(&[(
            CRON_LINE,
            &format!("            cronExpression: \"{long}\"\n"),
        )]),
        &format!("{SCHED}.cronExpression"),
        "121 characters long; at most 120",
    );
    assert!(
        issue.problem.contains("CRON_EXPRESSION"),
        "{}",
        issue.problem
    );

    // 120 is fine, spaces and all.
    let mut fits = long.clone();
    fits.remove(1);
    let d = ok(&fixture_with(&[(
        CRON_LINE,
        &format!("            cronExpression: \"{fits}\"\n"),
    )]));
    let trigger_text = d
        .component
        .specific
        .job_config
        .schedule
        .expect("schedule")
        .cron
        .as_str()
        .to_string();
    assert_eq!(trigger_text.chars().count(), MAX_CRON_EXPRESSION_LEN);
}

#[test]
fn keys_and_zone_limits_are_the_stores() {
    // The job group and name columns (VARCHAR(190)) are dataProduct.id's
    // and jobName's rules; the zone id rule can never refuse a real zone.
    assert_eq!(MAX_KEY_LEN, 190);
    assert_eq!(MAX_TIME_ZONE_LEN, 80);
    let long_id = format!("urn:dmb:dp:{}", "x".repeat(MAX_KEY_LEN));
    only_issue(
        &fixture_with(&[(
            "  id: urn:dmb:dp:finance:cashflow:0\n",
            &format!("  id: {long_id}\n"),
        )]),
        "dataProduct.id",
        "at most 190",
    );
    let d = ok(&fixture_with(&[(
        "            endDate: 2030-12-31T23:59:59Z\n",
        "            endDate: 2030-12-31T23:59:59Z\n            timeZone: America/Argentina/ComodRivadavia\n",
    )]));
    assert_eq!(
        d.component
            .specific
            .job_config
            .schedule
            .map(|s| s.time_zone.name().to_string())
            .as_deref(),
        Some("America/Argentina/ComodRivadavia")
    );
}
