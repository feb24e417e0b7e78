//! The `JOB_DATA` entries of a job, in the job store's layout
//! (`cdp-spark-jobstore`'s `job_data.rs`, whose tests hold the two
//! together): `java.util.Properties` text, one `key=value` line each,
//! `args`/`dependencies` as JSON arrays and `conf` as a JSON object.

/// The entries a job's data holds, by the key the store writes.
pub const VERSION: &str = "jobDataVersion";
/// The layout version the store writes.
pub const VERSION_VALUE: &str = "1";
pub const COMPONENT_ID: &str = "componentId";
pub const JAR: &str = "jar";
pub const CLASS_NAME: &str = "className";
pub const QUEUE: &str = "queue";
pub const ARGS: &str = "args";
pub const DEPENDENCIES: &str = "dependencies";
pub const CONF: &str = "conf";
pub const DRIVER_CORES: &str = "driverCores";
pub const DRIVER_MEMORY: &str = "driverMemory";
pub const EXECUTOR_CORES: &str = "executorCores";
pub const EXECUTOR_MEMORY: &str = "executorMemory";
pub const NUM_EXECUTORS: &str = "numExecutors";
pub const LOG_LEVEL: &str = "logLevel";
pub const CONCURRENCY_POLICY: &str = "concurrencyPolicy";
pub const RETRIES: &str = "retries";
pub const RETRY_DELAY_SECS: &str = "retryDelaySecs";
/// `jobConfig.maxDuration` as its text (`90m`); absent: no limit.
pub const MAX_DURATION: &str = "maxDuration";
pub const DEADLINE_SECS: &str = "deadlineSecs";

/// Bytes of `text` in `java.util.Properties` text as the store writes
/// it (`Properties.store` escaping, pure ASCII): a backslash, tab,
/// newline, carriage return, form feed, `=`, `:`, `#`, `!` and a leading
/// space (any space in a key) take 2 bytes, other printable ASCII 1,
/// every other character 6 per UTF-16 unit (`\uXXXX`).
pub fn escaped_len(text: &str, is_key: bool) -> usize {
    text.chars()
        .enumerate()
        .map(|(i, c)| match c {
            ' ' if is_key || i == 0 => 2,
            '\\' | '\t' | '\n' | '\r' | '\u{c}' | '=' | ':' | '#' | '!' => 2,
            ' '..='~' => 1,
            _ => 6 * c.len_utf16(),
        })
        .sum()
}

/// Bytes of the line `key=value\n`.
pub fn entry_len(key: &str, value: &str) -> usize {
    escaped_len(key, true) + 1 + escaped_len(value, false) + 1
}

/// The JSON text of a list or map value, as the store writes it.
pub fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Lists of strings or locations and maps of strings always serialize.
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}
