//! The jar inspection on real files through the port the application uses
//! (`ArtifactFs` → `LocalFs`), counted by a `CountingPort`: what one
//! validation (status, then the main-class check) costs for a jar over
//! 100 MB, a huge central directory, a ZIP64 jar, and what it says for a
//! file that is not a zip or a truncated jar. The zip logic itself is
//! tested in the domain crate on in-memory sources.

use crate::support::jars;

use std::path::Path;

use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::jar::{check_main_class, JarError, MainClassCheck, PortByteSource};
use cdp_spark_domain::ports::{FileKind, HdfsPort};
use cdp_spark_hdfs::{ArtifactFs, CountingPort, PortCounts};
use jars::{main_class_bytes, write_jar, Layout, MAIN_CLASS, MAIN_ENTRY};

/// The first read: the end record plus the longest possible comment.
const TAIL: u64 = 22 + 65_535;

/// Status, then the main-class check, as the validate use case does.
async fn validate(path: &Path) -> (Result<MainClassCheck, JarError>, PortCounts) {
    let fs = CountingPort::new(ArtifactFs::local_only());
    let location = ArtifactUri::parse(&format!("file://{}", path.display())).expect("file: URI");
    let status = fs
        .status(&location)
        .await
        .expect("status")
        .expect("the file exists");
    assert_eq!(status.kind, FileKind::File);
    let source = PortByteSource::new(&fs, &location, status.length);
    let result = check_main_class(&source, MAIN_CLASS).await;
    (result, fs.take())
}

fn has_main() -> MainClassCheck {
    MainClassCheck::HasMain {
        entry: MAIN_ENTRY.into(),
    }
}

/// Reads within the target: ≤ 3 range reads (2 when the central directory
/// fits in the tail), and no more bytes than the tail or, if larger, the
/// central directory with the end records, plus the class entry.
fn assert_within_target(layout: &Layout, counts: &PortCounts) {
    assert_eq!(counts.status_calls, 1);
    let directory_and_end = layout.len - layout.cd_offset;
    let expected_reads = if directory_and_end > TAIL { 3 } else { 2 };
    assert_eq!(counts.range_reads, expected_reads, "{layout:?} {counts:?}");
    let class_read = counts.ranges.last().map_or(0, |r| r.1);
    assert!(class_read < 4096, "the class read is small: {counts:?}");
    assert!(
        counts.bytes_read <= TAIL.max(directory_and_end) + class_read,
        "{layout:?} {counts:?}"
    );
    // Nothing read twice.
    let mut ranges = counts.ranges.clone();
    ranges.sort();
    for pair in ranges.windows(2) {
        assert!(pair[0].0 + pair[0].1 <= pair[1].0, "overlap: {ranges:?}");
    }
}

#[tokio::test]
async fn a_jar_over_100_mb_costs_under_one_percent_in_at_most_three_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.jar");
    let layout = write_jar(&path, 1_000, 101 << 20, &main_class_bytes());
    assert!(layout.len > 100 << 20, "{layout:?}");

    let (result, counts) = validate(&path).await;
    assert_eq!(result, Ok(has_main()));
    assert_within_target(&layout, &counts);
    assert!(
        counts.bytes_read * 100 < layout.len,
        "{} of {} bytes",
        counts.bytes_read,
        layout.len
    );
}

#[tokio::test]
async fn a_huge_central_directory_is_read_once_beside_the_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("many.jar");
    let layout = write_jar(&path, 50_000, 8 << 20, &main_class_bytes());
    assert!(layout.cd_size > 3 * TAIL, "{layout:?}");
    assert!(!layout.zip64);

    let (result, counts) = validate(&path).await;
    assert_eq!(result, Ok(has_main()));
    assert_eq!(counts.range_reads, 3, "tail, directory, class: {counts:?}");
    assert_eq!(
        counts.ranges[1],
        (layout.cd_offset, layout.len - TAIL - layout.cd_offset)
    );
    assert_within_target(&layout, &counts);
}

#[tokio::test]
async fn a_zip64_jar_is_read_through_its_zip64_end_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("zip64.jar");
    let layout = write_jar(&path, 70_000, 4 << 20, &main_class_bytes());
    assert!(layout.zip64, "more than 65,535 entries: {layout:?}");
    assert_eq!(layout.entries, 70_000);

    let (result, counts) = validate(&path).await;
    assert_eq!(result, Ok(has_main()));
    assert_within_target(&layout, &counts);
}

#[tokio::test]
async fn files_that_are_no_jar_or_a_truncated_jar_say_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("data.csv");
    std::fs::write(&csv, "id,name\n".repeat(50_000)).expect("write");
    let (result, counts) = validate(&csv).await;
    match result {
        Err(JarError::NotAZip(detail)) => {
            assert!(
                detail.contains("no zip end of central directory"),
                "{detail}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(counts.range_reads, 2, "tail, then the start: {counts:?}");

    let jar = dir.path().join("whole.jar");
    let layout = write_jar(&jar, 200, 2 << 20, &main_class_bytes());
    let bytes = std::fs::read(&jar).expect("read");
    let cut = dir.path().join("cut.jar");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let (result, _) = validate(&cut).await;
    match result {
        Err(JarError::NotAZip(detail) | JarError::Corrupt(detail)) => {
            assert!(detail.contains("truncated"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    // The end record survives but the data is gone.
    let tail_only = dir.path().join("tail.jar");
    let keep = (layout.cd_offset - 100) as usize;
    let mut damaged = bytes[..64].to_vec();
    damaged.extend_from_slice(&bytes[keep..]);
    std::fs::write(&tail_only, &damaged).expect("write");
    let (result, _) = validate(&tail_only).await;
    assert!(matches!(&result, Err(JarError::Corrupt(_))), "{result:?}");
}
