use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::artifact::ArtifactUri;
use crate::cron::CronExpression;

/// A parsed `COMPONENT_DESCRIPTOR`: the data product and the one workload
/// component to provision.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentDescriptor {
    pub data_product: DataProduct,
    /// Index of the component in `dataProduct.components`.
    pub component_index: usize,
    pub component: WorkloadComponent,
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
}

/// `specific.jobConfig.schedule`.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub cron: CronExpression,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    /// IANA zone the expression is evaluated in (default UTC).
    pub time_zone: Tz,
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
    /// `jobName`: non-empty, at most 190 characters (Quartz's `JOB_NAME`),
    /// only `[A-Za-z0-9-]` (the convention's output alphabet).
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
string_newtype!(
    /// A memory size in Spark's format: digits plus an optional unit
    /// (`b`, `k`/`kb`, `m`/`mb`, `g`/`gb`, `t`/`tb`, `p`/`pb`), e.g. `512m`, `2g`.
    MemorySize
);

impl JobName {
    /// Construct without checks; the descriptor rules are the only caller
    /// that may produce unchecked values.
    pub(crate) fn new_unchecked(s: String) -> Self {
        Self(s)
    }
}

impl JavaClassName {
    pub(crate) fn new_unchecked(s: String) -> Self {
        Self(s)
    }
}

impl YarnQueue {
    pub(crate) fn new_unchecked(s: String) -> Self {
        Self(s)
    }
}

impl MemorySize {
    pub(crate) fn new_unchecked(s: String) -> Self {
        Self(s)
    }
}

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
