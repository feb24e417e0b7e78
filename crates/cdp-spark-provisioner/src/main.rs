//! `cdp-spark-provisioner`: the CDP Spark specific provisioner's binary.
//! This crate only wires the domain's use cases to adapters and speaks
//! CLI and HTTP (`serve`); it holds no business rules.

mod cli;
mod commands;
mod config;
mod http;
mod logging;
mod memory;
mod runtime;
mod signals;

use std::process::ExitCode;

use clap::Parser;

use cli::{BenchCommand, Cli, Command, CronCommand};

fn main() -> ExitCode {
    memory::apply();
    signals::apply();
    let cli = Cli::parse();
    // `serve` sets up its logs from its configuration.
    if !matches!(cli.command, Command::Serve(_)) {
        logging::init(cli.log_format, cli.verbose);
    }
    let outcome = match cli.command {
        Command::Validate(args) => commands::validate::run(args),
        Command::Cron {
            command: CronCommand::Next(args),
        } => commands::cron::next(args),
        Command::Migrate(args) => commands::migrate::run(args),
        Command::MigrateFromQuartz(args) => commands::migrate_quartz::run(args),
        Command::Jobs(args) => Ok(commands::jobs::run(args)),
        Command::Serve(args) => commands::serve::run(args, cli.log_format, cli.verbose),
        Command::Bench {
            command: BenchCommand::Scheduler(args),
        } => commands::bench::scheduler(args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", said(&e));
            ExitCode::from(commands::EXIT_USAGE_OR_IO)
        }
    }
}

/// The error and its causes, `: `-separated, down to the first cause whose
/// text the message already holds: a port error says its cause in its own
/// text, and the library error kept below it (unredacted) is not printed.
fn said(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let line = cause.to_string();
        if !text.is_empty() {
            if text.contains(&line) {
                break;
            }
            text.push_str(": ");
        }
        text.push_str(&line);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::said;
    use anyhow::Context;
    use cdp_spark_domain::ports::{Cause, StoreError};

    #[test]
    fn the_chain_stops_at_a_cause_the_message_already_said() {
        let raw = std::io::Error::other("mysql://user:secret@db refused");
        let store = StoreError::Unavailable(Cause::with_source("cannot connect to db", raw));
        let e = Err::<(), _>(store)
            .context("migrating the job store")
            .unwrap_err();
        assert_eq!(
            said(&e),
            "migrating the job store: the job store is unavailable: cannot connect to db"
        );
        let io = Err::<(), _>(std::io::Error::other("disk full"))
            .context("writing")
            .unwrap_err();
        assert_eq!(said(&io), "writing: disk full");
    }
}
