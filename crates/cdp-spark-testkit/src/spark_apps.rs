//! The Spark test applications of `tests/spark-apps` (see its README),
//! compiled against the Spark installation the tests use (with
//! [`crate::javajar`]).

use std::path::{Path, PathBuf};

use crate::javajar;

/// The applications' jar (`cdptest.spark.*`) and their dependency's jar
/// (`cdptest.dep.Greeting`, needed by `cdptest.spark.NeedsDependency`).
#[derive(Debug, Clone)]
pub struct SparkApps {
    pub jar: PathBuf,
    pub dependency_jar: PathBuf,
}

/// Compiles the applications against `spark_home/jars` (once per suite:
/// cached by `javajar`).
pub fn build(spark_home: &Path) -> SparkApps {
    let root = source_root();
    let read = |rel: &str| {
        let path = root.join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "the Spark test application {} is missing: {e}",
                path.display()
            )
        })
    };
    let dep = read("cdptest/dep/Greeting.java");
    let dependency = javajar::compile("spark-apps-dep", &[("cdptest/dep/Greeting.java", &dep)]);
    let sources: Vec<(String, String)> = ["Succeed", "Fail", "Sleep", "NeedsDependency"]
        .iter()
        .map(|name| {
            let rel = format!("cdptest/spark/{name}.java");
            let text = read(&rel);
            (rel, text)
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = sources
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let classpath = format!(
        "{}:{}",
        spark_home.join("jars/*").display(),
        dependency.classes.display()
    );
    let apps = javajar::compile_against("spark-apps", &borrowed, &classpath);
    SparkApps {
        jar: apps.jar(javajar::Packing::Deflated),
        dependency_jar: dependency.jar(javajar::Packing::Deflated),
    }
}

fn source_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join("tests/spark-apps").is_dir() {
        assert!(
            dir.pop(),
            "tests/spark-apps was not found above the testkit crate"
        );
    }
    dir.join("tests/spark-apps")
}
