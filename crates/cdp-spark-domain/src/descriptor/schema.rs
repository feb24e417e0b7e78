//! What the field registry ([`super::fields`]) says about `specific`, in
//! the forms tools read: a JSON Schema (draft 2020-12), served at
//! `GET /v1/schema/specific` and shipped as `docs/schema/specific.schema.json`,
//! and a CUE policy for the Witboost template, shipped as
//! `policies/spark-workload.cue`. Both are generated here, never written by
//! hand (`cargo xtask schema` writes the shipped files; a test fails when
//! they differ).
//!
//! They say what a regular expression can: types, required keys, patterns,
//! closed sets and lower bounds. What needs more (the job name derived from
//! the component id, a cron expression that fires, jars that exist, the
//! operator's conf policy, the 7-day bound of a duration) stays with
//! `validate`: a descriptor the schema accepts can still be refused, never
//! the other way round for the shipped examples.

use serde_json::{json, Map, Value};

use super::fields::{children, Field, Shape, CONF_KEY_PATTERN};
use super::unknown_keys::UnknownKeys;

/// Where the JSON Schema is served.
pub const SCHEMA_ROUTE: &str = "/v1/schema/specific";

/// The repository file holding the JSON Schema (warn mode).
pub const SCHEMA_FILE: &str = "docs/schema/specific.schema.json";

/// The repository file holding the CUE policy.
pub const CUE_FILE: &str = "policies/spark-workload.cue";

/// The command that writes both files.
pub const REGENERATE: &str = "cargo xtask schema";

/// The JSON Schema of `specific`, its unknown keys allowed (`Warn`) or not.
pub fn json_schema(unknown_keys: UnknownKeys) -> Value {
    let mut root = object_schema("", unknown_keys);
    let unknown = match unknown_keys {
        UnknownKeys::Warn => {
            "Keys not listed here are allowed by this schema (additionalProperties: true), as the \
             provisioner allows them: it ignores them and warns, naming the closest known key \
             (descriptor.unknown_keys = \"warn\", the default)."
        }
        UnknownKeys::Error => {
            "Keys not listed here are refused (additionalProperties: false), as this provisioner \
             refuses them (descriptor.unknown_keys = \"error\")."
        }
    };
    if let Value::Object(map) = &mut root {
        let mut head = Map::new();
        head.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        head.insert(
            "$id".into(),
            json!("urn:cdp-spark-provisioner:schema:specific"),
        );
        head.insert(
            "title".into(),
            json!("specific of a CDP Spark workload component"),
        );
        head.insert(
            "description".into(),
            json!(format!(
                "The component's specific, as the CDP Spark provisioner reads it. Generated from \
                 its field registry. {unknown} The provisioner's validate checks more than a \
                 schema can (the job name derived from the component id, a cron expression that \
                 fires, jars that exist, the operator's conf policy): see docs/DESCRIPTOR.md."
            )),
        );
        head.append(map);
        *map = head;
    }
    root
}

/// The schema's JSON text as shipped: two-space indents, a final newline.
pub fn json_schema_text(unknown_keys: UnknownKeys) -> String {
    let mut text = serde_json::to_string_pretty(&json_schema(unknown_keys))
        .unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

fn object_schema(parent: &str, unknown_keys: UnknownKeys) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for f in children(parent) {
        properties.insert(f.key().to_string(), field_schema(f, unknown_keys));
        if f.required {
            required.push(json!(f.key()));
        }
    }
    json!({
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": unknown_keys == UnknownKeys::Warn,
    })
}

fn field_schema(f: &Field, unknown_keys: UnknownKeys) -> Value {
    let mut s = match f.shape {
        Shape::Object => object_schema(f.path, unknown_keys),
        Shape::SparkConf => json!({
            "type": "object",
            "propertyNames": {"pattern": CONF_KEY_PATTERN},
            "additionalProperties": {"type": ["string", "number", "boolean"]},
        }),
        Shape::Text(pattern) => {
            let mut s = json!({"type": "string", "minLength": 1});
            if let Some(p) = pattern {
                s["pattern"] = json!(p);
            }
            s
        }
        Shape::TextOrCount(pattern) => json!({
            "type": ["string", "integer"],
            "pattern": pattern,
            "minimum": 1,
            "maximum": i64::MAX,
        }),
        Shape::Integer { min } => json!({
            "type": "integer",
            "minimum": min,
            "maximum": u32::MAX,
        }),
        Shape::OneOf(values) => {
            let mut listed: Vec<Value> = values().into_iter().map(|v| json!(v)).collect();
            if !f.required {
                listed.push(Value::Null);
            }
            json!({
                "anyOf": [
                    {"enum": listed},
                    {"type": "string", "pattern": any_case(&values())},
                ],
            })
        }
        Shape::ScalarList => json!({
            "type": "array",
            "items": {"type": ["string", "number", "boolean"]},
        }),
        Shape::TextList(pattern) => json!({
            "type": "array",
            "items": {"type": "string", "pattern": pattern},
        }),
        Shape::Boolean => json!({"type": "boolean"}),
    };
    // YAML `key:` or `key: ~` reads as absent, so an optional value may be
    // null; not a mapping of registered fields (`jobConfig`, `schedule`):
    // `null |` there would hide which key inside is wrong behind the
    // mapping's name in CUE's errors.
    if !f.required && !matches!(f.shape, Shape::Object) {
        if let Some(t) = s.get_mut("type") {
            let mut types = match t.take() {
                Value::Array(types) => types,
                one => vec![one],
            };
            types.push(json!("null"));
            *t = Value::Array(types);
        }
    }
    let mut description = f.rule.to_string();
    if !f.required {
        description.push_str(&format!(". Default: {}", f.default));
    }
    description.push_str(&format!(". Becomes: {}.", f.becomes));
    if let Value::Object(map) = &mut s {
        map.insert("description".into(), json!(description));
        // A mapping's example is its keys' own.
        if let (false, Ok(example)) = (
            matches!(f.shape, Shape::Object),
            serde_json::from_str::<Value>(f.example),
        ) {
            map.insert("examples".into(), json!([example]));
        }
    }
    s
}

/// A pattern matching one of `values` in any ASCII case (`[Aa][Ll][Ll]`):
/// JSON Schema's regular expressions have no case-insensitive flag.
pub fn any_case(values: &[&str]) -> String {
    let words: Vec<String> = values
        .iter()
        .map(|v| {
            v.chars()
                .map(|c| {
                    if c.is_ascii_alphabetic() {
                        format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase())
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        })
        .collect();
    format!("^(?:{})$", words.join("|"))
}

/// The CUE policy of the component (as Witboost template repositories
/// ship them: `cue vet spark-workload.cue component.yaml`), checking its
/// `specific`. Unknown keys are allowed (`...`), as in warn mode.
pub fn cue_policy() -> String {
    let mut out = String::from(
        "// The CUE policy of a CDP Spark workload component (its `specific`), for the\n\
         // Witboost template: `cue vet spark-workload.cue component.yaml`.\n\
         //\n\
         // Generated from the provisioner's field registry\n\
         // (crates/cdp-spark-domain/src/descriptor/fields.rs) by `cargo xtask schema`;\n\
         // do not edit by hand. It checks what a regular expression can; the\n\
         // provisioner's validate checks the rest (the job name derived from the\n\
         // component id, a cron expression that fires, jars that exist, the\n\
         // operator's conf policy). Keys it does not list are allowed (`...`): the\n\
         // provisioner warns about them. Reference: docs/DESCRIPTOR.md.\n\n\
         kind!:     \"workload\"\n\
         specific!: #Specific\n",
    );
    for parent in ["", "jobConfig", "jobConfig.schedule"] {
        let name = definition(parent);
        out.push_str(&format!("\n{name}: {{\n"));
        for f in children(parent) {
            let marker = if f.required { "!" } else { "?" };
            let value = cue_value(f);
            let value = if f.required || matches!(f.shape, Shape::Object) {
                value
            } else {
                format!("null | {value}")
            };
            out.push_str(&format!("\t{}{marker}: {value}\n", f.key()));
        }
        out.push_str("\t...\n}\n");
    }
    out.push_str(&format!(
        "\n#SparkConf: {{\n\t[=~#\"{CONF_KEY_PATTERN}\"#]: string | number | bool\n}}\n"
    ));
    out
}

/// `#Specific`, `#JobConfig`, `#Schedule`.
fn definition(parent: &str) -> String {
    match parent.rsplit('.').next().unwrap_or(parent) {
        "" => "#Specific".to_string(),
        last => {
            let mut chars = last.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            format!(
                "#{}{}",
                first.map(String::from).unwrap_or_default(),
                chars.as_str()
            )
        }
    }
}

fn cue_value(f: &Field) -> String {
    let text = |pattern: Option<&str>| match pattern {
        Some(p) => format!("string & =~#\"{p}\"#"),
        None => "string & !=\"\"".to_string(),
    };
    match f.shape {
        Shape::Object => definition(f.path),
        Shape::SparkConf => "#SparkConf".to_string(),
        Shape::Text(p) => text(p),
        Shape::TextOrCount(p) => format!("({}) | (int & >=1)", text(Some(p))),
        Shape::Integer { min } => format!("int & >={min} & <={}", u32::MAX),
        Shape::OneOf(values) => text(Some(&any_case(&values()))),
        Shape::ScalarList => "[...(string | number | bool)]".to_string(),
        Shape::TextList(p) => format!("[...({})]", text(Some(p))),
        Shape::Boolean => "bool".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fields::FIELDS;
    use super::*;

    #[test]
    fn every_field_is_in_the_schema_with_its_required_list() {
        let schema = json_schema(UnknownKeys::Warn);
        for f in FIELDS {
            let mut at = &schema;
            for part in f.path.split('.') {
                at = &at["properties"][part];
            }
            assert!(at.is_object(), "{} is not in the schema", f.path);
            let parent = f
                .parent()
                .split('.')
                .filter(|p| !p.is_empty())
                .fold(&schema, |at, part| &at["properties"][part]);
            let required = parent["required"].as_array().expect("required");
            assert_eq!(
                required.contains(&json!(f.key())),
                f.required,
                "{}: required",
                f.path
            );
        }
        assert_eq!(schema["additionalProperties"], json!(true));
        assert_eq!(
            json_schema(UnknownKeys::Error)["properties"]["jobConfig"]["additionalProperties"],
            json!(false)
        );
    }

    #[test]
    fn closed_sets_come_from_the_types_and_match_any_case() {
        let schema = json_schema(UnknownKeys::Warn);
        let level = &schema["properties"]["jobConfig"]["properties"]["logLevel"];
        assert_eq!(
            level["anyOf"][0]["enum"],
            json!(["ALL", "DEBUG", "ERROR", "FATAL", "INFO", "OFF", "TRACE", "WARN", null])
        );
        assert_eq!(any_case(&["Off", "a-1"]), "^(?:[Oo][Ff][Ff]|[Aa]-1)$");
    }

    #[test]
    fn the_cue_policy_lists_every_field_once() {
        let cue = cue_policy();
        for f in FIELDS {
            let marker = if f.required { "!" } else { "?" };
            assert_eq!(
                cue.matches(&format!("\t{}{marker}: ", f.key())).count(),
                FIELDS.iter().filter(|g| g.key() == f.key()).count(),
                "{}",
                f.path
            );
        }
    }
}
