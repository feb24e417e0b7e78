//! `validate`: the offline validation of a descriptor file, exactly as
//! `POST /v1/validate` would answer it.

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{anyhow, Context};
use cdp_spark_domain::api::{DescriptorKind, ProvisioningRequest};
use cdp_spark_domain::usecases::{UseCaseSettings, Validator};

use super::EXIT_USAGE_OR_IO;
use crate::cli::ValidateArgs;
use crate::config::{Overrides, Settings};

pub fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let text = if args.descriptor.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the descriptor from standard input")?;
        s
    } else {
        std::fs::read_to_string(&args.descriptor)
            .with_context(|| format!("reading the descriptor {}", args.descriptor.display()))?
    };
    let kind: DescriptorKind = serde_json::from_value(serde_json::Value::String(args.kind.clone()))
        .map_err(|_| {
            anyhow!(
                "--kind: '{}' is not a descriptor kind (COMPONENT_DESCRIPTOR, DATAPRODUCT_DESCRIPTOR, DATAPRODUCT_DESCRIPTOR_WITH_RESULTS)",
                args.kind
            )
        })?;
    let settings = Settings::load(&Overrides {
        config_file: args.config.clone(),
        ..Overrides::default()
    })?;
    let mut descriptor = settings.descriptor.to_domain();
    if !args.accepted_templates.is_empty() {
        descriptor.accepted_use_case_templates = args.accepted_templates.clone();
    }
    let fs = settings.artifact_fs()?;
    // Validation needs no job store: offline, only the filesystems.
    let validator = Validator::new(
        Arc::new(fs),
        UseCaseSettings {
            descriptor,
            public_base_url: None,
            artifacts: settings.artifacts.to_domain(),
            ..UseCaseSettings::default()
        },
    );
    let request = ProvisioningRequest {
        descriptor_kind: kind,
        descriptor: text,
        remove_data: false,
        latest_enriched_descriptor: None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match runtime.block_on(validator.validate(&request)) {
        Ok(result) => {
            println!("{}", serde_json::to_string_pretty(&result)?);
            // The warnings are in the JSON too; on stderr for a reader.
            for w in &result.warnings {
                eprintln!("warning: {w}");
            }
            Ok(if result.valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Err(system_error) => {
            // What the API would answer with a 500.
            println!("{}", serde_json::to_string_pretty(&system_error)?);
            if let Some(m) = &system_error.user_message {
                eprintln!("error: {m}");
            }
            Ok(ExitCode::from(EXIT_USAGE_OR_IO))
        }
    }
}
