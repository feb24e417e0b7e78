//! The CUE policy (`policies/spark-workload.cue`, issue 15) and the JSON
//! Schema of `specific` (`docs/schema/specific.schema.json`, read by CUE's
//! JSON Schema decoder) against the example descriptors, with a real `cue`
//! (`CDP_CUE`, see `scripts/install-cue.sh`): the valid ones pass `cue vet`
//! and `validate`'s descriptor rules; each broken one
//! (`tests/fixtures/descriptors/invalid/`) fails all three, and every field
//! CUE names is the one `validate` names.

use std::path::{Path, PathBuf};
use std::process::Command;

use cdp_spark_domain::api::DescriptorKind;
use cdp_spark_domain::descriptor::schema::{CUE_FILE, SCHEMA_FILE};
use cdp_spark_domain::descriptor::{parse_request, DescriptorSettings};
use cdp_spark_domain::issues::Issues;
use cdp_spark_testkit::fixtures;
use serde_json::Value;

use crate::descriptor_schema::root;

/// The `cue` binary of `CDP_CUE`; fails the test, saying how to get one.
fn cue() -> PathBuf {
    match std::env::var_os("CDP_CUE") {
        Some(path) if Path::new(&path).is_file() => PathBuf::from(path),
        Some(path) => panic!(
            "CDP_CUE is {}, which is not a file: set it to a cue binary, e.g. \
             CDP_CUE=$(scripts/install-cue.sh)",
            Path::new(&path).display()
        ),
        None => panic!(
            "this test needs the CUE command line: set CDP_CUE to a cue binary, e.g. \
             CDP_CUE=$(scripts/install-cue.sh) cargo test -p cdp-spark-domain --test it \
             descriptor_policy (scripts/test.sh does it)"
        ),
    }
}

fn parse(text: &str) -> Result<(), Issues> {
    parse_request(
        DescriptorKind::ComponentDescriptor,
        text,
        &DescriptorSettings::default(),
    )
    .map(|d| assert!(d.warnings.is_empty(), "{:?}", d.warnings))
}

/// The component to provision of a descriptor, as JSON (what the Witboost
/// template's policy sees).
fn component(text: &str) -> Value {
    let doc: Value = serde_saphyr::from_str(text).expect("YAML");
    let target = doc["componentIdToProvision"].as_str().expect("target");
    doc["dataProduct"]["components"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["id"] == target)
        .expect("the component to provision")
        .clone()
}

/// `cue vet` of the policy on the component: `Ok` or the fields its errors
/// name (each error line starts `path: `).
fn vet(text: &str) -> Result<(), Vec<String>> {
    vet_with(&root().join(CUE_FILE), &component(text), "")
}

/// The same with the shipped JSON Schema (`docs/schema/specific.schema.json`,
/// read by CUE's JSON Schema decoder) on the component's `specific`; the
/// fields named as from the component (`specific.…`).
fn vet_json_schema(text: &str, dir: &Path) -> Result<(), Vec<String>> {
    let schema = dir.join("specific.schema.cue");
    if !schema.is_file() {
        let out = Command::new(cue())
            .args(["def", "jsonschema:"])
            .arg(root().join(SCHEMA_FILE))
            .arg("-o")
            .arg(&schema)
            .output()
            .expect("cue runs");
        assert!(
            out.status.success(),
            "cue cannot read {SCHEMA_FILE} as JSON Schema: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    vet_with(&schema, &component(text)["specific"], "specific.")
}

fn vet_with(policy: &Path, data: &Value, prefix: &str) -> Result<(), Vec<String>> {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("data.json");
    std::fs::write(&file, data.to_string()).expect("written");
    let out = Command::new(cue())
        .args(["vet", "-c"])
        .arg(policy)
        .arg(&file)
        .output()
        .expect("cue runs");
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut fields: Vec<String> = stderr
        .lines()
        .filter(|l| !l.starts_with(char::is_whitespace))
        .filter_map(|l| {
            l.split_once(": ")
                .map(|(path, _)| format!("{prefix}{path}"))
        })
        .collect();
    fields.dedup();
    assert!(
        !fields.is_empty(),
        "cue failed without naming a field: {stderr}"
    );
    Err(fields)
}

/// The README's `jobConfig` example inside the fixture's component.
fn readme_examples() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let fixture = fixtures::read(fixtures::SCHEDULED_DESCRIPTOR);
    let (head, _) = fixture
        .split_once("        jobConfig:\n")
        .expect("fixture jobConfig");
    let (_, tail) = fixture
        .split_once("componentIdToProvision:")
        .expect("fixture target");
    let blocks: Vec<String> = readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split_once("```").map(|(block, _)| block.to_string()))
        .filter(|b| b.starts_with("jobConfig:"))
        .collect();
    assert!(!blocks.is_empty(), "the README has a jobConfig example");
    blocks
        .into_iter()
        .enumerate()
        .map(|(n, block)| {
            let indented: String = block.lines().map(|l| format!("        {l}\n")).collect();
            (
                format!("README.md jobConfig example {n}"),
                format!("{head}{indented}componentIdToProvision:{tail}"),
            )
        })
        .collect()
}

#[test]
fn the_valid_examples_pass_validate_and_the_policy() {
    let mut examples = vec![
        (
            fixtures::SCHEDULED_DESCRIPTOR.to_string(),
            fixtures::read(fixtures::SCHEDULED_DESCRIPTOR),
        ),
        (
            "examples/hello-spark.yaml".to_string(),
            std::fs::read_to_string(root().join("examples/hello-spark.yaml")).expect("example"),
        ),
    ];
    examples.extend(readme_examples());
    let schema_dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in examples {
        if let Err(issues) = parse(&text) {
            panic!("{name}: validate refuses it: {issues}");
        }
        if let Err(fields) = vet(&text) {
            panic!("{name}: the CUE policy refuses it, on {fields:?}");
        }
        if let Err(fields) = vet_json_schema(&text, schema_dir.path()) {
            panic!("{name}: the JSON Schema refuses it, on {fields:?}");
        }
    }
}

#[test]
fn the_broken_examples_fail_both_on_the_same_field() {
    let dir = fixtures::dir().join("descriptors/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/descriptors/invalid")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    let schema_dir = tempfile::tempdir().expect("tempdir");
    for file in files {
        let name = file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(&file).expect("read");
        let issues = parse(&text).expect_err(&format!("{name}: validate accepts it"));
        let named = issues.iter().next().expect("an issue").field.clone();
        let (_, relative) = named
            .split_once("].")
            .unwrap_or_else(|| panic!("{name}: {named} is not under a component"));
        // The file says which field it breaks.
        assert!(
            text.contains(&format!("naming this field: {named}.")),
            "{name}: validate names {named}, not the field the file says"
        );
        match vet(&text) {
            Ok(()) => panic!("{name}: the CUE policy accepts it"),
            Err(fields) => assert!(
                fields.iter().all(|f| f == relative),
                "{name}: validate names {relative}, the CUE policy names {fields:?}"
            ),
        }
        match vet_json_schema(&text, schema_dir.path()) {
            Ok(()) => panic!("{name}: the JSON Schema accepts it"),
            Err(fields) => assert!(
                fields.iter().all(|f| f == relative),
                "{name}: validate names {relative}, the JSON Schema names {fields:?}"
            ),
        }
    }
}
