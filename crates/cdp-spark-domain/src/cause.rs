//! [`Cause`]: the cause a port error carries, as text and, where the
//! adapter had one, as the library error itself.
//!
//! The port errors ([`crate::ports::FsError`], [`crate::ports::StoreError`],
//! [`crate::ports::LaunchError`]) are plain values: they are cloned, compared
//! in tests and turned into texts users read. Their cause is a `Cause`: its
//! text is what their `Display` shows (unchanged from when it was a
//! `String`), and the library error (an `io::Error`, a Diesel error, an
//! HDFS client error) is kept behind an `Arc`, so that the port error stays
//! `Clone`, and answered as `source()`, so that a caller can walk down to
//! it (`downcast_ref::<std::io::Error>()`) instead of parsing text.
//!
//! Two causes are equal when their texts are: the kept error takes no part
//! in equality (library errors are not comparable, and a test builds the
//! same text without one).
//!
//! The kept error is the library's own, not redacted: its text may hold
//! what the cause's text left out (a URL with a password). Whoever prints
//! an error chain prints no further than the port error, whose text says
//! the cause already (the binary's `main` stops at a cause already said).

use std::error::Error;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A [`Cause`] in text only, written as `format!` writes: what an adapter
/// writes where it wrote `format!(...)` for a port error's cause before.
#[macro_export]
macro_rules! cause {
    ($($arg:tt)*) => {
        $crate::cause::Cause::new(::std::format!($($arg)*))
    };
}

/// A library error kept as a source: shared, so that its holder is `Clone`.
pub type SourceError = Arc<dyn Error + Send + Sync + 'static>;

/// The cause of a port error: its text, and the library error it came
/// from when there was one.
#[derive(Clone)]
pub struct Cause {
    text: String,
    source: Option<SourceError>,
}

impl Cause {
    /// A cause said in text only (a decision of the adapter, a test).
    pub fn new(text: impl Into<String>) -> Self {
        Cause {
            text: text.into(),
            source: None,
        }
    }

    /// A cause said in `text` that keeps `source`, the library error it
    /// came from, as its [`Error::source`].
    pub fn with_source<E>(text: impl Into<String>, source: E) -> Self
    where
        E: Error + Send + Sync + 'static,
    {
        Cause {
            text: text.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// This cause keeping `source` (replacing any it kept).
    pub fn caused_by<E>(self, source: E) -> Self
    where
        E: Error + Send + Sync + 'static,
    {
        Cause {
            text: self.text,
            source: Some(Arc::new(source)),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The kept library error, if any.
    pub fn source_error(&self) -> Option<&SourceError> {
        self.source.as_ref()
    }

    /// The same cause with its text rewritten by `f` (redaction); the kept
    /// error stays.
    pub fn map_text(self, f: impl FnOnce(&str) -> String) -> Self {
        Cause {
            text: f(&self.text),
            source: self.source,
        }
    }
}

impl Deref for Cause {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl AsRef<str> for Cause {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            None => fmt::Debug::fmt(&self.text, f),
            Some(source) => f
                .debug_struct("Cause")
                .field("text", &self.text)
                .field("source", source)
                .finish(),
        }
    }
}

impl Error for Cause {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Cause {}

impl PartialEq<str> for Cause {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Cause {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl PartialEq<String> for Cause {
    fn eq(&self, other: &String) -> bool {
        &self.text == other
    }
}

impl From<String> for Cause {
    fn from(text: String) -> Self {
        Cause::new(text)
    }
}

impl From<&str> for Cause {
    fn from(text: &str) -> Self {
        Cause::new(text)
    }
}

impl From<&String> for Cause {
    fn from(text: &String) -> Self {
        Cause::new(text.as_str())
    }
}

impl From<Cause> for String {
    fn from(cause: Cause) -> Self {
        cause.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{FsError, LaunchError, StoreError};
    use std::io;

    fn io_kind(e: &dyn Error) -> Option<io::ErrorKind> {
        let mut next = e.source();
        while let Some(s) = next {
            if let Some(io) = s.downcast_ref::<io::Error>() {
                return Some(io.kind());
            }
            next = s.source();
        }
        None
    }

    #[test]
    fn the_text_is_the_display_and_the_kept_error_the_source() {
        let cause = Cause::with_source(
            "open /data/a.jar: permission denied",
            io::Error::new(io::ErrorKind::PermissionDenied, "EACCES"),
        );
        assert_eq!(cause.to_string(), "open /data/a.jar: permission denied");
        assert_eq!(&*cause, "open /data/a.jar: permission denied");
        assert!(cause.contains("permission denied"));
        let source = cause.source().map(|s| s.to_string());
        assert_eq!(source.as_deref(), Some("EACCES"));
        assert!(Cause::new("no library error").source().is_none());
        assert!(Cause::from("text").source_error().is_none());
    }

    #[test]
    fn causes_are_equal_by_their_text_alone() {
        let kept = Cause::with_source("boom", io::Error::other("first"));
        let other_source = Cause::with_source("boom", io::Error::other("second"));
        assert_eq!(kept, Cause::from("boom"));
        assert_eq!(kept, other_source);
        assert_ne!(kept, Cause::from("bang"));
        assert_eq!(kept, "boom");
        assert_eq!(kept, String::from("boom"));
    }

    #[test]
    fn a_clone_shares_the_kept_error_and_redaction_keeps_it() {
        let cause = Cause::with_source("user:secret@db", io::Error::other("raw"));
        let clone = cause.clone();
        let (Some(a), Some(b)) = (cause.source_error(), clone.source_error()) else {
            panic!("both keep the error");
        };
        assert!(Arc::ptr_eq(a, b));
        let redacted = clone.map_text(|t| t.replace("secret", "***"));
        assert_eq!(redacted, "user:***@db");
        assert_eq!(
            redacted.source().map(|s| s.to_string()).as_deref(),
            Some("raw")
        );
    }

    #[test]
    fn port_errors_say_the_same_text_and_reach_the_library_error() {
        let denied = || io::Error::new(io::ErrorKind::PermissionDenied, "EACCES");
        let fs = FsError::PermissionDenied {
            path: "/data/a.jar".into(),
            detail: Cause::with_source("open: EACCES", denied()),
        };
        assert_eq!(
            fs.to_string(),
            "permission denied on /data/a.jar: open: EACCES"
        );
        assert_eq!(io_kind(&fs), Some(io::ErrorKind::PermissionDenied));
        assert_eq!(
            fs,
            FsError::PermissionDenied {
                path: "/data/a.jar".into(),
                detail: "open: EACCES".into(),
            }
        );

        let store = StoreError::Unavailable(Cause::with_source(
            "connection refused",
            io::Error::from(io::ErrorKind::ConnectionRefused),
        ));
        assert_eq!(
            store.to_string(),
            "the job store is unavailable: connection refused"
        );
        assert_eq!(io_kind(&store), Some(io::ErrorKind::ConnectionRefused));
        assert_eq!(store, StoreError::Unavailable("connection refused".into()));
        assert_ne!(store, StoreError::Conflict("connection refused".into()));

        let launch = LaunchError::Submit("exit status 1".into())
            .caused_by(io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(launch.to_string(), "spark-submit failed: exit status 1");
        assert_eq!(io_kind(&launch), Some(io::ErrorKind::NotFound));
        assert_eq!(
            LaunchError::Other("plain".into()).to_string(),
            "plain",
            "Other says its text alone"
        );
        assert!(LaunchError::Other("plain".into()).source().is_some());
        assert!(io_kind(&LaunchError::Other("plain".into())).is_none());
        let timeout = LaunchError::Timeout { seconds: 5 }.caused_by(io::Error::other("x"));
        assert!(timeout.source().is_none(), "a timeout has no cause to keep");
    }
}
