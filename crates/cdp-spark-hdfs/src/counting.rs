//! A decorator that counts what goes through a port: status calls, range
//! reads and bytes read. The bench uses it to show what one validation
//! costs; it also fits a debug log of a slow cluster.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::ports::{FileStatus, FsError, HdfsPort, Sink};

/// What went through a [`CountingPort`] so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortCounts {
    pub status_calls: u64,
    pub range_reads: u64,
    /// Bytes returned by successful range reads (a streamed read counts
    /// its whole range, also when stopped early).
    pub bytes_read: u64,
    /// `(offset, len)` of each range read, in order.
    pub ranges: Vec<(u64, u64)>,
}

/// Wraps a port and counts its calls. [`CountingPort::take`] returns the
/// counts and starts again from zero.
#[derive(Debug, Default)]
pub struct CountingPort<P> {
    inner: P,
    status_calls: AtomicU64,
    range_reads: AtomicU64,
    bytes_read: AtomicU64,
    ranges: Mutex<Vec<(u64, u64)>>,
}

impl<P: HdfsPort> CountingPort<P> {
    pub fn new(inner: P) -> Self {
        CountingPort {
            inner,
            status_calls: AtomicU64::new(0),
            range_reads: AtomicU64::new(0),
            bytes_read: AtomicU64::new(0),
            ranges: Mutex::new(Vec::new()),
        }
    }

    pub fn inner(&self) -> &P {
        &self.inner
    }

    /// The counts so far.
    pub fn counts(&self) -> PortCounts {
        PortCounts {
            status_calls: self.status_calls.load(Ordering::SeqCst),
            range_reads: self.range_reads.load(Ordering::SeqCst),
            bytes_read: self.bytes_read.load(Ordering::SeqCst),
            ranges: self
                .ranges
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }

    /// The counts so far, and zero again.
    pub fn take(&self) -> PortCounts {
        let mut ranges = self.ranges.lock().unwrap_or_else(PoisonError::into_inner);
        PortCounts {
            status_calls: self.status_calls.swap(0, Ordering::SeqCst),
            range_reads: self.range_reads.swap(0, Ordering::SeqCst),
            bytes_read: self.bytes_read.swap(0, Ordering::SeqCst),
            ranges: std::mem::take(&mut *ranges),
        }
    }
}

#[async_trait]
impl<P: HdfsPort> HdfsPort for CountingPort<P> {
    async fn status(&self, location: &ArtifactUri) -> Result<Option<FileStatus>, FsError> {
        self.status_calls.fetch_add(1, Ordering::SeqCst);
        self.inner.status(location).await
    }

    async fn read_range(
        &self,
        location: &ArtifactUri,
        offset: u64,
        len: u64,
    ) -> Result<Vec<u8>, FsError> {
        self.range_reads.fetch_add(1, Ordering::SeqCst);
        self.ranges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((offset, len));
        let bytes = self.inner.read_range(location, offset, len).await?;
        self.bytes_read
            .fetch_add(bytes.len() as u64, Ordering::SeqCst);
        Ok(bytes)
    }

    /// One range read, however many pieces it comes in; counted whole when
    /// it succeeds, also when the receiver stopped it early: what was asked
    /// of the filesystem (HDFS DataNodes send a requested range whole, in
    /// flight before the client hangs up).
    async fn read_range_chunks<'s>(
        &self,
        location: &ArtifactUri,
        offset: u64,
        len: u64,
        chunk: u64,
        sink: &mut Sink<'s>,
    ) -> Result<(), FsError> {
        self.range_reads.fetch_add(1, Ordering::SeqCst);
        self.ranges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((offset, len));
        self.inner
            .read_range_chunks(location, offset, len, chunk, sink)
            .await?;
        self.bytes_read.fetch_add(len, Ordering::SeqCst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cdp_spark_domain::ports::{FileKind, MockHdfsPort};

    #[tokio::test]
    async fn counts_calls_ranges_and_returned_bytes_then_resets() {
        let mut inner = MockHdfsPort::new();
        inner.expect_status().times(1).returning(|_| {
            Ok(Some(FileStatus {
                kind: FileKind::File,
                length: 100,
            }))
        });
        inner
            .expect_read_range()
            .times(3)
            .returning(|_, offset, len| {
                if offset >= 100 {
                    Err(FsError::Read {
                        path: "x".into(),
                        detail: "past the end".into(),
                    })
                } else {
                    Ok(vec![0; len as usize])
                }
            });
        let port = CountingPort::new(inner);
        let uri = ArtifactUri::parse("hdfs://ns1/a.jar").expect("valid");
        assert!(port.status(&uri).await.expect("status").is_some());
        assert_eq!(port.read_range(&uri, 90, 10).await.map(|b| b.len()), Ok(10));
        assert_eq!(port.read_range(&uri, 0, 4).await.map(|b| b.len()), Ok(4));
        assert!(port.read_range(&uri, 200, 4).await.is_err());
        assert_eq!(
            port.take(),
            PortCounts {
                status_calls: 1,
                range_reads: 3,
                bytes_read: 14,
                ranges: vec![(90, 10), (0, 4), (200, 4)],
            }
        );
        assert_eq!(port.counts(), PortCounts::default());
    }
}
