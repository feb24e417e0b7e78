//! Routing each location to the adapter for its scheme.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::ports::{FileStatus, FsError, HdfsPort};

use crate::LocalFs;

/// The detail of the error for `hdfs://` locations when no HDFS client is
/// configured.
pub const HDFS_NOT_CONFIGURED: &str = "HDFS is not configured: set hdfs.defaultFs / \
     HADOOP_CONF_DIR in the provisioner's configuration to read hdfs:// jars, or use a file: \
     location";

/// Local files through a [`LocalFs`], `hdfs://` through the HDFS client if
/// one is configured. The application's single `HdfsPort`.
#[derive(Clone, Default)]
pub struct ArtifactFs {
    local: LocalFs,
    hdfs: Option<Arc<dyn HdfsPort>>,
}

impl ArtifactFs {
    pub fn new(local: LocalFs, hdfs: Option<Arc<dyn HdfsPort>>) -> Self {
        ArtifactFs { local, hdfs }
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
}
