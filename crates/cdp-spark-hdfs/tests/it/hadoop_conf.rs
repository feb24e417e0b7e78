//! Hadoop client configuration read from real `core-site.xml` /
//! `hdfs-site.xml` files in temporary folders, as on a CDP gateway host:
//! HA name services, ViewFS, `fs.defaultFS`, the folder from
//! `HADOOP_CONF_DIR` / `HADOOP_HOME`, overrides, and the start-up checks of
//! `HdfsNativeFs` / `ArtifactFs::from_config`.

use std::path::Path;

use cdp_spark_hdfs::{
    ArtifactFs, Auth, Filesystem, FilesystemKind, HadoopConf, HdfsConfig, HdfsConfigError,
    HdfsNativeFs,
};

fn xml(properties: &[(&str, &str)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <?xml-stylesheet type=\"text/xsl\" href=\"configuration.xsl\"?>\n\
         <!-- written by the test, laid out like Cloudera Manager's client configuration -->\n\
         <configuration>\n",
    );
    for (name, value) in properties {
        out.push_str(&format!(
            "  <property>\n    <name>{name}</name>\n    <value>{value}</value>\n  </property>\n"
        ));
    }
    out.push_str("</configuration>\n");
    out
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write a configuration file");
}

/// A CDP-like HA cluster: nameservice1 with two NameNodes.
fn ha_conf_dir(dir: &Path) {
    write(
        dir,
        "core-site.xml",
        &xml(&[
            ("fs.defaultFS", "hdfs://nameservice1"),
            ("hadoop.security.authentication", "simple"),
        ]),
    );
    write(
        dir,
        "hdfs-site.xml",
        &xml(&[
            ("dfs.nameservices", "nameservice1"),
            (
                "dfs.client.failover.proxy.provider.nameservice1",
                "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider",
            ),
            ("dfs.ha.namenodes.nameservice1", "namenode101,namenode102"),
            (
                "dfs.namenode.rpc-address.nameservice1.namenode101",
                "master1.example.com:8020",
            ),
            (
                "dfs.namenode.rpc-address.nameservice1.namenode102",
                "master2.example.com:8020",
            ),
        ]),
    );
}

fn with_dir(dir: &Path) -> HdfsConfig {
    HdfsConfig {
        hadoop_conf_dir: Some(dir.to_path_buf()),
        ..HdfsConfig::enabled()
    }
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn hadoop_problem(result: Result<HadoopConf, HdfsConfigError>) -> String {
    match result {
        Err(HdfsConfigError::Hadoop { what, problem }) => format!("{what}: {problem}"),
        other => panic!("expected a Hadoop configuration error, got {other:?}"),
    }
}

#[test]
fn an_ha_name_service_is_the_default_filesystem_with_its_namenodes() {
    let dir = tempfile::tempdir().expect("tempdir");
    ha_conf_dir(dir.path());
    let conf = HadoopConf::load_with_env(&with_dir(dir.path()), no_env).expect("valid");
    assert_eq!(conf.default_fs(), Some("hdfs://nameservice1"));
    assert_eq!(conf.name_services(), vec!["nameservice1".to_string()]);
    assert!(!conf.kerberos());
    let expected = Filesystem {
        uri: "hdfs://nameservice1".into(),
        kind: FilesystemKind::NameService {
            name: "nameservice1".into(),
        },
        namenodes: vec![
            "master1.example.com:8020".into(),
            "master2.example.com:8020".into(),
        ],
    };
    // hdfs:///… and hdfs://nameservice1/… are the same filesystem.
    assert_eq!(conf.filesystem(""), Ok(expected.clone()));
    assert_eq!(conf.filesystem("nameservice1"), Ok(expected));
    // A NameNode named directly bypasses the name service.
    assert_eq!(
        conf.filesystem("master2.example.com:8020").map(|f| f.kind),
        Ok(FilesystemKind::NameNode)
    );
    assert!(
        conf.source().contains("(hdfs.hadoop_conf_dir)"),
        "{}",
        conf.source()
    );
}

#[test]
fn the_folder_comes_from_hadoop_conf_dir_then_hadoop_home() {
    let conf_dir = tempfile::tempdir().expect("tempdir");
    ha_conf_dir(conf_dir.path());
    let home = tempfile::tempdir().expect("tempdir");
    let etc = home.path().join("etc").join("hadoop");
    std::fs::create_dir_all(&etc).expect("mkdir");
    write(
        &etc,
        "core-site.xml",
        &xml(&[("fs.defaultFS", "hdfs://home-nn.example.com:8020")]),
    );
    let conf_dir_str = conf_dir.path().display().to_string();
    let home_str = home.path().display().to_string();

    let both = |name: &str| match name {
        "HADOOP_CONF_DIR" => Some(conf_dir_str.clone()),
        "HADOOP_HOME" => Some(home_str.clone()),
        _ => None,
    };
    let conf = HadoopConf::load_with_env(&HdfsConfig::enabled(), both).expect("valid");
    assert_eq!(conf.default_fs(), Some("hdfs://nameservice1"));
    assert_eq!(conf.conf_dir(), Some(conf_dir.path()));
    assert!(conf.source().contains("HADOOP_CONF_DIR"));

    let home_only = |name: &str| (name == "HADOOP_HOME").then(|| home_str.clone());
    let conf = HadoopConf::load_with_env(&HdfsConfig::enabled(), home_only).expect("valid");
    assert_eq!(conf.default_fs(), Some("hdfs://home-nn.example.com:8020"));
    assert_eq!(
        conf.filesystem("").map(|f| f.namenodes),
        Ok(vec!["home-nn.example.com:8020".to_string()])
    );

    // The provisioner's own setting wins over the environment.
    let conf = HadoopConf::load_with_env(&with_dir(&etc), both).expect("valid");
    assert_eq!(conf.default_fs(), Some("hdfs://home-nn.example.com:8020"));

    // No folder at all: no settings, and hdfs:/// says what to set.
    let conf = HadoopConf::load_with_env(&HdfsConfig::enabled(), no_env).expect("valid");
    assert_eq!(conf.conf_dir(), None);
    let err = conf.filesystem("").expect_err("no default filesystem");
    assert!(
        err.contains("hdfs.default_fs")
            && err.contains("HADOOP_CONF_DIR and HADOOP_HOME are unset"),
        "{err}"
    );
}

#[test]
fn overrides_win_over_the_files_and_final_properties_over_later_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "core-site.xml",
        "<configuration>\
           <property><name>fs.defaultFS</name><value>hdfs://nameservice1</value></property>\
           <property><name>dfs.client.failover.max.attempts</name><value>15</value>\
             <final>true</final></property>\
           <property><name>cluster.base</name><value>/data/${env.CLUSTER_NAME}</value></property>\
           <property><name>cluster.apps</name><value>${cluster.base}/apps</value></property>\
           <property><name>empty.value</name><value/></property>\
         </configuration>",
    );
    write(
        dir.path(),
        "hdfs-site.xml",
        "<configuration>\
           <property><name>dfs.client.failover.max.attempts</name><value>2</value></property>\
           <property><name>dfs.ha.namenodes.nameservice1</name><value>nn1</value></property>\
           <property><name>dfs.namenode.rpc-address.nameservice1.nn1</name>\
             <value>master1:8020</value></property>\
           <property><name>dfs.client.socket-timeout</name><value>60000</value></property>\
         </configuration>",
    );
    let mut config = with_dir(dir.path());
    config.default_fs = Some("hdfs://override-nn:9000/".into());
    config
        .extra
        .insert("dfs.client.socket-timeout".into(), "5000".into());
    let env = |name: &str| (name == "CLUSTER_NAME").then(|| "prod".to_string());
    let conf = HadoopConf::load_with_env(&config, env).expect("valid");
    assert_eq!(conf.default_fs(), Some("hdfs://override-nn:9000"));
    assert_eq!(
        conf.filesystem("").map(|f| f.uri),
        Ok("hdfs://override-nn:9000".to_string())
    );
    assert_eq!(conf.get("dfs.client.failover.max.attempts"), Some("15"));
    assert_eq!(conf.get("dfs.client.socket-timeout"), Some("5000"));
    assert_eq!(conf.get("cluster.apps"), Some("/data/prod/apps"));
    assert_eq!(conf.get("empty.value"), Some(""));
}

#[test]
fn viewfs_default_filesystem_resolves_every_mount_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    ha_conf_dir(dir.path());
    // Replace core-site with a ViewFS cluster over two name services.
    write(
        dir.path(),
        "core-site.xml",
        &xml(&[
            ("fs.defaultFS", "viewfs://cluster"),
            (
                "fs.viewfs.mounttable.cluster.link./apps",
                "hdfs://nameservice1/apps",
            ),
            (
                "fs.viewfs.mounttable.cluster.link./logs",
                "hdfs://logs-nn.example.com:8020/logs",
            ),
            (
                "fs.viewfs.mounttable.cluster.linkFallback",
                "hdfs://nameservice1/",
            ),
        ]),
    );
    let conf = HadoopConf::load_with_env(&with_dir(dir.path()), no_env).expect("valid");
    let fs = conf.filesystem("").expect("viewfs");
    assert_eq!(fs.uri, "viewfs://cluster");
    assert_eq!(
        fs.kind,
        FilesystemKind::ViewFs {
            cluster: "cluster".into()
        }
    );
    assert_eq!(
        fs.namenodes,
        vec![
            "logs-nn.example.com:8020",
            "master1.example.com:8020",
            "master2.example.com:8020"
        ]
    );
    assert_eq!(conf.viewfs_mounts("cluster").len(), 3);

    // hdfs-native needs a fallback link; a target on an unknown name
    // service or another scheme is named.
    for (key, value, expected) in [
        (
            "fs.viewfs.mounttable.cluster.linkFallback",
            "",
            "linkFallback",
        ),
        (
            "fs.viewfs.mounttable.cluster.link./logs",
            "s3a://bucket/logs",
            "only hdfs://",
        ),
        (
            "fs.viewfs.mounttable.cluster.linkMergeSlash",
            "hdfs://nameservice1/",
            "does not support",
        ),
    ] {
        let mut config = with_dir(dir.path());
        if value.is_empty() {
            // Drop the fallback by pointing the default at a cluster
            // whose table only has links.
            config.default_fs = Some("viewfs://nofallback".into());
            config.extra.insert(
                "fs.viewfs.mounttable.nofallback.link./apps".into(),
                "hdfs://nameservice1/apps".into(),
            );
        } else {
            config.extra.insert(key.into(), value.into());
        }
        let conf = HadoopConf::load_with_env(&config, no_env).expect("loads");
        let err = conf.filesystem("").expect_err(key);
        assert!(err.contains(expected), "{key}: {err}");
    }
}

#[test]
fn broken_files_and_folders_are_reported_with_their_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nowhere");
    let problem = hadoop_problem(HadoopConf::load_with_env(&with_dir(&missing), no_env));
    assert!(
        problem.contains("nowhere") && problem.contains("does not exist"),
        "{problem}"
    );

    let from_env = |name: &str| (name == "HADOOP_CONF_DIR").then(|| "/nonexistent/conf".into());
    let problem = hadoop_problem(HadoopConf::load_with_env(&HdfsConfig::enabled(), from_env));
    assert!(problem.contains("HADOOP_CONF_DIR"), "{problem}");

    let problem = hadoop_problem(HadoopConf::load_with_env(&with_dir(dir.path()), no_env));
    assert!(
        problem.contains("neither core-site.xml nor hdfs-site.xml"),
        "{problem}"
    );

    for (text, expected) in [
        (
            "<configuration><property><name>a</name>",
            "not well-formed XML",
        ),
        ("<properties/>", "root element"),
        (
            "<configuration><property><value>x</value></property></configuration>",
            "has no <name>",
        ),
        (
            "<configuration xmlns:xi=\"http://www.w3.org/2001/XInclude\">\
             <xi:include href=\"other.xml\"/></configuration>",
            "XInclude",
        ),
    ] {
        write(dir.path(), "hdfs-site.xml", text);
        let problem = hadoop_problem(HadoopConf::load_with_env(&with_dir(dir.path()), no_env));
        assert!(
            problem.contains("hdfs-site.xml") && problem.contains(expected),
            "{text}: {problem}"
        );
    }
}

#[test]
fn start_up_checks_name_services_the_default_filesystem_and_kerberos() {
    let dir = tempfile::tempdir().expect("tempdir");
    ha_conf_dir(dir.path());

    // A NameNode listed without an address.
    let mut config = with_dir(dir.path());
    config.extra.insert(
        "dfs.ha.namenodes.nameservice1".into(),
        "namenode101,namenode103".into(),
    );
    match HdfsNativeFs::new(&config) {
        Err(HdfsConfigError::Hadoop { problem, .. }) => assert!(
            problem.contains("dfs.namenode.rpc-address.nameservice1.namenode103"),
            "{problem}"
        ),
        other => panic!("{other:?}"),
    }

    // A default filesystem that is a name service without NameNodes.
    let mut config = with_dir(dir.path());
    config.default_fs = Some("hdfs://nameservice2".into());
    config.extra.insert(
        "dfs.nameservices".into(),
        "nameservice1,nameservice2".into(),
    );
    match HdfsNativeFs::new(&config) {
        Err(HdfsConfigError::Hadoop { what, problem }) => {
            assert_eq!(what, "default filesystem");
            assert!(
                problem.contains("dfs.ha.namenodes.nameservice2"),
                "{problem}"
            );
        }
        other => panic!("{other:?}"),
    }

    // A principal on a cluster whose core-site.xml says simple.
    let mut config = with_dir(dir.path());
    config.principal = Some("provisioner@EXAMPLE.COM".into());
    match HdfsNativeFs::new(&config) {
        Err(HdfsConfigError::Key { key, problem }) => {
            assert_eq!(key, "hdfs.principal");
            assert!(problem.contains("'simple'"), "{problem}");
        }
        other => panic!("{other:?}"),
    }

    // Kerberos: core-site.xml without the setting; the principal turns it on.
    write(
        dir.path(),
        "core-site.xml",
        &xml(&[("fs.defaultFS", "hdfs://nameservice1")]),
    );
    let keytab = dir.path().join("provisioner.keytab");
    config.keytab = Some(keytab.clone());
    match HdfsNativeFs::new(&config) {
        Err(HdfsConfigError::Key { key, problem }) => {
            assert_eq!(key, "hdfs.keytab");
            assert!(
                problem.contains("provisioner.keytab") && problem.contains("cannot be read"),
                "{problem}"
            );
        }
        other => panic!("{other:?}"),
    }
    std::fs::write(&keytab, [5u8, 2]).expect("write a keytab header");
    let fs = HdfsNativeFs::new(&config).expect("valid");
    assert!(fs.hadoop_conf().kerberos());
    assert_eq!(
        fs.auth(),
        &Auth::Kerberos {
            principal: Some("provisioner@EXAMPLE.COM".into()),
            keytab: Some(keytab.display().to_string()),
            ticket_cache: None,
        }
    );
    let summary = fs.summary();
    assert!(
        summary.contains("default filesystem name service nameservice1")
            && summary.contains("Kerberos as provisioner@EXAMPLE.COM"),
        "{summary}"
    );

    // Kerberos from core-site.xml alone: the ticket cache's principal.
    write(
        dir.path(),
        "core-site.xml",
        &xml(&[
            ("fs.defaultFS", "hdfs://nameservice1"),
            ("hadoop.security.authentication", "kerberos"),
        ]),
    );
    let fs = HdfsNativeFs::new(&with_dir(dir.path())).expect("valid");
    assert!(matches!(
        fs.auth(),
        Auth::Kerberos {
            principal: None,
            ..
        }
    ));

    // from_config checks the keys first.
    let mut config = with_dir(dir.path());
    config.timeout_ms = 0;
    assert!(matches!(
        ArtifactFs::from_config(&config),
        Err(HdfsConfigError::Key { key, .. }) if key == "hdfs.timeout_ms"
    ));
}

/// `config/hadoop` of the repository: the single-node HDFS of
/// docker-compose.yml and the provisioner's Hadoop configuration for it.
#[test]
fn the_local_stack_hadoop_configuration_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/hadoop");
    assert!(
        dir.join("core-site.xml").is_file() && dir.join("hdfs-site.xml").is_file(),
        "config/hadoop/core-site.xml and hdfs-site.xml are missing from the repository ({})",
        dir.display()
    );
    // As the provisioner of docker-compose.yml sees it.
    let mut config = with_dir(&dir);
    config.default_fs = Some("hdfs://namenode:9000".into());
    let fs = HdfsNativeFs::new(&config).expect("a valid configuration");
    let conf = fs.hadoop_conf();
    assert_eq!(
        conf.filesystem("").map(|f| f.namenodes),
        Ok(vec!["namenode:9000".to_string()])
    );
    assert_eq!(fs.auth(), &Auth::Simple { user: None });
    assert_eq!(conf.get("dfs.replication"), Some("1"));
    // In-network clients reach the DataNode by IP; it advertises localhost
    // for clients on the host.
    assert_eq!(conf.get("dfs.client.use.datanode.hostname"), Some("false"));
    assert_eq!(conf.get("dfs.datanode.hostname"), Some("localhost"));
}
