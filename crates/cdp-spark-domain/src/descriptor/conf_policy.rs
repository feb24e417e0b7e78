//! The operator's policy on `jobConfig.conf`: which Spark properties a
//! descriptor may set.
//!
//! spark-submit runs on the provisioner's host, with the provisioner's
//! files, network and credentials (its keytab, its Kerberos ticket, its
//! Hadoop client configuration). Many Spark properties make spark-submit
//! read or ship files of that host (`spark.files`, `spark.yarn.dist.*`,
//! `spark.kerberos.keytab`), fetch tokens with its identity, load code
//! (`-javaagent:` in `*.extraJavaOptions`) or decide where and how the job
//! is submitted (`spark.master`, `spark.submit.deployMode`). None of that is
//! the descriptor author's to decide, so a built-in deny-list refuses these
//! keys ([`BUILTIN_CONF_DENY`], each with the reason it is refused); the
//! operator can add patterns, replace the built-in list, or allow only
//! listed keys. The operator's own `launcher.spark_conf` is not subject to
//! the policy.
//!
//! Patterns are globs over the property name: `*` matches any run of
//! characters (dots included), `?` one character; matching ignores ASCII
//! case, as a key spelled in another case is not worth a way around the
//! policy.

use std::collections::BTreeMap;
use std::fmt;

use super::check::Checker;
use super::yaml::{shorten, Node};

/// One refused pattern: why, and what the descriptor author can do instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinDeny {
    pub pattern: &'static str,
    /// Why keys matching it are refused (completes "it ...").
    pub reason: &'static str,
    /// What to do instead.
    pub instead: &'static str,
}

const ASK: &str = "remove it from conf; if the job needs it, ask the platform team";

/// The built-in deny-list: keys that read or ship files of the provisioner's
/// host, carry or obtain credentials, load code into a JVM, set a process's
/// environment, or decide where and how the job is submitted.
pub const BUILTIN_CONF_DENY: &[BuiltinDeny] = &[
    // Files of the provisioner's host, read or shipped by spark-submit.
    BuiltinDeny {
        pattern: "spark.jars",
        reason: "makes spark-submit ship files of the provisioner's host (or any URL) with the job",
        instead: "list the job's jars in jobConfig.dependencies",
    },
    BuiltinDeny {
        pattern: "spark.jars.*",
        reason: "makes spark-submit resolve and download packages on the provisioner's host (Ivy: packages, repositories, settings files)",
        instead: "build the packages into the application jar, or list their jars in jobConfig.dependencies",
    },
    BuiltinDeny {
        pattern: "spark.files",
        reason: "makes spark-submit ship files of the provisioner's host with the job",
        instead: "let the application read its files from HDFS",
    },
    BuiltinDeny {
        pattern: "spark.archives",
        reason: "makes spark-submit ship archives of the provisioner's host with the job",
        instead: "let the application read its files from HDFS",
    },
    BuiltinDeny {
        pattern: "spark.yarn.dist.*",
        reason: "makes spark-submit ship files, archives or jars of the provisioner's host with the job",
        instead: "list jars in jobConfig.dependencies and let the application read other files from HDFS",
    },
    BuiltinDeny {
        pattern: "spark.submit.*",
        reason: "sets how spark-submit runs (deploy mode) and which local files it ships (pyFiles); the provisioner decides",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.yarn.jars",
        reason: "replaces Spark's own jars with other files (the provisioner's launcher.yarn_archive sets Spark's runtime)",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.yarn.archive",
        reason: "replaces Spark's own jars with another archive (the provisioner's launcher.yarn_archive sets Spark's runtime)",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.yarn.stagingDir",
        reason: "chooses where spark-submit writes the job's files with the provisioner's identity",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.sql.hive.metastore.jars*",
        reason: "loads jars from paths of the host the driver runs on",
        instead: ASK,
    },
    // Credentials and identity.
    BuiltinDeny {
        pattern: "spark.*kerberos*",
        reason: "is a Kerberos setting (keytab, principal, the filesystems and services the provisioner's identity obtains tokens for)",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.*keytab*",
        reason: "names a keytab, which spark-submit would read on the provisioner's host and ship with the job",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.*principal*",
        reason: "names a Kerberos identity",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.yarn.access.*",
        reason: "makes spark-submit obtain delegation tokens for other filesystems with the provisioner's identity",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.*security*",
        reason: "is a security setting: delegation token providers, or Hadoop client security such as credential provider paths (key stores on the provisioner's host)",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.*credential*",
        reason: "names credentials or credential providers",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.hadoop.hadoop.token.files",
        reason: "makes the Hadoop client read token files of the provisioner's host",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.authenticate*",
        reason: "sets Spark's RPC authentication and its secret",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.ssl.*",
        reason: "sets TLS key and trust stores and their passwords",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.network.crypto.*",
        reason: "changes the encryption the platform configured",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.io.encryption.*",
        reason: "changes the encryption the platform configured",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.hadoop.*.protection",
        reason: "changes the protection of Hadoop RPC or data transfer",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.redaction.*",
        reason: "changes what Spark hides in its UI and logs (secrets of the platform's configuration among them)",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.sql.redaction.*",
        reason: "changes what Spark hides in its UI and logs",
        instead: ASK,
    },
    // Where the job runs and how it is submitted.
    BuiltinDeny {
        pattern: "spark.master",
        reason: "chooses the cluster; the provisioner's launcher settings do",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.master.*",
        reason: "changes how the job is submitted to the cluster; the provisioner decides",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.yarn.queue",
        reason: "sets the YARN queue, which the descriptor sets with its own field",
        instead: "set specific.queue",
    },
    BuiltinDeny {
        pattern: "spark.yarn.submit.*",
        reason: "changes how spark-submit waits for the job; the provisioner submits and detaches",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.standalone.submit.*",
        reason: "changes how spark-submit waits for the job; the provisioner submits and detaches",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.hadoop.yarn.*",
        reason: "changes the YARN client, such as which ResourceManager the provisioner submits to with its credentials",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.hadoop.fs.defaultFS",
        reason: "chooses the filesystem spark-submit stages the job's files on with the provisioner's identity",
        instead: "use full hdfs:// URIs in the application",
    },
    BuiltinDeny {
        pattern: "spark.hadoop.fs.default.name",
        reason: "chooses the filesystem spark-submit stages the job's files on with the provisioner's identity",
        instead: "use full hdfs:// URIs in the application",
    },
    BuiltinDeny {
        pattern: "spark.hadoop.fs.viewfs.*",
        reason: "remaps the paths spark-submit stages the job's files on with the provisioner's identity to another filesystem",
        instead: "use full hdfs:// URIs in the application",
    },
    BuiltinDeny {
        pattern: "spark.hadoop.dfs.nameservices",
        reason: "redefines which NameNodes the cluster's name services are, where spark-submit stages the job's files (the keytab among them) with the provisioner's identity",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.hadoop.dfs.internal.nameservices",
        reason: "redefines which NameNodes the cluster's name services are, where spark-submit stages the job's files (the keytab among them) with the provisioner's identity",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.hadoop.dfs.ha.*",
        reason: "redefines which NameNodes the cluster's name services are, where spark-submit stages the job's files (the keytab among them) with the provisioner's identity",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.hadoop.dfs.namenode.*",
        reason: "redefines the NameNode addresses spark-submit stages the job's files (the keytab among them) on with the provisioner's identity",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.hadoop.dfs.client.failover.*",
        reason: "chooses how, and with which classes, spark-submit finds the active NameNode with the provisioner's identity",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.hadoop.fs.*.impl*",
        reason: "chooses the filesystem classes spark-submit loads on the provisioner's host",
        instead: ASK,
    },
    // JVM options, class path, environment, programs.
    BuiltinDeny {
        pattern: "spark.*JavaOptions",
        reason: "passes JVM options: agents (-javaagent:), commands run on events (-XX:OnOutOfMemoryError=), system properties overriding security settings",
        instead: "pass settings to the application as args, or as Spark properties it reads",
    },
    BuiltinDeny {
        pattern: "spark.*ClassPath",
        reason: "adds class path entries from the hosts the processes run on",
        instead: "list the job's jars in jobConfig.dependencies",
    },
    BuiltinDeny {
        pattern: "spark.*LibraryPath",
        reason: "loads native libraries from the hosts the processes run on",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.yarn.appMasterEnv.*",
        reason: "sets the environment of the driver process (LD_PRELOAD, JAVA_TOOL_OPTIONS, HADOOP_TOKEN_FILE_LOCATION, ...)",
        instead: "pass settings to the application as args",
    },
    BuiltinDeny {
        pattern: "spark.executorEnv.*",
        reason: "sets the environment of the executor processes (LD_PRELOAD, JAVA_TOOL_OPTIONS, ...)",
        instead: "pass settings to the application as args",
    },
    BuiltinDeny {
        pattern: "spark.pyspark.*",
        reason: "chooses a program to run as the Python interpreter",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.r.*",
        reason: "chooses a program to run as the R interpreter",
        instead: ASK,
    },
    BuiltinDeny {
        pattern: "spark.*discoveryScript",
        reason: "names a script to run to discover resources",
        instead: ASK,
    },
];

/// Why a conf policy pattern is not usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPattern {
    pub pattern: String,
    pub problem: String,
}

impl fmt::Display for InvalidPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' {}", self.pattern, self.problem)
    }
}

impl std::error::Error for InvalidPattern {}

/// Check one pattern: non-empty, no whitespace, control character or `=`.
pub fn check_pattern(pattern: &str) -> Result<(), InvalidPattern> {
    let problem = if pattern.is_empty() {
        "is empty"
    } else if pattern
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '=')
    {
        "contains whitespace, a control character or '=', which no Spark property name has"
    } else {
        return Ok(());
    };
    Err(InvalidPattern {
        pattern: pattern.to_string(),
        problem: problem.to_string(),
    })
}

/// Whether `key` matches the glob `pattern` (`*`: any run of characters,
/// `?`: one character), ignoring ASCII case. No allocation; linear in the
/// key for each literal run of the pattern (no backtracking blow-up).
pub fn glob_matches(pattern: &str, key: &str) -> bool {
    let (p, k) = (pattern.as_bytes(), key.as_bytes());
    // Bytes of the UTF-8 character starting at `k[i]`.
    let char_len = |i: usize| key[i..].chars().next().map_or(1, char::len_utf8);
    let (mut pi, mut ki) = (0usize, 0usize);
    // The last `*` seen, and where in the key its match currently ends.
    let mut star: Option<(usize, usize)> = None;
    while ki < k.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ki));
                pi += 1;
            }
            Some(b'?') => {
                pi += 1;
                ki += char_len(ki);
            }
            Some(c) if c.eq_ignore_ascii_case(&k[ki]) => {
                pi += 1;
                ki += 1;
            }
            _ => match star {
                Some((star_pi, star_ki)) => {
                    let next = star_ki + char_len(star_ki);
                    pi = star_pi + 1;
                    ki = next;
                    star = Some((star_pi, next));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// The operator's policy on conf keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfPolicy {
    /// Whether [`BUILTIN_CONF_DENY`] applies.
    pub builtin_deny: bool,
    /// The operator's own refused patterns (`descriptor.conf_deny`).
    pub deny: Vec<String>,
    /// When set, only keys matching one of these may be set
    /// (`descriptor.conf_allow`); the deny patterns still apply.
    pub allow: Option<Vec<String>>,
}

impl Default for ConfPolicy {
    /// The built-in deny-list, nothing more.
    fn default() -> Self {
        Self {
            builtin_deny: true,
            deny: Vec::new(),
            allow: None,
        }
    }
}

/// Why the policy refuses a key: the problem and the hint of the issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub problem: String,
    pub hint: String,
}

/// Most allow patterns quoted in a refusal.
const MAX_PATTERNS_LISTED: usize = 10;

impl ConfPolicy {
    /// Every key allowed (no built-in list, no patterns): for tests and
    /// installations that want no policy at all.
    pub fn permissive() -> Self {
        Self {
            builtin_deny: false,
            deny: Vec::new(),
            allow: None,
        }
    }

    /// Every pattern of the policy checked with [`check_pattern`].
    pub fn check(&self) -> Result<(), InvalidPattern> {
        self.deny
            .iter()
            .chain(self.allow.iter().flatten())
            .try_for_each(|p| check_pattern(p))
    }

    /// `Ok` when a descriptor may set `key`, else why not.
    pub fn judge(&self, key: &str) -> Result<(), Refusal> {
        if self.builtin_deny {
            if let Some(rule) = BUILTIN_CONF_DENY
                .iter()
                .find(|r| glob_matches(r.pattern, key))
            {
                let key = shorten(key, 120);
                return Err(Refusal {
                    problem: format!(
                        "this provisioner's conf policy refuses '{key}' (it matches '{}'): it {}",
                        rule.pattern, rule.reason
                    ),
                    hint: format!(
                        "{}; the platform team sets the policy (descriptor.conf_deny, \
                         descriptor.conf_allow)",
                        rule.instead
                    ),
                });
            }
        }
        if let Some(pattern) = self.deny.iter().find(|p| glob_matches(p, key)) {
            let key = shorten(key, 120);
            return Err(Refusal {
                problem: format!(
                    "this provisioner's conf policy refuses '{key}': it matches '{pattern}', \
                     which the platform team refused (descriptor.conf_deny)"
                ),
                hint: format!("{ASK}, who sets the provisioner's descriptor.conf_deny"),
            });
        }
        if let Some(allow) = &self.allow {
            if !allow.iter().any(|p| glob_matches(p, key)) {
                let key = shorten(key, 120);
                let listed: Vec<String> = allow
                    .iter()
                    .take(MAX_PATTERNS_LISTED)
                    .map(|p| format!("'{p}'"))
                    .collect();
                let more = if allow.len() > listed.len() {
                    ", ..."
                } else {
                    ""
                };
                return Err(Refusal {
                    problem: format!(
                        "this provisioner's conf policy does not allow '{key}': only keys \
                         matching {}{more} may be set (descriptor.conf_allow)",
                        if listed.is_empty() {
                            "nothing".to_string()
                        } else {
                            listed.join(", ")
                        }
                    ),
                    hint: format!("{ASK}, who sets the provisioner's descriptor.conf_allow"),
                });
            }
        }
        Ok(())
    }
}

/// `jobConfig.conf`: Spark properties, keys `spark.*`, scalar values.
pub(super) fn conf(node: &Node, field: &str, c: &mut Checker) -> Option<BTreeMap<String, String>> {
    let Node::Map(entries) = node else {
        c.wrong_type(
            field,
            "a mapping of Spark properties",
            node,
            "write conf as a mapping, e.g. spark.sql.shuffle.partitions: \"64\"",
        );
        return None;
    };
    let mut out = BTreeMap::new();
    let mut ok = true;
    for (key, value) in entries {
        let entry = format!("{field}[\"{}\"]", shorten(key, 120));
        let key_ok = match key.strip_prefix("spark.") {
            None | Some("") => {
                c.add(
                    &entry,
                    format!(
                        "'{}' is not a Spark property: keys must start with 'spark.'",
                        shorten(key, 120)
                    ),
                    "put only Spark properties (spark.*) in conf; pass other settings as args",
                );
                false
            }
            Some(_)
                if key
                    .chars()
                    .any(|ch| ch.is_whitespace() || ch.is_control() || ch == '=') =>
            {
                c.add(
                    &entry,
                    "the key contains whitespace, a control character or '='",
                    "write the property name as Spark documents it, e.g. \
                     spark.sql.shuffle.partitions",
                );
                false
            }
            Some(_) => match c.conf_policy.as_ref().map(|p| p.judge(key)) {
                Some(Err(refusal)) => {
                    c.add(&entry, refusal.problem, refusal.hint);
                    false
                }
                _ => true,
            },
        };
        let value_text = match value.scalar_text() {
            Some(text) if text.contains('\0') => {
                c.add(
                    &entry,
                    "the value contains a NUL character, which cannot be passed to spark-submit",
                    "remove the NUL character",
                );
                None
            }
            Some(text) if !c.placeholders(&entry, &text) => None,
            Some(text) => Some(text),
            None => {
                c.wrong_type(
                    &entry,
                    "a string, number or boolean value",
                    value,
                    "give the property a single value, e.g. \"64\"",
                );
                None
            }
        };
        match (key_ok, value_text) {
            (true, Some(text)) => {
                out.insert(key.clone(), text);
            }
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_any_run_and_ignore_case() {
        assert!(glob_matches("spark.jars", "spark.jars"));
        assert!(glob_matches("spark.jars", "SPARK.Jars"));
        assert!(!glob_matches("spark.jars", "spark.jars.packages"));
        assert!(glob_matches("spark.jars.*", "spark.jars.packages"));
        assert!(!glob_matches("spark.jars.*", "spark.jars"));
        assert!(glob_matches(
            "spark.*JavaOptions",
            "spark.driver.extraJavaOptions"
        ));
        assert!(glob_matches(
            "spark.*JavaOptions",
            "spark.yarn.am.extraJavaOptions"
        ));
        assert!(glob_matches("spark.*kerberos*", "spark.kerberos.keytab"));
        assert!(glob_matches(
            "spark.*kerberos*",
            "spark.hive.metastore.kerberos.principal"
        ));
        assert!(glob_matches("spark.?", "spark.x"));
        assert!(!glob_matches("spark.?", "spark.xy"));
        assert!(glob_matches("*", ""));
        assert!(!glob_matches("a*b*c", "aXbY"));
        assert!(glob_matches("a*b*c", "aXbYbc"));
        // No catastrophic backtracking on a long key.
        let key = format!("spark.{}", "extraJavaOption".repeat(20_000));
        assert!(!glob_matches("spark.*extraJavaOptions", &key));
    }

    #[test]
    fn every_builtin_pattern_is_usable_and_starts_with_spark() {
        for rule in BUILTIN_CONF_DENY {
            check_pattern(rule.pattern).expect("usable");
            assert!(rule.pattern.starts_with("spark."), "{}", rule.pattern);
            assert!(!rule.reason.is_empty() && !rule.instead.is_empty());
        }
    }

    #[test]
    fn deny_wins_and_allow_limits() {
        let policy = ConfPolicy {
            builtin_deny: true,
            deny: vec!["spark.sql.warehouse.*".into()],
            allow: Some(vec!["spark.sql.*".into(), "spark.files".into()]),
        };
        assert_eq!(policy.judge("spark.sql.shuffle.partitions"), Ok(()));
        let e = policy.judge("spark.files").expect_err("built-in");
        assert!(e.problem.contains("'spark.files'"), "{e:?}");
        let e = policy
            .judge("spark.sql.warehouse.dir")
            .expect_err("operator");
        assert!(e.problem.contains("descriptor.conf_deny"), "{e:?}");
        let e = policy
            .judge("spark.executor.instances")
            .expect_err("not allowed");
        assert!(e.problem.contains("'spark.sql.*', 'spark.files'"), "{e:?}");
        assert_eq!(ConfPolicy::permissive().judge("spark.files"), Ok(()));
        assert!(check_pattern("spark.a b").is_err());
        assert!(check_pattern("").is_err());
    }
}
