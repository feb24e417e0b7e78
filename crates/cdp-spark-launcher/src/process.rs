//! spark-submit as a child process: its output kept in bounded tail
//! buffers, its process group signalled as a whole, and a run to completion
//! under a time limit.

use std::collections::VecDeque;
use std::process::ExitStatus;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cdp_spark_domain::cause;
use cdp_spark_domain::ports::LaunchError;
use cdp_spark_domain::redact::Redactor;
use nix::errno::Errno;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Child;
use tokio::task::JoinHandle;
use tracing::{debug, warn};

use crate::command::SparkSubmitCommand;

/// Bytes of each output stream kept (the end of it).
pub(crate) const TAIL_BYTES: usize = 64 * 1024;

/// The last `max` bytes written to it.
#[derive(Debug)]
pub(crate) struct TailBuffer {
    max: usize,
    data: VecDeque<u8>,
    total: u64,
}

impl TailBuffer {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            max,
            data: VecDeque::new(),
            total: 0,
        }
    }

    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.total += bytes.len() as u64;
        let bytes = if bytes.len() > self.max {
            &bytes[bytes.len() - self.max..]
        } else {
            bytes
        };
        let overflow = (self.data.len() + bytes.len()).saturating_sub(self.max);
        self.data.drain(..overflow);
        self.data.extend(bytes);
    }

    /// Bytes written to it in all.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    pub(crate) fn text(&self) -> String {
        let (a, b) = self.data.as_slices();
        let mut v = Vec::with_capacity(a.len() + b.len());
        v.extend_from_slice(a);
        v.extend_from_slice(b);
        String::from_utf8_lossy(&v).into_owned()
    }
}

pub(crate) type SharedTail = Arc<Mutex<TailBuffer>>;

pub(crate) fn shared_tail() -> SharedTail {
    Arc::new(Mutex::new(TailBuffer::new(TAIL_BYTES)))
}

pub(crate) fn tail_text(tail: &SharedTail) -> String {
    match tail.lock() {
        Ok(t) => t.text(),
        Err(poisoned) => poisoned.into_inner().text(),
    }
}

/// Reads a child's stream to its end into `tail` (and into `also`: a
/// run's log, which takes both streams).
pub(crate) fn drain<R>(mut reader: R, tail: SharedTail, also: Option<SharedTail>) -> JoinHandle<()>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut buf = vec![0u8; 8192];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    for t in std::iter::once(&tail).chain(also.as_ref()) {
                        match t.lock() {
                            Ok(mut t) => t.push(&buf[..n]),
                            Err(poisoned) => poisoned.into_inner().push(&buf[..n]),
                        }
                    }
                }
            }
        }
    })
}

/// Sends `signal` to the process group led by `pid`. A group that is gone
/// already is not an error.
pub(crate) fn signal_group(pid: u32, signal: Signal) -> Result<(), String> {
    let Ok(raw) = i32::try_from(pid) else {
        return Err(format!("process id {pid} is out of range"));
    };
    match killpg(Pid::from_raw(raw), signal) {
        Ok(()) | Err(Errno::ESRCH) => Ok(()),
        Err(e) => Err(format!(
            "could not send {signal} to process group {pid}: {e}"
        )),
    }
}

/// Spawns the command (in its own process group), reporting a missing
/// program in words an operator can act on.
pub(crate) fn spawn(cmd: &SparkSubmitCommand) -> Result<Child, LaunchError> {
    cmd.to_command().spawn().map_err(|e| {
        let program = cmd.program.display();
        if e.kind() == std::io::ErrorKind::NotFound {
            LaunchError::Submit(cause!(
                "cannot run {program}: not found; set the launcher's spark_home to a Spark installation (scripts/install-spark.sh installs one) or put spark-submit on PATH"
            ))
        } else {
            LaunchError::Submit(cause!("cannot run {program}: {e}"))
        }
        .caused_by(e)
    })
}

/// What a finished spark-submit left.
#[derive(Debug)]
pub(crate) struct Finished {
    /// `None` when it did not end within the time limit and was killed.
    pub status: Option<ExitStatus>,
    /// The end of its output as printed, to read ids from: never shown.
    pub raw_output: String,
    /// The end of its standard output and error, redacted: what messages
    /// and logs may quote.
    pub stdout: String,
    pub stderr: String,
}

/// Runs the command to its end, killing its whole process group when it
/// takes longer than `timeout` (then `status` is `None`; the output it
/// printed until then is kept). Its output comes back redacted by
/// `redactor` too.
pub(crate) async fn run_to_end(
    cmd: &SparkSubmitCommand,
    timeout: Duration,
    redactor: &Redactor,
) -> Result<Finished, LaunchError> {
    let mut child = spawn(cmd)?;
    let pid = child.id();
    let out_tail = shared_tail();
    let err_tail = shared_tail();
    let readers = [
        child
            .stdout
            .take()
            .map(|s| drain(s, out_tail.clone(), None)),
        child
            .stderr
            .take()
            .map(|s| drain(s, err_tail.clone(), None)),
    ];
    let status = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) => Some(status),
        Ok(Err(e)) => {
            return Err(LaunchError::Submit(cause!(
                "waiting for spark-submit failed: {e}"
            )));
        }
        Err(_) => {
            warn!(
                pid,
                seconds = timeout.as_secs(),
                "spark-submit hung; killing its process group"
            );
            if let Some(pid) = pid {
                terminate_group(&mut child, pid, Duration::from_secs(2)).await;
            }
            None
        }
    };
    // The streams end when the last process holding them exits; a
    // straggler of the group must not hold the launch up.
    for reader in readers.into_iter().flatten() {
        if tokio::time::timeout(Duration::from_secs(2), reader)
            .await
            .is_err()
        {
            debug!("spark-submit output still open after it exited; not waiting for it");
        }
    }
    if let (Some(pid), Some(_)) = (pid, status) {
        // Anything spark-submit left behind in its group goes with it.
        let _ = signal_group(pid, Signal::SIGKILL);
    }
    let (stdout, stderr) = (tail_text(&out_tail), tail_text(&err_tail));
    Ok(Finished {
        status,
        raw_output: format!("{stderr}\n{stdout}"),
        stdout: redactor.text(&stdout),
        stderr: redactor.text(&stderr),
    })
}

/// SIGTERM to the group, SIGKILL after `grace`, then reap the leader.
pub(crate) async fn terminate_group(child: &mut Child, pid: u32, grace: Duration) {
    if let Err(e) = signal_group(pid, Signal::SIGTERM) {
        warn!("{e}");
    }
    if tokio::time::timeout(grace, child.wait()).await.is_err() {
        if let Err(e) = signal_group(pid, Signal::SIGKILL) {
            warn!("{e}");
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
    } else {
        let _ = signal_group(pid, Signal::SIGKILL);
    }
}

/// A short account of a failed spark-submit: the exit, the first exception
/// line, and the last lines of its error output.
pub(crate) fn failure_summary(
    what: &str,
    status: &ExitStatus,
    stderr: &str,
    stdout: &str,
) -> String {
    use std::os::unix::process::ExitStatusExt;
    let exit = match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with code {code}"),
        (None, Some(signal)) => format!("was terminated by signal {signal}"),
        _ => "ended".to_string(),
    };
    let mut out = format!("{what} {exit}");
    let first_exception = stderr.lines().chain(stdout.lines()).find(|l| {
        l.starts_with("Exception in thread")
            || l.contains("Exception: ")
            || l.starts_with("Error: ")
    });
    if let Some(line) = first_exception {
        out.push_str(": ");
        out.push_str(line.trim());
    }
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = &lines[lines.len().saturating_sub(20)..];
    if !tail.is_empty() {
        out.push_str("\n--- last lines of its output ---\n");
        out.push_str(&tail.join("\n"));
    }
    const MAX: usize = 6000;
    if out.len() > MAX {
        let mut cut = out.len() - MAX;
        while !out.is_char_boundary(cut) {
            cut += 1;
        }
        out = format!("…{}", &out[cut..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_buffer_keeps_the_end() {
        let mut t = TailBuffer::new(5);
        t.push(b"abc");
        t.push(b"defg");
        assert_eq!(t.text(), "cdefg");
        t.push(b"0123456789");
        assert_eq!(t.text(), "56789");
        assert_eq!(t.total, 17);
    }

    #[test]
    fn failure_summary_names_exit_and_exception() {
        use std::os::unix::process::ExitStatusExt;
        let status = ExitStatus::from_raw(1 << 8);
        let stderr = "WARN x\nException in thread \"main\" java.lang.IllegalStateException: boom\n\tat A.main(A.java:1)\n";
        let s = failure_summary("spark-submit", &status, stderr, "");
        assert!(s.starts_with("spark-submit exited with code 1: Exception in thread \"main\" java.lang.IllegalStateException: boom"), "{s}");
        assert!(s.contains("at A.main"), "{s}");
        let killed = failure_summary("spark-submit", &ExitStatus::from_raw(9), "", "");
        assert_eq!(killed, "spark-submit was terminated by signal 9");
    }
}
