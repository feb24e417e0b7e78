//! The heart of the CDP Spark specific provisioner.
//!
//! This crate holds everything that is true whatever the I/O around it:
//! the Witboost specific-provisioner API model ([`api`]), the component
//! descriptor and its rules ([`descriptor`]), the Quartz cron model
//! ([`cron`]), jar inspection over byte ranges ([`jar`]), the job/trigger/run
//! model ([`model`]), the ports adapters implement ([`ports`]), the one
//! redaction rule for secrets in shown text ([`redact`]) and the use
//! cases written only against those ports ([`usecases`]).
//!
//! It depends on no crate of this workspace and on no I/O framework: no
//! HTTP server, no database driver, no HDFS client, no process spawning.
//! See `docs/ARCHITECTURE.md`.

pub mod api;
pub mod artifact;
pub mod cause;
pub mod clock;
pub mod config_text;
pub mod cron;
pub mod descriptor;
pub mod issues;
pub mod jar;
pub mod migration;
pub mod model;
pub mod notify;
pub mod placeholders;
pub mod ports;
pub mod redact;
pub mod runlog;
pub mod scheduling;
pub mod usecases;
pub mod yarnlog;
