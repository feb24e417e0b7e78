//! Kerberos through the real `libgssapi_krb5` against a fake NameNode that
//! asks for Kerberos in its SASL negotiation. No KDC can run here, so only
//! the failure paths are exercised: a keytab without the principal's key,
//! and an empty ticket cache. Both must be configuration faults that say
//! what to fix, quickly, not a hang or an "unreachable".
//!
//! The Kerberos library reads `KRB5_CONFIG` and `KRB5CCNAME` from the
//! environment, so this file holds a single test that sets them first: a
//! `krb5.conf` whose only KDC is a closed port on 127.0.0.1 and without DNS
//! look-ups, so nothing leaves the machine.

#[path = "support/fake_namenode.rs"]
mod fake_namenode;

use std::time::{Duration, Instant};

use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::ports::{FsError, HdfsPort};
use cdp_spark_hdfs::{HadoopConf, HdfsConfig, HdfsNativeFs};
use fake_namenode::FakeNameNode;

fn login_fault(result: Result<Option<cdp_spark_domain::ports::FileStatus>, FsError>) -> String {
    match result {
        Err(FsError::NotConfigured { scheme, detail }) => {
            assert_eq!(scheme, "hdfs://");
            detail.into()
        }
        other => panic!("expected a login fault, got {other:?}"),
    }
}

#[tokio::test]
async fn kerberos_logins_without_usable_credentials_are_configuration_faults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let kdc = closed.local_addr().expect("address");
    drop(closed);
    let krb5_conf = dir.path().join("krb5.conf");
    std::fs::write(
        &krb5_conf,
        format!(
            "[libdefaults]\n  default_realm = EXAMPLE.COM\n  dns_lookup_kdc = false\n  \
             dns_lookup_realm = false\n  dns_canonicalize_hostname = false\n  rdns = false\n\
             [realms]\n  EXAMPLE.COM = {{\n    kdc = {kdc}\n  }}\n"
        ),
    )
    .expect("write krb5.conf");
    std::env::set_var("KRB5_CONFIG", &krb5_conf);
    std::env::set_var(
        "KRB5CCNAME",
        format!("FILE:{}", dir.path().join("no-tickets").display()),
    );
    std::env::remove_var("HADOOP_TOKEN_FILE_LOCATION");

    let nn = FakeNameNode::start_kerberos().await;
    let location = ArtifactUri::parse(&format!("hdfs://{}/apps/job.jar", nn.address()))
        .expect("valid location");

    // A principal and a keytab that holds no key (only the format header).
    let keytab = dir.path().join("provisioner.keytab");
    std::fs::write(&keytab, [5u8, 2]).expect("write an empty keytab");
    let config = HdfsConfig {
        principal: Some("provisioner@EXAMPLE.COM".into()),
        keytab: Some(keytab.clone()),
        timeout_ms: 10_000,
        allowed_namenodes: vec![nn.address()],
        ..HdfsConfig::enabled()
    };
    let fs = HdfsNativeFs::with_conf(&config, HadoopConf::from_values([])).expect("valid");
    let started = Instant::now();
    let detail = login_fault(fs.status(&location).await);
    eprintln!("keytab case: {detail}");
    assert!(
        detail.contains("could not log in to the NameNode at")
            && detail.contains("Kerberos as provisioner@EXAMPLE.COM")
            && detail.contains("GSSAPI")
            && detail.contains("klist -kt"),
        "{detail}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(nn.connections() >= 1, "the NameNode was asked");

    // Kerberos from the Hadoop settings, tickets from an empty cache.
    let config = HdfsConfig {
        timeout_ms: 10_000,
        allowed_namenodes: vec![nn.address()],
        ..HdfsConfig::enabled()
    };
    let conf = HadoopConf::from_values([(
        "hadoop.security.authentication".to_string(),
        "kerberos".to_string(),
    )]);
    let fs = HdfsNativeFs::with_conf(&config, conf).expect("valid");
    let detail = login_fault(fs.status(&location).await);
    eprintln!("ticket cache case: {detail}");
    assert!(
        detail.contains("GSSAPI") && detail.contains("kinit"),
        "{detail}"
    );
}
