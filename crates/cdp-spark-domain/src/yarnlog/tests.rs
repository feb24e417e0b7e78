//! The aggregated-log reader against files written the way Hadoop's
//! `TFile.Writer` and `AggregatedLogFormat.LogWriter` write them (a
//! file written by a real NodeManager is read in the app crate's test
//! against the mini cluster).

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::tfile::{write_vlong, TEST_MAGIC};
use super::*;
use crate::ports::{DirEntry, FileStatus};

/// Files and folders in memory, counting reads.
#[derive(Default)]
pub(crate) struct MemFs {
    files: BTreeMap<String, Vec<u8>>,
    dirs: Vec<String>,
    reads: Mutex<u64>,
}

impl MemFs {
    pub(crate) fn add(&mut self, path: &str, bytes: Vec<u8>) {
        let (dir, _) = path.rsplit_once('/').unwrap();
        self.dirs.push(dir.to_string());
        self.files.insert(path.to_string(), bytes);
    }
}

#[async_trait]
impl HdfsPort for MemFs {
    async fn status(&self, location: &ArtifactUri) -> Result<Option<FileStatus>, FsError> {
        let p = location.as_str();
        if let Some(f) = self.files.get(p) {
            return Ok(Some(FileStatus {
                kind: FileKind::File,
                length: f.len() as u64,
            }));
        }
        Ok(self.dirs.iter().any(|d| d == p).then_some(FileStatus {
            kind: FileKind::Directory,
            length: 0,
        }))
    }

    async fn read_range(
        &self,
        location: &ArtifactUri,
        offset: u64,
        len: u64,
    ) -> Result<Vec<u8>, FsError> {
        *self.reads.lock().unwrap() += 1;
        let f = &self.files[location.as_str()];
        Ok(f[offset as usize..(offset + len) as usize].to_vec())
    }

    async fn list(
        &self,
        location: &ArtifactUri,
        max: usize,
    ) -> Result<Option<Vec<DirEntry>>, FsError> {
        let prefix = format!("{}/", location.as_str());
        Ok(Some(
            self.files
                .iter()
                .filter_map(|(p, b)| {
                    let name = p.strip_prefix(&prefix)?;
                    Some(DirEntry {
                        name: name.to_string(),
                        status: FileStatus {
                            kind: FileKind::File,
                            length: b.len() as u64,
                        },
                    })
                })
                .take(max)
                .collect(),
        ))
    }
}

fn utf(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// One container's value: each file as name, length and bytes.
pub(crate) fn container_value(files: &[(&str, &str)]) -> Vec<u8> {
    let mut v = Vec::new();
    for (name, text) in files {
        utf(&mut v, name);
        utf(&mut v, &text.len().to_string());
        v.extend_from_slice(text.as_bytes());
    }
    v
}

/// A record: the key as `writeUTF`, the value in chunks of `chunk` bytes.
fn record(out: &mut Vec<u8>, key: &str, value: &[u8], chunk: usize) {
    let mut k = Vec::new();
    utf(&mut k, key);
    write_vlong(out, k.len() as i64);
    out.extend_from_slice(&k);
    let pieces: Vec<&[u8]> = value.chunks(chunk).collect();
    if pieces.is_empty() {
        write_vlong(out, 0);
    }
    for (i, piece) in pieces.iter().enumerate() {
        let last = i + 1 == pieces.len();
        write_vlong(
            out,
            if last {
                piece.len() as i64
            } else {
                -(piece.len() as i64)
            },
        );
        out.extend_from_slice(piece);
    }
}

fn string(out: &mut Vec<u8>, s: &str) {
    write_vlong(out, s.len() as i64);
    out.extend_from_slice(s.as_bytes());
}

/// A TFile of `blocks` (each a list of records' bytes), compressed or not.
fn tfile(blocks: &[Vec<u8>], gz: bool) -> Vec<u8> {
    let codec = if gz { "gz" } else { "none" };
    let mut out = Vec::new();
    let mut regions = Vec::new();
    for b in blocks {
        let stored = if gz {
            miniz_oxide::deflate::compress_to_vec_zlib(b, 6)
        } else {
            b.clone()
        };
        regions.push((out.len() as i64, stored.len() as i64, b.len() as i64));
        out.extend_from_slice(&stored);
    }
    let mut index = Vec::new();
    string(&mut index, codec);
    write_vlong(&mut index, regions.len() as i64);
    for (o, c, r) in &regions {
        write_vlong(&mut index, *o);
        write_vlong(&mut index, *c);
        write_vlong(&mut index, *r);
    }
    let stored = if gz {
        miniz_oxide::deflate::compress_to_vec_zlib(&index, 6)
    } else {
        index.clone()
    };
    let index_at = out.len() as i64;
    out.extend_from_slice(&stored);
    let meta_at = out.len() as u64;
    let mut meta = Vec::new();
    write_vlong(&mut meta, 2);
    string(&mut meta, "data:BCFile.index");
    string(&mut meta, codec);
    write_vlong(&mut meta, index_at);
    write_vlong(&mut meta, stored.len() as i64);
    write_vlong(&mut meta, index.len() as i64);
    string(&mut meta, "data:TFile.meta");
    string(&mut meta, "none");
    write_vlong(&mut meta, 0);
    write_vlong(&mut meta, 0);
    write_vlong(&mut meta, 0);
    out.extend_from_slice(&meta);
    out.extend_from_slice(&meta_at.to_be_bytes());
    out.extend_from_slice(&1i16.to_be_bytes());
    out.extend_from_slice(&0i16.to_be_bytes());
    out.extend_from_slice(&TEST_MAGIC);
    out
}

/// A NodeManager's file: YARN's own keys, then the containers.
pub(crate) fn node_file(containers: &[(&str, Vec<u8>)], chunk: usize, gz: bool) -> Vec<u8> {
    let mut block = Vec::new();
    record(&mut block, "VERSION", &1i32.to_be_bytes(), chunk);
    record(&mut block, "APPLICATION_OWNER", b"\x00\x07cdpprov", chunk);
    for (id, value) in containers {
        record(&mut block, id, value, chunk);
    }
    tfile(&[block], gz)
}

const ROOT: &str = "hdfs://cdpns/tmp/logs";
const APP: &str = "application_1700000000000_0042";

fn settings() -> AggregatedLogSettings {
    AggregatedLogSettings::new(ArtifactUri::parse(ROOT).unwrap())
}

async fn read(fs: &MemFs, tail: u64) -> Result<Option<LogTail>, FsError> {
    let s = settings();
    AggregatedLogs { fs, settings: &s }
        .driver_log("cdpprov", APP, tail)
        .await
}

#[test]
fn vlongs_are_hadoops() {
    // Values worked out from Utils.writeVLong by hand, then every boundary
    // read back.
    let cases: &[(i64, &[u8])] = &[
        (0, &[0]),
        (127, &[0x7f]),
        (-32, &[0xe0]),
        (128, &[0xcc, 0x80]),
        (-33, &[0xcb, 0xdf]),
    ];
    for (n, bytes) in cases {
        let mut out = Vec::new();
        write_vlong(&mut out, *n);
        assert_eq!(&out, bytes, "{n}");
    }
    let mut values = vec![i64::MIN, i64::MAX, i64::from(i32::MIN), i64::from(i32::MAX)];
    for shift in 0..63 {
        for base in [1i64 << shift, -(1i64 << shift)] {
            values.extend([base - 1, base, base + 1]);
        }
    }
    for n in values {
        let mut bytes = Vec::new();
        write_vlong(&mut bytes, n);
        let block = futures::executor::block_on(async {
            let mut b = Block::Inflated(bytes.clone());
            b.vlong(0, "t").await
        });
        assert_eq!(block.unwrap(), (n, bytes.len() as u64), "{n}");
    }
}

#[test]
fn the_latest_attempts_driver_is_answered_from_the_node_that_ran_it() {
    futures::executor::block_on(async {
        let mut fs = MemFs::default();
        let dir = format!("{ROOT}/cdpprov/logs/{APP}");
        let executor = container_value(&[("stderr", "executor says hi\n")]);
        let first = container_value(&[("stdout", "attempt one\n"), ("stderr", "failed\n")]);
        let second = container_value(&[
            ("prelaunch.out", "setting up\n"),
            ("stderr", "INFO SparkContext: done\n"),
            ("stdout", "Pi is roughly 3.14\n"),
        ]);
        fs.add(
            &format!("{dir}/nm-1_8041"),
            node_file(
                &[
                    ("container_1700000000000_0042_01_000001", first),
                    ("container_1700000000000_0042_02_000002", executor),
                ],
                7,
                false,
            ),
        );
        fs.add(
            &format!("{dir}/nm-2_8041"),
            node_file(
                &[("container_e17_1700000000000_0042_02_000001", second)],
                1 << 20,
                false,
            ),
        );
        // A file still being uploaded and another application's container.
        fs.add(&format!("{dir}/nm-3_8041.tmp"), b"partial".to_vec());
        let log = read(&fs, 100_000).await.unwrap().unwrap();
        assert_eq!(log.source, LogSource::YarnAggregated);
        assert!(!log.truncated);
        assert_eq!(
            log.text,
            "==> stdout <==\nPi is roughly 3.14\n==> stderr <==\nINFO SparkContext: done\n"
        );
    });
}

#[test]
fn only_the_tail_is_read_across_chunks_and_blocks() {
    futures::executor::block_on(async {
        let mut fs = MemFs::default();
        let dir = format!("{ROOT}/cdpprov/logs/{APP}");
        let stderr: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
        let value = container_value(&[("stdout", "out\n"), ("stderr", &stderr)]);
        let mut filler = Vec::new();
        record(
            &mut filler,
            "container_1700000000000_0042_01_000002",
            &[b'x'; 5000],
            999,
        );
        let mut block = Vec::new();
        record(
            &mut block,
            "container_1700000000000_0042_01_000001",
            &value,
            1000,
        );
        let file = tfile(&[filler, block], false);
        let size = file.len() as u64;
        fs.add(&format!("{dir}/nm_1"), file);
        let log = read(&fs, 300).await.unwrap().unwrap();
        assert!(log.truncated);
        assert!(log.text.len() <= 300, "{}", log.text.len());
        assert!(
            log.text
                .starts_with("==> stdout <==\nout\n==> stderr <==\n"),
            "{}",
            log.text
        );
        assert!(log.text.ends_with("line 19999\n"), "{}", log.text);
        // A few windowed reads, not the whole file in small pieces.
        let reads = *fs.reads.lock().unwrap();
        assert!(reads < 20, "{reads} reads of a {size}-byte file");
    });
}

#[test]
fn gz_blocks_and_the_bucket_layout_are_read() {
    futures::executor::block_on(async {
        let mut fs = MemFs::default();
        let dir = format!("{ROOT}/cdpprov/bucket-logs-tfile/0042/{APP}");
        let value = container_value(&[("stdout", "zipped\n")]);
        fs.add(
            &format!("{dir}/nm_1"),
            node_file(
                &[("container_1700000000000_0042_01_000001", value)],
                3,
                true,
            ),
        );
        let log = read(&fs, 1000).await.unwrap().unwrap();
        assert_eq!(log.text, "==> stdout <==\nzipped\n");
    });
}

#[test]
fn no_folder_or_no_driver_is_no_log() {
    futures::executor::block_on(async {
        let mut fs = MemFs::default();
        assert_eq!(read(&fs, 1000).await.unwrap(), None);
        let dir = format!("{ROOT}/cdpprov/logs/{APP}");
        let value = container_value(&[("stdout", "executor\n")]);
        fs.add(
            &format!("{dir}/nm_1"),
            node_file(
                &[("container_1700000000000_0043_01_000001", value)],
                9,
                false,
            ),
        );
        assert_eq!(read(&fs, 1000).await.unwrap(), None);
    });
}

#[test]
fn hostile_files_are_errors_naming_the_file() {
    let good = node_file(
        &[(
            "container_1700000000000_0042_01_000001",
            container_value(&[("stdout", "hello\n")]),
        )],
        4,
        false,
    );
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "garbage",
            b"this is not a tfile at all, just some text".to_vec(),
        ),
        ("short", good[..10].to_vec()),
        ("truncated", good[good.len() / 2..].to_vec()),
    ];
    // A key length of a gigabyte.
    let mut huge_key = Vec::new();
    write_vlong(&mut huge_key, 1 << 30);
    cases.push(("huge-key", tfile(&[huge_key], false)));
    // A chunk longer than its block.
    let mut long_chunk = Vec::new();
    record(
        &mut long_chunk,
        "container_1700000000000_0042_01_000001",
        b"",
        1,
    );
    long_chunk.pop();
    write_vlong(&mut long_chunk, 1 << 40);
    cases.push(("long-chunk", tfile(&[long_chunk], false)));
    // More chunks than a value may have (one byte each).
    let mut tiny = Vec::new();
    record(
        &mut tiny,
        "container_1700000000000_0042_01_000001",
        &vec![b'x'; super::tfile::MAX_VALUE_CHUNKS + 1],
        1,
    );
    cases.push(("tiny-chunks", tfile(&[tiny], false)));
    // A file length past its record.
    let mut lying = Vec::new();
    utf(&mut lying, "stdout");
    utf(&mut lying, "99999");
    lying.extend_from_slice(b"short");
    cases.push((
        "lying",
        node_file(
            &[("container_1700000000000_0042_01_000001", lying)],
            64,
            false,
        ),
    ));
    // Flipped bytes everywhere in a good file: an answer or an error, never a panic.
    for i in (0..good.len()).step_by(3) {
        let mut bad = good.clone();
        bad[i] ^= 0xa5;
        futures::executor::block_on(async {
            let mut fs = MemFs::default();
            fs.add(&format!("{ROOT}/cdpprov/logs/{APP}/nm_1"), bad);
            let _ = read(&fs, 1000).await;
        });
    }
    for (name, bytes) in cases {
        futures::executor::block_on(async {
            let mut fs = MemFs::default();
            let path = format!("{ROOT}/cdpprov/logs/{APP}/{name}");
            fs.add(&path, bytes);
            let err = read(&fs, 1000).await.unwrap_err();
            let text = err.to_string();
            assert!(text.contains(&path), "{name}: {text}");
            if name == "tiny-chunks" {
                assert!(text.contains("more than 65536 chunks"), "{text}");
            }
        });
    }
}

#[test]
fn owners_and_application_ids_are_checked_before_any_path_is_made() {
    futures::executor::block_on(async {
        let fs = MemFs::default();
        let s = settings();
        let logs = AggregatedLogs {
            fs: &fs,
            settings: &s,
        };
        for owner in ["", "../etc", "a/b", ".hidden", "x y"] {
            assert!(logs.driver_log(owner, APP, 10).await.is_err(), "{owner}");
        }
        for app in [
            "application_1",
            "application_1_2/..",
            "job_1_2",
            "application__1",
        ] {
            assert!(logs.driver_log("cdpprov", app, 10).await.is_err(), "{app}");
        }
    });
    let app = ApplicationId::parse(APP).unwrap();
    assert_eq!(
        app.am_attempt("container_1700000000000_0042_03_000001"),
        Some(3)
    );
    assert_eq!(
        app.am_attempt("container_e9_1700000000000_0042_01_000001"),
        Some(1)
    );
    assert_eq!(
        app.am_attempt("container_1700000000000_0042_01_000002"),
        None
    );
    assert_eq!(
        app.am_attempt("container_1700000000000_4200_01_000001"),
        None
    );
    assert_eq!(
        app.am_attempt("container_1800000000000_0042_01_000001"),
        None
    );
}
