//! The descriptions of `docs/CONFIGURATION.md`, first part: the sections
//! `[server]` to `[log]` (the rest is in `reference/engine.rs`): what each
//! key of `Settings` does and what start-up refuses, in the document's
//! order. Keys, types and defaults are checked against the code by the
//! tests of `config/reference.rs`; the words are kept true by hand.

use super::Shown::{Unset, Value as V};
use super::Type::*;
use super::{e, Entry, AT_LEAST_1};

/// The keys of `[server]` to `[log]`.
pub static BASE: &[Entry] = &[
    // [server]
    e(
        "server.bind",
        Text,
        V,
        "`ADDRESS:PORT` to listen on (`--bind` overrides it). The default is reachable from this \
         machine only: `0.0.0.0:8093` opens it to other hosts. 8093 is the port of the existing \
         Scala provisioner. With `launcher.mode = \"local\"` and the scheduler on, an address \
         other than `127.0.0.1`/`[::1]` is refused unless `launcher.allow_local_mode_on_network` \
         is `true`.",
        "a value that is not `ADDRESS:PORT`",
    ),
    e(
        "server.public_base_url",
        Url,
        Unset("none: `publicInfo` carries no links"),
        "The provisioner's address as Witboost users reach it (`https://spark-sp.example.com`). \
         When set, a provision's `publicInfo` links to the job status API and to the job's \
         console page `/ui/jobs/{group}/{name}` under it.",
        "anything but an `http://` or `https://` URL with a host",
    ),
    e(
        "server.body_limit_bytes",
        Integer,
        V,
        "Largest request body accepted, in bytes; a larger body is refused with a message \
         saying so.",
        "less than 1024",
    ),
    e(
        "server.workers",
        Integer,
        Unset("none: one HTTP worker thread per core"),
        "HTTP worker threads.",
        "0",
    ),
    e(
        "server.shutdown_timeout_secs",
        Integer,
        V,
        "On SIGTERM or Ctrl-C, how long requests in flight may take to finish, in seconds.",
        "",
    ),
    e(
        "server.max_connections",
        Integer,
        V,
        "Connections served at once, all workers together (each worker its share); more wait \
         in the listen backlog. A connection holds at most a 128 KiB head and a body under \
         `server.body_limit_bytes`, so this bounds what clients can make the server hold \
         (about 0.5 GiB at the defaults in the worst case, plus at most 64 asynchronous \
         operations in flight).",
        AT_LEAST_1,
    ),
    e(
        "server.client_request_timeout_ms",
        Integer,
        V,
        "A new connection's request head must arrive within this many milliseconds (408 \
         otherwise).",
        "less than 100",
    ),
    e(
        "server.client_body_timeout_secs",
        Integer,
        V,
        "A request body must arrive within this many seconds after its head (a body sent a \
         byte at a time is refused).",
        AT_LEAST_1,
    ),
    e(
        "server.client_write_timeout_secs",
        Integer,
        V,
        "A connection whose client reads nothing of the answer for this many seconds is \
         dropped.",
        AT_LEAST_1,
    ),
    e(
        "server.keep_alive_secs",
        Integer,
        V,
        "Idle keep-alive connections are closed after this many seconds; `0`: no keep-alive.",
        "",
    ),
    // [store]
    e(
        "store.data_dir",
        Path,
        V,
        "Folder of the embedded SQLite database `jobstore.sqlite3`, created when missing \
         (`--data-dir` overrides it); used when `store.url` is not set. Keep it on a \
         persistent volume and do not remove or replace the file (or its `-wal`) while the \
         provisioner runs: it then refuses writes and `/ready` answers 503 until restarted.",
        "an empty path",
    ),
    e(
        "store.url",
        Url,
        Unset("none: SQLite, `jobstore.sqlite3` in `store.data_dir`"),
        "The job store's database: `mysql://USER:PASSWORD@HOST:PORT/DB` (MariaDB or MySQL; \
         `mariadb://` is read as `mysql://`), `postgres://USER:PASSWORD@HOST:PORT/DB` or \
         `postgresql://...` (handed to libpq as written, so query parameters such as \
         `sslmode=require` work), `sqlite://PATH`, `sqlite:PATH` or a file path. On MariaDB and \
         PostgreSQL the schema is Quartz 2.3's own, so a Quartz scheduler with \
         `StdJDBCDelegate` or `PostgreSQLDelegate` reads the jobs. Several instances may share \
         a MariaDB or PostgreSQL database; the password is never logged.",
        "an empty URL, another scheme, or an in-memory SQLite database",
    ),
    e(
        "store.table_prefix",
        Text,
        V,
        "Prefix of the Quartz tables (`QRTZ_JOB_DETAILS`, ...) and of the provisioner's own \
         (`CDP_RUNS`, ...).",
        "anything but 1 to 32 ASCII letters, digits or `_` starting with a letter",
    ),
    e(
        "store.sched_name",
        Text,
        V,
        "Quartz's `SCHED_NAME` of every row; a Quartz scheduler reading the jobs needs the \
         same `org.quartz.scheduler.instanceName`.",
        "an empty name or more than 120 characters",
    ),
    e(
        "store.max_connections",
        Integer,
        V,
        "Most database connections held open by this instance.",
        AT_LEAST_1,
    ),
    e(
        "store.connect_timeout_secs",
        Integer,
        V,
        "How long to wait for a connection before answering \"unavailable\", in seconds \
         (PostgreSQL: also libpq's `connect_timeout` unless the URL sets one).",
        AT_LEAST_1,
    ),
    e(
        "store.lock_timeout_secs",
        Integer,
        V,
        "How long a write waits for another one's lock, in seconds.",
        "",
    ),
    // [hdfs]
    e(
        "hdfs.enabled",
        Boolean,
        V,
        "Whether `hdfs://` jars are read at all. Off: only local and `file:` jars are \
         accepted, and an `hdfs://` jar is a system error saying HDFS is not configured.",
        "",
    ),
    e(
        "hdfs.hadoop_conf_dir",
        Path,
        Unset("none: `HADOOP_CONF_DIR`, else `HADOOP_HOME/etc/hadoop`"),
        "Folder with the Hadoop client configuration, `core-site.xml` and `hdfs-site.xml`.",
        "",
    ),
    e(
        "hdfs.default_fs",
        Url,
        Unset("none: `fs.defaultFS` of `core-site.xml`"),
        "The filesystem of `hdfs:///path` jars: `hdfs://nameservice1`, \
         `hdfs://namenode:8020` or `viewfs://cluster`; overrides `fs.defaultFS`.",
        "anything but an `hdfs://` or `viewfs://` URI with a host",
    ),
    e(
        "hdfs.allowed_namenodes",
        ListOfText,
        Unset("none: only the Hadoop configuration's NameNodes"),
        "NameNodes (`host:port`) that `hdfs://host:port/...` locations may name besides those \
         of the Hadoop configuration. A location is read only from the default filesystem, the \
         configured name services and NameNode addresses, and these: an address a descriptor \
         makes up is refused on its field before any connection.",
        "an entry that is not `host:port`",
    ),
    e(
        "hdfs.extra",
        TableOfText,
        Unset("none"),
        "Hadoop settings over those of the XML files, `[hdfs.extra]` in the file, e.g. \
         `\"dfs.client.failover.max.attempts\" = \"4\"`. Secret-looking values are redacted.",
        "an empty key or one with white space",
    ),
    e(
        "hdfs.principal",
        Text,
        Unset("none: no Kerberos (simple authentication)"),
        "Kerberos principal of the provisioner (`name@REALM` or `name/host@REALM`); turns \
         Kerberos on for HDFS.",
        "a blank value",
    ),
    e(
        "hdfs.keytab",
        Path,
        Unset("none"),
        "Keytab of `hdfs.principal`: tickets are obtained from it, and again when they \
         expire, without `kinit`. When a login is refused the message says which principals \
         the keytab holds.",
        "set without `hdfs.principal`",
    ),
    e(
        "hdfs.ticket_cache",
        Text,
        Unset("none: a private in-memory cache"),
        "Kerberos credential cache to use (`FILE:/path` or `KEYRING:...`), e.g. one kept \
         fresh by `kinit -R` or `k5start` outside the provisioner; with a keytab, where its \
         tickets are kept.",
        "a blank value, or set without `hdfs.principal`",
    ),
    e(
        "hdfs.user",
        Text,
        Unset("none: `HADOOP_USER_NAME`, else the operating-system user"),
        "Simple authentication only: the user to act as.",
        "a blank value, or set with `hdfs.principal` (Kerberos acts as its principal)",
    ),
    e(
        "hdfs.timeout_ms",
        Integer,
        V,
        "How long one HDFS call (a status, or one byte-range read) may take before the \
         cluster is reported unreachable, in milliseconds; after a timeout the log says what \
         a TCP connect to each NameNode finds.",
        "0",
    ),
    // [auth]
    e(
        "auth.coordinator_token",
        Text,
        Unset("none: the Coordinator's routes are open"),
        "Bearer token of the Witboost Coordinator's routes (`/v1/*` and `/v2/*` of the \
         specific provisioner API). A secret: never logged.",
        "an empty token, or one with white space or control characters",
    ),
    e(
        "auth.status_token",
        Text,
        Unset("none: the job status API's reads are open"),
        "Bearer token of the job status API's reads (`GET /v1/scheduler/...`) and of the \
         web console's pages' calls. It never opens the writes. A secret: never logged.",
        "an empty token, or one with white space or control characters",
    ),
    e(
        "auth.trigger_token",
        Text,
        Unset(
            "none: the writes are open when `auth.status_token` is unset too, **closed (403)** \
             when it is set",
        ),
        "Bearer token of the job status API's writes: trigger, rerun, backfill, pause and \
         resume (of a job, or of every job). A secret: never logged.",
        "an empty token, or one with white space or control characters",
    ),
    // [async]
    e(
        "async.provision",
        Boolean,
        V,
        "`POST /v1/provision` answers 202 with a token (polled on \
         `GET /v1/provision/{token}/status`) instead of 200. Tokens live in the job store, so \
         any instance answers them and they survive a restart. At most 64 asynchronous \
         operations (these and `/v2/validate`) run at once in an instance; past that a new \
         one is a 500 `SystemError` saying to try again.",
        "",
    ),
    e(
        "async.unprovision",
        Boolean,
        V,
        "`POST /v1/unprovision` answers 202 with a token instead of 200, as `async.provision`.",
        "",
    ),
    e(
        "async.abandon_after_secs",
        Integer,
        V,
        "A token still `RUNNING` this many seconds after it was created, and not running in \
         this process, was abandoned by a stopped instance: it answers `FAILED`.",
        AT_LEAST_1,
    ),
    e(
        "async.retention_hours",
        Integer,
        V,
        "Ended operations are deleted this many hours after they ended. A token's result is \
         kept up to 64 KiB.",
        "",
    ),
    // [descriptor]
    e(
        "descriptor.accepted_use_case_templates",
        ListOfText,
        V,
        "Accepted `useCaseTemplateId`s of a component (a version suffix is optional).",
        "an empty list (every descriptor would be refused)",
    ),
    e(
        "descriptor.max_descriptor_bytes",
        Integer,
        V,
        "Largest descriptor accepted, in bytes.",
        "0",
    ),
    e(
        "descriptor.conf_deny",
        ListOfText,
        Unset("none: the built-in deny-list only"),
        "More Spark properties `jobConfig.conf` may not set, on top of the built-in \
         deny-list (README, \"The conf policy\"): globs, `*` any run of characters, `?` one, \
         matched ignoring case.",
        "a pattern that is not a usable Spark property glob (named as `descriptor.conf_deny[N]`)",
    ),
    e(
        "descriptor.conf_deny_builtin",
        Boolean,
        V,
        "Whether the built-in deny-list applies; `false` leaves `descriptor.conf_deny` alone.",
        "",
    ),
    e(
        "descriptor.conf_allow",
        ListOfText,
        Unset("none: any key not denied"),
        "When set, `jobConfig.conf` may set only keys matching one of these globs; the deny \
         patterns still apply.",
        "a pattern that is not a usable Spark property glob (named as `descriptor.conf_allow[N]`)",
    ),
    e(
        "descriptor.unknown_keys",
        Choice("`warn`, `error`"),
        V,
        "What a key under `specific` that no rule reads is: `warn` keeps the descriptor valid and \
         the answer names the key and the closest known one (`warnings` of the validation \
         result, `WARNING` lines of a provision's logs); `error` makes the same text an error \
         (`valid: false`).",
        "a value other than `warn` or `error`",
    ),
    // [artifacts]
    e(
        "artifacts.local_roots",
        ListOfPaths,
        Unset(
            "none: any local path with `launcher.mode = \"local\"` on a loopback address (the \
             single-user trial); no local path otherwise",
        ),
        "Absolute folders local and `file:` jars and dependencies are read from (symlinks and \
         `..` resolved, then checked again). With `yarn` or `standalone`, jars must be where \
         every node reads them: `hdfs://`, or a folder listed here that every node mounts \
         (NFS). A location outside them gets one answer, whatever is there.",
        "a relative folder; a folder that does not exist stops start-up too",
    ),
    e(
        "artifacts.max_read_bytes",
        Integer,
        V,
        "Bytes one validation may read from its jar and dependencies; more is \"too large to \
         inspect\" on the field. A 500 MB jar of 200,000 entries reads 15.7 MB (its central \
         directory).",
        "less than 1048576",
    ),
    e(
        "artifacts.max_concurrent_checks",
        Integer,
        V,
        "Validations reading jars at once; more wait their turn.",
        AT_LEAST_1,
    ),
    e(
        "artifacts.local_timeout_ms",
        Integer,
        V,
        "Longest wait for one local filesystem call (a status, or a range read: its open and \
         every MiB of it), in milliseconds; a call the kernel never returns from (a hung NFS \
         mount) is answered at this time.",
        AT_LEAST_1,
    ),
    // [log]
    e(
        "log.format",
        Choice("`text`, `json`"),
        V,
        "`json` writes one JSON object per line on stderr.",
        "another word",
    ),
    e(
        "log.level",
        Text,
        V,
        "A `tracing` filter, e.g. `info` or `info,actix_web=warn`; `RUST_LOG` wins over it.",
        "",
    ),
];
