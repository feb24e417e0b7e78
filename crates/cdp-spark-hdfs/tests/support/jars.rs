//! Jar files on disk of a chosen size and entry count, for the port-level
//! inspection tests and the `jar_reads` bench. Builds on the testkit
//! (`javajar` compiles the main class, `zipjar` writes zips). Include with
//! `#[path = "support/jars.rs"] mod jars;`.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use cdp_spark_testkit::javajar;
use cdp_spark_testkit::zipjar::{self, JarWriter};

/// The class the jars hold and the checks look for.
pub const MAIN_CLASS: &str = "com.acme.app.Main";
pub const MAIN_ENTRY: &str = "com/acme/app/Main.class";

/// `com/acme/app/Main.class`, compiled by javac (cached per build).
pub fn main_class_bytes() -> Vec<u8> {
    javajar::compile(
        "hdfs-port-jars",
        &[(
            "com/acme/app/Main.java",
            "package com.acme.app;\npublic class Main { public static void main(String[] args) {} }\n",
        )],
    )
    .class_bytes("com/acme/app/Main")
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub len: u64,
    pub entries: usize,
    pub cd_offset: u64,
    pub cd_size: u64,
    pub zip64: bool,
}

/// A jar of `entries` entries (at least 1) of about `target_len` bytes:
/// half of the one-byte generated classes, the main class (deflated), a
/// stored incompressible blob that makes up the size, the other half. With
/// one entry, only the main class.
pub fn write_jar(path: &Path, entries: usize, target_len: u64, main_class: &[u8]) -> Layout {
    let file = std::fs::File::create(path).expect("create the jar");
    let mut w = JarWriter::new(std::io::BufWriter::with_capacity(1 << 20, file));
    let generated = entries.saturating_sub(2);
    let name = |i: usize| format!("com/acme/gen/p{:03}/Gen{i:05}.class", i / 1000);
    for i in 0..generated / 2 {
        w.add(&name(i), zipjar::stored(), b"x");
    }
    w.add(MAIN_ENTRY, zipjar::deflated(), main_class);
    if entries >= 2 {
        // Each small entry costs about 141 bytes: a 30-byte local header, a
        // 46-byte central one, its 32-byte name twice and one byte of data.
        let overhead = 141 * entries as u64 + 2048;
        let blob = target_len.saturating_sub(overhead);
        w.zip
            .start_file(
                "data/blob.bin",
                zipjar::stored().large_file(blob >= 0xFFFF_FFFF),
            )
            .expect("start the blob");
        let block = zipjar::random_bytes(42, 1 << 20);
        let mut left = blob;
        while left > 0 {
            let n = left.min(block.len() as u64) as usize;
            w.zip.write_all(&block[..n]).expect("write the blob");
            left -= n as u64;
        }
    }
    for i in generated / 2..generated {
        w.add(&name(i), zipjar::stored(), b"x");
    }
    let mut out = w.finish();
    out.flush().expect("flush the jar");
    drop(out);
    let mut layout = layout_of(path);
    layout.entries = entries;
    layout
}

/// Where the central directory of a zip on disk is (plain or ZIP64 end
/// record, no archive comment).
pub fn layout_of(path: &Path) -> Layout {
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open(path).expect("open the jar");
    let len = file.metadata().expect("metadata").len();
    let read = |offset: u64, n: usize| {
        let mut buf = vec![0u8; n];
        file.read_exact_at(&mut buf, offset).expect("read the jar");
        buf
    };
    let le32 = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4"));
    let le64 = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8"));
    let eocd_at = len - 22;
    let eocd = read(eocd_at, 22);
    assert_eq!(le32(&eocd, 0), 0x0605_4b50, "an end record at the end");
    let locator = (eocd_at >= 20).then(|| read(eocd_at - 20, 20));
    if let Some(loc) = locator.filter(|l| le32(l, 0) == 0x0706_4b50) {
        let record = read(le64(&loc, 8), 56);
        return Layout {
            len,
            entries: le64(&record, 32) as usize,
            cd_offset: le64(&record, 48),
            cd_size: le64(&record, 40),
            zip64: true,
        };
    }
    Layout {
        len,
        entries: usize::from(u16::from_le_bytes([eocd[10], eocd[11]])),
        cd_offset: u64::from(le32(&eocd, 16)),
        cd_size: u64::from(le32(&eocd, 12)),
        zip64: false,
    }
}
