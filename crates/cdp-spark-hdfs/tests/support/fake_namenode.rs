//! A fake NameNode on 127.0.0.1 that speaks just enough Hadoop RPC (the
//! `hrpc` preamble, length-prefixed frames of protobuf messages, written
//! here by hand) for the hdfs-native client to ask it `getFileInfo` and
//! `getBlockLocations`, with simple authentication; or, in Kerberos mode,
//! to offer Kerberos in the SASL negotiation. Each answer comes from a
//! closure, so a test can play an active NameNode, a standby, one that
//! denies access or one that never answers. Include with
//! `#[path = "support/fake_namenode.rs"] mod fake_namenode;`.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the fake answers to one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    File {
        length: u64,
    },
    Dir,
    /// `getFileInfo` with no status: the path does not exist.
    Missing,
    /// `getBlockLocations` without locations (hdfs-native: not found).
    NoLocations,
    /// An RPC error (status ERROR) with a Java exception class.
    Error {
        class: String,
        message: String,
    },
    /// No answer at all; the connection stays open.
    Silent,
}

impl Reply {
    pub fn error(class: &str, message: &str) -> Self {
        Reply::Error {
            class: class.into(),
            message: message.into(),
        }
    }

    pub fn standby() -> Self {
        Reply::error(
            "org.apache.hadoop.ipc.StandbyException",
            "Operation category READ is not supported in state standby",
        )
    }
}

type Behaviour = dyn Fn(&str, &str) -> Reply + Send + Sync;

struct State {
    connections: AtomicUsize,
    calls: Mutex<Vec<(String, String)>>,
    behaviour: Box<Behaviour>,
    kerberos: bool,
}

/// A running fake; it stops with the test's runtime.
pub struct FakeNameNode {
    pub addr: SocketAddr,
    state: Arc<State>,
}

impl FakeNameNode {
    /// A NameNode with simple authentication; `behaviour(method, path)`.
    pub async fn start(behaviour: impl Fn(&str, &str) -> Reply + Send + Sync + 'static) -> Self {
        Self::spawn(Box::new(behaviour), false).await
    }

    /// A NameNode that asks for Kerberos in the SASL negotiation.
    pub async fn start_kerberos() -> Self {
        Self::spawn(Box::new(|_, _| Reply::Silent), true).await
    }

    async fn spawn(behaviour: Box<Behaviour>, kerberos: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let state = Arc::new(State {
            connections: AtomicUsize::new(0),
            calls: Mutex::new(Vec::new()),
            behaviour,
            kerberos,
        });
        let shared = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    let _ = serve(stream, &state).await;
                });
            }
        });
        FakeNameNode { addr, state }
    }

    /// `127.0.0.1:port`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// `(method, path)` of every call received, in order.
    pub fn calls(&self) -> Vec<(String, String)> {
        self.state.calls.lock().expect("not poisoned").clone()
    }
}

async fn serve(mut stream: TcpStream, state: &State) -> std::io::Result<()> {
    let mut preamble = [0u8; 7];
    stream.read_exact(&mut preamble).await?;
    assert_eq!(&preamble[..4], b"hrpc", "not a Hadoop RPC client");
    let sasl = preamble[6] as i8 == -33;
    loop {
        let frame = read_frame(&mut stream).await?;
        let mut pos = 0;
        let header = fields(read_delimited(&frame, &mut pos).unwrap_or_default());
        let call_id = zigzag(varint_field(&header, 3).unwrap_or(0));
        if call_id == -33 {
            // SASL: answer the negotiation by offering Kerberos.
            assert!(
                sasl && state.kerberos,
                "a SASL message to a simple NameNode"
            );
            let mut auth = Vec::new();
            put_bytes(&mut auth, 1, b"KERBEROS");
            put_bytes(&mut auth, 2, b"GSSAPI");
            put_bytes(&mut auth, 3, b"nn");
            put_bytes(&mut auth, 4, b"localhost");
            let mut negotiate = Vec::new();
            put_varint(&mut negotiate, 2, 1); // NEGOTIATE
            put_bytes(&mut negotiate, 4, &auth);
            let header = response_header(call_id, 0, None);
            write_frame(&mut stream, &[&delimited(&header), &delimited(&negotiate)]).await?;
            continue;
        }
        if call_id < 0 {
            continue; // the connection context
        }
        let request_header = fields(read_delimited(&frame, &mut pos).unwrap_or_default());
        let method = string_field(&request_header, 1);
        let body = fields(read_delimited(&frame, &mut pos).unwrap_or_default());
        let path = string_field(&body, 1);
        state
            .calls
            .lock()
            .expect("not poisoned")
            .push((method.clone(), path.clone()));
        let reply = (state.behaviour)(&method, &path);
        let ok = |body: Vec<u8>| {
            let header = response_header(call_id, 0, None);
            vec![delimited(&header), delimited(&body)]
        };
        let parts = match reply {
            Reply::Silent => continue,
            Reply::File { length } => ok(file_info(2, length)),
            Reply::Dir => ok(file_info(1, 0)),
            Reply::Missing | Reply::NoLocations => ok(Vec::new()),
            Reply::Error { class, message } => {
                vec![delimited(&response_header(
                    call_id,
                    1,
                    Some((&class, &message)),
                ))]
            }
        };
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        write_frame(&mut stream, &refs).await?;
    }
}

/// `GetFileInfoResponseProto { fs: HdfsFileStatusProto }`.
fn file_info(file_type: u64, length: u64) -> Vec<u8> {
    let mut permission = Vec::new();
    put_varint(&mut permission, 1, 0o644);
    let mut status = Vec::new();
    put_varint(&mut status, 1, file_type);
    put_bytes(&mut status, 2, b"");
    put_varint(&mut status, 3, length);
    put_bytes(&mut status, 4, &permission);
    put_bytes(&mut status, 5, b"hdfs");
    put_bytes(&mut status, 6, b"hdfs");
    put_varint(&mut status, 7, 0);
    put_varint(&mut status, 8, 0);
    let mut response = Vec::new();
    put_bytes(&mut response, 1, &status);
    response
}

/// `RpcResponseHeaderProto`: status 0 SUCCESS, 1 ERROR.
fn response_header(call_id: i64, status: u64, error: Option<(&str, &str)>) -> Vec<u8> {
    let mut h = Vec::new();
    put_varint(&mut h, 1, u64::from(call_id as i32 as u32));
    put_varint(&mut h, 2, status);
    put_varint(&mut h, 3, 9);
    if let Some((class, message)) = error {
        put_bytes(&mut h, 4, class.as_bytes());
        put_bytes(&mut h, 5, message.as_bytes());
        put_varint(&mut h, 6, 1);
    }
    h
}

async fn read_frame(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).await?;
    let mut frame = vec![0u8; u32::from_be_bytes(len) as usize];
    stream.read_exact(&mut frame).await?;
    Ok(frame)
}

async fn write_frame(stream: &mut TcpStream, parts: &[&[u8]]) -> std::io::Result<()> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = (len as u32).to_be_bytes().to_vec();
    for p in parts {
        out.extend_from_slice(p);
    }
    stream.write_all(&out).await
}

// ---------------------------------------------------- protobuf by hand ---

enum Value {
    Varint(u64),
    Bytes(Vec<u8>),
}

fn put_raw_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_varint(out: &mut Vec<u8>, field: u32, v: u64) {
    put_raw_varint(out, u64::from(field << 3));
    put_raw_varint(out, v);
}

fn put_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_raw_varint(out, u64::from(field << 3 | 2));
    put_raw_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn delimited(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    put_raw_varint(&mut out, msg.len() as u64);
    out.extend_from_slice(msg);
    out
}

fn get_varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7F) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

fn read_delimited<'a>(buf: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let len = get_varint(buf, pos)? as usize;
    let out = buf.get(*pos..*pos + len)?;
    *pos += len;
    Some(out)
}

fn fields(msg: &[u8]) -> Vec<(u32, Value)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < msg.len() {
        let Some(key) = get_varint(msg, &mut pos) else {
            break;
        };
        let field = (key >> 3) as u32;
        let value = match key & 7 {
            0 => get_varint(msg, &mut pos).map(Value::Varint),
            1 => {
                pos += 8;
                Some(Value::Varint(0))
            }
            2 => read_delimited(msg, &mut pos).map(|b| Value::Bytes(b.to_vec())),
            5 => {
                pos += 4;
                Some(Value::Varint(0))
            }
            _ => None,
        };
        match value {
            Some(v) => out.push((field, v)),
            None => break,
        }
    }
    out
}

fn varint_field(fields: &[(u32, Value)], number: u32) -> Option<u64> {
    fields.iter().find_map(|(f, v)| match v {
        Value::Varint(x) if *f == number => Some(*x),
        _ => None,
    })
}

fn string_field(fields: &[(u32, Value)], number: u32) -> String {
    fields
        .iter()
        .find_map(|(f, v)| match v {
            Value::Bytes(b) if *f == number => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        })
        .unwrap_or_default()
}

fn zigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}
