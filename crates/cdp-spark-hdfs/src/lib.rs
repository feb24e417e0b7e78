//! The files adapter: implements the domain's
//! [`HdfsPort`](cdp_spark_domain::ports::HdfsPort) for the places a job's
//! jar can be.
//!
//! - [`LocalFs`] reads `file:` URIs and local paths (status from the file's
//!   metadata, byte ranges with positioned reads), confined to the
//!   operator's folders when it has roots, opening without blocking (a
//!   FIFO is refused, not waited on), every call bounded in time and in
//!   blocking threads.
//! - [`HdfsNativeFs`] reads `hdfs://` locations with hdfs-native: Hadoop
//!   configuration from `HADOOP_CONF_DIR` ([`HadoopConf`]: HA name
//!   services, ViewFS, `fs.defaultFS`), Kerberos from a keytab or a ticket
//!   cache, one cached client per filesystem, every call bounded by a
//!   timeout.
//! - [`ArtifactFs`] is what the application wires in
//!   ([`ArtifactFs::from_config`] with an [`HdfsConfig`]): it routes each
//!   [`ArtifactUri`](cdp_spark_domain::artifact::ArtifactUri) to the adapter
//!   for its scheme — local files to its `LocalFs`, `hdfs://` to the HDFS
//!   client, or to a clear "not configured" error without one.
//! - [`CountingPort`] wraps any port and counts calls and bytes.
//!
//! Adapters translate and hold no business rules: what a jar must contain is
//! decided in `cdp_spark_domain::jar`.

mod config;
mod counting;
mod hadoop_conf;
mod keytab;
mod listing;
mod local;
mod native;
mod probe;
mod router;

pub use config::{normalise_namenode, HdfsConfig, HdfsConfigError, DEFAULT_TIMEOUT_MS};
pub use counting::{CountingPort, PortCounts};
pub use hadoop_conf::{Filesystem, FilesystemKind, HadoopConf, DEFAULT_NAMENODE_PORT};
pub use local::{
    LocalFs, LocalFsConfig, LocalRootError, DEFAULT_LOCAL_MAX_IN_FLIGHT, DEFAULT_LOCAL_TIMEOUT_MS,
};
pub use native::{Auth, HdfsNativeFs};
pub use router::{ArtifactFs, HDFS_NOT_CONFIGURED};

/// The hdfs-native crate this adapter is built on (for writing files with
/// the same client, e.g. in integration tests).
pub use hdfs_native;
