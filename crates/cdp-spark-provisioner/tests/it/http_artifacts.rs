//! Hostile jar locations through HTTP: a symlink loop or an overlong path
//! is a problem on the field (never a 500), a FIFO answers at once (and the
//! service keeps answering), and outside the operator's roots (or in a
//! cluster mode without them) every local location gets the same answer.

use crate::support;

use std::ffi::CString;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{fixture_descriptor, jars, request, start_in, Place, ServerOptions, MAIN_CLASS};

const APP_JAR: &str =
    "hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar";
const DEP_JAR: &str = "hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar";
const COMPONENT: &str = "dataProduct.components[1]";

/// The fixture with its jar and dependency at these locations.
fn descriptor(jar: &str, dep: &str) -> String {
    let text = fixture_descriptor();
    assert!(text.contains(APP_JAR) && text.contains(DEP_JAR) && text.contains(MAIN_CLASS));
    text.replace(APP_JAR, &format!("\"{jar}\""))
        .replace(DEP_JAR, &format!("\"{dep}\""))
}

fn mkfifo(path: &Path) {
    let c = CString::new(path.to_str().expect("utf-8")).expect("no NUL");
    // SAFETY: a valid NUL-terminated path and a mode.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(rc, 0, "mkfifo: {}", std::io::Error::last_os_error());
}

/// The problems of a `/v1/validate` answer, which must be a 200
/// `ValidationResult` with `valid: false`.
fn problems(code: u16, body: &Value) -> Vec<String> {
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["valid"], false, "{body}");
    body["error"]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e.as_str().expect("text").to_string())
        .collect()
}

fn on<'a>(problems: &'a [String], field: &str) -> &'a str {
    let prefix = format!("{COMPONENT}.{field}:");
    let found: Vec<&String> = problems.iter().filter(|p| p.starts_with(&prefix)).collect();
    assert_eq!(found.len(), 1, "one problem on {field}: {problems:#?}");
    found[0]
}

/// Before: ELOOP and ENAMETOOLONG were read faults, answered 500
/// `SystemError`. Now: problems on the fields, 200 `valid: false` on
/// validate and 400 `RequestValidationError` on provision.
#[tokio::test]
async fn a_symlink_loop_or_an_overlong_path_is_a_problem_on_the_field_not_a_500() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.jar");
    let b = dir.path().join("b.jar");
    std::os::unix::fs::symlink(&b, &a).expect("symlink");
    std::os::unix::fs::symlink(&a, &b).expect("symlink");
    let long = dir.path().join(format!("{}.jar", "x".repeat(300)));
    let (_, dep) = jars();
    for (path, says) in [
        (a.display().to_string(), "symbolic links"),
        (
            long.display().to_string(),
            "longer than the operating system allows",
        ),
    ] {
        let body = request(&descriptor(&path, &path));
        let (code, answer) = server.post("/v1/validate", &body).await;
        let problems = problems(code, &answer);
        for field in ["specific.jar", "specific.jobConfig.dependencies[0]"] {
            assert!(on(&problems, field).contains(says), "{problems:#?}");
        }
        let body = request(&descriptor(&path, &dep.display().to_string()));
        let (code, answer) = server.post("/v1/provision", &body).await;
        assert_eq!(code, 400, "{answer}");
        assert_eq!(
            answer["inputErrorField"],
            format!("{COMPONENT}.specific.jar"),
            "{answer}"
        );
        assert!(
            answer["errors"][0]
                .as_str()
                .is_some_and(|e| e.contains(says)),
            "{answer}"
        );
    }
}

/// 120 validations of a FIFO at once all answer promptly, and the service
/// answers its other routes meanwhile.
#[tokio::test]
async fn validations_of_a_fifo_answer_promptly_and_the_service_goes_on() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("job.jar");
    mkfifo(&fifo);
    let fifo = fifo.display().to_string();
    let body = request(&descriptor(&fifo, &fifo));
    let started = Instant::now();
    let validations =
        futures::future::join_all((0..120).map(|_| server.post("/v1/validate", &body)));
    let health = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let asked = Instant::now();
        let (code, _) = server.get("/health").await;
        (code, asked.elapsed())
    };
    let (answers, (health_code, health_took)) = tokio::time::timeout(
        Duration::from_secs(60),
        futures::future::join(validations, health),
    )
    .await
    .expect("every request answers");
    for (code, answer) in answers {
        let problems = problems(code, &answer);
        for field in ["specific.jar", "specific.jobConfig.dependencies[0]"] {
            let p = on(&problems, field);
            assert!(p.contains("FIFO"), "{p}");
        }
    }
    assert_eq!(health_code, 200);
    eprintln!(
        "120 validations of a FIFO in {:?}; /health meanwhile in {health_took:?}",
        started.elapsed()
    );
    // And a good descriptor still validates.
    let (app, dep) = jars();
    let (code, answer) = server
        .post(
            "/v1/validate",
            &request(&descriptor(
                &app.display().to_string(),
                &dep.display().to_string(),
            )),
        )
        .await;
    assert_eq!(
        (code, &answer["valid"]),
        (200, &Value::Bool(true)),
        "{answer}"
    );
}

/// With `artifacts.local_roots` the server reads local jars only under
/// them; outside, the answer does not depend on what exists. In a cluster
/// mode without roots, no local jar is accepted, and the answer says to
/// use HDFS.
#[tokio::test]
async fn local_jars_outside_the_roots_all_get_the_same_answer() {
    let (app, dep) = jars();
    let root = tempfile::tempdir().expect("root");
    let inside_app = root.path().join("app.jar");
    let inside_dep = root.path().join("dep.jar");
    std::fs::copy(&app, &inside_app).expect("copy");
    std::fs::copy(&dep, &inside_dep).expect("copy");
    let outside_real = app.display().to_string();
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    let folder = elsewhere.path().join("folder.jar");
    std::fs::create_dir_all(&folder).expect("folder");
    let locations = [
        folder.display().to_string(),
        "/root/.ssh/id.jar".to_string(),
        format!("/nonexistent/..{outside_real}"),
        "/nonexistent/x.jar".to_string(),
        outside_real.clone(),
        format!("{}/../escape.jar", root.path().display()),
    ];

    let place = Place::new(&support::Db::Sqlite);
    let root_text = root.path().display().to_string();
    let server = start_in(
        &place,
        &ServerOptions::default().env("CDP_SPARK_PROVISIONER__ARTIFACTS__LOCAL_ROOTS", &root_text),
    );
    let mut answers = Vec::new();
    for location in &locations {
        let (code, answer) = server
            .post("/v1/validate", &request(&descriptor(location, location)))
            .await;
        let problems = problems(code, &answer);
        for field in ["specific.jar", "specific.jobConfig.dependencies[0]"] {
            let p = on(&problems, field);
            assert!(p.contains(&root_text) && p.contains("hdfs://"), "{p}");
            answers.push(p.replace(location.as_str(), "LOCATION"));
        }
    }
    answers.sort();
    answers.dedup();
    assert_eq!(answers.len(), 2, "one answer per field: {answers:#?}");
    let (code, answer) = server
        .post(
            "/v1/validate",
            &request(&descriptor(
                &inside_app.display().to_string(),
                &inside_dep.display().to_string(),
            )),
        )
        .await;
    assert_eq!(
        (code, &answer["valid"]),
        (200, &Value::Bool(true)),
        "{answer}"
    );

    // YARN, no roots: a local jar is refused whether or not it exists.
    let place = Place::new(&support::Db::Sqlite);
    let yarn = start_in(
        &place,
        &ServerOptions::default()
            .env("CDP_SPARK_PROVISIONER__LAUNCHER__MODE", "yarn")
            .env(
                "CDP_SPARK_PROVISIONER__LAUNCHER__RESOURCE_MANAGERS",
                "http://127.0.0.1:9",
            ),
    );
    let mut answers = Vec::new();
    for location in [&outside_real, &"/nonexistent/x.jar".to_string()] {
        let (code, answer) = yarn
            .post("/v1/validate", &request(&descriptor(location, location)))
            .await;
        let problems = problems(code, &answer);
        let p = on(&problems, "specific.jar");
        assert!(
            p.contains("none is configured") && p.contains("hdfs://"),
            "{p}"
        );
        answers.push(p.replace(location.as_str(), "LOCATION"));
    }
    answers.dedup();
    assert_eq!(answers.len(), 1, "{answers:#?}");
}
