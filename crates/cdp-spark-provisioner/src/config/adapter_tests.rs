//! Unit tests of the adapters' sections as the application layers them:
//! `[scheduler]`, `[launcher]`, `[hdfs]` and `[notifications]` from the file and the
//! environment, and their errors naming the key.

use super::tests::{env, write};
use super::*;

#[test]
fn scheduler_and_launcher_sections_layer_and_convert() {
    let s = Settings::load_from(
        &Overrides::default(),
        env(&[
            ("CDP_SPARK_PROVISIONER__SCHEDULER__ENABLED", "false"),
            ("CDP_SPARK_PROVISIONER__SCHEDULER__INSTANCE_ID", "42"),
            ("CDP_SPARK_PROVISIONER__SCHEDULER__BATCH_SIZE", "50"),
            ("CDP_SPARK_PROVISIONER__LAUNCHER__MODE", "standalone"),
            (
                "CDP_SPARK_PROVISIONER__LAUNCHER__MASTER_URL",
                "spark://m:7077",
            ),
            ("CDP_SPARK_PROVISIONER__LAUNCHER__REST_URL", "http://m:6066"),
            (
                "CDP_SPARK_PROVISIONER__LAUNCHER__EXTRA_ENV",
                "{SPARK_LOCAL_IP = \"127.0.0.1\"}",
            ),
        ]),
    )
    .expect("valid");
    assert!(!s.scheduler.enabled);
    assert_eq!(s.scheduler.instance_id.as_deref(), Some("42"), "text");
    let c = s
        .scheduler
        .to_scheduler_config(cdp_spark_domain::ports::LauncherBackend::Standalone);
    assert_eq!((c.instance_id.as_str(), c.batch_size), ("42", 50));
    assert_eq!(
        c.backend,
        cdp_spark_domain::ports::LauncherBackend::Standalone
    );
    let l = s
        .launcher
        .to_launcher_config(Some(PathBuf::from("spark-from-env")));
    assert_eq!(
        l.mode,
        cdp_spark_launcher::ClusterMode::Standalone {
            master_url: "spark://m:7077".into(),
            rest_url: "http://m:6066".into()
        }
    );
    assert_eq!(l.spark_home, Some(PathBuf::from("spark-from-env")));
    assert_eq!(
        l.extra_env.get("SPARK_LOCAL_IP").map(String::as_str),
        Some("127.0.0.1")
    );
    // Defaults: engine on, local[*], instance id generated.
    let d = Settings::default();
    assert!(d.scheduler.enabled);
    let c = d
        .scheduler
        .to_scheduler_config(cdp_spark_domain::ports::LauncherBackend::Local);
    assert!(!c.instance_id.is_empty() && c.validate().is_ok());
    assert_eq!(
        d.launcher.to_launcher_config(None).mode,
        cdp_spark_launcher::ClusterMode::default()
    );
}

#[test]
fn kill_on_unprovision_is_off_by_default_and_reaches_the_engine() {
    let d = Settings::default();
    assert!(!d.scheduler.kill_on_unprovision);
    assert!(
        !d.scheduler
            .to_scheduler_config(cdp_spark_domain::ports::LauncherBackend::Local)
            .kill_on_unprovision
    );
    let s = Settings::load_from(
        &Overrides::default(),
        env(&[(
            "CDP_SPARK_PROVISIONER__SCHEDULER__KILL_ON_UNPROVISION",
            "true",
        )]),
    )
    .expect("valid");
    assert!(s.scheduler.kill_on_unprovision);
    assert!(
        s.scheduler
            .to_scheduler_config(cdp_spark_domain::ports::LauncherBackend::Yarn)
            .kill_on_unprovision
    );
}

#[test]
fn scheduler_and_launcher_errors_name_the_key() {
    for (vars, key) in [
        (
            env(&[("CDP_SPARK_PROVISIONER__SCHEDULER__BATCH_SIZE", "0")]),
            "scheduler.batch_size",
        ),
        (
            env(&[("CDP_SPARK_PROVISIONER__SCHEDULER__DEAD_AFTER_SECS", "5")]),
            "scheduler.dead_after_secs",
        ),
        (
            env(&[("CDP_SPARK_PROVISIONER__LAUNCHER__MODE", "mesos")]),
            "launcher.mode",
        ),
        (
            env(&[("CDP_SPARK_PROVISIONER__LAUNCHER__MODE", "yarn")]),
            "launcher.resource_managers",
        ),
        (
            env(&[("CDP_SPARK_PROVISIONER__LAUNCHER__MASTER", "local[x]")]),
            "launcher.master",
        ),
        (
            env(&[("CDP_SPARK_PROVISIONER__LAUNCHER__KERBEROS_PRINCIPAL", "a@B")]),
            "launcher.kerberos_keytab",
        ),
        (
            env(&[("CDP_SPARK_PROVISIONER__LAUNCHER__SUBMIT_TIMEOUT_SECS", "0")]),
            "launcher.submit_timeout_secs",
        ),
    ] {
        let e = Settings::load_from(&Overrides::default(), vars.clone()).expect_err(key);
        assert_eq!(e.key.as_deref(), Some(key), "{vars:?}: {e}");
    }
}

#[test]
fn yarn_spnego_layers_into_the_launcher_and_its_errors_name_the_key() {
    assert!(!Settings::default().launcher.yarn_spnego);
    let s = Settings::load_from(
        &Overrides::default(),
        env(&[
            ("CDP_SPARK_PROVISIONER__LAUNCHER__MODE", "yarn"),
            (
                "CDP_SPARK_PROVISIONER__LAUNCHER__RESOURCE_MANAGERS",
                "http://rm1:8088,http://rm2:8088",
            ),
            ("CDP_SPARK_PROVISIONER__LAUNCHER__YARN_SPNEGO", "true"),
            (
                "CDP_SPARK_PROVISIONER__LAUNCHER__KERBEROS_PRINCIPAL",
                "spark-provisioner@EXAMPLE.COM",
            ),
            (
                "CDP_SPARK_PROVISIONER__LAUNCHER__KERBEROS_KEYTAB",
                "spark-provisioner.keytab",
            ),
        ]),
    )
    .expect("valid");
    assert!(s.launcher.yarn_spnego);
    let l = s.launcher.to_launcher_config(None);
    assert!(l.yarn.spnego);
    assert_eq!(l.yarn.resource_managers.len(), 2);
    assert_eq!(
        l.kerberos.as_ref().map(|k| k.principal.as_str()),
        Some("spark-provisioner@EXAMPLE.COM")
    );
    // SPNEGO only concerns YARN's ResourceManagers.
    let e = Settings::load_from(
        &Overrides::default(),
        env(&[("CDP_SPARK_PROVISIONER__LAUNCHER__YARN_SPNEGO", "true")]),
    )
    .expect_err("spnego in local mode");
    assert_eq!(e.key.as_deref(), Some("launcher.yarn_spnego"), "{e}");
}

#[test]
fn archive_spark_conf_and_krb5_conf_layer_into_the_launcher_and_errors_name_the_key() {
    let yarn = [
        ("CDP_SPARK_PROVISIONER__LAUNCHER__MODE", "yarn"),
        (
            "CDP_SPARK_PROVISIONER__LAUNCHER__RESOURCE_MANAGERS",
            "http://rm1:8088",
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        &dir,
        "[launcher]\nyarn_archive = \"hdfs:///apps/from-file.zip\"\nspark_conf = { \"spark.sql.shuffle.partitions\" = \"8\" }\n",
    );
    let overrides = Overrides {
        config_file: Some(file),
        ..Overrides::default()
    };
    let s = Settings::load_from(&overrides, env(&yarn)).expect("valid");
    assert_eq!(
        s.launcher.yarn_archive.as_deref(),
        Some("hdfs:///apps/from-file.zip")
    );
    let mut vars = yarn.to_vec();
    vars.extend([
        (
            "CDP_SPARK_PROVISIONER__LAUNCHER__YARN_ARCHIVE",
            "hdfs:///apps/spark-jars.zip",
        ),
        (
            "CDP_SPARK_PROVISIONER__LAUNCHER__SPARK_CONF",
            "{\"spark.driver.defaultJavaOptions\" = \"-Djava.security.krb5.conf=/etc/krb5.conf\"}",
        ),
        (
            "CDP_SPARK_PROVISIONER__LAUNCHER__KRB5_CONF",
            "/etc/krb5.conf",
        ),
        (
            "CDP_SPARK_PROVISIONER__LAUNCHER__SUBMIT_JVM_OPTS",
            "-Xmx256m",
        ),
    ]);
    let s = Settings::load_from(&overrides, env(&vars)).expect("valid");
    let l = s.launcher.to_launcher_config(None);
    assert_eq!(
        l.yarn_archive.as_deref(),
        Some("hdfs:///apps/spark-jars.zip")
    );
    assert_eq!(
        l.spark_conf,
        std::collections::BTreeMap::from([
            (
                "spark.driver.defaultJavaOptions".to_string(),
                "-Djava.security.krb5.conf=/etc/krb5.conf".to_string()
            ),
            ("spark.sql.shuffle.partitions".to_string(), "8".to_string()),
        ]),
        "the environment's entries join the file's"
    );
    assert_eq!(l.krb5_conf, Some(PathBuf::from("/etc/krb5.conf")));
    assert_eq!(l.submit_jvm_opts, "-Xmx256m");
    assert_eq!(
        Settings::default().launcher.submit_jvm_opts,
        cdp_spark_launcher::DEFAULT_SUBMIT_JVM_OPTS
    );
    for (var, value, key) in [
        (
            "CDP_SPARK_PROVISIONER__LAUNCHER__YARN_ARCHIVE",
            "/opt/spark/jars.zip",
            "launcher.yarn_archive",
        ),
        (
            "CDP_SPARK_PROVISIONER__LAUNCHER__SPARK_CONF",
            "{\"sql.shuffle.partitions\" = \"8\"}",
            "launcher.spark_conf",
        ),
        (
            "CDP_SPARK_PROVISIONER__LAUNCHER__KRB5_CONF",
            "/etc/my krb5.conf",
            "launcher.krb5_conf",
        ),
        (
            "CDP_SPARK_PROVISIONER__LAUNCHER__SUBMIT_JVM_OPTS",
            "Xmx256m",
            "launcher.submit_jvm_opts",
        ),
    ] {
        let mut vars = yarn.to_vec();
        vars.push((var, value));
        let e = Settings::load_from(&Overrides::default(), env(&vars)).expect_err(key);
        assert_eq!(e.key.as_deref(), Some(key), "{e}");
    }
}

#[test]
fn allowed_namenodes_come_from_the_file_or_a_comma_separated_variable() {
    let s = Settings::load_from(
        &Overrides::default(),
        env(&[(
            "CDP_SPARK_PROVISIONER__HDFS__ALLOWED_NAMENODES",
            "nn2.example.com:8020, nn3.example.com:8020",
        )]),
    )
    .expect("env");
    assert_eq!(
        s.hdfs.allowed_namenodes,
        ["nn2.example.com:8020", "nn3.example.com:8020"]
    );
    let e = Settings::load_from(
        &Overrides::default(),
        env(&[(
            "CDP_SPARK_PROVISIONER__HDFS__ALLOWED_NAMENODES",
            "nn2.example.com:8020,nn3.example.com:0",
        )]),
    )
    .expect_err("port 0");
    assert_eq!(e.key.as_deref(), Some("hdfs.allowed_namenodes[1]"), "{e}");
}

#[test]
fn notifications_section_layers_and_names_its_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        &dir,
        "[notifications]\nmax_attempts = 3\n\
         [[notifications.webhooks]]\nname = \"ops\"\nurl = \"https://hooks.example.com/x\"\n\
         data_products = [\"dp.a\"]\nheaders = { Authorization = \"Bearer abc\" }\n",
    );
    let overrides = Overrides {
        config_file: Some(file),
        ..Overrides::default()
    };
    let s = Settings::load_from(
        &overrides,
        env(&[("CDP_SPARK_PROVISIONER__NOTIFICATIONS__TIMEOUT_MS", "2500")]),
    )
    .expect("valid");
    let n = &s.notifications;
    assert!(n.enabled());
    assert_eq!((n.max_attempts, n.timeout_ms), (3, 2500));
    let routes = n.routes();
    assert_eq!(routes.targets("dp.a").collect::<Vec<_>>(), ["ops"]);
    assert_eq!(routes.targets("dp.b").count(), 0);
    assert!(
        !Settings::default().notifications.enabled(),
        "off by default"
    );

    let e = Settings::load_from(
        &Overrides::default(),
        env(&[("CDP_SPARK_PROVISIONER__NOTIFICATIONS__MAX_CONCURRENT", "0")]),
    )
    .expect_err("zero");
    assert_eq!(e.key.as_deref(), Some("notifications.max_concurrent"));
    let file = write(
        &dir,
        "[[notifications.webhooks]]\nname = \"ops\"\nurl = \"file:///etc/passwd\"\n",
    );
    let e = Settings::load_from(
        &Overrides {
            config_file: Some(file),
            ..Overrides::default()
        },
        env(&[]),
    )
    .expect_err("not http");
    assert_eq!(e.key.as_deref(), Some("notifications.webhooks"));
    assert!(e.message.contains("http:// or https://"), "{e}");
}
