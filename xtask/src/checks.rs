//! The rules of `cargo xtask tidy`, as functions of their inputs (the
//! document, the workspace's packages, the source files), so that the tests
//! below can plant violations in synthetic inputs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::exceptions;

/// The document that states the invariants.
pub const DOC: &str = "docs/ARCHITECTURE.md";

pub const DOMAIN: &str = "cdp-spark-domain";
/// Adapters: they may depend on the domain, never on each other.
pub const ADAPTERS: &[&str] = &[
    "cdp-spark-hdfs",
    "cdp-spark-jobstore",
    "cdp-spark-launcher",
    "cdp-spark-scheduler",
    "cdp-spark-notify",
];
/// The app crate: the one place where adapters meet.
pub const APP: &str = "cdp-spark-provisioner";
/// The shared test helpers: any crate may have it among its
/// `[dev-dependencies]`, none in `[dependencies]` or
/// `[build-dependencies]`; it may depend on the domain and the adapters,
/// never on the app.
pub const TESTKIT: &str = "cdp-spark-testkit";

/// Lines a file under `crates/*/src/` may have.
pub const SRC_BUDGET: usize = 800;
/// Lines a file under `crates/*/{tests,benches,examples}/` may have.
pub const TEST_BUDGET: usize = 1000;

/// The line of the document that introduces the domain's allowed
/// `[dependencies]`; a bullet list (one `` `name` `` per line) follows it.
const DOMAIN_DEPS_MARKER: &str = "the `[dependencies]` of `cdp-spark-domain` are exactly";
/// The section of the document that names every source file.
const SOURCE_FILES_HEADING: &str = "## Source files";

/// Packages the domain may never depend on (prefix of the package name),
/// whatever the document's list says: I/O frameworks and async runtimes.
/// `true`: forbidden among the dev-dependencies too.
const FORBIDDEN_IN_DOMAIN: &[(&str, bool)] = &[
    ("actix", true),
    ("diesel", true),
    ("hdfs-native", true),
    ("libsqlite3-sys", true),
    ("reqwest", true),
    ("libloading", true),
    ("nix", false),
    ("libc", false),
    ("tokio", false),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DepKind {
    Normal,
    Dev,
    Build,
}

impl DepKind {
    pub fn section(self) -> &'static str {
        match self {
            DepKind::Normal => "[dependencies]",
            DepKind::Dev => "[dev-dependencies]",
            DepKind::Build => "[build-dependencies]",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Dep {
    pub name: String,
    pub kind: DepKind,
}

#[derive(Debug, Clone)]
pub struct Package {
    pub name: String,
    /// `crates/NAME/Cargo.toml`, relative to the workspace root.
    pub manifest: String,
    pub deps: Vec<Dep>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceFile {
    /// Relative to the workspace root, `/` separators: `crates/NAME/src/x.rs`.
    pub path: String,
    pub text: String,
}

/// One broken rule: the file, the rule, what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub file: String,
    pub rule: &'static str,
    pub problem: String,
    pub fix: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: [{}] {}\n    fix: {}",
            self.file, self.rule, self.problem, self.fix
        )
    }
}

fn failure(file: &str, rule: &'static str, problem: String, fix: String) -> Failure {
    Failure {
        file: file.to_string(),
        rule,
        problem,
        fix,
    }
}

/// Every rule, over the real inputs.
pub fn all(doc: &str, packages: &[Package], files: &[SourceFile]) -> Vec<Failure> {
    let mut out = Vec::new();
    out.extend(domain_dependencies(doc, packages));
    out.extend(crate_graph(packages, exceptions::CRATE_DEPENDENCIES));
    out.extend(module_index(doc, files));
    out.extend(file_sizes(files, exceptions::FILE_SIZES));
    out.extend(path_includes(files, exceptions::PATH_INCLUDES));
    out
}

// ------------------------------------------------ a. domain dependencies ---

/// The allowed list in the document: the bullets after the marker line.
pub fn documented_domain_dependencies(doc: &str) -> Option<BTreeSet<String>> {
    let mut lines = doc.lines().skip_while(|l| !l.contains(DOMAIN_DEPS_MARKER));
    lines.next()?;
    let names = lines
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| l.trim_start().starts_with("- `"))
        .filter_map(first_code)
        .map(str::to_string)
        .collect();
    Some(names)
}

/// The first `` `code` `` of a line.
fn first_code(line: &str) -> Option<&str> {
    let start = line.find('`')? + 1;
    let len = line[start..].find('`')?;
    Some(&line[start..start + len])
}

pub fn domain_dependencies(doc: &str, packages: &[Package]) -> Vec<Failure> {
    const RULE: &str = "domain-dependencies";
    let mut out = Vec::new();
    let Some(domain) = packages.iter().find(|p| p.name == DOMAIN) else {
        return vec![failure(
            "Cargo.toml",
            RULE,
            format!("the workspace has no package `{DOMAIN}`"),
            "restore the domain crate, or update xtask/src/checks.rs and docs/ARCHITECTURE.md"
                .into(),
        )];
    };
    let manifest = domain.manifest.as_str();
    let Some(allowed) = documented_domain_dependencies(doc) else {
        return vec![failure(
            DOC,
            RULE,
            format!("no line containing \"{DOMAIN_DEPS_MARKER}\" followed by a bullet list of package names"),
            "keep the domain's allowed dependencies in docs/ARCHITECTURE.md (section \"Which way dependencies point\"), one \"- `name`\" bullet each".into(),
        )];
    };
    let actual: BTreeSet<String> = domain
        .deps
        .iter()
        .filter(|d| d.kind != DepKind::Dev)
        .map(|d| d.name.clone())
        .collect();
    for name in actual.difference(&allowed) {
        out.push(failure(
            manifest,
            RULE,
            format!("`{DOMAIN}` depends on `{name}`, which is not in the domain's allowed [dependencies] in {DOC}"),
            format!("remove `{name}` from {manifest}; if the domain truly needs it (no I/O, no runtime), add it to the list in {DOC} in the same change so that review sees it"),
        ));
    }
    for name in allowed.difference(&actual) {
        out.push(failure(
            DOC,
            RULE,
            format!("the domain's allowed [dependencies] list `{name}`, which {manifest} does not declare"),
            format!("remove `{name}` from the list in {DOC} (it must be exactly the domain's [dependencies])"),
        ));
    }
    for dep in &domain.deps {
        let forbidden = FORBIDDEN_IN_DOMAIN.iter().find(|(prefix, also_dev)| {
            dep.name.starts_with(prefix) && (*also_dev || dep.kind != DepKind::Dev)
        });
        if let Some((prefix, _)) = forbidden {
            out.push(failure(
                manifest,
                RULE,
                format!("`{DOMAIN}` has `{}` in {}: `{prefix}*` is I/O or a runtime, which the domain never depends on (whatever the document's list says)", dep.name, dep.kind.section()),
                "do the I/O in an adapter behind a port of `cdp-spark-domain/src/ports.rs`".into(),
            ));
        }
    }
    out
}

// ---------------------------------------------------- b. the crate graph ---

/// A dependency between workspace crates that breaks a rule but is known:
/// `(from, to, kind, why)`.
pub type CrateException = (&'static str, &'static str, DepKind, &'static str);

pub fn crate_graph(packages: &[Package], known: &[CrateException]) -> Vec<Failure> {
    const RULE: &str = "crate-graph";
    let mut out = Vec::new();
    let members: BTreeSet<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    let mut used = BTreeSet::new();
    for p in packages {
        for d in p
            .deps
            .iter()
            .filter(|d| d.name == TESTKIT && d.kind != DepKind::Dev)
        {
            out.push(failure(
                &p.manifest,
                RULE,
                format!("`{}` has the test helpers `{TESTKIT}` in {}: the testkit is only ever a dev-dependency", p.name, d.kind.section()),
                format!("move `{TESTKIT}` to [dev-dependencies] in {}; what the product needs belongs in the product's crates", p.manifest),
            ));
        }
        let role = if p.name == DOMAIN {
            "domain"
        } else if ADAPTERS.contains(&p.name.as_str()) {
            "adapter"
        } else if p.name == TESTKIT {
            "testkit"
        } else if p.name == APP || p.name == "xtask" {
            continue;
        } else {
            out.push(failure(
                &p.manifest,
                RULE,
                format!("crate `{}` has no place in the architecture the check knows (domain, adapters, app, testkit)", p.name),
                format!("add it to DOMAIN/ADAPTERS/APP/TESTKIT in xtask/src/checks.rs and describe it in {DOC} (\"The crates\", \"Source files\")"),
            ));
            continue;
        };
        for d in p.deps.iter().filter(|d| members.contains(d.name.as_str())) {
            if role == "adapter" && d.name == DOMAIN {
                continue;
            }
            // The testkit's own section is checked above, for every crate.
            if d.name == TESTKIT {
                continue;
            }
            if role == "testkit" && (d.name == DOMAIN || ADAPTERS.contains(&d.name.as_str())) {
                continue;
            }
            let key = (p.name.as_str(), d.name.as_str(), d.kind);
            if let Some(e) = known.iter().find(|e| (e.0, e.1, e.2) == key) {
                used.insert((e.0, e.1, e.2));
                continue;
            }
            let problem = if role == "testkit" {
                format!("`{TESTKIT}` depends on `{}` ({}): the test helpers depend on the domain and the adapters only, never on the app", d.name, d.kind.section())
            } else if role == "domain" {
                format!("`{DOMAIN}` depends on `{}` ({}): the domain depends on no crate of the workspace", d.name, d.kind.section())
            } else {
                format!(
                    "adapter `{}` depends on adapter `{}` ({}): adapters depend on `{DOMAIN}` only",
                    p.name,
                    d.name,
                    d.kind.section()
                )
            };
            out.push(failure(
                &p.manifest,
                RULE,
                problem,
                format!("remove the dependency: wire the two in `{APP}`, or move what both need into `{DOMAIN}` (a port or a type)"),
            ));
        }
    }
    for e in known {
        if !used.contains(&(e.0, e.1, e.2)) {
            out.push(failure(
                "xtask/src/exceptions.rs",
                RULE,
                format!("the known exception `{}` -> `{}` ({}) no longer happens", e.0, e.1, e.2.section()),
                "remove it from CRATE_DEPENDENCIES in xtask/src/exceptions.rs (and from the document)".into(),
            ));
        }
    }
    out
}

// --------------------------------------------------- c. the module index ---

/// `crates/NAME/src/REST` -> `(NAME, REST)`.
fn src_file(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("crates/")?;
    let (krate, rest) = rest.split_once('/')?;
    Some((krate, rest.strip_prefix("src/")?))
}

/// The files the document's "Source files" section names, per crate: in
/// each `### `crate`` subsection, the first `` `code` `` of every bullet
/// that ends in `.rs`.
pub fn documented_source_files(doc: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut inside = false;
    let mut krate: Option<String> = None;
    for line in doc.lines() {
        if line.starts_with("## ") {
            inside = line.trim_end() == SOURCE_FILES_HEADING;
            krate = None;
        } else if inside && line.starts_with("### ") {
            krate = first_code(line).map(str::to_string);
        } else if let (true, Some(k)) = (inside, &krate) {
            if line.trim_start().starts_with("- `") {
                if let Some(path) = first_code(line).filter(|p| p.ends_with(".rs")) {
                    out.entry(k.clone()).or_default().insert(path.to_string());
                }
            }
        }
    }
    out
}

pub fn module_index(doc: &str, files: &[SourceFile]) -> Vec<Failure> {
    const RULE: &str = "module-index";
    let documented = documented_source_files(doc);
    let mut actual: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for f in files {
        if let Some((krate, rel)) = src_file(&f.path) {
            actual.entry(krate).or_default().insert(rel);
        }
    }
    let mut out = Vec::new();
    for (krate, rels) in &actual {
        let named = documented.get(*krate);
        for rel in rels {
            if !named.is_some_and(|n| n.contains(*rel)) {
                out.push(failure(
                    &format!("crates/{krate}/src/{rel}"),
                    RULE,
                    format!("this source file is not named in {DOC}"),
                    format!("add a bullet \"- `{rel}`: what it holds\" under \"### `{krate}`\" in the \"Source files\" section of {DOC} (paths are relative to the crate's src/)"),
                ));
            }
        }
    }
    for (krate, rels) in &documented {
        for rel in rels {
            if !actual
                .get(krate.as_str())
                .is_some_and(|a| a.contains(rel.as_str()))
            {
                out.push(failure(
                    DOC,
                    RULE,
                    format!("\"Source files\" names `{rel}` under `{krate}`, but crates/{krate}/src/{rel} does not exist"),
                    format!("remove the bullet, or correct its path (relative to crates/{krate}/src/)"),
                ));
            }
        }
    }
    out
}

// ----------------------------------------------------- d. the size budget ---

/// The budget of a file under `crates/`: `None` for files no budget covers.
pub fn budget(path: &str) -> Option<usize> {
    let rest = path.strip_prefix("crates/")?;
    let (_, rest) = rest.split_once('/')?;
    let dir = rest.split('/').next()?;
    match dir {
        "src" => Some(SRC_BUDGET),
        "tests" | "benches" | "examples" => Some(TEST_BUDGET),
        _ => None,
    }
}

/// `(path, ceiling)`: a file over its budget today, which may not grow.
pub type SizeException = (&'static str, usize);

pub fn file_sizes(files: &[SourceFile], known: &[SizeException]) -> Vec<Failure> {
    const RULE: &str = "file-size";
    let mut out = Vec::new();
    for f in files {
        let Some(budget) = budget(&f.path) else {
            continue;
        };
        let lines = f.text.lines().count();
        match known.iter().find(|(p, _)| *p == f.path) {
            Some((_, ceiling)) if lines > *ceiling => out.push(failure(
                &f.path,
                RULE,
                format!("{lines} lines, past its ceiling of {ceiling} (a known exception to the {budget}-line budget, which may only shrink)"),
                "split the file into modules (and name them in docs/ARCHITECTURE.md); never raise the ceiling in xtask/src/exceptions.rs".into(),
            )),
            Some((_, ceiling)) if lines <= budget => out.push(failure(
                &f.path,
                RULE,
                format!("{lines} lines: within the {budget}-line budget now, so its exception (ceiling {ceiling}) is no longer needed"),
                "remove its entry from FILE_SIZES in xtask/src/exceptions.rs".into(),
            )),
            Some(_) => {}
            None if lines > budget => out.push(failure(
                &f.path,
                RULE,
                format!("{lines} lines, over the budget of {budget} lines"),
                "split it into smaller modules, each named in docs/ARCHITECTURE.md".into(),
            )),
            None => {}
        }
    }
    for (path, _) in known {
        if !files.iter().any(|f| f.path == *path) {
            out.push(failure(
                path,
                RULE,
                "has a size exception but the file does not exist".into(),
                "remove its entry from FILE_SIZES in xtask/src/exceptions.rs".into(),
            ));
        }
    }
    out
}

// ------------------------------------------ e. #[path] across crates ---

/// `crates/NAME/...` -> `crates/NAME`.
fn crate_dir(path: &str) -> Option<String> {
    let rest = path.strip_prefix("crates/")?;
    let (krate, _) = rest.split_once('/')?;
    Some(format!("crates/{krate}"))
}

/// `a/b/../c` -> `a/c`; `None` when it climbs above the root.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The `#[path = "..."]` attributes of a file, resolved against its folder
/// (as rustc does for a `mod` that is not inside an inline module).
pub fn path_attributes(file: &SourceFile) -> Vec<(usize, String)> {
    let dir = file.path.rsplit_once('/').map_or("", |(d, _)| d);
    file.text
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let rest = line.trim_start().strip_prefix("#[path")?;
            let rest = rest.trim_start().strip_prefix('=')?.trim_start();
            let rest = rest.strip_prefix('"')?;
            let target = &rest[..rest.find('"')?];
            let resolved =
                normalize(&format!("{dir}/{target}")).unwrap_or_else(|| format!("{dir}/{target}"));
            Some((i + 1, resolved))
        })
        .collect()
}

/// `(file, target)`: a `#[path]` include from outside the file's crate,
/// both relative to the workspace root.
pub type PathException = (&'static str, &'static str);

pub fn path_includes(files: &[SourceFile], known: &[PathException]) -> Vec<Failure> {
    const RULE: &str = "path-include";
    let mut out = Vec::new();
    let mut used = BTreeSet::new();
    for f in files {
        let Some(own) = crate_dir(&f.path) else {
            continue;
        };
        for (line, target) in path_attributes(f) {
            if target.starts_with(&format!("{own}/")) {
                continue;
            }
            if let Some(e) = known.iter().find(|e| e.0 == f.path && e.1 == target) {
                used.insert(*e);
                continue;
            }
            out.push(failure(
                &format!("{}:{line}", f.path),
                RULE,
                format!("#[path] includes {target}, outside {own}/: a crate's code and tests do not compile files of another crate or of the repository's tests/"),
                "use the other crate through its API (a dev-dependency, a `mocks`-style feature) or keep a copy of the helper in this crate".into(),
            ));
        }
    }
    for e in known {
        if !used.contains(e) {
            out.push(failure(
                e.0,
                RULE,
                format!("the known exception including {} no longer happens", e.1),
                "remove its entry from PATH_INCLUDES in xtask/src/exceptions.rs".into(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests;
