//! `jobs`: the server's JSON answers as text for people (tables and
//! key-value lists). Everything shown comes from the server and is
//! untrusted: control characters are replaced, so that a value cannot move
//! the cursor or change the terminal.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::jobs::Answer;

/// `s` with control characters (but newline and tab, when `keep_lines`)
/// replaced by `?`.
fn sanitize(s: &str, keep_lines: bool) -> String {
    s.chars()
        .map(|c| {
            if keep_lines && (c == '\n' || c == '\t') {
                c
            } else if c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c) {
                '?'
            } else {
                c
            }
        })
        .collect()
}

/// One line of text from the server, safe to print.
pub fn clean(s: &str) -> String {
    sanitize(s, false)
}

/// A log, safe to print: its lines kept, other control characters
/// (terminal escapes) replaced.
pub fn clean_log(s: &str) -> String {
    sanitize(&s.replace("\r\n", "\n"), true)
}

/// At most `n` characters of `s`, with `…` when cut.
pub fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// A JSON value as a table cell.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => clean(s),
        other => clean(&other.to_string()),
    }
}

/// `GROUP/NAME` of a `{group, name}` key.
fn key(v: &Value) -> String {
    match (v["group"].as_str(), v["name"].as_str()) {
        (Some(g), Some(n)) => clean(&format!("{g}/{n}")),
        _ => cell(v),
    }
}

/// An RFC 3339 instant, shorter: `2030-01-01 00:00:00Z`.
fn instant(v: &Value) -> String {
    match v.as_str() {
        Some(s) => clean(&s.replacen('T', " ", 1).replace("+00:00", "Z")),
        None => cell(v),
    }
}

/// The time between two instants, `1m05s`.
fn duration(from: &Value, to: &Value) -> String {
    let parse = |v: &Value| {
        v.as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
    };
    match (parse(from), parse(to)) {
        (Some(a), Some(b)) => {
            let s = (b - a).num_seconds().max(0);
            if s >= 3600 {
                format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
            } else if s >= 60 {
                format!("{}m{:02}s", s / 60, s % 60)
            } else {
                format!("{s}s")
            }
        }
        _ => "-".into(),
    }
}

/// Most characters of a cell but the last of its row.
const CELL_CHARS: usize = 100;

/// Columns padded to their widest cell (each cell but the last at most
/// [`CELL_CHARS`] characters).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, c)| {
                    if i + 1 < r.len() {
                        cut(c, CELL_CHARS)
                    } else {
                        c.clone()
                    }
                })
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (i, c) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(c);
            } else {
                let pad = widths[i].saturating_sub(c.chars().count());
                out.push_str(c);
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

fn run_rows(runs: &[Value]) -> Vec<Vec<String>> {
    runs.iter()
        .map(|r| {
            let end = if r["endedAt"].is_null() {
                json!(chrono::Utc::now().to_rfc3339())
            } else {
                r["endedAt"].clone()
            };
            vec![
                cell(&r["runId"]),
                key(&r["jobKey"]),
                cell(&r["state"]),
                // The nominal time where the server gives it.
                instant(if r["nominalTime"].is_string() {
                    &r["nominalTime"]
                } else {
                    &r["scheduledFireTime"]
                }),
                // Fired to submitted, submitted to first seen running
                // ("-" when not known), fired to the end (or now).
                duration(&r["actualFireTime"], &r["submittedAt"]),
                duration(&r["submittedAt"], &r["runningAt"]),
                duration(&r["actualFireTime"], &end),
                cell(&r["applicationId"]),
            ]
        })
        .collect()
}

const RUN_HEADER: [&str; 8] = [
    "RUN",
    "JOB",
    "STATE",
    "NOMINAL TIME",
    "QUEUE WAIT",
    "START-UP",
    "DURATION",
    "APPLICATION",
];

/// A page of runs.
pub fn run_page(page: &Value) -> String {
    let runs = page["runs"].as_array().cloned().unwrap_or_default();
    if runs.is_empty() {
        return "no runs\n".into();
    }
    let mut out = table(&RUN_HEADER, &run_rows(&runs));
    if let Some(next) = page["nextOffset"].as_u64() {
        out.push_str(&format!("(more: --offset {next})\n"));
    }
    out
}

/// A job: settings, triggers, last runs.
pub fn job(view: &Value) -> String {
    let j = &view["job"];
    let spec = &j["spec"];
    let mut out = String::new();
    let mut field = |name: &str, value: String| out.push_str(&format!("{name:<13}{value}\n"));
    field("job", key(&j["key"]));
    field("component", cell(&j["componentId"]));
    field("status", cell(&view["status"]));
    field("jar", cell(&spec["jar"]));
    field("class", cell(&spec["className"]));
    if let Some(q) = spec["queue"].as_str() {
        field("queue", clean(q));
    }
    let args: Vec<String> = spec["args"]
        .as_array()
        .map(|a| a.iter().map(cell).collect())
        .unwrap_or_default();
    field("args", args.join(" "));
    if let Some(conf) = spec["conf"].as_object() {
        for (k, v) in conf {
            field("conf", format!("{}={}", clean(k), cell(v)));
        }
    }
    let triggers = view["triggers"].as_array().cloned().unwrap_or_default();
    out.push('\n');
    if triggers.is_empty() {
        out.push_str("no triggers\n");
    } else {
        let rows: Vec<Vec<String>> = triggers
            .iter()
            .map(|t| {
                let s = &t["schedule"];
                let schedule = match s["type"].as_str() {
                    Some("CRON") => {
                        format!("{} ({})", cell(&s["cronExpression"]), cell(&s["timeZone"]))
                    }
                    Some("ONCE") => format!("once at {}", instant(&s["startTime"])),
                    _ => cell(s),
                };
                vec![
                    key(&t["key"]),
                    schedule,
                    cell(&t["state"]),
                    instant(&t["nextFireTime"]),
                ]
            })
            .collect();
        out.push_str(&table(
            &["TRIGGER", "SCHEDULE", "STATE", "NEXT FIRE"],
            &rows,
        ));
    }
    let runs = view["lastRuns"].as_array().cloned().unwrap_or_default();
    out.push('\n');
    if runs.is_empty() {
        out.push_str("no runs yet\n");
    } else {
        out.push_str(&table(&RUN_HEADER, &run_rows(&runs)));
    }
    out
}

/// The jobs that ran, from their runs (newest first), for a server
/// without the job listing, in the listing's shape (`key`, `status`,
/// `lastRuns`), with `complete` (whether every run was read) and a note.
pub fn jobs_from_runs(
    runs: &[Value],
    data_product: Option<&str>,
    state: Option<&str>,
    complete: bool,
) -> Value {
    let mut jobs: BTreeMap<String, Value> = BTreeMap::new();
    for r in runs {
        let k = &r["jobKey"];
        if data_product.is_some_and(|dp| k["group"].as_str() != Some(dp.trim())) {
            continue;
        }
        let entry = jobs.entry(key(k)).or_insert_with(|| {
            json!({
                "key": k,
                "dataProduct": k["group"],
                "status": r["state"],
                "lastRuns": [],
            })
        });
        if let Some(last) = entry["lastRuns"].as_array_mut() {
            if last.len() < 10 {
                last.push(r.clone());
            }
        }
    }
    let jobs: Vec<Value> = jobs
        .into_values()
        .filter(|j| state.is_none_or(|s| j["status"].as_str() == Some(s.trim())))
        .collect();
    json!({
        "jobs": jobs,
        "complete": complete,
        "note": "the server has no job listing route (GET /v1/scheduler/jobs): these are the jobs that have runs",
    })
}

/// A list of jobs: the listing route's page, or [`jobs_from_runs`].
pub fn job_list(answer: &Value) -> String {
    let jobs = answer["jobs"].as_array().cloned().unwrap_or_default();
    let mut out = if jobs.is_empty() {
        "no jobs\n".to_string()
    } else {
        let rows: Vec<Vec<String>> = jobs
            .iter()
            .map(|j| {
                let last = &j["lastRuns"][0];
                let mut flags = Vec::new();
                for (field, word) in [
                    ("paused", "paused"),
                    ("failing", "failing"),
                    ("late", "late"),
                ] {
                    if j[field] == Value::Bool(true) {
                        flags.push(word);
                    }
                }
                let schedule = &j["schedule"];
                vec![
                    key(&j["key"]),
                    cell(&j["status"]),
                    instant(if last["nominalTime"].is_string() {
                        &last["nominalTime"]
                    } else {
                        &last["scheduledFireTime"]
                    }),
                    if schedule.is_object() {
                        format!(
                            "{} ({})",
                            cell(&schedule["cronExpression"]),
                            cell(&schedule["timeZone"])
                        )
                    } else {
                        "-".into()
                    },
                    instant(&j["nextFireTime"]),
                    if flags.is_empty() {
                        "-".into()
                    } else {
                        flags.join(",")
                    },
                ]
            })
            .collect();
        table(
            &[
                "JOB",
                "STATUS",
                "LAST RUN",
                "SCHEDULE",
                "NEXT FIRE",
                "FLAGS",
            ],
            &rows,
        )
    };
    if let Some(next) = answer["nextOffset"].as_u64() {
        out.push_str(&format!(
            "(more: {} jobs in all, next page at offset {next})\n",
            cell(&answer["total"])
        ));
    }
    if let Some(note) = answer["note"].as_str() {
        out.push_str(&format!("({})\n", clean(note)));
    }
    if answer["complete"] == Value::Bool(false) {
        out.push_str("(only the newest runs were read: older jobs may be missing)\n");
    }
    out
}

/// An accepted trigger or rerun.
pub fn accepted(a: &Value) -> String {
    let mut out = String::new();
    if let Some(run) = a["runId"].as_str() {
        out.push_str(&format!("run {}\n", clean(run)));
    }
    out.push_str(&message(a));
    out
}

/// An answer with a `message`.
pub fn message(a: &Value) -> String {
    match a["message"].as_str() {
        Some(m) => format!("{}\n", clean(m)),
        None => format!("{}\n", cell(a)),
    }
}

/// A backfill's fire times and runs.
pub fn backfill(a: &Value) -> String {
    let fires = a["fireTimes"].as_array().cloned().unwrap_or_default();
    let runs = a["runIds"].as_array().cloned().unwrap_or_default();
    let rows: Vec<Vec<String>> = fires
        .iter()
        .enumerate()
        .map(|(i, f)| {
            vec![
                instant(f),
                runs.get(i).map(cell).unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let mut out = if rows.is_empty() {
        "no fire times in the window\n".to_string()
    } else {
        table(&["FIRE TIME", "RUN"], &rows)
    };
    if let Some(m) = a["message"].as_str() {
        out.push_str(&format!("{}\n", clean(m)));
    }
    out
}

/// An explanation of a window.
pub fn explanation(e: &Value) -> String {
    let mut out = format!(
        "job {}  schedule {}  trigger {}\n",
        key(&e["jobKey"]),
        cell(&e["schedule"]),
        cell(&e["triggerState"])
    );
    let fires = e["fires"].as_array().cloned().unwrap_or_default();
    if fires.is_empty() {
        out.push_str("no fire times in the window\n");
    } else {
        let rows: Vec<Vec<String>> = fires
            .iter()
            .map(|f| {
                vec![
                    instant(&f["fireTime"]),
                    cell(&f["source"]),
                    cell(&f["verdict"]),
                    cell(&f["runId"]),
                    cell(&f["runState"]),
                    cell(&f["detail"]),
                ]
            })
            .collect();
        out.push_str(&table(
            &["FIRE TIME", "SOURCE", "VERDICT", "RUN", "STATE", "DETAIL"],
            &rows,
        ));
    }
    for n in e["notes"].as_array().into_iter().flatten() {
        out.push_str(&format!("note: {}\n", cell(n)));
    }
    out
}

/// A provisioning status.
pub fn provisioning(s: &Value) -> String {
    let mut out = format!("{}: {}\n", cell(&s["status"]), cell(&s["result"]));
    for log in s["logs"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "  {} {}\n",
            cell(&log["level"]),
            cell(&log["message"])
        ));
    }
    out
}

/// A log answer as JSON: the run, its state, where the log came from and
/// the text.
pub fn log_json(run_id: &str, a: &Answer) -> Value {
    let header = |n: &str| {
        a.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    json!({
        "runId": run_id,
        "state": header("x-run-state"),
        "source": header("x-log-source"),
        "truncated": header("x-log-truncated").map(|t| t == "true"),
        "text": a.text,
    })
}

/// What `now` (the log's latest tail) adds to `before` (the tail shown
/// last): the part after their overlap, or all of `now` after a marker
/// when they do not overlap (more was written between two reads than a
/// tail holds).
pub fn log_growth(before: &str, now: &str) -> String {
    if before.is_empty() {
        return now.to_string();
    }
    if let Some(rest) = now.strip_prefix(before) {
        return rest.to_string();
    }
    // The window slid: the longest end of `before` that starts `now`,
    // looked for where `now`'s first line (at most 64 bytes) is in `before`.
    let mut head_len = now.find('\n').map_or(now.len(), |i| i + 1).min(64);
    while !now.is_char_boundary(head_len) {
        head_len -= 1;
    }
    let head = &now[..head_len];
    if !head.is_empty() {
        for (at, _) in before.match_indices(head) {
            if now.starts_with(&before[at..]) {
                return now[before.len() - at..].to_string();
            }
        }
    }
    format!("[… earlier output skipped …]\n{now}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_cannot_drive_the_terminal() {
        assert_eq!(clean("a\u{1b}[2Jb\nc"), "a?[2Jb?c");
        assert_eq!(clean_log("x\u{1b}]0;t\u{7}\r\ny\tz\n"), "x?]0;t?\ny\tz\n");
        assert_eq!(clean("\u{202e}evil"), "?evil");
    }

    #[test]
    fn tables_pad_columns_and_cut_long_cells() {
        let t = table(
            &["A", "B"],
            &[
                vec!["long value".into(), "x".into()],
                vec!["z".repeat(120), "y".repeat(120)],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        let pad = " ".repeat(CELL_CHARS - 1);
        assert_eq!(lines[0], format!("A{pad}  B"));
        assert_eq!(lines[1], format!("long value{}  x", &pad[9..]));
        // The first column cut, the last one whole.
        let cut_cell = format!("{}…", "z".repeat(CELL_CHARS - 1));
        assert!(lines[2].starts_with(&format!("{cut_cell}  yyy")), "{t}");
        assert_eq!(lines[2].chars().count(), CELL_CHARS + 2 + 120, "{t}");
    }

    #[test]
    fn runs_show_their_queue_wait_start_up_and_duration() {
        let page = json!({"runs": [
            {"runId": "r1", "jobKey": {"group": "dp", "name": "j"}, "state": "SUCCEEDED",
             "nominalTime": "2030-01-01T00:00:00Z", "actualFireTime": "2030-01-01T00:00:01Z",
             "submittedAt": "2030-01-01T00:00:13Z", "runningAt": "2030-01-01T00:01:18Z",
             "endedAt": "2030-01-01T01:02:01Z", "applicationId": "application_1_1"},
            {"runId": "r0", "jobKey": {"group": "dp", "name": "j"}, "state": "FAILED",
             "nominalTime": "2029-12-31T00:00:00Z", "actualFireTime": "2029-12-31T00:00:01Z",
             "submittedAt": null, "runningAt": null,
             "endedAt": "2029-12-31T00:00:04Z", "applicationId": null},
        ]});
        let text = run_page(&page);
        let lines: Vec<Vec<&str>> = text
            .lines()
            .map(|l| {
                l.split("  ")
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .collect()
            })
            .collect();
        assert_eq!(
            lines[0],
            [
                "RUN",
                "JOB",
                "STATE",
                "NOMINAL TIME",
                "QUEUE WAIT",
                "START-UP",
                "DURATION",
                "APPLICATION"
            ]
        );
        assert_eq!(
            lines[1][4..],
            ["12s", "1m05s", "1h02m", "application_1_1"],
            "{text}"
        );
        // A run never submitted: no queue wait nor start-up.
        assert_eq!(lines[2][4..], ["-", "-", "3s", "-"], "{text}");
    }

    #[test]
    fn log_growth_prints_only_what_is_new() {
        assert_eq!(log_growth("", "a\nb\n"), "a\nb\n");
        assert_eq!(log_growth("a\nb\n", "a\nb\nc\n"), "c\n");
        assert_eq!(log_growth("a\nb\n", "a\nb\n"), "");
        // The tail's window slid past its start.
        assert_eq!(log_growth("1\n2\n3\n", "2\n3\n4\n"), "4\n");
        assert_eq!(
            log_growth("old\n", "new\n"),
            "[… earlier output skipped …]\nnew\n"
        );
    }

    #[test]
    fn jobs_are_gathered_from_runs_newest_first() {
        let run = |g: &str, n: &str, state: &str| json!({"runId": format!("{n}-{state}"), "jobKey": {"group": g, "name": n}, "state": state});
        let runs = [
            run("dp:a", "j1", "FAILED"),
            run("dp:b", "j2", "SUCCEEDED"),
            run("dp:a", "j1", "SUCCEEDED"),
        ];
        let all = jobs_from_runs(&runs, None, None, true);
        assert_eq!(all["jobs"].as_array().map(Vec::len), Some(2));
        assert_eq!(all["jobs"][0]["status"], "FAILED");
        assert_eq!(all["jobs"][0]["lastRuns"].as_array().map(Vec::len), Some(2));
        let failed = jobs_from_runs(&runs, None, Some("FAILED"), true);
        assert_eq!(failed["jobs"].as_array().map(Vec::len), Some(1));
        assert_eq!(failed["jobs"][0]["key"]["name"], "j1");
        let one = jobs_from_runs(&runs, Some("dp:b"), None, false);
        assert_eq!(one["jobs"].as_array().map(Vec::len), Some(1));
        let text = job_list(&one);
        assert!(
            text.contains("dp:b/j2") && text.contains("SUCCEEDED"),
            "{text}"
        );
        assert!(text.contains("older jobs may be missing"), "{text}");
    }
}
