//! `info.publicInfo` (rendered by the Witboost marketplace) and
//! `info.privateInfo` (stored in the deployed descriptor) of a provision.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::NEXT_FIRE_TIMES_SHOWN;
use crate::api::Info;
use crate::descriptor::ComponentDescriptor;
use crate::model::{JobDefinition, TriggerDefinition};

// Witboost's marketplace renders a `publicInfo` entry shaped
// `{type: "string", label, value}`; with `href` the value is a link.

fn string_entry(label: &str, value: impl Into<String>) -> Value {
    json!({"type": "string", "label": label, "value": value.into()})
}

fn link_entry(label: &str, value: impl Into<String>, href: impl Into<String>) -> Value {
    json!({"type": "string", "label": label, "value": value.into(), "href": href.into()})
}

/// Percent-encode a path segment (RFC 3986 unreserved characters kept).
fn encode_segment(s: &str) -> String {
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

/// The `Info` of a completed provision. `base_url` is the provisioner's
/// public address; when given, links to the job status API are added.
pub fn provisioning_info(
    descriptor: &ComponentDescriptor,
    job: &JobDefinition,
    trigger: Option<&TriggerDefinition>,
    now: DateTime<Utc>,
    base_url: Option<&str>,
) -> Info {
    let mut public = Map::new();
    let mut private = Map::new();
    let w = &descriptor.component.specific;
    public.insert(
        "jobName".into(),
        string_entry("Job name", w.job_name.as_str()),
    );
    public.insert(
        "queue".into(),
        string_entry(
            "YARN queue",
            w.queue
                .as_ref()
                .map(|q| q.to_string())
                .unwrap_or_else(|| "default".into()),
        ),
    );
    public.insert(
        "className".into(),
        string_entry("Main class", w.class_name.as_str()),
    );
    public.insert(
        "jar".into(),
        string_entry("Jar", crate::redact::text(w.jar.as_str())),
    );
    match &w.job_config.schedule {
        Some(schedule) => {
            public.insert(
                "schedule".into(),
                string_entry(
                    "Schedule",
                    format!(
                        "{} ({}), time zone {}",
                        schedule.cron.as_str(),
                        schedule.cron.describe(),
                        schedule.time_zone.name()
                    ),
                ),
            );
            let from = trigger
                .and_then(|t| t.next_fire_time)
                .map(|n| n - chrono::Duration::seconds(1))
                .unwrap_or(now);
            let next: Vec<String> = schedule
                .cron
                .next_times(from, schedule.time_zone, NEXT_FIRE_TIMES_SHOWN)
                .into_iter()
                .filter(|t| schedule.end_date.is_none_or(|end| *t <= end))
                .map(|t| {
                    t.with_timezone(&schedule.time_zone.offset_at(t))
                        .to_rfc3339()
                })
                .collect();
            public.insert(
                "nextRuns".into(),
                string_entry(
                    "Next runs",
                    if next.is_empty() {
                        "none".to_string()
                    } else {
                        next.join(", ")
                    },
                ),
            );
        }
        None => {
            public.insert(
                "schedule".into(),
                string_entry(
                    "Schedule",
                    "none: the job runs only when triggered manually",
                ),
            );
        }
    }
    if let Some(base) = base_url {
        let base = base.trim_end_matches('/');
        let key_path = format!(
            "{}/{}",
            encode_segment(&job.key.group),
            encode_segment(&job.key.name)
        );
        public.insert(
            "jobStatus".into(),
            link_entry(
                "Job status",
                job.key.name.clone(),
                format!("{base}/v1/scheduler/jobs/{key_path}"),
            ),
        );
        public.insert(
            "console".into(),
            link_entry(
                "Console",
                format!("{} in the provisioner's console", job.key.name),
                format!("{base}/ui/jobs/{key_path}"),
            ),
        );
        if let Some(t) = trigger {
            let href = format!(
                "{base}/v1/scheduler/triggers/{}/{}",
                encode_segment(&t.key.group),
                encode_segment(&t.key.name)
            );
            public.insert(
                "triggerStatus".into(),
                link_entry("Trigger", t.key.name.clone(), href),
            );
        }
    }

    private.insert("jobGroup".into(), Value::String(job.key.group.clone()));
    private.insert("jobName".into(), Value::String(job.key.name.clone()));
    if let Some(t) = trigger {
        private.insert("triggerGroup".into(), Value::String(t.key.group.clone()));
        private.insert("triggerName".into(), Value::String(t.key.name.clone()));
    }
    private.insert(
        "componentId".into(),
        Value::String(descriptor.component.id.clone()),
    );
    Info {
        public_info: public,
        private_info: private,
    }
}
