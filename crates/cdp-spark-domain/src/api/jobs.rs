//! The job status API's answers: what `/v1/scheduler` serves of a job, its
//! triggers and its runs. The storage records of `model.rs` are mapped to
//! these types, so that a change to what the store keeps does not change
//! the API by accident (and the other way round). Their JSON is the API's;
//! their OpenAPI schemas keep the names the API has always published
//! (`JobView`, `JobDefinition`, `SparkJobSpec`, `TriggerDefinition`,
//! `TriggerSchedule`, `RunRecord`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{
    JobDefinition, JobKey, JobView, MisfireInstruction, RunRecord, RunState, SparkJobSpec,
    TriggerDefinition, TriggerKey, TriggerSchedule, TriggerState,
};
use crate::runlog::{RunLinkSettings, RunLinks};
use crate::scheduling::run_parameters::RunParameters;

/// A job with its triggers, last runs (newest first) and status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = JobView))]
#[serde(rename_all = "camelCase")]
pub struct JobStatusView {
    pub job: JobDefinitionView,
    pub triggers: Vec<TriggerView>,
    pub last_runs: Vec<RunView>,
    /// The job's status: its latest run's state; `null` before the first run.
    pub status: Option<RunState>,
}

impl JobStatusView {
    /// The answer for a job view; the job's status is its latest run's
    /// state (runs come newest first).
    pub fn new(view: JobView) -> Self {
        Self::with_links(view, &RunLinkSettings::default())
    }

    /// [`Self::new`] with each run's links built from `links`.
    pub fn with_links(view: JobView, links: &RunLinkSettings) -> Self {
        let status = view.last_runs.first().map(|r| r.state);
        Self {
            job: JobDefinitionView::from(view.job),
            triggers: view.triggers.into_iter().map(TriggerView::from).collect(),
            last_runs: view
                .last_runs
                .into_iter()
                .map(|r| RunView::with_links(r, links))
                .collect(),
            status,
        }
    }
}

/// A stored job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = JobDefinition))]
#[serde(rename_all = "camelCase")]
pub struct JobDefinitionView {
    pub key: JobKey,
    /// The Witboost component the job was provisioned from.
    pub component_id: String,
    pub description: Option<String>,
    pub spec: SparkJobSpecView,
    /// A run does not start while another run of the job is running.
    pub non_concurrent: bool,
    /// `jobConfig.maxDuration` (e.g. `90m`): a run going longer is killed
    /// and ends `TIMED_OUT`; absent: no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub max_duration: Option<String>,
}

impl From<JobDefinition> for JobDefinitionView {
    fn from(job: JobDefinition) -> Self {
        Self {
            key: job.key,
            component_id: job.component_id,
            description: job.description,
            spec: SparkJobSpecView::from(job.spec),
            non_concurrent: job.non_concurrent,
            max_duration: job.run_policy.max_duration.map(|d| d.to_string()),
        }
    }
}

/// What spark-submit launches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SparkJobSpec))]
#[serde(rename_all = "camelCase")]
pub struct SparkJobSpecView {
    pub jar: String,
    pub class_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub queue: Option<String>,
    pub args: Vec<String>,
    pub dependencies: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = u32, required = false))]
    pub driver_cores: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub driver_memory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = u32, required = false))]
    pub executor_cores: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub executor_memory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = u32, required = false))]
    pub num_executors: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub log_level: Option<String>,
    /// Spark configuration (`--conf key=value`).
    pub conf: BTreeMap<String, String>,
}

impl From<SparkJobSpec> for SparkJobSpecView {
    fn from(spec: SparkJobSpec) -> Self {
        Self {
            jar: spec.jar.to_string(),
            class_name: spec.class_name.to_string(),
            queue: spec.queue.map(|q| q.to_string()),
            args: spec.args,
            dependencies: spec.dependencies.iter().map(|d| d.to_string()).collect(),
            driver_cores: spec.driver_cores.map(|n| n.get()),
            driver_memory: spec.driver_memory.map(|m| m.to_string()),
            executor_cores: spec.executor_cores.map(|n| n.get()),
            executor_memory: spec.executor_memory.map(|m| m.to_string()),
            num_executors: spec.num_executors.map(|n| n.get()),
            log_level: spec.log_level.map(|l| l.to_string()),
            conf: spec.conf,
        }
    }
}

/// A trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TriggerDefinition))]
#[serde(rename_all = "camelCase")]
pub struct TriggerView {
    pub key: TriggerKey,
    pub job_key: JobKey,
    pub schedule: TriggerScheduleView,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub next_fire_time: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub previous_fire_time: Option<DateTime<Utc>>,
    pub state: TriggerState,
    pub misfire_instruction: MisfireInstruction,
    pub priority: i32,
}

impl From<TriggerDefinition> for TriggerView {
    fn from(t: TriggerDefinition) -> Self {
        Self {
            key: t.key,
            job_key: t.job_key,
            schedule: TriggerScheduleView::from(t.schedule),
            next_fire_time: t.next_fire_time,
            previous_fire_time: t.previous_fire_time,
            state: t.state,
            misfire_instruction: t.misfire_instruction,
            priority: t.priority,
        }
    }
}

/// When a trigger fires: `CRON` (Quartz cron expression in a time zone) or `ONCE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TriggerSchedule))]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TriggerScheduleView {
    #[serde(rename_all = "camelCase")]
    Cron {
        cron_expression: String,
        /// Time zone id as Quartz keeps it (`TIME_ZONE_ID`): an IANA id, a custom `GMT+hh:mm` or a JDK id such as `PST`.
        time_zone: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        start_time: DateTime<Utc>,
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
        end_time: Option<DateTime<Utc>>,
    },
    #[serde(rename_all = "camelCase")]
    Once {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        start_time: DateTime<Utc>,
    },
}

impl From<TriggerSchedule> for TriggerScheduleView {
    fn from(s: TriggerSchedule) -> Self {
        match s {
            TriggerSchedule::Cron {
                cron_expression,
                time_zone,
                start_time,
                end_time,
            } => TriggerScheduleView::Cron {
                cron_expression: cron_expression.as_str().to_string(),
                time_zone: time_zone.name().to_string(),
                start_time,
                end_time,
            },
            TriggerSchedule::Once { start_time } => TriggerScheduleView::Once { start_time },
        }
    }
}

/// One fire of a trigger and the Spark application it launched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RunRecord))]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    pub run_id: String,
    pub job_key: JobKey,
    pub trigger_key: TriggerKey,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub scheduled_fire_time: DateTime<Utc>,
    /// The run's nominal time, what `${nominalTime}` and `${nominalDate}`
    /// stand for in its `args` and `conf`: its scheduled fire time (for a
    /// manual run, when it was asked for).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub nominal_time: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub actual_fire_time: DateTime<Utc>,
    /// YARN application id (or driver id).
    pub application_id: Option<String>,
    pub tracking_url: Option<String>,
    pub state: RunState,
    /// The application's final status as its cluster manager reported it.
    pub final_status: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub ended_at: Option<DateTime<Utc>>,
    /// When spark-submit handed the application to its cluster manager
    /// (its application id became known); `null` before, and for runs
    /// recorded before this was kept.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub submitted_at: Option<DateTime<Utc>>,
    /// The first time the scheduler saw the application running, not only
    /// accepted (YARN: `RUNNING`, not `ACCEPTED` in its queue); `null` when
    /// it was never seen running (not yet, or it ended between two follow
    /// rounds).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub running_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    /// The `args`/`conf` this run uses instead of its job's (secrets
    /// redacted); absent: the job's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<RunParameters>,
    /// The backfill this run belongs to; absent: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backfill_id: Option<String>,
    /// The run's pages: the ResourceManager's application page, the
    /// tracking URL, the Spark History Server's page. Its driver's log is
    /// at `GET /v1/scheduler/runs/{runId}/logs`.
    pub links: RunLinks,
}

impl RunView {
    /// The run with its links built from `links`.
    pub fn with_links(r: RunRecord, settings: &RunLinkSettings) -> Self {
        let links = RunLinks::of(&r, settings);
        Self {
            links,
            ..Self::from(r)
        }
    }
}

/// Without link settings: only the tracking URL is linked.
impl From<RunRecord> for RunView {
    fn from(r: RunRecord) -> Self {
        let links = RunLinks::of(&r, &RunLinkSettings::default());
        Self {
            links,
            run_id: r.run_id,
            job_key: r.job_key,
            trigger_key: r.trigger_key,
            scheduled_fire_time: r.scheduled_fire_time,
            nominal_time: r.scheduled_fire_time,
            actual_fire_time: r.actual_fire_time,
            application_id: r.application_id,
            tracking_url: r.tracking_url,
            state: r.state,
            final_status: r.final_status,
            created_at: r.created_at,
            updated_at: r.updated_at,
            ended_at: r.ended_at,
            submitted_at: r.submitted_at,
            running_at: r.running_at,
            error: r.error,
            parameters: r.parameters,
            backfill_id: r.backfill.map(|b| b.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::{json, Value};

    use super::*;
    use crate::descriptor::PositiveCount;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_767_225_600 + s, 0)
            .single()
            .expect("valid instant")
    }

    fn run(state: RunState, error: Option<&str>) -> RunRecord {
        RunRecord {
            run_id: "r1".into(),
            job_key: JobKey::new("g", "n"),
            trigger_key: TriggerKey::new("g", "nTrigger"),
            scheduled_fire_time: t(0),
            actual_fire_time: t(1),
            application_id: Some("application_1_1".into()),
            tracking_url: None,
            state,
            final_status: Some("FAILED".into()),
            created_at: t(0),
            updated_at: t(2),
            ended_at: Some(t(3)),
            submitted_at: Some(t(1)),
            running_at: Some(t(2)),
            error: error.map(str::to_string),
            parameters: None,
            backfill: None,
        }
    }

    fn cron() -> TriggerDefinition {
        TriggerDefinition {
            key: TriggerKey::new("g", "nTrigger"),
            job_key: JobKey::new("g", "n"),
            schedule: TriggerSchedule::Cron {
                cron_expression: "0 0 1 * * ?".parse().expect("a valid cron expression"),
                time_zone: "Europe/Rome".parse().expect("a known time zone"),
                start_time: t(0),
                end_time: None,
            },
            next_fire_time: Some(t(10)),
            previous_fire_time: None,
            state: TriggerState::PausedBlocked,
            misfire_instruction: MisfireInstruction::FireOnceNow,
            priority: 5,
        }
    }

    fn job(spec: SparkJobSpec) -> JobDefinition {
        JobDefinition {
            key: JobKey::new("g", "n"),
            component_id: "urn:c".into(),
            description: None,
            spec,
            non_concurrent: true,
            run_policy: Default::default(),
        }
    }

    fn value<T: Serialize>(v: &T) -> Value {
        serde_json::to_value(v).expect("serialises")
    }

    fn text<T: Serialize>(value: &T) -> String {
        serde_json::to_string(value).expect("serialises")
    }

    #[test]
    fn runs_and_triggers_answer_the_json_of_their_records() {
        for r in [
            run(RunState::Failed, Some("boom")),
            run(RunState::Running, None),
        ] {
            // The record's fields, the nominal time after the scheduled
            // fire time it is, then the links.
            let mut view = serde_json::to_value(RunView::from(r.clone())).expect("serialises");
            let links = view
                .as_object_mut()
                .and_then(|o| o.remove("links"))
                .expect("links");
            let mut record = serde_json::to_value(&r).expect("serialises");
            record["nominalTime"] = record["scheduledFireTime"].clone();
            assert_eq!(view, record);
            assert_eq!(links["tracking"], json!(r.tracking_url));
            let served = text(&RunView::from(r));
            assert!(
                served.contains(r#""scheduledFireTime":"2026-01-01T00:00:00Z","nominalTime":"2026-01-01T00:00:00Z","#),
                "{served}"
            );
            // The timeline's instants, camelCase, after the end.
            assert!(
                served.contains(r#""endedAt":"2026-01-01T00:00:03Z","submittedAt":"2026-01-01T00:00:01Z","runningAt":"2026-01-01T00:00:02Z","#),
                "{served}"
            );
        }
        let once = TriggerDefinition {
            schedule: TriggerSchedule::Once { start_time: t(0) },
            ..cron()
        };
        let cron_schedule = json!({
            "type": "CRON",
            "cronExpression": "0 0 1 * * ?",
            "timeZone": "Europe/Rome",
            "startTime": t(0),
            "endTime": null,
        });
        let once_schedule = json!({"type": "ONCE", "startTime": t(0)});
        for (trigger, schedule) in [(cron(), cron_schedule), (once, once_schedule)] {
            let expected = json!({
                "key": value(&trigger.key),
                "jobKey": value(&trigger.job_key),
                "schedule": schedule,
                "nextFireTime": t(10),
                "previousFireTime": null,
                "state": "PAUSED_BLOCKED",
                "misfireInstruction": value(&trigger.misfire_instruction),
                "priority": 5,
            });
            assert_eq!(
                serde_json::to_value(TriggerView::from(trigger)).expect("serialises"),
                expected
            );
        }
    }

    #[test]
    fn a_job_answers_the_json_of_its_record_without_the_run_policy() {
        fn p<T: std::str::FromStr>(text: &str) -> T
        where
            T::Err: std::fmt::Debug,
        {
            text.parse().expect("a valid value")
        }
        let full = SparkJobSpec {
            queue: Some(p("root.q")),
            args: vec!["--x".into()],
            dependencies: vec![p("hdfs://ns/b.jar")],
            driver_cores: PositiveCount::new(1),
            driver_memory: Some(p("1g")),
            executor_cores: PositiveCount::new(2),
            executor_memory: Some(p("2g")),
            num_executors: PositiveCount::new(3),
            log_level: Some(p("INFO")),
            conf: BTreeMap::from([("spark.a".to_string(), "1".to_string())]),
            ..SparkJobSpec::new(p("hdfs://ns/a.jar"), p("a.Main"))
        };
        let mut limited = job(full.clone());
        limited.run_policy.max_duration = Some(p("PT90M"));
        let v = serde_json::to_value(JobDefinitionView::from(limited)).expect("serialises");
        assert_eq!(v["maxDuration"], json!("90m"));
        let bare = SparkJobSpec::new(p("hdfs://ns/a.jar"), p("a.Main"));
        for spec in [full, bare] {
            let record = job(spec);
            assert_eq!(
                text(&JobDefinitionView::from(record.clone())),
                text(&record)
            );
        }
    }

    #[test]
    fn the_job_status_is_the_view_with_the_latest_runs_state() {
        let view = JobView {
            job: job(SparkJobSpec::new(
                "hdfs://ns/a.jar".parse().expect("jar"),
                "a.Main".parse().expect("class name"),
            )),
            triggers: vec![cron()],
            last_runs: vec![
                run(RunState::Failed, Some("boom")),
                run(RunState::Succeeded, None),
            ],
        };
        let expected = json!({
            "job": serde_json::to_value(JobDefinitionView::from(view.job.clone())).expect("serialises"),
            "triggers": [serde_json::to_value(TriggerView::from(cron())).expect("serialises")],
            "lastRuns": view.last_runs.iter().map(|r| serde_json::to_value(RunView::from(r.clone())).expect("serialises")).collect::<Vec<_>>(),
            "status": "FAILED",
        });
        let answer = JobStatusView::new(view);
        assert_eq!(answer.status, Some(RunState::Failed));
        assert_eq!(serde_json::to_value(&answer).expect("serialises"), expected);

        let empty = JobStatusView::new(JobView {
            job: job(SparkJobSpec::new(
                "hdfs://ns/a.jar".parse().expect("jar"),
                "a.Main".parse().expect("class name"),
            )),
            triggers: vec![],
            last_runs: vec![],
        });
        let v: Value = serde_json::to_value(&empty).expect("serialises");
        assert_eq!(v["status"], Value::Null, "null before the first run");
        // The fields in the order served so far (the record's, then status).
        let served = text(&empty);
        let at = |key: &str| served.find(&format!("\"{key}\":")).expect(key);
        assert!(at("job") < at("triggers") && at("triggers") < at("lastRuns"));
        assert!(
            served.ends_with(r#""lastRuns":[],"status":null}"#),
            "{served}"
        );
    }
}
