//! `cron next`: fire times of a Quartz expression, or a batch of them in
//! the oracle's format.

use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use cdp_spark_domain::cron::{batch, CronExpression, JavaTimeZone};
use chrono::{DateTime, Utc};

use super::EXIT_USAGE_OR_IO;
use crate::cli::CronNextArgs;

pub fn next(args: CronNextArgs) -> anyhow::Result<ExitCode> {
    if args.batch {
        return run_batch();
    }
    let text = args
        .expression
        .ok_or_else(|| anyhow!("an expression is required unless --batch is given"))?;
    let tz = JavaTimeZone::parse(&args.tz).map_err(|e| {
        anyhow!(
            "--tz: '{}' is {e} (e.g. UTC, Europe/Rome, GMT+05:30)",
            args.tz
        )
    })?;
    let after = match &args.after {
        Some(a) => DateTime::parse_from_rfc3339(a)
            .with_context(|| {
                format!("--after: '{a}' is not an RFC 3339 instant (e.g. 2026-01-01T00:00:00Z)")
            })?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let expression = match CronExpression::parse(&text) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("invalid cron expression '{text}': {e}");
            return Ok(ExitCode::from(EXIT_USAGE_OR_IO));
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for t in expression.next_times(after, tz, args.count) {
        writeln!(out, "{}", t.format("%Y-%m-%dT%H:%M:%SZ"))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Answer `EXPR<TAB>FROM<TAB>TZ<TAB>COUNT` lines; a malformed line is
/// reported on stderr with its number, and the exit code is then 2.
fn run_batch() -> anyhow::Result<ExitCode> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut bad = 0usize;
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.context("reading standard input")?;
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        match batch::answer_line(line) {
            Ok(result) => writeln!(out, "{line}\t{result}")?,
            Err(e) => {
                bad += 1;
                eprintln!("line {}: {e}", n + 1);
            }
        }
    }
    out.flush()?;
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_USAGE_OR_IO)
    })
}
