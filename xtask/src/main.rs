//! `cargo xtask tidy`: checks that the repository keeps the invariants
//! written in `docs/ARCHITECTURE.md` (what each rule is, and its known
//! exceptions, are in `checks.rs` and `exceptions.rs`), and that
//! `helm/README.md` is what `cargo xtask helm-docs` generates
//! (`helm_docs.rs`). `cargo xtask config-docs` writes
//! `docs/CONFIGURATION.md` from the code: the provisioner's test
//! `config::reference::tests::configuration_md_is_generated` generates it
//! (and fails when the committed one differs); this runs that test with
//! `CDP_WRITE_CONFIG_DOCS=1`.
//!
//! It reads `cargo metadata --format-version 1 --no-deps`, the files under
//! `crates/` and the chart's; it builds nothing else, so it takes a second
//! or two.

mod checks;
mod exceptions;
mod helm_docs;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use checks::{Dep, DepKind, Failure, Package, SourceFile};

const USAGE: &str =
    "usage: cargo xtask tidy | cargo xtask helm-docs | cargo xtask schema | cargo xtask config-docs";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["tidy"] => match tidy() {
            Ok(failures) if failures.is_empty() => {
                println!("tidy: every invariant of docs/ARCHITECTURE.md holds");
                ExitCode::SUCCESS
            }
            Ok(failures) => {
                for f in &failures {
                    eprintln!("{f}");
                }
                eprintln!(
                    "tidy: {} problem{} (rules in docs/ARCHITECTURE.md, known exceptions in xtask/src/exceptions.rs)",
                    failures.len(),
                    if failures.len() == 1 { "" } else { "s" }
                );
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("tidy: could not run: {e}");
                ExitCode::FAILURE
            }
        },
        ["helm-docs"] => match write_helm_readme() {
            Ok(path) => {
                println!("helm-docs: wrote {path}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("helm-docs: {e}");
                ExitCode::FAILURE
            }
        },
        ["schema"] => match write_schema() {
            Ok(paths) => {
                for path in paths {
                    println!("schema: wrote {path}");
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("schema: {e}");
                ExitCode::FAILURE
            }
        },
        ["config-docs"] => match write_config_reference() {
            Ok(()) => {
                println!("config-docs: wrote {CONFIG_REFERENCE}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("config-docs: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn tidy() -> Result<Vec<Failure>, String> {
    let (root, packages) = metadata()?;
    let doc_path = root.join(checks::DOC);
    let doc = std::fs::read_to_string(&doc_path)
        .map_err(|e| format!("reading {}: {e}", doc_path.display()))?;
    let files = source_files(&root)?;
    let mut failures = checks::all(&doc, &packages, &files);
    failures.extend(helm_readme(&root)?);
    Ok(failures)
}

/// `helm/README.md` as generated from the chart.
fn generated_helm_readme(root: &Path) -> Result<String, String> {
    let read = |rel: &str| {
        std::fs::read_to_string(root.join(rel)).map_err(|e| format!("reading {rel}: {e}"))
    };
    helm_docs::render(
        &read(helm_docs::TEMPLATE)?,
        &read(helm_docs::CHART)?,
        &read(helm_docs::VALUES)?,
    )
}

fn write_helm_readme() -> Result<&'static str, String> {
    let (root, _) = metadata()?;
    let text = generated_helm_readme(&root)?;
    std::fs::write(root.join(helm_docs::README), text)
        .map_err(|e| format!("writing {}: {e}", helm_docs::README))?;
    Ok(helm_docs::README)
}

/// Writes the JSON Schema of `specific` (warn form) and the CUE policy, as
/// the domain generates them from its field registry; the domain's test
/// `descriptor_schema` fails until they are committed.
fn write_schema() -> Result<[&'static str; 2], String> {
    use cdp_spark_domain::descriptor::{schema, UnknownKeys};
    let (root, _) = metadata()?;
    let files = [
        (
            schema::SCHEMA_FILE,
            schema::json_schema_text(UnknownKeys::Warn),
        ),
        (schema::CUE_FILE, schema::cue_policy()),
    ];
    for (file, text) in &files {
        let path = root.join(file);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("writing {file}: {e}"))?;
    }
    Ok([files[0].0, files[1].0])
}

/// The configuration reference the provisioner's test writes.
const CONFIG_REFERENCE: &str = "docs/CONFIGURATION.md";

/// Runs the provisioner's reference test in its writing mode: the keys and
/// defaults are those of `Settings::default()`, which only that crate can
/// build.
fn write_config_reference() -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "test",
            "-p",
            "cdp-spark-provisioner",
            "--bin",
            "cdp-spark-provisioner",
            "--",
            "--exact",
            "config::reference::tests::configuration_md_is_generated",
        ])
        .env("CDP_WRITE_CONFIG_DOCS", "1")
        .status()
        .map_err(|e| format!("running cargo test: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "the provisioner's reference test failed ({status}); its output says which keys disagree"
        ))
    }
}

/// The rule `helm-readme`: the committed README is the generated one.
fn helm_readme(root: &Path) -> Result<Option<Failure>, String> {
    let want = generated_helm_readme(root)?;
    let have = std::fs::read_to_string(root.join(helm_docs::README)).unwrap_or_default();
    Ok((have != want).then(|| Failure {
        file: helm_docs::README.to_string(),
        rule: "helm-readme",
        problem: format!(
            "differs from what {} and {} generate",
            helm_docs::VALUES,
            helm_docs::TEMPLATE
        ),
        fix: "run `cargo xtask helm-docs` and commit helm/README.md".to_string(),
    }))
}

/// The workspace root and its members, from `cargo metadata`.
fn metadata() -> Result<(PathBuf, Vec<Package>), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .output()
        .map_err(|e| format!("running cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("cargo metadata answered something that is not JSON: {e}"))?;
    let root = v["workspace_root"]
        .as_str()
        .ok_or("cargo metadata: no workspace_root")?;
    let root = PathBuf::from(root);
    let mut packages = Vec::new();
    for p in v["packages"]
        .as_array()
        .ok_or("cargo metadata: no packages")?
    {
        let name = p["name"].as_str().unwrap_or_default().to_string();
        let manifest = p["manifest_path"].as_str().unwrap_or_default();
        let manifest = relative(&root, Path::new(manifest));
        let mut deps = Vec::new();
        for d in p["dependencies"].as_array().into_iter().flatten() {
            let kind = match d["kind"].as_str() {
                Some("dev") => DepKind::Dev,
                Some("build") => DepKind::Build,
                _ => DepKind::Normal,
            };
            deps.push(Dep {
                name: d["name"].as_str().unwrap_or_default().to_string(),
                kind,
            });
        }
        packages.push(Package {
            name,
            manifest,
            deps,
        });
    }
    Ok((root, packages))
}

/// Every `.rs` file under `crates/`, with its text.
fn source_files(root: &Path) -> Result<Vec<SourceFile>, String> {
    let mut found = Vec::new();
    walk(&root.join("crates"), &mut found)?;
    found.sort();
    found
        .into_iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(&p).map_err(|e| format!("reading {}: {e}", p.display()))?;
            Ok(SourceFile {
                path: relative(root, &p),
                text,
            })
        })
        .collect()
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("reading {}: {e}", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        if kind.is_dir() {
            if entry.file_name() != "target" {
                walk(&path, found)?;
            }
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    Ok(())
}

/// `path` relative to the workspace root, with `/` separators.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}
