//! `ByteSource`s for tests: a file, bytes in memory, and a wrapper that
//! counts the reads and bytes read through it. Include with
//! `#[path = "support/byte_sources.rs"] mod byte_sources;`.
#![allow(dead_code)]

use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;
use cdp_spark_domain::cause;
use cdp_spark_domain::jar::ByteSource;
use cdp_spark_domain::ports::{FsError, Sink};

/// A local file, read with positioned reads.
pub struct FileSource {
    file: std::fs::File,
    len: u64,
    name: String,
}

impl FileSource {
    pub fn open(path: &Path) -> Self {
        let file =
            std::fs::File::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        let len = file.metadata().expect("metadata").len();
        FileSource {
            file,
            len,
            name: path.display().to_string(),
        }
    }
}

#[async_trait]
impl ByteSource for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, FsError> {
        let mut buf = vec![0u8; len as usize];
        self.file
            .read_exact_at(&mut buf, offset)
            .map_err(|e| FsError::Read {
                path: self.name.clone(),
                detail: cause!("{len} bytes at {offset}: {e}"),
            })?;
        Ok(buf)
    }
}

/// Bytes in memory.
pub struct MemSource(pub Vec<u8>);

#[async_trait]
impl ByteSource for MemSource {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    async fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, FsError> {
        let range = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(len).ok())
            .and_then(|(o, l)| self.0.get(o..o.checked_add(l)?));
        range.map(<[u8]>::to_vec).ok_or_else(|| FsError::Read {
            path: "memory".into(),
            detail: cause!("{len} bytes at {offset} is past {} bytes", self.0.len()),
        })
    }
}

/// Counts the reads made through it and the bytes they asked for, and keeps
/// the ranges in order.
pub struct Counting<S> {
    inner: S,
    reads: AtomicU64,
    bytes: AtomicU64,
    ranges: Mutex<Vec<(u64, u64)>>,
}

impl<S: ByteSource> Counting<S> {
    pub fn new(inner: S) -> Self {
        Counting {
            inner,
            reads: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            ranges: Mutex::new(Vec::new()),
        }
    }

    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::SeqCst)
    }

    pub fn bytes_read(&self) -> u64 {
        self.bytes.load(Ordering::SeqCst)
    }

    /// `(offset, len)` of each read, in order.
    pub fn ranges(&self) -> Vec<(u64, u64)> {
        self.ranges.lock().expect("not poisoned").clone()
    }
}

#[async_trait]
impl<S: ByteSource> ByteSource for Counting<S> {
    fn len(&self) -> u64 {
        self.inner.len()
    }

    async fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, FsError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.bytes.fetch_add(len, Ordering::SeqCst);
        self.ranges
            .lock()
            .expect("not poisoned")
            .push((offset, len));
        self.inner.read(offset, len).await
    }

    /// A streamed read is one read of the file, however many pieces it
    /// comes in.
    async fn read_chunks(
        &self,
        offset: u64,
        len: u64,
        chunk: u64,
        sink: &mut Sink<'_>,
    ) -> Result<(), FsError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.bytes.fetch_add(len, Ordering::SeqCst);
        self.ranges
            .lock()
            .expect("not poisoned")
            .push((offset, len));
        self.inner.read_chunks(offset, len, chunk, sink).await
    }
}
