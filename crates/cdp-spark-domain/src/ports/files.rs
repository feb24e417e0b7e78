//! The filesystem port: files on HDFS and local disk, read by status and
//! byte range (jar inspection, YARN's aggregated logs), and its errors.

use async_trait::async_trait;

use crate::artifact::ArtifactUri;
use crate::cause;
use crate::cause::Cause;

// ---------------------------------------------------------------- files ---

/// What a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Directory,
    Other,
}

/// Status of a path on HDFS or on the local filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStatus {
    pub kind: FileKind,
    /// Length in bytes (0 for directories).
    pub length: u64,
}

/// One entry of a directory: its name (the last part of its path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub status: FileStatus,
}

/// Faults reading files. "Not found" is not a fault: `status` answers `None`.
/// A `detail` is a [`Cause`]: the text said after the variant's words, and
/// the library error it came from (when the adapter had one) as its source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FsError {
    /// The scheme of the location has no adapter configured (e.g. `hdfs://`
    /// before HDFS is configured).
    #[error("{scheme} is not configured in this provisioner: {detail}")]
    NotConfigured {
        scheme: String,
        #[source]
        detail: Cause,
    },
    /// The cluster (NameNode) did not answer in time or refused.
    #[error("the filesystem at {target} is unreachable: {detail}")]
    Unreachable {
        target: String,
        #[source]
        detail: Cause,
    },
    /// Permission denied on the path.
    #[error("permission denied on {path}: {detail}")]
    PermissionDenied {
        path: String,
        #[source]
        detail: Cause,
    },
    /// A read beyond the end of the file or of a file that changed under us.
    #[error("could not read {path}: {detail}")]
    Read {
        path: String,
        #[source]
        detail: Cause,
    },
    /// The location as written cannot be a jar: a symlink loop, a name
    /// longer than the OS allows, a FIFO, socket or device, a path through
    /// a file, a file removed while it was checked. A problem of the
    /// descriptor's field, not a fault of the provisioner.
    #[error("{path} cannot be read as a file: {detail}")]
    Unusable {
        path: String,
        #[source]
        detail: Cause,
    },
    /// A local location outside the folders the provisioner may read local
    /// files from. Said the same way whatever is (or is not) at the path.
    #[error("{path} is outside the local folders this provisioner reads ({})", roots_text(.roots))]
    OutsideRoots { path: String, roots: Vec<String> },
    /// An `hdfs://` location whose authority names a NameNode the operator
    /// did not configure: the provisioner connects only to its own
    /// clusters, never to an address a descriptor writes. Said the same way
    /// whether anything listens there or not.
    #[error("{location} is not on a filesystem this provisioner reads (it reads {})", roots_text(.known))]
    UnknownFilesystem {
        location: String,
        known: Vec<String>,
    },
}

impl FsError {
    /// The same error keeping `source`, the library error it came from, as
    /// the source of its cause. `OutsideRoots` and `UnknownFilesystem` are
    /// decisions with no cause to keep: they stay as they are.
    #[must_use]
    pub fn caused_by<E>(self, source: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        match self {
            FsError::NotConfigured { scheme, detail } => FsError::NotConfigured {
                scheme,
                detail: detail.caused_by(source),
            },
            FsError::Unreachable { target, detail } => FsError::Unreachable {
                target,
                detail: detail.caused_by(source),
            },
            FsError::PermissionDenied { path, detail } => FsError::PermissionDenied {
                path,
                detail: detail.caused_by(source),
            },
            FsError::Read { path, detail } => FsError::Read {
                path,
                detail: detail.caused_by(source),
            },
            FsError::Unusable { path, detail } => FsError::Unusable {
                path,
                detail: detail.caused_by(source),
            },
            decided @ (FsError::OutsideRoots { .. } | FsError::UnknownFilesystem { .. }) => decided,
        }
    }
}

/// The roots of [`FsError::OutsideRoots`] for a message.
pub fn roots_text(roots: &[String]) -> String {
    if roots.is_empty() {
        "none is configured".into()
    } else {
        roots.join(", ")
    }
}

/// Receives the bytes of one range read in order, a piece at a time (see
/// [`HdfsPort::read_range_chunks`]). Any `FnMut(&[u8]) -> bool + Send` is one.
pub trait ChunkSink: Send {
    /// The next piece; `false` stops the read.
    fn take(&mut self, bytes: &[u8]) -> bool;
}

impl<F: FnMut(&[u8]) -> bool + Send> ChunkSink for F {
    fn take(&mut self, bytes: &[u8]) -> bool {
        self(bytes)
    }
}

/// A [`ChunkSink`] borrowed for one read.
pub type Sink<'s> = dyn ChunkSink + 's;

/// Files on HDFS and local disk, read by status and byte range so that jar
/// inspection never reads a whole jar.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait HdfsPort: Send + Sync {
    /// Status of the location; `Ok(None)` when nothing is there.
    async fn status(&self, location: &ArtifactUri) -> Result<Option<FileStatus>, FsError>;

    /// Exactly `len` bytes from `offset` (an error if the file is shorter).
    async fn read_range(
        &self,
        location: &ArtifactUri,
        offset: u64,
        len: u64,
    ) -> Result<Vec<u8>, FsError>;

    /// The `len` bytes from `offset` as one read of the file (one open,
    /// one HDFS block-location call), handed to `sink` in order in pieces
    /// of at most `chunk` bytes, so that a large range never sits in
    /// memory whole. When `sink` answers `false` the rest is not read and
    /// the call returns `Ok`. Fewer bytes than asked (the file shrank) is
    /// an error.
    ///
    /// The default makes one [`Self::read_range`] per piece; adapters that
    /// can stream override it.
    async fn read_range_chunks<'s>(
        &self,
        location: &ArtifactUri,
        offset: u64,
        len: u64,
        chunk: u64,
        sink: &mut Sink<'s>,
    ) -> Result<(), FsError> {
        let chunk = chunk.max(1);
        let mut done = 0;
        while done < len {
            let piece = chunk.min(len - done);
            let bytes = self.read_range(location, offset + done, piece).await?;
            done += piece;
            if !sink.take(&bytes) {
                break;
            }
        }
        Ok(())
    }

    /// The entries of the directory at `location`, in name order, at most
    /// `max` of them (`Ok(None)`: nothing is there). Used to find YARN's
    /// aggregated logs. The default refuses, naming the location.
    async fn list(
        &self,
        location: &ArtifactUri,
        max: usize,
    ) -> Result<Option<Vec<DirEntry>>, FsError> {
        let _ = max;
        Err(FsError::Unusable {
            path: location.to_string(),
            detail: cause!("this filesystem adapter does not list directories"),
        })
    }
}
