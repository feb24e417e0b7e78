//! The real Quartz 2.3.2 from Debian's `libquartz2-java`: its MySQL and
//! PostgreSQL table scripts, and a small Java program (tests/java) compiled and run against a
//! test database.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Folder of the Debian Java libraries (`CDP_TEST_JAVA_DIR` overrides).
pub fn java_dir() -> PathBuf {
    std::env::var_os("CDP_TEST_JAVA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/java"))
}

/// A jar of [`java_dir`]; fails the test with the package to install.
pub fn library(file: &str, package: &str) -> PathBuf {
    let path = java_dir().join(file);
    assert!(
        path.is_file(),
        "{} is missing: install the Debian package {package} (scripts/install-deps.sh test does), \
         or point CDP_TEST_JAVA_DIR at a folder holding {file}",
        path.display()
    );
    path
}

pub fn quartz_jar() -> PathBuf {
    library("quartz2.jar", "libquartz2-java")
}

/// Quartz's own `tables_mysql_innodb.sql`, read from its jar.
pub fn quartz_mysql_script() -> String {
    quartz_script("tables_mysql_innodb.sql")
}

/// Quartz's own `tables_postgres.sql`, read from its jar.
pub fn quartz_postgres_script() -> String {
    quartz_script("tables_postgres.sql")
}

/// A table script of Quartz's jar (`org/quartz/impl/jdbcjobstore/NAME`).
fn quartz_script(name: &str) -> String {
    let jar = quartz_jar();
    let out = Command::new("unzip")
        .arg("-p")
        .arg(&jar)
        .arg(format!("org/quartz/impl/jdbcjobstore/{name}"))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run unzip to read Quartz's script from {}: {e}; install unzip",
                jar.display()
            )
        });
    assert!(
        out.status.success() && !out.stdout.is_empty(),
        "unzip could not read {name} from {}: {}",
        jar.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the script is UTF-8")
}

/// `mysql://user[:password]@host:port/db` as a MariaDB JDBC URL, user,
/// password; `postgres://…` as a PostgreSQL one (the probe picks Quartz's
/// delegate by the JDBC URL).
pub fn jdbc(url: &str) -> (String, String, String) {
    let (scheme, rest) = if let Some(rest) = url.strip_prefix("mysql://") {
        ("mariadb", rest)
    } else if let Some(rest) = url.strip_prefix("postgres://") {
        ("postgresql", rest)
    } else {
        panic!("a mysql:// or postgres:// URL: {url}")
    };
    let (userinfo, hostpath) = rest.rsplit_once('@').expect("user@host in the test URL");
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    (
        format!("jdbc:{scheme}://{hostpath}"),
        user.to_string(),
        password.to_string(),
    )
}

/// The compiled probe program.
pub struct Probe {
    classes: tempfile::TempDir,
    classpath: String,
}

impl Probe {
    pub fn compile() -> Self {
        let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java");
        let quartz = quartz_jar();
        let slf4j = library("slf4j-api.jar", "libslf4j-java");
        let nop = library("slf4j-nop.jar", "libslf4j-java");
        let mariadb = library("mariadb-java-client.jar", "libmariadb-java");
        let postgresql = library("postgresql.jar", "libpostgresql-jdbc-java");
        let classes = tempfile::tempdir().expect("tempdir");
        let compile_cp = format!("{}:{}", quartz.display(), slf4j.display());
        let out = Command::new("javac")
            .arg("-d")
            .arg(classes.path())
            .arg("-cp")
            .arg(&compile_cp)
            .arg(sources.join("QuartzProbe.java"))
            .arg(sources.join("SparkSubmitJob.java"))
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run javac: {e}; install default-jdk-headless (Java 17)")
            });
        assert!(
            out.status.success(),
            "javac failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let classpath = [
            classes.path().to_path_buf(),
            quartz,
            slf4j,
            nop,
            mariadb,
            postgresql,
        ]
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(":");
        Self { classes, classpath }
    }

    /// Runs the probe and answers its parsed output.
    pub fn run(&self, args: &[String]) -> ProbeOutput {
        let out = Command::new("java")
            .arg("-cp")
            .arg(&self.classpath)
            .arg("QuartzProbe")
            .args(args)
            .current_dir(self.classes.path())
            .output()
            .unwrap_or_else(|e| panic!("cannot run java: {e}"));
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "the Quartz probe failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        ProbeOutput::parse(&stdout)
    }
}

fn unhex(field: &str) -> Option<String> {
    match field {
        "-" => None,
        "=" => Some(String::new()),
        h => {
            let bytes: Vec<u8> = (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex"))
                .collect();
            Some(String::from_utf8(bytes).expect("utf-8"))
        }
    }
}

fn millis(field: &str) -> Option<i64> {
    (field != "-").then(|| field.parse().expect("millis"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuartzJob {
    pub class_name: String,
    pub durable: bool,
    pub non_concurrent: bool,
    pub description: Option<String>,
    pub data: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuartzTrigger {
    pub job: (String, String),
    pub kind: String,
    pub cron: Option<String>,
    pub zone: Option<String>,
    pub next: Option<i64>,
    pub previous: Option<i64>,
    pub start: i64,
    pub end: Option<i64>,
    pub state: String,
    pub misfire: i32,
    pub priority: i32,
    pub repeat_count: Option<i32>,
    /// Quartz's own first fire time after the start (cron triggers).
    pub quartz_first_fire: Option<i64>,
}

/// What the probe printed, keyed by (group, name).
#[derive(Debug, Default)]
pub struct ProbeOutput {
    pub jobs: BTreeMap<(String, String), QuartzJob>,
    pub triggers: BTreeMap<(String, String), QuartzTrigger>,
    pub standby: bool,
}

impl ProbeOutput {
    fn parse(stdout: &str) -> Self {
        let mut out = ProbeOutput::default();
        for line in stdout.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let key = |i: usize| (unhex(f[i]).expect("group"), unhex(f[i + 1]).expect("name"));
            match f[0] {
                "JOB" => {
                    out.jobs.insert(
                        key(1),
                        QuartzJob {
                            class_name: unhex(f[3]).expect("class"),
                            durable: f[4] == "true",
                            non_concurrent: f[5] == "true",
                            description: unhex(f[6]),
                            data: BTreeMap::new(),
                        },
                    );
                }
                "DATA" => {
                    let job = out.jobs.get_mut(&key(1)).expect("DATA after its JOB");
                    job.data
                        .insert(unhex(f[3]).expect("key"), unhex(f[4]).expect("value"));
                }
                "TRIGGER" => {
                    out.triggers.insert(
                        key(1),
                        QuartzTrigger {
                            job: key(3),
                            kind: f[5].to_string(),
                            cron: unhex(f[6]),
                            zone: unhex(f[7]),
                            next: millis(f[8]),
                            previous: millis(f[9]),
                            start: millis(f[10]).expect("start"),
                            end: millis(f[11]),
                            state: f[12].to_string(),
                            misfire: f[13].parse().expect("misfire"),
                            priority: f[14].parse().expect("priority"),
                            repeat_count: (f[15] != "-").then(|| f[15].parse().expect("repeat")),
                            quartz_first_fire: millis(f[16]),
                        },
                    );
                }
                "END" => out.standby = f[1] == "true",
                _ => {}
            }
        }
        assert!(
            stdout.lines().any(|l| l.starts_with("END")),
            "the probe did not finish its listing:\n{stdout}"
        );
        out
    }
}
