//! Validations through the domain's use case on local files: the
//! descriptor fixture with its jar, class and dependencies replaced, and a
//! provisioner whose job store must not be touched. Include with
//! `#[path = "support/validation.rs"] mod validation;`.
#![allow(dead_code)]

use std::sync::Arc;

use cdp_spark_domain::api::{DescriptorKind, ProvisioningRequest, ValidationResult};
use cdp_spark_domain::ports::{HdfsPort, MockJobStorePort};
use cdp_spark_domain::usecases::{Provisioner, UseCaseSettings};

use cdp_spark_testkit::fixtures;

/// The descriptor fixture's component, as the field paths name it.
pub const COMPONENT: &str = "dataProduct.components[1]";
/// The fixture's main class.
pub const FIXTURE_CLASS: &str = "com.acme.finance.cashflow.DailyAggregation";

pub fn provisioner(fs: Arc<dyn HdfsPort>, settings: UseCaseSettings) -> Provisioner {
    Provisioner::new(fs, Arc::new(MockJobStorePort::new()), settings)
}

/// The fixture with its jar, class and dependencies replaced.
pub fn request(jar: &str, class: &str, dependencies: &[&str]) -> ProvisioningRequest {
    let mut deps = String::new();
    if !dependencies.is_empty() {
        deps.push_str("          dependencies:\n");
        for d in dependencies {
            deps.push_str(&format!("            - \"{d}\"\n"));
        }
    }
    let text = fixtures::read(fixtures::SCHEDULED_DESCRIPTOR)
        .replace(
            "hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar",
            &format!("\"{jar}\""),
        )
        .replace(FIXTURE_CLASS, class)
        .replace(
            "          dependencies:\n            - hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar\n",
            &deps,
        );
    assert!(
        !text.contains("nameservice1"),
        "the descriptor fixture changed shape"
    );
    ProvisioningRequest {
        descriptor_kind: DescriptorKind::ComponentDescriptor,
        descriptor: text,
        remove_data: false,
        latest_enriched_descriptor: None,
    }
}

/// The problems of an invalid result, `field: problem` each.
pub fn problems(result: &ValidationResult) -> Vec<String> {
    result
        .error
        .as_ref()
        .map(|e| e.errors.clone())
        .unwrap_or_default()
}

/// The one problem on `field` (relative to the component), failing the test
/// when there is not exactly one.
pub fn problem_on(result: &ValidationResult, field: &str) -> String {
    let prefix = format!("{COMPONENT}.{field}:");
    let on: Vec<String> = problems(result)
        .into_iter()
        .filter(|p| p.starts_with(&prefix))
        .collect();
    assert_eq!(on.len(), 1, "one problem on {field}: {result:?}");
    on[0].clone()
}
