//! A launcher that only records what it is asked to launch: for the
//! clustering tests and the benchmark (fires counted, lateness measured,
//! no Spark involved). Its applications succeed at once, after a few
//! polls ([`RecordingLauncher::running_for`]), or never end
//! ([`RecordingLauncher::never_finishing`]); kills can be recorded too
//! ([`RecordingLauncher::recording_kills`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use async_trait::async_trait;
use cdp_spark_domain::model::JobKey;
use cdp_spark_domain::ports::{
    ApplicationHandle, ApplicationState, LaunchError, LaunchRequest, LauncherBackend,
    SparkLauncherPort,
};
use chrono::{DateTime, Utc};

/// One recorded submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedFire {
    pub run_id: String,
    pub job_key: JobKey,
    pub scheduled_fire_time: DateTime<Utc>,
    /// The application's arguments and Spark properties as launched (the
    /// run's placeholders replaced).
    pub args: Vec<String>,
    pub conf: BTreeMap<String, String>,
    /// The system clock when submit was called.
    pub submitted_at: DateTime<Utc>,
    /// Which launcher (instance) recorded it.
    pub recorder: String,
}

/// One recorded kill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedKill {
    pub application_id: String,
    /// The system clock when kill was called.
    pub killed_at: DateTime<Utc>,
    /// Which launcher (instance) recorded it.
    pub recorder: String,
}

/// Records submits into a shared list.
pub struct RecordingLauncher {
    name: String,
    fires: std::sync::Arc<Mutex<Vec<RecordedFire>>>,
    finishes: bool,
    kills: Option<std::sync::Arc<Mutex<Vec<RecordedKill>>>>,
    /// Whether a killed application then reports `KILLED`.
    kills_take_effect: bool,
    killed: Mutex<HashSet<String>>,
    /// Whether submit returns after recording, or hangs there.
    submits_return: bool,
    /// Status polls each application answers running before it finishes.
    running_polls: u32,
    /// Status polls answered so far, by application id.
    polls: Mutex<HashMap<String, u32>>,
}

impl RecordingLauncher {
    /// A launcher named `name` appending to `fires` (share the list between
    /// instances to see all fires of a cluster).
    pub fn new(name: impl Into<String>, fires: std::sync::Arc<Mutex<Vec<RecordedFire>>>) -> Self {
        Self {
            name: name.into(),
            fires,
            finishes: true,
            kills: None,
            kills_take_effect: true,
            killed: Mutex::new(HashSet::new()),
            submits_return: true,
            running_polls: 0,
            polls: Mutex::new(HashMap::new()),
        }
    }

    /// Each application answers its first `polls` status polls running,
    /// then succeeds (without this, it succeeds at the first poll).
    pub fn running_for(mut self, polls: u32) -> Self {
        self.running_polls = polls;
        self
    }

    /// Submit records the fire, then never returns: a spark-submit that
    /// submitted the application but has not printed its id yet (for tests
    /// where an instance dies in that moment). [`SparkLauncherPort::find_by_run`]
    /// finds every recorded fire, as YARN finds an application by its tag.
    pub fn hanging_after_submit(mut self) -> Self {
        self.submits_return = false;
        self
    }

    /// Its applications never end: every run it launches stays RUNNING
    /// (for tests that need runs in flight when an instance dies).
    pub fn never_finishing(mut self) -> Self {
        self.finishes = false;
        self
    }

    /// Appends every kill to `kills`; a killed application then reports
    /// `KILLED` (as a cluster manager does once the kill took effect).
    /// Without this, kills are accepted and change nothing.
    pub fn recording_kills(mut self, kills: std::sync::Arc<Mutex<Vec<RecordedKill>>>) -> Self {
        self.kills = Some(kills);
        self
    }

    /// With [`Self::recording_kills`]: kills are recorded but the
    /// applications keep reporting what they did before (a cluster manager
    /// that does not confirm the kill).
    pub fn kills_not_confirmed(mut self) -> Self {
        self.kills_take_effect = false;
        self
    }
}

#[async_trait]
impl SparkLauncherPort for RecordingLauncher {
    async fn submit(&self, request: &LaunchRequest) -> Result<ApplicationHandle, LaunchError> {
        let fire = RecordedFire {
            run_id: request.run_id.clone(),
            job_key: request.job_key.clone(),
            scheduled_fire_time: request.scheduled_fire_time,
            args: request.spec.args.clone(),
            conf: request.spec.conf.clone(),
            submitted_at: Utc::now(),
            recorder: self.name.clone(),
        };
        self.fires
            .lock()
            .map_err(|_| LaunchError::Other("the recording list is poisoned".into()))?
            .push(fire);
        if !self.submits_return {
            std::future::pending::<()>().await;
        }
        Ok(recorded_handle(&request.run_id))
    }

    async fn find_by_run(&self, run_id: &str) -> Result<Option<ApplicationHandle>, LaunchError> {
        let fires = self
            .fires
            .lock()
            .map_err(|_| LaunchError::Other("the recording list is poisoned".into()))?;
        Ok(fires
            .iter()
            .any(|f| f.run_id == run_id)
            .then(|| recorded_handle(run_id)))
    }

    async fn status(&self, handle: &ApplicationHandle) -> Result<ApplicationState, LaunchError> {
        let killed = self.kills.is_some()
            && self.kills_take_effect
            && self
                .killed
                .lock()
                .map_err(|_| LaunchError::Other("the kill list is poisoned".into()))?
                .contains(&handle.application_id);
        if killed {
            return Ok(ApplicationState::Killed {
                diagnostics: format!(
                    "application {} killed on request ({})",
                    handle.application_id, self.name
                ),
            });
        }
        // Counted only when asked for (the bench polls many applications).
        let polled = if self.running_polls == 0 {
            1
        } else {
            let mut polls = self
                .polls
                .lock()
                .map_err(|_| LaunchError::Other("the poll counts are poisoned".into()))?;
            let n = polls.entry(handle.application_id.clone()).or_insert(0);
            *n = n.saturating_add(1);
            *n
        };
        Ok(if self.finishes && polled > self.running_polls {
            ApplicationState::Succeeded
        } else {
            ApplicationState::Running {
                tracking_url: None,
                started: true,
            }
        })
    }

    async fn kill(&self, handle: &ApplicationHandle) -> Result<(), LaunchError> {
        if let Some(kills) = &self.kills {
            kills
                .lock()
                .map_err(|_| LaunchError::Other("the kill list is poisoned".into()))?
                .push(RecordedKill {
                    application_id: handle.application_id.clone(),
                    killed_at: Utc::now(),
                    recorder: self.name.clone(),
                });
            self.killed
                .lock()
                .map_err(|_| LaunchError::Other("the kill list is poisoned".into()))?
                .insert(handle.application_id.clone());
        }
        Ok(())
    }
}

/// The handle of a recorded application.
fn recorded_handle(run_id: &str) -> ApplicationHandle {
    ApplicationHandle {
        backend: LauncherBackend::Local,
        application_id: format!("recorded-{run_id}"),
        tracking_url: None,
    }
}
