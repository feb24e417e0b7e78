//! After an HDFS call timed out: what a TCP connect to each NameNode finds,
//! so that the error says whether they are down, refusing, or slow.

use std::io;
use std::time::Duration;

/// What a TCP connect to one NameNode found.
pub(crate) struct Probe {
    pub(crate) refused: bool,
    pub(crate) text: String,
}

/// After a timeout: what a TCP connect to each NameNode finds.
pub(crate) async fn probe(namenodes: &[String], budget: Duration) -> Vec<Probe> {
    let probes = namenodes.iter().map(|address| async move {
        let (refused, text) =
            match tokio::time::timeout(budget, tokio::net::TcpStream::connect(address.as_str()))
                .await
            {
                Ok(Ok(_)) => (
                    false,
                    format!(
                        "{address} accepts TCP connections but did not answer the Hadoop RPC call"
                    ),
                ),
                Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
                    (true, format!("{address} refuses connections"))
                }
                Ok(Err(e)) => (false, format!("{address}: {e}")),
                Err(_) => (
                    false,
                    format!(
                        "{address} did not accept a TCP connection within {}",
                        human(budget)
                    ),
                ),
            };
        Probe { refused, text }
    });
    futures::future::join_all(probes).await
}

pub(crate) fn describe_probes(probes: &[Probe]) -> String {
    if probes.is_empty() {
        "no NameNode address to probe".into()
    } else {
        let texts: Vec<&str> = probes.iter().map(|p| p.text.as_str()).collect();
        format!("probe: {}", texts.join("; "))
    }
}

/// `15 s`, `250 ms`.
pub(crate) fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms >= 1000 && ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}
