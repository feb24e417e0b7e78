//! The descriptor rules through the real binary: what the job store cannot
//! hold is refused at validate (valid: false, naming the field) and at
//! provision (400, never a 500 from the store); the operator's conf policy
//! refuses keys that would steer spark-submit on the provisioner's host;
//! args and conf values reach spark-submit's argv exactly as written.

use crate::support;

use cdp_spark_domain::model::SparkJobSpec;
use cdp_spark_domain::ports::LaunchRequest;
use cdp_spark_launcher::{LauncherConfig, SparkSubmitCommand};
use chrono::Utc;
use serde_json::Value;
use support::{
    local_descriptor, poll_until_done, request, seg, start_in, Db, Place, Server, ServerOptions,
    FIXTURE_GROUP, FIXTURE_JOB,
};

const COMPONENT: &str = "dataProduct.components[1]";
const ARGS_LINE: &str =
    "          args: [\"--date\", \"yesterday\", \"--output\", \"/data/finance/cashflow/daily\"]\n";
const CRON_LINE: &str = "            cronExpression: \"0 30 2 ? * MON-FRI\"\n";
const LAST_CONF_LINE: &str = "            spark.dynamicAllocation.enabled: \"false\"\n";

/// The local descriptor (jars built by the test) with `from` replaced once.
fn with(from: &str, to: &str) -> String {
    let text = local_descriptor();
    assert_eq!(text.matches(from).count(), 1, "{from:?} in the fixture");
    text.replacen(from, to, 1)
}

/// A descriptor for each limit the job store enforces, and the field its
/// refusal must name.
fn over_the_store_limits() -> Vec<(&'static str, String, String)> {
    let long_args: Vec<String> = (0..70)
        .map(|n| format!("\"{}\"", "a".repeat(1_000 + n)))
        .collect();
    let conf: String = (0..700)
        .map(|n| format!("            spark.test.k{n:04}: \"{}\"\n", "v".repeat(100)))
        .collect();
    let long_cron = format!("0 30 2 ? *{}MON-FRI", " ".repeat(110));
    vec![
        (
            "args over JOB_DATA",
            with(
                ARGS_LINE,
                &format!("          args: [{}]\n", long_args.join(", ")),
            ),
            format!("{COMPONENT}.specific.jobConfig.args"),
        ),
        (
            "conf over JOB_DATA",
            with(LAST_CONF_LINE, &format!("{LAST_CONF_LINE}{conf}")),
            format!("{COMPONENT}.specific.jobConfig.conf"),
        ),
        (
            "queue over JOB_DATA",
            with(
                "        queue: root.finance\n",
                &format!("        queue: root.{}\n", "q".repeat(66_000)),
            ),
            format!("{COMPONENT}.specific.queue"),
        ),
        (
            "cron over 120 characters",
            with(
                CRON_LINE,
                &format!("            cronExpression: \"{long_cron}\"\n"),
            ),
            format!("{COMPONENT}.specific.jobConfig.schedule.cronExpression"),
        ),
    ]
}

fn errors_text(body: &Value) -> String {
    body["error"]["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// Validate answers `valid: false` naming `field`; provision answers 400
/// naming it, and stores nothing.
async fn refused_everywhere(server: &Server, what: &str, descriptor: &str, field: &str) {
    let (code, body) = server.post("/v1/validate", &request(descriptor)).await;
    assert_eq!(code, 200, "{what}: {body}\n{}", server.log());
    assert_eq!(body["valid"], false, "{what}: validate must refuse: {body}");
    let errors = errors_text(&body);
    assert!(
        errors.contains(field),
        "{what}: errors name {field}: {errors}"
    );

    let (code, body) = server.post("/v1/provision", &request(descriptor)).await;
    assert_eq!(code, 400, "{what}: provision answers 400, not 500: {body}");
    assert_eq!(
        body["inputErrorField"].as_str(),
        Some(field),
        "{what}: {body}"
    );
    let (code, _) = server
        .get(&format!(
            "/v1/scheduler/jobs/{}/{}",
            seg(FIXTURE_GROUP),
            FIXTURE_JOB
        ))
        .await;
    assert_eq!(code, 404, "{what}: a refused provision stores nothing");
}

async fn store_limits_are_descriptor_rules(db: Db, cases: &[&str]) {
    let place = Place::new(&db);
    let server = start_in(
        &place,
        &ServerOptions {
            db,
            ..ServerOptions::default()
        },
    );
    // The untouched descriptor provisions (so the refusals below are the
    // limits', not something else's), then is removed again.
    let good = local_descriptor();
    let (code, body) = server.post("/v1/provision", &request(&good)).await;
    assert_eq!(code, 200, "{body}\n{}", server.log());
    let (code, body) = server.post("/v1/unprovision", &request(&good)).await;
    assert_eq!(code, 200, "{body}");

    for (what, descriptor, field) in over_the_store_limits() {
        if cases.contains(&what) {
            refused_everywhere(&server, what, &descriptor, &field).await;
        }
    }
    assert!(
        !server.log().contains("refused before writing"),
        "nothing reached the store's own checks:\n{}",
        server.log()
    );
}

#[tokio::test]
async fn what_the_store_cannot_hold_is_refused_at_validate_and_provision_on_sqlite() {
    store_limits_are_descriptor_rules(
        Db::Sqlite,
        &[
            "args over JOB_DATA",
            "conf over JOB_DATA",
            "queue over JOB_DATA",
            "cron over 120 characters",
        ],
    )
    .await;
}

#[tokio::test]
async fn what_the_store_cannot_hold_is_refused_at_validate_and_provision_on_mariadb() {
    store_limits_are_descriptor_rules(Db::Mariadb, &["args over JOB_DATA"]).await;
}

#[tokio::test]
async fn the_conf_policy_and_jar_names_are_applied_by_the_server() {
    let place = Place::new(&Db::Sqlite);
    let server = start_in(
        &place,
        &ServerOptions::default().env(
            "CDP_SPARK_PROVISIONER__DESCRIPTOR__CONF_DENY",
            "spark.sql.warehouse.*",
        ),
    );
    let conf = |key: &str, value: &str| {
        with(
            LAST_CONF_LINE,
            &format!("{LAST_CONF_LINE}            {key}: {value}\n"),
        )
    };
    let field = |key: &str| format!("{COMPONENT}.specific.jobConfig.conf[\"{key}\"]");
    for (key, value) in [
        ("spark.yarn.dist.files", "/etc/shadow"),
        (
            "spark.kerberos.keytab",
            "/etc/security/keytabs/cdpprov.keytab",
        ),
        ("spark.driver.extraJavaOptions", "-javaagent:/tmp/agent.jar"),
        ("spark.executorEnv.LD_PRELOAD", "/tmp/x.so"),
        ("spark.yarn.queue", "root.admin"),
        // The operator's own pattern.
        ("spark.sql.warehouse.dir", "/elsewhere"),
    ] {
        refused_everywhere(&server, key, &conf(key, value), &field(key)).await;
    }
    let (_, body) = server
        .post(
            "/v1/validate",
            &request(&conf("spark.files", "/etc/shadow")),
        )
        .await;
    let errors = errors_text(&body);
    assert!(
        errors.contains("conf policy refuses 'spark.files'")
            && errors.contains("descriptor.conf_deny"),
        "{errors}"
    );

    // Dependencies are jars.
    let text = local_descriptor();
    let dep_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("- /") && l.ends_with(".jar"))
        .expect("the dependency line")
        .to_string();
    refused_everywhere(
        &server,
        "a dependency that is no jar",
        &with(&format!("{dep_line}\n"), "            - /etc/shadow\n"),
        &format!("{COMPONENT}.specific.jobConfig.dependencies[0]"),
    )
    .await;
}

/// A job stored before the operator tightened the conf policy can still be
/// removed, synchronously and asynchronously (the async path used to check
/// the provision rules first and answer 400).
#[tokio::test]
async fn unprovision_ignores_the_conf_policy_also_when_asynchronous() {
    let place = Place::new(&Db::Sqlite);
    let descriptor = local_descriptor();
    // Provisioned under the default policy.
    {
        let server = start_in(&place, &ServerOptions::default());
        let (code, body) = server.post("/v1/provision", &request(&descriptor)).await;
        assert_eq!(code, 200, "{body}\n{}", server.log());
    }
    // The operator now refuses a key the stored job has.
    let server = start_in(
        &place,
        &ServerOptions::default()
            .env(
                "CDP_SPARK_PROVISIONER__DESCRIPTOR__CONF_DENY",
                "spark.dynamicAllocation.*",
            )
            .env("CDP_SPARK_PROVISIONER__ASYNC__UNPROVISION", "true"),
    );
    let (code, body) = server.post("/v1/validate", &request(&descriptor)).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["valid"], false, "the new policy applies: {body}");
    let (code, token) = server.post("/v1/unprovision", &request(&descriptor)).await;
    assert_eq!(code, 202, "{token}\n{}", server.log());
    let token = token.as_str().expect("the 202 body is the token");
    let done = poll_until_done(&server, &format!("/v1/provision/{token}/status")).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert!(
        done["result"]
            .as_str()
            .is_some_and(|r| r.contains("removed")),
        "{done}"
    );
    let (code, _) = server
        .get(&format!(
            "/v1/scheduler/jobs/{}/{}",
            seg(FIXTURE_GROUP),
            FIXTURE_JOB
        ))
        .await;
    assert_eq!(code, 404, "the job is gone");
}

/// Plain YAML scalars that read as numbers, booleans or null, each as
/// written.
const WRITTEN: [&str; 12] = [
    "0x1F", "1e3", "0o17", "True", "1_000", ".inf", "+1", "007", "1.50", "~", "null", "-.5E-3",
];

#[tokio::test]
async fn args_and_conf_values_reach_the_spark_submit_argv_as_written() {
    let place = Place::new(&Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let conf: String = WRITTEN
        .iter()
        .enumerate()
        .map(|(n, v)| format!("            spark.test.v{n:02}: {v}\n"))
        .collect();
    let text = with(
        ARGS_LINE,
        &format!("          args: [{}]\n", WRITTEN.join(", ")),
    );
    assert_eq!(text.matches(LAST_CONF_LINE).count(), 1);
    let text = text.replacen(LAST_CONF_LINE, &format!("{LAST_CONF_LINE}{conf}"), 1);

    let (code, body) = server.post("/v1/provision", &request(&text)).await;
    assert_eq!(code, 200, "{body}\n{}", server.log());

    // Stored in Quartz's JOB_DATA and read back as written.
    let (code, view) = server
        .get(&format!(
            "/v1/scheduler/jobs/{}/{}",
            seg(FIXTURE_GROUP),
            FIXTURE_JOB
        ))
        .await;
    assert_eq!(code, 200, "{view}");
    let spec: SparkJobSpec =
        serde_json::from_value(view["job"]["spec"].clone()).expect("the job's spec");
    assert_eq!(spec.args, WRITTEN, "{view}");
    for (n, v) in WRITTEN.iter().enumerate() {
        assert_eq!(
            spec.conf
                .get(&format!("spark.test.v{n:02}"))
                .map(String::as_str),
            Some(*v),
            "{view}"
        );
    }

    // The launcher's argv carries them verbatim: every arg after the jar,
    // every conf value in its --conf.
    let command = SparkSubmitCommand::build(
        &LauncherConfig::default(),
        &LaunchRequest {
            run_id: "run-1".into(),
            job_key: cdp_spark_domain::model::JobKey::new(FIXTURE_GROUP, FIXTURE_JOB),
            app_name: FIXTURE_JOB.into(),
            spec: spec.clone(),
            scheduled_fire_time: Utc::now(),
        },
    )
    .expect("argv");
    let jar_at = command
        .args
        .iter()
        .position(|a| a == spec.jar.as_str())
        .expect("the jar in argv");
    assert_eq!(&command.args[jar_at + 1..], WRITTEN);
    for (n, v) in WRITTEN.iter().enumerate() {
        let entry = format!("spark.test.v{n:02}={v}");
        let at = command
            .args
            .iter()
            .position(|a| a == &entry)
            .unwrap_or_else(|| panic!("--conf {entry} in {:?}", command.args));
        assert_eq!(command.args[at - 1], "--conf");
    }
}

/// `validate` (offline, the CLI) runs the same rules: the conf policy with
/// the operator's patterns from the environment, and the job store's sizes.
#[test]
fn offline_validate_applies_the_conf_policy_and_the_store_sizes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |name: &str, text: &str, env: &[(&str, &str)]| -> (i32, String) {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("descriptor written");
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cdp-spark-provisioner"));
        cmd.args(["validate", "--descriptor"]).arg(&path);
        for (k, _) in std::env::vars() {
            if k.starts_with("CDP_SPARK_PROVISIONER_") {
                cmd.env_remove(k);
            }
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = run("good.yaml", &local_descriptor(), &[]);
    assert_eq!(code, 0, "{out}");

    let policy = with(
        LAST_CONF_LINE,
        &format!("{LAST_CONF_LINE}            spark.sql.warehouse.dir: /w\n            spark.jars: /etc/shadow\n"),
    );
    let (code, out) = run(
        "policy.yaml",
        &policy,
        &[(
            "CDP_SPARK_PROVISIONER__DESCRIPTOR__CONF_DENY",
            "spark.sql.warehouse.*",
        )],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(r#"conf[\"spark.jars\"]"#), "{out}");
    assert!(
        out.contains(r#"conf[\"spark.sql.warehouse.dir\"]"#),
        "{out}"
    );

    for (what, text, field) in over_the_store_limits() {
        let (code, out) = run("limits.yaml", &text, &[]);
        assert_eq!(code, 1, "{what}: {out}");
        assert!(out.contains(&field), "{what}: {out}");
    }
}
