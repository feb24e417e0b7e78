//! The SP HTTP API (actix-web): the Witboost specific-provisioner API 2.2.0,
//! the job status API, health, metrics and the OpenAPI document. Handlers
//! only translate between HTTP and the domain's use cases.
//!
//! | route | what |
//! | --- | --- |
//! | `POST /v1/validate`, `POST /v2/validate`, `GET /v2/validate/{token}/status` | validation |
//! | `POST /v1/provision`, `POST /v1/unprovision`, `GET /v1/provision/{token}/status` | (un)provisioning |
//! | `POST /v1/updateacl`, `POST /v1/reverse-provisioning`, `GET /v1/reverse-provisioning/{token}/status` | not supported, answered |
//! | `GET /v1/scheduler/runs`, `.../runs/{runId}`, `.../jobs/{group}/{name}`, `.../triggers/{group}/{name}` | job status API |
//! | `GET /v1/scheduler/runs/{runId}/logs?tail=BYTES` | the end of a run's driver log, plain text |
//! | `POST /v1/scheduler/jobs/{group}/{name}/trigger` | manual trigger (optional parameters) |
//! | `POST /v1/scheduler/runs/{runId}/rerun`, `POST /v1/scheduler/jobs/{group}/{name}/backfill` | rerun, backfill |
//! | `POST /v1/scheduler/jobs/{group}/{name}/pause`, `.../resume` | pause and resume a job's triggers |
//! | `POST /v1/scheduler/pause`, `/v1/scheduler/resume` (`dataProduct`) | pause and resume every job of a data product, or all |
//! | `GET /v1/scheduler/jobs`, `.../jobs/{group}/{name}/schedule` | jobs listing, a job's next fire times |
//! | `GET /health`, `/ready`, `/metrics`, `/openapi.json`, `/docs/` | service |
//! | `GET /v1/schema/specific` | the JSON Schema of a component's `specific` ([`schema`]) |
//! | `GET /ui/…` | the web console ([`console`]) |
//!
//! Around the routes, from the outside in: the connection guard
//! ([`connection`]: JSON for the answers actix gives before routing, slow
//! readers dropped), the telemetry middleware (request id, span, metrics),
//! the guard middleware ([`guard`]: body deadline, JSON for every error),
//! then per route group the bearer tokens ([`auth`]).

pub mod auth;
pub mod body;
pub mod connection;
pub mod console;
pub mod errors;
pub mod explain;
pub mod guard;
pub mod health;
pub mod job_list;
pub mod metrics;
pub mod openapi;
pub mod operations;
pub mod scheduler;
pub mod schema;
pub mod telemetry;
pub mod witboost;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web, App};
use utoipa_swagger_ui::SwaggerUi;

use cdp_spark_domain::usecases::{JobControl, Provisioner, RunLogs};

use crate::config::{AsyncSettings, AuthSettings, ServerSettings, WriteAccess};
use auth::{BearerAuth, RouteGroup};
use connection::ConnectionLimits;
use metrics::Metrics;
use operations::Operations;

/// What the handlers share: the use cases, the metrics and which
/// operations answer with a token.
pub struct AppState {
    pub provisioner: Provisioner,
    pub operations: Operations,
    /// Pause, resume, start now (with this instance's engine, if any).
    pub control: JobControl,
    /// Runs' logs (with this instance's launcher, if any).
    pub logs: RunLogs,
    pub metrics: Arc<Metrics>,
    pub asynchronous: AsyncSettings,
}

/// HTTP options of the app.
#[derive(Clone)]
pub struct HttpOptions {
    pub body_limit_bytes: usize,
    pub auth: AuthSettings,
    pub limits: ConnectionLimits,
}

impl HttpOptions {
    /// The options of `[server]` and `[auth]`.
    pub fn new(server: &ServerSettings, auth: &AuthSettings) -> Self {
        Self {
            body_limit_bytes: server.body_limit_bytes,
            auth: auth.clone(),
            limits: ConnectionLimits::from(server),
        }
    }
}

/// The application: routes, extractor limits and error handlers, auth per
/// route group, telemetry.
pub fn build_app(
    state: web::Data<AppState>,
    options: &HttpOptions,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let coordinator = BearerAuth::new(
        options.auth.coordinator_token.as_deref(),
        RouteGroup::Coordinator,
    );
    let status = BearerAuth::new(options.auth.status_token.as_deref(), RouteGroup::Status);
    let trigger = BearerAuth::writes(options.auth.write_access());
    let metrics = web::Data::from(Arc::clone(&state.metrics));
    let limit = options.body_limit_bytes;

    // One resource per route: another method is a 405 with `Allow`.
    let endpoint = |path: &str, auth: &BearerAuth, allow: &'static str, route: actix_web::Route| {
        web::resource(path)
            .route(route)
            .default_service(web::to(move |req| errors::method_not_allowed(req, allow)))
            .wrap(auth.clone())
    };
    let get = |path: &str, route: actix_web::Route| {
        web::resource(path)
            .route(route)
            .default_service(web::to(|req| errors::method_not_allowed(req, "GET")))
    };

    App::new()
        .app_data(state)
        .app_data(metrics)
        .app_data(
            web::JsonConfig::default()
                .limit(limit)
                .error_handler(errors::json_error),
        )
        .app_data(web::PayloadConfig::new(limit))
        .app_data(web::QueryConfig::default().error_handler(errors::query_error))
        .app_data(web::PathConfig::default().error_handler(errors::path_error))
        .app_data(guard::BodyDeadline(options.limits.client_body_timeout))
        .wrap(from_fn(guard::guard))
        .wrap(from_fn(telemetry::observe))
        // The Witboost specific-provisioner API.
        .service(endpoint(
            "/v1/validate",
            &coordinator,
            "POST",
            web::post().to(witboost::validate),
        ))
        .service(endpoint(
            "/v1/provision",
            &coordinator,
            "POST",
            web::post().to(witboost::provision),
        ))
        .service(endpoint(
            "/v1/provision/{token}/status",
            &coordinator,
            "GET",
            web::get().to(witboost::provision_status),
        ))
        .service(endpoint(
            "/v1/unprovision",
            &coordinator,
            "POST",
            web::post().to(witboost::unprovision),
        ))
        .service(endpoint(
            "/v2/validate",
            &coordinator,
            "POST",
            web::post().to(witboost::validate_async),
        ))
        .service(endpoint(
            "/v2/validate/{token}/status",
            &coordinator,
            "GET",
            web::get().to(witboost::validation_status),
        ))
        .service(endpoint(
            "/v1/updateacl",
            &coordinator,
            "POST",
            web::post().to(witboost::update_acl),
        ))
        .service(endpoint(
            "/v1/reverse-provisioning",
            &coordinator,
            "POST",
            web::post().to(witboost::reverse_provisioning),
        ))
        .service(endpoint(
            "/v1/reverse-provisioning/{token}/status",
            &coordinator,
            "GET",
            web::get().to(witboost::reverse_provisioning_status),
        ))
        // The job status API.
        .service(endpoint(
            "/v1/scheduler/runs",
            &status,
            "GET",
            web::get().to(scheduler::runs),
        ))
        .service(endpoint(
            "/v1/scheduler/runs/{runId}",
            &status,
            "GET",
            web::get().to(scheduler::run),
        ))
        .service(endpoint(
            "/v1/scheduler/runs/{runId}/logs",
            &status,
            "GET",
            web::get().to(scheduler::run_logs),
        ))
        .service(endpoint(
            "/v1/scheduler/jobs",
            &status,
            "GET",
            web::get().to(job_list::jobs),
        ))
        .service(endpoint(
            "/v1/scheduler/jobs/{group}/{name}/schedule",
            &status,
            "GET",
            web::get().to(job_list::schedule),
        ))
        .service(endpoint(
            "/v1/scheduler/jobs/{group}/{name}",
            &status,
            "GET",
            web::get().to(scheduler::job),
        ))
        .service(endpoint(
            "/v1/scheduler/jobs/{group}/{name}/explain",
            &status,
            "GET",
            web::get().to(explain::explain),
        ))
        .service(endpoint(
            "/v1/scheduler/triggers/{group}/{name}",
            &status,
            "GET",
            web::get().to(scheduler::trigger),
        ))
        .service(endpoint(
            "/v1/scheduler/jobs/{group}/{name}/trigger",
            &trigger,
            "POST",
            web::post().to(scheduler::trigger_now),
        ))
        .service(endpoint(
            "/v1/scheduler/runs/{runId}/rerun",
            &trigger,
            "POST",
            web::post().to(scheduler::rerun),
        ))
        .service(endpoint(
            "/v1/scheduler/jobs/{group}/{name}/backfill",
            &trigger,
            "POST",
            web::post().to(scheduler::backfill),
        ))
        .service(endpoint(
            "/v1/scheduler/pause",
            &trigger,
            "POST",
            web::post().to(scheduler::pause_all),
        ))
        .service(endpoint(
            "/v1/scheduler/resume",
            &trigger,
            "POST",
            web::post().to(scheduler::resume_all),
        ))
        .service(endpoint(
            "/v1/scheduler/jobs/{group}/{name}/pause",
            &trigger,
            "POST",
            web::post().to(scheduler::pause),
        ))
        .service(endpoint(
            "/v1/scheduler/jobs/{group}/{name}/resume",
            &trigger,
            "POST",
            web::post().to(scheduler::resume),
        ))
        // The service.
        .service(get("/health", web::get().to(health::health)))
        .service(get("/ready", web::get().to(health::ready)))
        .service(get("/metrics", web::get().to(health::metrics)))
        .service(get("/v1/schema/specific", web::get().to(schema::specific)))
        .service(web::redirect("/docs", "/docs/"))
        // The web console: public pages (no data in them); the data comes
        // from the API above, with its tokens.
        .service(web::redirect("/ui", "/ui/"))
        .service(get("/ui/assets/app.js", web::get().to(console::script)))
        .service(get("/ui/assets/app.css", web::get().to(console::style)))
        .service(get("/ui/{tail:.*}", web::get().to(console::shell)))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", openapi::document()))
        .default_service(web::to(errors::no_route))
}

/// The HTTP server on an already bound listener.
pub fn server(
    state: web::Data<AppState>,
    options: HttpOptions,
    listener: TcpListener,
    workers: Option<usize>,
    shutdown_timeout: Duration,
) -> std::io::Result<Server> {
    let loopback = listener.local_addr()?.ip().is_loopback();
    if options.auth.coordinator_token.is_none() && !loopback {
        tracing::warn!(
            "auth.coordinator_token is not set: anyone who reaches the server can validate, provision and unprovision (set CDP_SPARK_PROVISIONER__AUTH__COORDINATOR_TOKEN)"
        );
    }
    match options.auth.write_access() {
        WriteAccess::Closed => tracing::warn!(
            "auth.status_token is set but auth.trigger_token is not: trigger, pause and resume are closed (403) until auth.trigger_token is set"
        ),
        WriteAccess::Open if !loopback => tracing::warn!(
            "no auth tokens for the job status API: anyone who reaches the server can trigger, pause and resume jobs"
        ),
        WriteAccess::Open => {}
        WriteAccess::Token(_) => {}
    }
    let metrics = Arc::clone(&state.metrics);
    let limits = options.limits.clone();
    connection::serve(
        move || build_app(state.clone(), &options),
        listener,
        workers,
        shutdown_timeout,
        limits,
        metrics,
    )
}

#[cfg(test)]
mod tests;
