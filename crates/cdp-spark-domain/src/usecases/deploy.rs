//! Provision and unprovision as one use case chosen by the operation: the
//! rules a descriptor must pass before an asynchronous one is accepted
//! (checked once, the parsed descriptor handed on to the work), and the
//! work itself.

use super::errors::UseCaseError;
use super::Provisioner;
use crate::api::{ProvisioningRequest, ProvisioningStatus};
use crate::descriptor::ComponentDescriptor;
use crate::issues::Issues;
use crate::model::OperationKind;

/// The operations that change what is deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deployment {
    Provision,
    Unprovision,
}

impl Deployment {
    /// The deployment an operation kind is, `None` for the kinds that
    /// deploy nothing.
    pub fn of(kind: OperationKind) -> Option<Self> {
        match kind {
            OperationKind::Provision => Some(Deployment::Provision),
            OperationKind::Unprovision => Some(Deployment::Unprovision),
            OperationKind::Validate | OperationKind::ReverseProvision => None,
        }
    }

    pub fn kind(self) -> OperationKind {
        match self {
            Deployment::Provision => OperationKind::Provision,
            Deployment::Unprovision => OperationKind::Unprovision,
        }
    }
}

impl Provisioner {
    /// The descriptor rules a deployment checks before any I/O: every rule
    /// of the descriptor to provision; only what is needed to find the job
    /// to unprovision (a job stored under older rules can always be
    /// removed).
    pub fn check_for(
        &self,
        deployment: Deployment,
        request: &ProvisioningRequest,
    ) -> Result<ComponentDescriptor, Issues> {
        match deployment {
            Deployment::Provision => self.check_descriptor(request),
            Deployment::Unprovision => self.check_descriptor_to_remove(request),
        }
    }

    /// The deployment of a request (the synchronous routes).
    pub async fn deploy(
        &self,
        deployment: Deployment,
        request: &ProvisioningRequest,
    ) -> Result<ProvisioningStatus, UseCaseError> {
        match deployment {
            Deployment::Provision => self.provision(request).await,
            Deployment::Unprovision => self.unprovision(request).await,
        }
    }

    /// The deployment of a descriptor [`Self::check_for`] answered (the
    /// asynchronous routes: the descriptor is parsed once); `remove_data`
    /// is the request's `removeData` (unprovision only).
    pub async fn deploy_checked(
        &self,
        deployment: Deployment,
        descriptor: ComponentDescriptor,
        remove_data: bool,
    ) -> Result<ProvisioningStatus, UseCaseError> {
        match deployment {
            Deployment::Provision => self.provision_descriptor(descriptor).await,
            Deployment::Unprovision => self.unprovision_descriptor(descriptor, remove_data).await,
        }
    }
}
