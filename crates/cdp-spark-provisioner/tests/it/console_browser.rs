//! The web console in a real browser (Debian's headless Chromium through
//! chromedriver, `webdriver.rs`) against `serve` on 127.0.0.1 with real
//! Spark in local mode: the jobs page lists a provisioned job, its page
//! shows settings (a hostile description shown as text), the schedule and
//! its next five fire times; "Run now" starts a run that is watched to
//! SUCCEEDED on its page, with its timeline (fired, submitted, running,
//! ended, in order) and its log (or "Logs not available" where the API
//! serves none); the job's run grid then draws it. A server with a
//! status token: the page asks for the token, then shows the jobs; "Pause
//! all jobs" asks to confirm (naming the scope and the count), then for the
//! trigger token, and the jobs show paused; "Resume all jobs" (after a
//! cancelled confirmation) shows them waiting again. Every
//! page is saved as a PNG in `target/ci-artifacts/screenshots/`. Needs
//! `SPARK_HOME` (scripts/test.sh) and chromium + chromium-driver
//! (scripts/install-deps.sh test).

use std::time::Duration;

use serde_json::json;

use super::spark_local_e2e::{descriptor, jar, job_name, spark_home};
use super::webdriver::Browser;
use crate::support::*;

/// A description written to break out of any markup it lands in.
const HOSTILE: &str = "<img src=x id=pwned onerror=\"document.title='pwned'\"> & <script id=pwned2>document.title='pwned'</script>";

const SECOND: Duration = Duration::from_secs(1);

/// The trigger token of the server behind tokens.
const TRIGGER_TOKEN: &str = "console-trigger-Tok-42";

#[tokio::test]
async fn a_job_is_listed_run_from_its_page_and_watched_to_its_end() {
    let _ = spark_home();
    let ok_jar = jar(
        "console-ok",
        "System.out.println(\"console run \" + args.length);",
    );
    let place = Place::new(&Db::Sqlite);
    let options = ServerOptions::default().spark_local();
    let server = start_in(&place, &options);

    // A job scheduled once a day at 03:00 (it does not fire during the
    // test), its description hostile.
    let component = "console-daily";
    let text = descriptor(component, &ok_jar, Some("0 0 3 * * ?"));
    let plain = "description: Aggregates the day's ledger entries";
    assert!(
        text.contains(plain),
        "the fixture's component description changed"
    );
    let text = text.replace(
        plain,
        &format!("description: '{}'", HOSTILE.replace('\'', "''")),
    );
    let (code, body) = server.post("/v1/provision", &request(&text)).await;
    assert_eq!(code, 200, "{body}\n{}", server.log());
    let name = job_name(component);

    // A job whose run fails, started through the API.
    let fail_jar = jar(
        "console-fail",
        "throw new IllegalStateException(\"console failure\");",
    );
    let failing = "console-failing";
    let (code, body) = server
        .post(
            "/v1/provision",
            &request(&descriptor(failing, &fail_jar, None)),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let failing_path = format!(
        "/v1/scheduler/jobs/{}/{}",
        seg(FIXTURE_GROUP),
        job_name(failing)
    );
    let (code, manual) = server
        .post(&format!("{failing_path}/trigger"), &json!(null))
        .await;
    assert_eq!(code, 202, "{manual}");
    let failed_run = manual["runId"].as_str().expect("a run id").to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let run = run_until_ended(&server, &failed_run, deadline).await;
    assert_eq!(run["state"], "FAILED", "{run}");

    let browser = Browser::start().await;

    // The jobs page: the job, its data product, its schedule in words.
    browser.open(&server.url("/ui/")).await;
    browser
        .find(&format!("table.jobs a[href$='/{name}']"), 20 * SECOND)
        .await;
    let page = browser.text_of_page().await;
    assert!(page.contains(FIXTURE_GROUP), "{page}");
    assert!(
        page.contains("0 0 3 * * ?"),
        "the schedule is shown: {page}"
    );
    assert!(page.contains("never run"), "{page}");
    // The failed run is a cell marked with a cross, linked to its run.
    let cell = browser
        .find(
            &format!("a.cell.state-FAILED[href='/ui/runs/{failed_run}']"),
            SECOND,
        )
        .await;
    assert_eq!(browser.text(&cell).await, "✕");
    browser.screenshot("01-jobs.png").await;

    // "Failing now" keeps the failing job only.
    browser.open(&server.url("/ui/?state=FAILING")).await;
    browser
        .find(
            &format!("table.jobs a[href$='/{}']", job_name(failing)),
            20 * SECOND,
        )
        .await;
    assert_eq!(browser.count("table.jobs tbody tr").await, 1);
    browser.screenshot("01b-failing-now.png").await;
    browser.open(&server.url("/ui/")).await;
    let link = browser
        .find(&format!("table.jobs a[href$='/{name}']"), 20 * SECOND)
        .await;

    // The job page: settings (the description as text, not markup), the
    // next five fire times.
    browser.click(&link).await;
    browser.find("#run-now", 20 * SECOND).await;
    browser.find("ol.next li:nth-child(5)", 20 * SECOND).await;
    assert_eq!(browser.count("ol.next li").await, 5);
    browser
        .wait_text("#h-settings + div", 20 * SECOND, |t| {
            t.contains("<img src=x id=pwned")
        })
        .await;
    assert_eq!(
        browser.count("#pwned, #pwned2").await,
        0,
        "the description became markup"
    );
    let title = browser.eval("return document.title;", json!([])).await;
    assert_ne!(title, "pwned");
    browser.screenshot("02-job.png").await;

    // Run now: the answer names the run; its page follows it to the end.
    let run_now = browser.find("#run-now", SECOND).await;
    browser.click(&run_now).await;
    let new_run = browser.find("#new-run", 30 * SECOND).await;
    let run_id = browser.text(&new_run).await;
    assert!(!run_id.is_empty(), "the answer names the run");
    browser.click(&new_run).await;
    browser.find("#run-body .state", 20 * SECOND).await;
    let state = browser
        .wait_text("#run-body .state", Duration::from_secs(120), |s| {
            !["SUBMITTING", "RUNNING", "QUEUED"].contains(&s)
        })
        .await;
    assert_eq!(
        state,
        "SUCCEEDED",
        "{}\n{}",
        browser.text_of_page().await,
        server.log()
    );
    let app = browser.text_of_page().await;
    assert!(app.contains("local-"), "the application id is shown: {app}");
    // The log: its tail where the API serves logs, else said plainly.
    let log_status = browser
        .wait_text("#log-status", 20 * SECOND, |t| !t.is_empty())
        .await;
    let log = browser.wait_text("#log", SECOND, |_| true).await;
    assert!(
        log_status.starts_with("Logs not available") || log.contains("console run"),
        "status {log_status:?}, log {log:?}"
    );
    browser.screenshot("03-run.png").await;

    // Back on the job: the grid draws the run, the jobs list its cell.
    let (code, run) = server.get(&format!("/v1/scheduler/runs/{run_id}")).await;
    assert_eq!(code, 200, "{run}");
    timeline_is_shown_in_order(&browser, &run).await;
    let job_url = format!("/ui/jobs/{}/{}", seg(FIXTURE_GROUP), seg(&name));
    browser.open(&server.url(&job_url)).await;
    browser
        .find("svg.grid rect.state-SUCCEEDED", 20 * SECOND)
        .await;
    browser.screenshot("04-job-after-run.png").await;
    browser.open(&server.url("/ui/")).await;
    browser
        .find("table.jobs a.cell.state-SUCCEEDED", 20 * SECOND)
        .await;
    browser.screenshot("05-jobs-after-run.png").await;
    browser.quit().await;
}

/// The run page's timeline: fired, submitted, running, ended in this
/// order, each at the time the API answers (running: when the follower saw
/// the application running, or said not seen when it ended between two
/// checks), the times in order, the waits between them in words.
async fn timeline_is_shown_in_order(browser: &Browser, run: &serde_json::Value) {
    let steps = browser
        .eval(
            "return Array.from(document.querySelectorAll('#timeline > li')).map((li) => { \
               const t = li.querySelector('time'); \
               return [li.getAttribute('data-step'), t ? t.getAttribute('datetime') : null, li.textContent]; });",
            json!([]),
        )
        .await;
    let steps = steps.as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = steps.iter().filter_map(|s| s[0].as_str()).collect();
    assert_eq!(
        names,
        ["fired", "submitted", "running", "ended"],
        "{steps:?}"
    );
    let at = |i: usize| steps[i][1].as_str().map(str::to_string);
    let text = |i: usize| steps[i][2].as_str().unwrap_or_default().to_string();
    for (i, field) in ["actualFireTime", "submittedAt", "runningAt", "endedAt"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            at(i).as_deref(),
            run[field].as_str(),
            "{field} on the page and in the API: {steps:?} {run}"
        );
    }
    assert!(
        at(0).is_some() && at(1).is_some() && at(3).is_some(),
        "{steps:?} {run}"
    );
    if at(2).is_none() {
        assert!(text(2).contains("not seen running"), "{steps:?}");
    } else {
        assert!(text(2).contains("start-up"), "{steps:?}");
        assert!(text(3).contains("run time"), "{steps:?}");
    }
    assert!(text(1).contains("queue wait"), "{steps:?}");
    let times: Vec<chrono::DateTime<chrono::FixedOffset>> = (0..4)
        .filter_map(at)
        .map(|t| chrono::DateTime::parse_from_rfc3339(&t).expect("an RFC 3339 instant"))
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "in order: {times:?}"
    );
}

#[tokio::test]
async fn a_page_behind_the_status_token_asks_for_it_then_shows_the_jobs() {
    let place = Place::new(&Db::Sqlite);
    let token = "console-status-Tok-41";
    let server = start_in(
        &place,
        &ServerOptions::default()
            .env("CDP_SPARK_PROVISIONER__AUTH__STATUS_TOKEN", token)
            .env("CDP_SPARK_PROVISIONER__AUTH__TRIGGER_TOKEN", TRIGGER_TOKEN),
    );
    let (code, body) = server
        .post("/v1/provision", &request(&local_descriptor()))
        .await;
    assert_eq!(code, 200, "{body}");
    // The API itself refuses without the token.
    let (code, _) = server.get("/v1/scheduler/jobs").await;
    assert_eq!(code, 401);

    let browser = Browser::start().await;
    browser.open(&server.url("/ui/")).await;
    let input = browser.find("#token-status", 20 * SECOND).await;
    let page = browser.text_of_page().await;
    assert!(page.contains("Status token required"), "{page}");
    assert_eq!(
        browser.count("table.jobs").await,
        0,
        "no data before the token"
    );
    browser.screenshot("06-token-asked.png").await;

    // A wrong token is asked again, the right one shows the jobs.
    browser.type_text(&input, "wrong").await;
    let submit = browser
        .find(".token-form button[type=submit]", SECOND)
        .await;
    browser.click(&submit).await;
    browser
        .wait_text(".token-form", 20 * SECOND, |t| {
            t.contains("was not accepted")
        })
        .await;
    let input = browser.find("#token-status", SECOND).await;
    browser.type_text(&input, token).await;
    let submit = browser
        .find(".token-form button[type=submit]", SECOND)
        .await;
    browser.click(&submit).await;
    browser
        .find(
            &format!("table.jobs a[href$='/{FIXTURE_JOB}']"),
            20 * SECOND,
        )
        .await;
    assert!(
        !browser.text_of_page().await.contains(token),
        "the token is never shown"
    );
    browser.screenshot("07-token-accepted.png").await;

    // Pause all: a confirmation naming the scope and the count, then the
    // trigger token is asked, then the job shows paused.
    let pause = browser.find("#pause-all", SECOND).await;
    browser.click(&pause).await;
    let question = browser
        .wait_text("#bulk-question", 20 * SECOND, |t| !t.is_empty())
        .await;
    assert!(
        question.starts_with("Pause every job of every data product (1 job)?"),
        "{question}"
    );
    browser.screenshot("08-pause-all-confirm.png").await;
    let yes = browser.find("#bulk-yes", SECOND).await;
    assert_eq!(browser.text(&yes).await, "Pause 1 job");
    browser.click(&yes).await;
    let input = browser.find("#token-trigger", 20 * SECOND).await;
    browser.type_text(&input, TRIGGER_TOKEN).await;
    let submit = browser
        .find(".token-form button[type=submit]", SECOND)
        .await;
    browser.click(&submit).await;
    browser
        .wait_text("#bulk-result", 20 * SECOND, |t| t.contains("are PAUSED"))
        .await;
    browser
        .wait_text("table.jobs tbody tr", 20 * SECOND, |t| t.contains("paused"))
        .await;
    browser.screenshot("09-paused-all.png").await;

    // Cancel leaves everything as it is; resume all (the token kept in the
    // tab) shows the job waiting again.
    let resume = browser.find("#resume-all", SECOND).await;
    browser.click(&resume).await;
    let no = browser.find("#bulk-no", 20 * SECOND).await;
    browser.click(&no).await;
    assert_eq!(browser.count("#bulk-confirm:not([hidden])").await, 0);
    browser.click(&resume).await;
    let yes = browser.find("#bulk-yes", 20 * SECOND).await;
    assert_eq!(browser.text(&yes).await, "Resume 1 job");
    browser.click(&yes).await;
    browser
        .wait_text("#bulk-result", 20 * SECOND, |t| {
            t.contains("are WAITING again")
        })
        .await;
    browser
        .wait_text("table.jobs tbody tr", 20 * SECOND, |t| {
            !t.contains("paused")
        })
        .await;
    assert!(
        !browser.text_of_page().await.contains(TRIGGER_TOKEN),
        "the token is never shown"
    );
    browser.screenshot("10-resumed-all.png").await;
    browser.quit().await;
}
