//! The one registry of the keys under a component's `specific`: every key
//! the rules read, at every level (`specific`, `jobConfig`,
//! `jobConfig.schedule`), with its JSON type, whether it is required, its
//! default, its rule in one line, an example and what it becomes in
//! `spark-submit`.
//!
//! Everything that describes `specific` is generated from it: the
//! unknown-key warnings ([`super::unknown_keys`]), the JSON Schema and the
//! CUE policy ([`super::schema`]) and the list `docs/DESCRIPTOR.md` is
//! checked against. It cannot drift from the rules: a test runs the rules
//! on a descriptor holding every registered field and records every key
//! they look up (`yaml::Node::get`); a key read but not registered, or
//! registered but never read, fails it.
//!
//! A new field is one more line in [`FIELDS`] (after its parent, in the
//! order the documentation lists them), plus its read in `rules.rs` or
//! `schedule.rs`.

use super::types::{ConcurrencyPolicy, SparkLogLevel};

/// What a field holds, as JSON Schema and CUE can say it.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A mapping of registered fields (`jobConfig`, `schedule`).
    Object,
    /// `conf`: Spark properties, any `spark.*` key, scalar values; its keys
    /// are not registered fields.
    SparkConf,
    /// A string, matching the pattern when there is one.
    Text(Option<&'static str>),
    /// A string matching the pattern, or a whole number of at least 1
    /// (memory sizes: a bare number is MiB).
    TextOrCount(&'static str),
    /// A whole number of at least `min`, at most `u32::MAX`.
    Integer { min: u32 },
    /// One of a closed set of words, any case.
    OneOf(fn() -> Vec<&'static str>),
    /// A list of scalars (strings, numbers, booleans), each kept as written.
    ScalarList,
    /// A list of strings matching the pattern.
    TextList(&'static str),
    /// `true` or `false`.
    Boolean,
}

impl Shape {
    /// The JSON type, for documentation.
    pub fn json_type(&self) -> &'static str {
        match self {
            Shape::Object | Shape::SparkConf => "object",
            Shape::Text(_) | Shape::OneOf(_) => "string",
            Shape::TextOrCount(_) => "string or integer",
            Shape::Integer { .. } => "integer",
            Shape::ScalarList | Shape::TextList(_) => "array",
            Shape::Boolean => "boolean",
        }
    }
}

/// One key under `specific`.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Its path below `specific`, dot-separated: `jobConfig.schedule.retries`.
    pub path: &'static str,
    pub shape: Shape,
    /// Required when its parent is there (`schedule.cronExpression` is
    /// required only in a `schedule`).
    pub required: bool,
    /// What an absent optional field means.
    pub default: &'static str,
    /// The rule, in one line.
    pub rule: &'static str,
    /// An example value, as JSON (a valid value: a test validates a
    /// descriptor made of every example).
    pub example: &'static str,
    /// What it becomes in `spark-submit` (or in the job).
    pub becomes: &'static str,
}

impl Field {
    /// The last part of the path: the key as written.
    pub fn key(&self) -> &'static str {
        self.path.rsplit('.').next().unwrap_or(self.path)
    }

    /// The path of the mapping it sits in (`""` for `specific` itself).
    pub fn parent(&self) -> &'static str {
        self.path.rsplit_once('.').map_or("", |(p, _)| p)
    }
}

/// `jobName`: letters, digits and `-`, at most 183 characters
/// ([`super::MAX_JOB_NAME_LEN`]).
pub const JOB_NAME_PATTERN: &str = "^[A-Za-z0-9-]{1,183}$";
/// `jar`: a `.jar` (any case), without `#` or `?`, not starting with `-`.
pub const JAR_PATTERN: &str = "^[^#?-][^#?]*\\.[Jj][Aa][Rr]$";
/// One `dependencies` entry: a `.jar` without `#`, `?` or `,`.
pub const DEPENDENCY_PATTERN: &str = "^[^#?,]*\\.[Jj][Aa][Rr]$";
/// `className`: dot-separated parts without whitespace (the rules also
/// check each part is a Java identifier and no keyword).
pub const CLASS_NAME_PATTERN: &str = "^[^.\\s]+(\\.[^.\\s]+)*$";
/// `queue`: dot-separated queue names without whitespace or control
/// characters.
pub const QUEUE_PATTERN: &str = "^[^.\\s\\x00-\\x1f\\x7f]+(\\.[^.\\s\\x00-\\x1f\\x7f]+)*$";
/// `driverMemory`, `executorMemory` written as text: Spark's size format,
/// not zero.
pub const MEMORY_PATTERN: &str = "^0*[1-9][0-9]*([bBkKmMgGtTpP]|[kKmMgGtTpP][bB])?$";
/// `maxDuration`, `schedule.deadline`: a number and a unit, or ISO-8601
/// days, hours, minutes and seconds (the rules also bound it to 7 days).
pub const DURATION_PATTERN: &str =
    "^([0-9]+[sSmMhHdD]|[Pp]([0-9]+[Dd])?([Tt]([0-9]+[Hh])?([0-9]+[Mm])?([0-9]+[Ss])?)?)$";
/// `schedule.retryDelay`: a number and `s`, `m`, `h` or `d`.
pub const RETRY_DELAY_PATTERN: &str = "^[0-9]+[smhd]$";
/// `startDate`, `endDate`: `yyyy-MM-ddTHH:mm:ssZ`.
pub const TIMESTAMP_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$";
/// A `conf` key: `spark.` and more, without whitespace, control characters
/// or `=`.
pub const CONF_KEY_PATTERN: &str = "^spark\\.[^\\s=\\x00-\\x1f\\x7f]+$";

fn log_levels() -> Vec<&'static str> {
    SparkLogLevel::ALL_LEVELS
        .iter()
        .map(|l| l.as_str())
        .collect()
}

fn concurrency_policies() -> Vec<&'static str> {
    ConcurrencyPolicy::ALL.iter().map(|p| p.as_str()).collect()
}

/// Every key under `specific`, parents before their children.
pub const FIELDS: &[Field] = &[
    Field {
        path: "jobName",
        shape: Shape::Text(Some(JOB_NAME_PATTERN)),
        required: true,
        default: "",
        rule: "the component id without `urn:dmb:cmp:`, then `-` and `dataProduct.environment`, every character other than A-Z, a-z and 0-9 replaced by `-`; at most 183 characters",
        example: "\"finance-cashflow-0-daily-aggregation-development\"",
        becomes: "the Quartz job's name (group: the data product id) and `--name` (the application's name on the cluster)",
    },
    Field {
        path: "jar",
        shape: Shape::Text(Some(JAR_PATTERN)),
        required: true,
        default: "",
        rule: "an `hdfs://` URI, a `file:` URI or an absolute local path of a `.jar`, without `#` or `?`; the file must exist and hold `className` with a `public static void main(String[])`",
        example: "\"hdfs://nameservice1/apps/finance/daily-aggregation.jar\"",
        becomes: "spark-submit's primary resource (the argument after the options)",
    },
    Field {
        path: "className",
        shape: Shape::Text(Some(CLASS_NAME_PATTERN)),
        required: true,
        default: "",
        rule: "a fully qualified Java class name: dot-separated Java identifiers, none a keyword",
        example: "\"com.acme.finance.DailyAggregation\"",
        becomes: "`--class`",
    },
    Field {
        path: "queue",
        shape: Shape::Text(Some(QUEUE_PATTERN)),
        required: false,
        default: "the cluster's default queue",
        rule: "a YARN queue name or dot-separated path, no whitespace or control characters, no empty part",
        example: "\"root.finance\"",
        becomes: "`--queue` (YARN only)",
    },
    Field {
        path: "jobConfig",
        shape: Shape::Object,
        required: false,
        default: "no arguments, Spark's and the operator's defaults, no schedule",
        rule: "a mapping of the keys below",
        example: "{}",
        becomes: "the options below",
    },
    Field {
        path: "jobConfig.args",
        shape: Shape::ScalarList,
        required: false,
        default: "no arguments",
        rule: "a list of scalars, each passed as one argument (never through a shell), no NUL; `${nominalTime}`, `${nominalDate}` and `${runId}` are replaced at each run, `$${` is a literal `${`",
        example: "[\"--date\", \"${nominalDate}\"]",
        becomes: "the application's arguments, after the jar",
    },
    Field {
        path: "jobConfig.dependencies",
        shape: Shape::TextList(DEPENDENCY_PATTERN),
        required: false,
        default: "none",
        rule: "a list of `.jar` locations (as `jar`), without `#`, `?` or `,`; each must exist",
        example: "[\"hdfs://nameservice1/apps/finance/lib/commons.jar\"]",
        becomes: "`--jars` (comma-separated)",
    },
    Field {
        path: "jobConfig.driverCores",
        shape: Shape::Integer { min: 1 },
        required: false,
        default: "Spark's (1)",
        rule: "a whole number of at least 1",
        example: "1",
        becomes: "`--driver-cores` (cluster deploy mode)",
    },
    Field {
        path: "jobConfig.driverMemory",
        shape: Shape::TextOrCount(MEMORY_PATTERN),
        required: false,
        default: "Spark's (1g)",
        rule: "Spark's size format: a whole number and an optional unit b, k, m, g, t, p (or kb, mb, ...), any case, not zero; a bare number is MiB",
        example: "\"2g\"",
        becomes: "`--driver-memory`",
    },
    Field {
        path: "jobConfig.executorCores",
        shape: Shape::Integer { min: 1 },
        required: false,
        default: "Spark's (1 on YARN)",
        rule: "a whole number of at least 1",
        example: "2",
        becomes: "`--executor-cores`",
    },
    Field {
        path: "jobConfig.executorMemory",
        shape: Shape::TextOrCount(MEMORY_PATTERN),
        required: false,
        default: "Spark's (1g)",
        rule: "as `driverMemory`",
        example: "\"4g\"",
        becomes: "`--executor-memory`",
    },
    Field {
        path: "jobConfig.numExecutors",
        shape: Shape::Integer { min: 1 },
        required: false,
        default: "Spark's (2 on YARN, unless dynamic allocation)",
        rule: "a whole number of at least 1",
        example: "4",
        becomes: "`--num-executors` on YARN; on a standalone master `--total-executor-cores` = numExecutors × executorCores",
    },
    Field {
        path: "jobConfig.logLevel",
        shape: Shape::OneOf(log_levels),
        required: false,
        default: "the application's log4j configuration",
        rule: "one of Spark's log levels, any case",
        example: "\"WARN\"",
        becomes: "`--conf spark.log.level=LEVEL` (Spark 3.5 and later)",
    },
    Field {
        path: "jobConfig.conf",
        shape: Shape::SparkConf,
        required: false,
        default: "none",
        rule: "a mapping of Spark properties: keys `spark.*` without whitespace, control characters or `=`, allowed by the operator's conf policy; values scalars (placeholders as in `args`)",
        example: "{\"spark.sql.shuffle.partitions\": \"64\"}",
        becomes: "one `--conf key=value` each",
    },
    Field {
        path: "jobConfig.maxDuration",
        shape: Shape::Text(Some(DURATION_PATTERN)),
        required: false,
        default: "no limit",
        rule: "a whole number and a unit (45s, 90m, 2h, 1d) or ISO-8601 (PT90M, P1DT2H), more than 0 and at most 7d",
        example: "\"2h\"",
        becomes: "the scheduler kills a run still going after it and ends it TIMED_OUT",
    },
    Field {
        path: "jobConfig.runAtProvision",
        shape: Shape::Boolean,
        required: false,
        default: "scheduler.run_unscheduled_at_provision (false unless the operator set it)",
        rule: "true or false; true only for a job without a schedule",
        example: "false",
        becomes: "true: one run when the job is provisioned and its definition is new or changed (the manual trigger's one-shot trigger)",
    },
    Field {
        path: "jobConfig.schedule",
        shape: Shape::Object,
        required: false,
        default: "no schedule: the job runs only when triggered",
        rule: "a mapping with `cronExpression` and the optional keys below",
        example: "{\"cronExpression\": \"0 30 2 ? * MON-FRI\"}",
        becomes: "the Quartz cron trigger `jobName` + `Trigger`",
    },
    Field {
        path: "jobConfig.schedule.cronExpression",
        shape: Shape::Text(None),
        required: true,
        default: "",
        rule: "a Quartz cron expression (seconds minutes hours day-of-month month day-of-week [year]), `?` in day-of-month or day-of-week, that fires at least once in the window; at most 120 characters",
        example: "\"0 30 2 ? * MON-FRI\"",
        becomes: "the trigger's CRON_EXPRESSION",
    },
    Field {
        path: "jobConfig.schedule.startDate",
        shape: Shape::Text(Some(TIMESTAMP_PATTERN)),
        required: false,
        default: "the time of the provision",
        rule: "`yyyy-MM-ddTHH:mm:ssZ`, in UTC, a real date",
        example: "\"2026-01-01T00:00:00Z\"",
        becomes: "the trigger's START_TIME",
    },
    Field {
        path: "jobConfig.schedule.endDate",
        shape: Shape::Text(Some(TIMESTAMP_PATTERN)),
        required: false,
        default: "none: the schedule never ends",
        rule: "as `startDate`, after it; the schedule must still fire between now and then",
        example: "\"2030-12-31T23:59:59Z\"",
        becomes: "the trigger's END_TIME",
    },
    Field {
        path: "jobConfig.schedule.timeZone",
        shape: Shape::Text(None),
        required: false,
        default: "UTC",
        rule: "an id Quartz's java.util.TimeZone.getTimeZone resolves: an IANA id (Europe/Rome, UTC), a custom offset (GMT+05:30, GMT-8) or a JDK id (PST, SystemV/EST5); an id Java does not know is refused",
        example: "\"Europe/Rome\"",
        becomes: "the trigger's TIME_ZONE_ID: the expression is read in this zone",
    },
    Field {
        path: "jobConfig.schedule.concurrencyPolicy",
        shape: Shape::OneOf(concurrency_policies),
        required: false,
        default: "Forbid",
        rule: "Forbid (skip a fire while a run goes), Allow (run side by side) or Replace (kill the running one), any case",
        example: "\"Forbid\"",
        becomes: "what the scheduler does with a fire while a run is in flight",
    },
    Field {
        path: "jobConfig.schedule.retries",
        shape: Shape::Integer { min: 0 },
        required: false,
        default: "0",
        rule: "a whole number of at least 0",
        example: "2",
        becomes: "how many times the scheduler starts a failed run again",
    },
    Field {
        path: "jobConfig.schedule.retryDelay",
        shape: Shape::Text(Some(RETRY_DELAY_PATTERN)),
        required: false,
        default: "0: a failed run is retried at once",
        rule: "a whole number followed by s, m, h or d",
        example: "\"5m\"",
        becomes: "the wait before a retry",
    },
    Field {
        path: "jobConfig.schedule.deadline",
        shape: Shape::Text(Some(DURATION_PATTERN)),
        required: false,
        default: "none",
        rule: "as `maxDuration`: how long after its nominal time a run must have ended",
        example: "\"3h\"",
        becomes: "a RUN_DEADLINE_MISSED notification when a run is still going then",
    },
];

/// The field at `path` (below `specific`).
pub fn field(path: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.path == path)
}

/// The registered keys of the mapping at `parent` (`""`: `specific`).
pub fn children(parent: &str) -> impl Iterator<Item = &'static Field> + '_ {
    FIELDS.iter().filter(move |f| f.parent() == parent)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::check::join;
    use super::super::yaml::{self, Node};
    use super::super::{rules, DescriptorSettings, Purpose};
    use super::*;

    #[test]
    fn paths_are_unique_and_parents_are_registered_objects_listed_first() {
        for (n, f) in FIELDS.iter().enumerate() {
            assert_eq!(
                FIELDS.iter().filter(|g| g.path == f.path).count(),
                1,
                "{} is registered twice",
                f.path
            );
            let parent = f.parent();
            if !parent.is_empty() {
                let at = FIELDS.iter().position(|g| g.path == parent);
                assert!(
                    at.is_some_and(|at| at < n && matches!(FIELDS[at].shape, Shape::Object)),
                    "{}: its parent {parent} must be an Object registered before it",
                    f.path
                );
            }
            assert!(
                f.required || !f.default.is_empty(),
                "{}: an optional field says what its absence means",
                f.path
            );
            assert!(
                serde_json::from_str::<serde_json::Value>(f.example).is_ok(),
                "{}: the example is not JSON",
                f.path
            );
        }
    }

    /// `specific` with every registered field set to its example.
    pub(crate) fn full_specific(parent: &str) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for f in children(parent) {
            let value = match f.shape {
                Shape::Object => full_specific(f.path),
                _ => serde_json::from_str(f.example).expect("example"),
            };
            map.insert(f.key().to_string(), value);
        }
        serde_json::Value::Object(map)
    }

    /// A whole descriptor around `specific` (JSON is YAML).
    pub(crate) fn descriptor(specific: serde_json::Value) -> String {
        serde_json::json!({
            "dataProduct": {
                "id": "urn:dmb:dp:finance:cashflow:0",
                "environment": "development",
                "components": [{
                    "id": "urn:dmb:cmp:finance:cashflow:0:daily-aggregation",
                    "kind": "workload",
                    "useCaseTemplateId": "urn:dmb:utm:cdp-private-spark-workload-template:0.0.0",
                    "specific": specific,
                }],
            },
            "componentIdToProvision": "urn:dmb:cmp:finance:cashflow:0:daily-aggregation",
        })
        .to_string()
    }

    /// The mappings the registry knows under `specific`, by address, with
    /// their path below it.
    fn known_maps(node: &Node, path: &str, out: &mut Vec<(usize, String)>) {
        out.push((node as *const Node as usize, path.to_string()));
        for f in children(path) {
            if let (Shape::Object, Some(child)) = (f.shape, node.get(f.key())) {
                known_maps(child, f.path, out);
            }
        }
    }

    #[test]
    fn the_rules_read_exactly_the_registered_keys() {
        let text = descriptor(full_specific(""));
        let root = yaml::load(&text, 10_000).expect("YAML");
        let (parsed, reads) = yaml::reads::during(|| {
            rules::component_descriptor(&root, &DescriptorSettings::default(), Purpose::Provision)
        });
        let parsed = parsed.unwrap_or_else(|e| panic!("every example is valid: {e}"));
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);

        let specific = root
            .get("dataProduct")
            .and_then(|d| d.get("components"))
            .and_then(|c| match c {
                Node::Seq(items) => items.first(),
                _ => None,
            })
            .and_then(|c| c.get("specific"))
            .expect("specific");
        let mut maps = Vec::new();
        known_maps(specific, "", &mut maps);
        let mut read = std::collections::BTreeSet::new();
        for (at, key) in reads {
            if let Some((_, parent)) = maps.iter().find(|(a, _)| *a == at) {
                let path = join(parent, &key);
                assert!(
                    field(&path).is_some(),
                    "the rules read specific.{path}, which fields.rs does not register: \
                     add it to FIELDS (and docs/DESCRIPTOR.md)"
                );
                read.insert(path);
            }
        }
        for f in FIELDS {
            assert!(
                read.contains(f.path),
                "fields.rs registers specific.{}, which no rule reads",
                f.path
            );
        }
    }

    #[test]
    fn the_job_name_pattern_says_the_length_the_rules_allow() {
        assert!(JOB_NAME_PATTERN.contains(&format!(",{}}}", super::super::MAX_JOB_NAME_LEN)));
    }
}
