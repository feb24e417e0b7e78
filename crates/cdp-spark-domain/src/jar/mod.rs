//! Jar inspection over byte ranges: find the main class through the zip
//! central directory only, then check its class file declares
//! `public static void main(String[])`.
//!
//! The jar is never read whole, nor held in memory whole: see [`zip`](self)
//! for the (at most three, for an ordinary jar) reads made, and
//! [`ByteSource`] for what a location must offer. [`PortByteSource`] makes
//! any [`HdfsPort`](crate::ports::HdfsPort) location a `ByteSource`. Every
//! byte read is charged to a [`ReadBudget`] (one per validation) before it
//! is read; a jar that would need more is [`JarError::TooLarge`].
//!
//! # What counts as a runnable main class
//!
//! The rule mirrors what `spark-submit` does with `--class`, which is
//! stricter than the plain `java` launcher:
//! - the class's entry (`com/acme/Main.class`; nested classes keep their
//!   binary `$` name, `com.acme.Outer$Inner`) is in the jar;
//! - it declares `main` with descriptor `([Ljava/lang/String;)V` (a
//!   `String[]` or `String...` parameter, `void` result), `public` and
//!   `static` — a Scala `object Main` passes through the static forwarder
//!   scalac writes into class `Main`;
//! - **the class is `public`.** `java com.acme.Main` would run a
//!   package-private class (its launcher calls main through JNI, which does
//!   no access check), but Spark's `JavaMainApplication` (client mode) and
//!   YARN's `ApplicationMaster` (cluster mode) call
//!   `getMethod("main", String[].class).invoke(null, args)` from
//!   `org.apache.spark`, and `Method.invoke` throws
//!   `IllegalAccessException` for a member of a non-public class in another
//!   package. So a non-public class is reported as `NoMainMethod`.
//! - a class that declares no `main` of its own may inherit one, as
//!   `Class.getMethod` looks in superclasses: superclasses that are in the
//!   same jar are followed (one more read each); one outside the jar cannot
//!   be checked and is reported.
//!
//! Java 21+'s instance main methods (`void main()`) are not accepted:
//! spark-submit does not call them.

mod classfile;
mod port_source;
mod zip;

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use miniz_oxide::inflate::decompress_to_vec_with_limit;

use crate::cause;
use crate::ports::{FsError, Sink};
use classfile::{binary_name, ClassFile, ACC_PUBLIC, ACC_STATIC};
pub use port_source::PortByteSource;
pub use zip::CHUNK;
use zip::{CenEntry, CentralDirectory, METHOD_DEFLATED, METHOD_STORED, SHORT_TAIL_LEN, TAIL_LEN};

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

    /// The `len` bytes from `offset` as one read, handed to `sink` in order
    /// in pieces of at most `chunk` bytes; stops when `sink` answers
    /// `false` (see [`HdfsPort::read_range_chunks`](crate::ports::HdfsPort::read_range_chunks)).
    /// The default makes one [`Self::read`] per piece.
    async fn read_chunks(
        &self,
        offset: u64,
        len: u64,
        chunk: u64,
        sink: &mut Sink<'_>,
    ) -> Result<(), FsError> {
        let chunk = chunk.max(1);
        let mut done = 0;
        while done < len {
            let piece = chunk.min(len - done);
            let bytes = self.read(offset + done, piece).await?;
            done += piece;
            if !sink.take(&bytes) {
                break;
            }
        }
        Ok(())
    }
}

/// How many bytes one validation may read from its jar and dependencies
/// (see [`ReadBudget`]) unless the operator says otherwise: 64 MiB. A
/// 500 MB jar of 200,000 entries has a central directory of 15.7 MB
/// (`cargo bench -p cdp-spark-hdfs --bench jar_reads`): it is read once to
/// find the class and once more for each superclass followed.
pub const DEFAULT_MAX_READ_BYTES: u64 = 64 * 1024 * 1024;

/// The bytes one validation may still read. Each read is charged its whole
/// length before it is made (refused with [`JarError::TooLarge`] when that
/// would go past the limit), a streamed read too, even when it stops early:
/// an HDFS DataNode sends the range asked for whole. Shared by the jar's
/// and the dependencies' checks of one validation.
#[derive(Debug)]
pub struct ReadBudget {
    limit: u64,
    used: AtomicU64,
}

impl ReadBudget {
    pub fn new(limit: u64) -> Self {
        ReadBudget {
            limit,
            used: AtomicU64::new(0),
        }
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Bytes charged so far (reads made or in flight).
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::SeqCst)
    }

    /// Reserve `len` bytes for reading `what`.
    fn reserve(&self, len: u64, what: &str) -> Result<(), JarError> {
        let limit = self.limit;
        self.used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
                used.checked_add(len).filter(|&total| total <= limit)
            })
            .map(|_| ())
            .map_err(|used| {
                JarError::TooLarge(format!(
                    "{what} needs {len} more bytes, past the {limit} bytes one \
                     validation may read ({used} read already)"
                ))
            })
    }
}

impl Default for ReadBudget {
    fn default() -> Self {
        ReadBudget::new(DEFAULT_MAX_READ_BYTES)
    }
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
    /// Inspecting it would read more than the validation's [`ReadBudget`].
    #[error("is too large to inspect: {0}")]
    TooLarge(String),
    #[error(transparent)]
    Fs(#[from] FsError),
}

/// At most this many `similar` entries are reported.
pub const MAX_SIMILAR: usize = 5;

/// A class entry larger than this (compressed or not) is refused before it
/// is read; real class files are kilobytes, rarely a few megabytes (the
/// JVM caps a method's code at 64 KiB). With the compressed bytes and the
/// inflated ones in memory at once, one class costs at most twice this.
const MAX_CLASS_BYTES: u64 = 16 * 1024 * 1024;

/// How many superclasses in the jar are followed to find an inherited main.
const MAX_SUPERCLASS_DEPTH: usize = 8;

const MAIN_DESCRIPTOR: &str = "([Ljava/lang/String;)V";
const STRING_ARRAY_PARAMETER: &str = "([Ljava/lang/String;)";

/// Check that `class_name` (a Java binary name, `com.acme.Main`) is in the
/// jar and has a main method that `spark-submit --class` can call, within
/// the default [`ReadBudget`].
pub async fn check_main_class(
    source: &dyn ByteSource,
    class_name: &str,
) -> Result<MainClassCheck, JarError> {
    check_main_class_within(source, class_name, &ReadBudget::default()).await
}

/// [`check_main_class`], charging every read to `budget`.
pub async fn check_main_class_within(
    source: &dyn ByteSource,
    class_name: &str,
    budget: &ReadBudget,
) -> Result<MainClassCheck, JarError> {
    let internal = class_name.trim().replace('.', "/");
    let entry = format!("{internal}.class");
    let directory = CentralDirectory::open(source, budget, TAIL_LEN).await?;
    let mut similar = Similar::new(&internal);
    let found = directory
        .find_or(source, budget, &entry, &mut |name| similar.offer(name))
        .await?;
    let Some(found) = found else {
        return Ok(MainClassCheck::ClassNotFound {
            entry,
            similar: similar.into_names(),
        });
    };

    let class = load_class(source, budget, &directory, &found).await?;
    if class.this_class != internal {
        return Err(JarError::Corrupt(format!(
            "entry {entry} holds class {}, not {}; the JVM refuses to load it under this name \
             (NoClassDefFoundError: wrong name); rebuild the jar",
            binary_name(&class.this_class),
            binary_name(&internal)
        )));
    }

    let no_main = |detail: String| {
        Ok(MainClassCheck::NoMainMethod {
            entry: entry.clone(),
            detail,
        })
    };
    let mut declaring = class;
    let mut why_absent = String::new();
    for _ in 0..=MAX_SUPERCLASS_DEPTH {
        match main_of(&declaring) {
            Main::Runnable if declaring.access & ACC_PUBLIC == 0 => {
                return no_main(not_public_class(&declaring, &internal));
            }
            Main::Runnable => return Ok(MainClassCheck::HasMain { entry }),
            Main::Unusable(detail) => return no_main(inherited(&declaring, &internal, detail)),
            Main::Absent(detail) => {
                if why_absent.is_empty() {
                    why_absent = detail;
                }
            }
        }
        let Some(parent) = declaring.super_class.clone() else {
            return no_main(why_absent);
        };
        if parent == "java/lang/Object" {
            return no_main(why_absent);
        }
        let parent_entry = format!("{parent}.class");
        let Some(parent_found) = directory.find(source, budget, &parent_entry).await? else {
            return no_main(format!(
                "{why_absent}; it extends {}, which is not in this jar, so an inherited main \
                 cannot be checked: declare main in {} itself",
                binary_name(&parent),
                binary_name(&internal)
            ));
        };
        declaring = load_class(source, budget, &directory, &parent_found).await?;
    }
    no_main(format!(
        "{why_absent}, nor in its first {MAX_SUPERCLASS_DEPTH} superclasses in this jar"
    ))
}

/// Whether a class declares a main method spark-submit can call.
enum Main {
    Runnable,
    /// A `main(String[])` is declared but cannot be called; the detail says why.
    Unusable(String),
    /// No `main(String[])` is declared; the detail says what there is.
    Absent(String),
}

fn main_of(class: &ClassFile) -> Main {
    let name = binary_name(&class.this_class);
    if let Some(main) = class.mains.iter().find(|m| m.descriptor == MAIN_DESCRIPTOR) {
        let public = main.access & ACC_PUBLIC != 0;
        let is_static = main.access & ACC_STATIC != 0;
        let scala_hint = if name.ends_with('$') && !is_static {
            format!(
                "; {name} looks like a Scala object's module class: use {} (without the $), \
                 whose static forwarder calls it",
                name.trim_end_matches('$')
            )
        } else {
            String::new()
        };
        return match (public, is_static) {
            (true, true) => Main::Runnable,
            (true, false) => Main::Unusable(format!(
                "main(String[]) exists in {name} but is not static: spark-submit calls it \
                 without an instance; make it static (in Scala, put it in an object){scala_hint}"
            )),
            (false, true) => Main::Unusable(format!(
                "main(String[]) exists in {name} but is {}, not public: spark-submit can only \
                 call a public static void main(String[])",
                classfile::visibility(main.access)
            )),
            (false, false) => Main::Unusable(format!(
                "main(String[]) exists in {name} but is neither public nor static ({} instance \
                 method): declare it public static void main(String[] args){scala_hint}",
                classfile::visibility(main.access)
            )),
        };
    }
    if let Some(main) = class
        .mains
        .iter()
        .find(|m| m.descriptor.starts_with(STRING_ARRAY_PARAMETER))
    {
        return Main::Unusable(format!(
            "main(String[]) in {name} returns {} instead of void",
            classfile::return_type(&main.descriptor)
        ));
    }
    if class.mains.is_empty() {
        return Main::Absent(format!("no method main(String[]) in {name}"));
    }
    let others: Vec<String> = class
        .mains
        .iter()
        .map(|m| format!("main({})", classfile::parameter_types(&m.descriptor)))
        .collect();
    let instance_main = if class.mains.iter().any(|m| m.descriptor == "()V") {
        " (Java 21+ instance main methods are not called by spark-submit)"
    } else {
        ""
    };
    Main::Absent(format!(
        "no method main(String[]) in {name}: it only has {}{instance_main}",
        others.join(", ")
    ))
}

fn not_public_class(declaring: &ClassFile, asked: &str) -> String {
    let name = binary_name(&declaring.this_class);
    let whose = if declaring.this_class == asked {
        String::new()
    } else {
        format!(" (inherited by {})", binary_name(asked))
    };
    format!(
        "public static void main(String[]) exists in {name}{whose}, but the class is \
         {}, not public: spark-submit invokes main by reflection from another package, which \
         needs a public class (the plain java launcher would accept it); make {name} public",
        classfile::visibility(declaring.access)
    )
}

fn inherited(declaring: &ClassFile, asked: &str, detail: String) -> String {
    if declaring.this_class == asked {
        detail
    } else {
        format!(
            "no method main(String[]) in {}; the one it inherits fails: {detail}",
            binary_name(asked)
        )
    }
}

/// Check that the file is a zip (a jar): its end record is there and what
/// it claims fits the file. Reads the last 4 KiB (the whole 64 KiB tail
/// only when the end record carries a longer comment); the central
/// directory is not walked.
pub async fn check_is_zip(source: &dyn ByteSource, budget: &ReadBudget) -> Result<(), JarError> {
    CentralDirectory::open(source, budget, SHORT_TAIL_LEN)
        .await
        .map(|_| ())
}

/// Entries whose simple class name matches the wanted class's, ignoring
/// case (also `Outer$Main` for `Main`): the best [`MAX_SIMILAR`] are kept
/// while the directory streams by, exact-case matches first, then the
/// shortest, then by name.
struct Similar {
    simple: String,
    file: String,
    best: Vec<String>,
}

impl Similar {
    fn new(internal: &str) -> Self {
        let simple = internal.rsplit('/').next().unwrap_or(internal).to_string();
        Similar {
            file: format!("{simple}.class"),
            simple,
            best: Vec::with_capacity(MAX_SIMILAR + 1),
        }
    }

    fn offer(&mut self, raw: &[u8]) {
        if self.simple.is_empty() {
            return;
        }
        let name = String::from_utf8_lossy(raw);
        let Some(stem) = name.strip_suffix(".class") else {
            return;
        };
        let entry_simple = stem.rsplit('/').next().unwrap_or(stem);
        let nested = entry_simple.rsplit('$').next().unwrap_or(entry_simple);
        if !(entry_simple.eq_ignore_ascii_case(&self.simple)
            || nested.eq_ignore_ascii_case(&self.simple))
        {
            return;
        }
        let name = name.into_owned();
        let key = |n: &str| (n.rsplit('/').next() != Some(self.file.as_str()), n.len());
        let at = self
            .best
            .partition_point(|b| (key(b), b.as_str()) <= (key(&name), name.as_str()));
        if at < MAX_SIMILAR {
            self.best.insert(at, name);
            self.best.truncate(MAX_SIMILAR);
        }
    }

    fn into_names(self) -> Vec<String> {
        self.best
    }
}

/// Read, decompress, verify and parse one class entry.
async fn load_class(
    source: &dyn ByteSource,
    budget: &ReadBudget,
    directory: &CentralDirectory,
    entry: &CenEntry,
) -> Result<ClassFile, JarError> {
    let name = &entry.name;
    if entry.flags & 1 != 0 {
        return Err(JarError::Corrupt(format!(
            "entry {name} is encrypted; Java cannot load classes from encrypted entries"
        )));
    }
    if entry.uncompressed_size > MAX_CLASS_BYTES || entry.compressed_size > MAX_CLASS_BYTES {
        return Err(JarError::Corrupt(format!(
            "entry {name} claims {} bytes, more than any class file has ({MAX_CLASS_BYTES} \
             accepted)",
            entry.uncompressed_size.max(entry.compressed_size)
        )));
    }
    let stored = directory.read_entry(source, budget, entry).await?;
    let data = match entry.method {
        METHOD_STORED if entry.compressed_size == entry.uncompressed_size => stored,
        METHOD_STORED => {
            return Err(JarError::Corrupt(format!(
                "entry {name} is stored uncompressed but its sizes differ ({} vs {} bytes)",
                entry.compressed_size, entry.uncompressed_size
            )))
        }
        METHOD_DEFLATED => {
            let limit = entry.uncompressed_size as usize;
            let data = decompress_to_vec_with_limit(&stored, limit).map_err(|e| {
                JarError::Corrupt(format!(
                    "entry {name} does not inflate to its recorded {limit} bytes: {:?}",
                    e.status
                ))
            })?;
            if data.len() != limit {
                return Err(JarError::Corrupt(format!(
                    "entry {name} inflates to {} bytes, not the {limit} its header records",
                    data.len()
                )));
            }
            data
        }
        other => {
            return Err(JarError::Corrupt(format!(
                "entry {name} uses compression method {other}; Java only reads stored (0) and \
                 deflated (8) entries: rebuild the jar with the jar tool, Maven, Gradle or sbt"
            )))
        }
    };
    let crc = zip::crc32(&data);
    if crc != entry.crc32 {
        return Err(JarError::Corrupt(format!(
            "entry {name} fails its CRC-32 check (computed {crc:08x}, recorded {:08x})",
            entry.crc32
        )));
    }
    ClassFile::parse(&data).map_err(|e| JarError::Corrupt(format!("entry {name}: {e}")))
}

/// `source.read` of `what`, charged to `budget`, checked to return exactly
/// `len` bytes.
async fn read_exact(
    source: &dyn ByteSource,
    budget: &ReadBudget,
    offset: u64,
    len: u64,
    what: &str,
) -> Result<Vec<u8>, JarError> {
    budget.reserve(len, what)?;
    let bytes = source.read(offset, len).await?;
    if bytes.len() as u64 != len {
        return Err(JarError::Fs(FsError::Read {
            path: "the jar".into(),
            detail: cause!(
                "asked for {len} bytes at offset {offset}, got {}",
                bytes.len()
            ),
        }));
    }
    Ok(bytes)
}

/// `len` bytes of `what` from `offset` streamed to `sink` [`CHUNK`] at a
/// time as one read, charged whole to `budget`. All `len` bytes must come
/// unless `sink` stopped the read.
async fn read_streamed(
    source: &dyn ByteSource,
    budget: &ReadBudget,
    offset: u64,
    len: u64,
    what: &str,
    sink: &mut Sink<'_>,
) -> Result<(), JarError> {
    budget.reserve(len, what)?;
    let mut delivered = 0u64;
    let mut stopped = false;
    let outcome = source
        .read_chunks(offset, len, CHUNK, &mut |bytes: &[u8]| {
            delivered += bytes.len() as u64;
            let go_on = sink.take(bytes);
            stopped |= !go_on;
            go_on
        })
        .await;
    outcome?;
    if !stopped && delivered != len {
        return Err(JarError::Fs(FsError::Read {
            path: "the jar".into(),
            detail: cause!(
                "asked for {len} bytes at offset {offset}, got {delivered}: the file changed \
                 while being read"
            ),
        }));
    }
    Ok(())
}
