//! The repository's test fixtures, `tests/fixtures/` at the workspace root
//! (the Quartz cron oracle, the Witboost descriptors, the specific-provisioner
//! contract; see its README.md).
//!
//! Every crate sits at `crates/<name>`, so the workspace root is two levels
//! above this crate's `CARGO_MANIFEST_DIR`.

use std::path::{Path, PathBuf};

/// `tests/fixtures/` of the workspace.
pub fn dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .unwrap_or_else(|| panic!("{} is not under crates/", manifest.display()))
        .join("tests/fixtures")
}

/// The path of the fixture `name` (relative to `tests/fixtures/`, e.g.
/// `descriptors/component-spark-scheduled.yaml`).
pub fn path(name: &str) -> PathBuf {
    dir().join(name)
}

/// The text of the fixture `name`; fails the test, naming the file, when it
/// cannot be read.
pub fn read(name: &str) -> String {
    let path = path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the test fixture tests/fixtures/{name} cannot be read at {} ({e}); it belongs to the \
             repository: restore it with `git checkout -- tests/fixtures/{name}`",
            path.display()
        )
    })
}

/// What Java 17's `TimeZone.getTimeZone` answers for every id it lists and
/// for custom and unknown ones (`crates/cdp-spark-domain/tests/java/JavaTimeZones.java`).
pub const JAVA_TIME_ZONES: &str = "java-time-zones.tsv";

/// The scheduled Spark component descriptor, as the Coordinator sends it.
pub const SCHEDULED_DESCRIPTOR: &str = "descriptors/component-spark-scheduled.yaml";
/// The Quartz 2.3.2 cron oracle (scripts/quartz-cron-oracle.sh).
pub const QUARTZ_ORACLE: &str = "quartz-cron-oracle.tsv";
/// The Witboost specific-provisioner API 2.2.0 contract.
pub const CONTRACT: &str = "contracts/witboost-specific-provisioner-2.2.0.yaml";
