//! The real Hadoop mini clusters of the test suite (`tests/hadoop`, started
//! once per suite by `scripts/test.sh` through
//! `scripts/hadoop-minicluster.sh`): where they are and how to move them.
//!
//! - [`MiniCluster::plain`]: `CDP_TEST_MINICLUSTER`, an HA nameservice of two
//!   NameNodes, a DataNode, a ResourceManager and a NodeManager, simple
//!   authentication;
//! - [`MiniCluster::kerberos`]: `CDP_TEST_MINICLUSTER_KERBEROS`, one
//!   NameNode with Kerberos RPC, a ResourceManager behind SPNEGO, a KDC and
//!   keytabs.
//!
//! Each names the cluster's folder; its `env` file holds the addresses
//! (`CDP_TEST_HDFS_URL`, `CDP_TEST_YARN_RM`, …). The variables are read from
//! that file, not from the process environment, so one test binary can use
//! both clusters and nothing leaks into tests that read `HADOOP_CONF_DIR`.
//! Without the variable a test fails saying how to start the cluster.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// One running mini cluster.
#[derive(Debug, Clone)]
pub struct MiniCluster {
    pub dir: PathBuf,
    env: BTreeMap<String, String>,
}

impl MiniCluster {
    /// The HA, simple-authentication cluster.
    pub fn plain() -> MiniCluster {
        Self::from_var("CDP_TEST_MINICLUSTER", "--ha")
    }

    /// The Kerberos cluster.
    pub fn kerberos() -> MiniCluster {
        Self::from_var("CDP_TEST_MINICLUSTER_KERBEROS", "--kerberos")
    }

    fn from_var(var: &str, flag: &str) -> MiniCluster {
        let Some(dir) = std::env::var_os(var).filter(|d| !d.is_empty()) else {
            panic!(
                "{var} is not set: this test runs against a real Hadoop mini cluster. \
                 scripts/test.sh starts one; by hand: scripts/hadoop-minicluster.sh start \
                 DIR {flag} && export {var}=DIR (and scripts/hadoop-minicluster.sh stop DIR \
                 afterwards)"
            )
        };
        Self::at(Path::new(&dir))
    }

    /// The cluster whose folder is `dir`.
    pub fn at(dir: &Path) -> MiniCluster {
        let file = dir.join("env");
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| {
            panic!(
                "{} cannot be read ({e}): is the mini cluster in {} running? \
                 (scripts/hadoop-minicluster.sh status {})",
                file.display(),
                dir.display(),
                dir.display()
            )
        });
        MiniCluster {
            dir: dir.to_path_buf(),
            env: parse_env(&text),
        }
    }

    /// A variable of the cluster's `env` file; panics naming it when absent.
    pub fn var(&self, name: &str) -> &str {
        self.env.get(name).map(String::as_str).unwrap_or_else(|| {
            panic!(
                "{} has no {name}; variables: {:?}",
                self.dir.join("env").display(),
                self.env.keys().collect::<Vec<_>>()
            )
        })
    }

    /// All of the `env` file's variables (e.g. to start a child with them).
    pub fn vars(&self) -> &BTreeMap<String, String> {
        &self.env
    }

    /// `hdfs://cdpns` (HA) or `hdfs://localhost:PORT`.
    pub fn hdfs_url(&self) -> &str {
        self.var("CDP_TEST_HDFS_URL")
    }

    /// The ResourceManager's web address, `http://localhost:PORT`.
    pub fn rm_url(&self) -> &str {
        self.var("CDP_TEST_YARN_RM")
    }

    /// The client configuration a gateway host has (`core-site.xml`, …).
    pub fn conf_dir(&self) -> PathBuf {
        PathBuf::from(self.var("HADOOP_CONF_DIR"))
    }

    /// The HDFS superuser (the daemons' user).
    pub fn superuser(&self) -> &str {
        self.var("CDP_TEST_HDFS_SUPERUSER")
    }

    /// `POST /namenode/{index}/{action}` on the cluster's control endpoint:
    /// `active`, `standby`, `stop`, `start`. Panics with the answer when it
    /// is not a 200.
    pub fn namenode(&self, index: usize, action: &str) {
        let (status, body) = self.control("POST", &format!("/namenode/{index}/{action}"));
        assert_eq!(status, 200, "namenode {index} {action}: {body}");
    }

    /// `(index, rpc port, state)` of each NameNode: `active`, `standby` or
    /// `stopped` (port 0).
    pub fn namenodes(&self) -> Vec<(usize, u16, String)> {
        let (status, body) = self.control("GET", "/namenodes");
        assert_eq!(status, 200, "GET /namenodes: {body}");
        body.lines()
            .filter_map(|line| {
                let mut parts = line.split_whitespace();
                let index = parts.next()?.parse().ok()?;
                // A stopped NameNode answers port -1: 0 here.
                let port = parts.next()?.parse::<i64>().ok()?;
                Some((
                    index,
                    u16::try_from(port).unwrap_or(0),
                    parts.next()?.to_string(),
                ))
            })
            .collect()
    }

    fn control(&self, method: &str, path: &str) -> (u16, String) {
        let base = self.var("CDP_TEST_MINICLUSTER_CONTROL");
        let addr = base.trim_start_matches("http://").trim_end_matches('/');
        let mut stream = TcpStream::connect(addr)
            .unwrap_or_else(|e| panic!("the mini cluster's control endpoint {base}: {e}"));
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .expect("set a read timeout");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .expect("send to the control endpoint");
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .expect("read the control endpoint's answer");
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    /// `hdfs dfs ARGS` against the cluster as its superuser
    /// (`scripts/hadoop-minicluster.sh dfs`); returns stdout, panics with
    /// stderr on failure.
    pub fn dfs(&self, args: &[&str]) -> String {
        let script = workspace_root().join("scripts/hadoop-minicluster.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg("dfs")
            .arg(&self.dir)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
        assert!(
            out.status.success(),
            "hdfs dfs {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// The workspace root: the nearest folder above this crate that holds
/// `scripts/hadoop-minicluster.sh`.
pub fn workspace_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join("scripts/hadoop-minicluster.sh").is_file() {
        assert!(dir.pop(), "the workspace root was not found");
    }
    dir
}

/// `export NAME='value'` lines, as `scripts/hadoop-minicluster.sh` writes
/// them (single quotes, `'\''` for a quote inside).
fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| {
            let (name, value) = line.strip_prefix("export ")?.split_once('=')?;
            let value = value
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or(value)
                .replace("'\\''", "'");
            Some((name.to_string(), value))
        })
        .collect()
}
