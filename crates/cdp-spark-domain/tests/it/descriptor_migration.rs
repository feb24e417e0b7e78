//! Migration from the existing Scala CDP Spark provisioner
//! (`agile-lab-dev/witboost-cdp-spark-specific-provisioner`): its
//! descriptors validate as it validated them, field for field, except the
//! differences listed (each fixture says why); `jobConfig.runAtProvision`;
//! time zone ids as Quartz's `TimeZone.getTimeZone` reads them.

use crate::descriptor_support;

use std::path::Path;

use cdp_spark_testkit::fixtures;
use descriptor_support::{fixture_with, issues, ok, only_issue, J, SCHED};

const SCALA_DIR: &str = "descriptors/scala-provisioner";

/// The fixture's `# scala:` / `# ours:` line: `valid`, or `invalid` and the
/// field under `specific`.
fn expectation(text: &str, tag: &str, file: &Path) -> Option<String> {
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(&format!("# {tag}: ")))
        .unwrap_or_else(|| panic!("{}: no '# {tag}:' line", file.display()));
    match line.split_once(' ') {
        None if line == "valid" => None,
        Some(("invalid", field)) => Some(field.to_string()),
        _ => panic!(
            "{}: '# {tag}: {line}' is not valid or invalid FIELD",
            file.display()
        ),
    }
}

#[test]
fn scala_provisioner_descriptors_validate_as_it_did_except_the_listed_differences() {
    let dir = fixtures::path(SCALA_DIR);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "only {} descriptors", files.len());
    let readme = fixtures::read(&format!("{SCALA_DIR}/README.md"));
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a fixture");
        let name = file.file_name().and_then(|n| n.to_str()).expect("a name");
        let scala = expectation(&text, "scala", file);
        let ours = expectation(&text, "ours", file);
        // Where we differ from the Scala provisioner, the file is named a
        // difference and the README lists it.
        assert_eq!(
            scala != ours,
            name.starts_with("difference-"),
            "{name}: a difference must be named difference-*, and only a difference"
        );
        if scala != ours {
            assert!(readme.contains(name), "{name} is not listed in the README");
        }
        match (ours, descriptor_support::parse(&text)) {
            (None, Ok(_)) => {}
            (None, Err(issues)) => panic!("{name}: expected valid, got {issues:#?}"),
            (Some(field), Ok(_)) => panic!("{name}: expected an issue on {field}, it parsed"),
            (Some(field), Err(issues)) => {
                let want = format!("dataProduct.components[0].specific.{field}");
                let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
                assert_eq!(fields, [want.as_str()], "{name}: {issues:#?}");
            }
        }
    }
}

#[test]
fn run_at_provision_is_a_boolean_for_jobs_without_schedule() {
    let schedule = "          schedule:\n            cronExpression: \"0 30 2 ? * MON-FRI\"\n            startDate: 2026-01-01T00:00:00Z\n            endDate: 2030-12-31T23:59:59Z\n";
    let d = ok(&fixture_with(&[(
        schedule,
        "          runAtProvision: true\n",
    )]));
    assert_eq!(d.component.specific.job_config.run_at_provision, Some(true));
    let d = ok(&fixture_with(&[(schedule, "")]));
    assert_eq!(d.component.specific.job_config.run_at_provision, None);
    // false next to a schedule says nothing new; true contradicts it.
    let d = ok(&fixture_with(&[(
        schedule,
        &format!("          runAtProvision: false\n{schedule}"),
    )]));
    assert_eq!(
        d.component.specific.job_config.run_at_provision,
        Some(false)
    );
    only_issue(
        &fixture_with(&[(
            schedule,
            &format!("          runAtProvision: true\n{schedule}"),
        )]),
        &format!("{J}.runAtProvision"),
        "the job has a schedule",
    );
    only_issue(
        &fixture_with(&[(schedule, "          runAtProvision: \"yes\"\n")]),
        &format!("{J}.runAtProvision"),
        "expected true or false",
    );
}

#[test]
fn time_zone_ids_are_read_as_java_reads_them() {
    let end = "            endDate: 2030-12-31T23:59:59Z\n";
    let issue = only_issue(
        &fixture_with(&[(
            end,
            "            endDate: 2030-12-31T23:59:59Z\n            timeZone: gmt+5:30\n",
        )]),
        &format!("{SCHED}.timeZone"),
        "'gmt+5:30' is not a time zone id Java knows",
    );
    assert!(issue.hint.contains("'GMT+05:30'"), "{}", issue.hint);
    // Java's custom ids and the JDK's old ids, named as Java names them.
    for (id, java) in [
        ("GMT+5", "GMT+05:00"),
        ("GMT+0530", "GMT+05:30"),
        ("GMT-8", "GMT-08:00"),
        ("PST", "PST"),
        ("EST", "EST"),
        ("SystemV/EST5", "SystemV/EST5"),
    ] {
        let d = ok(&fixture_with(&[(
            end,
            &format!("            endDate: 2030-12-31T23:59:59Z\n            timeZone: \"{id}\"\n"),
        )]));
        let s = d.component.specific.job_config.schedule.expect("schedule");
        assert_eq!(s.time_zone.name(), java, "{id}");
    }
}

#[test]
fn an_empty_queue_is_no_queue() {
    let line = "        queue: root.finance\n";
    let d = ok(&fixture_with(&[(line, "        queue: \"\"\n")]));
    assert!(d.component.specific.queue.is_none());
    assert!(!issues(&fixture_with(&[(line, "        queue: \" \"\n")])).is_empty());
}
