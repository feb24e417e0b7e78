//! Directory listings on HDFS ([`HdfsNativeFs::list_dir`], behind
//! `HdfsPort::list`): how YARN's aggregated logs are found.

use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::ports::{DirEntry, FileKind, FileStatus, FsError};
use futures::StreamExt;
use hdfs_native::HdfsError;

use crate::native::{is_not_found, Failure, HdfsNativeFs};

impl HdfsNativeFs {
    /// One listing call (`getListing`, paged by the NameNode), the first
    /// `max` entries kept, within `hdfs.timeout_ms`; a missing directory is
    /// `Ok(None)`.
    pub(crate) async fn list_dir(
        &self,
        location: &ArtifactUri,
        max: usize,
    ) -> Result<Option<Vec<DirEntry>>, FsError> {
        let (fs, path) = self.locate(location)?;
        let client = self.client_for(&fs)?;
        let listed = self
            .timed(|| async {
                let stream = client.list_status_iter(&path, false).into_stream();
                let firsts: Vec<_> = stream.take(max).collect().await;
                firsts.into_iter().collect::<Result<Vec<_>, HdfsError>>()
            })
            .await;
        let statuses = match listed {
            Ok(statuses) => statuses,
            Err(Failure::Hdfs(e)) if is_not_found(&e) => return Ok(None),
            Err(failure) => return Err(self.fs_error(failure, &fs, location, "list").await),
        };
        let mut entries: Vec<DirEntry> = statuses
            .into_iter()
            .map(|s| DirEntry {
                name: s.path.rsplit('/').next().unwrap_or_default().to_string(),
                status: FileStatus {
                    kind: if s.isdir {
                        FileKind::Directory
                    } else {
                        FileKind::File
                    },
                    length: s.length as u64,
                },
            })
            .collect();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Some(entries))
    }
}
