//! What the tests against the real mini clusters share: writing files as
//! the HDFS superuser with hdfs-native, the provisioner's configuration as
//! an operator writes it, validations through the domain's use case, and
//! the daemons' JMX counters (with [`crate::minicluster`]).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cdp_spark_domain::api::{DescriptorKind, ProvisioningRequest, SystemError, ValidationResult};
use cdp_spark_domain::ports::{HdfsPort, MockJobStorePort};
use cdp_spark_domain::usecases::{Provisioner, UseCaseSettings};
use cdp_spark_hdfs::hdfs_native::{Client, ClientBuilder, WriteOptions};
use cdp_spark_hdfs::HdfsConfig;

use crate::minicluster::MiniCluster;

/// Block size of the files the tests write: a few-MB jar spans blocks.
pub const BLOCK_SIZE: u64 = 1 << 20;
/// The descriptor fixture's component, as the field paths name it.
pub const COMPONENT: &str = "dataProduct.components[1]";
/// The fixture's main class.
pub const FIXTURE_CLASS: &str = "com.acme.finance.cashflow.DailyAggregation";

/// The provisioner's `[hdfs]` section for the plain cluster, as an
/// operator writes it: the gateway's client configuration folder and, with
/// simple authentication, the user to act as.
pub fn plain_config(cluster: &MiniCluster) -> HdfsConfig {
    HdfsConfig {
        enabled: true,
        hadoop_conf_dir: Some(cluster.conf_dir()),
        user: Some(cluster.var("CDP_TEST_HDFS_USER").to_string()),
        ..HdfsConfig::default()
    }
}

/// The HDFS superuser as an hdfs-native client on the gateway's
/// configuration (simple authentication: the superuser's name; Kerberos:
/// the `hdfs/localhost` keytab). The client runs its connection tasks on
/// the caller's runtime: use it within one test.
pub fn superuser_client(cluster: &MiniCluster) -> Client {
    let mut builder = ClientBuilder::new()
        .with_url(cluster.hdfs_url())
        .with_config_dir(cluster.conf_dir().display().to_string());
    builder = match cluster.vars().get("CDP_TEST_KERBEROS_HDFS_KEYTAB") {
        Some(keytab) => builder
            .with_kerberos_principal(cluster.var("CDP_TEST_KERBEROS_HDFS_PRINCIPAL"))
            .with_kerberos_keytab(keytab.as_str()),
        None => builder.with_user(cluster.superuser()),
    };
    builder
        .build()
        .unwrap_or_else(|e| panic!("the superuser's client for {}: {e}", cluster.hdfs_url()))
}

/// A folder of its own for one test under `/apps` (mode 1777) of the
/// cluster, made by the superuser, readable by all.
pub async fn test_dir(client: &Client, label: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = format!("/apps/cdp-it/{label}-{}-{nanos}", std::process::id());
    mkdir(client, &dir, 0o755, None).await;
    dir
}

/// `mkdir -p`, then mode and owner (`user:user`).
pub async fn mkdir(client: &Client, path: &str, mode: u32, owner: Option<&str>) {
    with_deadline(format!("mkdir {path}"), async {
        client
            .mkdirs(path, 0o755, true)
            .await
            .unwrap_or_else(|e| panic!("mkdir {path}: {e}"));
        client
            .set_permission(path, mode)
            .await
            .unwrap_or_else(|e| panic!("chmod {mode:o} {path}: {e}"));
        if let Some(owner) = owner {
            client
                .set_owner(path, Some(owner), Some(owner))
                .await
                .unwrap_or_else(|e| panic!("chown {owner} {path}: {e}"));
        }
    })
    .await
}

/// Writes `bytes` to `path` in blocks of [`BLOCK_SIZE`], then sets its
/// mode and owner (`user:user`).
pub async fn put(client: &Client, path: &str, bytes: &[u8], mode: u32, owner: Option<&str>) {
    with_deadline(format!("write {path}"), async {
        let options = WriteOptions::default()
            .overwrite(true)
            .block_size(BLOCK_SIZE)
            .replication(1);
        let mut writer = client
            .create(path, options)
            .await
            .unwrap_or_else(|e| panic!("create {path}: {e}"));
        writer
            .write_bytes(bytes.to_vec().into())
            .await
            .unwrap_or_else(|e| panic!("write {path}: {e}"));
        writer
            .close()
            .await
            .unwrap_or_else(|e| panic!("close {path}: {e}"));
        client
            .set_permission(path, mode)
            .await
            .unwrap_or_else(|e| panic!("chmod {mode:o} {path}: {e}"));
        if let Some(owner) = owner {
            client
                .set_owner(path, Some(owner), Some(owner))
                .await
                .unwrap_or_else(|e| panic!("chown {owner} {path}: {e}"));
        }
    })
    .await
}

/// Removes a test's folder; only a warning when it cannot.
pub async fn remove(client: &Client, dir: &str) {
    match tokio::time::timeout(Duration::from_secs(30), client.delete(dir, true)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => eprintln!("could not remove {dir}: {e}"),
        Err(_) => eprintln!("could not remove {dir}: no answer in 30 s"),
    }
}

async fn with_deadline<T>(what: String, work: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), work)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within 120 s"))
}

// ------------------------------------------------------------ validate ---

/// The use case with `fs` as its `HdfsPort` and a job store that must not
/// be touched (validation reads no job).
pub fn provisioner(fs: Arc<dyn HdfsPort>) -> Provisioner {
    Provisioner::new(
        fs,
        Arc::new(MockJobStorePort::new()),
        UseCaseSettings::default(),
    )
}

/// The repository's descriptor fixture with its jar, class and
/// dependencies replaced.
pub fn descriptor(fixture: &str, jar: &str, class: &str, dependencies: &[&str]) -> String {
    let deps = if dependencies.is_empty() {
        String::new()
    } else {
        let mut s = "          dependencies:\n".to_string();
        for d in dependencies {
            s.push_str(&format!("            - {d}\n"));
        }
        s
    };
    let text = fixture
        .replace(
            "hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar",
            jar,
        )
        .replace(FIXTURE_CLASS, class)
        .replace(
            "          dependencies:\n            - hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar\n",
            &deps,
        );
    assert!(
        !text.contains("nameservice1"),
        "the descriptor fixture changed shape"
    );
    text
}

pub fn request(descriptor: String) -> ProvisioningRequest {
    ProvisioningRequest {
        descriptor_kind: DescriptorKind::ComponentDescriptor,
        descriptor,
        remove_data: false,
        latest_enriched_descriptor: None,
    }
}

/// The problems of an invalid result (`[]` when valid).
pub fn problems(result: &ValidationResult) -> Vec<String> {
    result
        .error
        .as_ref()
        .map(|e| e.errors.clone())
        .unwrap_or_default()
}

/// The one problem of an invalid result, which must be on `field` (a path
/// under the component, e.g. `specific.jar`); its text after the field.
pub fn single_problem(result: &Result<ValidationResult, SystemError>, field: &str) -> String {
    let result = match result {
        Ok(r) => r,
        Err(e) => panic!("expected a problem on {field}, got the system error {e:?}"),
    };
    let problems = problems(result);
    assert!(!result.valid, "expected a problem on {field}: valid");
    assert_eq!(problems.len(), 1, "one problem on {field}: {problems:#?}");
    let prefix = format!("{COMPONENT}.{field}: ");
    problems[0]
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("the problem is not on {prefix}: {}", problems[0]))
        .to_string()
}

// ----------------------------------------------------------------- JMX ---

/// `GET base/jmx?qry=QUERY`: the beans, by name. `None` when the daemon
/// does not answer (e.g. a stopped NameNode).
pub fn jmx(base: &str, query: &str) -> Option<BTreeMap<String, serde_json::Value>> {
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    // HTTP/1.0: no chunked answer to decode.
    write!(
        stream,
        "GET /jmx?qry={query} HTTP/1.0\r\nHost: {addr}\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
        panic!("GET {base}/jmx?qry={query}: {head}");
    }
    let json: serde_json::Value = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("GET {base}/jmx?qry={query}: not JSON ({e}): {body}"));
    let beans = json["beans"].as_array()?;
    Some(
        beans
            .iter()
            .filter_map(|b| Some((b["name"].as_str()?.to_string(), b.clone())))
            .collect(),
    )
}

/// The numeric attributes of a bean.
pub fn counters(bean: &serde_json::Value) -> BTreeMap<String, u64> {
    bean.as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// `after - before` for every counter that moved.
pub fn delta(
    before: &BTreeMap<String, u64>,
    after: &BTreeMap<String, u64>,
) -> BTreeMap<String, u64> {
    after
        .iter()
        .filter_map(|(k, &v)| {
            let d = v.saturating_sub(before.get(k).copied().unwrap_or(0));
            (d > 0).then(|| (k.clone(), d))
        })
        .collect()
}
