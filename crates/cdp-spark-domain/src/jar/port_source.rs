//! Any location a [`HdfsPort`] serves, as a [`ByteSource`].

use async_trait::async_trait;

use super::ByteSource;
use crate::artifact::ArtifactUri;
use crate::cause;
use crate::ports::{FsError, HdfsPort, Sink};

/// Reads `location` through `port`; `len` comes from the port's `status`.
///
/// ```ignore
/// let status = port.status(&uri).await?.ok_or(...)?;
/// let check = check_main_class(&PortByteSource::new(port, &uri, status.length), "com.acme.Main").await?;
/// ```
#[derive(Clone, Copy)]
pub struct PortByteSource<'a> {
    port: &'a dyn HdfsPort,
    location: &'a ArtifactUri,
    len: u64,
}

impl<'a> PortByteSource<'a> {
    pub fn new(port: &'a dyn HdfsPort, location: &'a ArtifactUri, len: u64) -> Self {
        PortByteSource {
            port,
            location,
            len,
        }
    }

    pub fn location(&self) -> &ArtifactUri {
        self.location
    }
}

impl PortByteSource<'_> {
    fn check_range(&self, offset: u64, len: u64) -> Result<(), FsError> {
        let end = offset.checked_add(len).filter(|&end| end <= self.len);
        if end.is_none() {
            return Err(FsError::Read {
                path: self.location.to_string(),
                detail: cause!(
                    "a read of {len} bytes at offset {offset} goes past its length of {} bytes",
                    self.len
                ),
            });
        }
        Ok(())
    }
}

impl std::fmt::Debug for PortByteSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortByteSource")
            .field("location", self.location)
            .field("len", &self.len)
            .finish()
    }
}

#[async_trait]
impl ByteSource for PortByteSource<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, FsError> {
        self.check_range(offset, len)?;
        self.port.read_range(self.location, offset, len).await
    }

    async fn read_chunks(
        &self,
        offset: u64,
        len: u64,
        chunk: u64,
        sink: &mut Sink<'_>,
    ) -> Result<(), FsError> {
        self.check_range(offset, len)?;
        self.port
            .read_range_chunks(self.location, offset, len, chunk, sink)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MockHdfsPort;

    #[tokio::test]
    async fn reads_go_to_the_port_for_the_same_location() {
        let uri = ArtifactUri::parse("hdfs://ns1/apps/job.jar").expect("valid");
        let mut port = MockHdfsPort::new();
        let expected = uri.clone();
        port.expect_read_range()
            .withf(move |loc, offset, len| loc == &expected && *offset == 10 && *len == 4)
            .times(1)
            .returning(|_, _, _| Ok(vec![1, 2, 3, 4]));
        let source = PortByteSource::new(&port, &uri, 100);
        assert_eq!(source.len(), 100);
        assert_eq!(source.read(10, 4).await, Ok(vec![1, 2, 3, 4]));
    }

    #[tokio::test]
    async fn reads_past_the_known_length_fail_without_asking_the_port() {
        let uri = ArtifactUri::parse("/opt/jobs/job.jar").expect("valid");
        let port = MockHdfsPort::new(); // any call would panic
        let source = PortByteSource::new(&port, &uri, 100);
        let err = source.read(98, 4).await.expect_err("past the end");
        assert!(
            matches!(&err, FsError::Read { path, .. } if path == "/opt/jobs/job.jar"),
            "{err:?}"
        );
    }
}
