//! The launcher's integration tests, one binary (`cargo test -p
//! cdp-spark-launcher --test it`; one module's tests with its name as the
//! filter, e.g. `-- yarn_rm::`): each module was a test binary of its own.
//! Four stay binaries of their own: `environment` and `yarn_spnego` set the
//! process's environment, `yarn_cluster` and `yarn_cluster_kerberos` run
//! on the mini clusters (`scripts/test.sh` runs them with `cargo test`).

/// Shared with the binaries above.
#[path = "../common/mod.rs"]
mod common;

mod local_mode;
mod standalone_cluster;
mod yarn_rm;
