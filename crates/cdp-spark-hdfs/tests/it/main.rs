//! The hdfs adapter's integration tests, one binary (`cargo test -p
//! cdp-spark-hdfs --test it`; one module's tests with its name as the
//! filter, e.g. `-- local_hostile::`): each module was a test binary of its
//! own. Four stay binaries of their own: `kerberos` and `real_hdfs_kerberos`
//! set the process's Kerberos variables, `jar_memory` installs a counting
//! global allocator, and `real_hdfs` keeps the mini cluster to itself
//! while it moves NameNodes (a lock of its process).

/// The helpers of tests/support/, shared with the binaries above.
#[path = "../support/mod.rs"]
mod support;

mod hadoop_conf;
mod hdfs_native;
mod local_fs;
mod local_hostile;
mod local_jar_inspection;
mod port_jar_inspection;
mod validate_local;
