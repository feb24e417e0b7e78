//! Real jars for tests, built with the JDK's `javac` and `jar` (JDK 17+;
//! `scripts/install-deps.sh test` installs one).
//!
//! Builds are cached under the target directory's `tmp/` (Cargo's
//! `CARGO_TARGET_TMPDIR` for tests and benches), keyed by the
//! sources and options, so a suite compiles each set of sources once; the
//! cache entry is made in a scratch folder and renamed into place, so test
//! binaries running at the same time do not see half-built jars. A missing
//! JDK fails the test with a message saying what to install.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// One Java source file: its path under the source root
/// (`com/acme/Main.java`) and its text.
pub type JavaSource<'a> = (&'a str, &'a str);

/// How `jar` packs the classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Packing {
    /// Deflated entries (the jar tool's default).
    Deflated,
    /// Stored entries (`jar --no-compress`).
    Stored,
}

/// A compiled set of sources: the classes folder and jars made from it.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// Root of the `.class` files (`classes/com/acme/Main.class`).
    pub classes: PathBuf,
    dir: PathBuf,
}

impl Compiled {
    /// Bytes of a compiled class, by internal name (`com/acme/Main`).
    pub fn class_bytes(&self, internal_name: &str) -> Vec<u8> {
        let path = self.classes.join(format!("{internal_name}.class"));
        std::fs::read(&path)
            .unwrap_or_else(|e| panic!("compiled class {} is missing: {e}", path.display()))
    }

    /// A jar of all the classes (plus the jar tool's manifest).
    pub fn jar(&self, packing: Packing) -> PathBuf {
        let name = match packing {
            Packing::Deflated => "deflated.jar",
            Packing::Stored => "stored.jar",
        };
        let path = self.dir.join(name);
        if !path.exists() {
            let scratch = self.dir.join(format!("{name}.{}", unique_suffix()));
            let mut cmd = Command::new(jdk_tool("jar"));
            cmd.arg("--create").arg("--file").arg(&scratch);
            if packing == Packing::Stored {
                cmd.arg("--no-compress");
            }
            cmd.arg("-C").arg(&self.classes).arg(".");
            run(cmd, "jar");
            // Another test binary may have won the race: either file is good.
            if std::fs::rename(&scratch, &path).is_err() {
                let _ = std::fs::remove_file(&scratch);
            }
        }
        path
    }
}

/// Compile `sources` (once per distinct set, see the module docs).
pub fn compile(label: &str, sources: &[JavaSource<'_>]) -> Compiled {
    compile_against(label, sources, "")
}

/// Compile `sources` against a class path (`javac -cp`, e.g.
/// `$SPARK_HOME/jars/*`); cached like [`compile`], keyed by the class path
/// too.
pub fn compile_against(label: &str, sources: &[JavaSource<'_>], classpath: &str) -> Compiled {
    let mut hasher = DefaultHasher::new();
    sources.hash(&mut hasher);
    classpath.hash(&mut hasher);
    let dir = cache_root().join(format!("{label}-{:016x}", hasher.finish()));
    let classes = dir.join("classes");
    if !classes.is_dir() {
        let scratch = cache_root().join(format!("{label}-scratch-{}", unique_suffix()));
        let src = scratch.join("src");
        let mut files = Vec::new();
        for (path, code) in sources {
            let file = src.join(path);
            std::fs::create_dir_all(file.parent().expect("a source path has a parent"))
                .expect("create the source folder");
            std::fs::write(&file, code).expect("write a Java source");
            files.push(file);
        }
        let mut cmd = Command::new(jdk_tool("javac"));
        if !classpath.is_empty() {
            cmd.arg("-cp").arg(classpath);
        }
        cmd.arg("-nowarn")
            .arg("--release")
            .arg("17")
            .arg("-d")
            .arg(scratch.join("classes"))
            .args(&files);
        run(cmd, "javac");
        std::fs::remove_dir_all(&src).expect("remove the scratch sources");
        if std::fs::rename(&scratch, &dir).is_err() {
            // Another test binary compiled the same sources first.
            let _ = std::fs::remove_dir_all(&scratch);
        }
    }
    Compiled { classes, dir }
}

/// Run a main class from `classpath` with `java`, returning its stdout.
pub fn run_java(classpath: &Path, main_class: &str, args: &[&str]) -> String {
    let mut cmd = Command::new(jdk_tool("java"));
    cmd.arg("-cp").arg(classpath).arg(main_class).args(args);
    run(cmd, "java")
}

/// A JDK tool: from `$JAVA_HOME/bin` if set, else from `PATH`.
pub fn jdk_tool(name: &str) -> PathBuf {
    if let Some(home) = std::env::var_os("JAVA_HOME") {
        let tool = Path::new(&home).join("bin").join(name);
        if tool.is_file() {
            return tool;
        }
    }
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|tool| tool.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "`{name}` was not found in $JAVA_HOME/bin or on PATH: these tests build real jars \
             and need a JDK 17+ (run scripts/install-deps.sh test, or apt-get install \
             default-jdk-headless)"
        )
    })
}

fn run(mut cmd: Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("could not start {what} ({cmd:?}): {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {cmd:?}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `<target>/tmp/javajar`: the target directory is three levels above the
/// running test or bench binary (`<target>/<profile>/deps/<binary>`), the
/// folder Cargo gives tests as `CARGO_TARGET_TMPDIR`.
fn cache_root() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let target = exe
        .ancestors()
        .nth(3)
        .unwrap_or_else(|| panic!("{} is not under a target directory", exe.display()));
    let root = target.join("tmp").join("javajar");
    std::fs::create_dir_all(&root).expect("create the test jar cache");
    root
}

fn unique_suffix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}-{nanos}", std::process::id())
}
