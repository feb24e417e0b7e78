//! Parameters of one run: the `args` and `conf` a manual run (the body of
//! `POST …/jobs/{group}/{name}/trigger`), its reruns and a backfill use
//! instead of the job's. They are untrusted input: checked here by the
//! rules the descriptor's `jobConfig.args`/`conf` follow (no NUL, `spark.*`
//! keys without whitespace or `=`, the operator's conf policy, and the size
//! the job store holds), each problem naming the body's field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::descriptor::ConfPolicy;
use crate::issues::Issues;
use crate::model::{RunRecord, SparkJobSpec, MAX_JOB_DATA_BYTES};

/// Bytes the parameters take at most as stored (their JSON text): the
/// bound of a job's whole `JOB_DATA`, so that parameters never hold more
/// than a descriptor may.
pub const MAX_PARAMETERS_BYTES: usize = MAX_JOB_DATA_BYTES;

/// Characters of a key or value quoted in a problem.
const SHOWN: usize = 120;

/// `args` and `conf` overriding the job's for one run; a `None` part keeps
/// the job's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunParameters {
    /// The application's arguments, each passed as one argv element
    /// (never through a shell); replaces the job's `args`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    /// Spark properties (`spark.*`); replaces the job's `conf` whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conf: Option<BTreeMap<String, String>>,
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= SHOWN {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(SHOWN).collect();
        s.push('…');
        s
    }
}

impl RunParameters {
    /// Whether neither part is given (the job's own parameters).
    pub fn is_empty(&self) -> bool {
        self.args.is_none() && self.conf.is_none()
    }

    /// The parameters as they may be shown: secrets in args and conf
    /// redacted as the job's are.
    pub fn redacted(self, redactor: &crate::redact::Redactor) -> Self {
        Self {
            args: self.args.map(|a| redactor.args(&a)),
            conf: self.conf.map(|c| redactor.conf(&c)),
        }
    }

    /// The JSON text the job store keeps.
    pub fn to_stored(&self) -> String {
        crate::model::job_data::json_text(self)
    }

    /// The parameters from their stored JSON text.
    pub fn from_stored(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("unreadable run parameters: {e}"))
    }

    /// The rules of `jobConfig.args`/`conf`, with `policy` on conf keys;
    /// every problem names its field (`args[2]`, `conf.spark.x`).
    pub fn check(&self, policy: &ConfPolicy) -> Result<(), Issues> {
        let mut issues = Issues::new();
        for (i, arg) in self.args.iter().flatten().enumerate() {
            if arg.contains('\0') {
                issues.add(
                    format!("args[{i}]"),
                    "contains a NUL character, which cannot be passed as a program argument",
                    "remove the NUL character",
                );
            }
            if let Err(e) = crate::placeholders::check(arg) {
                issues.add(format!("args[{i}]"), e.problem, e.hint);
            }
        }
        for (key, value) in self.conf.iter().flatten() {
            let field = format!("conf.{}", shorten(key));
            match key.strip_prefix("spark.") {
                None | Some("") => issues.add(
                    &field,
                    format!("'{}' is not a Spark property: keys must start with 'spark.'", shorten(key)),
                    "put only Spark properties (spark.*) in conf; pass other settings as args",
                ),
                Some(_)
                    if key
                        .chars()
                        .any(|c| c.is_whitespace() || c.is_control() || c == '=') =>
                {
                    issues.add(
                        &field,
                        "the key contains whitespace, a control character or '='",
                        "write the property name as Spark documents it, e.g. spark.sql.shuffle.partitions",
                    )
                }
                Some(_) => {
                    if let Err(refusal) = policy.judge(key) {
                        issues.add(&field, refusal.problem, refusal.hint);
                    }
                }
            }
            if value.contains('\0') {
                issues.add(
                    &field,
                    "the value contains a NUL character, which cannot be passed to spark-submit",
                    "remove the NUL character",
                );
            }
            if let Err(e) = crate::placeholders::check(value) {
                issues.add(&field, e.problem, e.hint);
            }
        }
        let size = self.to_stored().len();
        if size > MAX_PARAMETERS_BYTES {
            let field = match (&self.args, &self.conf) {
                (Some(a), Some(c))
                    if crate::model::job_data::json_text(c).len()
                        > crate::model::job_data::json_text(a).len() =>
                {
                    "conf"
                }
                (Some(_), _) => "args",
                _ => "conf",
            };
            issues.add(
                field,
                format!(
                    "the run's parameters are {size} bytes as stored, more than the {MAX_PARAMETERS_BYTES} a job's data may hold"
                ),
                "pass fewer or shorter args and conf values; large inputs belong in files the application reads",
            );
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }
}

/// The application a run launches: its job's, with the run's parameters in
/// place of the job's `args`/`conf` when it has them.
pub fn effective_spec(spec: &SparkJobSpec, run: &RunRecord) -> SparkJobSpec {
    let mut spec = spec.clone();
    if let Some(p) = &run.parameters {
        if let Some(args) = &p.args {
            spec.args = args.clone();
        }
        if let Some(conf) = &p.conf {
            spec.conf = conf.clone();
        }
    }
    // The launch expands `${nominalTime}`, `${nominalDate}` and `${runId}`
    // in these values afterwards (`placeholders::expand_run`).
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(args: &[&str], conf: &[(&str, &str)]) -> RunParameters {
        RunParameters {
            args: Some(args.iter().map(|s| s.to_string()).collect()),
            conf: Some(
                conf.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
        }
    }

    #[test]
    fn parameters_follow_the_descriptor_rules_and_name_the_field() {
        let policy = ConfPolicy::default();
        let big = "x".repeat(MAX_PARAMETERS_BYTES);
        let cases: Vec<(RunParameters, Option<(&str, &str)>)> = vec![
            (
                params(
                    &["--date", "2026-01-01"],
                    &[("spark.sql.shuffle.partitions", "8")],
                ),
                None,
            ),
            (RunParameters::default(), None),
            (params(&["ok", "a\0b"], &[]), Some(("args[1]", "NUL"))),
            (
                params(&[], &[("spark.driver.extraJavaOptions", "-Dx=1")]),
                Some(("conf.spark.driver.extraJavaOptions", "conf policy")),
            ),
            (
                params(&[], &[("hadoop.x", "1")]),
                Some(("conf.hadoop.x", "not a Spark property")),
            ),
            (
                params(&[], &[("spark.", "1")]),
                Some(("conf.spark.", "not a Spark property")),
            ),
            (
                params(&[], &[("spark.a b", "1")]),
                Some(("conf.spark.a b", "whitespace")),
            ),
            (
                params(&[], &[("spark.a=b", "1")]),
                Some(("conf.spark.a=b", "'='")),
            ),
            (
                params(&[], &[("spark.a", "x\0")]),
                Some(("conf.spark.a", "NUL")),
            ),
            (
                params(&["${runId}", "$${literal}", "${nominalDate}"], &[]),
                None,
            ),
            (
                params(&["ok", "${nominalDay}"], &[]),
                Some(("args[1]", "not a placeholder this provisioner knows")),
            ),
            (
                params(&[], &[("spark.a", "${oops")]),
                Some(("conf.spark.a", "does not start a placeholder")),
            ),
            (params(&[&big], &[]), Some(("args", "bytes as stored"))),
            (
                params(&[], &[("spark.a", &big)]),
                Some(("conf", "bytes as stored")),
            ),
        ];
        for (p, expected) in cases {
            match (p.check(&policy), expected) {
                (Ok(()), None) => {}
                (Err(issues), Some((field, needle))) => {
                    let text = issues.to_string();
                    assert!(text.contains(&format!("{field}: ")), "{field}: {text}");
                    assert!(text.contains(needle), "{needle}: {text}");
                }
                (got, want) => panic!("{p:?}: got {got:?}, want {want:?}"),
            }
        }
        // A permissive policy lets the key through; the other rules stay.
        let loose = params(&[], &[("spark.driver.extraJavaOptions", "-Dx=1")]);
        assert_eq!(loose.check(&ConfPolicy::permissive()), Ok(()));
    }

    #[test]
    fn overrides_replace_the_jobs_parts_and_survive_storage() {
        let mut spec = SparkJobSpec::new(
            crate::artifact::ArtifactUri::parse("hdfs://ns1/a.jar").expect("uri"),
            crate::descriptor::JavaClassName::parse("com.acme.Main").expect("class"),
        );
        spec.args = vec!["--job".into()];
        spec.conf.insert("spark.a".into(), "1".into());
        let t = chrono::DateTime::from_timestamp(1_700_000_000, 0).expect("t");
        let mut run = RunRecord {
            run_id: "r".into(),
            job_key: crate::model::JobKey::new("g", "n"),
            trigger_key: crate::model::TriggerKey::new("g", "t"),
            scheduled_fire_time: t,
            actual_fire_time: t,
            application_id: None,
            tracking_url: None,
            state: crate::model::RunState::Queued,
            final_status: None,
            created_at: t,
            updated_at: t,
            ended_at: None,
            submitted_at: None,
            running_at: None,
            error: None,
            parameters: None,
            backfill: None,
        };
        assert_eq!(
            effective_spec(&spec, &run),
            spec,
            "no parameters: the job's"
        );
        run.parameters = Some(RunParameters {
            args: Some(vec!["--date".into(), "2026-01-01".into()]),
            conf: None,
        });
        let s = effective_spec(&spec, &run);
        assert_eq!(s.args, ["--date", "2026-01-01"]);
        assert_eq!(s.conf, spec.conf, "conf not given: the job's");
        run.parameters = Some(RunParameters {
            args: None,
            conf: Some(BTreeMap::new()),
        });
        let s = effective_spec(&spec, &run);
        assert_eq!((s.args, s.conf.len()), (spec.args.clone(), 0));
        let stored = run
            .parameters
            .as_ref()
            .map(RunParameters::to_stored)
            .expect("p");
        assert_eq!(stored, r#"{"conf":{}}"#);
        assert_eq!(RunParameters::from_stored(&stored).ok(), run.parameters);
        assert!(RunParameters::from_stored(r#"{"argz":[]}"#).is_err());
    }
}
