//! Jar inspection over byte ranges: find the main class through the zip
//! central directory only, then check its class file declares
//! `public static void main(String[])`.
//!
//! PLACEHOLDER API — being implemented. The public surface below is fixed.

use async_trait::async_trait;

use crate::ports::FsError;

/// A file that can be read by byte range (an HDFS or local jar).
#[async_trait]
pub trait ByteSource: Send + Sync {
    /// Length of the file in bytes.
    fn len(&self) -> u64;

    /// Whether the file is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Exactly `len` bytes from `offset`.
    async fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, FsError>;
}

/// What the inspection found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MainClassCheck {
    /// The class exists and declares `public static void main(String[])`.
    HasMain { entry: String },
    /// The class entry is not in the jar; `similar` lists entries whose
    /// simple name matches (e.g. the class in another package).
    ClassNotFound { entry: String, similar: Vec<String> },
    /// The class exists but has no `public static void main(String[])`.
    NoMainMethod { entry: String, detail: String },
}

/// The jar could not be inspected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JarError {
    #[error("is not a jar (zip) file: {0}")]
    NotAZip(String),
    #[error("is a damaged jar: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Fs(#[from] FsError),
}

/// Check that `class_name` (a Java binary name, `com.acme.Main`) is in the
/// jar and has a main method.
pub async fn check_main_class(
    _source: &dyn ByteSource,
    class_name: &str,
) -> Result<MainClassCheck, JarError> {
    Ok(MainClassCheck::HasMain {
        entry: format!("{}.class", class_name.replace('.', "/")),
    })
}
