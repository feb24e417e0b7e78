//! Real Spark through `serve`, local mode: the job's main receives its args,
//! and its driver its conf values, exactly as the descriptor wrote them
//! (`0x1F`, `1e3`, `True`, `~`), not as YAML would type them (`31`,
//! `1000.0`, `true`, null). Needs `SPARK_HOME` (scripts/test.sh exports it
//! from scripts/install-spark.sh) and a JDK.

use crate::support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

/// Plain YAML scalars that read as numbers, booleans or null.
const WRITTEN: [&str; 13] = [
    "0x1F", "1e3", "0o17", "True", "1_000", ".inf", "+1", "007", "1.50", "~", "null", "-.5E-3",
    "1e999",
];

#[tokio::test]
async fn the_job_receives_args_and_conf_values_as_written() {
    let home = std::env::var_os("SPARK_HOME").map(PathBuf::from);
    assert!(
        home.as_ref()
            .is_some_and(|h| h.join("bin/spark-submit").is_file()),
        "SPARK_HOME is not set to a Spark installation ({home:?}): this test runs real Spark. \
         Run it with scripts/test.sh, or `SPARK_HOME=$(scripts/install-spark.sh) cargo test -p \
         cdp-spark-provisioner --test it -- spark_local_values::`"
    );
    // The driver (local mode: on this host) writes what it received: its
    // arguments after the first (the output file), then the spark.test.*
    // properties spark-submit set for it.
    let app = javajar::compile(
        "values-app",
        &[(
            "com/acme/finance/cashflow/DailyAggregation.java",
            &format!(
                "package com.acme.finance.cashflow;\n\
                 public class DailyAggregation {{\n\
                   public static void main(String[] args) throws Exception {{\n\
                     StringBuilder out = new StringBuilder();\n\
                     for (int i = 1; i < args.length; i++) out.append(\"arg=\").append(args[i]).append('\\n');\n\
                     for (int i = 0; i < {n}; i++) out.append(\"conf=\").append(System.getProperty(String.format(\"spark.test.v%02d\", i))).append('\\n');\n\
                     java.nio.file.Files.write(java.nio.file.Paths.get(args[0]), out.toString().getBytes(\"UTF-8\"));\n\
                   }}\n\
                 }}\n",
                n = WRITTEN.len()
            ),
        )],
    )
    .jar(javajar::Packing::Deflated);
    let dir = tempfile::tempdir().expect("tempdir");
    let output = dir.path().join("received.txt");

    let (_, dep) = jars();
    let mut text = fixture_descriptor();
    let conf: String = WRITTEN
        .iter()
        .enumerate()
        .map(|(n, v)| format!("            spark.test.v{n:02}: {v}\n"))
        .collect();
    for (from, to) in [
        (
            "          schedule:\n            cronExpression: \"0 30 2 ? * MON-FRI\"\n            startDate: 2026-01-01T00:00:00Z\n            endDate: 2030-12-31T23:59:59Z\n".to_string(),
            String::new(),
        ),
        (
            "hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar"
                .to_string(),
            app.display().to_string(),
        ),
        (
            "hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar".to_string(),
            dep.display().to_string(),
        ),
        ("driverMemory: 2g".to_string(), "driverMemory: 512m".to_string()),
        (
            "          args: [\"--date\", \"yesterday\", \"--output\", \"/data/finance/cashflow/daily\"]\n".to_string(),
            format!(
                "          args: [\"{}\", {}]\n",
                output.display(),
                WRITTEN.join(", ")
            ),
        ),
        (
            "            spark.dynamicAllocation.enabled: \"false\"\n".to_string(),
            format!("            spark.ui.enabled: \"false\"\n{conf}"),
        ),
    ] {
        assert_eq!(text.matches(&from).count(), 1, "the fixture changed: {from}");
        text = text.replacen(&from, &to, 1);
    }

    let place = Place::new(&Db::Sqlite);
    let options = ServerOptions::default().spark_local();
    let server = start_in(&place, &options);
    let (code, body) = server.post("/v1/provision", &request(&text)).await;
    assert_eq!(code, 200, "{body}\n{}", server.log());

    let job = format!("/v1/scheduler/jobs/{}/{}", seg(FIXTURE_GROUP), FIXTURE_JOB);
    let (code, manual) = server.post(&format!("{job}/trigger"), &Value::Null).await;
    assert_eq!(code, 202, "{manual}");
    let run_id = manual["runId"]
        .as_str()
        .unwrap_or_else(|| panic!("no run id in the answer: {manual}"))
        .to_string();
    let run = run_until_ended(&server, &run_id, Instant::now() + Duration::from_secs(120)).await;
    assert_eq!(run["state"], "SUCCEEDED", "{run}\n{}", server.log());

    let received = std::fs::read_to_string(&output).expect("the job wrote what it received");
    let expected: String = WRITTEN
        .iter()
        .map(|v| format!("arg={v}\n"))
        .chain(WRITTEN.iter().map(|v| format!("conf={v}\n")))
        .collect();
    assert_eq!(received, expected);
}
