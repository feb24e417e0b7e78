//! The Quartz job a descriptor becomes.

use crate::model::{JobDefinition, JobKey, RunPolicy, SparkJobSpec};

use super::types::{ComponentDescriptor, ConcurrencyPolicy};

impl ComponentDescriptor {
    /// The Quartz job of this descriptor: key (data product id, `jobName`)
    /// and the Spark application to launch, every value as the descriptor
    /// rules parsed it (the spec holds the parsed types, not their text).
    pub fn job_definition(&self) -> JobDefinition {
        let w = &self.component.specific;
        let c = &w.job_config;
        JobDefinition {
            key: JobKey::new(self.data_product.id.clone(), w.job_name.as_str()),
            component_id: self.component.id.clone(),
            description: self
                .component
                .description
                .clone()
                .or_else(|| self.component.name.clone()),
            spec: SparkJobSpec {
                jar: w.jar.clone(),
                class_name: w.class_name.clone(),
                queue: w.queue.clone(),
                args: c.args.clone(),
                dependencies: c.dependencies.clone(),
                driver_cores: c.driver_cores,
                driver_memory: c.driver_memory.clone(),
                executor_cores: c.executor_cores,
                executor_memory: c.executor_memory.clone(),
                num_executors: c.num_executors,
                log_level: c.log_level,
                conf: c.conf.clone(),
            },
            non_concurrent: c
                .schedule
                .as_ref()
                .is_none_or(|s| s.concurrency_policy != ConcurrencyPolicy::Allow),
            run_policy: RunPolicy {
                max_duration: c.max_duration,
                ..c.schedule
                    .as_ref()
                    .map(|s| RunPolicy {
                        concurrency: s.concurrency_policy,
                        retries: s.retries,
                        retry_delay_secs: s.retry_delay.map(|d| d.as_secs()).unwrap_or(0),
                        max_duration: None,
                        deadline_secs: s.deadline.map(|d| d.as_secs()),
                    })
                    .unwrap_or_default()
            },
        }
    }
}
