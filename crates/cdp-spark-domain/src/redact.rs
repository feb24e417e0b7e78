//! One redaction rule for every text the provisioner stores, serves or logs
//! that can hold a secret: a run's `error` (the end of spark-submit's error
//! output, a cluster manager's diagnostics), launch errors, the job view,
//! the spark-submit command line in the logs, database URLs.
//!
//! Two parts:
//!
//! - **Known secret values** ([`Redactor`]): the values the provisioner
//!   holds (its bearer tokens, the job store's password, the launcher's
//!   settings whose keys look secret) are replaced by [`REDACTED`] wherever
//!   they appear, in whatever context: a job that prints its parent's
//!   environment, a stack trace quoting a connection string. Their
//!   percent-decoded, Rust-`Debug` and JSON-escaped forms too.
//! - **Patterns** ([`text`]), for secrets the provisioner does not know:
//!   - the password of a URL's user-info, `scheme://user:PASSWORD@host`;
//!     the user-info runs to the **last** `@` ([`redact_url`], [`url_password`]),
//!     so a password holding `/`, `@`, `:`, `?` or `#` is hidden whole;
//!   - `KEY=VALUE`, `KEY: VALUE`, `"KEY": "VALUE"` and `--KEY VALUE` whose
//!     key looks secret ([`is_secret_key`]: `secret`, `password`, `passwd`,
//!     `passphrase`, `token`, `access.key`, `account.key`, `private.key`,
//!     `api.key`, ignoring case and separators), `-Dx.password=…` included;
//!   - `Authorization:`, `Proxy-Authorization:`, `Cookie:`, `Set-Cookie:`
//!     to the end of the line, and `Bearer …`/`Negotiate …` credentials.
//!
//! A value is replaced, the key and the rest of the text are kept, so that a
//! message still says what went wrong. The rule errs on hiding too much
//! (`token: expired` loses `expired`) rather than too little.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::model::{JobDefinition, RunRecord};
use crate::ports::{ApplicationState, LaunchError};

/// What a secret is replaced with.
pub const REDACTED: &str = "***";

/// Harvested values ([`Redactor::add_values_of_secret_keys`]) shorter than
/// this are not treated as known secrets (`true`, `1`, `none` would blank
/// every such word out of every text); the patterns still hide them in
/// `KEY=VALUE` form.
pub const MIN_HARVESTED_LEN: usize = 6;

/// Words that make a key secret, compared with the key lower-cased and
/// stripped of everything but letters and digits (`fs.s3a.access.key`,
/// `AWS_SECRET_ACCESS_KEY`, `spark.ssl.keyPassword`).
const SECRET_WORDS: [&str; 9] = [
    "secret",
    "password",
    "passwd",
    "passphrase",
    "token",
    "accesskey",
    "accountkey",
    "privatekey",
    "apikey",
];

/// Header-like keys whose value runs to the end of the line.
const HEADER_WORDS: [&str; 2] = ["authorization", "cookie"];

/// Whether a configuration key, environment variable, option or field name
/// names a secret: Spark's own `spark.redaction.regex`
/// (`secret|password|token|access[.]?key`) plus `passwd`, `passphrase`,
/// `account.key` (Azure), `private.key`, `api.key`, `authorization` and
/// `cookie`, ignoring case and separators.
pub fn is_secret_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    !k.is_empty()
        && SECRET_WORDS
            .iter()
            .chain(HEADER_WORDS.iter())
            .any(|w| k.contains(w))
}

/// The password of a URL's user-info (`scheme://user:PASSWORD@host/…`),
/// as written (percent-encoded or not). The user-info runs from `://` to
/// the **last** `@` of the URL: a password may hold `/`, `@`, `:`, `?`,
/// `#` or `%2F` and is still all of it. `None` without `://`, `@` or `:` in
/// the user-info, or with an empty password.
pub fn url_password(url: &str) -> Option<&str> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let at = rest.rfind('@')?;
    let userinfo = &rest[..at];
    let colon = userinfo.find(':')?;
    Some(&userinfo[colon + 1..]).filter(|p| !p.is_empty())
}

/// A URL with the password of its user-info replaced by [`REDACTED`]
/// (`mysql://user:***@host:3306/db`), and secret-looking query parameters
/// (`?password=…`) too. The whole text is one URL: the user-info runs to
/// its last `@`, white space included. Text without `://` goes through
/// [`text`].
pub fn redact_url(url: &str) -> String {
    match url.find("://") {
        Some(i) => {
            let start = i + 3;
            let mut out = String::with_capacity(url.len());
            out.push_str(&url[..start]);
            out.push_str(&redact_userinfo(&url[start..]));
            redact_key_values(&out)
        }
        None => text(url),
    }
}

/// `text` with the patterns of this module applied (no known values: see
/// [`Redactor::text`]).
pub fn text(text: &str) -> String {
    let s = redact_urls(text);
    let s = redact_headers(&s);
    let s = redact_auth_schemes(&s);
    let s = redact_key_values(&s);
    redact_flag_values(&s)
}

/// A job's arguments or a command line, one entry per argument: each entry
/// through [`text`], and the entry after an option whose name looks secret
/// (`--password`, `--api-token`) replaced whole.
pub fn args(args: &[String]) -> Vec<String> {
    Redactor::default().args(args)
}

/// The known secret values, and the patterns. Cheap to clone (the values
/// are shared). Its `Debug` shows how many values it holds, never them.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Longest first, so that a secret containing another is replaced whole.
    secrets: Arc<Vec<String>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} known values)", self.secrets.len())
    }
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many values (forms included) are replaced.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `value` is a secret: it is replaced wherever it appears, also in its
    /// percent-decoded, `Debug`-escaped and JSON-escaped forms. Empty and
    /// blank values are ignored.
    pub fn add_secret(&mut self, value: &str) {
        if value.trim().is_empty() {
            return;
        }
        let mut forms = vec![value.to_string()];
        if let Some(decoded) = percent_decode(value) {
            forms.push(decoded);
        }
        for form in forms.clone() {
            let debug = format!("{form:?}");
            forms.push(debug[1..debug.len() - 1].to_string());
            if let Ok(json) = serde_json::to_string(&form) {
                forms.push(json[1..json.len() - 1].to_string());
            }
        }
        let secrets = Arc::make_mut(&mut self.secrets);
        for form in forms {
            if !form.is_empty() && !secrets.contains(&form) {
                secrets.push(form);
            }
        }
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// The password of `url`'s user-info ([`url_password`]) is a secret.
    pub fn add_url_password(&mut self, url: &str) {
        if let Some(password) = url_password(url) {
            self.add_secret(password);
        }
    }

    /// The values of the pairs whose key looks secret ([`is_secret_key`])
    /// are secrets, when at least [`MIN_HARVESTED_LEN`] characters long
    /// and not a number or boolean; values that are URLs give their
    /// user-info password.
    pub fn add_values_of_secret_keys<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) {
        for (key, value) in pairs {
            self.add_url_password(value);
            let v = value.trim();
            if !is_secret_key(key)
                || v.chars().count() < MIN_HARVESTED_LEN
                || v.parse::<f64>().is_ok()
                || v.eq_ignore_ascii_case("true")
                || v.eq_ignore_ascii_case("false")
            {
                continue;
            }
            self.add_secret(value);
        }
    }

    /// Every value of `other` too.
    pub fn merge(&mut self, other: &Redactor) {
        let secrets = Arc::make_mut(&mut self.secrets);
        for s in other.secrets.iter() {
            if !secrets.contains(s) {
                secrets.push(s.clone());
            }
        }
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// `text` with every known value replaced, nothing else.
    pub fn known_values(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in self.secrets.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    /// `text` with every known value replaced, then the patterns applied.
    pub fn text(&self, text: &str) -> String {
        self::text(&self.known_values(text))
    }

    /// See [`args`](self::args).
    pub fn args(&self, args: &[String]) -> Vec<String> {
        let mut out = Vec::with_capacity(args.len());
        let mut after_secret_option = false;
        for arg in args {
            let is_option = arg.starts_with('-');
            if after_secret_option && !arg.starts_with("--") {
                out.push(REDACTED.to_string());
                after_secret_option = false;
                continue;
            }
            after_secret_option = is_option && !arg.contains('=') && is_secret_key(arg);
            out.push(self.text(arg));
        }
        out
    }

    /// Spark conf entries: the value of a secret-looking key replaced
    /// whole, the others through [`text`](Self::text).
    pub fn conf(&self, conf: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        conf.iter()
            .map(|(k, v)| {
                let v = if is_secret_key(k) {
                    REDACTED.to_string()
                } else {
                    self.text(v)
                };
                (k.clone(), v)
            })
            .collect()
    }

    /// A job as it may be shown (job view, logs): its conf, arguments, jar,
    /// dependencies and description redacted.
    pub fn job(&self, mut job: JobDefinition) -> JobDefinition {
        job.spec.conf = self.conf(&job.spec.conf);
        job.spec.args = self.args(&job.spec.args);
        job.spec.jar = job.spec.jar.show(self);
        job.spec.dependencies = job.spec.dependencies.iter().map(|d| d.show(self)).collect();
        job.description = job.description.map(|d| self.text(&d));
        job
    }

    /// A run as it may be shown: its error, tracking URL and parameters redacted.
    pub fn run(&self, mut run: RunRecord) -> RunRecord {
        run.error = run.error.map(|e| self.text(&e));
        run.tracking_url = run.tracking_url.map(|u| self.text(&u));
        run.parameters = run.parameters.map(|p| p.redacted(self));
        run
    }

    /// A launch error's message redacted (it becomes a run's `error`); the
    /// library error its cause keeps stays, unredacted, as its source.
    pub fn launch_error(&self, error: LaunchError) -> LaunchError {
        error.map_text(|t| self.text(t))
    }

    /// An application's state with its diagnostics redacted (they become
    /// a run's `error`).
    pub fn application_state(&self, state: ApplicationState) -> ApplicationState {
        match state {
            ApplicationState::Running {
                tracking_url,
                started,
            } => ApplicationState::Running {
                started,
                tracking_url: tracking_url.map(|u| self.text(&u)),
            },
            ApplicationState::Failed { diagnostics } => ApplicationState::Failed {
                diagnostics: self.text(&diagnostics),
            },
            ApplicationState::Killed { diagnostics } => ApplicationState::Killed {
                diagnostics: self.text(&diagnostics),
            },
            ApplicationState::Unknown { detail } => ApplicationState::Unknown {
                detail: self.text(&detail),
            },
            ApplicationState::Succeeded => ApplicationState::Succeeded,
        }
    }
}

/// `%XX` sequences decoded; `None` when there are none or the result is not
/// UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return None;
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let mut decoded_any = false;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let (h, l) = (hex(h).unwrap_or(0), hex(l).unwrap_or(0));
                out.push((h * 16 + l) as u8);
                decoded_any = true;
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    if !decoded_any {
        return None;
    }
    String::from_utf8(out).ok().filter(|d| d != s)
}

/// After `scheme://`: the user-info's password, up to the last `@`.
fn redact_userinfo(after_scheme: &str) -> String {
    let Some(at) = after_scheme.rfind('@') else {
        return after_scheme.to_string();
    };
    let userinfo = &after_scheme[..at];
    match userinfo.find(':') {
        Some(colon) if colon + 1 < userinfo.len() && &userinfo[colon + 1..] != REDACTED => {
            format!("{}{REDACTED}{}", &userinfo[..=colon], &after_scheme[at..])
        }
        _ => after_scheme.to_string(),
    }
}

/// Ends a URL written in free text.
fn ends_url(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`')
}

/// Every `scheme://…` of free text (up to white space or a quote) with its
/// user-info's password hidden.
fn redact_urls(text: &str) -> String {
    if !text.contains("://") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let start = i + 3;
        let tail = &rest[start..];
        let end = tail.find(ends_url).unwrap_or(tail.len());
        out.push_str(&rest[..start]);
        out.push_str(&redact_userinfo(&tail[..end]));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Where a quoted value opened at `open` (the quote) ends: the index of the
/// closing quote, or of the end of the line.
fn quoted_end(bytes: &[u8], open: usize) -> usize {
    let q = bytes[open];
    let mut j = open + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'\n' | b'\r' => return j,
            b if b == q => return j,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// `text` with the byte ranges replaced by [`REDACTED`] (sorted, disjoint).
fn replace_ranges(text: &str, ranges: &[(usize, usize)]) -> String {
    if ranges.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for &(from, to) in ranges {
        out.push_str(&text[last..from]);
        out.push_str(REDACTED);
        last = to;
    }
    out.push_str(&text[last..]);
    out
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

fn skip_blanks(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
        i += 1;
    }
    i
}

/// The value starting at `from` (after the separator and blanks): a quoted
/// one without its quotes, else up to white space, `&` or a quote. `to_eol`:
/// an unquoted value runs to the end of the line.
fn value_range(bytes: &[u8], from: usize, to_eol: bool) -> Option<(usize, usize)> {
    let &first = bytes.get(from)?;
    let (start, end) = if first == b'"' || first == b'\'' {
        (from + 1, quoted_end(bytes, from).min(bytes.len()))
    } else {
        let mut j = from;
        while j < bytes.len() {
            let b = bytes[j];
            let stop = if to_eol {
                b == b'\n' || b == b'\r'
            } else {
                b.is_ascii_whitespace() || matches!(b, b'&' | b'"' | b'\'')
            };
            if stop {
                break;
            }
            j += 1;
        }
        (from, j)
    };
    (start < end && &bytes[start..end] != REDACTED.as_bytes()).then_some((start, end))
}

/// The key ending just before the separator at `sep`: blanks and one
/// closing quote skipped, then key characters.
fn key_before(text: &str, sep: usize) -> &str {
    let bytes = text.as_bytes();
    let mut end = sep;
    while end > 0 && matches!(bytes[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    if end > 0 && matches!(bytes[end - 1], b'"' | b'\'') {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && is_key_byte(bytes[start - 1]) {
        start -= 1;
    }
    &text[start..end]
}

/// `Authorization: …`, `Cookie: …` (and `Proxy-`, `Set-`) to the end of the
/// line or the closing quote.
fn redact_headers(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for word in HEADER_WORDS {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(word) {
            let mut j = pos + from + word.len();
            from = j;
            if j < bytes.len() && matches!(bytes[j], b'"' | b'\'') {
                j += 1;
            }
            j = skip_blanks(bytes, j);
            if j >= bytes.len() || !matches!(bytes[j], b':' | b'=') {
                continue;
            }
            let v = skip_blanks(bytes, j + 1);
            if let Some(range) = value_range(bytes, v, true) {
                from = range.1;
                ranges.push(range);
            }
        }
    }
    ranges.sort_unstable();
    ranges.dedup_by(|b, a| b.0 < a.1);
    replace_ranges(text, &ranges)
}

/// `Bearer <credentials>`, `Negotiate <credentials>` (8 characters or more
/// of a token68, so that "bearer token" in prose stays).
fn redact_auth_schemes(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut ranges = Vec::new();
    for word in ["bearer ", "negotiate "] {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(word) {
            let at = from + pos;
            from = at + word.len();
            if at > 0 && bytes[at - 1].is_ascii_alphanumeric() {
                continue;
            }
            let start = skip_blanks(bytes, from);
            let mut end = start;
            while end < bytes.len()
                && (bytes[end].is_ascii_alphanumeric()
                    || matches!(bytes[end], b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'='))
            {
                end += 1;
            }
            if end - start >= 8 {
                ranges.push((start, end));
                from = end;
            }
        }
    }
    ranges.sort_unstable();
    ranges.dedup_by(|b, a| b.0 < a.1);
    replace_ranges(text, &ranges)
}

/// `KEY=VALUE`, `KEY: VALUE`, `"KEY": "VALUE"` with a secret-looking key.
fn redact_key_values(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'=' && b != b':' {
            i += 1;
            continue;
        }
        let next = bytes.get(i + 1).copied();
        // `scheme://`, `a::b` and `==` are no assignments.
        if (b == b':' && matches!(next, Some(b'/') | Some(b':')))
            || (b == b'=' && next == Some(b'='))
            || (i > 0 && bytes[i - 1] == b':')
        {
            i += 1;
            continue;
        }
        let key = key_before(text, i);
        if key.is_empty() || !is_secret_key(key) {
            i += 1;
            continue;
        }
        let v = skip_blanks(bytes, i + 1);
        match value_range(bytes, v, false) {
            Some((start, end)) => {
                ranges.push((start, end));
                i = end;
            }
            None => i += 1,
        }
    }
    replace_ranges(text, &ranges)
}

/// `--secret-option VALUE` (the value not an option itself).
fn redact_flag_values(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(pos) = text[from..].find("--") {
        let at = from + pos;
        from = at + 2;
        if at > 0 && !matches!(bytes[at - 1], b' ' | b'\t' | b'"' | b'\'' | b'[' | b',') {
            continue;
        }
        let mut end = at + 2;
        while end < bytes.len() && is_key_byte(bytes[end]) {
            end += 1;
        }
        if !is_secret_key(&text[at + 2..end]) || !matches!(bytes.get(end), Some(b' ' | b'\t')) {
            continue;
        }
        let start = skip_blanks(bytes, end);
        if bytes[start..].starts_with(b"-") {
            continue;
        }
        if let Some(range) = value_range(bytes, start, false) {
            from = range.1;
            ranges.push(range);
        }
    }
    replace_ranges(text, &ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_follow_sparks_rule_and_a_few_more() {
        for key in [
            "spark.hadoop.fs.s3a.secret.key",
            "spark.hadoop.fs.s3a.access.key",
            "fs.s3a.accessKey",
            "spark.ssl.keyPassword",
            "javax.jdo.option.ConnectionPassword",
            "spark.kubernetes.authenticate.oauthToken",
            "AWS_SECRET_ACCESS_KEY",
            "CDP_SPARK_PROVISIONER__AUTH__COORDINATOR_TOKEN",
            "fs.azure.account.key.acct.blob.core.windows.net",
            "db_passwd",
            "-Djavax.net.ssl.keyStorePassword",
            "--api-key",
            "Proxy-Authorization",
            "Set-Cookie",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "spark.sql.shuffle.partitions",
            "spark.yarn.tags",
            "spark.ssl.keyStore",
            "job_key",
            "trigger_key",
            "spark.process.key",
            "spark.yarn.access.hadoopFileSystems",
            "",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn url_passwords_run_to_the_last_at() {
        for (url, password, redacted) in [
            (
                "mysql://root:s3cr3t@127.0.0.1:3306/db",
                "s3cr3t",
                "mysql://root:***@127.0.0.1:3306/db",
            ),
            (
                "mysql://user:pa/ss@host/db",
                "pa/ss",
                "mysql://user:***@host/db",
            ),
            (
                "mysql://user:p@ss@host/db",
                "p@ss",
                "mysql://user:***@host/db",
            ),
            (
                "mysql://user:p:a:ss@host/db",
                "p:a:ss",
                "mysql://user:***@host/db",
            ),
            (
                "mysql://user:pa%2Fss@host/db",
                "pa%2Fss",
                "mysql://user:***@host/db",
            ),
            (
                "mysql://user:/@:x?y#z@host:3306/db?ssl_mode=required",
                "/@:x?y#z",
                "mysql://user:***@host:3306/db?ssl_mode=required",
            ),
        ] {
            assert_eq!(url_password(url), Some(password), "{url}");
            assert_eq!(redact_url(url), redacted, "{url}");
            assert!(!redact_url(url).contains(password), "{url}");
        }
        for url in [
            "mysql://root@h/db",
            "mysql://h/db",
            "sqlite://./data/x",
            "x:@h",
        ] {
            assert_eq!(url_password(url), None, "{url}");
            assert_eq!(redact_url(url), url, "{url}");
        }
        // A password with white space: the whole text is the URL.
        assert_eq!(redact_url("mysql://u:a b@h/d"), "mysql://u:***@h/d");
        // Query parameters that look secret.
        assert_eq!(
            redact_url("mysql://u@h/d?password=x&ssl_mode=required"),
            "mysql://u@h/d?password=***&ssl_mode=required"
        );
    }

    #[test]
    fn patterns_hide_values_and_keep_the_message() {
        for (input, expected) in [
            (
                "connecting to jdbc:mysql://app:pa/ss@db:3306/x failed",
                "connecting to jdbc:mysql://app:***@db:3306/x failed",
            ),
            ("password=hunter2 user=bob", "password=*** user=bob"),
            (
                "--conf spark.hadoop.fs.s3a.secret.key=AKIAXYZ --conf spark.sql.x=1",
                "--conf spark.hadoop.fs.s3a.secret.key=*** --conf spark.sql.x=1",
            ),
            (
                "-Djavax.net.ssl.trustStorePassword=changeit -Xmx1g",
                "-Djavax.net.ssl.trustStorePassword=*** -Xmx1g",
            ),
            ("token: abc123", "token: ***"),
            (
                r#"{"password": "a \"b\" c", "user": "u"}"#,
                r#"{"password": "***", "user": "u"}"#,
            ),
            ("?access_token=xyz&page=2", "?access_token=***&page=2"),
            (
                "Authorization: Basic dXNlcjpwYXNz\nnext",
                "Authorization: ***\nnext",
            ),
            (
                r#""Authorization": "Bearer abc.def""#,
                r#""Authorization": "***""#,
            ),
            (
                "sent header Bearer eyJhbGciOiJIUzI1NiJ9.x.y",
                "sent header Bearer ***",
            ),
            (
                "Cookie: hadoop.auth=\"u=a&p=a@R&t=kerberos\"",
                "Cookie: ***",
            ),
            (
                "run --db-password hunter2 --verbose",
                "run --db-password *** --verbose",
            ),
            (
                "AWS_SECRET_ACCESS_KEY=abc/def+ghi",
                "AWS_SECRET_ACCESS_KEY=***",
            ),
            // Left alone.
            ("no bearer token was sent", "no bearer token was sent"),
            ("at 12:30:45 job_key=dp.job", "at 12:30:45 job_key=dp.job"),
            ("crate::token::Thing", "crate::token::Thing"),
            ("password=", "password="),
            ("password=***", "password=***"),
            (
                "caf\u{e9} secret=\u{e9}t\u{e9} fin",
                "caf\u{e9} secret=*** fin",
            ),
        ] {
            assert_eq!(text(input), expected, "{input}");
        }
    }

    #[test]
    fn known_values_are_replaced_in_every_form() {
        let mut r = Redactor::new();
        r.add_secret("tok-Coord-1234");
        r.add_url_password("mysql://sp:Pw%2FStore%409x@db:3306/sp");
        r.add_secret("  ");
        r.add_secret("");
        r.add_secret("with\"quote");
        let out =
            r.text("a tok-Coord-1234 b Pw/Store@9x c Pw%2FStore%409x d {\"x\":\"with\\\"quote\"}");
        assert_eq!(out, "a *** b *** c *** d {\"x\":\"***\"}");
        assert!(!format!("{r:?}").contains("tok-"), "{r:?}");

        let mut harvested = Redactor::new();
        harvested.add_values_of_secret_keys([
            ("AWS_SECRET_ACCESS_KEY", "abcdefgh"),
            ("spark.yarn.security.tokens.hive.enabled", "false"),
            ("spark.authenticate.secret", "12345678"),
            ("my.token", "short"),
            ("SPARK_LOCAL_IP", "127.0.0.1"),
            ("SOME_URL", "https://u:urlpass@h/x"),
        ]);
        assert_eq!(
            harvested.known_values("abcdefgh false 12345678 short 127.0.0.1 urlpass"),
            "*** false 12345678 short 127.0.0.1 ***"
        );
        let mut merged = Redactor::new();
        merged.merge(&harvested);
        assert_eq!(merged.len(), harvested.len());
    }

    #[test]
    fn jobs_and_runs_are_shown_redacted() {
        use crate::model::{JobKey, SparkJobSpec};
        let r = Redactor::new();
        let jar = "hdfs://u:jarpw@repo/a.jar".parse().expect("location");
        let job = JobDefinition {
            key: JobKey::new("dp", "j"),
            component_id: "c".into(),
            description: Some("reads with password=p1".into()),
            spec: SparkJobSpec {
                args: vec![
                    "--password".into(),
                    "p2".into(),
                    "--token=p3".into(),
                    "--date".into(),
                    "2024-01-01".into(),
                ],
                dependencies: vec!["hdfs://u:deppw@repo/b.jar".parse().expect("location")],
                conf: BTreeMap::from([
                    ("spark.hadoop.fs.s3a.secret.key".into(), "p4".into()),
                    ("spark.sql.shuffle.partitions".into(), "8".into()),
                    (
                        "spark.driver.extraJavaOptions".into(),
                        "-Dx.password=p5 -Xss4m".into(),
                    ),
                ]),
                ..SparkJobSpec::new(jar, "A".parse().expect("class"))
            },
            non_concurrent: true,
            run_policy: Default::default(),
        };
        let shown = r.job(job);
        assert_eq!(
            shown.description.as_deref(),
            Some("reads with password=***")
        );
        assert_eq!(shown.spec.jar, "hdfs://u:***@repo/a.jar");
        assert_eq!(shown.spec.dependencies, ["hdfs://u:***@repo/b.jar"]);
        assert_eq!(
            shown.spec.args,
            ["--password", "***", "--token=***", "--date", "2024-01-01"]
        );
        assert_eq!(shown.spec.conf["spark.sql.shuffle.partitions"], "8");
        assert_eq!(shown.spec.conf["spark.hadoop.fs.s3a.secret.key"], "***");
        assert_eq!(
            shown.spec.conf["spark.driver.extraJavaOptions"],
            "-Dx.password=*** -Xss4m"
        );
    }
}
