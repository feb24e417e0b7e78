//! The OpenAPI document of the whole HTTP API, generated from the handlers'
//! annotations and the types they answer, served at `/openapi.json` and
//! browsable at `/docs/`.
//!
//! The schemas are derived from the types that are serialised: the domain's
//! API model and the job status API's answers (`cdp_spark_domain::api`, with
//! its feature `openapi`), `Problem` (`errors.rs`), `RunsPage`
//! (`scheduler.rs`), `JobsPage` and `JobScheduleView` (`job_list.rs`) and `Health` (`health.rs`). A field added to one of them
//! is in the document with no second place to update.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{explain, health, job_list, scheduler, schema, witboost};

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
        job_list::jobs,
        job_list::schedule,
        scheduler::run,
        scheduler::run_logs,
        scheduler::job,
        explain::explain,
        scheduler::trigger,
        scheduler::trigger_now,
        scheduler::rerun,
        scheduler::backfill,
        scheduler::pause,
        scheduler::resume,
        scheduler::pause_all,
        scheduler::resume_all,
        health::health,
        health::ready,
        health::metrics,
        schema::specific,
    ),
    modifiers(&BearerSchemes),
    tags(
        (name = "SpecificProvisioner", description = "All the provisioning related operations"),
        (name = "JobStatus", description = "Jobs, triggers and runs in the job store, runs' links and driver logs; the manual trigger with optional parameters, rerun and backfill; pause and resume of one job, of a data product's jobs or of all"),
        (name = "Service", description = "Liveness, readiness and Prometheus metrics; the JSON Schema of a component's specific"),
    )
)]
pub struct ApiDoc;

/// The document served at `/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn doc() -> Value {
        serde_json::to_value(document()).expect("document serialises")
    }

    #[test]
    fn every_operation_is_tagged_and_documents_its_errors() {
        let d = doc();
        let paths = d["paths"].as_object().expect("paths");
        assert_eq!(paths.len(), 28, "{:?}", paths.keys().collect::<Vec<_>>());
        for p in [
            "/v1/scheduler/jobs/{group}/{name}/trigger",
            "/v1/scheduler/jobs/{group}/{name}/pause",
            "/v1/scheduler/jobs/{group}/{name}/resume",
            "/v1/scheduler/jobs/{group}/{name}/backfill",
            "/v1/scheduler/runs/{runId}/rerun",
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
            "/v1/scheduler/jobs/{group}/{name}/explain",
            "/v1/scheduler/triggers/{group}/{name}",
            "/v1/scheduler/runs/{runId}",
            "/v1/scheduler/runs/{runId}/logs",
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

    #[test]
    fn the_schemas_keep_their_published_names() {
        let d = doc();
        let names: std::collections::BTreeSet<&str> = d["components"]["schemas"]
            .as_object()
            .expect("schemas")
            .keys()
            .map(String::as_str)
            .collect();
        let published = [
            "BackfillAccepted",
            "BackfillRequest",
            "DataProductFilter",
            "DescriptorKind",
            "ErrorMoreInfo",
            "FireExplanation",
            "FireSource",
            "Health",
            "Info",
            "JobDefinition",
            "JobExplanation",
            "JobKey",
            "JobPause",
            "JobSchedule",
            "JobSummary",
            "JobView",
            "JobsPause",
            "JobsPage",
            "Log",
            "LogLevel",
            "ManualTriggerAccepted",
            "MisfireInstruction",
            "Problem",
            "ProvisionInfo",
            "ProvisioningRequest",
            "ProvisioningStatus",
            "RequestValidationError",
            "RerunAccepted",
            "ReverseProvisioningRequest",
            "ReverseProvisioningStatus",
            "RunCell",
            "RunLinks",
            "RunRecord",
            "RunState",
            "RunsPage",
            "RunParameters",
            "ScheduleSummary",
            "SparkJobSpec",
            "Status",
            "SystemError",
            "TriggerDefinition",
            "TriggerKey",
            "TriggerSchedule",
            "TriggerState",
            "UpdateAclRequest",
            "ValidationError",
            "ValidationInfo",
            "ValidationResult",
            "ValidationStatus",
            "Verdict",
        ];
        assert_eq!(names, published.into_iter().collect());
    }
}
