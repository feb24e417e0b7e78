//! Where a jar lives: an `hdfs://` URI, a `file:` URI or a local path.

use std::fmt;
use std::str::FromStr;

use crate::redact::Redactor;

/// URI schemes accepted for `jar` and `dependencies`.
pub const SUPPORTED_SCHEMES: &[&str] = &["hdfs://", "file:", "a local path"];

/// A parsed jar location. Can only hold a supported location.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ArtifactUri {
    /// `hdfs://authority/path` (or `hdfs:///path` for the default filesystem).
    Hdfs {
        /// Name service or `host:port`; empty for the default filesystem.
        authority: String,
        /// Absolute path on that filesystem.
        path: String,
        /// The text as written.
        original: String,
    },
    /// A local file (`file:` URI or plain path).
    Local { path: String, original: String },
}

/// Why a location was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArtifactUriError {
    #[error("is empty")]
    Empty,
    #[error("uses the unsupported scheme '{scheme}'; supported: hdfs:// URIs, file: URIs or local paths")]
    UnsupportedScheme { scheme: String },
    #[error("'{0}' is not a valid hdfs:// URI: {1}")]
    BadHdfs(String, &'static str),
    #[error("'{0}' is not a valid file: URI: {1}")]
    BadFile(String, &'static str),
    #[error("contains a control character")]
    ControlCharacter,
}

impl ArtifactUri {
    pub fn parse(text: &str) -> Result<Self, ArtifactUriError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(ArtifactUriError::Empty);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(ArtifactUriError::ControlCharacter);
        }
        let original = trimmed.to_string();
        if let Some(scheme) = scheme_of(trimmed) {
            let lower = scheme.to_ascii_lowercase();
            let rest = &trimmed[scheme.len() + 1..];
            return match lower.as_str() {
                "hdfs" => {
                    let Some(after) = rest.strip_prefix("//") else {
                        return Err(ArtifactUriError::BadHdfs(original, "expected hdfs://"));
                    };
                    let (authority, path) = match after.find('/') {
                        Some(i) => (&after[..i], &after[i..]),
                        None => (after, ""),
                    };
                    if path.len() <= 1 {
                        return Err(ArtifactUriError::BadHdfs(original, "it has no file path"));
                    }
                    Ok(ArtifactUri::Hdfs {
                        authority: authority.to_string(),
                        path: path.to_string(),
                        original,
                    })
                }
                "file" => {
                    // file:/p, file:///p, file://localhost/p
                    let path = if let Some(after) = rest.strip_prefix("//") {
                        match after.find('/') {
                            Some(i) => {
                                let host = &after[..i];
                                if !host.is_empty() && host != "localhost" {
                                    return Err(ArtifactUriError::BadFile(
                                        original,
                                        "only local files (no host, or localhost) are supported",
                                    ));
                                }
                                &after[i..]
                            }
                            None => {
                                return Err(ArtifactUriError::BadFile(original, "it has no path"))
                            }
                        }
                    } else {
                        rest
                    };
                    if path.is_empty() {
                        return Err(ArtifactUriError::BadFile(original, "it has no path"));
                    }
                    Ok(ArtifactUri::Local {
                        path: path.to_string(),
                        original,
                    })
                }
                _ => Err(ArtifactUriError::UnsupportedScheme { scheme: lower }),
            };
        }
        Ok(ArtifactUri::Local {
            path: original.clone(),
            original,
        })
    }

    /// The location as written in the descriptor.
    pub fn as_str(&self) -> &str {
        match self {
            ArtifactUri::Hdfs { original, .. } | ArtifactUri::Local { original, .. } => original,
        }
    }

    pub fn is_hdfs(&self) -> bool {
        matches!(self, ArtifactUri::Hdfs { .. })
    }

    /// The location as it may be shown, its text redacted by `redactor`
    /// (the redaction rule keeps a location a location: scheme and path
    /// around the secret stay). Text that no longer parses is shown as a
    /// local path: a shown location is never opened.
    pub fn show(&self, redactor: &Redactor) -> ArtifactUri {
        let shown = redactor.text(self.as_str());
        if shown == self.as_str() {
            return self.clone();
        }
        ArtifactUri::parse(&shown).unwrap_or_else(|_| ArtifactUri::Local {
            path: shown.clone(),
            original: shown,
        })
    }
}

impl fmt::Display for ArtifactUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ArtifactUri {
    type Err = ArtifactUriError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl PartialEq<str> for ArtifactUri {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ArtifactUri {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

// As JSON (the job view, `JOB_DATA`'s `dependencies`): the location as
// written; read back through `parse`.
impl serde::Serialize for ArtifactUri {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ArtifactUri {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The URI scheme, if the text starts with one (`[A-Za-z][A-Za-z0-9+.-]*:`).
/// A single letter followed by `:` is taken as a scheme too, except that
/// nothing here runs on Windows, so `c:` is rejected as an unknown scheme.
fn scheme_of(text: &str) -> Option<&str> {
    let colon = text.find(':')?;
    let scheme = &text[..colon];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic() {
        return None;
    }
    if chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
        Some(scheme)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hdfs_uris() {
        let u = ArtifactUri::parse("hdfs://nameservice1/apps/a.jar").expect("valid");
        assert_eq!(
            u,
            ArtifactUri::Hdfs {
                authority: "nameservice1".into(),
                path: "/apps/a.jar".into(),
                original: "hdfs://nameservice1/apps/a.jar".into()
            }
        );
        let u = ArtifactUri::parse("hdfs:///apps/a.jar").expect("valid");
        assert!(matches!(u, ArtifactUri::Hdfs { ref authority, .. } if authority.is_empty()));
        assert!(ArtifactUri::parse("hdfs://nn").is_err());
        assert!(ArtifactUri::parse("hdfs:/x.jar").is_err());
    }

    #[test]
    fn local_paths_and_file_uris() {
        for (text, path) in [
            ("/opt/a.jar", "/opt/a.jar"),
            ("lib/a.jar", "lib/a.jar"),
            ("file:/opt/a.jar", "/opt/a.jar"),
            ("file:///opt/a.jar", "/opt/a.jar"),
            ("file://localhost/opt/a.jar", "/opt/a.jar"),
        ] {
            match ArtifactUri::parse(text).expect(text) {
                ArtifactUri::Local { path: p, .. } => assert_eq!(p, path, "{text}"),
                other => panic!("{text} parsed as {other:?}"),
            }
        }
        assert!(ArtifactUri::parse("file://otherhost/a.jar").is_err());
    }

    #[test]
    fn other_schemes_are_rejected_with_the_supported_list() {
        for text in ["s3a://bucket/a.jar", "http://x/a.jar", "abfs://c@a/x.jar"] {
            let e = ArtifactUri::parse(text).expect_err(text);
            let msg = e.to_string();
            assert!(msg.contains("hdfs://") && msg.contains("file:"), "{msg}");
        }
        assert_eq!(ArtifactUri::parse("  "), Err(ArtifactUriError::Empty));
    }
}
