//! `hdfs://` locations through hdfs-native, the pure-Rust HDFS client.
//!
//! - **One client per filesystem**, built on first use and kept: a client
//!   holds its NameNode connections, so later validations reuse them. The
//!   key is the filesystem a location resolves to (`hdfs://nameservice1`,
//!   `hdfs://host:8020`, `viewfs://cluster`), so `hdfs:///a.jar` and
//!   `hdfs://nameservice1/a.jar` share one client when `nameservice1` is
//!   the default filesystem.
//! - **Every call is bounded** by `hdfs.timeout_ms` (one status, or one
//!   range read: the block locations from the NameNode plus the bytes from
//!   the DataNodes; a streamed range read, `read_range_chunks`: the block
//!   locations, then each packet from the DataNodes). A call that does not finish in time is
//!   [`FsError::Unreachable`]; its message says which NameNodes were tried
//!   and what a quick TCP probe of them found (refused, silent, or
//!   accepting but not answering the RPC).
//! - **HA and standby NameNodes**: hdfs-native tries the NameNodes of a
//!   name service in the configured order, moves to the next one on a
//!   `StandbyException` or a connection failure, sleeps with exponential
//!   back-off (`dfs.client.failover.sleep.base.millis` = 500, capped at
//!   `dfs.client.failover.sleep.max.millis` = 15000) after each full round,
//!   gives up after `dfs.client.failover.max.attempts` (15) failovers, and
//!   remembers the active one. Authentication failures are not failed over.
//!   With `ObserverReadProxyProvider` reads go to an observer first. A
//!   `RetriableException` (a NameNode just started, still in safe mode) is
//!   not retried by hdfs-native; this adapter makes the call again after
//!   100 ms, doubling to 1 s, within `hdfs.timeout_ms`, as Hadoop's client
//!   does.
//! - **Errors**: a missing path is `Ok(None)` for `status`; the NameNode's
//!   `AccessControlException` on a path is [`FsError::PermissionDenied`];
//!   a refused login (Kerberos, SIMPLE not allowed, bad token) is
//!   [`FsError::NotConfigured`] saying which setting to fix; connection
//!   failures are [`FsError::Unreachable`]; anything else while reading is
//!   [`FsError::Read`].
//! - **Kerberos**: see [`Auth`].

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use cdp_spark_domain::ports::{DirEntry, FileKind, FileStatus, FsError, HdfsPort, Sink};
use cdp_spark_domain::{artifact::ArtifactUri, cause};
use futures::StreamExt;
use hdfs_native::{Client, ClientBuilder, HdfsError};

use crate::config::{normalise_namenode, HdfsConfig, HdfsConfigError};
use crate::hadoop_conf::{Filesystem, FilesystemKind, HadoopConf, SECURITY_AUTHENTICATION};
use crate::probe::{describe_probes, human, probe};

const SCHEME: &str = "hdfs://";
/// First pause before a call the NameNode could not serve yet is made
/// again; it doubles up to [`RETRY_PAUSE_MAX`], within `hdfs.timeout_ms`.
const RETRY_PAUSE_FIRST: Duration = Duration::from_millis(100);
const RETRY_PAUSE_MAX: Duration = Duration::from_secs(1);
/// Longest wait of the TCP probe made after a timeout.
const PROBE_BUDGET: Duration = Duration::from_secs(1);

/// How the provisioner logs in to HDFS.
///
/// Kerberos with a keytab needs no `kinit` and no renewal task: hdfs-native
/// acquires credentials through `gss_acquire_cred_from` with the keytab
/// (`client_keytab`) and a credential cache (a private `MEMORY:` one unless
/// `hdfs.ticket_cache` names one) each time it opens a NameNode or DataNode
/// connection, and MIT Kerberos obtains a new ticket from the keytab when
/// the cached one has expired. Hadoop authenticates a connection when it is
/// opened, and the NameNode closes idle ones, so a long-running provisioner
/// keeps working past the ticket lifetime. Without a keytab the ticket
/// cache (`hdfs.ticket_cache`, else `KRB5CCNAME`, else the default) must be
/// kept fresh from outside (`kinit`, `k5start`). `libgssapi_krb5.so.2`
/// (Debian: `libgssapi-krb5-2`) is loaded at run time.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// `hadoop.security.authentication = simple`: the user is `hdfs.user`,
    /// else `HADOOP_USER_NAME`, else the operating-system user.
    Simple { user: Option<String> },
    Kerberos {
        principal: Option<String>,
        keytab: Option<String>,
        ticket_cache: Option<String>,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Simple { user } => f.debug_struct("Simple").field("user", user).finish(),
            Auth::Kerberos {
                principal,
                keytab,
                ticket_cache,
            } => f
                .debug_struct("Kerberos")
                .field("principal", principal)
                .field("keytab", keytab)
                .field("ticket_cache", &ticket_cache.as_ref().map(|_| "set"))
                .finish(),
        }
    }
}

impl fmt::Display for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Simple { user: Some(user) } => write!(f, "simple authentication as {user}"),
            Auth::Simple { user: None } => f.write_str(
                "simple authentication as HADOOP_USER_NAME or the operating-system user",
            ),
            Auth::Kerberos {
                principal,
                keytab,
                ticket_cache,
            } => {
                f.write_str("Kerberos")?;
                match principal {
                    Some(p) => write!(f, " as {p}")?,
                    None => f.write_str(" as the default principal of the ticket cache")?,
                }
                if let Some(k) = keytab {
                    write!(f, " (keytab {k})")?;
                } else if ticket_cache.is_some() {
                    f.write_str(" (configured ticket cache)")?;
                }
                Ok(())
            }
        }
    }
}

/// The `HdfsPort` for `hdfs://` locations.
///
/// Its clients run their connection tasks on a small runtime of its own
/// (one thread, `hdfs-io`), so it can be shared by callers on any tokio
/// runtime — e.g. the per-worker runtimes of actix-web — and a caller's
/// runtime ending does not take the NameNode connections with it. The
/// calls themselves (and their timeouts) run in the caller's task.
pub struct HdfsNativeFs {
    conf: HadoopConf,
    auth: Auth,
    timeout: Duration,
    /// The NameNode addresses a location may name (normalised): the
    /// configuration's and `hdfs.allowed_namenodes`.
    known_namenodes: BTreeSet<String>,
    /// The filesystems named in a refusal.
    known_filesystems: Vec<String>,
    clients: Mutex<HashMap<String, Client>>,
    built: AtomicU64,
    io_runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for HdfsNativeFs {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which tokio forbids inside async code;
        // this does not wait.
        if let Some(runtime) = self.io_runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl fmt::Debug for HdfsNativeFs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HdfsNativeFs")
            .field("source", &self.conf.source())
            .field("auth", &self.auth)
            .field("timeout", &self.timeout)
            .field("clients", &self.cached_filesystems())
            .finish()
    }
}

impl HdfsNativeFs {
    /// Reads the Hadoop configuration (see [`HadoopConf::load`]) and checks
    /// the settings; connects to nothing yet.
    pub fn new(config: &HdfsConfig) -> Result<Self, HdfsConfigError> {
        config.check()?;
        Self::with_conf(config, HadoopConf::load(config)?)
    }

    /// With an already loaded Hadoop configuration.
    pub fn with_conf(config: &HdfsConfig, mut conf: HadoopConf) -> Result<Self, HdfsConfigError> {
        config.check()?;
        let auth = if let Some(principal) = &config.principal {
            match conf.get(SECURITY_AUTHENTICATION) {
                Some(v) if !v.trim().eq_ignore_ascii_case("kerberos") => {
                    return Err(HdfsConfigError::key(
                        "hdfs.principal",
                        format!(
                            "is set, but {SECURITY_AUTHENTICATION} is '{v}' ({}); remove the \
                             principal for a cluster without Kerberos, or set \
                             {SECURITY_AUTHENTICATION} = kerberos",
                            conf.source()
                        ),
                    ))
                }
                _ => conf.set(SECURITY_AUTHENTICATION, "kerberos"),
            }
            let keytab = match &config.keytab {
                Some(path) => {
                    if let Err(e) = std::fs::File::open(path) {
                        return Err(HdfsConfigError::key(
                            "hdfs.keytab",
                            format!(
                                "{} cannot be read ({e}); give the path of {principal}'s keytab, \
                                 readable by the provisioner's user",
                                path.display()
                            ),
                        ));
                    }
                    Some(path.display().to_string())
                }
                None => None,
            };
            Auth::Kerberos {
                principal: Some(principal.trim().to_string()),
                keytab,
                ticket_cache: config.ticket_cache.clone(),
            }
        } else if conf.kerberos() {
            Auth::Kerberos {
                principal: None,
                keytab: None,
                ticket_cache: None,
            }
        } else {
            Auth::Simple {
                user: config.user.clone(),
            }
        };

        for ns in conf.name_services() {
            conf.namenodes(&ns)
                .map_err(|e| HdfsConfigError::hadoop("of the name services", e))?;
        }
        let explicit_default = config.default_fs.is_some();
        let hdfs_default = conf.default_fs().is_some_and(|fs| {
            let lower = fs.to_ascii_lowercase();
            lower.starts_with("hdfs://") || lower.starts_with("viewfs://")
        });
        if explicit_default || hdfs_default {
            conf.filesystem("")
                .map_err(|e| HdfsConfigError::hadoop("default filesystem", e))?;
        }
        let io_runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("hdfs-io")
            .enable_all()
            .build()
            .map_err(|e| {
                HdfsConfigError::hadoop(
                    "client runtime",
                    format!("the I/O thread of the HDFS client could not start: {e}"),
                )
            })?;
        let mut known_namenodes = conf.configured_namenodes();
        known_namenodes.extend(
            config
                .allowed_namenodes
                .iter()
                .filter_map(|a| normalise_namenode(a)),
        );
        let mut known_filesystems: Vec<String> =
            conf.filesystem("").map(|fs| fs.uri).into_iter().collect();
        for ns in conf.name_services() {
            let uri = format!("hdfs://{ns}");
            if !known_filesystems.contains(&uri) {
                known_filesystems.push(uri);
            }
        }
        known_filesystems.push("the NameNode addresses of its Hadoop configuration".into());
        if !config.allowed_namenodes.is_empty() {
            known_filesystems.push("hdfs.allowed_namenodes".into());
        }
        Ok(HdfsNativeFs {
            conf,
            auth,
            timeout: config.timeout(),
            known_namenodes,
            known_filesystems,
            clients: Mutex::new(HashMap::new()),
            built: AtomicU64::new(0),
            io_runtime: Some(io_runtime),
        })
    }

    pub fn hadoop_conf(&self) -> &HadoopConf {
        &self.conf
    }

    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// One line for the start-up log.
    pub fn summary(&self) -> String {
        let default = match self.conf.filesystem("") {
            Ok(fs) => format!("default filesystem {fs}"),
            Err(_) => "no default filesystem (hdfs:///… locations are refused)".into(),
        };
        format!(
            "HDFS through hdfs-native: {default}; {}; {}; timeout {}",
            self.auth,
            self.conf.source(),
            human(self.timeout)
        )
    }

    /// How many clients were built so far (one per filesystem used).
    pub fn clients_built(&self) -> u64 {
        self.built.load(Ordering::SeqCst)
    }

    /// The filesystems that have a client, sorted.
    pub fn cached_filesystems(&self) -> Vec<String> {
        let clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        let mut keys: Vec<String> = clients.keys().cloned().collect();
        keys.sort();
        keys
    }

    /// The filesystem and path of an `hdfs://` location.
    pub fn locate(&self, location: &ArtifactUri) -> Result<(Filesystem, String), FsError> {
        let ArtifactUri::Hdfs {
            authority, path, ..
        } = location
        else {
            return Err(FsError::NotConfigured {
                scheme: "file:".into(),
                detail: cause!(
                    "{location} was given to the HDFS reader, which only reads hdfs:// \
                     locations; route locations through ArtifactFs"
                ),
            });
        };
        let fs = self
            .conf
            .filesystem(authority)
            .map_err(|detail| FsError::NotConfigured {
                scheme: SCHEME.into(),
                detail: cause!("cannot tell where {location} is: {detail}"),
            })?;
        // A name service or federated name comes from the configuration;
        // an address written into the location must be one it names too.
        let named_by_address = !authority.trim().is_empty() && fs.kind == FilesystemKind::NameNode;
        if named_by_address
            && !fs
                .namenodes
                .iter()
                .filter_map(|a| normalise_namenode(a))
                .all(|a| self.known_namenodes.contains(&a))
        {
            return Err(FsError::UnknownFilesystem {
                location: location.to_string(),
                known: self.known_filesystems.clone(),
            });
        }
        Ok((fs, path.clone()))
    }

    /// The (cached) hdfs-native client for a location, and the path to give
    /// it. Public so that tools and tests can write with the same client.
    pub fn client(&self, location: &ArtifactUri) -> Result<(Client, String), FsError> {
        let (fs, path) = self.locate(location)?;
        Ok((self.client_for(&fs)?, path))
    }

    pub(crate) fn client_for(&self, fs: &Filesystem) -> Result<Client, FsError> {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = clients.get(&fs.uri) {
            return Ok(client.clone());
        }
        let client = self.build(fs)?;
        self.built.fetch_add(1, Ordering::SeqCst);
        tracing::info!(filesystem = %fs, auth = %self.auth, "HDFS client created");
        clients.insert(fs.uri.clone(), client.clone());
        Ok(client)
    }

    fn build(&self, fs: &Filesystem) -> Result<Client, FsError> {
        let mut builder = ClientBuilder::new()
            .with_url(fs.uri.as_str())
            .with_config(self.conf.values().clone());
        // The same files again (so hdfs-native does not read another folder
        // from the environment); the merged values above win.
        if let Some(dir) = self.conf.conf_dir() {
            builder = builder.with_config_dir(dir.display().to_string());
        }
        if let Some(runtime) = &self.io_runtime {
            builder = builder.with_io_runtime(runtime.handle().clone());
        }
        match &self.auth {
            Auth::Simple { user: Some(user) } => builder = builder.with_user(user.as_str()),
            Auth::Simple { user: None } => {}
            Auth::Kerberos {
                principal,
                keytab,
                ticket_cache,
            } => {
                if let Some(p) = principal {
                    builder = builder.with_kerberos_principal(p.as_str());
                }
                if let Some(k) = keytab {
                    builder = builder.with_kerberos_keytab(k.as_str());
                }
                if let Some(c) = ticket_cache {
                    builder = builder.with_kerberos_cache(c.as_str());
                }
            }
        }
        builder.build().map_err(|e| FsError::NotConfigured {
            scheme: SCHEME.into(),
            detail: cause!(
                "the HDFS client for {fs} could not be set up: {e} ({})",
                self.conf.source()
            ),
        })
    }

    /// `call`, bounded by the timeout, and made again while the NameNode
    /// answers that it cannot serve it yet (see [`is_retriable`]).
    pub(crate) async fn timed<T, F, Fut>(&self, call: F) -> Result<T, Failure>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, HdfsError>>,
    {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut pause = RETRY_PAUSE_FIRST;
        loop {
            match tokio::time::timeout_at(deadline, call()).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(e)) if is_retriable(&e) => {
                    if tokio::time::Instant::now() + pause >= deadline {
                        return Err(Failure::Hdfs(e));
                    }
                    let pause_ms = pause.as_millis() as u64;
                    tracing::debug!(error = %e, pause_ms, "HDFS call made again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(RETRY_PAUSE_MAX);
                }
                Ok(Err(e)) => return Err(Failure::Hdfs(e)),
                Err(_) => return Err(Failure::TimedOut),
            }
        }
    }

    pub(crate) async fn fs_error(
        &self,
        failure: Failure,
        fs: &Filesystem,
        location: &ArtifactUri,
        doing: &str,
    ) -> FsError {
        match failure {
            Failure::Hdfs(e) => map_error(&e, fs, location, doing, &self.auth).caused_by(e),
            Failure::TimedOut => {
                let probes = probe(&fs.namenodes, PROBE_BUDGET.min(self.timeout)).await;
                let refused = !probes.is_empty() && probes.iter().all(|p| p.refused);
                let probe = describe_probes(&probes);
                let detail = if refused {
                    format!(
                        "every NameNode refused the connection, again and again for {}, while \
                         trying to {doing} {location} ({probe}); the NameNodes are down or do \
                         not listen at these addresses; the limit is hdfs.timeout_ms = {}",
                        human(self.timeout),
                        self.timeout.as_millis()
                    )
                } else {
                    format!(
                        "no answer within {} while trying to {doing} {location} ({probe}); the \
                         NameNodes (or the DataNodes holding the file) are down, overloaded or \
                         blocked by a firewall; the limit is hdfs.timeout_ms = {}",
                        human(self.timeout),
                        self.timeout.as_millis()
                    )
                };
                FsError::Unreachable {
                    target: fs.to_string(),
                    detail: detail.into(),
                }
            }
        }
    }
}

pub(crate) enum Failure {
    Hdfs(HdfsError),
    TimedOut,
}

#[async_trait]
impl HdfsPort for HdfsNativeFs {
    async fn status(&self, location: &ArtifactUri) -> Result<Option<FileStatus>, FsError> {
        let (fs, path) = self.locate(location)?;
        let client = self.client_for(&fs)?;
        match self.timed(|| client.get_file_info(&path)).await {
            Ok(status) if status.isdir => Ok(Some(FileStatus {
                kind: FileKind::Directory,
                length: 0,
            })),
            Ok(status) => Ok(Some(FileStatus {
                kind: FileKind::File,
                length: status.length as u64,
            })),
            Err(Failure::Hdfs(e)) if is_not_found(&e) => Ok(None),
            Err(failure) => Err(self
                .fs_error(failure, &fs, location, "read the status of")
                .await),
        }
    }

    async fn read_range(
        &self,
        location: &ArtifactUri,
        offset: u64,
        len: u64,
    ) -> Result<Vec<u8>, FsError> {
        let (fs, path) = self.locate(location)?;
        let client = self.client_for(&fs)?;
        let past_end = |file_len: u64| FsError::Read {
            path: location.to_string(),
            detail: cause!(
                "asked for {len} bytes at offset {offset}, but the file has {file_len} bytes"
            ),
        };
        let read = || async {
            let reader = client.read(&path).await?;
            let file_len = reader.file_length() as u64;
            let range = offset
                .checked_add(len)
                .filter(|&end| end <= file_len)
                .and_then(|_| Some((usize::try_from(offset).ok()?, usize::try_from(len).ok()?)));
            let Some((at, size)) = range else {
                return Ok(Err(past_end(file_len)));
            };
            if size == 0 {
                return Ok(Ok(Vec::new()));
            }
            let bytes = reader.read_range(at, size).await?;
            Ok(Ok(bytes.to_vec()))
        };
        let doing = format!("read {len} bytes at offset {offset} of");
        let bytes = match self.timed(read).await {
            Ok(result) => result?,
            Err(failure) => return Err(self.fs_error(failure, &fs, location, &doing).await),
        };
        if bytes.len() as u64 != len {
            return Err(FsError::Read {
                path: location.to_string(),
                detail: cause!(
                    "asked for {len} bytes at offset {offset}, got {}: the file changed while \
                     being read",
                    bytes.len()
                ),
            });
        }
        Ok(bytes)
    }

    /// One open (the block locations), then the DataNodes' packets as they
    /// come, all within `hdfs.timeout_ms` from the start of the call (as a
    /// plain range read); dropping the stream when `sink` stops ends the
    /// transfer.
    async fn read_range_chunks<'s>(
        &self,
        location: &ArtifactUri,
        offset: u64,
        len: u64,
        chunk: u64,
        sink: &mut Sink<'s>,
    ) -> Result<(), FsError> {
        if len == 0 {
            return Ok(());
        }
        let deadline = tokio::time::Instant::now() + self.timeout;
        let (reader, at, size) = self.open_reader(location, offset, len).await?;
        let chunk = usize::try_from(chunk.max(1)).unwrap_or(usize::MAX);
        let mut stream = std::pin::pin!(reader.read_range_stream(at, size));
        let doing = format!("read {len} bytes at offset {offset} of");
        loop {
            let packet = match tokio::time::timeout_at(deadline, stream.next()).await {
                Ok(None) => return Ok(()),
                Ok(Some(Ok(packet))) => packet,
                Ok(Some(Err(e))) => {
                    let (fs, _) = self.locate(location)?;
                    return Err(self.fs_error(Failure::Hdfs(e), &fs, location, &doing).await);
                }
                Err(_) => {
                    let (fs, _) = self.locate(location)?;
                    return Err(self
                        .fs_error(Failure::TimedOut, &fs, location, &doing)
                        .await);
                }
            };
            for piece in packet.chunks(chunk) {
                if !sink.take(piece) {
                    return Ok(());
                }
            }
        }
    }

    async fn list(
        &self,
        location: &ArtifactUri,
        max: usize,
    ) -> Result<Option<Vec<DirEntry>>, FsError> {
        self.list_dir(location, max).await
    }
}

impl HdfsNativeFs {
    /// The open of a streamed read: the block locations, within the timeout.
    async fn open_reader(
        &self,
        location: &ArtifactUri,
        offset: u64,
        len: u64,
    ) -> Result<(hdfs_native::file::FileReader, usize, usize), FsError> {
        let (fs, path) = self.locate(location)?;
        let client = self.client_for(&fs)?;
        let doing = format!("read {len} bytes at offset {offset} of");
        let reader = match self.timed(|| client.read(&path)).await {
            Ok(reader) => reader,
            Err(failure) => return Err(self.fs_error(failure, &fs, location, &doing).await),
        };
        let file_len = reader.file_length() as u64;
        let range = offset
            .checked_add(len)
            .filter(|&end| end <= file_len)
            .and_then(|_| Some((usize::try_from(offset).ok()?, usize::try_from(len).ok()?)));
        let Some((at, size)) = range else {
            return Err(FsError::Read {
                path: location.to_string(),
                detail: cause!(
                    "asked for {len} bytes at offset {offset}, but the file has {file_len} bytes"
                ),
            });
        };
        Ok((reader, at, size))
    }
}

const ACCESS_CONTROL: &str = "org.apache.hadoop.security.AccessControlException";
const RETRIABLE: &str = "org.apache.hadoop.ipc.RetriableException";

/// The NameNode cannot serve the call yet but will: a `RetriableException`
/// (e.g. a NameNode just started, in safe mode until the DataNodes have
/// reported their blocks: "Zero blocklocations ... Name node is in safe
/// mode"). Hadoop's own client makes such calls again after a pause;
/// hdfs-native returns them at once (it fails over only on a
/// `StandbyException`), so the adapter retries them within the timeout.
fn is_retriable(e: &HdfsError) -> bool {
    matches!(e, HdfsError::RPCError(class, _) if class == RETRIABLE)
}

/// "No such file" however the client says it.
pub(crate) fn is_not_found(e: &HdfsError) -> bool {
    match e {
        HdfsError::FileNotFound(_) => true,
        HdfsError::RPCError(class, _) => matches!(
            class.as_str(),
            "java.io.FileNotFoundException"
                | "org.apache.hadoop.fs.ParentNotDirectoryException"
                | "org.apache.hadoop.fs.UnresolvedLinkException"
        ),
        _ => false,
    }
}

/// The first line of a Java exception message (the rest is a stack trace).
fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or("").trim()
}

fn is_authentication_class(class: &str) -> bool {
    matches!(
        class,
        "javax.security.sasl.SaslException"
            | "org.ietf.jgss.GSSException"
            | "org.apache.hadoop.security.authorize.AuthorizationException"
            | "org.apache.hadoop.security.token.SecretManager$InvalidToken"
    )
}

/// What to fix after a refused login; `failure` is what the client said.
fn login_hint(auth: &Auth, failure: &str) -> String {
    match auth {
        Auth::Simple { .. } => "if the cluster uses Kerberos, set hdfs.principal and hdfs.keytab \
             (or hadoop.security.authentication = kerberos in core-site.xml with a ticket cache \
             kept by kinit)"
            .into(),
        Auth::Kerberos {
            principal,
            keytab: Some(k),
            ..
        } => keytab_hint(principal.as_deref(), k, failure),
        Auth::Kerberos { .. } => "no keytab is configured: the ticket cache (hdfs.ticket_cache, \
             KRB5CCNAME or the default) must hold a valid ticket (kinit), or set hdfs.keytab"
            .into(),
    }
}

/// The KDC's answers to a key that is not the principal's current one.
const STALE_KEY: [&str; 5] = [
    "Decrypt integrity check failed",
    "Preauthentication failed",
    "Password incorrect",
    "Key version number for principal in key table is incorrect",
    "Specified version of key is not available",
];

/// A refused login from a keytab: whether the keytab holds a key for the
/// principal at all (the GSSAPI library then says only "No credentials
/// cache found"), or holds one the KDC no longer accepts.
fn keytab_hint(principal: Option<&str>, keytab: &str, failure: &str) -> String {
    let generic = format!(
        "check that hdfs.principal matches an entry of the keytab {keytab} (klist -kt), that \
         krb5.conf (KRB5_CONFIG) names the realm's KDCs, and that the principal may use HDFS"
    );
    let Some(principal) = principal else {
        return generic;
    };
    match crate::keytab::principals(std::path::Path::new(keytab)) {
        Ok(held)
            if !held
                .iter()
                .any(|h| crate::keytab::same_principal(h, principal)) =>
        {
            let holds = if held.is_empty() {
                "no key at all".to_string()
            } else {
                format!("keys for {} only", held.join(", "))
            };
            format!(
                "the keytab {keytab} holds no key for {principal} (klist -kt: {holds}); set \
                 hdfs.principal to the keytab's principal, or hdfs.keytab to {principal}'s keytab"
            )
        }
        Ok(_) if STALE_KEY.iter().any(|s| failure.contains(s)) => format!(
            "the KDC refuses the key the keytab {keytab} holds for {principal}: the principal's \
             key changed after the keytab was made (a new password or key version); install a \
             freshly exported keytab (kadmin ktadd, ipa-getkeytab, or Cloudera Manager)"
        ),
        _ => generic,
    }
}

fn map_error(
    e: &HdfsError,
    fs: &Filesystem,
    location: &ArtifactUri,
    doing: &str,
    auth: &Auth,
) -> FsError {
    let path = location.to_string();
    let login_refused = |what: String| FsError::NotConfigured {
        scheme: SCHEME.into(),
        detail: cause!(
            "the provisioner could not log in to {fs} ({auth}) to {doing} {location}: {what}; \
             {}",
            login_hint(auth, &what)
        ),
    };
    match e {
        HdfsError::RPCError(class, message) if class == ACCESS_CONTROL => {
            FsError::PermissionDenied {
                path,
                detail: cause!(
                    "the NameNode refused to let the provisioner ({auth}) {doing} it: {}",
                    first_line(message)
                ),
            }
        }
        HdfsError::FatalRPCError(class, message) | HdfsError::RPCError(class, message)
            if class == ACCESS_CONTROL || is_authentication_class(class) =>
        {
            login_refused(format!("{class}: {}", first_line(message)))
        }
        HdfsError::SASLError(message) => login_refused(format!("SASL: {message}")),
        HdfsError::GSSAPIError(major, minor, message) => {
            login_refused(format!("GSSAPI {major:?} (minor {minor}): {message}"))
        }
        HdfsError::NoSASLMechanism => login_refused(
            "the NameNode offered no authentication method this client can use".into(),
        ),
        HdfsError::OperationFailed(message) if message.contains("libgssapi") => {
            FsError::NotConfigured {
                scheme: SCHEME.into(),
                detail: cause!(
                    "Kerberos is configured but the GSSAPI library could not be loaded \
                     ({message}); install it (Debian/Ubuntu: apt-get install libgssapi-krb5-2; \
                     RHEL: krb5-libs)"
                ),
            }
        }
        HdfsError::RPCError(class, message)
            if class.ends_with("StandbyException")
                || class.ends_with("RetriableException")
                || class.ends_with("SafeModeException") =>
        {
            FsError::Unreachable {
                target: fs.to_string(),
                detail: cause!(
                    "no active NameNode could serve the request to {doing} {location}: {class}: \
                     {}",
                    first_line(message)
                ),
            }
        }
        HdfsError::RPCError(class, message) | HdfsError::FatalRPCError(class, message) => {
            FsError::Read {
                path,
                detail: cause!(
                    "the NameNode failed to {doing} it: {class}: {}",
                    first_line(message)
                ),
            }
        }
        HdfsError::IOError(io) => FsError::Unreachable {
            target: fs.to_string(),
            detail: cause!("could not {doing} {location}: {}", describe_io(io)),
        },
        HdfsError::InvalidRPCResponse(decode) => FsError::Unreachable {
            target: fs.to_string(),
            detail: cause!(
                "the answer while trying to {doing} {location} is not Hadoop RPC ({decode}); is \
                 the address a NameNode's RPC port (usually 8020)?"
            ),
        },
        HdfsError::FileNotFound(_) => FsError::Read {
            path,
            detail: cause!("could not {doing} it: it does not exist (was it just removed?)"),
        },
        HdfsError::IsADirectoryError(_) => FsError::Read {
            path,
            detail: "it is a directory, not a file".into(),
        },
        e @ (HdfsError::DataTransferError(_)
        | HdfsError::ChecksumError
        | HdfsError::BlocksNotFound(_)) => FsError::Read {
            path,
            detail: cause!(
                "could not {doing} it from the DataNodes: {e}; check that the DataNodes holding \
                 its blocks are reachable from the provisioner (dfs.client.use.datanode.hostname \
                 if they are known by host name only)"
            ),
        },
        e @ (HdfsError::InvalidArgument(_) | HdfsError::UrlParseError(_)) => {
            FsError::NotConfigured {
                scheme: SCHEME.into(),
                detail: cause!("the HDFS client refused the request to {doing} {location}: {e}"),
            }
        }
        e => FsError::Read {
            path,
            detail: cause!("could not {doing} it: {e}"),
        },
    }
}

fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => format!(
            "connection refused ({e}): no NameNode listens at the configured address and port"
        ),
        io::ErrorKind::TimedOut => format!("the connection timed out ({e})"),
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => format!(
            "the connection was closed by the other side ({e}); a NameNode also closes \
             connections whose login it refuses: check hadoop.security.authentication and the \
             Kerberos settings (hdfs.principal, hdfs.keytab)"
        ),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hadoop_conf::FilesystemKind;

    fn fs() -> Filesystem {
        Filesystem {
            uri: "hdfs://ns1".into(),
            kind: FilesystemKind::NameService { name: "ns1".into() },
            namenodes: vec!["nn1:8020".into(), "nn2:8020".into()],
        }
    }

    fn location() -> ArtifactUri {
        ArtifactUri::parse("hdfs://ns1/apps/job.jar").expect("valid")
    }

    fn map(e: HdfsError) -> FsError {
        let auth = Auth::Simple { user: None };
        map_error(&e, &fs(), &location(), "read the status of", &auth)
    }

    #[test]
    fn access_control_on_a_path_is_permission_denied_with_the_first_line() {
        let e = map(HdfsError::RPCError(
            ACCESS_CONTROL.into(),
            "Permission denied: user=alice, access=EXECUTE, inode=\"/apps\":hdfs:hdfs:drwx------\n\tat org.apache...".into(),
        ));
        match e {
            FsError::PermissionDenied { path, detail } => {
                assert_eq!(path, "hdfs://ns1/apps/job.jar");
                assert!(detail.contains("user=alice, access=EXECUTE"), "{detail}");
                assert!(!detail.contains("\tat"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refused_logins_are_configuration_faults_with_a_hint() {
        for e in [
            HdfsError::FatalRPCError(
                ACCESS_CONTROL.into(),
                "SIMPLE authentication is not enabled.  Available:[TOKEN, KERBEROS]".into(),
            ),
            HdfsError::SASLError("no credentials".into()),
            HdfsError::NoSASLMechanism,
            HdfsError::RPCError("javax.security.sasl.SaslException".into(), "GSS".into()),
        ] {
            match map(e) {
                FsError::NotConfigured { scheme, detail } => {
                    assert_eq!(scheme, "hdfs://");
                    assert!(detail.contains("could not log in to"), "{detail}");
                    assert!(detail.contains("hdfs.principal"), "{detail}");
                }
                other => panic!("{other:?}"),
            }
        }
        let missing_lib = map(HdfsError::OperationFailed(
            "Failed to load libgssapi_krb".into(),
        ));
        assert!(
            matches!(&missing_lib, FsError::NotConfigured { detail, .. } if detail.contains("libgssapi-krb5-2")),
            "{missing_lib:?}"
        );
    }

    #[test]
    fn connection_failures_and_standby_are_unreachable_naming_the_namenodes() {
        for e in [
            HdfsError::IOError(io::Error::from(io::ErrorKind::ConnectionRefused)),
            HdfsError::RPCError(
                "org.apache.hadoop.ipc.StandbyException".into(),
                "Operation category READ is not supported in state standby".into(),
            ),
        ] {
            match map(e) {
                FsError::Unreachable { target, .. } => {
                    assert_eq!(target, "name service ns1 (NameNodes nn1:8020, nn2:8020)")
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn not_found_in_any_form_is_recognised() {
        assert!(is_not_found(&HdfsError::FileNotFound("/a".into())));
        assert!(is_not_found(&HdfsError::RPCError(
            "java.io.FileNotFoundException".into(),
            "File does not exist: /a".into()
        )));
        assert!(!is_not_found(&HdfsError::RPCError(
            ACCESS_CONTROL.into(),
            "denied".into()
        )));
        // Read after status: the file went away.
        assert!(matches!(
            map(HdfsError::FileNotFound("/apps/job.jar".into())),
            FsError::Read { detail, .. } if detail.contains("does not exist")
        ));
    }

    #[test]
    fn auth_is_shown_without_secrets() {
        let auth = Auth::Kerberos {
            principal: Some("svc@EXAMPLE.COM".into()),
            keytab: Some("/etc/svc.keytab".into()),
            ticket_cache: Some("FILE:/tmp/secret-cache".into()),
        };
        assert_eq!(
            auth.to_string(),
            "Kerberos as svc@EXAMPLE.COM (keytab /etc/svc.keytab)"
        );
        assert!(!format!("{auth:?}").contains("secret-cache"));
        assert_eq!(human(Duration::from_millis(1500)), "1500 ms");
        assert_eq!(human(Duration::from_secs(15)), "15 s");
    }
}
