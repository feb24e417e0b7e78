use crate::api::{RequestValidationError, SystemError};
use crate::issues::Issues;
use crate::ports::{FsError, StoreError};

/// Why a use case did not complete.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UseCaseError {
    /// The request or descriptor breaks rules: the caller must fix it (HTTP 400).
    #[error("invalid request: {0}")]
    Invalid(Issues),
    /// The thing asked for does not exist (HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// A fault of ours or of a dependency (HTTP 500).
    #[error("{0}")]
    System(SystemError),
}

impl UseCaseError {
    /// The `RequestValidationError` body of an invalid request, `None` otherwise.
    pub fn request_validation_error(
        &self,
        input: Option<String>,
    ) -> Option<RequestValidationError> {
        match self {
            UseCaseError::Invalid(issues) => Some(issues.to_request_validation_error(input)),
            _ => None,
        }
    }
}

impl From<StoreError> for UseCaseError {
    fn from(e: StoreError) -> Self {
        UseCaseError::System(store_system_error(&e))
    }
}

/// The `SystemError` answered when the job store fails.
pub fn store_system_error(e: &StoreError) -> SystemError {
    let user = match e {
        StoreError::Unavailable(_) => {
            "The provisioner's job store (database) is unavailable; nothing was changed. Try again later."
        }
        StoreError::Conflict(_) => {
            "Another operation on the same job was running at the same time; nothing was changed. Try again."
        }
        StoreError::Corrupt(_) => {
            "The provisioner's job store holds data it cannot read; an operator must look at it."
        }
        StoreError::Other(_) => "The provisioner's job store failed; nothing was changed. Try again later.",
    };
    SystemError::new(e.to_string(), user).with_solution(
        e.to_string(),
        "If the problem persists, ask the platform team to check the provisioner's database",
    )
}

/// The `SystemError` answered when a filesystem (HDFS) fault stops validation.
pub fn fs_system_error(e: &FsError) -> SystemError {
    let (user, solution) = match e {
        FsError::NotConfigured { .. } => (
            "The jar is on a filesystem this provisioner is not configured for, so it cannot be checked.",
            "Configure HDFS for the provisioner (HADOOP_CONF_DIR or hdfs settings), or use a local jar",
        ),
        FsError::Unreachable { .. } => (
            "The cluster's filesystem (HDFS NameNode) is unreachable, so the jar cannot be checked.",
            "Try again later; if it persists, ask the platform team to check the NameNodes",
        ),
        FsError::PermissionDenied { .. } => (
            "The provisioner is not allowed to read the jar.",
            "Grant the provisioner's user read access to the jar and its folders",
        ),
        FsError::Read { .. } => (
            "The jar could not be read.",
            "Check that the file is not being rewritten and try again",
        ),
        // Problems of the descriptor's field: the use case reports them as
        // such; answered here only if one reaches a SystemError anyway.
        FsError::Unusable { .. } => (
            "The jar's location cannot be read as a file.",
            "Point the field at a jar file",
        ),
        FsError::OutsideRoots { .. } => (
            "The jar is outside the folders this provisioner reads local files from.",
            "Put the jar on HDFS (hdfs://) or under a folder the operator declared in artifacts.local_roots",
        ),
        FsError::UnknownFilesystem { .. } => (
            "The jar is on a filesystem this provisioner does not read.",
            "Put the jar on the cluster's HDFS (hdfs:///path or hdfs://<name service>/path)",
        ),
    };
    SystemError::new(e.to_string(), user).with_solution(e.to_string(), solution)
}
