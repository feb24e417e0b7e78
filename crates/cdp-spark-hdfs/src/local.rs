//! Local files: `ArtifactUri::Local` (a `file:` URI or a plain path; a
//! relative path is taken from the provisioner's working directory).

use std::io;
use std::os::unix::fs::FileExt;

use async_trait::async_trait;
use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::ports::{FileKind, FileStatus, FsError, HdfsPort};

/// Reads local files. Blocking file calls run on tokio's blocking pool, so
/// it needs a tokio runtime.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalFs;

impl LocalFs {
    pub fn new() -> Self {
        LocalFs
    }
}

#[async_trait]
impl HdfsPort for LocalFs {
    async fn status(&self, location: &ArtifactUri) -> Result<Option<FileStatus>, FsError> {
        let path = local_path(location)?.to_owned();
        match tokio::fs::metadata(&path).await {
            Ok(meta) => {
                let kind = if meta.is_file() {
                    FileKind::File
                } else if meta.is_dir() {
                    FileKind::Directory
                } else {
                    FileKind::Other
                };
                let length = if kind == FileKind::Directory {
                    0
                } else {
                    meta.len()
                };
                Ok(Some(FileStatus { kind, length }))
            }
            // Nothing there, or a parent of it is a file.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(io_error(&path, "read the status of", e)),
        }
    }

    async fn read_range(
        &self,
        location: &ArtifactUri,
        offset: u64,
        len: u64,
    ) -> Result<Vec<u8>, FsError> {
        let path = local_path(location)?.to_owned();
        let task_path = path.clone();
        tokio::task::spawn_blocking(move || read_at(&task_path, offset, len))
            .await
            .map_err(|e| FsError::Read {
                path,
                detail: format!("the read task did not complete: {e}"),
            })?
    }
}

fn local_path(location: &ArtifactUri) -> Result<&str, FsError> {
    match location {
        ArtifactUri::Local { path, .. } => Ok(path),
        ArtifactUri::Hdfs { .. } => Err(FsError::NotConfigured {
            scheme: "hdfs://".into(),
            detail: format!(
                "{location} was given to the local file reader, which only reads local \
                 files; route locations through ArtifactFs"
            ),
        }),
    }
}

/// Exactly `len` bytes at `offset`, with positioned reads (no seek).
fn read_at(path: &str, offset: u64, len: u64) -> Result<Vec<u8>, FsError> {
    let file = std::fs::File::open(path).map_err(|e| io_error(path, "open", e))?;
    let meta = file
        .metadata()
        .map_err(|e| io_error(path, "read the status of", e))?;
    if meta.is_dir() {
        return Err(FsError::Read {
            path: path.to_owned(),
            detail: "it is a directory, not a file".into(),
        });
    }
    let file_len = meta.len();
    let end = offset.checked_add(len).filter(|&end| end <= file_len);
    let size = usize::try_from(len).ok().filter(|_| end.is_some());
    let Some(size) = size else {
        return Err(FsError::Read {
            path: path.to_owned(),
            detail: format!(
                "asked for {len} bytes at offset {offset}, but the file has {file_len} bytes"
            ),
        });
    };
    let mut buf = vec![0u8; size];
    file.read_exact_at(&mut buf, offset).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            FsError::Read {
                path: path.to_owned(),
                detail: format!(
                    "the file ended before byte {} while reading {len} bytes at offset \
                     {offset}: it changed while being read",
                    offset + len
                ),
            }
        } else {
            io_error(path, "read", e)
        }
    })?;
    Ok(buf)
}

/// An I/O error as an `FsError` naming the path and what was being done.
fn io_error(path: &str, doing: &str, e: io::Error) -> FsError {
    match e.kind() {
        io::ErrorKind::PermissionDenied => FsError::PermissionDenied {
            path: path.to_owned(),
            detail: format!(
                "could not {doing} it ({e}); make it readable by the user the provisioner \
                 runs as"
            ),
        },
        io::ErrorKind::NotFound => FsError::Read {
            path: path.to_owned(),
            detail: format!("could not {doing} it: it does not exist (was it just removed?)"),
        },
        _ => FsError::Read {
            path: path.to_owned(),
            detail: format!("could not {doing} it: {e}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_map_to_fs_errors_naming_the_path() {
        let denied = io_error(
            "/srv/a.jar",
            "open",
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        assert!(
            matches!(&denied, FsError::PermissionDenied { path, detail }
                if path == "/srv/a.jar" && detail.contains("could not open it")),
            "{denied:?}"
        );
        let other = io_error("/srv/a.jar", "read", io::Error::other("disk on fire"));
        assert!(
            matches!(&other, FsError::Read { path, detail }
                if path == "/srv/a.jar" && detail.contains("disk on fire")),
            "{other:?}"
        );
    }
}
