//! Helpers of the hdfs adapter's tests, each included where used.

pub mod fake_namenode;
pub mod jars;
pub mod validation;
