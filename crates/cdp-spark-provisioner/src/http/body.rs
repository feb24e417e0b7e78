//! JSON request bodies read in two steps, so that a caller learns which of
//! two things is wrong: the body is not JSON at all (the `JsonConfig` error
//! handler, [`super::errors::json_error`], with line and column), or it is
//! JSON of the wrong shape ([`super::errors::body_shape_error`], naming the
//! field: `descriptorKind`, `refs[1]`).

use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::errors::body_shape_error;

/// A type a request body is read as, with its name for messages.
pub trait BodyType: DeserializeOwned + 'static {
    /// The contract's name of the type (`ProvisioningRequest`).
    const NAME: &'static str;
}

impl BodyType for cdp_spark_domain::api::ProvisioningRequest {
    const NAME: &'static str = "ProvisioningRequest";
}

impl BodyType for cdp_spark_domain::api::UpdateAclRequest {
    const NAME: &'static str = "UpdateAclRequest";
}

impl BodyType for cdp_spark_domain::api::ReverseProvisioningRequest {
    const NAME: &'static str = "ReverseProvisioningRequest";
}

/// The extractor: `Body<ProvisioningRequest>` in place of
/// `web::Json<ProvisioningRequest>`.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T> Body<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Body<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: BodyType> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Content type, size limit and JSON syntax: actix's extractor with
        // our `JsonConfig` (its error handler answers).
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let value = json.await?.into_inner();
            serde_path_to_error::deserialize(value)
                .map(Body)
                .map_err(|e| body_shape_error(e, &req, T::NAME))
        })
    }
}

/// An optional JSON body of the job status API, read from its bytes: empty
/// (or only whitespace, or `null`) is `None`. Text that is not JSON is a
/// 400 naming the line and column; JSON of the wrong shape a 400 naming
/// the field (`args[1]`, `conf.spark.x`, `maxParallel`).
pub fn optional_json<T: DeserializeOwned>(
    bytes: &[u8],
    expected: &str,
) -> Result<Option<T>, super::errors::ApiError> {
    use super::errors::{ApiError, ECHO_CHARS};
    use super::telemetry::excerpt;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(format!(
            "the request body is not valid JSON ({}); send a JSON {expected}",
            excerpt(&e.to_string(), 2 * ECHO_CHARS)
        ))
    })?;
    if value.is_null() {
        return Ok(None);
    }
    serde_path_to_error::deserialize(value)
        .map(Some)
        .map_err(|e| {
            let detail = excerpt(&e.inner().to_string(), 2 * ECHO_CHARS);
            let path = e.path().to_string();
            let missing = detail
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split('`').next())
                .map(str::to_string);
            let field = match (path.as_str(), missing) {
                (".", Some(m)) => m,
                (".", None) => String::new(),
                (p, Some(m)) => format!("{p}.{m}"),
                (p, None) => p.to_string(),
            };
            let field = excerpt(&field, ECHO_CHARS);
            ApiError::bad_request(if field.is_empty() {
                format!("the request body is not a {expected}: {detail}")
            } else {
                format!("{field}: {detail} (the request body is not a valid {expected})")
            })
        })
}

/// A JSON body the route needs: as [`optional_json`], and an empty one is
/// a 400 too.
pub fn required_json<T: DeserializeOwned>(
    bytes: &[u8],
    expected: &str,
) -> Result<T, super::errors::ApiError> {
    optional_json(bytes, expected)?.ok_or_else(|| {
        super::errors::ApiError::bad_request(format!(
            "the request body is empty; send a JSON {expected}"
        ))
    })
}
