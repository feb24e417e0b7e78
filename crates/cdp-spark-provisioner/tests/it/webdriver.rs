//! A small W3C WebDriver client for the console's browser tests: starts
//! Debian's `chromedriver` on a free port of 127.0.0.1 and drives headless
//! `chromium` through it over HTTP (reqwest), so that the tests need no
//! Node.js and no extra crate. Only what the tests use: open a URL, find
//! elements by CSS selector, click, type, read text, run a script, take a
//! screenshot.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The key of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// `chromedriver` and one browser session; both end when dropped.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    client: reqwest::Client,
    _profile: tempfile::TempDir,
}

/// Where the screenshots go: the CI output folder.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/ci-artifacts/screenshots");
    std::fs::create_dir_all(&dir).expect("create target/ci-artifacts/screenshots");
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session (1280×1000).
    pub async fn start() -> Self {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(tool).is_file(),
                "{tool} is missing: the console's browser tests drive Debian's chromium and \
                 chromium-driver (scripts/install-deps.sh test installs them)"
            );
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("http client");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = client.get(format!("{base}/status")).send().await;
            if let Ok(r) = ready {
                if let Ok(v) = r.json::<Value>().await {
                    if v["value"]["ready"] == true {
                        break;
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver not ready within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().expect("browser profile folder");
        let mut browser = Self {
            driver,
            base,
            session: String::new(),
            client,
            _profile: profile,
        };
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,1000", "--lang=en-US", "--no-first-run",
                    format!("--user-data-dir={}", browser._profile.path().display()),
                ],
            },
        }}});
        let answer = browser.send("POST", "/session", Some(caps)).await;
        browser.session = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_string();
        browser
    }

    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.client.get(&url),
            "DELETE" => self.client.delete(&url),
            _ => self
                .client
                .post(&url)
                .json(&body.unwrap_or_else(|| json!({}))),
        };
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = res.status();
        let value: Value = res.json().await.unwrap_or(Value::Null);
        assert!(
            status.is_success(),
            "WebDriver {method} {path}: {status} {value}"
        );
        value["value"].clone()
    }

    async fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.send(method, &format!("/session/{}{path}", self.session), body)
            .await
    }

    pub async fn open(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({ "url": url })))
            .await;
    }

    /// The result of `script` (a function body; `arguments` are `args`).
    pub async fn eval(&self, script: &str, args: Value) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// The element of `css`, waited for up to `within`.
    pub async fn find(&self, css: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let found = self
                .session_call(
                    "POST",
                    "/elements",
                    Some(json!({"using": "css selector", "value": css})),
                )
                .await;
            if let Some(id) = found
                .as_array()
                .and_then(|a| a.first())
                .and_then(|e| e[ELEMENT].as_str())
            {
                return id.to_string();
            }
            if Instant::now() >= deadline {
                let text = self.text_of_page().await;
                panic!("no element {css} within {within:?}; the page reads:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// How many elements match `css` now.
    pub async fn count(&self, css: &str) -> usize {
        self.session_call(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .await
        .as_array()
        .map_or(0, Vec::len)
    }

    pub async fn click(&self, element: &str) {
        self.session_call("POST", &format!("/element/{element}/click"), None)
            .await;
    }

    pub async fn type_text(&self, element: &str, text: &str) {
        self.session_call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn text(&self, element: &str) -> String {
        self.session_call("GET", &format!("/element/{element}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The visible text of the page's body.
    pub async fn text_of_page(&self) -> String {
        self.eval(
            "return document.body ? document.body.innerText : '';",
            json!([]),
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Waits up to `within` for the text of `css` to satisfy `ok`; returns it.
    pub async fn wait_text(
        &self,
        css: &str,
        within: Duration,
        ok: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + within;
        loop {
            let text = self
                .eval(
                    "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
                    json!([css]),
                )
                .await;
            if let Some(t) = text.as_str() {
                if ok(t) {
                    return t.to_string();
                }
            }
            if Instant::now() >= deadline {
                panic!(
                    "{css} did not read as expected within {within:?} (it reads {text}); the page:\n{}",
                    self.text_of_page().await
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Saves a PNG of the window as `name` in the screenshot folder.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let data = self.session_call("GET", "/screenshot", None).await;
        let png = base64_decode(data.as_str().expect("base64 screenshot"));
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let path = screenshot_dir().join(name);
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }
}

impl Browser {
    /// Ends the session (the browser quits), then chromedriver.
    pub async fn quit(mut self) {
        if !self.session.is_empty() {
            self.session_call("DELETE", "", None).await;
            self.session.clear();
        }
    }
}

impl Drop for Browser {
    /// After a failed test too: the session is ended first (chromedriver
    /// then quits the browser; killed alone, it would leave Chromium
    /// running), with a plain blocking request since no runtime may be
    /// left to drive reqwest.
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let addr = self.base.trim_start_matches("http://").to_string();
            if let Ok(mut stream) = std::net::TcpStream::connect(&addr) {
                use std::io::{Read, Write};
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let request = format!(
                    "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                    self.session
                );
                if stream.write_all(request.as_bytes()).is_ok() {
                    let mut answer = Vec::new();
                    let _ = stream.read_to_end(&mut answer);
                }
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Standard base64 (the screenshot), padding allowed.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let bytes: Vec<u8> = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c) << (18 - 6 * i);
        }
        let b = n.to_be_bytes();
        out.extend_from_slice(&b[1..chunk.len()]);
    }
    out
}

#[test]
fn base64_decodes_what_chromedriver_sends() {
    assert_eq!(base64_decode("iVBORw0KGgo="), b"\x89PNG\r\n\x1a\n");
    assert_eq!(base64_decode("TWFu"), b"Man");
    assert_eq!(base64_decode("TWE="), b"Ma");
}
