//! The descriptor rules, one test per rule: the descriptor fixture mutated to
//! break it, then the exact field path and the problem checked.

use crate::descriptor_support;

use std::time::Duration;

use cdp_spark_domain::api::DescriptorKind;
use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::descriptor::{
    parse_request, ConcurrencyPolicy, DescriptorSettings, SparkLogLevel, MAX_JOB_NAME_LEN,
};
use chrono::{TimeZone, Utc};
use descriptor_support::{
    assert_has, data, fixture, fixture_with, issues, ok, only_issue, C, J, S, SCHED,
};

const COMPONENT_ID: &str = "urn:dmb:cmp:finance:cashflow:0:daily-aggregation";
const JOB_NAME_LINE: &str = "        jobName: finance-cashflow-0-daily-aggregation-development\n";

// ------------------------------------------------------------ the fixture ---

#[test]
fn the_fixture_parses_into_every_value() {
    let d = ok(&fixture());
    let dp = &d.data_product;
    assert_eq!(dp.id, "urn:dmb:dp:finance:cashflow:0");
    assert_eq!(dp.name.as_deref(), Some("Cash Flow"));
    assert_eq!(dp.domain.as_deref(), Some("finance"));
    assert_eq!(dp.environment, "development");
    assert_eq!(dp.version.as_deref(), Some("0.3.1"));
    assert_eq!(
        dp.data_product_owner.as_deref(),
        Some("user:anna.rossi_acme.com")
    );
    assert_eq!(dp.dev_group.as_deref(), Some("group:finance-dev"));
    assert_eq!(dp.owner_group.as_deref(), Some("group:finance-owners"));

    assert_eq!(d.component_index, 1);
    let c = &d.component;
    assert_eq!(c.id, COMPONENT_ID);
    assert_eq!(c.name.as_deref(), Some("Daily Aggregation"));
    assert_eq!(
        c.description.as_deref(),
        Some("Aggregates the day's ledger entries")
    );
    assert_eq!(
        c.use_case_template_id,
        "urn:dmb:utm:cdp-private-spark-workload-template:0.0.0"
    );

    let w = &c.specific;
    assert_eq!(
        w.job_name.as_str(),
        "finance-cashflow-0-daily-aggregation-development"
    );
    assert_eq!(
        w.jar,
        ArtifactUri::parse(
            "hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar"
        )
        .expect("valid uri")
    );
    assert_eq!(
        w.class_name.as_str(),
        "com.acme.finance.cashflow.DailyAggregation"
    );
    assert_eq!(w.queue.as_ref().map(|q| q.as_str()), Some("root.finance"));

    let j = &w.job_config;
    assert_eq!(
        j.args,
        [
            "--date",
            "yesterday",
            "--output",
            "/data/finance/cashflow/daily"
        ]
    );
    assert_eq!(
        j.dependencies
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>(),
        ["hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar"]
    );
    assert_eq!(j.driver_cores.map(|n| n.get()), Some(1));
    assert_eq!(j.executor_cores.map(|n| n.get()), Some(2));
    assert_eq!(j.num_executors.map(|n| n.get()), Some(4));
    let driver_memory = j.driver_memory.as_ref().expect("driverMemory");
    assert_eq!(driver_memory.as_str(), "2g");
    assert_eq!(driver_memory.bytes(), 2 << 30);
    let executor_memory = j.executor_memory.as_ref().expect("executorMemory");
    assert_eq!(executor_memory.bytes(), 4 << 30);
    assert_eq!(j.log_level, Some(SparkLogLevel::Info));
    assert_eq!(j.conf.len(), 2);
    assert_eq!(j.conf["spark.sql.shuffle.partitions"], "64");
    assert_eq!(j.conf["spark.dynamicAllocation.enabled"], "false");

    let s = j.schedule.as_ref().expect("schedule");
    assert_eq!(s.cron.as_str(), "0 30 2 ? * MON-FRI");
    // Unquoted in the YAML, still read as text and parsed.
    assert_eq!(
        s.start_date,
        Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())
    );
    assert_eq!(
        s.end_date,
        Some(Utc.with_ymd_and_hms(2030, 12, 31, 23, 59, 59).unwrap())
    );
    assert_eq!(s.time_zone, chrono_tz::UTC.into());
    assert_eq!(s.concurrency_policy, ConcurrencyPolicy::Forbid);
    assert_eq!(s.retries, 0);
    assert_eq!(s.retry_delay, None);
    assert_eq!(
        d.component_field("specific.jobName"),
        format!("{S}.jobName")
    );
}

#[test]
fn a_descriptor_without_job_config_parses_with_defaults() {
    let d = ok(&data("minimal-workload.yaml"));
    let w = &d.component.specific;
    assert_eq!(d.component_index, 0);
    assert_eq!(
        w.job_name.as_str(),
        "sales-orders-1-nightly-load-production"
    );
    assert!(w.queue.is_none());
    assert!(w.job_config.args.is_empty());
    assert!(w.job_config.conf.is_empty());
    assert!(w.job_config.schedule.is_none());
    assert!(w.job_config.driver_cores.is_none());
    assert!(d.data_product.name.is_none());
}

#[test]
fn unknown_fields_are_tolerated_everywhere() {
    let text = fixture_with(&[
        (
            "        queue: root.finance\n",
            "        queue: root.finance\n        appFile: legacy.jar\n        futureField: {a: [1]}\n",
        ),
        (
            "          logLevel: INFO\n",
            "          logLevel: INFO\n          somethingNew: true\n",
        ),
        (
            "            endDate: 2030-12-31T23:59:59Z\n",
            "            endDate: 2030-12-31T23:59:59Z\n            calendar: holidays\n",
        ),
    ]);
    ok(&text);
}

#[test]
fn five_different_problems_are_all_reported_at_once() {
    let found = issues(&data("five-problems.yaml"));
    assert_eq!(found.len(), 5, "{found:#?}");
    let c = "dataProduct.components[0]";
    assert_has(&found, &format!("{c}.specific.className"), "Java keyword");
    assert_has(&found, &format!("{c}.specific.queue"), "empty queue name");
    assert_has(
        &found,
        &format!("{c}.specific.jobConfig.driverCores"),
        "expected a positive integer, found the string 'two'",
    );
    assert_has(
        &found,
        &format!("{c}.specific.jobConfig.logLevel"),
        "'VERBOSE' is not a Spark log level",
    );
    assert_has(
        &found,
        &format!("{c}.specific.jobConfig.schedule.cronExpression"),
        "never fires",
    );
}

// ------------------------------------------------------------ top level ---

#[test]
fn data_product_is_required() {
    let text = format!("componentIdToProvision: {COMPONENT_ID}\n");
    only_issue(&text, "dataProduct", "is missing");
    let text = format!("dataProduct: [1, 2]\ncomponentIdToProvision: {COMPONENT_ID}\n");
    only_issue(&text, "dataProduct", "expected a mapping, found a list");
}

#[test]
fn data_product_id_is_required_and_fits_the_quartz_group_column() {
    only_issue(
        &fixture_with(&[("  id: urn:dmb:dp:finance:cashflow:0\n", "")]),
        "dataProduct.id",
        "is missing",
    );
    let long = format!("urn:dmb:dp:{}", "x".repeat(180));
    only_issue(
        &fixture_with(&[(
            "  id: urn:dmb:dp:finance:cashflow:0\n",
            &format!("  id: {long}\n"),
        )]),
        "dataProduct.id",
        "at most 190",
    );
}

#[test]
fn environment_is_required() {
    only_issue(
        &fixture_with(&[("  environment: development\n", "")]),
        "dataProduct.environment",
        "is missing",
    );
    only_issue(
        &fixture_with(&[("  environment: development\n", "  environment: {a: b}\n")]),
        "dataProduct.environment",
        "expected a string, found a mapping",
    );
}

#[test]
fn optional_data_product_fields_must_be_text() {
    only_issue(
        &fixture_with(&[("  domain: finance\n", "  domain: [finance]\n")]),
        "dataProduct.domain",
        "expected a string, found a list",
    );
}

#[test]
fn component_id_to_provision_is_required() {
    only_issue(
        &fixture_with(&[(&format!("componentIdToProvision: {COMPONENT_ID}\n"), "")]),
        "componentIdToProvision",
        "is missing",
    );
}

#[test]
fn the_component_to_provision_must_exist() {
    let issue = only_issue(
        &fixture_with(&[(
            &format!("componentIdToProvision: {COMPONENT_ID}\n"),
            "componentIdToProvision: urn:dmb:cmp:finance:cashflow:0:nope\n",
        )]),
        "componentIdToProvision",
        "is not the id of any component",
    );
    assert!(
        issue.problem.contains(COMPONENT_ID)
            && issue
                .problem
                .contains("urn:dmb:cmp:finance:cashflow:0:daily-figures"),
        "the ids present are listed: {}",
        issue.problem
    );
}

#[test]
fn component_ids_must_be_unique() {
    let text = fixture_with(&[(
        "      id: urn:dmb:cmp:finance:cashflow:0:daily-figures\n",
        &format!("      id: {COMPONENT_ID}\n"),
    )]);
    let issue = only_issue(&text, "componentIdToProvision", "several components");
    assert!(
        issue.problem.contains("dataProduct.components[0]")
            && issue.problem.contains("dataProduct.components[1]"),
        "{}",
        issue.problem
    );
}

#[test]
fn components_must_be_a_list() {
    let text = format!(
        "dataProduct:\n  id: urn:dmb:dp:x:y:0\n  environment: dev\n  components: nope\n\
         componentIdToProvision: {COMPONENT_ID}\n"
    );
    only_issue(&text, "dataProduct.components", "expected a list");
}

#[test]
fn the_component_must_be_a_workload() {
    let issue = only_issue(
        &fixture_with(&[("    - kind: workload\n", "    - kind: outputport\n")]),
        &format!("{C}.kind"),
        "'outputport'",
    );
    assert!(issue.problem.contains("workload"), "{}", issue.problem);
}

#[test]
fn the_use_case_template_must_be_accepted_with_any_version() {
    let line = "      useCaseTemplateId: urn:dmb:utm:cdp-private-spark-workload-template:0.0.0\n";
    let issue = only_issue(
        &fixture_with(&[(
            line,
            "      useCaseTemplateId: urn:dmb:utm:airflow-workload-template:0.0.0\n",
        )]),
        &format!("{C}.useCaseTemplateId"),
        "is not a template this provisioner accepts",
    );
    assert!(
        issue
            .problem
            .contains("urn:dmb:utm:cdp-private-spark-workload-template"),
        "the accepted ones are listed: {}",
        issue.problem
    );
    // A prefix without ':' is another template.
    only_issue(
        &fixture_with(&[(
            line,
            "      useCaseTemplateId: urn:dmb:utm:cdp-private-spark-workload-template-v2:0.0.0\n",
        )]),
        &format!("{C}.useCaseTemplateId"),
        "is not a template",
    );
    for accepted in [
        "urn:dmb:utm:cdp-private-spark-workload-template",
        "urn:dmb:utm:cdp-private-spark-workload-template:2.1.0",
    ] {
        ok(&fixture_with(&[(
            line,
            &format!("      useCaseTemplateId: {accepted}\n"),
        )]));
    }
    // Configurable.
    let settings = DescriptorSettings {
        accepted_use_case_templates: vec!["urn:dmb:utm:other".into()],
        ..DescriptorSettings::default()
    };
    let found = parse_request(DescriptorKind::ComponentDescriptor, &fixture(), &settings)
        .expect_err("not accepted by these settings")
        .into_vec();
    assert_has(
        &found,
        &format!("{C}.useCaseTemplateId"),
        "'urn:dmb:utm:other'",
    );
}

#[test]
fn specific_is_required() {
    let text = fixture_with(&[(
        "      specific:\n        jobName",
        "      specifics:\n        jobName",
    )]);
    only_issue(&text, &format!("{C}.specific"), "is missing");
}

// -------------------------------------------------------------- specific ---

#[test]
fn job_name_jar_and_class_name_are_required() {
    for (line, field) in [
        (JOB_NAME_LINE, "jobName"),
        (
            "        jar: hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar\n",
            "jar",
        ),
        (
            "        className: com.acme.finance.cashflow.DailyAggregation\n",
            "className",
        ),
    ] {
        only_issue(&fixture_with(&[(line, "")]), &format!("{S}.{field}"), "is missing");
    }
}

#[test]
fn job_name_must_follow_the_naming_convention() {
    let issue = only_issue(
        &fixture_with(&[(JOB_NAME_LINE, "        jobName: daily-aggregation\n")]),
        &format!("{S}.jobName"),
        "must be 'finance-cashflow-0-daily-aggregation-development'",
    );
    assert!(issue
        .hint
        .contains("finance-cashflow-0-daily-aggregation-development"));
    // The environment is part of it.
    only_issue(
        &fixture_with(&[(
            "  environment: development\n",
            "  environment: production\n",
        )]),
        &format!("{S}.jobName"),
        "must be 'finance-cashflow-0-daily-aggregation-production'",
    );
    // Every character outside [A-Za-z0-9] becomes '-', one for one.
    let text = fixture_with(&[
        ("  environment: development\n", "  environment: qa_1 (é)\n"),
        (
            JOB_NAME_LINE,
            "        jobName: finance-cashflow-0-daily-aggregation-qa-1----\n",
        ),
    ]);
    ok(&text);
}

#[test]
fn component_ids_without_the_witboost_prefix_give_no_job_name() {
    let text = fixture_with(&[
        (
            &format!("      id: {COMPONENT_ID}\n"),
            "      id: finance:cashflow:0:daily-aggregation\n",
        ),
        (
            &format!("componentIdToProvision: {COMPONENT_ID}\n"),
            "componentIdToProvision: finance:cashflow:0:daily-aggregation\n",
        ),
    ]);
    only_issue(
        &text,
        &format!("{C}.id"),
        "does not start with 'urn:dmb:cmp:'",
    );
}

#[test]
fn job_names_leave_room_for_the_trigger_suffix() {
    assert_eq!(MAX_JOB_NAME_LEN, 183);
    // id of 12 + 170 characters, "-development": 182 characters of job name.
    let long_part = "a".repeat(MAX_JOB_NAME_LEN - 1 - "-development".len());
    let id = format!("urn:dmb:cmp:{long_part}");
    let long_id = |id: &str, job: &str| {
        fixture_with(&[
            (
                &format!("      id: {COMPONENT_ID}\n"),
                &format!("      id: {id}\n"),
            ),
            (
                &format!("componentIdToProvision: {COMPONENT_ID}\n"),
                &format!("componentIdToProvision: {id}\n"),
            ),
            (JOB_NAME_LINE, &format!("        jobName: {job}\n")),
        ])
    };
    let ok_name = format!("{long_part}-development");
    assert_eq!(ok_name.len(), MAX_JOB_NAME_LEN - 1);
    ok(&long_id(&id, &ok_name));
    // Two characters more: 184, over the limit even though it follows the
    // convention.
    let id = format!("urn:dmb:cmp:{long_part}bb");
    let name = format!("{long_part}bb-development");
    let issue = only_issue(&long_id(&id, &name), &format!("{S}.jobName"), "at most 183");
    assert!(
        issue.problem.contains("184 characters") && issue.problem.contains("Trigger"),
        "the message explains the limit: {}",
        issue.problem
    );
}

#[test]
fn jar_must_be_a_supported_location_of_a_jar() {
    let jar_line = "        jar: hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar\n";
    let issue = only_issue(
        &fixture_with(&[(jar_line, "        jar: s3a://bucket/apps/app.jar\n")]),
        &format!("{S}.jar"),
        "unsupported scheme 's3a'",
    );
    assert!(
        issue.problem.contains("hdfs://") && issue.problem.contains("file:"),
        "supported schemes are listed: {}",
        issue.problem
    );
    only_issue(
        &fixture_with(&[(jar_line, "        jar: hdfs://nameservice1/apps/app.zip\n")]),
        &format!("{S}.jar"),
        "does not end with .jar",
    );
    only_issue(
        &fixture_with(&[(jar_line, "        jar: hdfs://nameservice1\n")]),
        &format!("{S}.jar"),
        "not a valid hdfs:// URI",
    );
    for fine in [
        "/opt/jobs/app.jar",
        "file:///opt/jobs/app.JAR",
        "hdfs:///apps/app.jar",
    ] {
        let d = ok(&fixture_with(&[(
            jar_line,
            &format!("        jar: {fine}\n"),
        )]));
        assert_eq!(d.component.specific.jar.as_str(), fine);
    }
}

#[test]
fn dependencies_must_be_supported_locations() {
    let text = fixture_with(&[(
        "            - hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar\n",
        "            - hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar\n            - https://repo/x.jar\n            - {a: b}\n",
    )]);
    let found = issues(&text);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_has(
        &found,
        &format!("{J}.dependencies[1]"),
        "unsupported scheme 'https'",
    );
    assert_has(
        &found,
        &format!("{J}.dependencies[2]"),
        "expected a string, found a mapping",
    );
    only_issue(
        &fixture_with(&[(
            "          dependencies:\n            - hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar\n",
            "          dependencies: hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar\n",
        )]),
        &format!("{J}.dependencies"),
        "expected a list of jar locations, found the string",
    );
}

#[test]
fn class_name_must_be_a_java_binary_name() {
    let line = "        className: com.acme.finance.cashflow.DailyAggregation\n";
    for (bad, problem) in [
        ("com.acme..Main", "empty part"),
        (".Main", "empty part"),
        ("com.acme.", "empty part"),
        ("com.acme.class.Main", "'class' is a Java keyword"),
        ("com.1acme.Main", "'1acme' is not a Java identifier"),
        ("com.acme-jobs.Main", "'acme-jobs' is not a Java identifier"),
        ("\"com.acme Main\"", "whitespace"),
    ] {
        only_issue(
            &fixture_with(&[(line, &format!("        className: {bad}\n"))]),
            &format!("{S}.className"),
            problem,
        );
    }
    for good in [
        "Main",
        "com.acme.Outer$Inner",
        "_x.$y.Z9",
        "com.acme.été.Main",
    ] {
        let d = ok(&fixture_with(&[(
            line,
            &format!("        className: {good}\n"),
        )]));
        assert_eq!(d.component.specific.class_name.as_str(), good);
    }
}

#[test]
fn queue_must_be_a_yarn_queue_path() {
    let line = "        queue: root.finance\n";
    for (bad, problem) in [
        ("root..finance", "empty queue name"),
        (".root", "empty queue name"),
        ("root.", "empty queue name"),
        ("\"root.fin ance\"", "whitespace"),
        ("[root]", "expected a string, found a list"),
    ] {
        only_issue(
            &fixture_with(&[(line, &format!("        queue: {bad}\n"))]),
            &format!("{S}.queue"),
            problem,
        );
    }
    let d = ok(&fixture_with(&[(line, "        queue: default\n")]));
    assert_eq!(
        d.component.specific.queue.map(|q| q.to_string()).as_deref(),
        Some("default")
    );
    let d = ok(&fixture_with(&[(line, "")]));
    assert!(d.component.specific.queue.is_none());
}

// ------------------------------------------------------------- jobConfig ---

#[test]
fn job_config_must_be_a_mapping() {
    let text = fixture_with(&[(
        "        jobConfig:\n          args",
        "        jobConfig: none\n        jobConfigOld:\n          args",
    )]);
    only_issue(&text, J, "expected a mapping, found the string 'none'");
}

#[test]
fn counts_must_be_positive_integers() {
    for key in ["driverCores", "executorCores", "numExecutors"] {
        let line = match key {
            "driverCores" => "          driverCores: 1\n",
            "executorCores" => "          executorCores: 2\n",
            _ => "          numExecutors: 4\n",
        };
        for (bad, problem) in [
            ("0", "expected a positive integer, found 0"),
            ("-3", "expected a positive integer, found -3"),
            ("1.5", "expected a positive integer, found the number 1.5"),
            ("two", "expected a positive integer, found the string 'two'"),
            ("\"2\"", "expected a positive integer, found the string '2'"),
            (
                "true",
                "expected a positive integer, found the boolean true",
            ),
            ("99999999999", "too large"),
        ] {
            only_issue(
                &fixture_with(&[(line, &format!("          {key}: {bad}\n"))]),
                &format!("{J}.{key}"),
                problem,
            );
        }
    }
    let d = ok(&fixture_with(&[(
        "          numExecutors: 4\n",
        "          numExecutors: 200\n",
    )]));
    assert_eq!(
        d.component
            .specific
            .job_config
            .num_executors
            .map(|n| n.get()),
        Some(200)
    );
}

#[test]
fn memory_sizes_follow_spark() {
    let line = "          executorMemory: 4g\n";
    for (good, bytes) in [
        ("512m", 512u64 << 20),
        ("2G", 2 << 30),
        ("1t", 1 << 40),
        ("1024k", 1 << 20),
        ("1024kb", 1 << 20),
        ("512mb", 512 << 20),
        ("1gb", 1 << 30),
        ("1p", 1 << 50),
        ("4096b", 4096),
        // A bare number is MiB, as Spark reads spark.executor.memory.
        ("2048", 2048 << 20),
        ("\"8g\"", 8 << 30),
    ] {
        let d = ok(&fixture_with(&[(
            line,
            &format!("          executorMemory: {good}\n"),
        )]));
        let m = d
            .component
            .specific
            .job_config
            .executor_memory
            .expect("executorMemory");
        assert_eq!(m.bytes(), bytes, "{good}");
    }
    for (bad, problem) in [
        ("0g", "is zero"),
        ("0", "is zero"),
        ("1.5g", "fraction"),
        ("2x", "unknown unit 'x'"),
        ("2 gigs", "unknown unit"),
        ("g", "must start with a number"),
        ("-1g", "must start with a number"),
        ("99999999p", "too large"),
        (
            "true",
            "expected a memory size such as 512m or 4g, found the boolean true",
        ),
    ] {
        only_issue(
            &fixture_with(&[(line, &format!("          executorMemory: {bad}\n"))]),
            &format!("{J}.executorMemory"),
            problem,
        );
    }
    only_issue(
        &fixture_with(&[(
            "          driverMemory: 2g\n",
            "          driverMemory: 2gbx\n",
        )]),
        &format!("{J}.driverMemory"),
        "unknown unit 'gbx'",
    );
}

#[test]
fn log_level_is_one_of_sparks() {
    let line = "          logLevel: INFO\n";
    let issue = only_issue(
        &fixture_with(&[(line, "          logLevel: VERBOSE\n")]),
        &format!("{J}.logLevel"),
        "'VERBOSE' is not a Spark log level",
    );
    assert!(
        issue.hint.contains("WARN") && issue.hint.contains("TRACE"),
        "{}",
        issue.hint
    );
    let d = ok(&fixture_with(&[(line, "          logLevel: warn\n")]));
    assert_eq!(
        d.component.specific.job_config.log_level,
        Some(SparkLogLevel::Warn)
    );
}

#[test]
fn conf_keys_are_spark_properties_and_values_scalars() {
    let last = "            spark.dynamicAllocation.enabled: \"false\"\n";
    let found = issues(&fixture_with(&[(
        last,
        "            spark.dynamicAllocation.enabled: \"false\"\n            hive.exec.dynamic: true\n            spark.executor.memoryOverhead: [a, b]\n            \"spark.x y\": 1\n            spark.: 1\n",
    )]));
    assert_eq!(found.len(), 4, "{found:#?}");
    assert_has(
        &found,
        &format!("{J}.conf[\"hive.exec.dynamic\"]"),
        "must start with 'spark.'",
    );
    assert_has(
        &found,
        &format!("{J}.conf[\"spark.\"]"),
        "must start with 'spark.'",
    );
    assert_has(
        &found,
        &format!("{J}.conf[\"spark.executor.memoryOverhead\"]"),
        "expected a string, number or boolean value, found a list",
    );
    assert_has(&found, &format!("{J}.conf[\"spark.x y\"]"), "whitespace");
    only_issue(
        &fixture_with(&[(
            "          conf:\n            spark.sql",
            "          conf: spark.sql.shuffle.partitions=64\n          confOld:\n            spark.sql",
        )]),
        &format!("{J}.conf"),
        "expected a mapping of Spark properties",
    );

    // Numbers and booleans keep their text.
    let d = ok(&fixture_with(&[(
        last,
        "            spark.dynamicAllocation.enabled: false\n            spark.executor.instances: 10\n            spark.memory.fraction: 0.75\n            spark.yarn.tags: yes\n",
    )]));
    let conf = &d.component.specific.job_config.conf;
    assert_eq!(conf["spark.dynamicAllocation.enabled"], "false");
    assert_eq!(conf["spark.executor.instances"], "10");
    assert_eq!(conf["spark.memory.fraction"], "0.75");
    assert_eq!(conf["spark.yarn.tags"], "yes");
}

#[test]
fn args_are_plain_strings_passed_without_a_shell() {
    let line = "          args: [\"--date\", \"yesterday\", \"--output\", \"/data/finance/cashflow/daily\"]\n";
    let d = ok(&fixture_with(&[(
        line,
        "          args: [\"$(rm -rf /); `x` | y > z && 'q'\", 42, 1.5, true, 007, \"\"]\n",
    )]));
    assert_eq!(
        d.component.specific.job_config.args,
        [
            "$(rm -rf /); `x` | y > z && 'q'",
            "42",
            "1.5",
            "true",
            "007",
            ""
        ]
    );
    // The last item has nothing written (an explicit `~` would be the text
    // "~", see args_and_conf_values_are_passed_exactly_as_written).
    let found = issues(&fixture_with(&[(
        line,
        "          args:\n            - \"--date\"\n            - {day: 1}\n            - [a]\n            - \"a\\0b\"\n            -\n",
    )]));
    assert_eq!(found.len(), 4, "{found:#?}");
    assert_has(
        &found,
        &format!("{J}.args[1]"),
        "expected a string, found a mapping",
    );
    assert_has(
        &found,
        &format!("{J}.args[2]"),
        "expected a string, found a list",
    );
    assert_has(&found, &format!("{J}.args[3]"), "NUL");
    assert_has(
        &found,
        &format!("{J}.args[4]"),
        "expected a string, found nothing (null)",
    );
    only_issue(
        &fixture_with(&[(line, "          args: \"--date yesterday\"\n")]),
        &format!("{J}.args"),
        "expected a list of strings, found the string '--date yesterday'",
    );
}

// -------------------------------------------------------------- schedule ---

#[test]
fn cron_expression_is_required_in_a_schedule() {
    only_issue(
        &fixture_with(&[("            cronExpression: \"0 30 2 ? * MON-FRI\"\n", "")]),
        &format!("{SCHED}.cronExpression"),
        "is missing",
    );
}

#[test]
fn cron_expression_must_be_a_valid_quartz_expression() {
    for bad in [
        "0 30 2 * * MON-FRI",
        "0 30 25 ? * *",
        "30 2 * * *",
        "not a cron",
    ] {
        only_issue(
            &fixture_with(&[(
                "            cronExpression: \"0 30 2 ? * MON-FRI\"\n",
                &format!("            cronExpression: \"{bad}\"\n"),
            )]),
            &format!("{SCHED}.cronExpression"),
            "is not a valid Quartz cron expression",
        );
    }
}

#[test]
fn the_schedule_must_fire_at_least_once_in_its_window() {
    let cron = "            cronExpression: \"0 30 2 ? * MON-FRI\"\n";
    // 30 February never comes.
    let issue = only_issue(
        &fixture_with(&[(cron, "            cronExpression: \"0 0 0 30 2 ?\"\n")]),
        &format!("{SCHED}.cronExpression"),
        "never fires",
    );
    assert!(
        issue.problem.contains("2026-01-01T00:00:00Z"),
        "{}",
        issue.problem
    );
    // Only in 2020, before the window.
    only_issue(
        &fixture_with(&[(cron, "            cronExpression: \"0 0 12 * * ? 2020\"\n")]),
        &format!("{SCHED}.cronExpression"),
        "never fires",
    );
    // Only in 2031, after the window; fine without an end.
    only_issue(
        &fixture_with(&[(cron, "            cronExpression: \"0 0 12 1 1 ? 2031\"\n")]),
        &format!("{SCHED}.cronExpression"),
        "never fires",
    );
    ok(&fixture_with(&[
        (cron, "            cronExpression: \"0 0 12 1 1 ? 2031\"\n"),
        ("            endDate: 2030-12-31T23:59:59Z\n", ""),
    ]));
    // Without startDate the window starts at the Unix epoch: 2020 is in it.
    ok(&fixture_with(&[
        (cron, "            cronExpression: \"0 0 12 * * ? 2020\"\n"),
        ("            startDate: 2026-01-01T00:00:00Z\n", ""),
    ]));
    // startDate is inclusive, as Quartz's first fire time.
    ok(&fixture_with(&[
        (cron, "            cronExpression: \"0 0 0 1 1 ? 2026\"\n"),
        (
            "            endDate: 2030-12-31T23:59:59Z\n",
            "            endDate: 2026-01-01T00:00:01Z\n",
        ),
    ]));
}

#[test]
fn dates_have_exactly_the_documented_shape() {
    for bad in [
        "2026-01-01",
        "2026-01-01 00:00:00Z",
        "\"2026-01-01T00:00:00+01:00\"",
        "2026-01-01T00:00:00",
        "2026-01-01T00:00:00.000Z",
    ] {
        only_issue(
            &fixture_with(&[(
                "            startDate: 2026-01-01T00:00:00Z\n",
                &format!("            startDate: {bad}\n"),
            )]),
            &format!("{SCHED}.startDate"),
            "does not have the form yyyy-MM-ddTHH:mm:ssZ",
        );
    }
    only_issue(
        &fixture_with(&[(
            "            endDate: 2030-12-31T23:59:59Z\n",
            "            endDate: 2030-02-30T23:59:59Z\n",
        )]),
        &format!("{SCHED}.endDate"),
        "is not a real date and time",
    );
    // Quoted or not, the same instant.
    let d = ok(&fixture_with(&[(
        "            startDate: 2026-01-01T00:00:00Z\n",
        "            startDate: \"2026-01-01T00:00:00Z\"\n",
    )]));
    let s = d.component.specific.job_config.schedule.expect("schedule");
    assert_eq!(
        s.start_date,
        Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())
    );
}

#[test]
fn end_date_must_be_after_start_date() {
    for end in ["2025-12-31T00:00:00Z", "2026-01-01T00:00:00Z"] {
        only_issue(
            &fixture_with(&[(
                "            endDate: 2030-12-31T23:59:59Z\n",
                &format!("            endDate: {end}\n"),
            )]),
            &format!("{SCHED}.endDate"),
            "is not after startDate 2026-01-01T00:00:00Z",
        );
    }
}

#[test]
fn time_zone_is_an_id_java_resolves() {
    let end = "            endDate: 2030-12-31T23:59:59Z\n";
    let issue = only_issue(
        &fixture_with(&[(
            end,
            "            endDate: 2030-12-31T23:59:59Z\n            timeZone: europe/rome\n",
        )]),
        &format!("{SCHED}.timeZone"),
        "'europe/rome' is not a time zone id Java knows",
    );
    assert!(
        issue.hint.contains("Europe/Rome"),
        "suggests the right spelling: {}",
        issue.hint
    );
    only_issue(
        &fixture_with(&[(
            end,
            "            endDate: 2030-12-31T23:59:59Z\n            timeZone: CEST+2\n",
        )]),
        &format!("{SCHED}.timeZone"),
        "Quartz would silently run the schedule in GMT, this provisioner refuses it",
    );
    let d = ok(&fixture_with(&[(
        end,
        "            endDate: 2030-12-31T23:59:59Z\n            timeZone: Europe/Rome\n",
    )]));
    let s = d.component.specific.job_config.schedule.expect("schedule");
    assert_eq!(s.time_zone, chrono_tz::Europe::Rome.into());
}

#[test]
fn concurrency_retries_and_retry_delay_are_read_and_checked() {
    let end = "            endDate: 2030-12-31T23:59:59Z\n";
    let with = |extra: &str| fixture_with(&[(end, &format!("{end}{extra}"))]);
    let d = ok(&with(
        "            concurrencyPolicy: Replace\n            retries: 3\n            retryDelay: 90s\n",
    ));
    let s = d.component.specific.job_config.schedule.expect("schedule");
    assert_eq!(s.concurrency_policy, ConcurrencyPolicy::Replace);
    assert_eq!(s.retries, 3);
    assert_eq!(s.retry_delay, Some(Duration::from_secs(90)));
    let d = ok(&with(
        "            concurrencyPolicy: allow\n            retryDelay: 5m\n",
    ));
    let s = d.component.specific.job_config.schedule.expect("schedule");
    assert_eq!(s.concurrency_policy, ConcurrencyPolicy::Allow);
    assert_eq!(s.retry_delay, Some(Duration::from_secs(300)));

    let issue = only_issue(
        &with("            concurrencyPolicy: Queue\n"),
        &format!("{SCHED}.concurrencyPolicy"),
        "'Queue' is not a concurrency policy",
    );
    assert!(
        issue.hint.contains("Forbid")
            && issue.hint.contains("Allow")
            && issue.hint.contains("Replace"),
        "{}",
        issue.hint
    );
    only_issue(
        &with("            retries: -1\n"),
        &format!("{SCHED}.retries"),
        "expected a non-negative integer, found -1",
    );
    only_issue(
        &with("            retries: many\n"),
        &format!("{SCHED}.retries"),
        "expected a non-negative integer, found the string 'many'",
    );
    only_issue(
        &with("            retryDelay: 5 minutes\n"),
        &format!("{SCHED}.retryDelay"),
        "'5 minutes' is not a duration",
    );
    only_issue(
        &with("            retryDelay: 30\n"),
        &format!("{SCHED}.retryDelay"),
        "expected a duration such as 30s or 5m, found the integer 30",
    );
}

#[test]
fn schedule_must_be_a_mapping() {
    let text = fixture_with(&[(
        "          schedule:\n            cronExpression",
        "          schedule: \"0 30 2 ? * MON-FRI\"\n          scheduleOld:\n            cronExpression",
    )]);
    only_issue(&text, SCHED, "expected a mapping, found the string");
}
