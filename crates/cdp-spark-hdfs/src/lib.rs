//! The files adapter: implements the domain's
//! [`HdfsPort`](cdp_spark_domain::ports::HdfsPort) for the places a job's
//! jar can be.
//!
//! - [`LocalFs`] reads `file:` URIs and local paths (status from the file's
//!   metadata, byte ranges with positioned reads).
//! - [`ArtifactFs`] is what the application wires in: it routes each
//!   [`ArtifactUri`](cdp_spark_domain::artifact::ArtifactUri) to the adapter
//!   for its scheme — local files to its `LocalFs`, `hdfs://` to the HDFS
//!   client it was given, or to a clear "not configured" error without one.
//!
//! The HDFS client (hdfs-native) will live in this crate as one more
//! `HdfsPort` implementation handed to [`ArtifactFs::new`]; nothing else
//! changes for the callers.
//!
//! Adapters translate and hold no business rules: what a jar must contain is
//! decided in `cdp_spark_domain::jar`.

mod local;
mod router;

pub use local::LocalFs;
pub use router::{ArtifactFs, HDFS_NOT_CONFIGURED};
