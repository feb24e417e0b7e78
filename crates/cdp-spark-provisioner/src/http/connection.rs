//! The HTTP server, built from actix's own parts (actix-server and
//! actix-http, as `HttpServer` builds it) so that each TCP connection can be
//! wrapped in a [`GuardedStream`] before actix reads it. The wrapper does
//! two things no actix setting does:
//!
//! - **JSON for the answers actix gives before any service runs.** A
//!   request head actix cannot parse (a request target over 65,534 bytes,
//!   a head over 128 KiB or with more than 96 headers, a malformed request
//!   line or header, no `Host`) or that does not arrive within
//!   `server.client_request_timeout_ms` is answered by actix's HTTP/1
//!   dispatcher itself, with an empty body (400, 408, 431), and closed; no
//!   middleware sees it. The wrapper recognises that answer as it is
//!   written (a head with only `content-length: 0`, `connection` and
//!   `date`, which no answer of the app has: they all carry
//!   `x-request-id`) and writes in its place a JSON [`Problem`] with a
//!   request id, as 414 when the request target was the problem.
//! - **A bound on slow readers.** A client that stops reading the answer
//!   holds the connection and its write buffer; when no byte can be written
//!   for `server.client_write_timeout_secs` the connection is dropped.
//!
//! The limits of the connections themselves (how many, keep-alive, how
//! long a head may take) are actix's, set from [`ConnectionLimits`].

use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_http::{HttpService, KeepAlive};
use actix_service::{fn_service, map_config, IntoServiceFactory, ServiceFactoryExt};
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::rt::net::TcpStream;
use actix_web::App;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;
use tracing::{debug, info};

use super::errors::Problem;
use super::metrics::Metrics;
use super::telemetry::{new_request_id, REQUEST_ID_HEADER};

/// The longest request target actix reads (the `http` crate's `Uri`).
pub const MAX_TARGET_BYTES: usize = 65_534;
/// The largest request head actix reads.
pub const MAX_HEAD_KIB: usize = 128;
/// The most headers a request may have.
pub const MAX_HEADERS: usize = 96;

/// How long actix waits for a closing connection's client, as `HttpServer`.
const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Bounds on connections and slow clients (`[server]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections served at once, all workers together; more wait in the
    /// listen backlog.
    pub max_connections: usize,
    /// A new connection's request head must arrive within this.
    pub client_request_timeout: Duration,
    /// A request body must arrive within this after its head.
    pub client_body_timeout: Duration,
    /// A connection whose client reads nothing of the answer for this long
    /// is dropped.
    pub client_write_timeout: Duration,
    /// An idle keep-alive connection is closed after this; zero: no
    /// keep-alive.
    pub keep_alive: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self::from(&crate::config::ServerSettings::default())
    }
}

impl From<&crate::config::ServerSettings> for ConnectionLimits {
    fn from(s: &crate::config::ServerSettings) -> Self {
        Self {
            max_connections: s.max_connections,
            client_request_timeout: Duration::from_millis(s.client_request_timeout_ms),
            client_body_timeout: Duration::from_secs(s.client_body_timeout_secs),
            client_write_timeout: Duration::from_secs(s.client_write_timeout_secs),
            keep_alive: Duration::from_secs(s.keep_alive_secs),
        }
    }
}

/// Connections each worker serves at once: its share of the total.
pub fn per_worker(max_connections: usize, workers: usize) -> usize {
    max_connections.div_ceil(workers.max(1)).max(1)
}

/// Serve the app made by `app` on `listener` with `workers` threads (one
/// per core when `None`), each connection behind a [`GuardedStream`].
pub fn serve<F, T, B>(
    app: F,
    listener: TcpListener,
    workers: Option<usize>,
    shutdown_timeout: Duration,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
) -> io::Result<Server>
where
    F: Fn() -> App<T> + Send + Clone + 'static,
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    B: MessageBody + 'static,
{
    let workers = workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let addr = listener.local_addr()?;
    let keep_alive = if limits.keep_alive.is_zero() {
        KeepAlive::Disabled
    } else {
        KeepAlive::Timeout(limits.keep_alive)
    };
    let server = actix_server::Server::build()
        .workers(workers)
        .max_concurrent_connections(per_worker(limits.max_connections, workers))
        .shutdown_timeout(shutdown_timeout.as_secs())
        .listen("cdp-spark-provisioner-http", listener, move || {
            let app = app()
                .into_factory()
                .map_err(|e: actix_web::Error| e.error_response());
            let http = HttpService::build()
                .keep_alive(keep_alive)
                .client_request_timeout(limits.client_request_timeout)
                .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
                .h1_allow_half_closed(true)
                .local_addr(addr)
                .h1(map_config(app, |_| AppConfig::default()));
            let guard = Arc::new(GuardSettings {
                write_timeout: limits.client_write_timeout,
                request_timeout: limits.client_request_timeout,
                metrics: Arc::clone(&metrics),
            });
            fn_service(move |io: TcpStream| {
                let guard = Arc::clone(&guard);
                async move {
                    let peer = io.peer_addr().ok();
                    Ok::<_, actix_http::error::DispatchError>((
                        GuardedStream::new(io, peer, guard),
                        peer,
                    ))
                }
            })
            .and_then(http)
        })?
        .run();
    Ok(server)
}

/// What every [`GuardedStream`] of a worker shares.
struct GuardSettings {
    write_timeout: Duration,
    request_timeout: Duration,
    metrics: Arc<Metrics>,
}

/// What was read of a connection's first request head, for the answer to
/// a head actix refused.
#[derive(Debug, Default)]
struct FirstHead {
    /// Bytes read so far (counted until the head ended).
    read: usize,
    /// Length of the request line with its line end, once it ended.
    line: Option<usize>,
    /// Line ends in a row (`\r` ignored): two end the head.
    line_ends: u8,
    /// The head ended.
    complete: bool,
}

impl FirstHead {
    fn scan(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.complete {
                return;
            }
            self.read += 1;
            match b {
                b'\n' => {
                    self.line.get_or_insert(self.read);
                    self.line_ends += 1;
                    if self.line_ends == 2 {
                        self.complete = true;
                    }
                }
                b'\r' => {}
                _ => self.line_ends = 0,
            }
        }
    }

    /// The request target was too long: the request line is longer than
    /// any target actix reads (or has not ended after that many bytes).
    fn target_too_long(&self) -> bool {
        self.line.unwrap_or(self.read) > MAX_TARGET_BYTES
    }
}

/// A connection as actix sees it (see the module's documentation).
pub struct GuardedStream<S = TcpStream> {
    io: S,
    peer: Option<SocketAddr>,
    guard: Arc<GuardSettings>,
    first: FirstHead,
    /// Bytes written to the client so far.
    written: u64,
    /// The JSON answer being written in place of actix's empty one: its
    /// bytes, how many are written, and how many of actix's it stands for.
    replacing: Option<(Vec<u8>, usize, usize)>,
    /// Runs while the client reads nothing.
    stall: Option<Pin<Box<Sleep>>>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> GuardedStream<S> {
    fn new(io: S, peer: Option<SocketAddr>, guard: Arc<GuardSettings>) -> Self {
        Self {
            io,
            peer,
            guard,
            first: FirstHead::default(),
            written: 0,
            replacing: None,
            stall: None,
        }
    }

    /// `Pending` became true for a write: has the client read nothing for
    /// too long? (Polling the timer wakes the connection when it expires.)
    fn stalled(&mut self, cx: &mut Context<'_>) -> bool {
        let timeout = self.guard.write_timeout;
        let sleep = self
            .stall
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        sleep.as_mut().poll(cx).is_ready()
    }

    fn stall_error(&self) -> io::Error {
        debug!(peer = ?self.peer, "dropped a connection whose client read nothing of the answer");
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "the client read nothing of the answer for {} s (server.client_write_timeout_secs)",
                self.guard.write_timeout.as_secs()
            ),
        )
    }

    /// Write the replacement answer; `Ready(Ok(n))` with the length of
    /// actix's answer once all of it is written.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        loop {
            let Some((bytes, done, stands_for)) = self.replacing.as_mut() else {
                return Poll::Ready(Ok(0));
            };
            if *done == bytes.len() {
                let n = *stands_for;
                self.replacing = None;
                return Poll::Ready(Ok(n));
            }
            match Pin::new(&mut self.io).poll_write(cx, &bytes[*done..]) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(io::Error::from(io::ErrorKind::WriteZero)))
                }
                Poll::Ready(Ok(n)) => {
                    *done += n;
                    self.written += n as u64;
                    self.stall = None;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => break,
            }
        }
        if self.stalled(cx) {
            return Poll::Ready(Err(self.stall_error()));
        }
        Poll::Pending
    }

    /// The JSON answer standing for actix's empty `status`.
    fn replacement(&self, status: u16, date: Option<&str>) -> Vec<u8> {
        let first_request = self.written == 0;
        let (status, code, message) = match status {
            400 | 431 if first_request && self.first.target_too_long() => (
                414,
                "URI_TOO_LONG",
                format!(
                    "the request target (path and query) is longer than {MAX_TARGET_BYTES} bytes, the most this server reads; nothing was processed"
                ),
            ),
            431 => (
                431,
                "REQUEST_HEADER_FIELDS_TOO_LARGE",
                format!(
                    "the request head (request line and headers) is larger than {MAX_HEAD_KIB} KiB, or has more than {MAX_HEADERS} headers; nothing was processed"
                ),
            ),
            408 => (
                408,
                "REQUEST_TIMEOUT",
                format!(
                    "no complete request head arrived within {} ms (server.client_request_timeout_ms); the connection is closed",
                    self.guard.request_timeout.as_millis()
                ),
            ),
            400 => (
                400,
                "BAD_REQUEST",
                "the request is not valid HTTP/1.1: its request line or a header is malformed (an invalid method, target or version, a header without a colon, no Host header, or both Content-Length and Transfer-Encoding); nothing was processed".to_string(),
            ),
            other => (
                other,
                "INTERNAL_SERVER_ERROR",
                "the HTTP server could not read the request; nothing was processed".to_string(),
            ),
        };
        let id = new_request_id();
        info!(request_id = %id, status, peer = ?self.peer, problem = %message, "refused a request head before routing");
        self.guard.metrics.refused_before_routing(status);
        let body = serde_json::to_string(&Problem::new(code, message)).unwrap_or_else(|_| {
            format!("{{\"error\":\"{code}\",\"message\":\"the request was refused\"}}")
        });
        let reason = actix_web::http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        let date = date.map(|d| format!("date: {d}\r\n")).unwrap_or_default();
        format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{REQUEST_ID_HEADER}: {id}\r\n{date}\r\n{body}",
            body.len()
        )
        .into_bytes()
    }
}

/// What [`dispatcher_error`] found: the status, the length of the head and
/// its `date` header.
struct DispatcherError<'a> {
    status: u16,
    head: usize,
    date: Option<&'a str>,
}

/// `Some(..)` when `buf` starts with one of the empty
/// error answers actix's HTTP/1 dispatcher writes on its own: a status of
/// 400, 408, 431 or 500, and no header but `content-length: 0`,
/// `connection` and `date`. No answer of the app looks so (each carries
/// `x-request-id`, and its errors a JSON body).
fn dispatcher_error(buf: &[u8]) -> Option<DispatcherError<'_>> {
    if !buf.starts_with(b"HTTP/1.") {
        return None;
    }
    let window = &buf[..buf.len().min(512)];
    let end = window.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let status: u16 = status_line.get(9..12)?.parse().ok()?;
    if !matches!(status, 400 | 408 | 431 | 500) {
        return None;
    }
    let mut empty = false;
    let mut date = None;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => empty = value.trim() == "0",
            "date" => date = Some(value.trim()),
            "connection" => {}
            _ => return None,
        }
    }
    empty.then_some(DispatcherError {
        status,
        head: end + 4,
        date,
    })
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for GuardedStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            if self.written == 0 && !self.first.complete {
                let new = &buf.filled()[before..];
                self.first.scan(new);
            }
        }
        polled
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for GuardedStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.replacing.is_none() {
            if let Some(found) = dispatcher_error(buf) {
                let bytes = this.replacement(found.status, found.date);
                this.replacing = Some((bytes, 0, found.head));
            }
        }
        if this.replacing.is_some() {
            return this.poll_replacement(cx);
        }
        match Pin::new(&mut this.io).poll_write(cx, buf) {
            Poll::Ready(Ok(n)) => {
                this.stall = None;
                this.written += n as u64;
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                if this.stalled(cx) {
                    return Poll::Ready(Err(this.stall_error()));
                }
                Poll::Pending
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.io).poll_flush(cx) {
            Poll::Pending => {
                if this.stalled(cx) {
                    return Poll::Ready(Err(this.stall_error()));
                }
                Poll::Pending
            }
            ready => ready,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_only_actix_s_own_empty_error_answers() {
        let date = "date: Wed, 02 Dec 2026 02:40:36 GMT";
        for status in [
            "400 Bad Request",
            "408 Request Timeout",
            "431 Request Header Fields Too Large",
        ] {
            let head = format!(
                "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n{date}\r\n\r\n"
            );
            let found = dispatcher_error(head.as_bytes()).expect(status);
            assert_eq!(found.status.to_string(), status[..3]);
            assert_eq!(found.head, head.len());
            assert_eq!(found.date, Some("Wed, 02 Dec 2026 02:40:36 GMT"));
        }
        for other in [
            // The app's answers carry a body or x-request-id.
            format!("HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\ncontent-type: application/json\r\n{date}\r\n\r\n"),
            format!("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nx-request-id: a\r\n{date}\r\n\r\n"),
            format!("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nx-request-id: a\r\n{date}\r\n\r\n"),
            format!("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n{date}\r\n\r\n"),
            // A body that merely contains such text does not start with it.
            "{\"x\":1}HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n".to_string(),
            // No end of head within the window.
            format!("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n{}", "x".repeat(600)),
        ] {
            assert!(dispatcher_error(other.as_bytes()).is_none(), "{other}");
        }
    }

    #[test]
    fn the_first_head_is_measured() {
        let mut h = FirstHead::default();
        h.scan(b"GET /a HTTP/1.1\r\nHost: x\r");
        assert_eq!(h.line, Some(17));
        assert!(!h.complete);
        h.scan(b"\n\r\nGET /b");
        assert!(h.complete);
        assert!(!h.target_too_long());

        let mut h = FirstHead::default();
        h.scan(&vec![b'a'; MAX_TARGET_BYTES + 10]);
        assert!(h.target_too_long(), "a request line that never ended");
    }

    fn settings(write_timeout: Duration) -> Arc<GuardSettings> {
        Arc::new(GuardSettings {
            write_timeout,
            request_timeout: Duration::from_millis(5000),
            metrics: Arc::new(Metrics::new()),
        })
    }

    #[tokio::test]
    async fn actix_s_empty_answer_is_written_as_json() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (server_side, mut client) = tokio::io::duplex(1 << 20);
        let mut stream = GuardedStream::new(server_side, None, settings(Duration::from_secs(5)));
        // The client sent a request line longer than actix reads.
        client
            .write_all(format!("GET /{} HTTP/1.1\r\n", "a".repeat(70_000)).as_bytes())
            .await
            .expect("send");
        let mut buf = vec![0u8; 1 << 17];
        let n = stream.read(&mut buf).await.expect("read");
        assert!(n > MAX_TARGET_BYTES);
        let actix = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\ndate: Wed, 02 Dec 2026 02:40:36 GMT\r\n\r\n";
        stream.write_all(actix).await.expect("write");
        stream.shutdown().await.expect("shutdown");
        let mut answer = String::new();
        client.read_to_string(&mut answer).await.expect("answer");
        assert!(
            answer.starts_with("HTTP/1.1 414 URI Too Long\r\n"),
            "{answer}"
        );
        assert!(answer.contains("\r\nx-request-id: "), "{answer}");
        assert!(answer.contains("\r\ndate: Wed, 02 Dec 2026"), "{answer}");
        let body = answer.split("\r\n\r\n").nth(1).expect("a body");
        let problem: Problem = serde_json::from_str(body).expect("JSON");
        assert_eq!(problem.error, "URI_TOO_LONG");
    }

    #[tokio::test]
    async fn a_client_that_reads_nothing_is_dropped() {
        use tokio::io::AsyncWriteExt;
        let (server_side, _client) = tokio::io::duplex(1024);
        let mut stream =
            GuardedStream::new(server_side, None, settings(Duration::from_millis(200)));
        let answer = vec![b'x'; 1 << 20];
        let started = std::time::Instant::now();
        let e = stream
            .write_all(&answer)
            .await
            .expect_err("the client never reads");
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert!(e.to_string().contains("client_write_timeout_secs"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_slow_but_reading_client_is_not_dropped() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (server_side, mut client) = tokio::io::duplex(1024);
        let mut stream =
            GuardedStream::new(server_side, None, settings(Duration::from_millis(300)));
        let reader = tokio::spawn(async move {
            let mut got = 0;
            let mut buf = [0u8; 512];
            while got < 8192 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                got += client.read(&mut buf).await.expect("read");
            }
            got
        });
        stream
            .write_all(&[b'y'; 8192])
            .await
            .expect("written, slowly");
        assert_eq!(reader.await.expect("reader"), 8192);
    }

    #[test]
    fn connections_are_shared_among_workers() {
        assert_eq!(per_worker(256, 2), 128);
        assert_eq!(per_worker(256, 3), 86);
        assert_eq!(per_worker(1, 8), 1);
        assert_eq!(per_worker(10, 0), 10);
    }
}
