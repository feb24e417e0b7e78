//! Secrets, processes and logs through the real `serve`, black box:
//!
//! - spark-submit gets an allow-listed environment, not the provisioner's
//!   tokens and database URL; a run's `error` (the end of the job's error
//!   output, served by the job status API) shows no secret even when the
//!   job reads its parent's environment;
//! - the job view and provision's `info` show secret conf values, secret
//!   options and URL passwords redacted;
//! - a newline or NUL in a caller's value cannot forge a log line;
//! - local mode on an address other hosts can reach needs the operator's
//!   explicit opt-in.

mod support;

use serde_json::json;
use support::*;

fn job_path() -> String {
    format!("/v1/scheduler/jobs/{}/{}", seg(FIXTURE_GROUP), FIXTURE_JOB)
}

// ------------------------------------------------------------ job view ---

#[tokio::test]
async fn the_job_view_and_provision_info_show_secrets_redacted() {
    let secrets = [
        "jv-arg-secret-1",
        "jv-arg-secret-2",
        "jv-conf-secret-3",
        "jv-conf-secret-4",
    ];
    let descriptor = local_descriptor()
        .replace(
            r#"args: ["--date", "yesterday", "--output", "/data/finance/cashflow/daily"]"#,
            r#"args: ["--date", "yesterday", "--db-password", "jv-arg-secret-1", "--api-token=jv-arg-secret-2"]"#,
        )
        .replace(
            r#"spark.sql.shuffle.partitions: "64""#,
            "spark.sql.shuffle.partitions: \"64\"\n            spark.hadoop.fs.s3a.secret.key: \"jv-conf-secret-3\"\n            spark.hadoop.javax.jdo.option.ConnectionPassword: \"jv-conf-secret-4\"",
        );
    assert!(
        secrets.iter().all(|s| descriptor.contains(s)),
        "the fixture changed: update the replaced lines"
    );
    let place = Place::new(&Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let (code, body) = server.post("/v1/provision", &request(&descriptor)).await;
    assert_eq!(code, 200, "{body}\n{}", server.log());
    let (code, job) = server.get(&job_path()).await;
    assert_eq!(code, 200, "{job}");
    let spec = &job["job"]["spec"];
    assert_eq!(
        spec["args"],
        json!([
            "--date",
            "yesterday",
            "--db-password",
            "***",
            "--api-token=***"
        ]),
        "{job}"
    );
    assert_eq!(
        spec["conf"]["spark.hadoop.fs.s3a.secret.key"], "***",
        "{job}"
    );
    assert_eq!(
        spec["conf"]["spark.hadoop.javax.jdo.option.ConnectionPassword"], "***",
        "{job}"
    );
    assert_eq!(spec["conf"]["spark.sql.shuffle.partitions"], "64", "{job}");
    for (what, text) in [
        ("the job view", job.to_string()),
        ("provision's answer", body.to_string()),
        ("the server's log", server.log()),
    ] {
        for secret in secrets {
            assert!(!text.contains(secret), "{what} shows {secret}: {text}");
        }
    }
}
