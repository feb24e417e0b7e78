//! The OpenAPI document served at /openapi.json: the Witboost paths,
//! methods, status codes and schemas match the 2.2.0 contract; every route
//! it lists answers as documented; the docs page works with no network.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};
use support::{
    local_descriptor, request, seg, start_in, Place, ServerOptions, FIXTURE_GROUP, FIXTURE_JOB,
};

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// Status codes we answer beyond the contract, and why.
fn allowed_extra_codes(path: &str, method: &str) -> BTreeSet<String> {
    // None: every answer of a Witboost route is one the contract lists
    // (401 exists only with auth configured, and is documented as security).
    let _ = (path, method);
    BTreeSet::new()
}

/// Optional fields our answers carry beyond a contract schema (which
/// allows more properties: none of its objects is closed), and why.
fn allowed_extra_fields(schema: &str) -> BTreeSet<String> {
    match schema {
        // Issue 15: keys under `specific` no rule reads, as warnings, in
        // `/v1/validate`'s answer and `/v2/validate`'s `info.publicInfo`;
        // left out when there is none.
        "ValidationResult" => BTreeSet::from(["warnings".to_string()]),
        _ => BTreeSet::new(),
    }
}

fn operations(doc: &Value) -> BTreeMap<(String, String), Value> {
    let mut out = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                out.insert((path.clone(), m.to_string()), op.clone());
            }
        }
    }
    out
}

fn codes(op: &Value) -> BTreeSet<String> {
    op["responses"]
        .as_object()
        .expect("responses")
        .keys()
        .cloned()
        .collect()
}

/// The JSON schema of a response or request body, `$ref` kept.
fn body_schema(content_owner: &Value) -> Option<Value> {
    content_owner["content"]["application/json"]["schema"]
        .as_object()
        .map(|s| Value::Object(s.clone()))
}

fn ref_name(schema: &Value) -> Option<String> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .map(|r| r.rsplit('/').next().unwrap_or(r).to_string())
}

fn property_names(doc: &Value, name: &str) -> BTreeSet<String> {
    doc["components"]["schemas"][name]["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn required_names(doc: &Value, name: &str) -> BTreeSet<String> {
    doc["components"]["schemas"][name]["required"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Enum values of a property, following `$ref`s and nullable wrappers.
fn enum_values(doc: &Value, schema: &Value) -> Option<BTreeSet<String>> {
    if let Some(name) = ref_name(schema) {
        return enum_values(doc, &doc["components"]["schemas"][name.as_str()]);
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Some(
            values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        );
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            if let Some(found) = options.iter().find_map(|o| enum_values(doc, o)) {
                return Some(found);
            }
        }
    }
    None
}

async fn served_document(server: &support::Server) -> Value {
    let (code, doc) = server.get("/openapi.json").await;
    assert_eq!(code, 200, "{doc}");
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    doc
}

#[tokio::test]
async fn witboost_paths_match_the_2_2_0_contract() {
    let contract = support::contract();
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let doc = served_document(&server).await;

    let theirs = operations(&contract);
    let ours = operations(&doc);
    let ours_witboost: BTreeSet<(String, String)> = ours
        .iter()
        .filter(|(_, op)| {
            op["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "SpecificProvisioner"))
        })
        .map(|(k, _)| k.clone())
        .collect();
    let theirs_keys: BTreeSet<(String, String)> = theirs.keys().cloned().collect();
    assert_eq!(
        ours_witboost, theirs_keys,
        "the Witboost paths and methods differ from the contract"
    );

    for ((path, method), op) in &theirs {
        let mine = &ours[&(path.clone(), method.clone())];
        assert_eq!(
            mine["operationId"], op["operationId"],
            "{method} {path}: operationId"
        );
        // Status codes: all of the contract's, and only documented extras.
        let want = codes(op);
        let have = codes(mine);
        assert!(
            want.is_subset(&have),
            "{method} {path}: contract codes {want:?}, ours {have:?}"
        );
        let extra: BTreeSet<String> = have.difference(&want).cloned().collect();
        assert!(
            extra.is_subset(&allowed_extra_codes(path, method)),
            "{method} {path}: undocumented extra codes {extra:?}"
        );
        // Request body: the same schema.
        if op.get("requestBody").is_some() {
            let theirs_body = body_schema(&op["requestBody"]).expect("contract body schema");
            let ours_body = body_schema(&mine["requestBody"])
                .unwrap_or_else(|| panic!("{method} {path}: no request body"));
            assert_eq!(
                ref_name(&ours_body),
                ref_name(&theirs_body),
                "{method} {path}: request body"
            );
            assert_eq!(
                mine["requestBody"]["required"], true,
                "{method} {path}: body required"
            );
        }
        // Response bodies: the same schema, or a JSON string for tokens.
        for code in &want {
            let t = body_schema(&op["responses"][code.as_str()]).expect("contract response schema");
            let o = body_schema(&mine["responses"][code.as_str()])
                .unwrap_or_else(|| panic!("{method} {path} {code}: no JSON body documented"));
            match ref_name(&t) {
                Some(name) => assert_eq!(
                    ref_name(&o).as_deref(),
                    Some(name.as_str()),
                    "{method} {path} {code}"
                ),
                None => assert_eq!(o["type"], t["type"], "{method} {path} {code}: {o}"),
            }
        }
        // Path parameters.
        let names = |op: &Value| -> BTreeSet<String> {
            op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["name"].as_str().map(str::to_string))
                .collect()
        };
        assert_eq!(names(mine), names(op), "{method} {path}: parameters");
    }

    // Every schema of the contract, field for field.
    let schemas = contract["components"]["schemas"]
        .as_object()
        .expect("contract schemas");
    for (name, schema) in schemas {
        assert!(
            doc["components"]["schemas"].get(name.as_str()).is_some(),
            "schema {name} is missing"
        );
        if schema.get("properties").is_some() {
            let extra = allowed_extra_fields(name);
            assert!(
                extra.iter().all(|f| property_names(&doc, name).contains(f)
                    && !property_names(&contract, name).contains(f)
                    && !required_names(&doc, name).contains(f)),
                "schema {name}: the allowed extra fields {extra:?} must be ours, optional and documented"
            );
            assert_eq!(
                &property_names(&doc, name) - &extra,
                property_names(&contract, name),
                "schema {name}: fields"
            );
            assert_eq!(
                required_names(&doc, name),
                required_names(&contract, name),
                "schema {name}: required fields"
            );
            for (field, fschema) in schema["properties"].as_object().expect("properties") {
                if let Some(values) = enum_values(&contract, fschema) {
                    let ours = enum_values(
                        &doc,
                        &doc["components"]["schemas"][name.as_str()]["properties"][field.as_str()],
                    );
                    let trimmed: BTreeSet<String> =
                        values.iter().map(|v| v.trim().to_string()).collect();
                    assert_eq!(ours, Some(trimmed), "schema {name}.{field}: enum values");
                }
            }
        } else if let Some(values) = enum_values(&contract, schema) {
            assert_eq!(
                enum_values(&doc, &doc["components"]["schemas"][name.as_str()]),
                Some(values),
                "schema {name}: enum"
            );
        }
    }
}

/// A request for an operation of the document, with real data.
fn body_for(doc: &Value, op: &Value, descriptor: &str) -> Option<Value> {
    let schema = body_schema(op.get("requestBody")?)?;
    // An optional body is `oneOf` null and the type.
    let name = ref_name(&schema)
        .or_else(|| {
            ["oneOf", "anyOf"]
                .iter()
                .filter_map(|k| schema[*k].as_array())
                .flatten()
                .find_map(ref_name)
        })
        .unwrap_or_default();
    let _ = doc;
    Some(match name.as_str() {
        "ProvisioningRequest" => request(descriptor),
        "UpdateAclRequest" => {
            json!({"refs": ["user:alice"], "provisionInfo": {"request": "{}", "result": "ok"}})
        }
        "ReverseProvisioningRequest" => {
            json!({"useCaseTemplateId": "urn:dmb:utm:x:0.0.0", "environment": "development"})
        }
        "RunParameters" => json!({"args": ["--date", "2026-03-02"]}),
        "BackfillRequest" => {
            json!({"from": "2026-03-02T00:00:00Z", "to": "2026-03-04T23:59:59Z", "dryRun": true})
        }
        "DataProductFilter" => json!({"dataProduct": "urn:dmb:dp:none:0"}),
        other => panic!("no test body for request schema {other}: add one here"),
    })
}

/// Every field of the answer is described by its documented schema.
fn fields_documented(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let Some(name) = ref_name(schema) else { return };
    let Value::Object(map) = value else { return };
    let props = property_names(doc, &name);
    if props.is_empty() {
        return;
    }
    for key in map.keys() {
        assert!(
            props.contains(key),
            "{at}: field {key} is not in schema {name} ({props:?})"
        );
    }
    for key in required_names(doc, &name) {
        assert!(
            map.contains_key(&key),
            "{at}: required field {key} of {name} is missing"
        );
    }
}

#[tokio::test]
async fn every_route_in_the_document_answers_as_documented() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let doc = served_document(&server).await;
    let descriptor = local_descriptor();
    // A job to find.
    let (code, provisioned) = server.post("/v1/provision", &request(&descriptor)).await;
    assert_eq!(code, 200, "{provisioned}");
    let trigger_name = provisioned["info"]["privateInfo"]["triggerName"]
        .as_str()
        .expect("trigger")
        .to_string();

    let mut exercised = Vec::new();
    for ((path, method), op) in operations(&doc) {
        let url_path = path
            .replace("{group}", &seg(FIXTURE_GROUP))
            .replace(
                "{name}",
                if path.contains("/triggers/") {
                    &trigger_name
                } else {
                    FIXTURE_JOB
                },
            )
            .replace("{token}", "0f0e0d0c-unknown")
            .replace("{runId}", "no-such-run")
            + if path.ends_with("/explain") {
                "?from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:00Z"
            } else {
                ""
            };
        assert!(
            !url_path.contains('{'),
            "no test value for a parameter of {path}"
        );
        let mut req = match method.as_str() {
            "get" => server.client.get(server.url(&url_path)),
            "post" => server.client.post(server.url(&url_path)),
            other => panic!("{other} {path}: add the method here"),
        };
        if let Some(body) = body_for(&doc, &op, &descriptor) {
            req = req.json(&body);
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let code = res.status().as_u16().to_string();
        let is_json = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let (_, body) = support::answer(res).await;
        let documented = &op["responses"][code.as_str()];
        assert!(
            documented.is_object(),
            "{method} {path}: answered {code}, documented {:?}: {body}",
            codes(&op)
        );
        if is_json {
            if let Some(schema) = body_schema(documented) {
                fields_documented(&doc, &schema, &body, &format!("{method} {path} {code}"));
            }
        }
        exercised.push(format!("{} {path} -> {code}", method.to_uppercase()));
    }
    assert_eq!(exercised.len(), 28, "{exercised:#?}");
    println!("{}", exercised.join("\n"));
}

#[tokio::test]
async fn the_docs_page_is_served_from_the_binary() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let res = server
        .client
        .get(server.url("/docs"))
        .send()
        .await
        .expect("send");
    assert_eq!(res.url().path(), "/docs/", "/docs redirects to /docs/");
    let res = server
        .client
        .get(server.url("/docs/"))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.expect("html");
    assert!(html.contains("swagger-ui"), "{html}");
    // Every asset is relative (served by us), none from a CDN.
    let mut assets = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            let target = part.split('"').next().unwrap_or_default();
            assert!(
                !target.contains("://"),
                "the docs page loads {target} from elsewhere"
            );
            assets.push(target.trim_start_matches("./").to_string());
        }
    }
    assert!(assets.iter().any(|a| a.ends_with(".js")), "{assets:?}");
    for asset in &assets {
        let res = server
            .client
            .get(server.url(&format!("/docs/{asset}")))
            .send()
            .await
            .expect("send");
        assert_eq!(res.status().as_u16(), 200, "/docs/{asset}");
        let text = res.text().await.unwrap_or_default();
        assert!(!text.is_empty(), "/docs/{asset} is empty");
    }
    let init = server
        .client
        .get(server.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .expect("send");
    let init = init.text().await.expect("text");
    assert!(init.contains("/openapi.json"), "{init}");
}

#[tokio::test]
async fn the_document_describes_timed_out_runs_their_nominal_time_and_job_limits() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let doc = served_document(&server).await;
    let states = enum_values(&doc, &doc["components"]["schemas"]["RunState"]);
    let expected: BTreeSet<String> = [
        "QUEUED",
        "SUBMITTING",
        "RUNNING",
        "SUCCEEDED",
        "FAILED",
        "KILLED",
        "SKIPPED",
        "LOST",
        "TIMED_OUT",
    ]
    .map(String::from)
    .into();
    assert_eq!(states, Some(expected), "RunState");
    assert!(property_names(&doc, "RunRecord").contains("nominalTime"));
    assert!(required_names(&doc, "RunRecord").contains("nominalTime"));
    assert!(property_names(&doc, "JobDefinition").contains("maxDuration"));
    assert!(!required_names(&doc, "JobDefinition").contains("maxDuration"));
    let runs = &doc["paths"]["/v1/scheduler/runs"]["get"]["parameters"];
    let state = runs
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "state"))
        .unwrap_or_else(|| panic!("no state parameter: {runs}"));
    assert!(
        state["description"]
            .as_str()
            .is_some_and(|d| d.contains("TIMED_OUT")),
        "{state}"
    );
}
