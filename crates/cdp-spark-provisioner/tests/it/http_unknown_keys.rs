//! Issue 15 through the real binary: a key under `specific` that no rule
//! reads is a warning in `/v1/validate`'s answer, in `/v2/validate`'s
//! `info.publicInfo` and in provision's `logs` (level `WARNING`), or an
//! error with the same text when `descriptor.unknown_keys = "error"`; and
//! `GET /v1/schema/specific` serves the schema of the deployment's choice.

use crate::support;

use cdp_spark_domain::descriptor::schema::json_schema;
use cdp_spark_domain::descriptor::UnknownKeys;
use support::{local_descriptor, poll_until_done, request, start_in, Db, Place, ServerOptions};

const WARNING: &str = "dataProduct.components[1].specific.jobConfig.exectorMemory: is not a \
                       known key; did you mean executorMemory?";

/// The local descriptor with a typo under jobConfig.
fn with_typo() -> String {
    let text = local_descriptor();
    let from = "          driverCores: 1\n";
    assert_eq!(text.matches(from).count(), 1, "the fixture changed shape");
    text.replacen(from, &format!("{from}          exectorMemory: 8g\n"), 1)
}

#[tokio::test]
async fn typos_are_warnings_in_every_answer_by_default() {
    let place = Place::new(&Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let descriptor = with_typo();

    let (code, v1) = server.post("/v1/validate", &request(&descriptor)).await;
    assert_eq!(code, 200, "{v1}");
    assert_eq!(v1["valid"], true, "{v1}");
    let warnings = v1["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{v1}");
    assert!(
        warnings[0].as_str().is_some_and(|w| w.starts_with(WARNING)),
        "{v1}"
    );

    let (code, token) = server.post("/v2/validate", &request(&descriptor)).await;
    assert_eq!(code, 202, "{token}");
    let token = token.as_str().expect("token");
    let v2 = poll_until_done(&server, &format!("/v2/validate/{token}/status")).await;
    assert_eq!(v2["status"], "COMPLETED", "{v2}");
    assert_eq!(
        v2["info"]["publicInfo"], v1,
        "the same result as /v1/validate"
    );

    let (code, provisioned) = server.post("/v1/provision", &request(&descriptor)).await;
    assert_eq!(code, 200, "{provisioned}");
    let logs = provisioned["logs"].as_array().expect("logs");
    let warned: Vec<&serde_json::Value> = logs.iter().filter(|l| l["level"] == "WARNING").collect();
    assert_eq!(warned.len(), 1, "{provisioned}");
    assert!(
        warned[0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with(WARNING)),
        "{provisioned}"
    );
    assert_eq!(warned[0]["phase"], "validate");

    // Without the typo: no warnings field at all (the contract's shape).
    let (_, clean) = server
        .post("/v1/validate", &request(&local_descriptor()))
        .await;
    assert_eq!(clean, serde_json::json!({"valid": true}));

    let (code, schema) = server.get("/v1/schema/specific").await;
    assert_eq!(code, 200, "{schema}");
    assert_eq!(schema, json_schema(UnknownKeys::Warn));
    assert_eq!(
        schema["properties"]["jobConfig"]["additionalProperties"],
        true
    );
}

#[tokio::test]
async fn the_operator_can_refuse_them_with_the_same_text() {
    let place = Place::new(&Db::Sqlite);
    let server = start_in(
        &place,
        &ServerOptions::default().env("CDP_SPARK_PROVISIONER__DESCRIPTOR__UNKNOWN_KEYS", "error"),
    );
    let descriptor = with_typo();

    let (code, v1) = server.post("/v1/validate", &request(&descriptor)).await;
    assert_eq!(code, 200, "{v1}");
    assert_eq!(v1["valid"], false, "{v1}");
    let errors = v1["error"]["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{v1}");
    assert!(
        errors[0].as_str().is_some_and(|e| e.starts_with(WARNING)),
        "{v1}"
    );
    assert!(v1.get("warnings").is_none(), "{v1}");

    let (code, refused) = server.post("/v1/provision", &request(&descriptor)).await;
    assert_eq!(code, 400, "{refused}");
    assert_eq!(
        refused["inputErrorField"],
        "dataProduct.components[1].specific.jobConfig.exectorMemory"
    );

    let (code, schema) = server.get("/v1/schema/specific").await;
    assert_eq!(code, 200, "{schema}");
    assert_eq!(schema, json_schema(UnknownKeys::Error));
    assert_eq!(schema["additionalProperties"], false);
}
