//! A job's Spark application as Quartz `JOB_DATA`: a `JobDataMap` of
//! string values in `java.util.Properties` form (`useProperties=true`), so
//! that a real Quartz scheduler loads it and hands it to the launcher class
//! [`JOB_CLASS_NAME`].
//!
//! | key | value |
//! | --- | --- |
//! | `jobDataVersion` | [`JOB_DATA_VERSION`] |
//! | `componentId` | Witboost component id |
//! | `jar`, `className` | the application |
//! | `queue`, `driverCores`, `driverMemory`, `executorCores`, `executorMemory`, `numExecutors`, `logLevel` | present when set |
//! | `args`, `dependencies` | JSON arrays of strings |
//! | `conf` | JSON object of string values |
//! | `concurrencyPolicy`, `retries`, `retryDelaySecs` | the run policy (absent: `Forbid`, 0, 0) |
//! | `maxDuration` | the runs' time limit as its text (`90m`); absent: no limit |
//! | `deadlineSecs` | `jobConfig.schedule.deadline` in seconds, present when set |

use std::collections::BTreeMap;
use std::str::FromStr;

use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::descriptor::{
    ConcurrencyPolicy, JavaClassName, MaxDuration, MemorySize, PositiveCount, SparkLogLevel,
    YarnQueue,
};
use cdp_spark_domain::model::{JobDefinition, JobKey, RunPolicy, SparkJobSpec};

use crate::properties;

/// The Quartz job class named in `JOB_CLASS_NAME` of every job this store
/// writes: the launcher a Java Quartz deployment would run (it reads the
/// `JOB_DATA` keys above and calls spark-submit).
pub const JOB_CLASS_NAME: &str = "it.agilelab.witboost.cdp.spark.SparkSubmitJob";

/// Version of the `JOB_DATA` layout; a newer one is refused as unreadable.
pub const JOB_DATA_VERSION: &str = keys::VERSION_VALUE;

/// Keys of the job data map: the domain's, whose size rule
/// (`JobDefinition::job_data_size`) the descriptor rules apply before a job
/// is stored (see the tests below).
pub use cdp_spark_domain::model::job_data as keys;

/// The job data map of a job (string values only, as `useProperties` requires).
pub fn job_data_map(job: &JobDefinition) -> BTreeMap<String, String> {
    let spec = &job.spec;
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        m.insert(k.to_string(), v);
    };
    put(keys::VERSION, JOB_DATA_VERSION.to_string());
    put(keys::COMPONENT_ID, job.component_id.clone());
    put(keys::JAR, spec.jar.to_string());
    put(keys::CLASS_NAME, spec.class_name.to_string());
    put(keys::ARGS, keys::json_text(&spec.args));
    put(keys::DEPENDENCIES, keys::json_text(&spec.dependencies));
    put(keys::CONF, keys::json_text(&spec.conf));
    put(
        keys::CONCURRENCY_POLICY,
        job.run_policy.concurrency.as_str().to_string(),
    );
    put(keys::RETRIES, job.run_policy.retries.to_string());
    put(
        keys::RETRY_DELAY_SECS,
        job.run_policy.retry_delay_secs.to_string(),
    );
    let optional = [
        (
            keys::DEADLINE_SECS,
            job.run_policy.deadline_secs.map(|s| s.to_string()),
        ),
        (keys::QUEUE, spec.queue.as_ref().map(|q| q.to_string())),
        (keys::DRIVER_CORES, spec.driver_cores.map(|n| n.to_string())),
        (
            keys::DRIVER_MEMORY,
            spec.driver_memory.as_ref().map(|m| m.to_string()),
        ),
        (
            keys::EXECUTOR_CORES,
            spec.executor_cores.map(|n| n.to_string()),
        ),
        (
            keys::EXECUTOR_MEMORY,
            spec.executor_memory.as_ref().map(|m| m.to_string()),
        ),
        (
            keys::NUM_EXECUTORS,
            spec.num_executors.map(|n| n.to_string()),
        ),
        (keys::LOG_LEVEL, spec.log_level.map(|l| l.to_string())),
        (
            keys::MAX_DURATION,
            job.run_policy.max_duration.map(|d| d.to_string()),
        ),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            put(k, v);
        }
    }
    m
}

/// `JOB_DATA` bytes of a job.
pub fn encode_job_data(job: &JobDefinition) -> Vec<u8> {
    properties::encode(&job_data_map(job))
}

/// Why stored job data cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("job {job}: JOB_DATA {problem}")]
pub struct JobDataError {
    pub job: String,
    pub problem: String,
}

/// The component id and Spark application stored in `JOB_DATA`.
pub fn decode_job_data(
    key: &JobKey,
    bytes: Option<&[u8]>,
) -> Result<(String, SparkJobSpec), JobDataError> {
    decode_job_data_with_policy(key, bytes).map(|(c, s, _)| (c, s))
}

/// As [`decode_job_data`], also answering the run policy.
pub fn decode_job_data_with_policy(
    key: &JobKey,
    bytes: Option<&[u8]>,
) -> Result<(String, SparkJobSpec, RunPolicy), JobDataError> {
    let err = |problem: String| JobDataError {
        job: key.to_string(),
        problem,
    };
    let bytes = bytes.ok_or_else(|| err("is empty: the job has no Spark application".into()))?;
    let mut m = properties::decode(bytes)
        .map_err(|e| err(format!("is not java.util.Properties text: {e}")))?;
    if let Some(v) = m.get(keys::VERSION) {
        if v != JOB_DATA_VERSION {
            return Err(err(format!(
                "has layout version {v}, this provisioner reads version {JOB_DATA_VERSION}: it was written by another provisioner version"
            )));
        }
    }
    let mut required = |k: &str| {
        m.remove(k)
            .ok_or_else(|| err(format!("has no '{k}' entry")))
    };
    let component_id = required(keys::COMPONENT_ID)?;
    let jar = required(keys::JAR)?;
    let class_name = required(keys::CLASS_NAME)?;
    // Every value is parsed here, once, into the domain's types: a value
    // their rules refuse makes the row unreadable, naming the entry.
    let parsed = |k: &str, v: &str, e: &dyn std::fmt::Display| {
        err(format!("entry '{k}' = '{v}' cannot be read: {e}"))
    };
    let jar = ArtifactUri::parse(&jar).map_err(|e| parsed(keys::JAR, &jar, &e))?;
    let class_name =
        JavaClassName::parse(&class_name).map_err(|e| parsed(keys::CLASS_NAME, &class_name, &e))?;
    let list = |m: &mut BTreeMap<String, String>, k: &str| -> Result<Vec<String>, JobDataError> {
        match m.remove(k) {
            None => Ok(Vec::new()),
            Some(v) => serde_json::from_str(&v)
                .map_err(|e| err(format!("entry '{k}' is not a JSON array of strings: {e}"))),
        }
    };
    let args = list(&mut m, keys::ARGS)?;
    let dependencies = list(&mut m, keys::DEPENDENCIES)?
        .into_iter()
        .enumerate()
        .map(|(n, d)| {
            ArtifactUri::parse(&d)
                .map_err(|e| parsed(&format!("{}[{n}]", keys::DEPENDENCIES), &d, &e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let conf = match m.remove(keys::CONF) {
        None => BTreeMap::new(),
        Some(v) => serde_json::from_str(&v).map_err(|e| {
            err(format!(
                "entry '{}' is not a JSON object of string values: {e}",
                keys::CONF
            ))
        })?,
    };
    let number = |m: &mut BTreeMap<String, String>, k: &str| -> Result<Option<u32>, JobDataError> {
        m.remove(k)
            .map(|v| {
                v.trim()
                    .parse::<u32>()
                    .map_err(|_| err(format!("entry '{k}' = '{v}' is not a whole number")))
            })
            .transpose()
    };
    let count = |m: &mut BTreeMap<String, String>,
                 k: &str|
     -> Result<Option<PositiveCount>, JobDataError> {
        number(m, k)?
            .map(|n| {
                PositiveCount::new(n)
                    .ok_or_else(|| err(format!("entry '{k}' = '{n}' is not at least 1")))
            })
            .transpose()
    };
    /// An optional entry read by its type's parser.
    fn typed<T: FromStr>(
        m: &mut BTreeMap<String, String>,
        k: &str,
        parsed: impl Fn(&str, &str, &dyn std::fmt::Display) -> JobDataError,
    ) -> Result<Option<T>, JobDataError>
    where
        T::Err: std::fmt::Display,
    {
        m.remove(k)
            .map(|v| v.parse::<T>().map_err(|e| parsed(k, &v, &e)))
            .transpose()
    }
    let concurrency = match m.remove(keys::CONCURRENCY_POLICY) {
        None => ConcurrencyPolicy::default(),
        Some(v) => ConcurrencyPolicy::parse(&v).ok_or_else(|| {
            err(format!(
                "entry '{}' = '{v}' is not Forbid, Allow or Replace",
                keys::CONCURRENCY_POLICY
            ))
        })?,
    };
    let wide = |m: &mut BTreeMap<String, String>, k: &str| -> Result<u64, JobDataError> {
        m.remove(k)
            .map(|v| {
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| err(format!("entry '{k}' = '{v}' is not a whole number")))
            })
            .transpose()
            .map(|v| v.unwrap_or(0))
    };
    let policy = RunPolicy {
        concurrency,
        retries: number(&mut m, keys::RETRIES)?.unwrap_or(0),
        retry_delay_secs: wide(&mut m, keys::RETRY_DELAY_SECS)?,
        max_duration: typed::<MaxDuration>(&mut m, keys::MAX_DURATION, parsed)?,
        deadline_secs: match m.contains_key(keys::DEADLINE_SECS) {
            true => Some(wide(&mut m, keys::DEADLINE_SECS)?),
            false => None,
        },
    };
    let spec = SparkJobSpec {
        jar,
        class_name,
        queue: typed::<YarnQueue>(&mut m, keys::QUEUE, parsed)?,
        args,
        dependencies,
        driver_cores: count(&mut m, keys::DRIVER_CORES)?,
        driver_memory: typed::<MemorySize>(&mut m, keys::DRIVER_MEMORY, parsed)?,
        executor_cores: count(&mut m, keys::EXECUTOR_CORES)?,
        executor_memory: typed::<MemorySize>(&mut m, keys::EXECUTOR_MEMORY, parsed)?,
        num_executors: count(&mut m, keys::NUM_EXECUTORS)?,
        log_level: typed::<SparkLogLevel>(&mut m, keys::LOG_LEVEL, parsed)?,
        conf,
    };
    Ok((component_id, spec, policy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits;

    fn job() -> JobDefinition {
        JobDefinition {
            key: JobKey::new("urn:dmb:dp:finance:sales:0", "daily-agg"),
            component_id: "urn:dmb:cmp:finance:sales:0:daily-agg".into(),
            description: Some("Daily aggregation".into()),
            spec: SparkJobSpec {
                jar: "hdfs://ns1/apps/agg.jar".parse().expect("jar"),
                class_name: "com.acme.Agg".parse().expect("class name"),
                queue: Some("root.finance".parse().expect("queue")),
                args: vec!["--date".into(), "a=b: c#d!".into(), "città\n".into()],
                dependencies: vec!["hdfs://ns1/lib/dep.jar".parse().expect("dependency")],
                driver_cores: PositiveCount::new(2),
                driver_memory: Some("2g".parse().expect("memory")),
                executor_cores: None,
                executor_memory: Some("4g".parse().expect("memory")),
                num_executors: PositiveCount::new(3),
                log_level: Some(SparkLogLevel::Info),
                conf: [("spark.sql.shuffle.partitions".to_string(), "8".to_string())]
                    .into_iter()
                    .collect(),
            },
            non_concurrent: true,
            run_policy: Default::default(),
        }
    }

    #[test]
    fn round_trip() {
        let j = job();
        let bytes = encode_job_data(&j);
        assert!(bytes.is_ascii());
        let (component, spec) = decode_job_data(&j.key, Some(&bytes)).expect("decode");
        assert_eq!(component, j.component_id);
        assert_eq!(spec, j.spec);
        let mut k = j.clone();
        k.run_policy = RunPolicy {
            concurrency: ConcurrencyPolicy::Replace,
            retries: 2,
            retry_delay_secs: 30,
            max_duration: Some("PT90M".parse().expect("max duration")),
            deadline_secs: Some(1800),
        };
        let (_, _, policy) =
            decode_job_data_with_policy(&k.key, Some(&encode_job_data(&k))).expect("decode");
        assert_eq!(policy, k.run_policy);
        let limited = String::from_utf8(encode_job_data(&k)).expect("ascii");
        assert!(limited.contains("maxDuration=90m\n"), "{limited}");
        let text = String::from_utf8(bytes).expect("ascii");
        assert!(text.contains(&format!("jobDataVersion={JOB_DATA_VERSION}\n")));
        assert!(text.contains("jar=hdfs\\://ns1/apps/agg.jar\n"), "{text}");
        assert!(
            !text.contains("executorCores"),
            "unset values are left out: {text}"
        );
    }

    #[test]
    fn the_domains_size_rule_is_the_length_of_the_bytes_written() {
        // The descriptor rules refuse a job whose data would not fit
        // JOB_DATA with `JobDefinition::job_data_size`: it must be exactly
        // what this store writes, for every character class.
        let awkward = [
            "",
            " lead",
            "in ner",
            "\\back\\slash\\",
            "a=b:c#d!e",
            "tab\tnl\ncr\rff\u{c}",
            "\u{0}\u{1f}\u{7f}",
            "\"quoted\" 'single'",
            "città €",
            "💡𝄞",
            "{\"json\": [1, 2]}",
        ];
        let mut jobs = vec![job()];
        let mut bare = job();
        bare.spec = SparkJobSpec::new(
            "j.jar".parse().expect("jar"),
            "C".parse().expect("class name"),
        );
        jobs.push(bare);
        for (n, text) in awkward.iter().enumerate() {
            let mut j = job();
            j.component_id = format!("{text}{n}");
            // Each typed value takes the text where its type accepts it.
            if let Ok(jar) = format!("{text}.jar").parse() {
                j.spec.jar = jar;
            }
            let letters: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
            j.spec.class_name = format!("C{n}{letters}$In").parse().expect("class name");
            j.spec.queue = text.parse().ok();
            j.spec.args = awkward.iter().map(|a| format!("{a}{text}")).collect();
            j.spec.dependencies = [text.to_string(), format!(" {text}.jar")]
                .iter()
                .filter_map(|d| d.parse().ok())
                .collect();
            j.spec.conf = awkward
                .iter()
                .map(|a| (format!("spark.{a}{n}"), format!("{text}{a}")))
                .collect();
            j.spec.driver_memory = Some(format!("{}k", n + 1).parse().expect("memory"));
            j.spec.executor_memory = Some(format!(" {n}1G ").parse().expect("memory"));
            j.spec.log_level = Some(SparkLogLevel::ALL_LEVELS[n % 8]);
            j.spec.executor_cores = PositiveCount::new(u32::MAX);
            j.run_policy = RunPolicy {
                concurrency: ConcurrencyPolicy::Allow,
                retries: u32::MAX,
                retry_delay_secs: u64::MAX,
                max_duration: cdp_spark_domain::descriptor::MaxDuration::from_secs(
                    1 + n as u64 * 3600,
                ),
                deadline_secs: Some(u64::MAX),
            };
            jobs.push(j);
        }
        let mut large = job();
        large.spec.args = vec!["é=".repeat(5_000); 3];
        jobs.push(large);
        for j in &jobs {
            let size = j.job_data_size();
            assert_eq!(size.total(), encode_job_data(j).len(), "{:?}", j.spec);
            assert_eq!(size.fits(), size.total() <= limits::JOB_DATA_BYTES);
        }
        assert!(
            !jobs[jobs.len() - 1].job_data_size().fits(),
            "60,000+ bytes of args"
        );
    }

    #[test]
    fn unreadable_data_names_the_job_and_entry() {
        let k = JobKey::new("g", "n");
        let e = decode_job_data(&k, Some(b"componentId=c\njar=j\nclassName=C\nargs=[1]"))
            .expect_err("bad args");
        assert!(
            e.to_string().contains("g.n") && e.to_string().contains("'args'"),
            "{e}"
        );
        let e = decode_job_data(&k, Some(b"jar=j\nclassName=C")).expect_err("no component");
        assert!(e.to_string().contains("'componentId'"), "{e}");
        let e = decode_job_data(
            &k,
            Some(b"jobDataVersion=9\ncomponentId=c\njar=j\nclassName=C"),
        )
        .expect_err("newer");
        assert!(e.to_string().contains("version 9"), "{e}");
        assert!(decode_job_data(&k, None).is_err());
        let e = decode_job_data(
            &k,
            Some(b"componentId=c\njar=j\nclassName=C\nnumExecutors=x"),
        )
        .expect_err("bad number");
        assert!(e.to_string().contains("numExecutors"), "{e}");
    }

    #[test]
    fn values_their_types_refuse_make_the_data_unreadable_naming_the_entry() {
        let k = JobKey::new("g", "n");
        let base = "componentId=c\njar=/a.jar\nclassName=a.Main\n";
        assert!(decode_job_data(&k, Some(base.as_bytes())).is_ok());
        for (entry, line) in [
            ("jar", "jar=s3a\\://b/a.jar"),
            ("className", "className=a.class.Main"),
            ("queue", "queue=root..q"),
            (
                "dependencies[1]",
                "dependencies=[\"/b.jar\", \"hdfs\\://nn\"]",
            ),
            ("driverCores", "driverCores=0"),
            ("driverMemory", "driverMemory=1.5g"),
            ("executorMemory", "executorMemory=lots"),
            ("logLevel", "logLevel=LOUD"),
            ("maxDuration", "maxDuration=0s"),
            ("maxDuration", "maxDuration=PT1D"),
        ] {
            let e =
                decode_job_data(&k, Some(format!("{base}{line}\n").as_bytes())).expect_err(entry);
            let text = e.to_string();
            assert!(
                text.contains("g.n") && text.contains(&format!("'{entry}'")),
                "{entry}: {text}"
            );
        }
    }
}
