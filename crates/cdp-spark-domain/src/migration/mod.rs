//! Migration from the old Scala provisioner's Quartz jobs
//! (`agile-lab-dev/witboost-cdp-spark-specific-provisioner`, its
//! `quartz-embedded-scheduler` module) to this provisioner's: pure
//! decisions, per job, of what the job was, what it becomes and what
//! changes, or why it cannot be carried over.
//!
//! What the old provisioner wrote (read from its code): one durable job
//! per component, class [`OLD_JOB_CLASS`], key (data product *name*,
//! `jobName`); a `JobDataMap` (Java-serialized: Quartz's default
//! `useProperties=false`) with `className`, `jarPath`, `jobArgs` (a Scala
//! `Seq[String]`), `driverMemory`, `driverCores`, `executorMemory`,
//! `executorCores`, `numExecutors` (boxed integers), `conf` (a Scala
//! `Map[String, String]`), `name` and `queue`; one trigger
//! `<jobName>Trigger` in the same group: a `CRON` trigger with the
//! descriptor's start and end (20 years after provisioning when no end
//! was given) in the JVM's default zone, or a one-shot `SIMPLE` trigger
//! at the start time; Quartz's default misfire instruction (smart policy)
//! and priority 5. Its runs were POSTs to Livy's `/batches`.
//!
//! The adapters read the rows into [`LegacyJob`] (the job data already
//! decoded into [`LegacyValue`]s, triggers through the store's own row
//! decoding) and write what [`plan`] answers.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::artifact::ArtifactUri;
use crate::descriptor::{ConfPolicy, JavaClassName, MemorySize, PositiveCount, YarnQueue};
use crate::model::{
    JobDefinition, JobKey, MisfireInstruction, RunPolicy, SparkJobSpec, TriggerDefinition,
    TriggerSchedule, TriggerState,
};

/// The old provisioner's Quartz job class.
pub const OLD_JOB_CLASS: &str =
    "it.agilelab.provisioning.spark.workloads.provisioner.quartz.LivyJob";

/// The old provisioner's text when a descriptor had no jar.
const NO_JAR: &str = "Jar path not found";
/// The old provisioner's text when a descriptor had no main class.
const NO_CLASS: &str = "Class name not found";

/// Witboost component ids: `urn:dmb:cmp:<domain>:<data product>:<major>:<component>`.
const COMPONENT_PREFIX: &str = "urn:dmb:cmp:";
const DATA_PRODUCT_PREFIX: &str = "urn:dmb:dp:";

/// Longest text of one value shown in a listing (the rest is cut).
pub const SHOWN_CHARS: usize = 300;

/// A value of the old job data map, as far as the reader understood it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "camelCase")]
pub enum LegacyValue {
    Null,
    Text(String),
    Integer(i64),
    Boolean(bool),
    List(Vec<LegacyValue>),
    Map(Vec<(LegacyValue, LegacyValue)>),
    /// A value of a class the reader does not interpret (its class name).
    Unsupported(String),
}

impl LegacyValue {
    /// What kind of value this is, for messages.
    pub fn kind(&self) -> String {
        match self {
            LegacyValue::Null => "null".into(),
            LegacyValue::Text(_) => "a string".into(),
            LegacyValue::Integer(_) => "an integer".into(),
            LegacyValue::Boolean(_) => "a boolean".into(),
            LegacyValue::List(_) => "a list".into(),
            LegacyValue::Map(_) => "a map".into(),
            LegacyValue::Unsupported(class) => format!("a {}", shown(class)),
        }
    }
}

/// One job of the old tables, as read.
#[derive(Debug, Clone)]
pub struct LegacyJob {
    pub key: JobKey,
    pub job_class: String,
    pub description: Option<String>,
    /// The job data map, or why it could not be read.
    pub data: Result<BTreeMap<String, LegacyValue>, String>,
    /// The job's triggers, each decoded by the store or the reason it
    /// could not be.
    pub triggers: Vec<Result<TriggerDefinition, String>>,
}

/// What becomes of one old job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// It can be rewritten into this provisioner's layout.
    Ready,
    /// It is this provisioner's already: nothing to do.
    AlreadyMigrated,
    /// It cannot be carried over (see the problems).
    Refused,
}

/// The old job as it was, for the listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WasJob {
    pub job_class: String,
    pub jar: Option<String>,
    pub main_class: Option<String>,
    pub args: Vec<String>,
    pub conf: BTreeMap<String, String>,
    /// The other entries of the job data, as text.
    pub other: BTreeMap<String, String>,
    pub triggers: Vec<WasTrigger>,
}

/// An old trigger as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WasTrigger {
    pub key: String,
    pub cron: Option<String>,
    pub time_zone: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub next_fire_time: Option<DateTime<Utc>>,
    pub state: Option<String>,
    pub misfire_instruction: Option<i32>,
    /// Why the trigger could not be read, when it could not.
    pub unreadable: Option<String>,
}

/// The plan for one old job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobPlan {
    pub key: JobKey,
    pub verdict: Verdict,
    pub was: WasJob,
    /// The key the job gets, when known.
    pub new_key: Option<JobKey>,
    /// What differs once it is this provisioner's, in words.
    pub changes: Vec<String>,
    /// Why it cannot be carried over (empty unless `Refused`).
    pub problems: Vec<String>,
    /// The job to write (`Ready` only).
    #[serde(skip)]
    pub job: Option<JobDefinition>,
    /// Its trigger, next fire time kept (`Ready` only, when it has one).
    #[serde(skip)]
    pub trigger: Option<TriggerDefinition>,
}

/// `text` cut to [`SHOWN_CHARS`] characters.
pub fn shown(text: &str) -> String {
    cut(&crate::redact::text(text))
}

fn cut(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((at, _)) => format!("{}… ({} chars)", &text[..at], text.chars().count()),
        None => text.to_string(),
    }
}

fn text_of(v: &LegacyValue) -> String {
    match v {
        LegacyValue::Null => "null".into(),
        LegacyValue::Text(t) => shown(t),
        LegacyValue::Integer(n) => n.to_string(),
        LegacyValue::Boolean(b) => b.to_string(),
        LegacyValue::List(items) => format!(
            "[{}]",
            items
                .iter()
                .take(20)
                .map(text_of)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        LegacyValue::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .take(20)
                .map(|(k, v)| format!("{}: {}", text_of(k), text_of(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        LegacyValue::Unsupported(class) => format!("<{}>", shown(class)),
    }
}

/// The data product id of a component id: its last segment dropped.
pub fn data_product_of(component_id: &str) -> Option<String> {
    let rest = component_id.strip_prefix(COMPONENT_PREFIX)?;
    let parts: Vec<&str> = rest.split(':').collect();
    if parts.len() != 4 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    Some(format!("{DATA_PRODUCT_PREFIX}{}", parts[..3].join(":")))
}

/// Reads the job data entries into a Spark application, recording problems.
struct Entries<'a> {
    map: BTreeMap<&'a str, &'a LegacyValue>,
    problems: Vec<String>,
}

impl<'a> Entries<'a> {
    fn text(&mut self, key: &str) -> Option<&'a str> {
        match self.map.remove(key)? {
            LegacyValue::Text(t) => Some(t),
            LegacyValue::Null => None,
            other => {
                self.problems.push(format!(
                    "job data entry '{key}' is {}, not a string",
                    other.kind()
                ));
                None
            }
        }
    }

    fn count(&mut self, key: &str) -> Option<PositiveCount> {
        let n = match self.map.remove(key)? {
            LegacyValue::Integer(n) => Some(*n),
            LegacyValue::Text(t) => t.trim().parse::<i64>().ok(),
            LegacyValue::Null => return None,
            _ => None,
        };
        let count = n
            .and_then(|n| u32::try_from(n).ok())
            .and_then(PositiveCount::new);
        if count.is_none() {
            self.problems.push(format!(
                "job data entry '{key}' is not a whole number of at least 1"
            ));
        }
        count
    }

    fn memory(&mut self, key: &str) -> Option<MemorySize> {
        let text = self.text(key)?;
        match text.parse::<MemorySize>() {
            Ok(m) => Some(m),
            Err(e) => {
                self.problems.push(format!(
                    "job data entry '{key}' = '{}' is not a memory size: {e}",
                    shown(text)
                ));
                None
            }
        }
    }

    fn strings(&mut self, key: &str) -> Vec<String> {
        match self.map.remove(key) {
            None | Some(LegacyValue::Null) => Vec::new(),
            Some(LegacyValue::List(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        LegacyValue::Text(t) => out.push(t.clone()),
                        other => self.problems.push(format!(
                            "job data entry '{key}[{i}]' is {}, not a string",
                            other.kind()
                        )),
                    }
                }
                out
            }
            Some(other) => {
                self.problems.push(format!(
                    "job data entry '{key}' is {}, not a list of strings",
                    other.kind()
                ));
                Vec::new()
            }
        }
    }

    fn string_map(&mut self, key: &str) -> BTreeMap<String, String> {
        match self.map.remove(key) {
            None | Some(LegacyValue::Null) => BTreeMap::new(),
            Some(LegacyValue::Map(entries)) => {
                let mut out = BTreeMap::new();
                for (k, v) in entries {
                    match (k, v) {
                        (LegacyValue::Text(k), LegacyValue::Text(v)) => {
                            out.insert(k.clone(), v.clone());
                        }
                        (k, v) => self.problems.push(format!(
                            "job data entry '{key}' holds {} => {}, not string => string",
                            k.kind(),
                            v.kind()
                        )),
                    }
                }
                out
            }
            Some(other) => {
                self.problems.push(format!(
                    "job data entry '{key}' is {}, not a map of strings",
                    other.kind()
                ));
                BTreeMap::new()
            }
        }
    }
}

/// What becomes of `job`; `component_id` is the Witboost component id
/// the operator gave for it (the old rows do not record one); `policy`
/// the conf policy its `conf` keys must pass, as a descriptor's would.
pub fn plan(
    job: &LegacyJob,
    component_id: Option<&str>,
    our_class: &str,
    policy: &ConfPolicy,
) -> JobPlan {
    let mut was = WasJob {
        job_class: shown(&job.job_class),
        ..WasJob::default()
    };
    let mut changes = Vec::new();
    let mut problems = Vec::new();
    was.triggers = job.triggers.iter().map(was_trigger).collect();
    if job.job_class == our_class {
        return JobPlan {
            key: job.key.clone(),
            verdict: Verdict::AlreadyMigrated,
            was,
            new_key: Some(job.key.clone()),
            changes,
            problems,
            job: None,
            trigger: None,
        };
    }
    if job.job_class != OLD_JOB_CLASS {
        problems.push(format!(
            "job class {} is not the old provisioner's {OLD_JOB_CLASS}: this job was not written by it and is left alone",
            shown(&job.job_class)
        ));
    }
    let mut spec = None;
    match &job.data {
        Err(e) => problems.push(format!("its JOB_DATA cannot be read: {e}")),
        Ok(data) => {
            for (k, v) in data {
                let v = if crate::redact::is_secret_key(k) {
                    crate::redact::REDACTED.to_string()
                } else {
                    text_of(v)
                };
                was.other.insert(shown(k), v);
            }
            let mut entries = Entries {
                map: data.iter().map(|(k, v)| (k.as_str(), v)).collect(),
                problems: Vec::new(),
            };
            spec = spark_spec(&mut entries, &job.key, &mut was, &mut changes);
            if let Some(spec) = &spec {
                values_rules(spec, policy, &mut entries.problems);
            }
            for k in entries.map.keys() {
                entries.problems.push(format!(
                    "job data entry '{}' is not one the old provisioner wrote and would be lost",
                    shown(k)
                ));
            }
            problems.append(&mut entries.problems);
        }
    }
    for k in ["className", "jarPath", "jobArgs", "conf"] {
        was.other.remove(k);
    }
    let new_key = match component_id {
        None => {
            problems.push(format!(
                "no Witboost component id: the old rows do not record one, and this provisioner keys a job by its data product id (the old group '{}' is the data product's name) and keeps the component id with it; give it with --component '{}/{}=urn:dmb:cmp:<domain>:<data product>:<major>:<component>'",
                shown(&job.key.group),
                shown(&job.key.group),
                shown(&job.key.name)
            ));
            None
        }
        Some(id) => match data_product_of(id) {
            None => {
                problems.push(format!(
                    "the component id '{}' given for it is not urn:dmb:cmp:<domain>:<data product>:<major>:<component>",
                    shown(id)
                ));
                None
            }
            Some(dp) => Some(JobKey::new(dp, job.key.name.clone())),
        },
    };
    if let Some(k) = &new_key {
        if *k != job.key {
            changes.push(format!(
                "key: {} becomes {k} (group = the data product id, as a provision from Witboost writes it)",
                job.key
            ));
        }
    }
    changes.push(format!(
        "job class: {OLD_JOB_CLASS} (a POST to Livy's /batches) becomes {our_class} (spark-submit, followed on the cluster manager); Livy's batch name '<name>-<time>' is not used"
    ));
    changes.push(
        "job data: a Java-serialized JobDataMap with Scala collections becomes java.util.Properties text, this provisioner's layout (args, dependencies and conf as JSON)"
            .into(),
    );
    changes.push(
        "overlapping runs: the old job had no rule (Quartz started a fire while the previous Livy batch ran); it becomes concurrencyPolicy Forbid (a fire while a run is in flight is recorded SKIPPED), no retries, no time limit"
            .into(),
    );
    let trigger = match new_key.as_ref() {
        Some(k) => new_trigger(job, k, &mut changes, &mut problems),
        None => {
            // Still check the triggers, for the listing's problems.
            let k = job.key.clone();
            new_trigger(job, &k, &mut Vec::new(), &mut problems);
            None
        }
    };
    let definition = match (&new_key, spec, component_id) {
        (Some(k), Some(spec), Some(id)) if problems.is_empty() => {
            let d = JobDefinition {
                key: k.clone(),
                component_id: id.to_string(),
                description: job.description.clone(),
                spec,
                non_concurrent: true,
                run_policy: RunPolicy::default(),
            };
            let size = d.job_data_size();
            if !size.fits() {
                problems.push(format!(
                    "its job data would take {} bytes in this provisioner's layout, more than the store holds",
                    size.total()
                ));
                None
            } else {
                Some(d)
            }
        }
        _ => None,
    };
    let verdict = if problems.is_empty() && definition.is_some() {
        Verdict::Ready
    } else {
        Verdict::Refused
    };
    let ready = verdict == Verdict::Ready;
    JobPlan {
        key: job.key.clone(),
        verdict,
        was,
        new_key,
        changes,
        problems,
        job: definition.filter(|_| ready),
        trigger: trigger.filter(|_| ready),
    }
}

fn spark_spec(
    e: &mut Entries<'_>,
    key: &JobKey,
    was: &mut WasJob,
    changes: &mut Vec<String>,
) -> Option<SparkJobSpec> {
    let jar_text = e.text("jarPath");
    let class_text = e.text("className");
    was.jar = jar_text.map(shown);
    was.main_class = class_text.map(shown);
    let args = e.strings("jobArgs");
    let conf = e.string_map("conf");
    // What is shown is redacted; what is written keeps the values.
    was.args = crate::redact::args(&args).iter().map(|a| cut(a)).collect();
    was.conf = crate::redact::Redactor::default()
        .conf(&conf)
        .into_iter()
        .map(|(k, v)| (cut(&k), cut(&v)))
        .collect();
    let jar = match jar_text {
        None => {
            e.problems.push("job data has no 'jarPath'".into());
            None
        }
        Some(NO_JAR) => {
            e.problems.push(format!(
                "its 'jarPath' is the old provisioner's '{NO_JAR}': the descriptor had no jar"
            ));
            None
        }
        Some(t) => ArtifactUri::parse(t)
            .map_err(|err| {
                e.problems.push(format!(
                    "its 'jarPath' '{}' is not a jar location this provisioner reads: {err}",
                    shown(t)
                ))
            })
            .ok(),
    };
    let class_name = match class_text {
        None => {
            e.problems.push("job data has no 'className'".into());
            None
        }
        Some(NO_CLASS) => {
            e.problems.push(format!(
                "its 'className' is the old provisioner's '{NO_CLASS}': the descriptor had no main class"
            ));
            None
        }
        Some(t) => JavaClassName::parse(t)
            .map_err(|err| {
                e.problems.push(format!(
                    "its 'className' '{}' is not a Java class name: {err}",
                    shown(t)
                ))
            })
            .ok(),
    };
    let queue = match e.text("queue") {
        None => None,
        Some(q) if q.trim().is_empty() => None,
        Some(q) => YarnQueue::parse(q)
            .map_err(|err| {
                e.problems.push(format!(
                    "its 'queue' '{}' is not a YARN queue: {err}",
                    shown(q)
                ))
            })
            .ok(),
    };
    if let Some(name) = e.text("name") {
        if name != key.name {
            changes.push(format!(
                "Livy batch name '{}' (not the job name) is dropped",
                shown(name)
            ));
        }
    }
    let spec = SparkJobSpec {
        queue,
        args,
        conf,
        driver_cores: e.count("driverCores"),
        driver_memory: e.memory("driverMemory"),
        executor_cores: e.count("executorCores"),
        executor_memory: e.memory("executorMemory"),
        num_executors: e.count("numExecutors"),
        ..SparkJobSpec::new(jar?, class_name?)
    };
    changes.push(
        "dependencies: none carried (the old provisioner stored none in the job data and did not pass jobConfig.dependencies to Livy)"
            .into(),
    );
    Some(spec)
}

/// The rules a descriptor's values pass that the old provisioner did not
/// have: the conf policy and the `${…}` placeholders of `args` and `conf`.
fn values_rules(spec: &SparkJobSpec, policy: &ConfPolicy, problems: &mut Vec<String>) {
    for key in spec.conf.keys() {
        if let Err(refusal) = policy.judge(key) {
            problems.push(format!("conf: {}", refusal.problem));
        }
    }
    let values = spec
        .args
        .iter()
        .enumerate()
        .map(|(i, a)| (format!("jobArgs[{i}]"), a))
        .chain(
            spec.conf
                .iter()
                .map(|(k, v)| (format!("conf.{}", shown(k)), v)),
        );
    for (field, value) in values {
        if let Err(e) = crate::placeholders::check(value) {
            problems.push(format!(
                "{field}: {e} (this provisioner replaces ${{name}} placeholders at launch; the old one did not)"
            ));
        }
    }
}

fn was_trigger(t: &Result<TriggerDefinition, String>) -> WasTrigger {
    match t {
        Err(e) => WasTrigger {
            unreadable: Some(shown(e)),
            ..WasTrigger::default()
        },
        Ok(t) => {
            let (cron, zone, end) = match &t.schedule {
                TriggerSchedule::Cron {
                    cron_expression,
                    time_zone,
                    end_time,
                    ..
                } => (
                    Some(cron_expression.as_str().to_string()),
                    Some(time_zone.name().to_string()),
                    *end_time,
                ),
                TriggerSchedule::Once { .. } => (None, None, None),
            };
            WasTrigger {
                key: t.key.to_string(),
                cron,
                time_zone: zone,
                start: Some(t.schedule.start_time()),
                end,
                next_fire_time: t.next_fire_time,
                state: Some(t.state.as_quartz().to_string()),
                misfire_instruction: Some(t.misfire_instruction.quartz_code()),
                unreadable: None,
            }
        }
    }
}

/// The trigger the job gets, its schedule and next fire time kept.
fn new_trigger(
    job: &LegacyJob,
    new_key: &JobKey,
    changes: &mut Vec<String>,
    problems: &mut Vec<String>,
) -> Option<TriggerDefinition> {
    let mut readable = Vec::new();
    for t in &job.triggers {
        match t {
            Err(e) => problems.push(format!("a trigger cannot be carried over: {}", shown(e))),
            Ok(t) => readable.push(t),
        }
    }
    if job.triggers.len() > 1 {
        problems.push(format!(
            "it has {} triggers; the old provisioner wrote one per job and this provisioner keeps one schedule per job",
            job.triggers.len()
        ));
        return None;
    }
    let Some(old) = readable.first() else {
        if job.triggers.is_empty() {
            changes.push(
                "trigger: none (no schedule, or its one-shot run already fired): the job is kept without one"
                    .into(),
            );
        }
        return None;
    };
    let state = match old.state {
        TriggerState::Waiting | TriggerState::Paused => old.state,
        TriggerState::Complete => {
            changes.push(format!(
                "trigger {}: COMPLETE, it will not fire again; it is not carried over",
                old.key
            ));
            return None;
        }
        TriggerState::Acquired
        | TriggerState::Executing
        | TriggerState::Blocked
        | TriggerState::PausedBlocked => {
            problems.push(format!(
                "trigger {} is {}: the old scheduler is firing it now; stop the old provisioner and run again",
                old.key,
                old.state.as_quartz()
            ));
            return None;
        }
        TriggerState::Error | TriggerState::Deleted => {
            problems.push(format!(
                "trigger {} is in state {}, which the old scheduler gave up on",
                old.key,
                old.state.as_quartz()
            ));
            return None;
        }
    };
    let key = new_key.scheduled_trigger_key();
    if key != old.key {
        changes.push(format!("trigger key: {} becomes {key}", old.key));
    }
    let misfire_instruction = match (&old.schedule, old.misfire_instruction) {
        (TriggerSchedule::Cron { .. }, MisfireInstruction::SmartPolicy) => {
            changes.push(
                "misfires: Quartz's smart policy (a cron trigger fires once now) is written as what it does, fire once now (MISFIRE_INSTR 1)"
                    .into(),
            );
            MisfireInstruction::FireOnceNow
        }
        (_, m) => m,
    };
    if let Some(next) = old.next_fire_time {
        changes.push(format!(
            "next fire time {} kept, so no fire is lost or repeated once the old provisioner is stopped",
            next.to_rfc3339()
        ));
    }
    Some(TriggerDefinition {
        key,
        job_key: new_key.clone(),
        schedule: old.schedule.clone(),
        next_fire_time: old.next_fire_time,
        previous_fire_time: old.previous_fire_time,
        state,
        misfire_instruction,
        priority: old.priority,
    })
}

/// Exit codes of `migrate-from-quartz`: every job can migrate (or already
/// did), or some cannot.
pub fn all_can_migrate(plans: &[JobPlan]) -> bool {
    plans.iter().all(|p| p.verdict != Verdict::Refused)
}

#[cfg(test)]
mod tests;
