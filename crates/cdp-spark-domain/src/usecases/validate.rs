use std::time::Instant;

use tracing::{info, warn};

use super::artifacts::check_artifacts;
use super::errors::{fs_system_error, UseCaseError};
use super::jobs::scheduled_trigger;
use super::steps::{Steps, PHASE_VALIDATE};
use super::{Provisioner, Validator};
use crate::api::{ProvisioningRequest, SystemError, ValidationResult};
use crate::descriptor::{parse_request, ComponentDescriptor};
use crate::issues::{messages, Issues};
use crate::jar::ReadBudget;

/// A request that passed every rule.
#[derive(Debug, Clone)]
pub struct Validated {
    pub descriptor: ComponentDescriptor,
    /// What was checked, for `ProvisioningStatus.logs`.
    pub steps: Steps,
}

impl Validator {
    /// Descriptor rules only (no filesystem): what unprovision checks.
    pub fn check_descriptor(
        &self,
        request: &ProvisioningRequest,
    ) -> Result<ComponentDescriptor, Issues> {
        parse_request(
            request.descriptor_kind,
            &request.descriptor,
            &self.settings.descriptor,
        )
    }

    /// Every rule: the descriptor's, the schedule's against the current
    /// time, then the jar and its dependencies through `HdfsPort`.
    pub async fn validate_request(
        &self,
        request: &ProvisioningRequest,
    ) -> Result<Validated, UseCaseError> {
        let descriptor = self
            .check_descriptor(request)
            .map_err(UseCaseError::Invalid)?;
        self.validate_descriptor(descriptor).await
    }

    /// The rules after the descriptor's own, for a descriptor that passed
    /// [`Self::check_descriptor`]: the schedule's against the current time,
    /// then the jar and its dependencies through `HdfsPort`.
    pub async fn validate_descriptor(
        &self,
        descriptor: ComponentDescriptor,
    ) -> Result<Validated, UseCaseError> {
        let mut steps = Steps::new(self.clock.clone());
        for warning in messages(&descriptor.warnings) {
            steps.warn(PHASE_VALIDATE, warning);
        }
        let w = &descriptor.component.specific;
        steps.info(
            PHASE_VALIDATE,
            format!(
                "descriptor checked: component {}, job {}",
                descriptor.component.id,
                w.job_name.as_str()
            ),
        );
        let mut issues = Issues::new();
        if let Err(issue) = scheduled_trigger(&descriptor, self.clock.now()) {
            issues.push(issue);
        }
        match &w.job_config.schedule {
            Some(s) => steps.info(
                PHASE_VALIDATE,
                format!(
                    "schedule checked: {} in time zone {}",
                    s.cron.as_str(),
                    s.time_zone.name()
                ),
            ),
            None => steps.info(
                PHASE_VALIDATE,
                "no schedule: the job runs only when triggered manually",
            ),
        }
        let started = Instant::now();
        // At most `artifacts.max_concurrent_checks` validations read jars at
        // once, each within its own read budget: what validation can hold
        // in memory and ask of the filesystems is bounded.
        let permit = self.artifact_checks.enter().await;
        let waited_ms = started.elapsed().as_millis() as u64;
        let budget = ReadBudget::new(self.settings.artifacts.max_read_bytes);
        let checked = check_artifacts(self.fs.as_ref(), &descriptor, &budget).await;
        drop(permit);
        let (artifact_issues, jar_bytes) = checked.map_err(|e| {
            warn!(component = %descriptor.component.id, error = %e, "artifact check failed");
            UseCaseError::System(fs_system_error(&e))
        })?;
        if artifact_issues.is_empty() {
            let w = &descriptor.component.specific;
            steps.info(
                PHASE_VALIDATE,
                format!(
                    "jar found: {} ({} bytes); main class {} found with public static void main(String[])",
                    crate::redact::text(w.jar.as_str()),
                    jar_bytes.unwrap_or(0),
                    w.class_name.as_str()
                ),
            );
            let deps = w.job_config.dependencies.len();
            steps.info(
                PHASE_VALIDATE,
                match deps {
                    0 => "dependencies checked: none declared".to_string(),
                    1 => "dependencies checked: the 1 declared jar was found".to_string(),
                    n => format!("dependencies checked: all {n} declared jars were found"),
                },
            );
        }
        info!(
            component = %descriptor.component.id,
            jar = %descriptor.component.specific.jar,
            elapsed_ms = started.elapsed().as_millis() as u64,
            waited_ms,
            bytes_read = budget.used(),
            problems = artifact_issues.len(),
            "checked jar and dependencies"
        );
        issues.extend(artifact_issues);
        issues.add_warnings(descriptor.warnings.iter().cloned());
        issues
            .into_result(descriptor)
            .map(|descriptor| Validated { descriptor, steps })
            .map_err(UseCaseError::Invalid)
    }

    /// `POST /v1/validate`: a `ValidationResult`, valid or with every
    /// problem; `Err` only for faults of ours or of a dependency.
    pub async fn validate(
        &self,
        request: &ProvisioningRequest,
    ) -> Result<ValidationResult, SystemError> {
        let started = Instant::now();
        let outcome = self.validate_request(request).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match outcome {
            Ok(v) => {
                info!(component = %v.descriptor.component.id, elapsed_ms, warnings = v.descriptor.warnings.len(), "validate: valid");
                Ok(ValidationResult::valid().with_warnings(messages(&v.descriptor.warnings)))
            }
            Err(UseCaseError::Invalid(issues)) => {
                info!(elapsed_ms, problems = issues.len(), first = %issues.iter().next().map(|i| i.to_string()).unwrap_or_default(), "validate: invalid");
                Ok(issues.to_validation_result())
            }
            Err(UseCaseError::System(e)) => Err(e),
            Err(UseCaseError::NotFound(m)) => Err(SystemError::new(m.clone(), m)),
        }
    }
}

impl Provisioner {
    /// See [`Validator::check_descriptor`].
    pub fn check_descriptor(
        &self,
        request: &ProvisioningRequest,
    ) -> Result<ComponentDescriptor, Issues> {
        self.validator.check_descriptor(request)
    }

    /// See [`Validator::validate_request`].
    pub async fn validate_request(
        &self,
        request: &ProvisioningRequest,
    ) -> Result<Validated, UseCaseError> {
        self.validator.validate_request(request).await
    }

    /// See [`Validator::validate_descriptor`].
    pub async fn validate_descriptor(
        &self,
        descriptor: ComponentDescriptor,
    ) -> Result<Validated, UseCaseError> {
        self.validator.validate_descriptor(descriptor).await
    }

    /// See [`Validator::validate`].
    pub async fn validate(
        &self,
        request: &ProvisioningRequest,
    ) -> Result<ValidationResult, SystemError> {
        self.validator.validate(request).await
    }
}
