//! Each rule fails on a planted violation and passes without it.

use super::*;

fn dep(name: &str, kind: DepKind) -> Dep {
    Dep {
        name: name.into(),
        kind,
    }
}

fn package(name: &str, deps: Vec<Dep>) -> Package {
    Package {
        name: name.into(),
        manifest: format!("crates/{name}/Cargo.toml"),
        deps,
    }
}

fn file(path: &str, text: &str) -> SourceFile {
    SourceFile {
        path: path.into(),
        text: text.into(),
    }
}

fn lines(n: usize) -> String {
    "x\n".repeat(n)
}

const DOC_DEPS: &str = "\
Invariant (checked): the `[dependencies]` of `cdp-spark-domain` are exactly:

- `serde`: the API model
- `thiserror`

Other text.
";

#[test]
fn the_domain_dependencies_are_read_from_the_document() {
    let names = documented_domain_dependencies(DOC_DEPS).expect("the list");
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        vec!["serde", "thiserror"]
    );
    assert_eq!(documented_domain_dependencies("no list here"), None);
}

#[test]
fn the_domain_depends_on_exactly_the_documented_list() {
    let ok = package(
        DOMAIN,
        vec![
            dep("serde", DepKind::Normal),
            dep("thiserror", DepKind::Normal),
            dep("tokio", DepKind::Dev),
        ],
    );
    assert_eq!(domain_dependencies(DOC_DEPS, &[ok]), vec![]);

    let planted = package(
        DOMAIN,
        vec![
            dep("serde", DepKind::Normal),
            dep("thiserror", DepKind::Normal),
            dep("regex", DepKind::Normal),
        ],
    );
    let f = domain_dependencies(DOC_DEPS, &[planted]);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].file, "crates/cdp-spark-domain/Cargo.toml");
    assert_eq!(f[0].rule, "domain-dependencies");
    assert!(f[0].problem.contains("`regex`"), "{}", f[0]);

    let stale = package(DOMAIN, vec![dep("serde", DepKind::Normal)]);
    let f = domain_dependencies(DOC_DEPS, &[stale]);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].file, DOC);
    assert!(f[0].problem.contains("`thiserror`"), "{}", f[0]);
}

#[test]
fn io_frameworks_are_refused_in_the_domain_even_when_the_document_lists_them() {
    let doc = "the `[dependencies]` of `cdp-spark-domain` are exactly:\n\n- `tokio`\n- `serde`\n";
    let planted = package(
        DOMAIN,
        vec![
            dep("tokio", DepKind::Normal),
            dep("serde", DepKind::Normal),
            dep("diesel", DepKind::Dev),
        ],
    );
    let f = domain_dependencies(doc, &[planted]);
    let problems: Vec<_> = f.iter().map(|f| f.problem.as_str()).collect();
    assert_eq!(f.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("`tokio` in [dependencies]"),
        "{problems:?}"
    );
    assert!(
        problems[1].contains("`diesel` in [dev-dependencies]"),
        "{problems:?}"
    );
}

#[test]
fn adapters_depend_on_the_domain_only() {
    let domain = package(DOMAIN, vec![]);
    let ok = vec![
        domain.clone(),
        package("cdp-spark-hdfs", vec![dep(DOMAIN, DepKind::Normal)]),
        package("cdp-spark-jobstore", vec![dep(DOMAIN, DepKind::Normal)]),
        package(
            APP,
            vec![
                dep("cdp-spark-hdfs", DepKind::Normal),
                dep("cdp-spark-jobstore", DepKind::Normal),
            ],
        ),
    ];
    assert_eq!(crate_graph(&ok, &[]), vec![]);

    let mut planted = ok.clone();
    planted[1]
        .deps
        .push(dep("cdp-spark-jobstore", DepKind::Normal));
    let f = crate_graph(&planted, &[]);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].file, "crates/cdp-spark-hdfs/Cargo.toml");
    assert_eq!(f[0].rule, "crate-graph");
    assert!(
        f[0].problem.contains("adapter `cdp-spark-jobstore`"),
        "{}",
        f[0]
    );

    // A known exception passes, and only for the kind it names.
    let known = [("cdp-spark-hdfs", "cdp-spark-jobstore", DepKind::Dev, "test")];
    assert_eq!(crate_graph(&planted, &known).len(), 2);
    planted[1].deps.last_mut().expect("dep").kind = DepKind::Dev;
    assert_eq!(crate_graph(&planted, &known), vec![]);
    // ... and must go when it no longer happens.
    let f = crate_graph(&ok, &known);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].problem.contains("no longer happens"), "{}", f[0]);
}

#[test]
fn the_domain_depends_on_no_crate_of_ours_and_new_crates_must_be_placed() {
    let planted = vec![
        package(DOMAIN, vec![dep("cdp-spark-hdfs", DepKind::Dev)]),
        package("cdp-spark-hdfs", vec![dep(DOMAIN, DepKind::Normal)]),
        package("cdp-spark-new", vec![]),
    ];
    let f = crate_graph(&planted, &[]);
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(f[0].problem.contains("depends on no crate"), "{}", f[0]);
    assert!(f[1].problem.contains("`cdp-spark-new`"), "{}", f[1]);
}

#[test]
fn the_testkit_is_only_a_dev_dependency_and_depends_on_no_app() {
    let ok = vec![
        package(DOMAIN, vec![dep(TESTKIT, DepKind::Dev)]),
        package(
            "cdp-spark-hdfs",
            vec![dep(DOMAIN, DepKind::Normal), dep(TESTKIT, DepKind::Dev)],
        ),
        package(
            TESTKIT,
            vec![
                dep(DOMAIN, DepKind::Normal),
                dep("cdp-spark-hdfs", DepKind::Normal),
            ],
        ),
        package(
            APP,
            vec![
                dep("cdp-spark-hdfs", DepKind::Normal),
                dep(TESTKIT, DepKind::Dev),
            ],
        ),
    ];
    assert_eq!(crate_graph(&ok, &[]), vec![]);

    // In [dependencies] (or [build-dependencies]) of any crate: refused.
    for (i, kind) in [
        (0, DepKind::Normal),
        (1, DepKind::Build),
        (3, DepKind::Normal),
    ] {
        let mut planted = ok.clone();
        planted[i].deps.retain(|d| d.name != TESTKIT);
        planted[i].deps.push(dep(TESTKIT, kind));
        let f = crate_graph(&planted, &[]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].file, planted[i].manifest);
        assert!(
            f[0].problem.contains("only ever a dev-dependency"),
            "{}",
            f[0]
        );
    }

    // The testkit never depends on the app.
    let mut planted = ok.clone();
    planted[2].deps.push(dep(APP, DepKind::Normal));
    let f = crate_graph(&planted, &[]);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].file, "crates/cdp-spark-testkit/Cargo.toml");
    assert!(f[0].problem.contains("never on the app"), "{}", f[0]);
}

const DOC_FILES: &str = "\
## Source files

### `cdp-spark-domain`

- `lib.rs`: the crate root; see `other.rs` too
- `cron/mod.rs`: Quartz cron

### `cdp-spark-hdfs`

- `lib.rs`: the adapter

## Next section

- `stray.rs`: not in the section
";

#[test]
fn the_source_files_are_read_from_their_section() {
    let named = documented_source_files(DOC_FILES);
    let domain: Vec<_> = named[DOMAIN].iter().map(String::as_str).collect();
    assert_eq!(domain, vec!["cron/mod.rs", "lib.rs"]);
    assert_eq!(named["cdp-spark-hdfs"].len(), 1);
    assert_eq!(named.len(), 2);
}

#[test]
fn every_source_file_is_named_in_the_document() {
    let files = vec![
        file("crates/cdp-spark-domain/src/lib.rs", ""),
        file("crates/cdp-spark-domain/src/cron/mod.rs", ""),
        file("crates/cdp-spark-domain/tests/any.rs", ""),
        file("crates/cdp-spark-hdfs/src/lib.rs", ""),
    ];
    assert_eq!(module_index(DOC_FILES, &files), vec![]);

    let mut planted = files.clone();
    planted.push(file("crates/cdp-spark-hdfs/src/lib2.rs", ""));
    let f = module_index(DOC_FILES, &planted);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].file, "crates/cdp-spark-hdfs/src/lib2.rs");
    assert_eq!(f[0].rule, "module-index");
    assert!(
        f[0].fix
            .contains("\"- `lib2.rs`: what it holds\" under \"### `cdp-spark-hdfs`\""),
        "{}",
        f[0]
    );

    // A file named under the wrong crate does not count.
    let doc = DOC_FILES.replace(
        "- `lib.rs`: the adapter",
        "- `lib.rs`: the adapter\n- `lib2.rs`",
    );
    assert_eq!(module_index(&doc, &planted), vec![]);
    let moved = DOC_FILES.replace("- `cron/mod.rs`: Quartz cron", "");
    let f = module_index(&moved, &files);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].file, "crates/cdp-spark-domain/src/cron/mod.rs");
}

#[test]
fn the_document_names_no_file_that_is_gone() {
    let files = vec![
        file("crates/cdp-spark-domain/src/lib.rs", ""),
        file("crates/cdp-spark-hdfs/src/lib.rs", ""),
    ];
    let f = module_index(DOC_FILES, &files);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].file, DOC);
    assert!(
        f[0].problem
            .contains("`cron/mod.rs` under `cdp-spark-domain`"),
        "{}",
        f[0]
    );
}

#[test]
fn files_keep_to_their_budget_and_exceptions_only_shrink() {
    let src = "crates/cdp-spark-hdfs/src/native.rs";
    let test = "crates/cdp-spark-hdfs/tests/real.rs";
    let ok = vec![
        file(src, &lines(SRC_BUDGET)),
        file(test, &lines(TEST_BUDGET)),
        file("crates/cdp-spark-hdfs/Cargo.toml.rs.bak/x.rs", &lines(5000)),
    ];
    assert_eq!(file_sizes(&ok, &[]), vec![]);

    let planted = vec![
        file(src, &lines(SRC_BUDGET + 1)),
        file(test, &lines(TEST_BUDGET + 1)),
    ];
    let f = file_sizes(&planted, &[]);
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(f[0].file, src);
    assert_eq!(f[0].rule, "file-size");
    assert!(
        f[0].problem.contains("801 lines, over the budget of 800"),
        "{}",
        f[0]
    );

    let known: &[SizeException] = &[(src, 900)];
    let within = vec![file(src, &lines(850))];
    assert_eq!(file_sizes(&within, known), vec![]);
    let grown = vec![file(src, &lines(901))];
    let f = file_sizes(&grown, known);
    assert!(f[0].problem.contains("past its ceiling of 900"), "{}", f[0]);
    let shrunk = vec![file(src, &lines(700))];
    let f = file_sizes(&shrunk, known);
    assert!(f[0].problem.contains("no longer needed"), "{}", f[0]);
    let f = file_sizes(&[], known);
    assert!(f[0].problem.contains("does not exist"), "{}", f[0]);
}

#[test]
fn path_attributes_resolve_against_the_file_folder() {
    let f = file(
        "crates/a/tests/x.rs",
        "//! #[path = \"../../b/y.rs\"] in a comment\n#[path = \"support/z.rs\"]\nmod z;\n  #[path=\"../../b/tests/y.rs\"]\nmod y;\n",
    );
    assert_eq!(
        path_attributes(&f),
        vec![
            (2, "crates/a/tests/support/z.rs".to_string()),
            (4, "crates/b/tests/y.rs".to_string())
        ]
    );
}

#[test]
fn no_path_include_crosses_crates() {
    let ok = vec![
        file(
            "crates/a/tests/x.rs",
            "#[path = \"support/z.rs\"]\nmod z;\n",
        ),
        file(
            "crates/a/src/t.rs",
            "#[path = \"../tests/support/z.rs\"]\nmod z;\n",
        ),
    ];
    assert_eq!(path_includes(&ok, &[]), vec![]);

    let planted = vec![file(
        "crates/a/tests/x.rs",
        "mod m;\n#[path = \"../../b/tests/support/z.rs\"]\nmod z;\n#[path = \"../../../tests/support/w.rs\"]\nmod w;\n",
    )];
    let f = path_includes(&planted, &[]);
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(f[0].file, "crates/a/tests/x.rs:2");
    assert_eq!(f[0].rule, "path-include");
    assert!(
        f[0].problem
            .contains("crates/b/tests/support/z.rs, outside crates/a/"),
        "{}",
        f[0]
    );
    assert!(f[1].problem.contains("tests/support/w.rs"), "{}", f[1]);

    let known: &[PathException] = &[
        ("crates/a/tests/x.rs", "crates/b/tests/support/z.rs"),
        ("crates/a/tests/x.rs", "tests/support/w.rs"),
    ];
    assert_eq!(path_includes(&planted, known), vec![]);
    let f = path_includes(&ok, known);
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(f[0].problem.contains("no longer happens"), "{}", f[0]);
}

#[test]
fn a_failure_names_the_file_the_rule_and_the_fix() {
    let f = failure(
        "crates/a/src/x.rs",
        "file-size",
        "too long".into(),
        "split it".into(),
    );
    assert_eq!(
        f.to_string(),
        "crates/a/src/x.rs: [file-size] too long\n    fix: split it"
    );
}
