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
        Command::Jobs(args) => Ok(commands::jobs::run(args)),
        Command::Serve(args) => commands::serve::run(args, cli.log_format, cli.verbose),
        Command::Bench {
            command: BenchCommand::Scheduler(args),
        } => commands::bench::scheduler(args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(commands::EXIT_USAGE_OR_IO)
        }
    }
}
