//! The descriptions of `docs/CONFIGURATION.md`, second part: the sections
//! that start and follow runs, `[scheduler]`, `[launcher]`,
//! `[notifications]` and `[yarn_logs]` (the first part is in
//! `reference/entries.rs`). Checked against the code as the first part.

use super::Shown::{Computed, Unset, Value as V};
use super::Type::*;
use super::{e, Entry, AT_LEAST_1};

/// The keys of `[scheduler]` to `[yarn_logs]`.
pub static ENGINE: &[Entry] = &[
    // [scheduler]
    e(
        "scheduler.enabled",
        Boolean,
        V,
        "Run the scheduler engine in this instance: fire triggers, launch and follow runs. \
         `false` serves the API only (jobs are stored, nothing fires here; another instance \
         on the same database may fire them).",
        "",
    ),
    e(
        "scheduler.instance_id",
        Text,
        Unset("none: hostname, process id and a random suffix"),
        "This instance's name in `QRTZ_SCHEDULER_STATE`; unique per instance.",
        "a blank value or more than 190 characters",
    ),
    e(
        "scheduler.batch_size",
        Integer,
        V,
        "Most fires per acquisition (one transaction).",
        AT_LEAST_1,
    ),
    e(
        "scheduler.idle_wait_ms",
        Integer,
        V,
        "Longest sleep of the fire loop with nothing due, in milliseconds.",
        AT_LEAST_1,
    ),
    e(
        "scheduler.look_ahead_ms",
        Integer,
        V,
        "Triggers due within this many milliseconds are acquired ahead and launched on time.",
        "",
    ),
    e(
        "scheduler.misfire_threshold_secs",
        Integer,
        V,
        "A trigger later than this many seconds misfired and follows its misfire policy \
         (default: fire once now, then the schedule resumes).",
        "",
    ),
    e(
        "scheduler.checkin_interval_ms",
        Integer,
        V,
        "How often this instance checks in (and recovers dead ones), in milliseconds.",
        AT_LEAST_1,
    ),
    e(
        "scheduler.dead_after_secs",
        Integer,
        V,
        "An instance whose check-in is older than this many seconds is dead: its triggers \
         and runs in flight are taken over by another.",
        "0, or not longer than `scheduler.checkin_interval_ms`",
    ),
    e(
        "scheduler.follow_interval_ms",
        Integer,
        V,
        "How often runs in flight are polled for their final status, in milliseconds.",
        AT_LEAST_1,
    ),
    e(
        "scheduler.max_concurrent_submits",
        Integer,
        Computed(
            "2 per CPU, at most 8, at most 1 per 400 MiB of the container's memory limit, at \
             least 1",
        ),
        "spark-submit processes at once. Each is a JVM: about 175 MB and 3.4 CPU-seconds with \
         `launcher.submit_jvm_opts` (about 245 MB with Spark's defaults), measured on the real \
         YARN of the tests; spark-submit is CPU-bound, so more than about twice the cores only \
         delays every application id.",
        AT_LEAST_1,
    ),
    e(
        "scheduler.stop_timeout_secs",
        Integer,
        V,
        "On SIGTERM, longest wait for launches in progress, in seconds; the instance then \
         leaves its check-in so that another follows its runs.",
        "",
    ),
    e(
        "scheduler.kill_on_unprovision",
        Boolean,
        V,
        "Unprovisioning a job kills its runs in flight (they end `KILLED` with the reason); \
         `false`: they are followed to their end.",
        "",
    ),
    e(
        "scheduler.backfill_max_runs",
        Integer,
        V,
        "Most runs one backfill creates: a window with more fire times is refused with the \
         count.",
        "0 or more than 100000",
    ),
    e(
        "scheduler.run_unscheduled_at_provision",
        Boolean,
        V,
        "Provisioning a job without a schedule starts one run when the job is created, its \
         definition changed or its schedule removed (the Scala provisioner's behaviour); a \
         job's `jobConfig.runAtProvision` wins. `false`: such a job waits for a manual \
         trigger.",
        "",
    ),
    // [launcher]
    e(
        "launcher.mode",
        Choice("`local`, `yarn`, `standalone`"),
        V,
        "How Spark applications start: `local` (spark-submit as a child process running the \
         driver here, for trying the product on one machine), `yarn` (cluster deploy mode, \
         followed through the ResourceManager REST API) or `standalone` (a standalone \
         master's REST submission server).",
        "another word",
    ),
    e(
        "launcher.master",
        Text,
        V,
        "Local mode's master: `local`, `local[N]` or `local[*]`.",
        "in local mode, another master",
    ),
    e(
        "launcher.master_url",
        Url,
        Unset("none"),
        "Standalone: the master's URL, `spark://host:7077`.",
        "missing in standalone mode, or not a `spark://` URL",
    ),
    e(
        "launcher.rest_url",
        Url,
        Unset("none"),
        "Standalone: the master's REST submission server, `http://host:6066`.",
        "missing in standalone mode, or not an http(s) URL",
    ),
    e(
        "launcher.spark_home",
        Path,
        Unset("none: `SPARK_HOME` of the environment, else `spark-submit` on `PATH`"),
        "The Spark installation. Without Spark the service still starts, logs a warning, and \
         each run fails saying how to fix it.",
        "",
    ),
    e(
        "launcher.hadoop_conf_dir",
        Path,
        Unset("none: spark-submit inherits `HADOOP_CONF_DIR`, if set"),
        "`HADOOP_CONF_DIR` of spark-submit.",
        "",
    ),
    e(
        "launcher.yarn_conf_dir",
        Path,
        Unset("none: spark-submit inherits `YARN_CONF_DIR`, if set"),
        "`YARN_CONF_DIR` of spark-submit.",
        "",
    ),
    e(
        "launcher.extra_env",
        TableOfText,
        Unset("none"),
        "More environment for spark-submit, `[launcher.extra_env]` in the file. spark-submit \
         inherits only `PATH`, `JAVA_HOME`, `SPARK_HOME`, `SPARK_CONF_DIR`, \
         `HADOOP_CONF_DIR`, `YARN_CONF_DIR`, `HADOOP_HOME`, `KRB5CCNAME`, `KRB5_CONFIG`, \
         `HOME`, `USER`, `LOGNAME`, `LANG`, `LANGUAGE`, `LC_*`, `TZ` and `TMPDIR` from the \
         provisioner; `HADOOP_USER_NAME`, `SPARK_LOCAL_IP`, `LD_LIBRARY_PATH` and anything \
         else go here. Secret-looking values are redacted.",
        "a name that is empty or holds `=` or NUL",
    ),
    e(
        "launcher.yarn_archive",
        Url,
        Unset("none: spark-submit uploads Spark's jars for every application"),
        "YARN: `spark.yarn.archive`, an archive of `$SPARK_HOME/jars` already on the cluster \
         (`hdfs://`, `viewfs://`, `local:`).",
        "set in another mode than `yarn`, a local file (it would be uploaded every time), or \
         `spark.yarn.archive` also in `launcher.spark_conf`",
    ),
    e(
        "launcher.spark_conf",
        TableOfText,
        Unset("none"),
        "`spark.*` settings for every submission, `[launcher.spark_conf]` in the file, \
         applied after the job's conf: the operator wins (a job entry with the same key is \
         left out; `spark.yarn.tags` is merged). For JVM options use \
         `spark.driver.defaultJavaOptions`/`spark.executor.defaultJavaOptions`. Not subject \
         to the descriptor's conf policy; secret-looking values are redacted.",
        "a key that does not start with `spark.` or holds `=` or white space, or one the \
         launcher sets itself",
    ),
    e(
        "launcher.krb5_conf",
        Path,
        Unset("none: the system's `/etc/krb5.conf`"),
        "krb5.conf of spark-submit's JVM: `KRB5_CONFIG` and `-Djava.security.krb5.conf` in \
         `SPARK_SUBMIT_OPTS`. The provisioner's own SPNEGO and HDFS clients read `KRB5_CONFIG` \
         of its own environment: set it there too.",
        "",
    ),
    e(
        "launcher.submit_jvm_opts",
        Text,
        V,
        "JVM options of spark-submit itself in `yarn` and `standalone` modes (a client that \
         submits and exits; first in `SPARK_SUBMIT_OPTS`); not in `local` mode, where \
         spark-submit is the driver. About 175 MB RSS and 3.5 CPU-s per spark-submit instead \
         of 245 MB and 6-7 CPU-s with Spark's defaults; `\"\"` keeps Spark's defaults.",
        "a word that does not start with `-`",
    ),
    e(
        "launcher.submit_timeout_secs",
        Integer,
        V,
        "YARN and standalone: a spark-submit still running after this many seconds is killed.",
        "0",
    ),
    e(
        "launcher.http_timeout_secs",
        Integer,
        V,
        "Timeout of each call to the cluster manager's REST API, in seconds.",
        "0",
    ),
    e(
        "launcher.kill_grace_secs",
        Integer,
        V,
        "Local mode: seconds between SIGTERM and SIGKILL when a run is killed.",
        "",
    ),
    e(
        "launcher.kerberos_principal",
        Text,
        Unset("none"),
        "spark-submit's `--principal`; with `launcher.yarn_spnego`, also the ResourceManager \
         client's Kerberos login (no `kinit` needed).",
        "set without `launcher.kerberos_keytab`, blank, or set in standalone mode",
    ),
    e(
        "launcher.kerberos_keytab",
        Path,
        Unset("none"),
        "spark-submit's `--keytab`, the keytab of `launcher.kerberos_principal`.",
        "set without `launcher.kerberos_principal`, or empty",
    ),
    e(
        "launcher.resource_managers",
        ListOfText,
        Unset("none"),
        "YARN: the ResourceManagers' web addresses (`http://rm1:8088`; several for HA), \
         through which runs are followed, killed and their logs found.",
        "empty in `yarn` mode, or an entry that is not an http(s) URL",
    ),
    e(
        "launcher.yarn_user_name",
        Text,
        Unset("none"),
        "YARN: `?user.name=` for Hadoop simple HTTP authentication (not sent with SPNEGO).",
        "a name with characters other than letters, digits, `.`, `_`, `-`, `@`",
    ),
    e(
        "launcher.yarn_spnego",
        Boolean,
        V,
        "YARN: authenticate to the ResourceManager REST API with SPNEGO (needs \
         `libgssapi-krb5-2`), as `launcher.kerberos_principal` from its keytab, else from the \
         default ticket cache (`KRB5CCNAME`).",
        "`true` in another mode than `yarn`",
    ),
    e(
        "launcher.allow_local_mode_on_network",
        Boolean,
        V,
        "`serve` in local mode with the scheduler on, on an address other hosts can reach \
         (not `127.0.0.1`/`[::1]`), refuses to start (exit 2) unless this is `true` (then it \
         warns): local mode runs every provisioned job's code on this host, as the \
         provisioner's user.",
        "",
    ),
    e(
        "launcher.spark_history_url",
        Url,
        Unset("none: runs have no Spark History Server link"),
        "The Spark History Server (`https://shs:18489`): each YARN run links to \
         `<url>/history/<application id>`.",
        "anything but an http(s) URL without user-info, query or fragment",
    ),
    e(
        "launcher.run_log_max_bytes",
        Integer,
        V,
        "Bytes of each run's output kept (the end of it), in memory while it runs and in the \
         job store (`CDP_RUN_LOGS`).",
        "0 or more than 8388608",
    ),
    e(
        "launcher.run_log_flush_secs",
        Integer,
        V,
        "Least seconds between two writes of a running local application's output to the \
         job store (it is written again when it ends).",
        "0 or more than 3600",
    ),
    // [notifications]
    e(
        "notifications.webhooks",
        ListOfTables,
        Unset("none: notifications are off (no event is written)"),
        "The operator's webhooks, each a `[[notifications.webhooks]]` table: `name` (letters, \
         digits, `-_.`, at most 64), `url` (`http://` or `https://`), `data_products` \
         (optional: only events of these data product ids) and `headers` (optional table, \
         e.g. `Authorization = \"Bearer ...\"`; values are secrets, never logged). Each \
         receives one JSON `POST` per event, `RUN_FAILED`, `RUN_RECOVERED` or \
         `DEADLINE_MISSED`, with `Idempotency-Key: <eventId>` (the same on every retry: \
         delivery is at least once). Descriptors cannot name URLs.",
        "more than 32 webhooks, two with one name, a bad name or URL, a header name or value \
         that is not a valid header",
    ),
    e(
        "notifications.max_attempts",
        Integer,
        V,
        "Attempts per delivery, the first included (408, 425, 429, 5xx and no answer are \
         tried again; other statuses give up at once).",
        AT_LEAST_1,
    ),
    e(
        "notifications.timeout_ms",
        Integer,
        V,
        "Longest wait for one POST's answer, in milliseconds.",
        AT_LEAST_1,
    ),
    e(
        "notifications.initial_backoff_ms",
        Integer,
        V,
        "Wait after the first failed attempt, doubled after each, in milliseconds.",
        "",
    ),
    e(
        "notifications.max_backoff_ms",
        Integer,
        V,
        "Longest wait between two attempts, in milliseconds.",
        "less than `notifications.initial_backoff_ms`",
    ),
    e(
        "notifications.poll_interval_ms",
        Integer,
        V,
        "How often the outbox (`CDP_NOTIFICATIONS`) is looked at when it had nothing due, in \
         milliseconds.",
        AT_LEAST_1,
    ),
    e(
        "notifications.max_concurrent",
        Integer,
        V,
        "POSTs in flight at once.",
        AT_LEAST_1,
    ),
    e(
        "notifications.retention_hours",
        Integer,
        V,
        "Sent, given-up and withdrawn deliveries are deleted from the outbox after this many \
         hours, checked hourly.",
        AT_LEAST_1,
    ),
    // [yarn_logs]
    e(
        "yarn_logs.enabled",
        Boolean,
        V,
        "Read a YARN driver's log from the logs its NodeManagers aggregated to HDFS once the \
         NodeManager no longer has it.",
        "",
    ),
    e(
        "yarn_logs.remote_app_log_dir",
        Url,
        Unset(
            "none: `/tmp/logs` on `hdfs.default_fs` (else `hdfs:///tmp/logs`) when `[hdfs]` is \
             on; nowhere when it is off",
        ),
        "YARN's `yarn.nodemanager.remote-app-log-dir` as an `hdfs://` location; the \
         provisioner's HDFS identity must be able to read the submitting user's folder there.",
        "anything but an `hdfs://` location",
    ),
    e(
        "yarn_logs.suffixes",
        ListOfText,
        V,
        "`yarn.nodemanager.remote-app-log-dir-suffix` values tried in order, each as \
         `<user>/<suffix>/<appId>` and Hadoop 3.3's `<user>/bucket-<suffix>/<NNNN>/<appId>`. \
         TFile only: IndexedFormat logs are not read.",
        "an empty list while enabled, or an entry that is not a folder name",
    ),
    e(
        "yarn_logs.owner",
        Text,
        Unset(
            "none: `launcher.yarn_user_name`, else the first part of `launcher.kerberos_principal`",
        ),
        "Whose folder holds the logs when the ResourceManager no longer knows the application \
         (the submitting user).",
        "a value that is not a user name",
    ),
    e(
        "yarn_logs.max_files",
        Integer,
        V,
        "Most files (one per NodeManager that ran a container of the application) looked at.",
        "0 or more than 100000",
    ),
];
