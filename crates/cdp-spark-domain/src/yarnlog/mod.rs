//! A YARN application's driver log after it ended: the logs its
//! NodeManagers aggregated to the cluster's filesystem, read through
//! [`HdfsPort`] (status, listing, byte ranges) and decoded here.
//!
//! Where they are (Hadoop's `LogAggregationUtils`):
//! `<remote-app-log-dir>/<user>/<suffix>/<appId>/` (Hadoop 3.1 to 3.2, and
//! CDP 7.1 by default), or
//! `<remote-app-log-dir>/<user>/bucket-<suffix>/<NNNN>/<appId>/` (Hadoop 3.3
//! and later: `NNNN` the application's number modulo 10,000), each suffix of
//! [`AggregatedLogSettings::suffixes`] tried in order. In that folder each
//! NodeManager wrote one TFile ([`tfile`]) whose records are the containers
//! it ran: the key is the container id, the value each of its log files as
//! its name, its length and its bytes (`AggregatedLogFormat.LogValue`).
//!
//! The driver of a Spark application in cluster mode runs in the
//! ApplicationMaster's container, the first of its attempt
//! (`container_…_<attempt>_000001`); the latest attempt's `stdout` and
//! `stderr` are answered, each under its heading, ending within `tail`
//! bytes. Only those bytes are read from the file (with blocks stored
//! plainly, YARN's default).
//!
//! Nothing in the folder is trusted: at most
//! [`AggregatedLogSettings::max_files`] files and [`MAX_RECORDS`] records
//! are looked at, names are bounded and escaped, and a file that is not a
//! TFile is an error naming it.

pub mod tfile;

#[cfg(test)]
pub(crate) mod tests;

use crate::artifact::ArtifactUri;
use crate::cause;
use crate::jar::PortByteSource;
use crate::ports::{FileKind, FsError, HdfsPort};
use crate::runlog::{combine_files, LogSource, LogTail};
use tfile::{record_at, shown, Block, TFile, Value};

/// Most records (containers and YARN's own keys) looked at in one request.
pub const MAX_RECORDS: usize = 100_000;
/// Most log files of one container listed.
const MAX_FILES_PER_CONTAINER: usize = 10_000;
/// The files of a Spark driver's container answered, in this order.
const FILES: [&str; 2] = ["stdout", "stderr"];

/// Where aggregated logs are, from the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregatedLogSettings {
    /// `yarn.nodemanager.remote-app-log-dir` as a full `hdfs://` location.
    pub remote_root: ArtifactUri,
    /// `yarn.nodemanager.remote-app-log-dir-suffix` values to try.
    pub suffixes: Vec<String>,
    /// Most files (NodeManagers) of one application looked at.
    pub max_files: usize,
}

impl AggregatedLogSettings {
    /// Hadoop's defaults under `remote_root`: the suffixes `logs` (Hadoop
    /// 3.1, CDP 7.1) and `logs-tfile` (Hadoop 3.3's TFile controller), at
    /// most 500 files.
    pub fn new(remote_root: ArtifactUri) -> Self {
        AggregatedLogSettings {
            remote_root,
            suffixes: vec!["logs".into(), "logs-tfile".into()],
            max_files: 500,
        }
    }
}

/// The driver's container found in the logs.
struct Found {
    attempt: u64,
    file: ArtifactUri,
    length: u64,
    /// The file's indexes as read while looking (not read twice).
    tfile: TFile,
    block: usize,
    value: Value,
}

/// Reads aggregated logs through a filesystem port.
pub struct AggregatedLogs<'a> {
    pub fs: &'a dyn HdfsPort,
    pub settings: &'a AggregatedLogSettings,
}

impl AggregatedLogs<'_> {
    /// The end of the driver's `stdout` and `stderr` of `application_id`,
    /// run by `owner`; `Ok(None)` when its logs are not (or not yet)
    /// aggregated.
    pub async fn driver_log(
        &self,
        owner: &str,
        application_id: &str,
        tail: u64,
    ) -> Result<Option<LogTail>, FsError> {
        let Some(app) = ApplicationId::parse(application_id) else {
            return Err(FsError::Unusable {
                path: shown(application_id),
                detail: cause!("not a YARN application id"),
            });
        };
        if !is_user_name(owner) {
            return Err(FsError::Unusable {
                path: shown(owner),
                detail: cause!("not a user name the aggregated logs can be under"),
            });
        }
        let Some(dir) = self.folder(owner, &app).await? else {
            return Ok(None);
        };
        let Some(found) = self.find_driver(&dir, &app).await? else {
            return Ok(None);
        };
        self.read_driver(found, tail).await.map(Some)
    }

    /// The first candidate folder that exists.
    async fn folder(
        &self,
        owner: &str,
        app: &ApplicationId,
    ) -> Result<Option<ArtifactUri>, FsError> {
        let root = self.settings.remote_root.as_str().trim_end_matches('/');
        for suffix in &self.settings.suffixes {
            for dir in [
                format!("{root}/{owner}/{suffix}/{}", app.text),
                format!(
                    "{root}/{owner}/bucket-{suffix}/{:04}/{}",
                    app.number % 10_000,
                    app.text
                ),
            ] {
                let uri = parse(&dir)?;
                if let Some(status) = self.fs.status(&uri).await? {
                    if status.kind == FileKind::Directory {
                        return Ok(Some(uri));
                    }
                }
            }
        }
        Ok(None)
    }

    /// The latest attempt's ApplicationMaster container in the folder's
    /// files.
    async fn find_driver(
        &self,
        dir: &ArtifactUri,
        app: &ApplicationId,
    ) -> Result<Option<Found>, FsError> {
        let entries = self
            .fs
            .list(dir, self.settings.max_files)
            .await?
            .unwrap_or_default();
        let mut best: Option<Found> = None;
        let mut records = 0usize;
        for entry in entries {
            // A NodeManager still uploading writes `<file>.tmp` first.
            if entry.status.kind != FileKind::File || entry.name.ends_with(".tmp") {
                continue;
            }
            if !entry
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-:".contains(&b))
            {
                continue;
            }
            let file = parse(&format!("{}/{}", dir.as_str(), entry.name))?;
            let src = PortByteSource::new(self.fs, &file, entry.status.length);
            let path = file.to_string();
            let tfile = TFile::open(&src, &path).await?;
            for i in 0..tfile.blocks.len() {
                let mut block = tfile.block(&src, i, &path).await?;
                let mut at = 0;
                while at < block.len() {
                    records += 1;
                    if records > MAX_RECORDS {
                        return Err(FsError::Read {
                            path,
                            detail: cause!(
                                "the aggregated logs of {} hold more than {MAX_RECORDS} records; \
                                 the provisioner stops looking there",
                                app.text
                            ),
                        });
                    }
                    let record = record_at(&mut block, at, &path).await?;
                    at = record.next;
                    let Some(attempt) = app.am_attempt(utf_key(&record.key)) else {
                        continue;
                    };
                    if best.as_ref().is_none_or(|b| attempt > b.attempt) {
                        best = Some(Found {
                            attempt,
                            file: file.clone(),
                            length: entry.status.length,
                            tfile: tfile.clone(),
                            block: i,
                            value: record.value,
                        });
                    }
                }
            }
        }
        Ok(best)
    }

    /// The tails of the container's `stdout` and `stderr`.
    async fn read_driver(&self, found: Found, tail: u64) -> Result<LogTail, FsError> {
        let src = PortByteSource::new(self.fs, &found.file, found.length);
        let path = found.file.to_string();
        let mut block = found.tfile.block(&src, found.block, &path).await?;
        let value = &found.value;
        let mut at = 0u64;
        let mut files: Vec<(&str, String)> = Vec::new();
        let mut listed = 0;
        while at < value.len() {
            listed += 1;
            if listed > MAX_FILES_PER_CONTAINER {
                break;
            }
            let name = utf(value, &mut block, &mut at, &path).await?;
            let length = utf(value, &mut block, &mut at, &path).await?;
            let length: u64 = length.trim().parse().map_err(|_| FsError::Read {
                path: path.clone(),
                detail: cause!(
                    "the log {} has no length ({})",
                    shown(&name),
                    shown(&length)
                ),
            })?;
            let end = at.checked_add(length).filter(|&e| e <= value.len());
            let Some(end) = end else {
                return Err(FsError::Read {
                    path,
                    detail: cause!(
                        "the log {} is longer than its container's record",
                        shown(&name)
                    ),
                });
            };
            if let Some(wanted) = FILES.iter().find(|f| **f == name) {
                let take = length.min(tail);
                let bytes = value.read(&mut block, end - take, take, &path).await?;
                files.push((wanted, String::from_utf8_lossy(&bytes).into_owned()));
            }
            at = end;
        }
        files.sort_by_key(|(name, _)| FILES.iter().position(|f| f == name));
        let mut out = combine_files(&files, tail, LogSource::YarnAggregated);
        if files.is_empty() {
            out.text = format!(
                "(the driver's container of attempt {} has no stdout or stderr in its aggregated logs)\n",
                found.attempt
            );
        }
        Ok(out)
    }
}

/// A `DataOutput.writeUTF` string of the value at `at`.
async fn utf(
    value: &Value,
    block: &mut Block<'_>,
    at: &mut u64,
    path: &str,
) -> Result<String, FsError> {
    let len = value.read(block, *at, 2, path).await?;
    let n = u64::from(u16::from_be_bytes([len[0], len[1]]));
    let bytes = value.read(block, *at + 2, n, path).await?;
    *at += 2 + n;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A key written by `DataOutput.writeUTF`: its text, or nothing.
fn utf_key(key: &[u8]) -> &str {
    match key {
        [a, b, rest @ ..] if usize::from(u16::from_be_bytes([*a, *b])) == rest.len() => {
            std::str::from_utf8(rest).unwrap_or("")
        }
        _ => "",
    }
}

fn parse(text: &str) -> Result<ArtifactUri, FsError> {
    ArtifactUri::parse(text).map_err(|e| FsError::Unusable {
        path: shown(text),
        detail: cause!("not a location: {e}"),
    })
}

/// A user name safe in a path: letters, digits, `.`, `_`, `-`, `@`, `$`.
fn is_user_name(user: &str) -> bool {
    !user.is_empty()
        && user.len() <= 256
        && !user.starts_with('.')
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@$".contains(&b))
}

/// `application_<cluster timestamp>_<number>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationId {
    pub text: String,
    pub cluster: String,
    pub number: u64,
}

impl ApplicationId {
    pub fn parse(text: &str) -> Option<ApplicationId> {
        let rest = text.strip_prefix("application_")?;
        let (cluster, number) = rest.split_once('_')?;
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(cluster) || !digits(number) {
            return None;
        }
        Some(ApplicationId {
            text: text.to_string(),
            cluster: cluster.to_string(),
            number: number.parse().ok()?,
        })
    }

    /// The attempt whose ApplicationMaster `container` is
    /// (`container_[e<epoch>_]<cluster>_<number>_<attempt>_000001`, the
    /// application's number written with at least four digits), or `None`.
    pub fn am_attempt(&self, container: &str) -> Option<u64> {
        let rest = container.strip_prefix("container_")?;
        let mut parts: Vec<&str> = rest.split('_').collect();
        if parts.first().is_some_and(|p| p.starts_with('e')) {
            parts.remove(0);
        }
        let [cluster, number, attempt, id] = parts.as_slice() else {
            return None;
        };
        let same_app = *cluster == self.cluster && number.parse::<u64>().ok()? == self.number;
        let am = id.parse::<u64>().ok()? == 1;
        if !(same_app && am) {
            return None;
        }
        attempt.parse().ok()
    }
}
