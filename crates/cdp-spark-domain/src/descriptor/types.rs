use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::artifact::ArtifactUri;
use crate::cron::{CronExpression, JavaTimeZone};
use crate::model::MAX_KEY_LEN;

/// A parsed `COMPONENT_DESCRIPTOR`: the data product and the one workload
/// component to provision.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentDescriptor {
    pub data_product: DataProduct,
    /// Index of the component in `dataProduct.components`.
    pub component_index: usize,
    pub component: WorkloadComponent,
    /// What does not make it invalid but is worth telling its author (keys
    /// under `specific` that no rule reads).
    pub warnings: Vec<crate::issues::Issue>,
}

impl ComponentDescriptor {
    /// Field path of something under the component, e.g.
    /// `component_field("specific.jobName")` →
    /// `dataProduct.components[1].specific.jobName`.
    pub fn component_field(&self, relative: &str) -> String {
        component_field(self.component_index, relative)
    }
}

/// Field path of something under component `index`.
pub fn component_field(index: usize, relative: &str) -> String {
    if relative.is_empty() {
        format!("dataProduct.components[{index}]")
    } else {
        format!("dataProduct.components[{index}].{relative}")
    }
}

/// The fields of `dataProduct` this provisioner uses (others are tolerated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataProduct {
    pub id: String,
    pub name: Option<String>,
    pub domain: Option<String>,
    pub environment: String,
    pub version: Option<String>,
    pub data_product_owner: Option<String>,
    pub dev_group: Option<String>,
    pub owner_group: Option<String>,
}

/// The workload component to provision.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadComponent {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub use_case_template_id: String,
    pub specific: SparkWorkload,
}

/// `specific` of a Spark workload, field names as the existing CDP Private
/// Spark provisioner.
#[derive(Debug, Clone, PartialEq)]
pub struct SparkWorkload {
    pub job_name: JobName,
    pub jar: ArtifactUri,
    pub class_name: JavaClassName,
    pub queue: Option<YarnQueue>,
    pub job_config: JobConfig,
}

/// `specific.jobConfig` (all optional in the descriptor).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobConfig {
    pub args: Vec<String>,
    pub dependencies: Vec<ArtifactUri>,
    pub driver_cores: Option<PositiveCount>,
    pub driver_memory: Option<MemorySize>,
    pub executor_cores: Option<PositiveCount>,
    pub executor_memory: Option<MemorySize>,
    pub num_executors: Option<PositiveCount>,
    pub log_level: Option<SparkLogLevel>,
    /// Spark configuration; every key starts with `spark.`.
    pub conf: BTreeMap<String, String>,
    pub schedule: Option<Schedule>,
    /// `maxDuration`: the longest a run may take (`None`: no limit).
    pub max_duration: Option<super::MaxDuration>,
    /// `runAtProvision`: start one run when the job is provisioned (created
    /// or changed), for a job without a schedule; `None`: the deployment's
    /// `scheduler.run_unscheduled_at_provision` decides.
    pub run_at_provision: Option<bool>,
}

/// `specific.jobConfig.schedule`.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub cron: CronExpression,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    /// The zone the expression is evaluated in, as Java resolves its id
    /// (an IANA id, a custom `GMT+hh:mm`, a JDK id such as `PST`; default UTC).
    pub time_zone: JavaTimeZone,
    /// What a fire does while a run of the job is still going (default
    /// [`ConcurrencyPolicy::Forbid`]).
    pub concurrency_policy: ConcurrencyPolicy,
    /// How many times a failed run is retried (default 0).
    pub retries: u32,
    /// Wait before a retry (`retryDelay`, e.g. `30s`, `5m`); `None` when not
    /// given.
    pub retry_delay: Option<Duration>,
    /// How long after its nominal time a run must have ended (`deadline`,
    /// e.g. `30m`, `2h`, `PT2H`); a run still going then is notified as a
    /// missed deadline. `None` when not given.
    pub deadline: Option<Duration>,
}

/// `schedule.concurrencyPolicy`: what a fire does while a run of the same
/// job is still going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ConcurrencyPolicy {
    /// Skip the fire (Quartz `@DisallowConcurrentExecution`). The default.
    #[default]
    Forbid,
    /// Start another run next to the running one.
    Allow,
    /// Kill the running run, then start the new one.
    Replace,
}

impl ConcurrencyPolicy {
    pub const ALL: [ConcurrencyPolicy; 3] = [
        ConcurrencyPolicy::Forbid,
        ConcurrencyPolicy::Allow,
        ConcurrencyPolicy::Replace,
    ];

    /// The spelling of the descriptor.
    pub fn as_str(self) -> &'static str {
        match self {
            ConcurrencyPolicy::Forbid => "Forbid",
            ConcurrencyPolicy::Allow => "Allow",
            ConcurrencyPolicy::Replace => "Replace",
        }
    }

    /// Case-insensitive.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for ConcurrencyPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a value cannot become one of the descriptor types: what is wrong
/// and how to fix it (the caller adds the field path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidValue {
    pub problem: String,
    pub hint: String,
}

impl InvalidValue {
    pub fn new(problem: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            problem: problem.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.problem, self.hint)
    }
}

impl std::error::Error for InvalidValue {}

/// JSON (the job view) and `JOB_DATA` hold these types as the text
/// `as_str` gives; reading them back parses that text again, so that a
/// stored job holds only what its rules accept.
macro_rules! serde_as_text {
    ($name:ident) => {
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_newtype!(
    /// `jobName`: non-empty, at most [`MAX_JOB_NAME_LEN`] characters, only
    /// `[A-Za-z0-9-]` (the convention's output alphabet).
    JobName
);
string_newtype!(
    /// A Java binary class name (`com.acme.Main`, `com.acme.Outer$Inner`).
    JavaClassName
);
string_newtype!(
    /// A YARN queue path (`root.finance`, `default`).
    YarnQueue
);

/// Prefix of Witboost component ids, dropped when deriving the job name.
pub const COMPONENT_ID_PREFIX: &str = "urn:dmb:cmp:";

/// Suffix of the scheduled trigger's name (`jobName` + `Trigger`).
pub const TRIGGER_NAME_SUFFIX: &str = "Trigger";

/// Longest `jobName`: Quartz keeps job and trigger names in `VARCHAR(190)`
/// columns and the trigger is named `jobName` + `Trigger`, so 190 − 7.
pub const MAX_JOB_NAME_LEN: usize = MAX_KEY_LEN - TRIGGER_NAME_SUFFIX.len();

impl JobName {
    /// Construct without checks; the descriptor rules are the only caller
    /// that may produce unchecked values.
    pub(crate) fn new_unchecked(s: String) -> Self {
        Self(s)
    }

    /// A job name: non-empty, at most [`MAX_JOB_NAME_LEN`] characters of
    /// `[A-Za-z0-9-]`.
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        if text.is_empty() {
            return Err(InvalidValue::new(
                "is empty",
                "set it to the component id without 'urn:dmb:cmp:', '-' and the environment",
            ));
        }
        let len = text.chars().count();
        if len > MAX_JOB_NAME_LEN {
            return Err(InvalidValue::new(
                format!(
                    "is {len} characters long; at most {MAX_JOB_NAME_LEN} are allowed, because \
                     Quartz stores job and trigger names in {MAX_KEY_LEN}-character columns and \
                     the trigger is named jobName + '{TRIGGER_NAME_SUFFIX}'"
                ),
                "shorten the component id (the job name is derived from it and the environment)",
            ));
        }
        if let Some(c) = text
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(InvalidValue::new(
                format!("contains '{c}'; only letters A-Z and a-z, digits and '-' are allowed"),
                "replace every other character with '-'",
            ));
        }
        Ok(Self::new_unchecked(text.to_string()))
    }

    /// The job name the naming convention gives a component: its id without
    /// `urn:dmb:cmp:`, `-`, the environment, with every character other than
    /// `[A-Za-z0-9]` replaced by `-`. `None` when the id lacks the prefix.
    ///
    /// ```
    /// use cdp_spark_domain::descriptor::JobName;
    /// assert_eq!(
    ///     JobName::conventional("urn:dmb:cmp:finance:cashflow:0:daily-aggregation", "development")
    ///         .as_deref(),
    ///     Some("finance-cashflow-0-daily-aggregation-development"),
    /// );
    /// ```
    pub fn conventional(component_id: &str, environment: &str) -> Option<String> {
        let rest = component_id.strip_prefix(COMPONENT_ID_PREFIX)?;
        Some(
            format!("{rest}-{environment}")
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect(),
        )
    }
}

/// Words a Java identifier cannot be: reserved keywords, the literals and `_`.
const JAVA_RESERVED: &[&str] = &[
    "abstract",
    "assert",
    "boolean",
    "break",
    "byte",
    "case",
    "catch",
    "char",
    "class",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extends",
    "final",
    "finally",
    "float",
    "for",
    "goto",
    "if",
    "implements",
    "import",
    "instanceof",
    "int",
    "interface",
    "long",
    "native",
    "new",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "short",
    "static",
    "strictfp",
    "super",
    "switch",
    "synchronized",
    "this",
    "throw",
    "throws",
    "transient",
    "try",
    "void",
    "volatile",
    "while",
    "true",
    "false",
    "null",
    "_",
];

impl JavaClassName {
    pub(crate) fn new_unchecked(s: String) -> Self {
        Self(s)
    }

    /// A Java binary name: identifiers separated by dots (`$` allowed, as in
    /// nested classes), none of them a Java keyword.
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        const HINT: &str =
            "write the fully qualified name of the main class, e.g. com.acme.jobs.Main";
        if text.is_empty() {
            return Err(InvalidValue::new("is empty", HINT));
        }
        if text.chars().any(char::is_whitespace) {
            return Err(InvalidValue::new(
                format!("'{text}' contains whitespace"),
                HINT,
            ));
        }
        if text.starts_with('.') || text.ends_with('.') || text.contains("..") {
            return Err(InvalidValue::new(
                format!("'{text}' has an empty part (a leading, trailing or doubled '.')"),
                HINT,
            ));
        }
        for part in text.split('.') {
            let mut chars = part.chars();
            let starts_well = chars
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$');
            if !starts_well || !chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                return Err(InvalidValue::new(
                    format!(
                        "'{text}' is not a Java class name: '{part}' is not a Java identifier \
                         (letters, digits, '_' and '$', not starting with a digit)"
                    ),
                    HINT,
                ));
            }
            if JAVA_RESERVED.contains(&part) {
                return Err(InvalidValue::new(
                    format!("'{text}' is not a Java class name: '{part}' is a Java keyword"),
                    HINT,
                ));
            }
        }
        Ok(Self::new_unchecked(text.to_string()))
    }
}

impl YarnQueue {
    pub(crate) fn new_unchecked(s: String) -> Self {
        Self(s)
    }

    /// A YARN queue path: dot-separated, non-empty queue names without
    /// whitespace or control characters (YARN's schedulers reject those).
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        const HINT: &str = "write a queue name or a dot-separated queue path, e.g. root.finance";
        if text.is_empty() {
            return Err(InvalidValue::new(
                "is empty",
                "leave queue out to use the default queue, or name one, e.g. root.finance",
            ));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(InvalidValue::new(
                format!("'{text}' contains whitespace or a control character, which YARN rejects in queue names"),
                HINT,
            ));
        }
        if text.split('.').any(str::is_empty) {
            return Err(InvalidValue::new(
                format!("'{text}' has an empty queue name (a leading, trailing or doubled '.')"),
                HINT,
            ));
        }
        Ok(Self::new_unchecked(text.to_string()))
    }
}

impl FromStr for JavaClassName {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl FromStr for YarnQueue {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

serde_as_text!(JavaClassName);
serde_as_text!(YarnQueue);

/// Units of Spark's size strings (`JavaUtils.byteStringAs`), with their
/// size in bytes.
const MEMORY_UNITS: &[(&str, u64)] = &[
    ("b", 1),
    ("k", 1 << 10),
    ("kb", 1 << 10),
    ("m", 1 << 20),
    ("mb", 1 << 20),
    ("g", 1 << 30),
    ("gb", 1 << 30),
    ("t", 1 << 40),
    ("tb", 1 << 40),
    ("p", 1 << 50),
    ("pb", 1 << 50),
];

/// A memory size in Spark's format: digits plus an optional,
/// case-insensitive unit (`b`, `k`/`kb`, `m`/`mb`, `g`/`gb`, `t`/`tb`,
/// `p`/`pb`), e.g. `512m`, `2g`, `1024k`. Never zero. As Spark reads
/// `spark.driver.memory` and `spark.executor.memory`, a bare number means
/// MiB.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemorySize {
    // Field order: sizes order by bytes first.
    bytes: u64,
    text: String,
}

impl MemorySize {
    /// What a bare number counts, as Spark reads the driver and executor
    /// memory settings (`bytesConf(ByteUnit.MiB)`).
    pub const DEFAULT_UNIT_BYTES: u64 = 1 << 20;

    /// Parse as Spark's `JavaUtils.byteStringAs` does (surrounding
    /// whitespace ignored, units case-insensitive, no fractions, the size
    /// must fit a Java `long`), and reject zero.
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        const HINT: &str = "write a whole number with an optional unit b, k, m, g, t or p \
                            (kb, mb, ... too), e.g. 512m or 4g";
        let trimmed = text.trim();
        let lower = trimmed.to_ascii_lowercase();
        let digits_end = lower
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(lower.len());
        let (digits, unit) = lower.split_at(digits_end);
        if digits.is_empty() {
            return Err(InvalidValue::new(
                format!("'{trimmed}' is not a memory size: it must start with a number"),
                HINT,
            ));
        }
        if unit.starts_with('.') {
            return Err(InvalidValue::new(
                format!("'{trimmed}' is a fraction, which Spark does not accept"),
                "use a smaller unit instead, e.g. 1536m rather than 1.5g",
            ));
        }
        let unit_bytes = if unit.is_empty() {
            Self::DEFAULT_UNIT_BYTES
        } else {
            match MEMORY_UNITS.iter().find(|(name, _)| *name == unit) {
                Some((_, bytes)) => *bytes,
                None => {
                    return Err(InvalidValue::new(
                        format!("'{trimmed}' has the unknown unit '{unit}'"),
                        HINT,
                    ))
                }
            }
        };
        let bytes = digits
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(unit_bytes))
            .filter(|b| i64::try_from(*b).is_ok());
        let Some(bytes) = bytes else {
            return Err(InvalidValue::new(
                format!("'{trimmed}' is too large for Spark (more than 2^63 - 1 bytes)"),
                HINT,
            ));
        };
        if bytes == 0 {
            return Err(InvalidValue::new(
                format!(
                    "'{trimmed}' is zero: Spark cannot start a process without memory (the \
                     Scala provisioner let 0g through; its job then failed at launch)"
                ),
                "give the process some memory, e.g. 2g",
            ));
        }
        Ok(Self {
            text: trimmed.to_string(),
            bytes,
        })
    }

    /// The size as written (trimmed), to pass to spark-submit.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The size in bytes as Spark reads it (a bare number is MiB).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl fmt::Display for MemorySize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl AsRef<str> for MemorySize {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl FromStr for MemorySize {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

serde_as_text!(MemorySize);

/// A positive integer (cores, executors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PositiveCount(u32);

impl PositiveCount {
    pub fn new(n: u32) -> Option<Self> {
        (n > 0).then_some(Self(n))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for PositiveCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

// As JSON: the number.
impl serde::Serialize for PositiveCount {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for PositiveCount {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let n = <u32 as serde::Deserialize>::deserialize(deserializer)?;
        Self::new(n).ok_or_else(|| serde::de::Error::custom("is 0; it must be at least 1"))
    }
}

/// Spark's (log4j 2) log levels accepted by `SparkContext.setLogLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SparkLogLevel {
    All,
    Debug,
    Error,
    Fatal,
    Info,
    Off,
    Trace,
    Warn,
}

impl SparkLogLevel {
    pub const ALL_LEVELS: [SparkLogLevel; 8] = [
        SparkLogLevel::All,
        SparkLogLevel::Debug,
        SparkLogLevel::Error,
        SparkLogLevel::Fatal,
        SparkLogLevel::Info,
        SparkLogLevel::Off,
        SparkLogLevel::Trace,
        SparkLogLevel::Warn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SparkLogLevel::All => "ALL",
            SparkLogLevel::Debug => "DEBUG",
            SparkLogLevel::Error => "ERROR",
            SparkLogLevel::Fatal => "FATAL",
            SparkLogLevel::Info => "INFO",
            SparkLogLevel::Off => "OFF",
            SparkLogLevel::Trace => "TRACE",
            SparkLogLevel::Warn => "WARN",
        }
    }

    /// Case-insensitive, as Spark accepts it.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL_LEVELS
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for SparkLogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SparkLogLevel {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text).ok_or_else(|| {
            let levels: Vec<&str> = Self::ALL_LEVELS.iter().map(|l| l.as_str()).collect();
            InvalidValue::new(
                format!("'{}' is not a Spark log level", text.trim()),
                format!("use one of {}", levels.join(", ")),
            )
        })
    }
}

serde_as_text!(SparkLogLevel);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_names_are_checked_on_their_own() {
        assert_eq!(
            JobName::parse("finance-cashflow-0-x-dev").map(|n| n.to_string()),
            Ok("finance-cashflow-0-x-dev".to_string())
        );
        assert!(JobName::parse("").is_err());
        let e = JobName::parse("a_b").expect_err("underscore");
        assert!(e.problem.contains("'_'"), "{e}");
        let e = JobName::parse(&"a".repeat(MAX_JOB_NAME_LEN + 1)).expect_err("too long");
        assert!(e.problem.contains("at most 183"), "{e}");
        assert!(JobName::parse(&"a".repeat(MAX_JOB_NAME_LEN)).is_ok());
        assert_eq!(JobName::conventional("urn:dmb:dp:x", "dev"), None);
    }

    #[test]
    fn memory_sizes_read_like_spark() {
        let m = MemorySize::parse(" 2G ").expect("valid");
        assert_eq!((m.as_str(), m.bytes()), ("2G", 2 << 30));
        assert_eq!(MemorySize::parse("1").map(|m| m.bytes()), Ok(1 << 20));
        // 2^63 - 1 bytes is the most Spark (a Java long) holds.
        assert!(MemorySize::parse("8191p").is_ok());
        assert!(MemorySize::parse("8192p").is_err());
        assert!(MemorySize::parse("").is_err());
        assert!(MemorySize::parse("1.0g").is_err());
    }

    #[test]
    fn concurrency_policies() {
        assert_eq!(ConcurrencyPolicy::default(), ConcurrencyPolicy::Forbid);
        assert_eq!(
            ConcurrencyPolicy::parse("REPLACE"),
            Some(ConcurrencyPolicy::Replace)
        );
        assert_eq!(ConcurrencyPolicy::parse("queue"), None);
    }
}
