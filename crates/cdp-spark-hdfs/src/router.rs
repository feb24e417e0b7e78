//! Routing each location to the adapter for its scheme.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::ports::{DirEntry, FileStatus, FsError, HdfsPort, Sink};

use crate::config::{HdfsConfig, HdfsConfigError};
use crate::{HdfsNativeFs, LocalFs};

/// The detail of the error for `hdfs://` locations when no HDFS client is
/// configured.
pub const HDFS_NOT_CONFIGURED: &str = "HDFS is not configured: set hdfs.enabled = true in \
     the provisioner's configuration (with HADOOP_CONF_DIR or hdfs.hadoop_conf_dir, and \
     hdfs.default_fs for hdfs:/// locations) to read hdfs:// jars, or use a file: location";

/// Local files through a [`LocalFs`], `hdfs://` through the HDFS client if
/// one is configured. The application's single `HdfsPort`.
#[derive(Clone, Default)]
pub struct ArtifactFs {
    local: LocalFs,
    hdfs: Option<Arc<dyn HdfsPort>>,
    hdfs_summary: Option<String>,
}

impl ArtifactFs {
    pub fn new(local: LocalFs, hdfs: Option<Arc<dyn HdfsPort>>) -> Self {
        ArtifactFs {
            local,
            hdfs,
            hdfs_summary: None,
        }
    }

    /// What the application builds from its `[hdfs]` settings: local files
    /// only when `enabled` is false, else local files plus an
    /// [`HdfsNativeFs`] (Hadoop configuration read and checked now; clients
    /// are built on first use, inside the caller's tokio runtime). Local
    /// files are read by a [`LocalFs::new`]; see [`Self::with_local`].
    pub fn from_config(config: &HdfsConfig) -> Result<Self, HdfsConfigError> {
        config.check()?;
        if !config.enabled {
            return Ok(Self::local_only());
        }
        let hdfs = HdfsNativeFs::new(config)?;
        let summary = hdfs.summary();
        Ok(ArtifactFs {
            local: LocalFs::new(),
            hdfs: Some(Arc::new(hdfs)),
            hdfs_summary: Some(summary),
        })
    }

    /// The same routes, local files read by `local` (confined to the
    /// operator's folders, its own timeout).
    pub fn with_local(mut self, local: LocalFs) -> Self {
        self.local = local;
        self
    }

    /// For the start-up log: how `hdfs://` and local locations are read.
    pub fn describe(&self) -> String {
        let hdfs = match (&self.hdfs, &self.hdfs_summary) {
            (Some(_), Some(summary)) => summary.clone(),
            (Some(_), None) => "HDFS through the given client".into(),
            (None, _) => "HDFS off: local and file: jars only".into(),
        };
        format!("{hdfs}; {}", self.local.describe())
    }

    /// Local files only: `hdfs://` locations answer `FsError::NotConfigured`.
    pub fn local_only() -> Self {
        Self::default()
    }

    /// Whether `hdfs://` locations can be read.
    pub fn has_hdfs(&self) -> bool {
        self.hdfs.is_some()
    }

    fn route(&self, location: &ArtifactUri) -> Result<&dyn HdfsPort, FsError> {
        match location {
            ArtifactUri::Local { .. } => Ok(&self.local),
            ArtifactUri::Hdfs { .. } => {
                self.hdfs.as_deref().ok_or_else(|| FsError::NotConfigured {
                    scheme: "hdfs://".into(),
                    detail: HDFS_NOT_CONFIGURED.into(),
                })
            }
        }
    }
}

impl fmt::Debug for ArtifactFs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArtifactFs")
            .field("local", &self.local)
            .field("hdfs", &self.hdfs.as_ref().map(|_| "configured"))
            .finish()
    }
}

#[async_trait]
impl HdfsPort for ArtifactFs {
    async fn status(&self, location: &ArtifactUri) -> Result<Option<FileStatus>, FsError> {
        self.route(location)?.status(location).await
    }

    async fn read_range(
        &self,
        location: &ArtifactUri,
        offset: u64,
        len: u64,
    ) -> Result<Vec<u8>, FsError> {
        self.route(location)?
            .read_range(location, offset, len)
            .await
    }

    async fn read_range_chunks<'s>(
        &self,
        location: &ArtifactUri,
        offset: u64,
        len: u64,
        chunk: u64,
        sink: &mut Sink<'s>,
    ) -> Result<(), FsError> {
        self.route(location)?
            .read_range_chunks(location, offset, len, chunk, sink)
            .await
    }

    async fn list(
        &self,
        location: &ArtifactUri,
        max: usize,
    ) -> Result<Option<Vec<DirEntry>>, FsError> {
        self.route(location)?.list(location, max).await
    }
}
