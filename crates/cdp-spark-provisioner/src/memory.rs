//! Process memory policy, set once at start.
//!
//! glibc's malloc gives each thread that allocates its own arena (up to
//! eight per core), and an arena keeps the memory it once held. The
//! provisioner's allocations come from the async workers and from the
//! blocking threads that run database calls, a different thread for almost
//! every call, so with the default the resident set grows with the number
//! of threads rather than with the work: the scheduler benchmark at 2,000
//! fires per second measured 41–49 MB peak RSS with the default and 29 MB
//! with one arena, with the same fire lateness
//! (`cdp-spark-provisioner bench scheduler --triggers 2000`). The work is
//! I/O bound, so contention on one arena's lock does not show.
//!
//! An operator's own `MALLOC_ARENA_MAX` in the environment wins.

/// Arenas of glibc's malloc unless `MALLOC_ARENA_MAX` is set.
pub const ARENAS: i32 = 1;

/// Applies the policy; call before any thread is started.
pub fn apply() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only changes a malloc tuning parameter; it is
        // called from `main` before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, ARENAS);
        }
    }
}
