//! Unit tests of the layered configuration: defaults, file, environment
//! and flags, the application's own sections and the errors' keys.

use super::*;
use cdp_spark_domain::descriptor::ConfPolicy;
use cdp_spark_domain::usecases::ArtifactSettings;

pub(super) fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(super) fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

#[test]
fn defaults_need_nothing() {
    let s = Settings::load_from(&Overrides::default(), env(&[])).expect("defaults");
    assert_eq!(s.server.bind, "127.0.0.1:8093");
    assert_eq!(s.server.body_limit_bytes, 1024 * 1024);
    assert_eq!(s.store.redacted_url(), "sqlite://./data/jobstore.sqlite3");
    assert!(!s.asynchronous.provision && !s.hdfs.enabled);
    assert!(s.auth.coordinator_token.is_none());
}

#[test]
fn file_then_env_then_flags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        &dir,
        "[server]\nbind = \"127.0.0.1:9000\"\nbody_limit_bytes = 4096\n[async]\nprovision = true\n[auth]\nstatus_token = \"from-file\"\n",
    );
    let overrides = Overrides {
        config_file: Some(file),
        ..Overrides::default()
    };
    let s = Settings::load_from(
        &overrides,
        env(&[
            ("CDP_SPARK_PROVISIONER__SERVER__BODY_LIMIT_BYTES", "8192"),
            ("CDP_SPARK_PROVISIONER__AUTH__STATUS_TOKEN", "12345"),
            (
                "CDP_SPARK_PROVISIONER__DESCRIPTOR__ACCEPTED_USE_CASE_TEMPLATES",
                "urn:a, urn:b",
            ),
            ("OTHER_VARIABLE", "ignored"),
        ]),
    )
    .expect("valid");
    assert_eq!(s.server.bind, "127.0.0.1:9000", "file over default");
    assert_eq!(s.server.body_limit_bytes, 8192, "env over file");
    assert_eq!(
        s.auth.status_token.as_deref(),
        Some("12345"),
        "numeric token stays text"
    );
    assert_eq!(
        s.descriptor.accepted_use_case_templates,
        vec!["urn:a", "urn:b"]
    );
    assert!(s.asynchronous.provision);

    let flags = Overrides {
        bind: Some("127.0.0.1:0".into()),
        data_dir: Some(dir.path().join("d")),
        ..overrides
    };
    let s = Settings::load_from(
        &flags,
        env(&[("CDP_SPARK_PROVISIONER__SERVER__BIND", "127.0.0.1:1")]),
    )
    .expect("valid");
    assert_eq!(s.server.bind, "127.0.0.1:0", "flag over env");
    assert!(
        s.store.redacted_url().ends_with("/d/jobstore.sqlite3"),
        "{}",
        s.store.redacted_url()
    );
}

#[test]
fn errors_name_the_key() {
    let cases: Vec<(Vec<(String, String)>, &str)> = vec![
        (
            env(&[("CDP_SPARK_PROVISIONER__SERVER__BIND", "nowhere")]),
            "server.bind",
        ),
        (
            env(&[("CDP_SPARK_PROVISIONER__SERVER__BODY_LIMIT_BYTES", "lots")]),
            "server.body_limit_bytes",
        ),
        (
            env(&[("CDP_SPARK_PROVISIONER__SERVER__BINDD", "x")]),
            "server.bindd",
        ),
        (
            env(&[("CDP_SPARK_PROVISIONER__STORE__URL", "oracle://x")]),
            "store.url",
        ),
        (
            env(&[("CDP_SPARK_PROVISIONER__LOG__FORMAT", "xml")]),
            "log.format",
        ),
        (
            env(&[("CDP_SPARK_PROVISIONER__AUTH__COORDINATOR_TOKEN", "a b")]),
            "auth.coordinator_token",
        ),
        (
            env(&[("CDP_SPARK_PROVISIONER__ASYNC__PROVISION", "maybe")]),
            "async.provision",
        ),
        (
            env(&[("CDP_SPARK_PROVISIONER__HDFS__DEFAULT_FS", "s3a://bucket")]),
            "hdfs.default_fs",
        ),
        (
            env(&[("CDP_SPARK_PROVISIONER__HDFS__TIMEOUT_MS", "0")]),
            "hdfs.timeout_ms",
        ),
        (
            env(&[("CDP_SPARK_PROVISIONER__HDFS__KEYTAB", "/k.keytab")]),
            "hdfs.keytab",
        ),
    ];
    for (vars, key) in cases {
        let e = Settings::load_from(&Overrides::default(), vars.clone()).expect_err(key);
        assert_eq!(e.key.as_deref(), Some(key), "{vars:?}: {e}");
        let text = e.to_string();
        assert!(
            text.contains(key) && text.contains(&env_var_name(key)),
            "{text}"
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(&dir, "[store]\nmax_connections = -1\n");
    let e = Settings::load_from(
        &Overrides {
            config_file: Some(file),
            ..Overrides::default()
        },
        env(&[]),
    )
    .expect_err("negative");
    assert_eq!(e.key.as_deref(), Some("store.max_connections"), "{e}");
    let e = Settings::load_from(
        &Overrides {
            config_file: Some(dir.path().join("missing.toml")),
            ..Overrides::default()
        },
        env(&[]),
    )
    .expect_err("missing file");
    assert!(e.to_string().contains("missing.toml"), "{e}");
}

#[test]
fn the_example_configurations_load() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
    for name in ["local.toml", "production.toml"] {
        let overrides = Overrides {
            config_file: Some(dir.join(name)),
            ..Overrides::default()
        };
        let s = Settings::load_from(&overrides, env(&[]))
            .unwrap_or_else(|e| panic!("config/{name}: {e}"));
        match name {
            "local.toml" => {
                assert_eq!(s, Settings::default(), "local.toml writes out the defaults")
            }
            _ => {
                assert!(s.store.redacted_url().starts_with("mysql://"));
                assert!(s.asynchronous.provision && s.asynchronous.unprovision);
                assert_eq!(s.log.format, LogFormatSetting::Json);
                assert!(s.hdfs.enabled && s.hdfs.keytab.is_some());
                assert_eq!(s.hdfs.default_fs.as_deref(), Some("hdfs://nameservice1"));
                assert_eq!(s.bind_addr().map(|a| a.port()), Ok(DEFAULT_PORT));
                assert!(s.scheduler.enabled);
                assert_eq!(s.launcher.mode, LauncherMode::Yarn);
                let l = s.launcher.to_launcher_config(None);
                assert_eq!(l.yarn.resource_managers.len(), 2, "HA pair");
                assert!(l.kerberos.is_some() && l.hadoop_conf_dir.is_some());
            }
        }
    }
}

#[test]
fn passwords_are_redacted() {
    let store = StoreSettings {
        url: Some("mysql://sp:s3cret@db:3306/sp".into()),
        ..StoreSettings::default()
    };
    assert_eq!(store.redacted_url(), "mysql://sp:***@db:3306/sp");
    let s = AuthSettings {
        coordinator_token: Some("secret".into()),
        ..AuthSettings::default()
    };
    assert!(!format!("{s:?}").contains("secret"));
}

#[test]
fn local_jars_are_confined_outside_the_single_user_trial() {
    let load = |vars: &[(&str, &str)]| {
        Settings::load_from(&Overrides::default(), env(vars)).expect("valid")
    };
    let yarn = [
        ("CDP_SPARK_PROVISIONER__LAUNCHER__MODE", "yarn"),
        (
            "CDP_SPARK_PROVISIONER__LAUNCHER__RESOURCE_MANAGERS",
            "http://rm1:8088",
        ),
    ];
    // Local mode on a loopback address: any local path, as before.
    assert_eq!(load(&[]).local_roots(), None);
    // Reachable from other hosts, or a cluster mode: none by default.
    assert_eq!(
        load(&[("CDP_SPARK_PROVISIONER__SERVER__BIND", "0.0.0.0:8093")]).local_roots(),
        Some(vec![])
    );
    assert_eq!(load(&yarn).local_roots(), Some(vec![]));
    // Declared roots hold in every mode.
    let mut vars = yarn.to_vec();
    vars.push((
        "CDP_SPARK_PROVISIONER__ARTIFACTS__LOCAL_ROOTS",
        "/mnt/shared/jars, /srv/jars",
    ));
    assert_eq!(
        load(&vars).local_roots(),
        Some(vec![
            PathBuf::from("/mnt/shared/jars"),
            PathBuf::from("/srv/jars")
        ])
    );
    assert_eq!(
        load(&[(
            "CDP_SPARK_PROVISIONER__ARTIFACTS__LOCAL_ROOTS",
            "[\"/srv/jars\"]"
        )])
        .local_roots(),
        Some(vec![PathBuf::from("/srv/jars")])
    );
    let s = load(&[
        (
            "CDP_SPARK_PROVISIONER__ARTIFACTS__MAX_READ_BYTES",
            "16777216",
        ),
        (
            "CDP_SPARK_PROVISIONER__ARTIFACTS__MAX_CONCURRENT_CHECKS",
            "2",
        ),
    ]);
    assert_eq!(
        s.artifacts.to_domain(),
        ArtifactSettings {
            max_read_bytes: 16 << 20,
            max_concurrent_checks: 2
        }
    );
    assert_eq!(
        Settings::default().artifacts.to_domain(),
        ArtifactSettings::default()
    );
}

#[test]
fn artifacts_errors_name_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing");
    for (var, value, key) in [
        (
            "CDP_SPARK_PROVISIONER__ARTIFACTS__LOCAL_ROOTS",
            "jars",
            "artifacts.local_roots",
        ),
        (
            "CDP_SPARK_PROVISIONER__ARTIFACTS__MAX_READ_BYTES",
            "4096",
            "artifacts.max_read_bytes",
        ),
        (
            "CDP_SPARK_PROVISIONER__ARTIFACTS__MAX_CONCURRENT_CHECKS",
            "0",
            "artifacts.max_concurrent_checks",
        ),
        (
            "CDP_SPARK_PROVISIONER__ARTIFACTS__LOCAL_TIMEOUT_MS",
            "0",
            "artifacts.local_timeout_ms",
        ),
    ] {
        let e = Settings::load_from(&Overrides::default(), env(&[(var, value)])).expect_err(key);
        assert_eq!(e.key.as_deref(), Some(key), "{e}");
    }
    // A root that does not exist stops start-up when the adapter is built.
    let s = Settings::load_from(
        &Overrides::default(),
        vec![(
            "CDP_SPARK_PROVISIONER__ARTIFACTS__LOCAL_ROOTS".to_string(),
            missing.display().to_string(),
        )],
    )
    .expect("well-formed");
    let e = s.artifact_fs().expect_err("missing root");
    assert_eq!(e.key.as_deref(), Some("artifacts.local_roots"), "{e}");
    assert!(e.to_string().contains("missing"), "{e}");
}

#[test]
fn a_read_token_never_opens_the_writes() {
    let mut a = AuthSettings::default();
    assert_eq!(a.write_access(), WriteAccess::Open);
    a.status_token = Some("s".into());
    assert_eq!(a.write_access(), WriteAccess::Closed);
    a.trigger_token = Some("t".into());
    assert_eq!(a.write_access(), WriteAccess::Token("t"));
    a.status_token = None;
    assert_eq!(a.write_access(), WriteAccess::Token("t"));
}

#[test]
fn the_descriptor_conf_policy_layers_into_the_domain_and_bad_patterns_name_the_key() {
    let d = Settings::load_from(&Overrides::default(), env(&[]))
        .expect("defaults")
        .descriptor
        .to_domain();
    assert_eq!(
        d.conf_policy,
        ConfPolicy::default(),
        "built-in deny-list by default"
    );
    assert!(d.conf_policy.judge("spark.yarn.dist.files").is_err());

    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        &dir,
        "[descriptor]\nconf_deny = [\"spark.sql.warehouse.*\"]\nconf_allow = [\"spark.sql.*\"]\n",
    );
    let overrides = Overrides {
        config_file: Some(file),
        ..Overrides::default()
    };
    let p = Settings::load_from(&overrides, env(&[]))
        .expect("file")
        .descriptor
        .to_domain()
        .conf_policy;
    assert_eq!(p.deny, ["spark.sql.warehouse.*"]);
    assert_eq!(p.allow, Some(vec!["spark.sql.*".to_string()]));
    assert!(p.builtin_deny);
    assert!(p.judge("spark.sql.warehouse.dir").is_err());
    assert!(p.judge("spark.executor.instances").is_err(), "not allowed");
    assert_eq!(p.judge("spark.sql.shuffle.partitions"), Ok(()));

    // The environment: comma-separated lists, and the built-in list off.
    let p = Settings::load_from(
        &Overrides::default(),
        env(&[
            (
                "CDP_SPARK_PROVISIONER__DESCRIPTOR__CONF_DENY",
                "spark.a.*, spark.b",
            ),
            (
                "CDP_SPARK_PROVISIONER__DESCRIPTOR__CONF_DENY_BUILTIN",
                "false",
            ),
        ]),
    )
    .expect("env")
    .descriptor
    .to_domain()
    .conf_policy;
    assert_eq!(p.deny, ["spark.a.*", "spark.b"]);
    assert!(!p.builtin_deny);
    assert_eq!(p.judge("spark.files"), Ok(()), "built-in list replaced");

    for (var, value, key) in [
        (
            "CONF_DENY",
            "spark.ok, spark.a b",
            "descriptor.conf_deny[1]",
        ),
        ("CONF_ALLOW", "[\"\"]", "descriptor.conf_allow[0]"),
    ] {
        let e = Settings::load_from(
            &Overrides::default(),
            env(&[(&format!("CDP_SPARK_PROVISIONER__DESCRIPTOR__{var}"), value)]),
        )
        .expect_err(key);
        assert_eq!(e.key.as_deref(), Some(key), "{e}");
    }
}

#[test]
fn environment_values_are_read_by_the_fields_type() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(&dir, "[hdfs.extra]\n\"dfs.a\" = \"1\"\n");
    let overrides = Overrides {
        config_file: Some(file),
        ..Overrides::default()
    };
    let s = Settings::load_from(
        &overrides,
        env(&[
            ("CDP_SPARK_PROVISIONER__ASYNC__PROVISION", "yes"),
            ("CDP_SPARK_PROVISIONER__ASYNC__UNPROVISION", "off"),
            ("CDP_SPARK_PROVISIONER__SERVER__WORKERS", "3"),
            ("CDP_SPARK_PROVISIONER__AUTH__COORDINATOR_TOKEN", "true"),
            ("CDP_SPARK_PROVISIONER__HDFS__EXTRA", "{\"dfs.b\" = \"2\"}"),
        ]),
    )
    .expect("valid");
    assert!(s.asynchronous.provision && !s.asynchronous.unprovision);
    assert_eq!(s.server.workers, Some(3));
    assert_eq!(s.auth.coordinator_token.as_deref(), Some("true"), "text");
    assert_eq!(
        s.hdfs.extra,
        std::collections::BTreeMap::from([
            ("dfs.a".to_string(), "1".to_string()),
            ("dfs.b".to_string(), "2".to_string()),
        ]),
        "the variable's entries join the file's"
    );
    for (var, value, key) in [
        ("HDFS__EXTRA", "dfs.b=2", "hdfs.extra"),
        ("LAUNCHER__EXTRA_ENV", "{A = 1}", "launcher.extra_env"),
        ("DESCRIPTOR__CONF_DENY", "[spark.a]", "descriptor.conf_deny"),
        ("SERVER__WORKERS", "many", "server.workers"),
    ] {
        let e = Settings::load_from(
            &Overrides::default(),
            env(&[(&format!("{ENV_PREFIX}{var}"), value)]),
        )
        .expect_err(key);
        assert_eq!(e.key.as_deref(), Some(key), "{e}");
        assert!(e.to_string().contains("from the environment"), "{e}");
    }
}

#[test]
fn unknown_keys_under_specific_warn_by_default_and_can_be_errors() {
    use cdp_spark_domain::descriptor::UnknownKeys;
    let load = |vars: &[(&str, &str)], file: Option<&str>| {
        let dir = tempfile::tempdir().expect("tempdir");
        let overrides = Overrides {
            config_file: file.map(|text| write(&dir, text)),
            ..Overrides::default()
        };
        Settings::load_from(&overrides, env(vars)).map(|s| s.descriptor.to_domain().unknown_keys)
    };
    assert_eq!(load(&[], None), Ok(UnknownKeys::Warn));
    assert_eq!(
        load(&[], Some("[descriptor]\nunknown_keys = \"error\"\n")),
        Ok(UnknownKeys::Error)
    );
    assert_eq!(
        load(
            &[("CDP_SPARK_PROVISIONER__DESCRIPTOR__UNKNOWN_KEYS", "error")],
            Some("[descriptor]\nunknown_keys = \"warn\"\n")
        ),
        Ok(UnknownKeys::Error)
    );
    let e = load(
        &[("CDP_SPARK_PROVISIONER__DESCRIPTOR__UNKNOWN_KEYS", "ignore")],
        None,
    )
    .expect_err("not a choice");
    assert!(e.to_string().contains("descriptor.unknown_keys"), "{e}");
}
