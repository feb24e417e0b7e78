//! The SQLite file the store has open, and whether its path still names it.
//!
//! SQLite keeps writing to a database file that was deleted or renamed
//! while it was open: every commit succeeds, into an inode no path names
//! any more, and the next start opens (or creates) whatever is at the path.
//! In WAL mode SQLite does not notice this itself (its `SQLITE_READONLY_DBMOVED`
//! check belongs to the rollback journal). So the store remembers the
//! file's identity (device and inode) when it opens it, and before every
//! write (one `stat`, two with the WAL) and on every readiness check it
//! makes sure the path still names that file and, in WAL mode, that the
//! write-ahead log is still there. If not, the write is refused with an
//! error that says so, the operator's log says it loudly (error level,
//! with the path), and `/ready` answers 503.
//!
//! Connections the pool opens later open the file only if it exists
//! (`mode=rw`: no new empty database is created in its place, and no
//! directory either) and only if it is still the same file.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cdp_spark_domain::cause;
use cdp_spark_domain::ports::StoreError;

/// Every error about a database file that is no longer at its path says
/// this (see [`is_database_file_gone`]).
pub const DATABASE_FILE_GONE: &str =
    "the job store's SQLite database file is no longer at its path";

/// Whether `e` is the store refusing to work because its SQLite file was
/// removed, moved or replaced while open.
pub fn is_database_file_gone(e: &StoreError) -> bool {
    matches!(e, StoreError::Unavailable(m) if m.contains(DATABASE_FILE_GONE))
}

/// Device and inode: what names a file, whatever its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    fn of(meta: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Self {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
}

impl std::fmt::Display for FileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "device {} inode {}", self.dev, self.ino)
    }
}

/// The SQLite file of an open store.
#[derive(Debug)]
pub(crate) struct DatabaseFile {
    path: PathBuf,
    wal_path: PathBuf,
    id: FileId,
    /// The database is in WAL mode: while the store is open (it keeps a
    /// connection open for its whole life), its `-wal` file exists.
    wal: bool,
    /// Error lines about refused writes, at most one per [`LOUD_EVERY`].
    refused: Throttle,
}

/// How often the same fault of the store is logged at error level.
pub(crate) const LOUD_EVERY: Duration = Duration::from_secs(30);

impl DatabaseFile {
    /// The file now at `path` (which must exist).
    pub(crate) fn identify(path: &Path, wal: bool) -> Result<Self, StoreError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let meta = std::fs::metadata(&path).map_err(|e| {
            StoreError::Unavailable(cause!(
                "the SQLite database file {} cannot be read after opening it: {e}",
                path.display()
            ))
            .caused_by(e)
        })?;
        let mut wal_path = path.clone().into_os_string();
        wal_path.push("-wal");
        Ok(Self {
            id: FileId::of(&meta),
            wal_path: PathBuf::from(wal_path),
            path,
            wal,
            refused: Throttle::new(LOUD_EVERY),
        })
    }

    /// The file as an SQLite URI that opens it only if it exists, never
    /// creating it: `file:///abs/path?mode=rw` (`%`, `?` and `#` escaped).
    pub(crate) fn open_existing_uri(&self) -> Option<String> {
        let text = self.path.to_str()?;
        let mut out = String::with_capacity(text.len() + 16);
        out.push_str("file://");
        for c in text.chars() {
            match c {
                '%' => out.push_str("%25"),
                '?' => out.push_str("%3F"),
                '#' => out.push_str("%23"),
                c => out.push(c),
            }
        }
        out.push_str("?mode=rw");
        Some(out)
    }

    /// Whether the path still names the file the store opened (and, in WAL
    /// mode, whether its write-ahead log is still there: the store keeps a
    /// connection open, so SQLite never deletes it meanwhile).
    pub(crate) fn check(&self) -> Result<(), StoreError> {
        let now = match std::fs::metadata(&self.path) {
            Ok(meta) => FileId::of(&meta),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(self.gone(&format!(
                    "no file is at {} any more (deleted or moved, or its directory was)",
                    self.path.display()
                )));
            }
            Err(e) => {
                let detail = format!("{} cannot be checked ({e})", self.path.display());
                return Err(self.gone(&detail).caused_by(e));
            }
        };
        if now != self.id {
            return Err(self.gone(&format!(
                "{} is now another file ({now}) than the one the store opened ({})",
                self.path.display(),
                self.id
            )));
        }
        if self.wal {
            if let Err(e) = std::fs::symlink_metadata(&self.wal_path) {
                let what = if e.kind() == io::ErrorKind::NotFound {
                    "was deleted".to_string()
                } else {
                    format!("cannot be checked ({e})")
                };
                return Err(StoreError::Unavailable(cause!(
                    "{DATABASE_FILE_GONE} in full: its write-ahead log {} {what} while the store has it open, so commits not yet copied into {} would be lost if the process stopped abruptly; \
                     the job store refuses to write. A clean stop of the provisioner copies them into the database file: restart it",
                    self.wal_path.display(),
                    self.path.display()
                )).caused_by(e));
            }
        }
        Ok(())
    }

    fn gone(&self, what: &str) -> StoreError {
        StoreError::Unavailable(cause!(
            "{DATABASE_FILE_GONE}: {what}. Anything written now would be lost at the next start, so the job store refuses to write. \
             The provisioner (pid {pid}) still has the old file open: before stopping it, copy the database and its -wal file out of /proc/{pid}/fd \
             (`ls -l /proc/{pid}/fd` shows them as deleted) or restore the data directory from a backup, put them back at {path}, then restart the provisioner",
            pid = std::process::id(),
            path = self.path.display()
        ))
    }

    /// Logs `e` at error level, at most once per [`LOUD_EVERY`] (with how
    /// many were left out since).
    pub(crate) fn log_refused(&self, op: &str, e: &StoreError) {
        if let Some(suppressed) = self.refused.allow() {
            tracing::error!(
                op,
                database = %self.path.display(),
                suppressed,
                error = %e,
                "the job store's SQLite file was removed or replaced while open: writes are refused and /ready answers 503"
            );
        }
    }

    /// Logs a failed write at error level with what explains the usual
    /// causes: the sizes of the files, the process's file size limit, free
    /// space. `suppressed`: similar lines left out since the last one.
    pub(crate) fn log_write_failure(&self, op: &str, e: &StoreError, suppressed: u64) {
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).ok();
        let database_bytes = size(&self.path);
        let wal_bytes = size(&self.wal_path);
        let limit = file_size_limit();
        let free = self.path.parent().and_then(free_bytes);
        let mut hints = Vec::new();
        if let Some(limit) = limit {
            let largest = database_bytes.max(wal_bytes).unwrap_or(0);
            hints.push(format!(
                "this process may write files of at most {limit} bytes (RLIMIT_FSIZE, `ulimit -f`){}",
                if largest + 64 * 1024 >= limit {
                    " and the store's files have reached it: raise the limit"
                } else {
                    ""
                }
            ));
        }
        if let Some(free) = free {
            hints.push(format!("{free} bytes are free on its filesystem"));
        }
        tracing::error!(
            op,
            database = %self.path.display(),
            database_bytes,
            wal_bytes,
            file_size_limit = limit,
            free_bytes = free,
            suppressed,
            error = %e,
            "a write to the job store's SQLite file failed{}{}",
            if hints.is_empty() { "" } else { ": " },
            hints.join("; ")
        );
    }
}

/// The process's file size limit (`RLIMIT_FSIZE`) in bytes, when it has one.
fn file_size_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the limit into the struct it is given.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &mut limit) };
    (rc == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}

/// Bytes an unprivileged process may still write on the filesystem of `dir`.
fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let text = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs fills the zeroed struct from a NUL-terminated path.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statvfs(text.as_ptr(), &mut stat) };
    (rc == 0).then(|| (stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64))
}

/// Lets a message through at most once per period; counts the others.
#[derive(Debug)]
pub(crate) struct Throttle {
    every: Duration,
    last: Mutex<Option<Instant>>,
    suppressed: AtomicU64,
}

impl Throttle {
    pub(crate) fn new(every: Duration) -> Self {
        Self {
            every,
            last: Mutex::new(None),
            suppressed: AtomicU64::new(0),
        }
    }

    /// `Some(how many were held back since the last one)` when a message
    /// may go out now.
    pub(crate) fn allow(&self) -> Option<u64> {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if last.is_some_and(|at| now.duration_since(at) < self.every) {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        *last = Some(now);
        Some(self.suppressed.swap(0, Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removed_or_replaced_file_is_noticed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db.sqlite3");
        std::fs::write(&path, b"x").expect("write");
        let file = DatabaseFile::identify(&path, false).expect("identify");
        file.check().expect("same file");

        std::fs::remove_file(&path).expect("remove");
        let e = file.check().expect_err("removed");
        assert!(is_database_file_gone(&e), "{e}");
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");

        // Another file at the same path (a restored copy) is not the open one.
        std::fs::write(&path, b"x").expect("write again");
        let other = std::fs::metadata(&path).expect("meta");
        if FileId::of(&other) != file.id {
            let e = file.check().expect_err("replaced");
            assert!(
                is_database_file_gone(&e) && e.to_string().contains("another file"),
                "{e}"
            );
        }

        // The directory gone with it.
        let file = DatabaseFile::identify(&path, false).expect("identify");
        std::fs::remove_dir_all(dir.path()).expect("rm -rf");
        assert!(is_database_file_gone(&file.check().expect_err("rm -rf")));
    }

    #[test]
    fn a_deleted_wal_is_noticed_in_wal_mode_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db.sqlite3");
        std::fs::write(&path, b"x").expect("write");
        let wal = dir.path().join("db.sqlite3-wal");
        std::fs::write(&wal, b"w").expect("wal");
        let file = DatabaseFile::identify(&path, true).expect("identify");
        file.check().expect("both there");
        std::fs::remove_file(&wal).expect("rm wal");
        let e = file.check().expect_err("wal gone");
        assert!(
            is_database_file_gone(&e) && e.to_string().contains("write-ahead log"),
            "{e}"
        );
        DatabaseFile::identify(&path, false)
            .expect("identify")
            .check()
            .expect("not in WAL mode: no WAL expected");
    }

    #[test]
    fn uris_open_existing_files_only_and_escape_uri_characters() {
        let file = DatabaseFile {
            path: PathBuf::from("/data/a?b#c%d/x.db"),
            wal_path: PathBuf::from("/data/x.db-wal"),
            id: FileId { dev: 1, ino: 2 },
            wal: true,
            refused: Throttle::new(LOUD_EVERY),
        };
        assert_eq!(
            file.open_existing_uri().as_deref(),
            Some("file:///data/a%3Fb%23c%25d/x.db?mode=rw")
        );
    }

    #[test]
    fn the_throttle_lets_one_through_per_period_and_counts_the_rest() {
        let t = Throttle::new(Duration::from_secs(3600));
        assert_eq!(t.allow(), Some(0));
        assert_eq!(t.allow(), None);
        assert_eq!(t.allow(), None);
        let t = Throttle::new(Duration::ZERO);
        assert_eq!(t.allow(), Some(0));
        assert_eq!(t.allow(), Some(0));
    }
}
