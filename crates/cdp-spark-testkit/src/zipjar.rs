//! Jars built with the `zip` crate, for shapes the jar tool does not make
//! (ZIP64, tens of thousands of entries, huge entries, comments, aligned
//! entries), pseudo-random bytes, and the one CRC-32 of the test code
//! ([`crc32`]) for zips written byte by byte.

use std::io::{Cursor, Seek, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Options for one entry.
pub fn stored() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Stored)
}

pub fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
}

/// A zip writer over any `Write + Seek`, with `add` for one entry.
pub struct JarWriter<W: Write + Seek> {
    pub zip: ZipWriter<W>,
}

impl JarWriter<Cursor<Vec<u8>>> {
    pub fn in_memory() -> Self {
        JarWriter {
            zip: ZipWriter::new(Cursor::new(Vec::new())),
        }
    }

    pub fn finish_bytes(self) -> Vec<u8> {
        self.zip.finish().expect("finish the zip").into_inner()
    }
}

impl<W: Write + Seek> JarWriter<W> {
    pub fn new(inner: W) -> Self {
        JarWriter {
            zip: ZipWriter::new(inner),
        }
    }

    pub fn add(&mut self, name: &str, options: SimpleFileOptions, data: &[u8]) -> &mut Self {
        self.zip
            .start_file(name, options)
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        self.zip
            .write_all(data)
            .unwrap_or_else(|e| panic!("write {name}: {e}"));
        self
    }

    pub fn finish(self) -> W {
        self.zip.finish().expect("finish the zip")
    }
}

/// Fast deterministic pseudo-random bytes (xorshift64*), for data that
/// does not compress.
pub fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// The CRC-32 of zip entries (IEEE 802.3, reflected, polynomial
/// `0xEDB88320`), bit by bit: for tests that write zip records by hand. The
/// domain's `jar::zip` has its own; this one is independent of it, so that
/// a jar built here checks the domain's.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
