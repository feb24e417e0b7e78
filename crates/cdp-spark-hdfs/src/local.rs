//! Local files: `ArtifactUri::Local` (a `file:` URI or a plain path; a
//! relative path is taken from the provisioner's working directory).
//!
//! What a caller may learn or hold through it is bounded:
//! - **Confinement** (`roots`): with roots, a path is read only if it lies
//!   under one of them, first as written (no filesystem call at all for a
//!   path outside: the answer, [`FsError::OutsideRoots`], is the same
//!   whatever is there), then canonicalised (symlinks and `..` resolved by
//!   the kernel) and checked again; a path that does not exist is "not
//!   there" only if the deepest folder of it that exists is inside. After
//!   opening, the file's identity (device and inode, `fstat`) must be the
//!   canonical path's before and after the open: a folder swapped for a
//!   symlink between the check and the open is refused. Without roots
//!   (local mode on a loopback address, the single-user trial) any path is
//!   read, symlinks followed.
//! - **No blocking open**: files are opened with `O_NONBLOCK` (and
//!   `O_NOCTTY`, `O_CLOEXEC`), so a FIFO opens at once instead of waiting
//!   for a writer; the opened descriptor must be a regular file (`fstat`),
//!   else the answer is [`FsError::Unusable`] ("a FIFO, not a jar");
//!   `O_NONBLOCK` is then cleared.
//! - **Bounded in time and threads**: every call runs on tokio's blocking
//!   pool (shared with the job store) in a slot of its own, at most
//!   `max_in_flight` at once, and is answered within `timeout`. A blocking
//!   call cannot be cancelled: a read the kernel never returns from (a hung
//!   NFS mount) is answered [`FsError::Unreachable`] at the timeout, and
//!   goes on holding its thread and its slot until the kernel returns. So a
//!   hung mount pins at most `max_in_flight` threads, never the whole pool,
//!   and once every slot is pinned further calls fail within the timeout
//!   without starting.
//! - **Errors of the location are the caller's**: a symlink loop, a name
//!   longer than the OS allows, a path through a file, a socket or device
//!   are [`FsError::Unusable`] (a problem of the descriptor's field), EACCES
//!   is [`FsError::PermissionDenied`]; only faults such as EIO, EMFILE or
//!   ENOMEM are [`FsError::Read`] (a fault of the provisioner).

use std::fs::{File, Metadata};
use std::io;
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::cause;
use cdp_spark_domain::ports::{FileKind, FileStatus, FsError, HdfsPort, Sink};
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// Longest wait for one local filesystem call by default (as `hdfs.timeout_ms`).
pub const DEFAULT_LOCAL_TIMEOUT_MS: u64 = crate::DEFAULT_TIMEOUT_MS;

/// Local filesystem calls in flight at once by default.
pub const DEFAULT_LOCAL_MAX_IN_FLIGHT: usize = 16;

/// How [`LocalFs`] reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFsConfig {
    /// `None`: any local path. `Some(roots)`: only paths under these
    /// absolute folders (none at all when empty).
    pub roots: Option<Vec<PathBuf>>,
    /// Longest wait for one call: a status, or a range read (its open and
    /// every piece of it).
    pub timeout: Duration,
    /// Calls in flight at once on the blocking pool.
    pub max_in_flight: usize,
}

impl Default for LocalFsConfig {
    fn default() -> Self {
        LocalFsConfig {
            roots: None,
            timeout: Duration::from_millis(DEFAULT_LOCAL_TIMEOUT_MS),
            max_in_flight: DEFAULT_LOCAL_MAX_IN_FLIGHT,
        }
    }
}

/// Why a [`LocalFsConfig`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{root}: {problem}")]
pub struct LocalRootError {
    pub root: String,
    pub problem: String,
}

/// Reads local files. Blocking file calls run on tokio's blocking pool, so
/// it needs a tokio runtime. Clones share their slots.
#[derive(Debug, Clone)]
pub struct LocalFs {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    roots: Option<Roots>,
    timeout: Duration,
    max_in_flight: usize,
    slots: Arc<Semaphore>,
}

/// The folders local files are read under.
#[derive(Debug, Clone)]
struct Roots {
    /// As configured, `.` and `..` resolved without the filesystem.
    written: Vec<PathBuf>,
    /// As the kernel resolves them.
    canonical: Vec<PathBuf>,
    /// For messages.
    shown: Vec<String>,
}

impl Roots {
    /// Lexically under a root: no filesystem call.
    fn admits_as_written(&self, path: &Path) -> bool {
        if !path.is_absolute() {
            return false;
        }
        let normal = normalize(path);
        self.written
            .iter()
            .chain(&self.canonical)
            .any(|root| normal.starts_with(root))
    }

    fn admits_canonical(&self, canonical: &Path) -> bool {
        self.canonical
            .iter()
            .any(|root| canonical.starts_with(root))
    }
}

impl Default for LocalFs {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalFs {
    /// Any local path, with the default timeout and slots.
    pub fn new() -> Self {
        Self::build(None, &LocalFsConfig::default())
    }

    /// As `config` says; each root must be an absolute path to an existing
    /// folder (it is canonicalised now).
    pub fn with_config(config: &LocalFsConfig) -> Result<Self, LocalRootError> {
        let roots = match &config.roots {
            None => None,
            Some(list) => {
                let mut roots = Roots {
                    written: Vec::new(),
                    canonical: Vec::new(),
                    shown: Vec::new(),
                };
                for root in list {
                    let shown = root.display().to_string();
                    let refuse = |problem: String| LocalRootError {
                        root: shown.clone(),
                        problem,
                    };
                    if !root.is_absolute() {
                        return Err(refuse("is not an absolute path".into()));
                    }
                    let canonical = std::fs::canonicalize(root)
                        .map_err(|e| refuse(format!("cannot be resolved: {e}")))?;
                    if !canonical.is_dir() {
                        return Err(refuse("is not a folder".into()));
                    }
                    roots.written.push(normalize(root));
                    roots.canonical.push(canonical);
                    roots.shown.push(shown);
                }
                Some(roots)
            }
        };
        Ok(Self::build(roots, config))
    }

    fn build(roots: Option<Roots>, config: &LocalFsConfig) -> Self {
        let max_in_flight = config.max_in_flight.max(1);
        LocalFs {
            inner: Arc::new(Inner {
                roots,
                timeout: config.timeout,
                max_in_flight,
                slots: Arc::new(Semaphore::new(max_in_flight)),
            }),
        }
    }

    /// The folders local files are confined to, `None` when any is read.
    pub fn roots(&self) -> Option<&[String]> {
        self.inner.roots.as_ref().map(|r| r.shown.as_slice())
    }

    /// For the start-up log.
    pub fn describe(&self) -> String {
        match self.roots() {
            None => "local files: any path".into(),
            Some([]) => "local files: none (no artifacts.local_roots)".into(),
            Some(roots) => format!("local files: only under {}", roots.join(", ")),
        }
    }

    /// Refuses a path outside the roots as written, before any filesystem
    /// call.
    fn admit(&self, path: &str) -> Result<Option<Roots>, FsError> {
        match &self.inner.roots {
            None => Ok(None),
            Some(roots) if roots.admits_as_written(Path::new(path)) => Ok(Some(roots.clone())),
            Some(roots) => Err(outside(path, roots)),
        }
    }

    /// `call` on the blocking pool in a slot of its own, answered within
    /// the timeout (see the module's documentation for what that bounds).
    async fn blocking<T: Send + 'static>(
        &self,
        path: &str,
        doing: &str,
        deadline: Instant,
        call: impl FnOnce() -> Result<T, FsError> + Send + 'static,
    ) -> Result<T, FsError> {
        let inner = &self.inner;
        let slot = tokio::time::timeout_at(deadline, Arc::clone(&inner.slots).acquire_owned());
        let permit = match slot.await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) | Err(_) => {
                return Err(FsError::Unreachable {
                    target: "the local filesystem".into(),
                    detail: cause!(
                        "all {} slots for local filesystem calls are held by calls still \
                         waiting for the kernel (a hung NFS mount?), so the provisioner did \
                         not {doing} {path} (waited {} ms, artifacts.local_timeout_ms)",
                        inner.max_in_flight,
                        inner.timeout.as_millis()
                    ),
                })
            }
        };
        let task = tokio::task::spawn_blocking(move || {
            let _slot = permit;
            call()
        });
        match tokio::time::timeout_at(deadline, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(FsError::Read {
                path: path.to_owned(),
                detail: cause!("the task to {doing} it did not complete: {e}"),
            }
            .caused_by(e)),
            Err(_) => Err(FsError::Unreachable {
                target: format!("the local filesystem holding {path}"),
                detail: cause!(
                    "the call to {doing} it did not return within {} ms \
                     (artifacts.local_timeout_ms); it goes on in the background, holding one \
                     of the {} slots for local filesystem calls, until the kernel answers",
                    inner.timeout.as_millis(),
                    inner.max_in_flight
                ),
            }),
        }
    }

    /// Open `path` for reading, checked (see the module's documentation).
    async fn open(&self, path: &str, deadline: Instant) -> Result<(Arc<File>, u64), FsError> {
        let roots = self.admit(path)?;
        let owned = path.to_owned();
        self.blocking(path, "open", deadline, move || {
            open_checked(&owned, roots.as_ref())
        })
        .await
    }
}

#[async_trait]
impl HdfsPort for LocalFs {
    async fn status(&self, location: &ArtifactUri) -> Result<Option<FileStatus>, FsError> {
        let path = local_path(location)?;
        let roots = self.admit(path)?;
        let deadline = Instant::now() + self.inner.timeout;
        let owned = path.to_owned();
        self.blocking(path, "read the status of", deadline, move || {
            status_of(&owned, roots.as_ref())
        })
        .await
    }

    async fn read_range(
        &self,
        location: &ArtifactUri,
        offset: u64,
        len: u64,
    ) -> Result<Vec<u8>, FsError> {
        let path = local_path(location)?;
        let deadline = Instant::now() + self.inner.timeout;
        let (file, file_len) = self.open(path, deadline).await?;
        let size = range_size(path, offset, len, file_len)?;
        let owned = path.to_owned();
        self.blocking(path, "read", deadline, move || {
            read_at(&file, &owned, offset, size)
        })
        .await
    }

    /// One open, then one positioned read per piece, each in its own slot,
    /// all of it within the timeout; a piece is dropped before the next is
    /// read.
    async fn read_range_chunks<'s>(
        &self,
        location: &ArtifactUri,
        offset: u64,
        len: u64,
        chunk: u64,
        sink: &mut Sink<'s>,
    ) -> Result<(), FsError> {
        let path = local_path(location)?;
        let deadline = Instant::now() + self.inner.timeout;
        let (file, file_len) = self.open(path, deadline).await?;
        range_size(path, offset, len, file_len)?;
        let chunk = chunk.max(1);
        let mut done = 0;
        while done < len {
            let piece = chunk.min(len - done);
            let size = usize::try_from(piece).map_err(|_| FsError::Read {
                path: path.to_owned(),
                detail: cause!("a piece of {piece} bytes does not fit in memory"),
            })?;
            let (file, owned) = (Arc::clone(&file), path.to_owned());
            let at = offset + done;
            let bytes = self
                .blocking(path, "read", deadline, move || {
                    read_at(&file, &owned, at, size)
                })
                .await?;
            done += piece;
            if !sink.take(&bytes) {
                break;
            }
        }
        Ok(())
    }
}

fn local_path(location: &ArtifactUri) -> Result<&str, FsError> {
    match location {
        ArtifactUri::Local { path, .. } => Ok(path),
        ArtifactUri::Hdfs { .. } => Err(FsError::NotConfigured {
            scheme: "hdfs://".into(),
            detail: cause!(
                "{location} was given to the local file reader, which only reads local \
                 files; route locations through ArtifactFs"
            ),
        }),
    }
}

fn outside(path: &str, roots: &Roots) -> FsError {
    FsError::OutsideRoots {
        path: path.to_owned(),
        roots: roots.shown.clone(),
    }
}

/// `.` and `..` resolved and repeated separators collapsed, without the
/// filesystem (`..` of the root stays the root).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Where `path` leads, as the kernel resolves it, confined to `roots`:
/// `Ok(None)` when nothing is there (and the deepest existing folder of it
/// is inside), [`FsError::OutsideRoots`] when it leads outside.
fn resolve(path: &str, roots: &Roots) -> Result<Option<PathBuf>, FsError> {
    let e = match std::fs::canonicalize(path) {
        Ok(canonical) if roots.admits_canonical(&canonical) => return Ok(Some(canonical)),
        Ok(_) => return Err(outside(path, roots)),
        Err(e) => e,
    };
    // Say nothing about what lies outside: what exists of the path, and
    // every symlink on the way (a dangling one, a loop), must stay inside
    // before the error is told.
    if leads_outside(Path::new(path), roots, 0) {
        return Err(outside(path, roots));
    }
    match e.raw_os_error() {
        Some(libc::ENOENT | libc::ENOTDIR) => Ok(None),
        _ => Err(io_error(path, "resolve", e)),
    }
}

/// Whether following what exists of `path` leaves the roots: its deepest
/// existing part, canonicalised, is outside; or a symlink on the way
/// points outside the roots as written (then it is not followed further,
/// so a loop or a dangling link out there tells nothing).
fn leads_outside(path: &Path, roots: &Roots, depth: usize) -> bool {
    // As many hops as the kernel follows before ELOOP.
    if depth > 40 {
        return false;
    }
    let mut candidate = Some(path);
    while let Some(at) = candidate {
        match std::fs::symlink_metadata(at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let Ok(target) = std::fs::read_link(at) else {
                    return true;
                };
                let target = match at.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
                return !roots.admits_as_written(&target)
                    || leads_outside(&target, roots, depth + 1);
            }
            Ok(_) => {
                return match std::fs::canonicalize(at) {
                    Ok(canonical) => !roots.admits_canonical(&canonical),
                    // Resolving what exists fails itself (a loop on the
                    // way, a folder not to be entered): only its own
                    // folder can be judged.
                    Err(_) => at
                        .parent()
                        .is_some_and(|p| leads_outside(p, roots, depth + 1)),
                };
            }
            Err(_) => candidate = at.parent(),
        }
    }
    true
}

fn status_of(path: &str, roots: Option<&Roots>) -> Result<Option<FileStatus>, FsError> {
    let target = match roots {
        None => PathBuf::from(path),
        Some(roots) => match resolve(path, roots)? {
            Some(canonical) => canonical,
            None => return Ok(None),
        },
    };
    match std::fs::metadata(&target) {
        Ok(meta) => {
            let kind = if meta.is_file() {
                FileKind::File
            } else if meta.is_dir() {
                FileKind::Directory
            } else {
                FileKind::Other
            };
            let length = if kind == FileKind::File {
                meta.len()
            } else {
                0
            };
            Ok(Some(FileStatus { kind, length }))
        }
        // Nothing there, or a parent of it is a file.
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => Ok(None),
        Err(e) => Err(io_error(path, "read the status of", e)),
    }
}

/// Opens without blocking, then checks what was opened: a regular file,
/// and with roots the very file the canonical path names before and after
/// the open.
fn open_checked(path: &str, roots: Option<&Roots>) -> Result<(Arc<File>, u64), FsError> {
    let gone = || FsError::Unusable {
        path: path.to_owned(),
        detail: "it does not exist (was it just removed?)".into(),
    };
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    let (target, before) = match roots {
        None => (PathBuf::from(path), None),
        Some(roots) => {
            let canonical = resolve(path, roots)?.ok_or_else(gone)?;
            let before = std::fs::metadata(&canonical)
                .map_err(|e| io_error(path, "read the status of", e))?;
            // The canonical path has no symlink: one now is a swap.
            flags |= libc::O_NOFOLLOW;
            (canonical, Some(before))
        }
    };
    // std opens with O_CLOEXEC.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(&target)
        .map_err(|e| io_error(path, "open", e))?;
    let meta = file
        .metadata()
        .map_err(|e| io_error(path, "read the status of", e))?;
    if !meta.is_file() {
        return Err(FsError::Unusable {
            path: path.to_owned(),
            detail: cause!("it is {}, not a jar", kind_of(&meta)),
        });
    }
    if let (Some(roots), Some(before)) = (roots, before) {
        let after = std::fs::canonicalize(&target)
            .ok()
            .filter(|again| *again == target && roots.admits_canonical(again))
            .and_then(|again| std::fs::metadata(again).ok());
        let same = |m: &Metadata| m.dev() == meta.dev() && m.ino() == meta.ino();
        if !same(&before) || !after.as_ref().is_some_and(same) {
            return Err(FsError::Unusable {
                path: path.to_owned(),
                detail: "it was replaced or moved while it was being opened; try again".into(),
            });
        }
    }
    clear_nonblocking(&file).map_err(|e| io_error(path, "open", e))?;
    Ok((Arc::new(file), meta.len()))
}

/// Reads of a regular file do not honour `O_NONBLOCK`, but the descriptor
/// is left as a blocking one for whatever reads it.
fn clear_nonblocking(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor this function's caller owns, with
    // integer arguments only.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

/// `len` as a buffer size, if `[offset, offset + len)` is in the file.
fn range_size(path: &str, offset: u64, len: u64, file_len: u64) -> Result<usize, FsError> {
    let end = offset.checked_add(len).filter(|&end| end <= file_len);
    usize::try_from(len)
        .ok()
        .filter(|_| end.is_some())
        .ok_or_else(|| FsError::Read {
            path: path.to_owned(),
            detail: cause!(
                "asked for {len} bytes at offset {offset}, but the file has {file_len} bytes"
            ),
        })
}

/// Exactly `size` bytes at `offset`, with a positioned read (no seek).
fn read_at(file: &File, path: &str, offset: u64, size: usize) -> Result<Vec<u8>, FsError> {
    let mut buf = vec![0u8; size];
    file.read_exact_at(&mut buf, offset).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            FsError::Read {
                path: path.to_owned(),
                detail: cause!(
                    "the file ended before byte {} while reading {size} bytes at offset \
                     {offset}: it changed while being read",
                    offset + size as u64
                ),
            }
        } else {
            io_error(path, "read", e)
        }
    })?;
    Ok(buf)
}

/// An I/O error as an `FsError` naming the path and what was being done:
/// what is wrong with the location is the descriptor's problem
/// ([`FsError::Unusable`], [`FsError::PermissionDenied`]); the rest is a
/// fault ([`FsError::Read`]).
/// The I/O error is kept as the source of the `FsError`'s cause.
fn io_error(path: &str, doing: &str, e: io::Error) -> FsError {
    classify_io(path, doing, &e).caused_by(e)
}

fn classify_io(path: &str, doing: &str, e: &io::Error) -> FsError {
    let unusable = |detail: String| FsError::Unusable {
        path: path.to_owned(),
        detail: detail.into(),
    };
    match e.raw_os_error() {
        Some(libc::EACCES | libc::EPERM) => FsError::PermissionDenied {
            path: path.to_owned(),
            detail: cause!(
                "could not {doing} it ({e}); make it readable by the user the provisioner \
                 runs as"
            ),
        },
        Some(libc::ENOENT) => unusable(format!(
            "could not {doing} it: it does not exist (was it just removed?)"
        )),
        Some(libc::ENOTDIR) => unusable(format!(
            "could not {doing} it: a folder on its path is a file"
        )),
        Some(libc::ELOOP) => unusable(format!(
            "could not {doing} it: too many levels of symbolic links (a symlink loop, or a \
             symlink where none may be)"
        )),
        Some(libc::ENAMETOOLONG) => unusable(format!(
            "could not {doing} it: the path or one of its names is longer than the operating \
             system allows (255 bytes a name, 4,096 in all)"
        )),
        Some(libc::ENXIO | libc::ENODEV) => unusable(format!(
            "could not {doing} it: it is a socket or a device, not a file"
        )),
        Some(libc::EISDIR) => unusable(format!("could not {doing} it: it is a directory")),
        _ => FsError::Read {
            path: path.to_owned(),
            detail: cause!("could not {doing} it: {e}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_of_the_location_are_the_callers_and_the_rest_are_faults() {
        let denied = io_error(
            "/srv/a.jar",
            "open",
            io::Error::from_raw_os_error(libc::EACCES),
        );
        assert!(
            matches!(&denied, FsError::PermissionDenied { path, detail }
                if path == "/srv/a.jar" && detail.contains("could not open it")),
            "{denied:?}"
        );
        for (errno, says) in [
            (libc::ELOOP, "symbolic links"),
            (
                libc::ENAMETOOLONG,
                "longer than the operating system allows",
            ),
            (libc::ENOTDIR, "a folder on its path is a file"),
            (libc::ENXIO, "a socket or a device"),
            (libc::ENOENT, "does not exist"),
        ] {
            let e = io_error("/srv/a.jar", "open", io::Error::from_raw_os_error(errno));
            assert!(
                matches!(&e, FsError::Unusable { path, detail }
                    if path == "/srv/a.jar" && detail.contains(says)),
                "errno {errno}: {e:?}"
            );
        }
        for errno in [
            libc::EIO,
            libc::EMFILE,
            libc::ENFILE,
            libc::ENOMEM,
            libc::ESTALE,
        ] {
            let e = io_error("/srv/a.jar", "read", io::Error::from_raw_os_error(errno));
            assert!(
                matches!(&e, FsError::Read { path, .. } if path == "/srv/a.jar"),
                "errno {errno}: {e:?}"
            );
        }
    }

    /// A call the kernel does not return from (a hung NFS read, played by
    /// a sleep) is answered at the timeout; it keeps its slot until it
    /// returns, and with every slot held the next call fails within the
    /// timeout without starting.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_call_that_hangs_is_answered_at_the_timeout_and_pins_only_its_slot() {
        let fs = LocalFs::build(
            None,
            &LocalFsConfig {
                roots: None,
                timeout: Duration::from_millis(200),
                max_in_flight: 1,
            },
        );
        let started = std::time::Instant::now();
        let deadline = Instant::now() + fs.inner.timeout;
        let hung = fs
            .blocking("/nfs/hung.jar", "read", deadline, || {
                std::thread::sleep(Duration::from_secs(2));
                Ok(())
            })
            .await;
        assert!(
            matches!(&hung, Err(FsError::Unreachable { detail, .. })
                if detail.contains("did not return within 200 ms") && detail.contains("1 slots")),
            "{hung:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        let deadline = Instant::now() + fs.inner.timeout;
        let next = fs
            .blocking("/srv/other.jar", "open", deadline, move || {
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(())
            })
            .await;
        assert!(
            matches!(&next, Err(FsError::Unreachable { detail, .. }) if detail.contains("did not open")),
            "{next:?}"
        );
        assert!(
            !ran.load(std::sync::atomic::Ordering::SeqCst),
            "not started"
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        // Once the hung call returns, its slot serves again.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let deadline = Instant::now() + fs.inner.timeout;
        assert_eq!(
            fs.blocking("/srv/other.jar", "open", deadline, || Ok(7))
                .await,
            Ok(7)
        );
    }

    #[test]
    fn paths_are_normalized_without_the_filesystem() {
        for (path, normal) in [
            ("/srv/jars/../etc/passwd", "/srv/etc/passwd"),
            ("/nonexistent/../real.jar", "/real.jar"),
            ("/srv//jars/./a.jar", "/srv/jars/a.jar"),
            ("/../../a.jar", "/a.jar"),
        ] {
            assert_eq!(normalize(Path::new(path)), PathBuf::from(normal), "{path}");
        }
        let roots = Roots {
            written: vec![PathBuf::from("/srv/jars")],
            canonical: vec![PathBuf::from("/data/jars")],
            shown: vec!["/srv/jars".into()],
        };
        assert!(roots.admits_as_written(Path::new("/srv/jars/team/a.jar")));
        assert!(roots.admits_as_written(Path::new("/data/jars/a.jar")));
        assert!(!roots.admits_as_written(Path::new("/srv/jars/../secret.jar")));
        assert!(!roots.admits_as_written(Path::new("/srv/jarsx/a.jar")));
        assert!(
            !roots.admits_as_written(Path::new("jars/a.jar")),
            "relative"
        );
    }

    #[test]
    fn the_io_error_is_kept_as_the_source_of_the_cause() {
        use std::error::Error as _;
        let eio = io::Error::from_raw_os_error(libc::EIO);
        let e = io_error("/srv/a.jar", "read", eio);
        let kept = e.source().and_then(|cause| cause.source());
        let io = kept.and_then(|k| k.downcast_ref::<io::Error>());
        assert_eq!(io.and_then(io::Error::raw_os_error), Some(libc::EIO));
        assert!(e
            .to_string()
            .starts_with("could not read /srv/a.jar: could not read it"));
    }
}
