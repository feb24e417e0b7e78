//! Test helpers shared by the workspace's tests and benches. Every crate
//! takes this one as a `[dev-dependencies]` entry, never as a dependency of
//! its product (`cargo xtask tidy` checks it); it replaces the helpers that
//! used to be compiled into several crates with `#[path]`.
//!
//! - [`fixtures`]: the repository's `tests/fixtures/` (descriptors, the
//!   Quartz cron oracle, the specific-provisioner contract);
//! - [`javajar`]: real jars built with the JDK's `javac` and `jar`, cached;
//! - [`zipjar`]: jars written with the `zip` crate, random bytes, and the
//!   one CRC-32 of the test code ([`zipjar::crc32`]);
//! - [`mariadb`]: the test MariaDB of `scripts/mariadb.sh`
//!   (`CDP_TEST_MYSQL_URL`); with the feature `mariadb`, a database of its
//!   own per test;
//! - [`postgres`]: the test PostgreSQL of `scripts/postgres.sh`
//!   (`CDP_TEST_PG_URL`); with the feature `postgres`, a database of its
//!   own per test;
//! - [`minicluster`]: the real Hadoop mini clusters `scripts/test.sh` starts;
//! - [`spark_apps`]: the Spark test applications of `tests/spark-apps`;
//! - `real_cluster` (feature `hdfs`): what the tests of the hdfs adapter
//!   and the app against the mini clusters share.

pub mod fixtures;
pub mod javajar;
pub mod mariadb;
pub mod minicluster;
pub mod postgres;
#[cfg(feature = "hdfs")]
pub mod real_cluster;
pub mod spark_apps;
pub mod zipjar;
