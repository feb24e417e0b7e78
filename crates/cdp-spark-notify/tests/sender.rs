//! The sender against a real HTTP server on 127.0.0.1 (a small HTTP/1.1
//! server on a tokio listener): the first two POSTs answer 503, the third
//! 200; the delivery is retried with backoff, keeps its idempotency key
//! and ends sent; a 404 is given up at once. The outbox is an in-memory
//! `OutboxPort` that applies the same lease rule.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cdp_spark_domain::notify::{Delivery, EventKind, RetryPolicy};
use cdp_spark_domain::ports::{OutboxEntry, OutboxPort, StoreError};
use cdp_spark_notify::{Sender, SenderConfig, SenderObserver, Webhook, WebhookNotifier};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
struct Received {
    idempotency_key: String,
    authorization: String,
    body: String,
    at: Instant,
}

/// Answers each request with the next status of `script` (then 200).
async fn server(script: Vec<u16>) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        let mut script = script.into_iter();
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let (head, body) = loop {
                let n = sock.read(&mut chunk).await.expect("read");
                buf.extend_from_slice(&chunk[..n]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..i]).to_string();
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().expect("length"))
                        })
                        .unwrap_or(0);
                    while buf.len() < i + 4 + len {
                        let n = sock.read(&mut chunk).await.expect("read");
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    break (
                        head,
                        String::from_utf8_lossy(&buf[i + 4..i + 4 + len]).to_string(),
                    );
                }
            };
            let header = |name: &str| {
                head.lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
                    })
                    .unwrap_or_default()
            };
            log.lock().unwrap().push(Received {
                idempotency_key: header("idempotency-key"),
                authorization: header("authorization"),
                body,
                at: Instant::now(),
            });
            let status = script.next().unwrap_or(200);
            let answer =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = sock.write_all(answer.as_bytes()).await;
        }
    });
    (url, seen)
}

/// A delivery, when it is due (none: claimed) and its last outcome.
type Row = (OutboxEntry, Option<Instant>, Option<Delivery>);

/// One delivery per entry, leased as the store leases it.
#[derive(Default)]
struct MemoryOutbox {
    rows: Mutex<Vec<Row>>,
    purges: Mutex<u32>,
}

#[async_trait]
impl OutboxPort for MemoryOutbox {
    async fn claim_notifications(
        &self,
        limit: usize,
        _lease: Duration,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut rows = self.rows.lock().unwrap();
        let now = Instant::now();
        let mut out = Vec::new();
        for (e, due, state) in rows.iter_mut() {
            let pending = matches!(state, None | Some(Delivery::Retry { .. }));
            if pending && due.is_some_and(|d| d <= now) && out.len() < limit {
                e.attempts += 1;
                e.lease = format!("lease-{}", e.attempts);
                *due = None;
                out.push(e.clone());
            }
        }
        Ok(out)
    }

    async fn complete_notification(
        &self,
        entry: &OutboxEntry,
        outcome: &Delivery,
    ) -> Result<bool, StoreError> {
        let mut rows = self.rows.lock().unwrap();
        let row = rows
            .iter_mut()
            .find(|(e, _, _)| e.event_id == entry.event_id && e.lease == entry.lease);
        let Some((_, due, state)) = row else {
            return Ok(false);
        };
        if let Delivery::Retry { after, .. } = outcome {
            *due = Some(Instant::now() + *after);
        }
        *state = Some(outcome.clone());
        Ok(true)
    }

    async fn purge_notifications(&self, _older_than: Duration) -> Result<u64, StoreError> {
        let mut rows = self.rows.lock().unwrap();
        let before = rows.len();
        rows.retain(|(_, _, s)| !matches!(s, Some(Delivery::Sent | Delivery::Failed { .. })));
        *self.purges.lock().unwrap() += 1;
        Ok((before - rows.len()) as u64)
    }
}

#[derive(Default)]
struct Counts(Mutex<Vec<&'static str>>);

impl SenderObserver for Counts {
    fn delivered(&self, outcome: &'static str) {
        self.0.lock().unwrap().push(outcome);
    }
}

fn entry(id: &str, target: &str) -> OutboxEntry {
    OutboxEntry {
        event_id: id.into(),
        kind: EventKind::RunFailed,
        target: target.into(),
        payload: format!("{{\"eventId\":\"{id}\"}}"),
        attempts: 0,
        lease: String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_with_backoff_then_delivers_with_one_idempotency_key() {
    let (flaky_url, flaky) = server(vec![503, 503]).await;
    let (gone_url, gone) = server(vec![404]).await;
    let notifier = WebhookNotifier::new(
        &[
            Webhook {
                name: "flaky".into(),
                url: flaky_url,
                headers: vec![("Authorization".into(), "Bearer t0ken".into())],
            },
            Webhook {
                name: "gone".into(),
                url: gone_url,
                headers: vec![],
            },
        ],
        Duration::from_secs(2),
    )
    .expect("notifier");
    let outbox = Arc::new(MemoryOutbox::default());
    {
        let mut rows = outbox.rows.lock().unwrap();
        rows.push((entry("e-1", "flaky"), Some(Instant::now()), None));
        rows.push((entry("e-2", "gone"), Some(Instant::now()), None));
    }
    let counts = Arc::new(Counts::default());
    let handle = Sender::start(
        SenderConfig {
            retry: RetryPolicy {
                max_attempts: 5,
                initial_backoff: Duration::from_millis(200),
                max_backoff: Duration::from_secs(5),
            },
            poll_interval: Duration::from_millis(20),
            max_concurrent: 2,
            lease: Duration::from_secs(10),
            batch_size: 10,
            retention: Duration::from_secs(3600),
        },
        outbox.clone(),
        Arc::new(notifier),
        counts.clone(),
    );
    let started = Instant::now();
    while flaky.lock().unwrap().len() < 3 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    handle.stop().await;

    let flaky = flaky.lock().unwrap().clone();
    assert_eq!(flaky.len(), 3, "two 503s, then the 200");
    assert!(flaky.iter().all(|r| r.idempotency_key == "e-1"));
    assert!(flaky.iter().all(|r| r.authorization == "Bearer t0ken"));
    assert!(flaky.iter().all(|r| r.body == "{\"eventId\":\"e-1\"}"));
    // Backoff: 200 ms after the first failure, 400 ms after the second.
    let gaps: Vec<Duration> = flaky.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps[0] >= Duration::from_millis(200), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(400), "{gaps:?}");
    assert_eq!(gone.lock().unwrap().len(), 1, "a 404 is not tried again");

    assert_eq!(
        *outbox.purges.lock().unwrap(),
        1,
        "purged once at start, not again within the hour"
    );
    let rows = outbox.rows.lock().unwrap();
    assert_eq!(rows[0].0.attempts, 3);
    assert_eq!(rows[0].2, Some(Delivery::Sent));
    assert!(matches!(&rows[1].2, Some(Delivery::Failed { error }) if error.contains("404")));
    let mut seen = counts.0.lock().unwrap().clone();
    seen.sort();
    assert_eq!(seen, ["failed", "retry", "retry", "sent"]);
}

#[tokio::test]
async fn an_unreachable_webhook_is_a_transport_failure_without_the_secret() {
    use cdp_spark_domain::notify::AttemptResult;
    use cdp_spark_domain::ports::NotifierPort;
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let n = WebhookNotifier::new(
        &[Webhook {
            name: "down".into(),
            url: format!("http://127.0.0.1:{port}/x?token=s3cret"),
            headers: vec![],
        }],
        Duration::from_millis(500),
    )
    .expect("notifier");
    match n.post("down", "e", "{}").await {
        AttemptResult::Transport(e) => assert!(!e.contains("s3cret"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        n.post("unknown", "e", "{}").await,
        AttemptResult::Transport(_)
    ));
}
