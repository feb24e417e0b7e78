//! What one validation reads, against jar size and entry count: bytes read
//! and range reads, counted in the port (`CountingPort` over the
//! application's `ArtifactFs`, local files on disk), for jars from 1 MB to
//! 500 MB with 1 to 50,000 entries, and a 500 MB jar of 200,000 entries
//! (what the default read budget, `artifacts.max_read_bytes` = 64 MiB, is
//! sized for).
//!
//! Target: at most the central directory plus the class entry plus one
//! small read for the end record (the last 64 KiB + 22 bytes, where the end
//! record must be), i.e. under 1% of a 100 MB jar, in at most 3 range
//! reads (the central directory is one streamed read, stopped at the
//! class), within the default read budget. A row over the target makes the
//! bench exit with status 1.
//!
//! ```text
//! cargo bench -p cdp-spark-hdfs --bench jar_reads
//! CDP_BENCH_MAX_MB=100 cargo bench -p cdp-spark-hdfs --bench jar_reads   # skip the 500 MB jars
//! ```
//!
//! Run by `cargo test --all-targets` (no `--bench` argument) it only does
//! the jars of up to 1 MB, as a check that the bench works.
//!
//! Jars are written to a temporary folder (one at a time, up to 500 MB)
//! and removed after their row. The time column is the median of 5
//! validations with the file in the page cache: it shows the CPU cost of
//! walking the central directory, not disk or network latency.

#[path = "../tests/support/jars.rs"]
mod jars;

use std::time::{Duration, Instant};

use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::jar::{
    check_main_class, MainClassCheck, PortByteSource, DEFAULT_MAX_READ_BYTES,
};
use cdp_spark_domain::ports::HdfsPort;
use cdp_spark_hdfs::{ArtifactFs, CountingPort, PortCounts};
use jars::{main_class_bytes, write_jar, Layout, MAIN_CLASS};

const MB: u64 = 1_000_000;
const TAIL: u64 = 22 + 65_535;
const SIZES_MB: [u64; 4] = [1, 10, 100, 500];
const ENTRIES: [usize; 4] = [2, 1_000, 10_000, 50_000];
const RUNS: usize = 5;

struct Row {
    layout: Layout,
    counts: PortCounts,
    median: Duration,
    bound: u64,
    ok: bool,
}

async fn validate_once(fs: &CountingPort<ArtifactFs>, location: &ArtifactUri) -> PortCounts {
    let status = fs
        .status(location)
        .await
        .expect("status")
        .expect("the jar exists");
    let source = PortByteSource::new(fs, location, status.length);
    let check = check_main_class(&source, MAIN_CLASS).await;
    assert!(
        matches!(check, Ok(MainClassCheck::HasMain { .. })),
        "{location}: {check:?}"
    );
    fs.take()
}

async fn measure(dir: &std::path::Path, entries: usize, size: u64, class: &[u8]) -> Row {
    let path = dir.join(format!("bench-{entries}-{size}.jar"));
    let layout = write_jar(&path, entries, size, class);
    let location = ArtifactUri::parse(&format!("file://{}", path.display())).expect("file: URI");
    let fs = CountingPort::new(ArtifactFs::local_only());
    let mut times = Vec::with_capacity(RUNS);
    let mut counts = PortCounts::default();
    for _ in 0..RUNS {
        let started = Instant::now();
        let run = validate_once(&fs, &location).await;
        times.push(started.elapsed());
        if counts != PortCounts::default() {
            assert_eq!(run, counts, "every validation reads the same");
        }
        counts = run;
    }
    std::fs::remove_file(&path).expect("remove the bench jar");
    times.sort();
    let class_read = counts.ranges.last().map_or(0, |r| r.1);
    let bound = TAIL.max(layout.len - layout.cd_offset) + class_read;
    // The 1% figure is for jars of 100 MB and more whose central directory
    // is itself under 1% of the jar (50,000 entries make 3.9 MB of it).
    let one_percent_applies = layout.len >= 100 * MB && bound * 100 < layout.len;
    let ok = counts.range_reads <= 3
        && counts.status_calls == 1
        && counts.bytes_read <= bound
        && counts.bytes_read <= DEFAULT_MAX_READ_BYTES
        && class_read < 4096
        && (!one_percent_applies || counts.bytes_read * 100 < layout.len);
    Row {
        layout,
        counts,
        median: times[RUNS / 2],
        bound,
        ok,
    }
}

fn main() {
    let mut max_mb: u64 = std::env::var("CDP_BENCH_MAX_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this
    // binary without it: then a quick pass over the small jars only.
    if !std::env::args().any(|a| a == "--bench") {
        max_mb = max_mb.min(1);
        println!("jar_reads in test mode: jars up to 1 MB (cargo bench for the full table)");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let class = main_class_bytes();

    let mut cases = vec![(1usize, 0u64)];
    for &size in SIZES_MB.iter().filter(|&&s| s <= max_mb) {
        for &entries in &ENTRIES {
            cases.push((entries, size * MB));
        }
    }
    if max_mb >= 500 {
        cases.push((200_000, 500 * MB));
    }

    println!("jar_reads: one validation (status + main-class check) through CountingPort<ArtifactFs> on local files");
    println!(
        "{:>9} {:>8} {:>6} {:>11} {:>6} {:>6} {:>11} {:>9} {:>11} {:>10}  within target",
        "jar MB",
        "entries",
        "zip64",
        "CD bytes",
        "status",
        "reads",
        "bytes read",
        "% of jar",
        "bound",
        "median"
    );
    let mut all_ok = true;
    for (entries, size) in cases {
        let row = runtime.block_on(measure(dir.path(), entries, size, &class));
        all_ok &= row.ok;
        println!(
            "{:>9.1} {:>8} {:>6} {:>11} {:>6} {:>6} {:>11} {:>8.3}% {:>11} {:>8.0}µs  {}",
            row.layout.len as f64 / MB as f64,
            row.layout.entries,
            if row.layout.zip64 { "yes" } else { "no" },
            row.layout.cd_size,
            row.counts.status_calls,
            row.counts.range_reads,
            row.counts.bytes_read,
            100.0 * row.counts.bytes_read as f64 / row.layout.len as f64,
            row.bound,
            row.median.as_secs_f64() * 1e6,
            if row.ok { "yes" } else { "NO" }
        );
    }
    println!(
        "bound = max(64 KiB + 22 tail, central directory + end records) + the class entry's read \
         (the target: the central directory, the class entry and one small read for the end \
         record); within target = status 1, reads <= 3, bytes read <= bound, and under 1% of \
         any jar of 100 MB or more whose bound is under 1% of it"
    );
    if !all_ok {
        eprintln!("jar_reads: some rows are over the target");
        std::process::exit(1);
    }
}
