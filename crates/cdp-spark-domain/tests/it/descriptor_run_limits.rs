//! `jobConfig.maxDuration` and the `${…}` placeholders of `args` and
//! `conf` values, through the whole descriptor rules and into the job.

use crate::descriptor_support;

use cdp_spark_domain::api::DescriptorKind;
use cdp_spark_domain::descriptor::{parse_request_to_remove, DescriptorSettings};
use cdp_spark_domain::usecases::job_definition;
use descriptor_support::{fixture_with, issues, ok, only_issue, J};

const ARGS_LINE: &str =
    "          args: [\"--date\", \"yesterday\", \"--output\", \"/data/finance/cashflow/daily\"]\n";
const LAST_CONF_LINE: &str = "            spark.dynamicAllocation.enabled: \"false\"\n";

fn with_max_duration(value: &str) -> String {
    fixture_with(&[(
        ARGS_LINE,
        &format!("{ARGS_LINE}          maxDuration: {value}\n"),
    )])
}

#[test]
fn max_duration_reaches_the_jobs_run_policy() {
    for (written, secs, text) in [
        ("90m", 5400, "90m"),
        ("\"PT90M\"", 5400, "90m"),
        ("45s", 45, "45s"),
        ("2h", 7200, "2h"),
        ("P1DT2H", 93_600, "26h"),
    ] {
        let d = ok(&with_max_duration(written));
        let max = job_definition(&d)
            .run_policy
            .max_duration
            .unwrap_or_else(|| panic!("{written}: a limit"));
        assert_eq!((max.as_secs(), max.to_string().as_str()), (secs, text));
    }
    let none = ok(&fixture_with(&[]));
    assert_eq!(job_definition(&none).run_policy.max_duration, None);
}

#[test]
fn a_bad_max_duration_names_the_field_and_the_accepted_forms() {
    let field = format!("{J}.maxDuration");
    for (written, problem) in [
        ("90", "'90' is not a duration"),
        ("1.5h", "'1.5h' is not a duration"),
        ("0s", "is no time at all"),
        ("8d", "longer than the 7d this provisioner accepts"),
        ("PT1D", "'PT1D' is not a duration"),
        ("[1, 2]", "expected a duration"),
    ] {
        let issue = only_issue(&with_max_duration(written), &field, problem);
        assert!(
            issue.hint.contains("90m") && issue.hint.contains("PT90M"),
            "{written}: {}",
            issue.hint
        );
    }
}

#[test]
fn known_placeholders_pass_and_are_kept_as_written() {
    let args =
        "          args: [\"${runId}\", \"--date=${nominalDate}\", \"$${literal}\", \"$5\"]\n";
    let conf = "            spark.app.tag: \"at-${nominalTime}\"\n";
    let d = ok(&fixture_with(&[
        (ARGS_LINE, args),
        (LAST_CONF_LINE, &format!("{LAST_CONF_LINE}{conf}")),
    ]));
    let job = job_definition(&d);
    // The job keeps the text; each run expands it when it is launched.
    assert_eq!(
        job.spec.args,
        ["${runId}", "--date=${nominalDate}", "$${literal}", "$5"]
    );
    assert_eq!(job.spec.conf["spark.app.tag"], "at-${nominalTime}");
}

#[test]
fn unknown_or_malformed_placeholders_name_the_field() {
    let args = "          args: [\"ok\", \"--date=${nominaldate}\"]\n";
    only_issue(
        &fixture_with(&[(ARGS_LINE, args)]),
        &format!("{J}.args[1]"),
        "'${nominaldate}' is not a placeholder this provisioner knows",
    );
    let conf = "            spark.app.tag: \"${runId\"\n";
    only_issue(
        &fixture_with(&[(LAST_CONF_LINE, &format!("{LAST_CONF_LINE}{conf}"))]),
        &format!("{J}.conf[\"spark.app.tag\"]"),
        "does not start a placeholder",
    );
    // Every bad value is reported at once.
    let both = fixture_with(&[(ARGS_LINE, "          args: [\"${a}\", \"${b}\"]\n")]);
    assert_eq!(issues(&both).len(), 2);
}

#[test]
fn a_job_with_unknown_placeholders_can_still_be_unprovisioned() {
    let text = fixture_with(&[(ARGS_LINE, "          args: [\"${old}\"]\n")]);
    assert_eq!(issues(&text).len(), 1, "refused for provisioning");
    let d = parse_request_to_remove(
        DescriptorKind::ComponentDescriptor,
        &text,
        &DescriptorSettings::default(),
    )
    .unwrap_or_else(|e| panic!("unprovisioning is not refused: {e:?}"));
    assert_eq!(d.component.specific.job_config.args, ["${old}"]);
}
