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
