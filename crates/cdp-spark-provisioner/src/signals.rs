//! Signal dispositions set once at start.
//!
//! `SIGXFSZ`: a write past the process's file size limit (`RLIMIT_FSIZE`,
//! `ulimit -f`) sends it, and its default action ends the process at once,
//! without a log line, in the middle of whatever it was doing. Ignored, the
//! same write fails with `EFBIG` instead: the job store answers it as an
//! error, logged at error level and answered as a `SystemError`, and the
//! process goes on (the limit can be raised without a restart, with
//! `prlimit`). Ignored signals stay ignored across `exec`, so spark-submit
//! children also get `EFBIG` (a Java `IOException: File too large`) rather
//! than being killed.

/// Applies the dispositions; call first thing in `main`, before anything
/// writes a file.
pub fn apply() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_IGN installs no handler
    // code; called from `main` before any other thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}
