//! `jobConfig.schedule.deadline`: read in units or ISO-8601, carried to the
//! job's run policy (and so to `JOB_DATA`), refused with the field named.

use crate::descriptor_support;

use std::time::Duration;

use descriptor_support::{fixture_with, ok, only_issue, SCHED};

const END: &str = "            endDate: 2030-12-31T23:59:59Z\n";

fn with(extra: &str) -> String {
    fixture_with(&[(END, &format!("{END}{extra}"))])
}

#[test]
fn a_deadline_is_read_and_reaches_the_run_policy() {
    for (text, secs) in [("30m", 1800), ("2h", 7200), ("PT1H30M", 5400), ("45s", 45)] {
        let d = ok(&with(&format!("            deadline: {text}\n")));
        let s = d
            .component
            .specific
            .job_config
            .schedule
            .clone()
            .expect("schedule");
        assert_eq!(s.deadline, Some(Duration::from_secs(secs)), "{text}");
        assert_eq!(
            d.job_definition().run_policy.deadline_secs,
            Some(secs),
            "{text}"
        );
    }
    let d = ok(&with(""));
    assert_eq!(d.job_definition().run_policy.deadline_secs, None);
}

#[test]
fn a_wrong_deadline_names_the_field() {
    let field = format!("{SCHED}.deadline");
    only_issue(
        &with("            deadline: soon\n"),
        &field,
        "'soon' is not a duration",
    );
    only_issue(
        &with("            deadline: 8d\n"),
        &field,
        "'8d' is longer than the 7d this provisioner accepts",
    );
    only_issue(
        &with("            deadline: 200h\n"),
        &field,
        "'200h' is longer than the 7d this provisioner accepts",
    );
    only_issue(
        &with("            deadline: 0s\n"),
        &field,
        "'0s' is no time at all",
    );
    only_issue(
        &with("            deadline: 30\n"),
        &field,
        "expected a duration such as 30m or PT2H, found the integer 30",
    );
    // A hostile value is cut in the message.
    let long = "9".repeat(5000);
    let issue = only_issue(
        &with(&format!("            deadline: \"{long}h\"\n")),
        &field,
        "is longer than the 7d this provisioner accepts",
    );
    assert!(issue.problem.len() < 200, "{}", issue.problem);
}
