//! The rules of a `COMPONENT_DESCRIPTOR`: walk the YAML tree, check every
//! field this provisioner uses, and either build the typed
//! [`ComponentDescriptor`] or return every failed rule with its field path.
//! Fields this provisioner does not use are tolerated, except under
//! `specific`, where the keys the field registry does not know are warnings
//! or errors ([`super::unknown_keys`]).

use crate::artifact::{ArtifactUri, ArtifactUriError};
use crate::issues::Issues;
use crate::model::MAX_KEY_LEN;

use super::check::{index, join, Checker};
use super::schedule::schedule;
use super::types::{
    component_field, ComponentDescriptor, DataProduct, JavaClassName, JobConfig, JobName,
    MemorySize, PositiveCount, SparkLogLevel, SparkWorkload, WorkloadComponent, YarnQueue,
    COMPONENT_ID_PREFIX, MAX_JOB_NAME_LEN,
};
use super::yaml::{shorten, Node};
use super::{DescriptorSettings, Purpose};

/// Most component ids listed when `componentIdToProvision` matches none.
const MAX_IDS_LISTED: usize = 10;

/// The component descriptor in `root`, or every failed rule.
pub(crate) fn component_descriptor(
    root: &Node,
    settings: &DescriptorSettings,
    purpose: Purpose,
) -> Result<ComponentDescriptor, Issues> {
    let provisioning = purpose == Purpose::Provision;
    let mut c = Checker {
        conf_policy: provisioning.then(|| settings.conf_policy.clone()),
        store_limits: provisioning,
        placeholder_names: provisioning,
        unknown_keys: provisioning.then_some(settings.unknown_keys),
        ..Checker::default()
    };
    if !matches!(root, Node::Map(_)) {
        c.add(
            "",
            format!(
                "the descriptor must be a YAML mapping with dataProduct and \
                 componentIdToProvision, found {}",
                root.describe()
            ),
            "send the COMPONENT_DESCRIPTOR the provisioning coordinator builds",
        );
        return Err(c.issues);
    }

    let dp_node = c.mapping(
        root,
        "dataProduct",
        "dataProduct",
        Some("send the whole data product, with its components, under dataProduct"),
    );
    let target = c.required_string(
        root,
        "componentIdToProvision",
        "componentIdToProvision",
        "set it to the id of the component to provision, one of dataProduct.components[].id",
    );
    let data_product = dp_node.and_then(|dp| data_product(dp, &mut c));
    // The environment is needed for the job name even when another field of
    // dataProduct is wrong; its own issue comes from `data_product`.
    let environment = dp_node
        .and_then(|dp| dp.get("environment"))
        .and_then(Node::scalar_text)
        .filter(|e| !e.trim().is_empty());

    let component = match (dp_node, &target) {
        (Some(dp), Some(target)) => find_component(dp, target, &mut c).and_then(|(i, node)| {
            workload_component(node, i, environment.as_deref(), settings, &mut c)
                .map(|component| (i, component))
        }),
        _ => None,
    };

    match (data_product, component) {
        (Some(data_product), Some((component_index, component))) if c.issues.is_empty() => {
            Ok(ComponentDescriptor {
                data_product,
                component_index,
                component,
                warnings: c.warnings,
            })
        }
        _ => {
            if c.issues.is_empty() {
                // Every path that yields nothing adds an issue; this guards
                // against ever answering "invalid" without saying why.
                c.add(
                    "",
                    "the descriptor could not be read",
                    "check it against the COMPONENT_DESCRIPTOR format",
                );
            }
            c.issues.add_warnings(c.warnings);
            Err(c.issues)
        }
    }
}

fn data_product(dp: &Node, c: &mut Checker) -> Option<DataProduct> {
    let id = c.required_string(
        dp,
        "id",
        "dataProduct.id",
        "set it to the data product id, e.g. urn:dmb:dp:finance:cashflow:0",
    );
    if let Some(id) = &id {
        let len = id.chars().count();
        if len > MAX_KEY_LEN {
            c.add(
                "dataProduct.id",
                format!(
                    "is {len} characters long; at most {MAX_KEY_LEN} are allowed, because it is \
                     the Quartz job group, kept in a {MAX_KEY_LEN}-character column"
                ),
                "use a shorter data product id",
            );
        }
    }
    let environment = c.required_text(
        dp,
        "environment",
        "dataProduct.environment",
        "set it to the environment the data product is deployed to, e.g. development",
    );
    let text_hint = "write it as a plain string";
    let name = c.optional_text(dp, "name", "dataProduct.name", text_hint);
    let domain = c.optional_text(dp, "domain", "dataProduct.domain", text_hint);
    let version = c.optional_text(dp, "version", "dataProduct.version", text_hint);
    let data_product_owner = c.optional_text(
        dp,
        "dataProductOwner",
        "dataProduct.dataProductOwner",
        text_hint,
    );
    let dev_group = c.optional_text(dp, "devGroup", "dataProduct.devGroup", text_hint);
    let owner_group = c.optional_text(dp, "ownerGroup", "dataProduct.ownerGroup", text_hint);
    Some(DataProduct {
        id: id?,
        name,
        domain,
        environment: environment?,
        version,
        data_product_owner,
        dev_group,
        owner_group,
    })
}

/// The index and node of the component to provision.
fn find_component<'n>(dp: &'n Node, target: &str, c: &mut Checker) -> Option<(usize, &'n Node)> {
    const FIELD: &str = "dataProduct.components";
    let hint = "list the data product's components, including the one to provision";
    let Some(components) = c.list(dp, "components", FIELD, hint) else {
        if dp.get("components").is_none() {
            c.add(FIELD, "is missing", hint);
        }
        return None;
    };
    let id_of = |node: &'n Node| match node.get("id") {
        Some(Node::Str(id)) => Some(id.as_str()),
        _ => None,
    };
    let matches: Vec<usize> = components
        .iter()
        .enumerate()
        .filter(|(_, node)| id_of(node) == Some(target))
        .map(|(i, _)| i)
        .collect();
    match matches.as_slice() {
        [i] => Some((*i, &components[*i])),
        [] => {
            let ids: Vec<String> = components
                .iter()
                .filter_map(id_of)
                .take(MAX_IDS_LISTED)
                .map(|id| format!("'{id}'"))
                .collect();
            let listed = if ids.is_empty() {
                "it has no component with an id".to_string()
            } else {
                let more = if components.len() > ids.len() {
                    ", ..."
                } else {
                    ""
                };
                format!("its component ids are {}{more}", ids.join(", "))
            };
            c.add(
                "componentIdToProvision",
                format!("'{target}' is not the id of any component of {FIELD}: {listed}"),
                "set componentIdToProvision to the id of the workload component to provision",
            );
            None
        }
        several => {
            let at: Vec<String> = several.iter().map(|i| index(FIELD, *i)).collect();
            c.add(
                "componentIdToProvision",
                format!(
                    "'{target}' is the id of several components: {}",
                    at.join(", ")
                ),
                "give every component of the data product its own id",
            );
            None
        }
    }
}

fn workload_component(
    node: &Node,
    i: usize,
    environment: Option<&str>,
    settings: &DescriptorSettings,
    c: &mut Checker,
) -> Option<WorkloadComponent> {
    let field = |relative: &str| component_field(i, relative);
    // `find_component` matched on a string id.
    let id = match node.get("id") {
        Some(Node::Str(id)) => id.clone(),
        _ => return None,
    };

    let kind = c.required_string(
        node,
        "kind",
        &field("kind"),
        "set kind to workload: this provisioner provisions Spark workloads",
    );
    if let Some(kind) = &kind {
        if kind != "workload" {
            c.add(
                &field("kind"),
                format!(
                    "is '{kind}', but this provisioner handles only components of kind 'workload'"
                ),
                "send this component to the provisioner of its kind, or set \
                 componentIdToProvision to a workload component",
            );
        }
    }

    let template = c.required_string(
        node,
        "useCaseTemplateId",
        &field("useCaseTemplateId"),
        "create the component from the CDP Spark workload template",
    );
    if let Some(template) = &template {
        let accepted = &settings.accepted_use_case_templates;
        let ok = accepted.iter().any(|a| {
            template == a
                || template
                    .strip_prefix(a.as_str())
                    .is_some_and(|rest| rest.starts_with(':'))
        });
        if !ok {
            let list: Vec<String> = accepted.iter().map(|a| format!("'{a}'")).collect();
            c.add(
                &field("useCaseTemplateId"),
                format!(
                    "'{template}' is not a template this provisioner accepts; accepted: {} \
                     (with any ':<version>' suffix)",
                    if list.is_empty() {
                        "none are configured".to_string()
                    } else {
                        list.join(", ")
                    }
                ),
                "create the component from an accepted template, or send it to the \
                 provisioner of its template",
            );
        }
    }

    let text_hint = "write it as a plain string";
    let name = c.optional_text(node, "name", &field("name"), text_hint);
    let description = c.optional_text(node, "description", &field("description"), text_hint);

    let specific_field = field("specific");
    let specific = c
        .mapping(
            node,
            "specific",
            &specific_field,
            Some("add specific with jobName, jar and className"),
        )
        .and_then(|s| {
            c.unknown_keys(s, &specific_field);
            spark_workload(s, &specific_field, i, &id, environment, c)
        });

    Some(WorkloadComponent {
        id,
        name,
        description,
        use_case_template_id: template?,
        specific: specific?,
    })
}

fn spark_workload(
    node: &Node,
    base: &str,
    i: usize,
    component_id: &str,
    environment: Option<&str>,
    c: &mut Checker,
) -> Option<SparkWorkload> {
    let job_name = job_name(node, base, i, component_id, environment, c);

    let jar_field = join(base, "jar");
    let jar = c
        .required_string(
            node,
            "jar",
            &jar_field,
            "set it to the location of the application jar, e.g. hdfs://nameservice1/apps/app.jar",
        )
        .and_then(|text| artifact(&text, &jar_field, c))
        .filter(|uri| names_a_jar(uri, &jar_field, Role::Application, c));

    let class_field = join(base, "className");
    let class_name = c
        .required_string(
            node,
            "className",
            &class_field,
            "set it to the fully qualified name of the main class, e.g. com.acme.jobs.Main",
        )
        .and_then(|text| match JavaClassName::parse(&text) {
            Ok(name) => Some(name),
            Err(e) => {
                c.invalid(&class_field, e);
                None
            }
        });

    let queue_field = join(base, "queue");
    let queue = c.optional(node, "queue", |c, n| {
        // `queue: ""` is what the Scala provisioner's descriptors send for
        // "no queue": YARN's default queue, as when it is left out.
        if matches!(n, Node::Str(text) if text.is_empty()) {
            return Some(None);
        }
        let text = c.string_value(
            n,
            &queue_field,
            "name a YARN queue, e.g. root.finance, or leave queue out",
        )?;
        YarnQueue::parse(&text)
            .map_err(|e| c.invalid(&queue_field, e))
            .ok()
            .map(Some)
    });

    let config_field = join(base, "jobConfig");
    let job_config = c.optional(node, "jobConfig", |c, n| match n {
        Node::Map(_) => job_config(n, &config_field, c),
        other => {
            c.wrong_type(
                &config_field,
                "a mapping",
                other,
                "write jobConfig as a mapping (args, driverCores, conf, schedule, ...)",
            );
            None
        }
    });

    Some(SparkWorkload {
        job_name: job_name?,
        jar: jar?,
        class_name: class_name?,
        queue: queue.ok()?.flatten(),
        job_config: job_config.ok()?.unwrap_or_default(),
    })
}

/// `jobName`: the naming convention, then the shape.
fn job_name(
    node: &Node,
    base: &str,
    i: usize,
    component_id: &str,
    environment: Option<&str>,
    c: &mut Checker,
) -> Option<JobName> {
    let field = join(base, "jobName");
    let expected = environment.and_then(|env| JobName::conventional(component_id, env));
    let hint = match &expected {
        Some(expected) => format!("set jobName to '{expected}'"),
        None => "set it to the component id without 'urn:dmb:cmp:', '-' and the environment, \
                 with every character other than A-Z, a-z and 0-9 replaced by '-'"
            .to_string(),
    };
    let actual = c.required_string(node, "jobName", &field, &hint)?;

    if environment.is_some() && expected.is_none() {
        c.add(
            &component_field(i, "id"),
            format!(
                "'{component_id}' does not start with '{COMPONENT_ID_PREFIX}', so no job name \
                 can be derived from it"
            ),
            "use the component id Witboost assigned (urn:dmb:cmp:<domain>:<data product>:<major version>:<component>)",
        );
        return None;
    }
    match &expected {
        Some(expected) if *expected != actual => {
            c.add(
                &field,
                format!(
                    "is '{}' but must be '{expected}': the component id without \
                     '{COMPONENT_ID_PREFIX}', '-' and dataProduct.environment, with every \
                     character other than A-Z, a-z and 0-9 replaced by '-'",
                    shorten(&actual, 200)
                ),
                hint,
            );
            let len = expected.chars().count();
            if len > MAX_JOB_NAME_LEN {
                c.add(
                    &field,
                    format!(
                        "the job name derived from the component id and environment is {len} \
                         characters long; at most {MAX_JOB_NAME_LEN} are allowed, because Quartz \
                         stores job and trigger names in {MAX_KEY_LEN}-character columns and the \
                         trigger is named jobName + 'Trigger'"
                    ),
                    "shorten the component id",
                );
            }
            None
        }
        _ => match JobName::parse(&actual) {
            Ok(name) => Some(name),
            Err(e) => {
                c.invalid(&field, e);
                None
            }
        },
    }
}

fn artifact(text: &str, field: &str, c: &mut Checker) -> Option<ArtifactUri> {
    match ArtifactUri::parse(text) {
        Ok(uri) => Some(uri),
        Err(e) => {
            let problem = match &e {
                ArtifactUriError::BadHdfs(..) | ArtifactUriError::BadFile(..) => e.to_string(),
                _ => format!("'{}' {e}", shorten(text, 200)),
            };
            c.add(
                field,
                problem,
                "use an hdfs:// URI (hdfs://nameservice1/apps/app.jar), a file: URI or a local \
                 path",
            );
            None
        }
    }
}

fn job_config(node: &Node, base: &str, c: &mut Checker) -> Option<JobConfig> {
    let field = |key: &str| join(base, key);
    let args = c.optional(node, "args", |c, n| args(n, &field("args"), c));
    let dependencies = c.optional(node, "dependencies", |c, n| {
        dependencies(n, &field("dependencies"), c)
    });
    let driver_cores = c.optional(node, "driverCores", |c, n| {
        count(n, &field("driverCores"), "driverCores", c)
    });
    let executor_cores = c.optional(node, "executorCores", |c, n| {
        count(n, &field("executorCores"), "executorCores", c)
    });
    let num_executors = c.optional(node, "numExecutors", |c, n| {
        count(n, &field("numExecutors"), "numExecutors", c)
    });
    let driver_memory = c.optional(node, "driverMemory", |c, n| {
        memory(n, &field("driverMemory"), c)
    });
    let executor_memory = c.optional(node, "executorMemory", |c, n| {
        memory(n, &field("executorMemory"), c)
    });
    let log_level = c.optional(node, "logLevel", |c, n| log_level(n, &field("logLevel"), c));
    let conf = c.optional(node, "conf", |c, n| {
        super::conf_policy::conf(n, &field("conf"), c)
    });
    let max_duration = c.optional(node, "maxDuration", |c, n| {
        super::duration::max_duration(n, &field("maxDuration"), c)
    });
    let run_at_provision = c.optional(node, "runAtProvision", |c, n| match n {
        Node::Bool(b, _) => Some(*b),
        other => {
            c.wrong_type(
                &field("runAtProvision"),
                "true or false",
                other,
                "write runAtProvision: true to start one run when the job is provisioned \
                 (created or changed), false to wait for a manual trigger",
            );
            None
        }
    });
    let schedule = c.optional(node, "schedule", |c, n| {
        let schedule_field = field("schedule");
        match n {
            Node::Map(_) => schedule(n, &schedule_field, c),
            other => {
                c.wrong_type(
                    &schedule_field,
                    "a mapping",
                    other,
                    "write schedule as a mapping with cronExpression and, optionally, startDate, \
                     endDate and timeZone",
                );
                None
            }
        }
    });

    if let (Ok(Some(true)), Ok(Some(_))) = (&run_at_provision, &schedule) {
        c.add(
            &field("runAtProvision"),
            "is true, but the job has a schedule: a run at provision is only for jobs without one",
            "leave runAtProvision out for a scheduled job (its runs come from the schedule), \
             or remove the schedule",
        );
        return None;
    }
    Some(JobConfig {
        args: args.ok()?.unwrap_or_default(),
        dependencies: dependencies.ok()?.unwrap_or_default(),
        driver_cores: driver_cores.ok()?,
        driver_memory: driver_memory.ok()?,
        executor_cores: executor_cores.ok()?,
        executor_memory: executor_memory.ok()?,
        num_executors: num_executors.ok()?,
        log_level: log_level.ok()?,
        conf: conf.ok()?.unwrap_or_default(),
        schedule: schedule.ok()?,
        max_duration: max_duration.ok()?,
        run_at_provision: run_at_provision.ok()?,
    })
}

/// `jobConfig.args`: a list of plain values, passed as argv (never through
/// a shell, so any character but NUL is fine).
fn args(node: &Node, field: &str, c: &mut Checker) -> Option<Vec<String>> {
    let hint = "write args as a YAML list of strings, e.g. [\"--date\", \"yesterday\"]; each is \
                passed to the job as one argument, without a shell";
    let Node::Seq(items) = node else {
        c.wrong_type(field, "a list of strings", node, hint);
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (n, item) in items.iter().enumerate() {
        let item_field = index(field, n);
        match item.scalar_text() {
            Some(text) if text.contains('\0') => {
                c.add(
                    &item_field,
                    "contains a NUL character, which cannot be passed as a program argument",
                    "remove the NUL character",
                );
                ok = false;
            }
            Some(text) => {
                ok &= c.placeholders(&item_field, &text);
                out.push(text);
            }
            None => {
                c.wrong_type(&item_field, "a string", item, hint);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// `jobConfig.dependencies`: a list of jar locations.
fn dependencies(node: &Node, field: &str, c: &mut Checker) -> Option<Vec<ArtifactUri>> {
    let hint = "write dependencies as a YAML list of jar locations (hdfs:// URIs, file: URIs or \
                local paths)";
    let Node::Seq(items) = node else {
        c.wrong_type(field, "a list of jar locations", node, hint);
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (n, item) in items.iter().enumerate() {
        let item_field = index(field, n);
        match c
            .string_value(item, &item_field, hint)
            .and_then(|text| artifact(&text, &item_field, c))
            .filter(|uri| names_a_jar(uri, &item_field, Role::Dependency, c))
        {
            Some(uri) => out.push(uri),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// What a jar location is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// `jar`: spark-submit's primary resource.
    Application,
    /// `jobConfig.dependencies`: one entry of spark-submit's `--jars` list.
    Dependency,
}

/// The location names a `.jar` file, and Spark reads it as the same file the
/// provisioner checks: no `#` or `?` (Spark reads a URI fragment, which
/// renames the file it ships, or a query), no `,` in a dependency
/// (spark-submit splits `--jars` at commas), no leading `-` for the
/// application jar (spark-submit would read an option). Adds an issue when
/// not.
fn names_a_jar(uri: &ArtifactUri, field: &str, role: Role, c: &mut Checker) -> bool {
    let text = uri.as_str();
    let shown = shorten(text, 200);
    let (what, hint) = match role {
        Role::Application => ("jar", "point jar at the application's .jar file"),
        Role::Dependency => (
            "dependency",
            "list only .jar files as dependencies (they go on the job's class path); let the \
             application read other files from HDFS",
        ),
    };
    if let Some(ch) = text.chars().find(|ch| matches!(ch, '#' | '?')) {
        c.add(
            field,
            format!(
                "'{shown}' contains '{ch}', which Spark reads as the start of a URI {}: it \
                 would ship another file than the one named",
                if ch == '#' {
                    "fragment (a new name for the file)"
                } else {
                    "query"
                }
            ),
            format!("name the {what} file without '#' and '?'"),
        );
        return false;
    }
    if role == Role::Dependency && text.contains(',') {
        c.add(
            field,
            format!(
                "'{shown}' contains ',', but spark-submit takes the dependencies as one \
                 comma-separated list (--jars), which would split it"
            ),
            "rename the jar without ',', or list each jar as its own entry",
        );
        return false;
    }
    if role == Role::Application && text.starts_with('-') {
        c.add(
            field,
            format!("'{shown}' starts with '-', which spark-submit would read as an option"),
            "give an hdfs:// URI, a file: URI or an absolute path",
        );
        return false;
    }
    if !text.to_ascii_lowercase().ends_with(".jar") {
        c.add(
            field,
            match role {
                Role::Application => format!("'{shown}' does not end with .jar"),
                Role::Dependency => {
                    format!("'{shown}' does not end with .jar: dependencies must be jars")
                }
            },
            hint,
        );
        return false;
    }
    true
}

/// `driverCores`, `executorCores`, `numExecutors`: a YAML integer ≥ 1.
fn count(node: &Node, field: &str, key: &str, c: &mut Checker) -> Option<PositiveCount> {
    let hint = format!("set {key} to a whole number of at least 1, e.g. {key}: 2");
    match node {
        Node::Int(n, text) if *n >= 1 => {
            let counted = u32::try_from(*n).ok().and_then(PositiveCount::new);
            if counted.is_none() {
                c.add(field, format!("{} is too large", shorten(text, 80)), hint);
            }
            counted
        }
        Node::Int(_, text) => {
            c.add(
                field,
                format!("expected a positive integer, found {}", shorten(text, 80)),
                hint,
            );
            None
        }
        other => {
            c.wrong_type(field, "a positive integer", other, &hint);
            None
        }
    }
}

/// `driverMemory`, `executorMemory`: Spark's size format.
fn memory(node: &Node, field: &str, c: &mut Checker) -> Option<MemorySize> {
    let text = match node {
        // As written: `0x10` is not a memory size, and is not passed on as 16.
        Node::Str(text) | Node::Int(_, text) => text.clone(),
        other => {
            c.wrong_type(
                field,
                "a memory size such as 512m or 4g",
                other,
                "write a whole number with an optional unit b, k, m, g, t or p, e.g. 4g",
            );
            return None;
        }
    };
    MemorySize::parse(&text)
        .map_err(|e| c.invalid(field, e))
        .ok()
}

/// `jobConfig.logLevel`: one of Spark's levels, any case.
fn log_level(node: &Node, field: &str, c: &mut Checker) -> Option<SparkLogLevel> {
    let levels: Vec<&str> = SparkLogLevel::ALL_LEVELS
        .iter()
        .map(|l| l.as_str())
        .collect();
    let hint = format!("use one of {}", levels.join(", "));
    let text = c.string_value(node, field, &hint)?;
    let level = SparkLogLevel::parse(&text);
    if level.is_none() {
        c.add(
            field,
            format!("'{}' is not a Spark log level", shorten(&text, 80)),
            hint,
        );
    }
    level
}
