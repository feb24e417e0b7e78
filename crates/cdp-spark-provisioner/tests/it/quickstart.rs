//! The README's quickstart, as written: the shell block after the
//! `<!-- quickstart: ... -->` marker is read from README.md and run with
//! bash against a started `serve` (scheduler on, real Spark in local mode,
//! as `scripts/run.sh` starts it with `SPARK_HOME` set), in a folder laid
//! out like the repository (`scripts/`, a copy of `examples/`, and
//! `target/release/cdp-spark-provisioner` being the binary under test). The
//! run must succeed and its log must show the job's output. Needs a JDK and
//! Spark (`scripts/install-spark.sh`, which the block itself runs).

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use support::*;

const MARKER: &str = "<!-- quickstart:";
const JOB: &str = "urn:dmb:dp:examples:hello:0/examples-hello-0-hello-spark-development";

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The lines of the fenced block after the marker.
pub(crate) fn quickstart_block(readme: &str) -> Vec<String> {
    let after = readme
        .split_once(MARKER)
        .map(|(_, rest)| rest)
        .expect("README.md has the quickstart marker");
    let block = after
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .map(|(block, _)| block)
        .expect("a ```sh block follows the quickstart marker");
    block.lines().map(str::to_string).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("entry");
        let path = entry.path();
        if entry.file_name() == "target" {
            continue;
        }
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).expect("copy file");
        }
    }
}

#[test]
fn the_readme_quickstart_runs_as_written() {
    let repo = repository();
    let readme = std::fs::read_to_string(repo.join("README.md")).expect("README.md");
    let lines = quickstart_block(&readme);
    assert!(
        lines.iter().any(|l| l.contains("jobs trigger"))
            && lines.iter().any(|l| l.contains("jobs logs"))
            && lines.iter().any(|l| l.contains("jobs provision")),
        "the quickstart lost a step: {lines:?}"
    );

    let spark = Command::new(repo.join("scripts/install-spark.sh"))
        .output()
        .expect("scripts/install-spark.sh");
    assert!(spark.status.success(), "{spark:?}");
    let spark_home = String::from_utf8_lossy(&spark.stdout).trim().to_string();

    let place = Place::new(&Db::Sqlite);
    let options = ServerOptions::default()
        .scheduler()
        .env("SPARK_HOME", &spark_home);
    let server = start_in(&place, &options);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    // The repository's layout, with the binary under test as the release
    // build `scripts/run.sh` makes.
    let root = place.dir.path().join("repo");
    std::fs::create_dir_all(root.join("target/release")).expect("folders");
    std::os::unix::fs::symlink(repo.join("scripts"), root.join("scripts")).expect("scripts");
    copy_dir(&repo.join("examples"), &root.join("examples"));
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_cdp-spark-provisioner"),
        root.join("target/release/cdp-spark-provisioner"),
    )
    .expect("binary");

    let started = Instant::now();
    let mut cmd = Command::new("timeout");
    cmd.arg("600")
        .arg("bash")
        .arg("-euo")
        .arg("pipefail")
        .arg("-c")
        .arg(lines.join("\n"))
        .current_dir(&root);
    for (k, _) in std::env::vars() {
        if k.starts_with("CDP_SPARK_PROVISIONER_") {
            cmd.env_remove(k);
        }
    }
    cmd.env_remove("SPARK_HOME")
        .env("CDP_SPARK_PROVISIONER_SERVER", &server.base);
    let out = cmd.output().expect("bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the quickstart failed ({:?}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}\n--- server\n{}",
        out.status,
        server.log()
    );
    println!("quickstart in {:?}", started.elapsed());

    // validate, provision, trigger --wait and show did their part.
    assert!(stdout.contains("\"valid\": true"), "{stdout}");
    assert!(stdout.contains("COMPLETED: "), "{stdout}");
    assert!(stderr.contains("SUCCEEDED"), "trigger --wait: {stderr}");
    assert!(stdout.contains("examples.HelloSpark"), "show: {stdout}");
    assert!(
        stdout.contains("hello-spark: sum(1..100) = 5050"),
        "the log shows the job's output: {stdout}"
    );
    // The run, as the API has it.
    let run = runtime.block_on(async {
        let (code, page) = server
            .get(&format!("/v1/scheduler/runs?job={}", seg(JOB)))
            .await;
        assert_eq!(code, 200, "{page}");
        page["runs"][0].clone()
    });
    assert_eq!(run["state"], "SUCCEEDED", "{run}\n{}", server.log());
}
