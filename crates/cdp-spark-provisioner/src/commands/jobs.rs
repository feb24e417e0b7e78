//! `jobs`: a client of a running server's job status API. It only calls
//! the API and renders its answers ([`super::jobs_render`]); every rule
//! stays on the server. Tokens come from the environment, never from the
//! command line (which `ps` shows). Exit codes are documented on
//! [`crate::cli::Command::Jobs`] and in the README.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::jobs_render as render;
use crate::cli::{
    BackfillArgs, ExplainArgs, JobsArgs, JobsCommand, ListArgs, LogsArgs, OutputFormat, PauseArgs,
    ProvisionArgs, RerunArgs, RunsArgs, TriggerArgs,
};

/// The command did what was asked.
pub const EXIT_OK: u8 = 0;
/// The server refused the request, or a waited-for run ended other than
/// SUCCEEDED.
pub const EXIT_REFUSED: u8 = 1;
/// A usage error (clap's code too).
pub const EXIT_USAGE: u8 = 2;
/// The server could not be reached.
pub const EXIT_UNREACHABLE: u8 = 3;
/// The server refused the token (401) or closed the route (403).
pub const EXIT_AUTH: u8 = 4;
/// No job or run has this key (404).
pub const EXIT_NOT_FOUND: u8 = 5;

/// The default server, `serve`'s default address.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8093";

/// Most bytes of an answer read.
const MAX_ANSWER_BYTES: usize = 32 * 1024 * 1024;
/// Most bytes of a descriptor file sent.
const MAX_DESCRIPTOR_BYTES: u64 = 4 * 1024 * 1024;
/// How often a waiting command looks again.
const POLL: Duration = Duration::from_millis(1000);

/// Run states after which a run no longer changes.
fn ended(state: &str) -> bool {
    !matches!(state, "" | "QUEUED" | "SUBMITTING" | "RUNNING")
}

/// Why a command failed, and its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    fn usage(message: impl Into<String>) -> Self {
        Self::new(EXIT_USAGE, message)
    }
}

type Outcome = Result<u8, Failure>;

/// The token a route group takes, and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Status,
    Trigger,
    Coordinator,
}

impl Access {
    fn variable(self) -> &'static str {
        match self {
            Access::Status => "CDP_SPARK_PROVISIONER_STATUS_TOKEN",
            Access::Trigger => "CDP_SPARK_PROVISIONER_TRIGGER_TOKEN",
            Access::Coordinator => "CDP_SPARK_PROVISIONER_COORDINATOR_TOKEN",
        }
    }

    fn setting(self) -> &'static str {
        match self {
            Access::Status => "auth.status_token",
            Access::Trigger => "auth.trigger_token",
            Access::Coordinator => "auth.coordinator_token",
        }
    }
}

/// The variable holding one token for every route group.
pub const ANY_TOKEN_VARIABLE: &str = "CDP_SPARK_PROVISIONER_TOKEN";

/// The token for `access` and the variable it came from.
fn token(access: Access) -> Option<(String, &'static str)> {
    let read = |name: &'static str| {
        std::env::var(name)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .map(|v| (v, name))
    };
    read(access.variable()).or_else(|| read(ANY_TOKEN_VARIABLE))
}

/// A server's answer: status, headers and body text.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    fn json(&self) -> Result<Value, Failure> {
        serde_json::from_str(&self.text).map_err(|e| {
            Failure::new(
                EXIT_REFUSED,
                format!(
                    "the server answered {} with a body that is not JSON ({e}): {}",
                    self.status,
                    render::clean(&render::cut(&self.text, 200))
                ),
            )
        })
    }

    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(render::clean)
            .unwrap_or_default()
    }
}

/// The job status API at one server.
pub struct Client {
    base: String,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    pub fn new(server: &str) -> Result<Self, Failure> {
        let base = server.trim().trim_end_matches('/').to_string();
        let url = reqwest::Url::parse(&base).map_err(|e| {
            Failure::usage(format!(
                "--server '{}' is not a URL ({e}); e.g. {DEFAULT_SERVER}",
                render::clean(&render::cut(&base, 200))
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Failure::usage(format!(
                "--server '{}' is not an http:// or https:// URL; e.g. {DEFAULT_SERVER}",
                render::clean(&render::cut(&base, 200))
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("cdp-spark-provisioner/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Failure::usage(format!("cannot set up the HTTP client: {e}")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::usage(format!("cannot start the async runtime: {e}")))?;
        Ok(Self {
            base,
            http,
            runtime,
        })
    }

    /// Send a request; a status other than 2xx becomes the failure that
    /// says what to do.
    pub fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        access: Access,
        body: Option<&Value>,
    ) -> Result<Answer, Failure> {
        let url = format!("{}{path}", self.base);
        let token = token(access);
        let mut request = self.http.request(method.clone(), &url);
        if let Some((t, _)) = &token {
            request = request.bearer_auth(t);
        }
        if let Some(b) = body {
            request = request.json(b);
        }
        let answer = self.runtime.block_on(async {
            let mut res = request.send().await?;
            let status = res.status().as_u16();
            let headers = res.headers().clone();
            let mut bytes = Vec::new();
            while let Some(chunk) = res.chunk().await? {
                let room = MAX_ANSWER_BYTES.saturating_sub(bytes.len());
                bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if room <= chunk.len() {
                    break;
                }
            }
            Ok::<_, reqwest::Error>(Answer {
                status,
                headers,
                text: String::from_utf8_lossy(&bytes).into_owned(),
            })
        });
        let answer = answer.map_err(|e| {
            Failure::new(
                EXIT_UNREACHABLE,
                format!(
                    "cannot reach the server at {} ({}): start it (`cdp-spark-provisioner serve`) or point --server / CDP_SPARK_PROVISIONER_SERVER at it",
                    self.base,
                    error_chain(&e)
                ),
            )
        })?;
        if (200..300).contains(&answer.status) {
            return Ok(answer);
        }
        Err(self.refusal(&method, path, access, token.map(|(_, v)| v), &answer))
    }

    fn refusal(
        &self,
        method: &reqwest::Method,
        path: &str,
        access: Access,
        token_from: Option<&str>,
        answer: &Answer,
    ) -> Failure {
        let body = serde_json::from_str::<Value>(&answer.text).ok();
        let said = body
            .as_ref()
            .and_then(|v| {
                ["message", "userMessage", "error"]
                    .iter()
                    .find_map(|k| v.get(k).and_then(Value::as_str).map(str::to_string))
            })
            .unwrap_or_else(|| render::cut(answer.text.trim(), 300));
        let mut head = format!(
            "the server at {} answered {} to {method} {path}: {}",
            self.base,
            answer.status,
            render::clean(&said)
        );
        // A RequestValidationError's problems and how to fix each.
        if let Some(info) = body.as_ref().map(|v| &v["moreInfo"]) {
            let list = |k: &str| info[k].as_array().cloned().unwrap_or_default();
            let solutions = list("solutions");
            for (i, problem) in list("problems").iter().enumerate().take(50) {
                let problem = problem.as_str().unwrap_or_default();
                // The message may be the one problem already.
                if !said.contains(problem) {
                    head.push_str(&format!("\n  - {}", render::clean(problem)));
                }
                if let Some(fix) = solutions.get(i).and_then(Value::as_str) {
                    head.push_str(&format!("\n    fix: {}", render::clean(fix)));
                }
            }
        }
        match answer.status {
            401 => Failure::new(
                EXIT_AUTH,
                match token_from {
                    Some(var) => format!(
                        "{head}\nthe token in {var} was refused: set it to the server's {}",
                        access.setting()
                    ),
                    None => format!(
                        "{head}\nset {} (or {ANY_TOKEN_VARIABLE}) to the server's {}",
                        access.variable(),
                        access.setting()
                    ),
                },
            ),
            403 => Failure::new(EXIT_AUTH, head),
            404 => Failure::new(
                EXIT_NOT_FOUND,
                format!("{head}\n(see `cdp-spark-provisioner jobs list` and `jobs runs`)"),
            ),
            _ => Failure::new(EXIT_REFUSED, head),
        }
    }

    fn get_json(&self, path: &str) -> Result<Value, Failure> {
        self.call(reqwest::Method::GET, path, Access::Status, None)?
            .json()
    }

    fn post_json(
        &self,
        path: &str,
        access: Access,
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        self.call(reqwest::Method::POST, path, access, body)?.json()
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Percent-encode a path segment (a data product id holds `:`).
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encode a query value.
fn query(s: &str) -> String {
    segment(s)
}

/// `GROUP/NAME`, split at the last `/` (a group may hold `/`, a name not),
/// as the path `/v1/scheduler/jobs/{group}/{name}`.
pub fn job_path(job: &str) -> Result<String, Failure> {
    let (group, name) = job
        .trim()
        .rsplit_once('/')
        .filter(|(g, n)| !g.is_empty() && !n.is_empty())
        .ok_or_else(|| {
            Failure::usage(format!(
                "job '{}' is not GROUP/NAME (the data product id and the jobName), e.g. urn:dmb:dp:finance:cashflow:0/my-job",
                render::clean(&render::cut(job, 200))
            ))
        })?;
    Ok(format!(
        "/v1/scheduler/jobs/{}/{}",
        segment(group),
        segment(name)
    ))
}

/// Run `jobs …` and give its exit code; a failure is printed on stderr.
pub fn run(args: JobsArgs) -> ExitCode {
    let code = match Client::new(&args.server).and_then(|c| dispatch(&c, args.output, args.command))
    {
        Ok(code) => code,
        Err(f) => {
            eprintln!("error: {}", f.message);
            f.code
        }
    };
    ExitCode::from(code)
}

fn dispatch(client: &Client, output: OutputFormat, command: JobsCommand) -> Outcome {
    match command {
        JobsCommand::List(a) => list(client, output, &a),
        JobsCommand::Show(a) => {
            let job = client.get_json(&job_path(&a.job)?)?;
            print(output, &job, render::job);
            Ok(EXIT_OK)
        }
        JobsCommand::Runs(a) => runs(client, output, &a),
        JobsCommand::Logs(a) => logs(client, output, &a),
        JobsCommand::Trigger(a) => trigger(client, output, &a),
        JobsCommand::Rerun(a) => rerun(client, output, &a),
        JobsCommand::Backfill(a) => backfill(client, output, &a),
        JobsCommand::Pause(a) => pause(client, output, &a, true),
        JobsCommand::Resume(a) => pause(client, output, &a, false),
        JobsCommand::Explain(a) => explain(client, output, &a),
        JobsCommand::Provision(a) => provision(client, output, &a),
    }
}

fn print(output: OutputFormat, value: &Value, human: fn(&Value) -> String) {
    match output {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
        ),
        OutputFormat::Table => print!("{}", human(value)),
    }
}

/// Pages of runs read at most when the server has no job listing.
const LIST_PAGES: u64 = 20;

fn list(client: &Client, output: OutputFormat, a: &ListArgs) -> Outcome {
    let mut path = format!("/v1/scheduler/jobs?limit={}&offset={}", a.limit, a.offset);
    if let Some(dp) = &a.data_product {
        path.push_str(&format!("&dataProduct={}", query(dp.trim())));
    }
    if let Some(state) = &a.state {
        path.push_str(&format!("&state={}", query(state.trim())));
    }
    match client.get_json(&path) {
        Ok(jobs) => {
            print(output, &jobs, render::job_list);
            return Ok(EXIT_OK);
        }
        // A server without the listing route: the jobs that ran, from
        // their runs.
        Err(f) if f.code == EXIT_NOT_FOUND => {}
        Err(f) => return Err(f),
    }
    let mut runs = Vec::new();
    let mut offset = 0;
    let mut complete = false;
    for _ in 0..LIST_PAGES {
        let page = client.get_json(&format!("/v1/scheduler/runs?limit=500&offset={offset}"))?;
        runs.extend(page["runs"].as_array().cloned().unwrap_or_default());
        match page["nextOffset"].as_u64() {
            Some(next) => offset = next,
            None => {
                complete = true;
                break;
            }
        }
    }
    let jobs = render::jobs_from_runs(
        &runs,
        a.data_product.as_deref(),
        a.state.as_deref(),
        complete,
    );
    print(output, &jobs, render::job_list);
    Ok(EXIT_OK)
}

fn runs(client: &Client, output: OutputFormat, a: &RunsArgs) -> Outcome {
    let mut path = format!("/v1/scheduler/runs?limit={}&offset={}", a.limit, a.offset);
    if let Some(job) = &a.job {
        job_path(job)?;
        path.push_str(&format!("&job={}", query(job.trim())));
    }
    if let Some(state) = &a.state {
        path.push_str(&format!("&state={}", query(state)));
    }
    let page = client.get_json(&path)?;
    print(output, &page, render::run_page);
    Ok(EXIT_OK)
}

/// The latest run of a job.
fn latest_run(client: &Client, job: &str) -> Result<String, Failure> {
    job_path(job)?;
    let page = client.get_json(&format!(
        "/v1/scheduler/runs?limit=1&job={}",
        query(job.trim())
    ))?;
    page["runs"][0]["runId"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| {
            Failure::new(
                EXIT_NOT_FOUND,
                format!(
                    "job {} has no run yet: start one with `cdp-spark-provisioner jobs trigger {}`",
                    render::clean(job),
                    render::clean(job)
                ),
            )
        })
}

fn logs(client: &Client, output: OutputFormat, a: &LogsArgs) -> Outcome {
    let run_id = match (&a.run, &a.job) {
        (Some(run), _) => run.trim().to_string(),
        (None, Some(job)) => latest_run(client, job)?,
        (None, None) => return Err(Failure::usage("give a run id or --job GROUP/NAME")),
    };
    let path = format!(
        "/v1/scheduler/runs/{}/logs?tail={}",
        segment(&run_id),
        a.tail
    );
    let read = || client.call(reqwest::Method::GET, &path, Access::Status, None);
    let first = read()?;
    if !a.follow {
        match output {
            OutputFormat::Json => println!("{}", render::log_json(&run_id, &first)),
            OutputFormat::Table => print!("{}", render::clean_log(&first.text)),
        }
        return Ok(EXIT_OK);
    }
    let mut shown = String::new();
    let mut answer = first;
    loop {
        let mut state = answer.header("x-run-state");
        if state.is_empty() {
            // A server that does not say: the run's own state.
            let run = client.get_json(&format!("/v1/scheduler/runs/{}", segment(&run_id)))?;
            state = render::clean(run["state"].as_str().unwrap_or("UNKNOWN"));
        }
        if answer.header("x-log-source") != "none" {
            let new = render::log_growth(&shown, &answer.text);
            print!("{}", render::clean_log(&new));
            shown = answer.text.clone();
        }
        if ended(&state) {
            eprintln!("run {} ended {state}", render::clean(&run_id));
            return Ok(if state == "SUCCEEDED" {
                EXIT_OK
            } else {
                EXIT_REFUSED
            });
        }
        std::thread::sleep(POLL);
        answer = read()?;
    }
}

/// `KEY=VALUE` pairs of `--conf`.
fn conf_pairs(conf: &[String]) -> Result<BTreeMap<String, String>, Failure> {
    let mut out = BTreeMap::new();
    for entry in conf {
        let (k, v) = entry
            .split_once('=')
            .filter(|(k, _)| !k.trim().is_empty())
            .ok_or_else(|| {
                Failure::usage(format!(
                    "--conf '{}' is not KEY=VALUE, e.g. --conf spark.sql.shuffle.partitions=8",
                    render::clean(&render::cut(entry, 100))
                ))
            })?;
        out.insert(k.trim().to_string(), v.to_string());
    }
    Ok(out)
}

/// The body of a trigger: only what was given.
pub fn trigger_body(args: &[String], conf: &[String]) -> Result<Option<Value>, Failure> {
    let mut body = serde_json::Map::new();
    if !args.is_empty() {
        let args: Vec<&String> = if args.len() == 1 && args[0].is_empty() {
            Vec::new()
        } else {
            args.iter().collect()
        };
        body.insert("args".into(), json!(args));
    }
    if !conf.is_empty() {
        body.insert("conf".into(), json!(conf_pairs(conf)?));
    }
    Ok((!body.is_empty()).then_some(Value::Object(body)))
}

fn trigger(client: &Client, output: OutputFormat, a: &TriggerArgs) -> Outcome {
    let path = format!("{}/trigger", job_path(&a.job)?);
    let body = trigger_body(&a.args, &a.conf)?;
    let accepted = client.post_json(&path, Access::Trigger, body.as_ref())?;
    print(output, &accepted, render::accepted);
    if !a.wait {
        return Ok(EXIT_OK);
    }
    let run_id = match accepted["runId"].as_str() {
        Some(id) => id.to_string(),
        None => find_run_of_trigger(client, &a.job, &accepted)?,
    };
    wait_for(client, &run_id)
}

/// The run a manual trigger made, once a scheduler fired it (at most 2
/// minutes).
fn find_run_of_trigger(client: &Client, job: &str, accepted: &Value) -> Result<String, Failure> {
    let trigger_name = accepted["triggerKey"]["name"].as_str().unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let page = client.get_json(&format!(
            "/v1/scheduler/runs?limit=50&job={}",
            query(job.trim())
        ))?;
        let found = page["runs"].as_array().and_then(|runs| {
            runs.iter()
                .find(|r| r["triggerKey"]["name"].as_str() == Some(trigger_name))
                .and_then(|r| r["runId"].as_str().map(str::to_string))
        });
        if let Some(id) = found {
            return Ok(id);
        }
        if Instant::now() >= deadline {
            return Err(Failure::new(
                EXIT_REFUSED,
                "no run of the trigger within 2 minutes: is a scheduler running (scheduler.enabled)?",
            ));
        }
        std::thread::sleep(POLL);
    }
}

/// Wait for a run to end: 0 when it SUCCEEDED, 1 otherwise.
fn wait_for(client: &Client, run_id: &str) -> Outcome {
    let path = format!("/v1/scheduler/runs/{}", segment(run_id));
    let mut last = String::new();
    loop {
        let run = client.get_json(&path)?;
        let state = run["state"].as_str().unwrap_or_default().to_string();
        if state != last {
            eprintln!("run {} {state}", render::clean(run_id));
            last = state.clone();
        }
        if ended(&state) {
            if let Some(e) = run["error"].as_str() {
                eprintln!("{}", render::clean(e));
            }
            return Ok(if state == "SUCCEEDED" {
                EXIT_OK
            } else {
                EXIT_REFUSED
            });
        }
        std::thread::sleep(POLL);
    }
}

fn rerun(client: &Client, output: OutputFormat, a: &RerunArgs) -> Outcome {
    let path = format!("/v1/scheduler/runs/{}/rerun", segment(a.run.trim()));
    let accepted = client.post_json(&path, Access::Trigger, None)?;
    print(output, &accepted, render::accepted);
    match (a.wait, accepted["runId"].as_str()) {
        (true, Some(id)) => wait_for(client, id),
        (true, None) => Err(Failure::new(
            EXIT_REFUSED,
            "the server's answer names no new run to wait for",
        )),
        (false, _) => Ok(EXIT_OK),
    }
}

fn backfill(client: &Client, output: OutputFormat, a: &BackfillArgs) -> Outcome {
    let path = format!("{}/backfill", job_path(&a.job)?);
    let mut body = json!({"from": a.from, "to": a.to, "dryRun": a.dry_run});
    if let Some(n) = a.max_parallel {
        body["maxParallel"] = json!(n);
    }
    let answer = client.post_json(&path, Access::Trigger, Some(&body))?;
    print(output, &answer, render::backfill);
    Ok(EXIT_OK)
}

fn pause(client: &Client, output: OutputFormat, a: &PauseArgs, paused: bool) -> Outcome {
    let verb = if paused { "pause" } else { "resume" };
    let path = match (&a.job, &a.data_product, a.all) {
        (Some(job), None, false) => format!("{}/{verb}", job_path(job)?),
        (None, Some(dp), false) => format!("/v1/scheduler/{verb}?dataProduct={}", query(dp.trim())),
        (None, None, true) => format!("/v1/scheduler/{verb}"),
        _ => {
            return Err(Failure::usage(
                "give one of GROUP/NAME, --data-product ID or --all",
            ))
        }
    };
    let answer = client.post_json(&path, Access::Trigger, None)?;
    print(output, &answer, render::message);
    Ok(EXIT_OK)
}

fn explain(client: &Client, output: OutputFormat, a: &ExplainArgs) -> Outcome {
    let path = format!(
        "{}/explain?from={}&to={}",
        job_path(&a.job)?,
        query(a.from.trim()),
        query(a.to.trim())
    );
    let answer = client.get_json(&path)?;
    print(output, &answer, render::explanation);
    Ok(EXIT_OK)
}

fn read_descriptor(path: &std::path::Path) -> Result<String, Failure> {
    use std::io::Read;
    let mut text = String::new();
    let shown = path.display().to_string();
    let outcome = if shown == "-" {
        std::io::stdin()
            .take(MAX_DESCRIPTOR_BYTES + 1)
            .read_to_string(&mut text)
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_DESCRIPTOR_BYTES + 1).read_to_string(&mut text))
    };
    outcome.map_err(|e| Failure::usage(format!("cannot read the descriptor {shown}: {e}")))?;
    if text.len() as u64 > MAX_DESCRIPTOR_BYTES {
        return Err(Failure::usage(format!(
            "the descriptor {shown} is larger than {MAX_DESCRIPTOR_BYTES} bytes"
        )));
    }
    Ok(text)
}

fn provision(client: &Client, output: OutputFormat, a: &ProvisionArgs) -> Outcome {
    let descriptor = read_descriptor(&a.descriptor)?;
    let body = json!({
        "descriptorKind": "COMPONENT_DESCRIPTOR",
        "descriptor": descriptor,
        "removeData": false,
    });
    let answer = client.call(
        reqwest::Method::POST,
        "/v1/provision",
        Access::Coordinator,
        Some(&body),
    )?;
    let mut status = answer.json()?;
    if answer.status == 202 {
        let token = status.as_str().unwrap_or_default().to_string();
        let path = format!("/v1/provision/{}/status", segment(&token));
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            status = client
                .call(reqwest::Method::GET, &path, Access::Coordinator, None)?
                .json()?;
            if status["status"] != "RUNNING" || Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    print(output, &status, render::provisioning);
    Ok(if status["status"] == "COMPLETED" {
        EXIT_OK
    } else {
        EXIT_REFUSED
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_addresses_become_encoded_paths_or_usage_errors() {
        assert_eq!(
            job_path("urn:dmb:dp:finance:cashflow:0/my job").expect("valid"),
            "/v1/scheduler/jobs/urn%3Admb%3Adp%3Afinance%3Acashflow%3A0/my%20job"
        );
        // A group may hold `/`; the name is after the last one.
        assert_eq!(
            job_path("a/b/c").expect("valid"),
            "/v1/scheduler/jobs/a%2Fb/c"
        );
        for bad in ["nogroup", "/name", "group/", ""] {
            let f = job_path(bad).expect_err(bad);
            assert_eq!(f.code, EXIT_USAGE);
            assert!(f.message.contains("GROUP/NAME"), "{}", f.message);
        }
    }

    #[test]
    fn trigger_bodies_hold_only_what_was_given() {
        assert_eq!(trigger_body(&[], &[]).expect("none"), None);
        assert_eq!(
            trigger_body(&["--date".into(), "2030-01-01".into()], &["a.b=c=d".into()])
                .expect("both"),
            Some(json!({"args": ["--date", "2030-01-01"], "conf": {"a.b": "c=d"}}))
        );
        assert_eq!(
            trigger_body(&[String::new()], &[]).expect("no args"),
            Some(json!({"args": []}))
        );
        let f = trigger_body(&[], &["novalue".into()]).expect_err("bad conf");
        assert_eq!(f.code, EXIT_USAGE);
        assert!(f.message.contains("KEY=VALUE"), "{}", f.message);
    }

    #[test]
    fn servers_must_be_http_urls() {
        for bad in ["127.0.0.1:8093", "ftp://host", "not a url"] {
            let f = Client::new(bad).err().expect(bad);
            assert_eq!(f.code, EXIT_USAGE, "{bad}");
        }
        assert!(Client::new("http://127.0.0.1:8093/").is_ok());
    }
}
