//! Logs on stderr with `tracing`: text or JSON, level from -v or RUST_LOG.
//!
//! Every event goes through [`LogWriter`], which makes one event one line
//! whatever its fields hold. Values that came from a caller (a jobName, a
//! queue, a class name, a path) can carry newlines, NUL bytes or terminal
//! controls; written raw, a newline would start a free-standing line that
//! reads like an event of its own (log forging). tracing-subscriber's `fmt`
//! layer formats each event, with all its fields and spans, into one buffer
//! and hands it to a writer made for that event with one `write_all`
//! (`fmt_layer.rs`, `on_event`); [`LogWriter`] keeps what it is given until
//! the writer is dropped and then writes it in one call, escaped:
//!
//! - text: `\n` → `\\n`, `\r` → `\\r`, NUL → `\\0`, any other C0 or C1
//!   control, DEL and the Unicode line and paragraph separators →
//!   `\\u{..}`; the event's own final newline is kept. ESC is kept only
//!   when colours are on (the formatter's own colour codes; since 0.3.20
//!   tracing-subscriber escapes ESC inside field values itself);
//! - JSON: serde escapes C0 controls in strings already; what it leaves
//!   raw (DEL, C1 controls, U+2028, U+2029) becomes `\\uXXXX`, which JSON
//!   readers decode back, so every line stays one valid JSON object.
//!
//! The writer also replaces the secret values the provisioner knows (its
//! tokens, the job store's password: [`Redactor::known_values`]) wherever a
//! log line holds them.

use std::io::{self, IsTerminal, Write};

use cdp_spark_domain::redact::Redactor;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

pub fn init(format: LogFormat, verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let ansi = io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    match format {
        LogFormat::Text => builder
            .with_writer(LogWriter::text(ansi, Redactor::default()))
            .init(),
        LogFormat::Json => builder
            .json()
            .with_writer(LogWriter::new(Escaping::Json, Redactor::default()))
            .init(),
    }
}

/// How control characters are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escaping {
    /// Text lines without colours: every control escaped.
    Text,
    /// Text lines with colours: every control but ESC escaped.
    TextAnsi,
    /// One JSON object per line: `\uXXXX` escapes.
    Json,
}

/// Makes one [`EventWriter`] per event, writing to stderr.
#[derive(Debug, Clone)]
pub struct LogWriter {
    escaping: Escaping,
    redactor: Redactor,
}

impl LogWriter {
    pub fn new(escaping: Escaping, redactor: Redactor) -> Self {
        Self { escaping, redactor }
    }

    /// Text lines, with colours (`ansi`) or without.
    pub fn text(ansi: bool, redactor: Redactor) -> Self {
        let escaping = if ansi {
            Escaping::TextAnsi
        } else {
            Escaping::Text
        };
        Self::new(escaping, redactor)
    }
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = EventWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        EventWriter {
            config: self,
            buf: Vec::with_capacity(256),
        }
    }
}

/// Collects one event and writes it, escaped and redacted, in one write
/// when dropped.
pub struct EventWriter<'a> {
    config: &'a LogWriter,
    buf: Vec<u8>,
}

impl Write for EventWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter<'_> {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let line = safe_line(&self.buf, self.config.escaping, &self.config.redactor);
        let mut stderr = io::stderr().lock();
        let _ = stderr.write_all(line.as_bytes());
        let _ = stderr.flush();
    }
}

/// One event as written: known secrets replaced, every control character
/// escaped except the final newline.
pub fn safe_line(event: &[u8], escaping: Escaping, redactor: &Redactor) -> String {
    let text = String::from_utf8_lossy(event);
    let (body, newline) = match text.strip_suffix('\n') {
        Some(body) => (body, true),
        None => (text.as_ref(), false),
    };
    let body = redactor.known_values(body);
    let mut out = String::with_capacity(body.len() + 2);
    for c in body.chars() {
        let code = c as u32;
        let control = c.is_control() || c == '\u{2028}' || c == '\u{2029}';
        match (c, escaping) {
            _ if !control => out.push(c),
            ('\u{1b}', Escaping::TextAnsi) => out.push(c),
            (_, Escaping::Json) => out.push_str(&format!("\\u{code:04x}")),
            ('\n', _) => out.push_str("\\n"),
            ('\r', _) => out.push_str("\\r"),
            ('\0', _) => out.push_str("\\0"),
            _ => out.push_str(&format!("\\u{{{code:x}}}")),
        }
    }
    if newline {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_event_is_one_line_whatever_its_fields_hold() {
        let r = Redactor::default();
        let event = "2026-01-01T00:00:00Z  INFO job=a\nFAKE ERROR admin\r\0\t\u{7f}\u{85}\u{2028}\u{1b}[31m é\n";
        assert_eq!(
            safe_line(event.as_bytes(), Escaping::Text, &r),
            "2026-01-01T00:00:00Z  INFO job=a\\nFAKE ERROR admin\\r\\0\\u{9}\\u{7f}\\u{85}\\u{2028}\\u{1b}[31m é\n"
        );
        assert_eq!(
            safe_line("a\u{1b}[2mb\0\n".as_bytes(), Escaping::TextAnsi, &r),
            "a\u{1b}[2mb\\0\n"
        );
        // No final newline: none added.
        assert_eq!(safe_line(b"x\ny", Escaping::Text, &r), "x\\ny");
    }

    #[test]
    fn json_lines_stay_valid_json() {
        let value = serde_json::json!({"fields": {"job": "a\nb\0c\u{7f}\u{85}\u{2028}"}});
        let event = format!("{value}\n");
        let line = safe_line(event.as_bytes(), Escaping::Json, &Redactor::default());
        assert_eq!(line.matches('\n').count(), 1, "{line}");
        assert!(line.chars().all(|c| c == '\n' || !c.is_control()), "{line}");
        let back: serde_json::Value = serde_json::from_str(line.trim_end()).expect("valid JSON");
        assert_eq!(back, value);
    }

    #[test]
    fn known_secrets_are_replaced() {
        let mut r = Redactor::new();
        r.add_secret("s3cr3t-token");
        assert_eq!(
            safe_line(b"auth failed for s3cr3t-token\n", Escaping::Text, &r),
            "auth failed for ***\n"
        );
    }
}
