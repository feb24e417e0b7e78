//! `migrate-from-quartz`: read the old Scala provisioner's Quartz tables
//! (read only), list each job with the domain's plan (`migration::plan`:
//! what it was, what changes, why it cannot migrate) and, with `--apply`,
//! write the jobs that can into this provisioner's store. Wiring and
//! rendering only.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{bail, Context};
use cdp_spark_domain::descriptor::ConfPolicy;
use cdp_spark_domain::migration::{self, JobPlan, Verdict};
use cdp_spark_domain::model::JobKey;
use cdp_spark_domain::ports::JobStorePort;
use cdp_spark_jobstore::legacy::{read_legacy_jobs, LegacyRead, MAX_JOBS};
use cdp_spark_jobstore::{redact_password, DieselJobStore, StoreConfig, JOB_CLASS_NAME};
use serde::Serialize;

use super::jobs_render::clean;
use crate::cli::{MigrateFromQuartzArgs, OutputFormat};

/// Exit code when some jobs cannot migrate.
pub const EXIT_SOME_REFUSED: u8 = 3;

/// What `--apply` did with one job.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Applied {
    key: JobKey,
    new_key: JobKey,
    /// `WRITTEN`, `UNCHANGED` (already in the store) or `FAILED`.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    sched_name: Option<&'a str>,
    truncated: bool,
    jobs: &'a [JobPlan],
    #[serde(skip_serializing_if = "Option::is_none")]
    applied: Option<&'a [Applied]>,
}

/// `GROUP/NAME=ID` options by job key.
fn components(options: &[String]) -> anyhow::Result<BTreeMap<JobKey, String>> {
    let mut out = BTreeMap::new();
    for o in options {
        let Some((key, id)) = o.rsplit_once('=') else {
            bail!("--component '{o}' is not GROUP/NAME=COMPONENT_ID");
        };
        let Some((group, name)) = key.rsplit_once('/') else {
            bail!("--component '{o}': the job is GROUP/NAME");
        };
        if out
            .insert(JobKey::new(group, name), id.trim().to_string())
            .is_some()
        {
            bail!("--component names job {group}/{name} twice");
        }
    }
    Ok(out)
}

pub fn run(args: MigrateFromQuartzArgs) -> anyhow::Result<ExitCode> {
    let ids = components(&args.components)?;
    // The built-in deny-list: the operator's own patterns live in the
    // server's configuration, which this command does not read.
    let policy = ConfPolicy::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let source = redact_password(&args.from);
    let read: LegacyRead = runtime
        .block_on(read_legacy_jobs(
            &args.from,
            &args.table_prefix,
            args.sched_name.as_deref(),
        ))
        .with_context(|| format!("reading the old Quartz tables of {source}"))?;
    let plans: Vec<JobPlan> = read
        .jobs
        .iter()
        .map(|j| {
            let id = ids.get(&j.key).map(String::as_str);
            migration::plan(j, id, JOB_CLASS_NAME, &policy)
        })
        .collect();
    for key in ids.keys() {
        if !read.jobs.iter().any(|j| &j.key == key) {
            bail!(
                "--component names {}/{}, which is not a job of the old tables",
                key.group,
                key.name
            );
        }
    }
    let applied = if args.apply {
        let mut config = match &args.database_url {
            Some(url) => StoreConfig::with_url(url.clone()),
            None => StoreConfig::sqlite_in(&args.data_dir),
        };
        config.data_dir = args.data_dir.clone();
        config.table_prefix = args.store_table_prefix.clone();
        if args.database_url.as_deref() == Some(args.from.as_str())
            && config.table_prefix == args.table_prefix
            && read.sched_name.as_deref() == Some(config.sched_name.as_str())
        {
            bail!(
                "the old jobs and this store are the same tables of the same scheduler ({}); \
                 write into another database, table prefix or scheduler name",
                config.sched_name
            );
        }
        Some(runtime.block_on(apply(config, &plans))?)
    } else {
        None
    };
    let report = Report {
        sched_name: read.sched_name.as_deref(),
        truncated: read.truncated,
        jobs: &plans,
        applied: applied.as_deref(),
    };
    match args.output {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).context("encoding the report")?
        ),
        OutputFormat::Table => print!("{}", render(&report, &source)),
    }
    if applied
        .as_ref()
        .is_some_and(|a| a.iter().any(|x| x.outcome == "FAILED"))
    {
        return Ok(ExitCode::from(super::EXIT_USAGE_OR_IO));
    }
    Ok(if migration::all_can_migrate(&plans) && !read.truncated {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_SOME_REFUSED)
    })
}

/// Writes each `Ready` job (and its trigger) in its own transaction,
/// unless the store has a job of that key already: that one is left as it
/// is (a second run changes nothing, and a job this provisioner already
/// runs keeps its own next fire time).
async fn apply(config: StoreConfig, plans: &[JobPlan]) -> anyhow::Result<Vec<Applied>> {
    let store = DieselJobStore::open(config)
        .await
        .context("opening this provisioner's store")?;
    let mut out = Vec::new();
    for p in plans {
        let (Some(job), Some(new_key)) = (&p.job, &p.new_key) else {
            continue;
        };
        let result = match store.get_job(new_key).await {
            Ok(Some(_)) => Ok("UNCHANGED"),
            Ok(None) => store
                .replace_job(job, p.trigger.clone())
                .await
                .map(|_| "WRITTEN"),
            Err(e) => Err(e),
        };
        out.push(match result {
            Ok(outcome) => Applied {
                key: p.key.clone(),
                new_key: new_key.clone(),
                outcome,
                error: None,
            },
            Err(e) => Applied {
                key: p.key.clone(),
                new_key: new_key.clone(),
                outcome: "FAILED",
                error: Some(e.to_string()),
            },
        });
    }
    Ok(out)
}

fn render(r: &Report<'_>, source: &str) -> String {
    let mut s = String::new();
    // Everything shown comes from the old rows: each line's control
    // characters (a newline inside a value too) replaced.
    let line = |s: &mut String, text: String| {
        s.push_str(&clean(&text));
        s.push('\n');
    };
    let sched = r.sched_name.unwrap_or("-");
    line(
        &mut s,
        format!("Old Quartz jobs in {source} (scheduler {sched}):"),
    );
    for p in r.jobs {
        let verdict = match p.verdict {
            Verdict::Ready => "READY",
            Verdict::AlreadyMigrated => "ALREADY MIGRATED",
            Verdict::Refused => "CANNOT MIGRATE",
        };
        s.push('\n');
        line(&mut s, format!("{}/{}  {verdict}", p.key.group, p.key.name));
        if let Some(k) = &p.new_key {
            line(&mut s, format!("  becomes:    {}/{}", k.group, k.name));
        }
        let w = &p.was;
        line(&mut s, format!("  class:      {}", w.job_class));
        line(
            &mut s,
            format!("  jar:        {}", w.jar.as_deref().unwrap_or("-")),
        );
        line(
            &mut s,
            format!("  main class: {}", w.main_class.as_deref().unwrap_or("-")),
        );
        line(&mut s, format!("  args:       {:?}", w.args));
        line(&mut s, format!("  conf:       {:?}", w.conf));
        for (k, v) in &w.other {
            line(&mut s, format!("  {k}: {v}"));
        }
        for t in &w.triggers {
            match &t.unreadable {
                Some(e) => {
                    line(&mut s, format!("  trigger:    unreadable: {e}"));
                }
                None => {
                    let at = |d: &Option<chrono::DateTime<chrono::Utc>>| {
                        d.map_or("-".to_string(), |d| d.to_rfc3339())
                    };
                    line(
                        &mut s,
                        format!(
                        "  trigger:    {} {} zone {} start {} end {} next {} state {} misfire {}",
                        t.key,
                        t.cron.as_deref().map_or("once".into(), |c| format!("cron '{c}'")),
                        t.time_zone.as_deref().unwrap_or("-"),
                        at(&t.start),
                        at(&t.end),
                        at(&t.next_fire_time),
                        t.state.as_deref().unwrap_or("-"),
                        t.misfire_instruction.map_or("-".into(), |m| m.to_string()),
                    ),
                    );
                }
            }
        }
        for c in &p.changes {
            line(&mut s, format!("  change:     {c}"));
        }
        for c in &p.problems {
            line(&mut s, format!("  PROBLEM:    {c}"));
        }
    }
    let count = |v: Verdict| r.jobs.iter().filter(|p| p.verdict == v).count();
    s.push('\n');
    line(
        &mut s,
        format!(
            "{} jobs: {} ready, {} already migrated, {} cannot migrate",
            r.jobs.len(),
            count(Verdict::Ready),
            count(Verdict::AlreadyMigrated),
            count(Verdict::Refused)
        ),
    );
    if r.truncated {
        line(&mut s, format!("only the first {MAX_JOBS} jobs were read"));
    }
    match r.applied {
        None => {
            line(
                &mut s,
                "dry run: nothing was written (--apply writes the ready jobs)".to_string(),
            );
        }
        Some(applied) => {
            for a in applied {
                line(
                    &mut s,
                    format!(
                        "{} {}/{} -> {}/{}{}",
                        a.outcome,
                        a.key.group,
                        a.key.name,
                        a.new_key.group,
                        a.new_key.name,
                        a.error
                            .as_deref()
                            .map_or(String::new(), |e| format!(": {e}"))
                    ),
                );
            }
        }
    }
    s
}
