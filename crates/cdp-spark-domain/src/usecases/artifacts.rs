//! The jar and its dependencies exist, are files and are jars, and the
//! jar's main class has `public static void main(String[])` — checked
//! through `HdfsPort`, every byte read charged to the validation's
//! [`ReadBudget`].

use futures::stream::{self, StreamExt};

use crate::artifact::ArtifactUri;
use crate::descriptor::ComponentDescriptor;
use crate::issues::{Issue, Issues};
use crate::jar::{
    check_is_zip, check_main_class_within, JarError, MainClassCheck, PortByteSource, ReadBudget,
};
use crate::ports::{roots_text, FileKind, FileStatus, FsError, HdfsPort};

/// Dependencies checked at once within one validation (each is a status
/// call and a read of at most 4 KiB, rarely 64 KiB).
const DEPENDENCY_CHECKS_AT_ONCE: usize = 8;

/// Check every artifact of the descriptor. Rule failures come back as
/// issues; a filesystem fault (cluster unreachable, HDFS not configured, a
/// local disk that does not answer) stops the check as an error.
/// The issues, and the jar's size in bytes when it was found.
pub(crate) async fn check_artifacts(
    fs: &dyn HdfsPort,
    descriptor: &ComponentDescriptor,
    budget: &ReadBudget,
) -> Result<(Issues, Option<u64>), FsError> {
    let workload = &descriptor.component.specific;
    let jar_field = descriptor.component_field("specific.jar");
    let mut issues = Issues::new();

    // Built eagerly: a closure inside the stream would make the future's
    // type one the compiler cannot prove `Send`.
    let checks: Vec<_> = workload
        .job_config
        .dependencies
        .iter()
        .enumerate()
        .map(|(i, dep)| {
            let field =
                descriptor.component_field(&format!("specific.jobConfig.dependencies[{i}]"));
            check_dependency(fs, dep, field, budget)
        })
        .collect();
    let dependency_checks = stream::iter(checks)
        .buffered(DEPENDENCY_CHECKS_AT_ONCE)
        .collect::<Vec<_>>();
    let (jar_status, dependencies) = futures::join!(
        check_is_file(fs, &workload.jar, jar_field.clone(), "jar"),
        dependency_checks
    );

    for dep in dependencies {
        if let Some(issue) = dep? {
            issues.push(issue);
        }
    }

    let mut jar_bytes = None;
    match jar_status? {
        Err(issue) => issues.push(issue),
        Ok(status) => {
            jar_bytes = Some(status.length);
            let source = PortByteSource::new(fs, &workload.jar, status.length);
            let class = workload.class_name.as_str();
            let class_field = descriptor.component_field("specific.className");
            match check_main_class_within(&source, class, budget).await {
                Ok(MainClassCheck::HasMain { .. }) => {}
                Ok(MainClassCheck::ClassNotFound { entry, similar }) => {
                    let mut problem = format!(
                        "class {class} not found in {}: there is no entry {entry}",
                        workload.jar
                    );
                    if !similar.is_empty() {
                        problem.push_str(&format!("; the jar holds {}", similar.join(", ")));
                    }
                    issues.push(Issue::new(
                        class_field,
                        problem,
                        "Set className to the fully-qualified name of the class that has main, \
                         or point jar at the jar that contains it",
                    ));
                }
                Ok(MainClassCheck::NoMainMethod { entry, detail }) => issues.push(Issue::new(
                    class_field,
                    format!(
                        "class {class} ({entry} in {}) has no public static void main(String[]): {detail}",
                        workload.jar
                    ),
                    "Point className at the application's entry point: a class (or Scala object) \
                     with public static void main(String[] args)",
                )),
                Err(e) => issues.push(jar_issue(jar_field, "jar", &workload.jar, e)?),
            }
        }
    }
    Ok((issues, jar_bytes))
}

/// A dependency is a file and a jar: its zip end record reads. `None` when
/// it is.
async fn check_dependency(
    fs: &dyn HdfsPort,
    location: &ArtifactUri,
    field: String,
    budget: &ReadBudget,
) -> Result<Option<Issue>, FsError> {
    let status = match check_is_file(fs, location, field.clone(), "dependency").await? {
        Ok(status) => status,
        Err(issue) => return Ok(Some(issue)),
    };
    let source = PortByteSource::new(fs, location, status.length);
    match check_is_zip(&source, budget).await {
        Ok(()) => Ok(None),
        Err(e) => jar_issue(field, "dependency", location, e).map(Some),
    }
}

/// What a failed inspection of the jar or a dependency says on its field;
/// `Err` for faults of ours or of a dependency of ours (a SystemError).
fn jar_issue(
    field: String,
    what: &str,
    location: &ArtifactUri,
    e: JarError,
) -> Result<Issue, FsError> {
    let rebuild = "Upload a complete jar built by your build tool (jar, sbt, maven, gradle)";
    Ok(match e {
        // The status needs only the folders to be enterable; reading the
        // file needs read access to the file itself.
        JarError::Fs(e) => location_issue(field, what, location, e)?,
        JarError::NotAZip(_) | JarError::Corrupt(_) if what == "jar" => {
            Issue::new(field, format!("{location} {e}"), rebuild)
        }
        JarError::NotAZip(_) | JarError::Corrupt(_) => Issue::new(
            field,
            format!("the {what} {location} {e}"),
            format!("Point the {what} at a jar; {rebuild}"),
        ),
        JarError::TooLarge(_) => Issue::new(
            field,
            format!("the {what} {location} {e}"),
            "Split the jar (its central directory is what is read), or ask the platform team \
             to raise artifacts.max_read_bytes",
        ),
    })
}

/// A filesystem answer that is a problem of the field, as an issue; `Err`
/// for the others.
fn location_issue(
    field: String,
    what: &str,
    location: &ArtifactUri,
    e: FsError,
) -> Result<Issue, FsError> {
    match e {
        FsError::PermissionDenied { path, detail } => {
            Ok(permission_issue(field, what, &path, &detail))
        }
        FsError::Unusable { detail, .. } => Ok(Issue::new(
            field,
            format!("the {what} {location} cannot be read as a file: {detail}"),
            format!("Point the {what} at a jar file"),
        )),
        FsError::OutsideRoots { roots, .. } => {
            Ok(outside_roots_issue(field, what, location, &roots))
        }
        FsError::UnknownFilesystem { known, .. } => Ok(Issue::new(
            field,
            format!(
                "the {what} {location} is not on a filesystem this provisioner reads: it \
                 connects only to the clusters the operator configured ({}), never to a \
                 NameNode address a descriptor names",
                roots_text(&known)
            ),
            format!(
                "Upload the {what} to the cluster's HDFS and write hdfs:///path or \
                 hdfs://<name service>/path; another cluster's NameNodes must be listed by the \
                 platform team in hdfs.allowed_namenodes"
            ),
        )),
        other => Err(other),
    }
}

/// The one answer for a local location the provisioner may not read: the
/// same whatever is (or is not) at that path.
fn outside_roots_issue(
    field: String,
    what: &str,
    location: &ArtifactUri,
    roots: &[String],
) -> Issue {
    Issue::new(
        field,
        format!(
            "the {what} {location} is not on a filesystem every node of the cluster reads: \
             local paths are accepted only under the folders the operator shares with the \
             cluster (artifacts.local_roots: {})",
            roots_text(roots)
        ),
        format!(
            "Upload the {what} to HDFS and use its hdfs:// location, or put it under one of the \
             shared folders"
        ),
    )
}

/// `Ok(Ok(status))` when the location is a file, `Ok(Err(issue))` when it
/// is missing, not a file or not a location the provisioner may read.
async fn check_is_file(
    fs: &dyn HdfsPort,
    location: &ArtifactUri,
    field: String,
    what: &str,
) -> Result<Result<FileStatus, Issue>, FsError> {
    let status = match fs.status(location).await {
        Ok(s) => s,
        Err(e) => return location_issue(field, what, location, e).map(Err),
    };
    Ok(match status {
        None => Err(Issue::new(
            field,
            format!("the {what} {location} does not exist"),
            format!("Upload the {what} to {location} or correct the path"),
        )),
        Some(status) if status.kind == FileKind::File => Ok(status),
        Some(FileStatus { kind, .. }) => Err(Issue::new(
            field,
            format!(
                "the {what} {location} is {}, not a file",
                if kind == FileKind::Directory {
                    "a directory"
                } else {
                    "not a regular file (a FIFO, socket or device)"
                }
            ),
            format!("Point the {what} at a jar file"),
        )),
    })
}

/// The provisioner's user may not read `what`: the descriptor's author
/// must have access granted (or point the field elsewhere), so this is a
/// problem on the field, not a fault of the provisioner.
fn permission_issue(field: String, what: &str, path: &str, detail: &str) -> Issue {
    Issue::new(
        field,
        format!("the provisioner may not read the {what} {path}: permission denied ({detail})"),
        "Grant the provisioner's user read access to the file and execute access to its folders",
    )
}
