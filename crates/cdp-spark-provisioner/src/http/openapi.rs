//! The OpenAPI document of the whole HTTP API, generated from the handlers'
//! annotations and the schema types below, served at `/openapi.json` and
//! browsable at `/docs/`.
//!
//! The domain crate must not depend on utoipa, so the API model is described
//! here by mirror types (`...Doc`, published under the contract's names).
//! The tests below serialise real domain values and check them against
//! these schemas, so that a field added to the domain without its mirror
//! fails the build's tests.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{health, scheduler, witboost};

/// Mirror types of the API model.
#[allow(dead_code)] // only their schemas are used
pub mod schemas {
    use utoipa::ToSchema;

    /// Values:
    ///  * `DATAPRODUCT_DESCRIPTOR` - Complete descriptor of a data product (refused: this provisioner needs a component).
    ///  * `COMPONENT_DESCRIPTOR` - The data product descriptor plus the id of the component to provision.
    ///  * `DATAPRODUCT_DESCRIPTOR_WITH_RESULTS` - Not used in the scope of a specific provisioner.
    #[derive(ToSchema)]
    #[schema(as = DescriptorKind)]
    #[allow(clippy::enum_variant_names)]
    pub enum DescriptorKindDoc {
        #[schema(rename = "DATAPRODUCT_DESCRIPTOR")]
        DataproductDescriptor,
        #[schema(rename = "COMPONENT_DESCRIPTOR")]
        ComponentDescriptor,
        #[schema(rename = "DATAPRODUCT_DESCRIPTOR_WITH_RESULTS")]
        DataproductDescriptorWithResults,
    }

    /// A provisioning request from the Witboost Coordinator.
    #[derive(ToSchema)]
    #[schema(as = ProvisioningRequest)]
    #[serde(rename_all = "camelCase")]
    pub struct ProvisioningRequestDoc {
        pub descriptor_kind: DescriptorKindDoc,
        /// Descriptor specification in yaml format. Its structure changes according to `descriptorKind`.
        pub descriptor: String,
        /// Complete data product descriptor (YAML), enriched with the provisioning info of the latest operation.
        #[schema(required = false)]
        pub latest_enriched_descriptor: String,
        /// If true, when a component is undeployed, its underlying data will also be deleted.
        #[schema(default = false)]
        pub remove_data: bool,
    }

    /// `RUNNING`, `COMPLETED` or `FAILED`.
    #[derive(ToSchema)]
    #[schema(as = Status)]
    pub enum StatusDoc {
        #[schema(rename = "RUNNING")]
        Running,
        #[schema(rename = "COMPLETED")]
        Completed,
        #[schema(rename = "FAILED")]
        Failed,
    }

    /// The status of a provisioning request.
    #[derive(ToSchema)]
    #[schema(as = ProvisioningStatus)]
    #[serde(rename_all = "camelCase")]
    pub struct ProvisioningStatusDoc {
        pub status: StatusDoc,
        /// One-line summary (deprecated by the contract, still required).
        #[schema(deprecated)]
        pub result: String,
        #[schema(required = false)]
        pub info: InfoDoc,
        #[schema(required = false)]
        pub logs: Vec<LogDoc>,
    }

    /// `publicInfo` is rendered by the Witboost marketplace: entries shaped
    /// `{type: "string", label, value}` or `{type: "link", label, value, href}`.
    /// `privateInfo` is stored in the deployed descriptor only (job and trigger keys).
    #[derive(ToSchema)]
    #[schema(as = Info)]
    #[serde(rename_all = "camelCase")]
    pub struct InfoDoc {
        /// Fields to display in the Marketplace UI.
        #[schema(value_type = Object)]
        pub public_info: serde_json::Value,
        /// Stored in the deployed descriptor, not shown.
        #[schema(value_type = Object)]
        pub private_info: serde_json::Value,
    }

    /// Severity of a log line.
    #[derive(ToSchema)]
    #[schema(as = LogLevel)]
    pub enum LogLevelDoc {
        #[schema(rename = "DEBUG")]
        Debug,
        #[schema(rename = "INFO")]
        Info,
        #[schema(rename = "WARNING")]
        Warning,
        #[schema(rename = "ERROR")]
        Error,
    }

    #[derive(ToSchema)]
    #[schema(as = Log)]
    pub struct LogDoc {
        #[schema(value_type = String, format = DateTime)]
        pub timestamp: String,
        pub level: LogLevelDoc,
        pub message: String,
        #[schema(required = false)]
        pub phase: String,
    }

    /// Result of a validation operation on a provided descriptor.
    #[derive(ToSchema)]
    #[schema(as = ValidationResult)]
    pub struct ValidationResultDoc {
        /// Whether the provided descriptor is valid or not.
        pub valid: bool,
        #[schema(required = false)]
        pub error: ValidationErrorDoc,
    }

    /// Validation error related to a provided descriptor: one entry per failed rule.
    #[derive(ToSchema)]
    #[schema(as = ValidationError)]
    pub struct ValidationErrorDoc {
        pub errors: Vec<String>,
    }

    /// The status of an asynchronous validation.
    #[derive(ToSchema)]
    #[schema(as = ValidationStatus)]
    pub struct ValidationStatusDoc {
        pub status: StatusDoc,
        #[schema(required = false)]
        pub info: ValidationInfoDoc,
    }

    #[derive(ToSchema)]
    #[schema(as = ValidationInfo)]
    #[serde(rename_all = "camelCase")]
    pub struct ValidationInfoDoc {
        pub public_info: ValidationResultDoc,
    }

    /// Object that will include the more in-depth, specific information about the error.
    #[derive(ToSchema)]
    #[schema(as = ErrorMoreInfo)]
    pub struct ErrorMoreInfoDoc {
        /// One entry per problem (field path: problem).
        pub problems: Vec<String>,
        /// How to fix each problem, in the same order.
        pub solutions: Vec<String>,
    }

    /// The request cannot be accepted: what is wrong and how to fix it.
    #[derive(ToSchema)]
    #[schema(as = RequestValidationError)]
    #[serde(rename_all = "camelCase")]
    pub struct RequestValidationErrorDoc {
        #[schema(deprecated)]
        pub errors: Vec<String>,
        /// User-readable message to be displayed.
        #[schema(required = false)]
        pub user_message: String,
        /// The file or descriptor that raised the error.
        #[schema(required = false)]
        pub input: String,
        /// The field path (in dot format) that raised the error.
        #[schema(required = false)]
        pub input_error_field: String,
        #[schema(required = false)]
        pub more_info: ErrorMoreInfoDoc,
    }

    /// A fault of ours or of a dependency (database, NameNode).
    #[derive(ToSchema)]
    #[schema(as = SystemError)]
    #[serde(rename_all = "camelCase")]
    pub struct SystemErrorDoc {
        #[schema(deprecated)]
        pub error: String,
        /// User-readable message to be displayed.
        #[schema(required = false)]
        pub user_message: String,
        #[schema(required = false)]
        pub input: String,
        #[schema(required = false)]
        pub input_error_field: String,
        #[schema(required = false)]
        pub more_info: ErrorMoreInfoDoc,
    }

    /// Information related to the provisioning workflow of a data product component.
    #[derive(ToSchema)]
    #[schema(as = ProvisionInfo)]
    pub struct ProvisionInfoDoc {
        pub request: String,
        pub result: String,
    }

    #[derive(ToSchema)]
    #[schema(as = UpdateAclRequest)]
    #[serde(rename_all = "camelCase")]
    pub struct UpdateAclRequestDoc {
        /// Identities (i.e. users and groups) involved in the ACL update request.
        pub refs: Vec<String>,
        pub provision_info: ProvisionInfoDoc,
    }

    #[derive(ToSchema)]
    #[schema(as = ReverseProvisioningRequest)]
    #[serde(rename_all = "camelCase")]
    pub struct ReverseProvisioningRequestDoc {
        /// Component's use case template id.
        pub use_case_template_id: String,
        /// Target environment.
        pub environment: String,
        #[schema(value_type = Object, required = false)]
        pub params: serde_json::Value,
        #[schema(value_type = Object, required = false)]
        pub catalog_info: serde_json::Value,
    }

    #[derive(ToSchema)]
    #[schema(as = ReverseProvisioningStatus)]
    pub struct ReverseProvisioningStatusDoc {
        pub status: StatusDoc,
        #[schema(value_type = Object)]
        pub updates: serde_json::Value,
        #[schema(required = false)]
        pub logs: Vec<LogDoc>,
    }

    // ------------------------------------------------ job status API ---

    /// An error of the job status API (and any 401 or unknown route).
    #[derive(ToSchema)]
    #[schema(as = Problem)]
    pub struct ProblemDoc {
        /// `NOT_FOUND`, `BAD_REQUEST` or `UNAUTHORIZED`.
        pub error: String,
        /// What went wrong and what to do about it.
        pub message: String,
    }

    /// Quartz job key: group = data product id, name = `jobName`.
    #[derive(ToSchema)]
    #[schema(as = JobKey)]
    pub struct JobKeyDoc {
        pub group: String,
        pub name: String,
    }

    /// Quartz trigger key.
    #[derive(ToSchema)]
    #[schema(as = TriggerKey)]
    pub struct TriggerKeyDoc {
        pub group: String,
        pub name: String,
    }

    /// What spark-submit launches.
    #[derive(ToSchema)]
    #[schema(as = SparkJobSpec)]
    #[serde(rename_all = "camelCase")]
    pub struct SparkJobSpecDoc {
        pub jar: String,
        pub class_name: String,
        #[schema(required = false)]
        pub queue: String,
        pub args: Vec<String>,
        pub dependencies: Vec<String>,
        #[schema(required = false)]
        pub driver_cores: u32,
        #[schema(required = false)]
        pub driver_memory: String,
        #[schema(required = false)]
        pub executor_cores: u32,
        #[schema(required = false)]
        pub executor_memory: String,
        #[schema(required = false)]
        pub num_executors: u32,
        #[schema(required = false)]
        pub log_level: String,
        /// Spark configuration (`--conf key=value`).
        pub conf: std::collections::BTreeMap<String, String>,
    }

    /// A stored job.
    #[derive(ToSchema)]
    #[schema(as = JobDefinition)]
    #[serde(rename_all = "camelCase")]
    pub struct JobDefinitionDoc {
        pub key: JobKeyDoc,
        /// The Witboost component the job was provisioned from.
        pub component_id: String,
        pub description: Option<String>,
        pub spec: SparkJobSpecDoc,
        /// A run does not start while another run of the job is running.
        pub non_concurrent: bool,
    }

    /// When a trigger fires: `CRON` (Quartz cron expression in a time zone) or `ONCE`.
    #[derive(ToSchema)]
    #[schema(as = TriggerSchedule)]
    #[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum TriggerScheduleDoc {
        #[serde(rename_all = "camelCase")]
        Cron {
            cron_expression: String,
            /// IANA time zone id.
            time_zone: String,
            #[schema(value_type = String, format = DateTime)]
            start_time: String,
            #[schema(value_type = Option<String>, format = DateTime)]
            end_time: Option<String>,
        },
        #[serde(rename_all = "camelCase")]
        Once {
            #[schema(value_type = String, format = DateTime)]
            start_time: String,
        },
    }

    /// Quartz trigger states.
    #[derive(ToSchema)]
    #[schema(as = TriggerState)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum TriggerStateDoc {
        Waiting,
        Acquired,
        Executing,
        Complete,
        Paused,
        Blocked,
        PausedBlocked,
        Error,
        Deleted,
    }

    /// Quartz misfire instructions.
    #[derive(ToSchema)]
    #[schema(as = MisfireInstruction)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum MisfireInstructionDoc {
        SmartPolicy,
        FireOnceNow,
        DoNothing,
        IgnoreMisfires,
    }

    /// A trigger.
    #[derive(ToSchema)]
    #[schema(as = TriggerDefinition)]
    #[serde(rename_all = "camelCase")]
    pub struct TriggerDefinitionDoc {
        pub key: TriggerKeyDoc,
        pub job_key: JobKeyDoc,
        pub schedule: TriggerScheduleDoc,
        #[schema(value_type = Option<String>, format = DateTime)]
        pub next_fire_time: Option<String>,
        #[schema(value_type = Option<String>, format = DateTime)]
        pub previous_fire_time: Option<String>,
        pub state: TriggerStateDoc,
        pub misfire_instruction: MisfireInstructionDoc,
        pub priority: i32,
    }

    /// States of a run.
    #[derive(ToSchema)]
    #[schema(as = RunState)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum RunStateDoc {
        Submitting,
        Running,
        Succeeded,
        Failed,
        Killed,
        Skipped,
        Lost,
    }

    /// One fire of a trigger and the Spark application it launched.
    #[derive(ToSchema)]
    #[schema(as = RunRecord)]
    #[serde(rename_all = "camelCase")]
    pub struct RunRecordDoc {
        pub run_id: String,
        pub job_key: JobKeyDoc,
        pub trigger_key: TriggerKeyDoc,
        #[schema(value_type = String, format = DateTime)]
        pub scheduled_fire_time: String,
        #[schema(value_type = String, format = DateTime)]
        pub actual_fire_time: String,
        /// YARN application id (or driver id).
        pub application_id: Option<String>,
        pub tracking_url: Option<String>,
        pub state: RunStateDoc,
        /// The application's final status as its cluster manager reported it.
        pub final_status: Option<String>,
        #[schema(value_type = String, format = DateTime)]
        pub created_at: String,
        #[schema(value_type = String, format = DateTime)]
        pub updated_at: String,
        #[schema(value_type = Option<String>, format = DateTime)]
        pub ended_at: Option<String>,
        pub error: Option<String>,
    }

    /// A job with its triggers, last runs (newest first) and status.
    #[derive(ToSchema)]
    #[schema(as = JobView)]
    #[serde(rename_all = "camelCase")]
    pub struct JobViewDoc {
        pub job: JobDefinitionDoc,
        pub triggers: Vec<TriggerDefinitionDoc>,
        pub last_runs: Vec<RunRecordDoc>,
        /// The job's status: its latest run's state; `null` before the first run.
        pub status: Option<RunStateDoc>,
    }

    /// The answer of pause and resume.
    #[derive(ToSchema)]
    #[schema(as = JobPause)]
    #[serde(rename_all = "camelCase")]
    pub struct JobPauseDoc {
        pub job_key: JobKeyDoc,
        /// `true` after pause (triggers `PAUSED`), `false` after resume (`WAITING`).
        pub paused: bool,
        /// Triggers whose state changed (0 when they already were so).
        pub triggers_changed: u64,
        pub message: String,
    }

    /// A page of runs, newest first.
    #[derive(ToSchema)]
    #[schema(as = RunsPage)]
    #[serde(rename_all = "camelCase")]
    pub struct RunsPageDoc {
        pub runs: Vec<RunRecordDoc>,
        pub offset: u64,
        pub limit: u64,
        /// `offset` of the next page; `null` on the last one.
        pub next_offset: Option<u64>,
    }

    /// The answer of a manual trigger.
    #[derive(ToSchema)]
    #[schema(as = ManualTriggerAccepted)]
    #[serde(rename_all = "camelCase")]
    pub struct ManualTriggerAcceptedDoc {
        pub job_key: JobKeyDoc,
        pub trigger_key: TriggerKeyDoc,
        #[schema(value_type = String, format = DateTime)]
        pub start_time: String,
        /// The run, once a scheduler fired the trigger; `null` until then.
        pub run_id: Option<String>,
        /// Where the run is, or how to find it.
        pub message: String,
    }

    /// Liveness or readiness.
    #[derive(ToSchema)]
    #[schema(as = Health)]
    pub struct HealthDoc {
        /// `UP` or `DOWN`.
        pub status: String,
        /// Why not ready, in a few words (readiness only; the log has the detail).
        #[schema(required = false)]
        pub reason: String,
    }
}

struct BearerSchemes;

impl Modify for BearerSchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, description) in [
            (
                "coordinator",
                "Bearer token, required only when auth.coordinator_token is configured",
            ),
            (
                "status",
                "Bearer token, required only when auth.status_token is configured",
            ),
            (
                "trigger",
                "Bearer token of auth.trigger_token, required when it is configured; with auth.status_token configured and auth.trigger_token not, these routes are closed (403)",
            ),
        ] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(description.to_string()))
                        .build(),
                ),
            );
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CDP Spark Specific Provisioner",
        description = "The Witboost specific-provisioner API 2.2.0 for Spark batch jobs on Cloudera CDP (tag SpecificProvisioner), the job status API (tag JobStatus) and the service's health and metrics (tag Service). On any route, a request head the server cannot read is answered before routing with a JSON Problem and an x-request-id: 414 (request target over 65,534 bytes), 431 (head over 128 KiB or more than 96 headers), 400 (malformed head) or 408 (head not received within server.client_request_timeout_ms).",
        version = "2.2.0",
        license(name = "Apache-2.0")
    ),
    paths(
        witboost::validate_async,
        witboost::validation_status,
        witboost::provision,
        witboost::provision_status,
        witboost::validate,
        witboost::unprovision,
        witboost::update_acl,
        witboost::reverse_provisioning,
        witboost::reverse_provisioning_status,
        scheduler::runs,
        scheduler::run,
        scheduler::job,
        scheduler::trigger,
        scheduler::trigger_now,
        scheduler::pause,
        scheduler::resume,
        health::health,
        health::ready,
        health::metrics,
    ),
    modifiers(&BearerSchemes),
    tags(
        (name = "SpecificProvisioner", description = "All the provisioning related operations"),
        (name = "JobStatus", description = "Jobs, triggers and runs in the job store; the manual trigger; pause and resume"),
        (name = "Service", description = "Liveness, readiness and Prometheus metrics"),
    )
)]
pub struct ApiDoc;

/// The document served at `/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{TimeZone, Utc};
    use serde::Serialize;
    use serde_json::{json, Value};

    use cdp_spark_domain::api::{
        ErrorMoreInfo, Info, Log, LogLevel, ProvisionInfo, ProvisioningRequest, ProvisioningStatus,
        RequestValidationError, ReverseProvisioningRequest, ReverseProvisioningStatus, Status,
        SystemError, UpdateAclRequest, ValidationInfo, ValidationResult, ValidationStatus,
    };
    use cdp_spark_domain::model::{
        JobDefinition, JobKey, JobView, MisfireInstruction, RunRecord, RunState, SparkJobSpec,
        TriggerDefinition, TriggerKey, TriggerSchedule, TriggerState,
    };

    use super::*;
    use crate::http::errors::Problem;
    use crate::http::scheduler::{JobPause, JobStatusView, ManualTriggerAccepted, RunsPage};

    fn doc() -> Value {
        serde_json::to_value(document()).expect("document serialises")
    }

    /// Follow `$ref` and `oneOf [null, X]` down to an object or scalar schema.
    fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/components/schemas/");
            return resolve(doc, &doc["components"]["schemas"][name]);
        }
        if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
            let is_null = |o: &Value| o.get("type").and_then(Value::as_str) == Some("null");
            if options.len() == 2 && options.iter().any(is_null) {
                if let Some(non_null) = options.iter().find(|o| !is_null(o)) {
                    return resolve(doc, non_null);
                }
            }
        }
        schema
    }

    /// Check a JSON value against a schema of the document: every property
    /// the value has is described, every required one is there, and nested
    /// objects and arrays agree too.
    fn conforms(doc: &Value, schema: &Value, value: &Value, path: &str) {
        let schema = resolve(doc, schema);
        if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
            let tag = value.get("type").and_then(Value::as_str);
            let chosen = options.iter().map(|o| resolve(doc, o)).find(|o| {
                o["properties"]["type"]["enum"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|t| t.as_str() == tag))
            });
            let chosen = chosen.unwrap_or_else(|| panic!("{path}: no oneOf branch for {value}"));
            return conforms(doc, chosen, value, path);
        }
        match value {
            Value::Object(map) => {
                let Some(props) = schema.get("properties").and_then(Value::as_object) else {
                    // A free-form object (publicInfo, conf, ...).
                    return;
                };
                for (k, v) in map {
                    let sub = props.get(k).unwrap_or_else(|| {
                        panic!("{path}.{k} is serialised by the domain but missing from the schema")
                    });
                    if !v.is_null() {
                        conforms(doc, sub, v, &format!("{path}.{k}"));
                    }
                }
                for r in schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let r = r.as_str().expect("required names are strings");
                    assert!(
                        map.contains_key(r),
                        "{path}.{r} is required by the schema but not serialised"
                    );
                }
            }
            Value::Array(items) => {
                let item_schema = schema
                    .get("items")
                    .unwrap_or_else(|| panic!("{path}: array value, schema {schema}"));
                for (i, item) in items.iter().enumerate() {
                    conforms(doc, item_schema, item, &format!("{path}[{i}]"));
                }
            }
            Value::String(s) => {
                if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
                    assert!(
                        allowed.iter().any(|a| a.as_str() == Some(s)),
                        "{path}: '{s}' is not in the schema's enum {allowed:?}"
                    );
                }
            }
            _ => {}
        }
    }

    fn check<T: Serialize>(name: &str, value: &T) {
        let d = doc();
        let schema = json!({"$ref": format!("#/components/schemas/{name}")});
        assert!(
            d["components"]["schemas"].get(name).is_some(),
            "schema {name} is missing from the document"
        );
        let v = serde_json::to_value(value).expect("serialises");
        conforms(&d, &schema, &v, name);
    }

    fn t(s: i64) -> chrono::DateTime<Utc> {
        Utc.timestamp_opt(1_767_225_600 + s, 0)
            .single()
            .expect("valid instant")
    }

    fn full_spec() -> SparkJobSpec {
        SparkJobSpec {
            jar: "hdfs://ns/a.jar".parse().expect("jar"),
            class_name: "a.Main".parse().expect("class name"),
            queue: Some("root.q".parse().expect("queue")),
            args: vec!["--x".into()],
            dependencies: vec!["hdfs://ns/b.jar".parse().expect("dependency")],
            driver_cores: cdp_spark_domain::descriptor::PositiveCount::new(1),
            driver_memory: Some("1g".parse().expect("memory")),
            executor_cores: cdp_spark_domain::descriptor::PositiveCount::new(2),
            executor_memory: Some("2g".parse().expect("memory")),
            num_executors: cdp_spark_domain::descriptor::PositiveCount::new(3),
            log_level: Some("INFO".parse().expect("log level")),
            conf: BTreeMap::from([("spark.a".to_string(), "1".to_string())]),
        }
    }

    fn run_record() -> RunRecord {
        RunRecord {
            run_id: "r1".into(),
            job_key: JobKey::new("g", "n"),
            trigger_key: TriggerKey::new("g", "nTrigger"),
            scheduled_fire_time: t(0),
            actual_fire_time: t(1),
            application_id: Some("application_1_1".into()),
            tracking_url: Some("http://rm/proxy/application_1_1".into()),
            state: RunState::Failed,
            final_status: Some("FAILED".into()),
            created_at: t(0),
            updated_at: t(2),
            ended_at: Some(t(3)),
            error: Some("boom".into()),
        }
    }

    #[test]
    fn witboost_model_matches_its_schemas() {
        let more = ErrorMoreInfo {
            problems: vec!["p".into()],
            solutions: vec!["s".into()],
        };
        check(
            "ProvisioningRequest",
            &ProvisioningRequest {
                descriptor_kind: cdp_spark_domain::api::DescriptorKind::ComponentDescriptor,
                descriptor: "a: b".into(),
                remove_data: true,
                latest_enriched_descriptor: Some("x".into()),
            },
        );
        let mut status = ProvisioningStatus::completed(
            "done",
            Some(Info {
                public_info: serde_json::Map::new(),
                private_info: serde_json::Map::new(),
            }),
        );
        status.logs = Some(vec![Log {
            timestamp: t(0),
            level: LogLevel::Warning,
            message: "m".into(),
            phase: Some("ph".into()),
        }]);
        check("ProvisioningStatus", &status);
        check(
            "ValidationResult",
            &ValidationResult::invalid(vec!["e".into()]),
        );
        check(
            "ValidationStatus",
            &ValidationStatus {
                status: Status::Completed,
                info: Some(ValidationInfo {
                    public_info: ValidationResult::valid(),
                }),
            },
        );
        check(
            "RequestValidationError",
            &RequestValidationError {
                errors: vec!["e".into()],
                user_message: Some("u".into()),
                input: Some("i".into()),
                input_error_field: Some("f".into()),
                more_info: Some(more.clone()),
            },
        );
        check(
            "SystemError",
            &SystemError {
                error: "e".into(),
                user_message: Some("u".into()),
                input: Some("i".into()),
                input_error_field: Some("f".into()),
                more_info: Some(more),
            },
        );
        check(
            "UpdateAclRequest",
            &UpdateAclRequest {
                refs: vec!["user:a".into()],
                provision_info: ProvisionInfo {
                    request: "r".into(),
                    result: "s".into(),
                },
            },
        );
        check(
            "ReverseProvisioningRequest",
            &ReverseProvisioningRequest {
                use_case_template_id: "u".into(),
                environment: "e".into(),
                params: Some(serde_json::Map::new()),
                catalog_info: Some(serde_json::Map::new()),
            },
        );
        check(
            "ReverseProvisioningStatus",
            &ReverseProvisioningStatus {
                status: Status::Failed,
                updates: serde_json::Map::new(),
                logs: Some(vec![]),
            },
        );
    }

    #[test]
    fn job_status_model_matches_its_schemas() {
        let job = JobDefinition {
            key: JobKey::new("g", "n"),
            component_id: "urn:c".into(),
            description: Some("d".into()),
            spec: full_spec(),
            non_concurrent: true,
            run_policy: Default::default(),
        };
        let cron = TriggerDefinition {
            key: TriggerKey::new("g", "nTrigger"),
            job_key: JobKey::new("g", "n"),
            schedule: TriggerSchedule::Cron {
                cron_expression: "0 0 1 * * ?".into(),
                time_zone: "Europe/Rome".into(),
                start_time: t(0),
                end_time: Some(t(100)),
            },
            next_fire_time: Some(t(10)),
            previous_fire_time: Some(t(5)),
            state: TriggerState::PausedBlocked,
            misfire_instruction: MisfireInstruction::FireOnceNow,
            priority: 5,
        };
        let once = TriggerDefinition {
            schedule: TriggerSchedule::Once { start_time: t(0) },
            ..cron.clone()
        };
        check("TriggerDefinition", &cron);
        check("TriggerDefinition", &once);
        check("RunRecord", &run_record());
        let view = JobStatusView::new(JobView {
            job: job.clone(),
            triggers: vec![cron, once],
            last_runs: vec![run_record()],
        });
        assert_eq!(
            view.status,
            Some(RunState::Failed),
            "the latest run's state"
        );
        check("JobView", &view);
        check(
            "JobPause",
            &JobPause {
                job_key: JobKey::new("g", "n"),
                paused: true,
                triggers_changed: 1,
                message: "m".into(),
            },
        );
        check(
            "RunsPage",
            &RunsPage {
                runs: vec![run_record()],
                offset: 0,
                limit: 1,
                next_offset: Some(1),
            },
        );
        check(
            "ManualTriggerAccepted",
            &ManualTriggerAccepted {
                job_key: JobKey::new("g", "n"),
                trigger_key: TriggerKey::new("g", "manual-1"),
                start_time: t(0),
                run_id: None,
                message: "m".into(),
            },
        );
        check("Problem", &Problem::new("NOT_FOUND", "m"));
        for state in RunState::ALL {
            check("RunState", &state);
        }
    }

    #[test]
    fn every_operation_is_tagged_and_documents_its_errors() {
        let d = doc();
        let paths = d["paths"].as_object().expect("paths");
        assert_eq!(paths.len(), 19, "{:?}", paths.keys().collect::<Vec<_>>());
        for p in [
            "/v1/scheduler/jobs/{group}/{name}/trigger",
            "/v1/scheduler/jobs/{group}/{name}/pause",
            "/v1/scheduler/jobs/{group}/{name}/resume",
        ] {
            let op = &paths[p]["post"];
            for status in ["400", "401", "403", "404"] {
                assert!(
                    op["responses"][status].is_object(),
                    "{p}: {status} documented"
                );
            }
        }
        for p in [
            "/v1/scheduler/jobs/{group}/{name}",
            "/v1/scheduler/triggers/{group}/{name}",
            "/v1/scheduler/runs/{runId}",
        ] {
            assert!(
                paths[p]["get"]["responses"]["400"].is_object(),
                "{p}: the 400 of an over-long key documented"
            );
        }
        for (path, item) in paths {
            for (method, op) in item.as_object().expect("path item") {
                let responses = op["responses"].as_object().expect("responses");
                assert!(!responses.is_empty(), "{method} {path}");
                assert!(
                    op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                    "{method} {path}"
                );
                assert!(op["operationId"].is_string(), "{method} {path}");
            }
        }
    }
}
