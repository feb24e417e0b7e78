//! The jar and its dependencies exist, are files, and the jar's main class
//! has `public static void main(String[])` — checked through `HdfsPort`.

use futures::future::join_all;

use crate::artifact::ArtifactUri;
use crate::descriptor::ComponentDescriptor;
use crate::issues::{Issue, Issues};
use crate::jar::{check_main_class, JarError, MainClassCheck, PortByteSource};
use crate::ports::{FileKind, FileStatus, FsError, HdfsPort};

/// Check every artifact of the descriptor. Rule failures come back as
/// issues; a filesystem fault (cluster unreachable, HDFS not configured)
/// stops the check as an error.
pub(crate) async fn check_artifacts(
    fs: &dyn HdfsPort,
    descriptor: &ComponentDescriptor,
) -> Result<Issues, FsError> {
    let workload = &descriptor.component.specific;
    let jar_field = descriptor.component_field("specific.jar");
    let mut issues = Issues::new();

    let dependency_checks = workload
        .job_config
        .dependencies
        .iter()
        .enumerate()
        .map(|(i, dep)| {
            let field =
                descriptor.component_field(&format!("specific.jobConfig.dependencies[{i}]"));
            async move { check_is_file(fs, dep, field, "dependency").await }
        });
    let (jar_status, dependencies) = futures::join!(
        check_is_file(fs, &workload.jar, jar_field.clone(), "jar"),
        join_all(dependency_checks)
    );

    for dep in dependencies {
        if let Err(issue) = dep? {
            issues.push(issue);
        }
    }

    match jar_status? {
        Err(issue) => issues.push(issue),
        Ok(status) => {
            let source = PortByteSource::new(fs, &workload.jar, status.length);
            let class = workload.class_name.as_str();
            let class_field = descriptor.component_field("specific.className");
            match check_main_class(&source, class).await {
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
                // The status needs only the folders to be enterable;
                // reading the jar needs read access to the file itself.
                Err(JarError::Fs(FsError::PermissionDenied { path, detail })) => {
                    issues.push(permission_issue(jar_field, "jar", &path, &detail))
                }
                Err(JarError::Fs(e)) => return Err(e),
                Err(e @ (JarError::NotAZip(_) | JarError::Corrupt(_))) => issues.push(Issue::new(
                    jar_field,
                    format!("{} {e}", workload.jar),
                    "Upload a complete jar built by your build tool (jar, sbt, maven, gradle)",
                )),
            }
        }
    }
    Ok(issues)
}

/// `Ok(Ok(status))` when the location is a file, `Ok(Err(issue))` when it
/// is missing or not a file.
async fn check_is_file(
    fs: &dyn HdfsPort,
    location: &ArtifactUri,
    field: String,
    what: &str,
) -> Result<Result<FileStatus, Issue>, FsError> {
    let status = match fs.status(location).await {
        Ok(s) => s,
        Err(FsError::PermissionDenied { path, detail }) => {
            return Ok(Err(permission_issue(field, what, &path, &detail)))
        }
        Err(e) => return Err(e),
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
                    "not a regular file"
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
