//! The tables, generated at run time for a table prefix and a backend.
//!
//! The eleven Quartz tables have exactly the columns, types, keys and
//! indexes of Quartz 2.3's `tables_mysql_innodb.sql` (index names carry the
//! prefix: `IDX_` + prefix + `T_J`, which is Quartz's `IDX_QRTZ_T_J` for the
//! default prefix). On MySQL/MariaDB every index is declared inside its
//! `CREATE TABLE IF NOT EXISTS`, so each table appears whole or not at all
//! and re-running is harmless even though MySQL DDL is not transactional.
//! SQLite gets the same column declarations (its type affinities are the
//! closest equivalent) and separate `CREATE INDEX IF NOT EXISTS`.
//!
//! On PostgreSQL the Quartz tables are those of Quartz's
//! `tables_postgres.sql`, column for column: its types (`BIGINT`, `BOOL`,
//! `BYTEA`, `VARCHAR(200)` names) from [`column_type`], the indexes as
//! separate `CREATE INDEX IF NOT EXISTS` (PostgreSQL's DDL is
//! transactional: the migration runs in one transaction). Unquoted names
//! fold to lower case there, as in Quartz's own script.
//!
//! Our own tables sit beside them with the same prefix: `CDP_SCHEMA_MIGRATIONS`,
//! `CDP_RUNS` (run history), `CDP_OPERATIONS` (asynchronous operation tokens)
//! and `CDP_RUN_LOGS` (the kept end of each run's log).

use crate::config::Backend;

/// A column: name, type as in Quartz's MySQL script (or [`FLAG`]),
/// nullability. Each backend's type is [`column_type`]'s.
struct Col(&'static str, &'static str, bool);

/// The type of Quartz's boolean columns: `VARCHAR(1)` in its MySQL script
/// (and on SQLite), `BOOL` in its PostgreSQL script.
const FLAG: &str = "FLAG";

const NOT_NULL: bool = false;
const NULL: bool = true;

struct Index {
    /// Suffix after `IDX_` + prefix; `None` for Quartz's one unnamed index
    /// (MySQL names it after its first column; SQLite skips it, the primary
    /// key covers the same columns).
    name: Option<&'static str>,
    columns: &'static [&'static str],
}

struct ForeignKey {
    columns: &'static [&'static str],
    /// Referenced table without prefix.
    table: &'static str,
    referenced: &'static [&'static str],
}

struct Table {
    /// Name without prefix.
    name: &'static str,
    columns: &'static [Col],
    primary_key: &'static [&'static str],
    foreign_keys: &'static [ForeignKey],
    indexes: &'static [Index],
}

const TRIGGER_KEY: &[&str] = &["SCHED_NAME", "TRIGGER_NAME", "TRIGGER_GROUP"];
const JOB_KEY: &[&str] = &["SCHED_NAME", "JOB_NAME", "JOB_GROUP"];

const TRIGGER_FK: &[ForeignKey] = &[ForeignKey {
    columns: TRIGGER_KEY,
    table: "TRIGGERS",
    referenced: TRIGGER_KEY,
}];

/// Quartz 2.3's tables, in creation order (referenced tables first).
const QUARTZ_TABLES: &[Table] = &[
    Table {
        name: "JOB_DETAILS",
        columns: &[
            Col("SCHED_NAME", "VARCHAR(120)", NOT_NULL),
            Col("JOB_NAME", "VARCHAR(190)", NOT_NULL),
            Col("JOB_GROUP", "VARCHAR(190)", NOT_NULL),
            Col("DESCRIPTION", "VARCHAR(250)", NULL),
            Col("JOB_CLASS_NAME", "VARCHAR(250)", NOT_NULL),
            Col("IS_DURABLE", FLAG, NOT_NULL),
            Col("IS_NONCONCURRENT", FLAG, NOT_NULL),
            Col("IS_UPDATE_DATA", FLAG, NOT_NULL),
            Col("REQUESTS_RECOVERY", FLAG, NOT_NULL),
            Col("JOB_DATA", "BLOB", NULL),
        ],
        primary_key: JOB_KEY,
        foreign_keys: &[],
        indexes: &[
            Index {
                name: Some("J_REQ_RECOVERY"),
                columns: &["SCHED_NAME", "REQUESTS_RECOVERY"],
            },
            Index {
                name: Some("J_GRP"),
                columns: &["SCHED_NAME", "JOB_GROUP"],
            },
        ],
    },
    Table {
        name: "TRIGGERS",
        columns: &[
            Col("SCHED_NAME", "VARCHAR(120)", NOT_NULL),
            Col("TRIGGER_NAME", "VARCHAR(190)", NOT_NULL),
            Col("TRIGGER_GROUP", "VARCHAR(190)", NOT_NULL),
            Col("JOB_NAME", "VARCHAR(190)", NOT_NULL),
            Col("JOB_GROUP", "VARCHAR(190)", NOT_NULL),
            Col("DESCRIPTION", "VARCHAR(250)", NULL),
            Col("NEXT_FIRE_TIME", "BIGINT(13)", NULL),
            Col("PREV_FIRE_TIME", "BIGINT(13)", NULL),
            Col("PRIORITY", "INTEGER", NULL),
            Col("TRIGGER_STATE", "VARCHAR(16)", NOT_NULL),
            Col("TRIGGER_TYPE", "VARCHAR(8)", NOT_NULL),
            Col("START_TIME", "BIGINT(13)", NOT_NULL),
            Col("END_TIME", "BIGINT(13)", NULL),
            Col("CALENDAR_NAME", "VARCHAR(190)", NULL),
            Col("MISFIRE_INSTR", "SMALLINT(2)", NULL),
            Col("JOB_DATA", "BLOB", NULL),
        ],
        primary_key: TRIGGER_KEY,
        foreign_keys: &[ForeignKey {
            columns: JOB_KEY,
            table: "JOB_DETAILS",
            referenced: JOB_KEY,
        }],
        indexes: &[
            Index {
                name: Some("T_J"),
                columns: &["SCHED_NAME", "JOB_NAME", "JOB_GROUP"],
            },
            Index {
                name: Some("T_JG"),
                columns: &["SCHED_NAME", "JOB_GROUP"],
            },
            Index {
                name: Some("T_C"),
                columns: &["SCHED_NAME", "CALENDAR_NAME"],
            },
            Index {
                name: Some("T_G"),
                columns: &["SCHED_NAME", "TRIGGER_GROUP"],
            },
            Index {
                name: Some("T_STATE"),
                columns: &["SCHED_NAME", "TRIGGER_STATE"],
            },
            Index {
                name: Some("T_N_STATE"),
                columns: &[
                    "SCHED_NAME",
                    "TRIGGER_NAME",
                    "TRIGGER_GROUP",
                    "TRIGGER_STATE",
                ],
            },
            Index {
                name: Some("T_N_G_STATE"),
                columns: &["SCHED_NAME", "TRIGGER_GROUP", "TRIGGER_STATE"],
            },
            Index {
                name: Some("T_NEXT_FIRE_TIME"),
                columns: &["SCHED_NAME", "NEXT_FIRE_TIME"],
            },
            Index {
                name: Some("T_NFT_ST"),
                columns: &["SCHED_NAME", "TRIGGER_STATE", "NEXT_FIRE_TIME"],
            },
            Index {
                name: Some("T_NFT_MISFIRE"),
                columns: &["SCHED_NAME", "MISFIRE_INSTR", "NEXT_FIRE_TIME"],
            },
            Index {
                name: Some("T_NFT_ST_MISFIRE"),
                columns: &[
                    "SCHED_NAME",
                    "MISFIRE_INSTR",
                    "NEXT_FIRE_TIME",
                    "TRIGGER_STATE",
                ],
            },
            Index {
                name: Some("T_NFT_ST_MISFIRE_GRP"),
                columns: &[
                    "SCHED_NAME",
                    "MISFIRE_INSTR",
                    "NEXT_FIRE_TIME",
                    "TRIGGER_GROUP",
                    "TRIGGER_STATE",
                ],
            },
        ],
    },
    Table {
        name: "SIMPLE_TRIGGERS",
        columns: &[
            Col("SCHED_NAME", "VARCHAR(120)", NOT_NULL),
            Col("TRIGGER_NAME", "VARCHAR(190)", NOT_NULL),
            Col("TRIGGER_GROUP", "VARCHAR(190)", NOT_NULL),
            Col("REPEAT_COUNT", "BIGINT(7)", NOT_NULL),
            Col("REPEAT_INTERVAL", "BIGINT(12)", NOT_NULL),
            Col("TIMES_TRIGGERED", "BIGINT(10)", NOT_NULL),
        ],
        primary_key: TRIGGER_KEY,
        foreign_keys: TRIGGER_FK,
        indexes: &[],
    },
    Table {
        name: "CRON_TRIGGERS",
        columns: &[
            Col("SCHED_NAME", "VARCHAR(120)", NOT_NULL),
            Col("TRIGGER_NAME", "VARCHAR(190)", NOT_NULL),
            Col("TRIGGER_GROUP", "VARCHAR(190)", NOT_NULL),
            Col("CRON_EXPRESSION", "VARCHAR(120)", NOT_NULL),
            Col("TIME_ZONE_ID", "VARCHAR(80)", NULL),
        ],
        primary_key: TRIGGER_KEY,
        foreign_keys: TRIGGER_FK,
        indexes: &[],
    },
    Table {
        name: "SIMPROP_TRIGGERS",
        columns: &[
            Col("SCHED_NAME", "VARCHAR(120)", NOT_NULL),
            Col("TRIGGER_NAME", "VARCHAR(190)", NOT_NULL),
            Col("TRIGGER_GROUP", "VARCHAR(190)", NOT_NULL),
            Col("STR_PROP_1", "VARCHAR(512)", NULL),
            Col("STR_PROP_2", "VARCHAR(512)", NULL),
            Col("STR_PROP_3", "VARCHAR(512)", NULL),
            Col("INT_PROP_1", "INT", NULL),
            Col("INT_PROP_2", "INT", NULL),
            Col("LONG_PROP_1", "BIGINT", NULL),
            Col("LONG_PROP_2", "BIGINT", NULL),
            Col("DEC_PROP_1", "NUMERIC(13,4)", NULL),
            Col("DEC_PROP_2", "NUMERIC(13,4)", NULL),
            Col("BOOL_PROP_1", FLAG, NULL),
            Col("BOOL_PROP_2", FLAG, NULL),
        ],
        primary_key: TRIGGER_KEY,
        foreign_keys: TRIGGER_FK,
        indexes: &[],
    },
    Table {
        name: "BLOB_TRIGGERS",
        columns: &[
            Col("SCHED_NAME", "VARCHAR(120)", NOT_NULL),
            Col("TRIGGER_NAME", "VARCHAR(190)", NOT_NULL),
            Col("TRIGGER_GROUP", "VARCHAR(190)", NOT_NULL),
            Col("BLOB_DATA", "BLOB", NULL),
        ],
        primary_key: TRIGGER_KEY,
        foreign_keys: TRIGGER_FK,
        indexes: &[Index {
            name: None,
            columns: TRIGGER_KEY,
        }],
    },
    Table {
        name: "CALENDARS",
        columns: &[
            Col("SCHED_NAME", "VARCHAR(120)", NOT_NULL),
            Col("CALENDAR_NAME", "VARCHAR(190)", NOT_NULL),
            Col("CALENDAR", "BLOB", NOT_NULL),
        ],
        primary_key: &["SCHED_NAME", "CALENDAR_NAME"],
        foreign_keys: &[],
        indexes: &[],
    },
    Table {
        name: "PAUSED_TRIGGER_GRPS",
        columns: &[
            Col("SCHED_NAME", "VARCHAR(120)", NOT_NULL),
            Col("TRIGGER_GROUP", "VARCHAR(190)", NOT_NULL),
        ],
        primary_key: &["SCHED_NAME", "TRIGGER_GROUP"],
        foreign_keys: &[],
        indexes: &[],
    },
    Table {
        name: "FIRED_TRIGGERS",
        columns: &[
            Col("SCHED_NAME", "VARCHAR(120)", NOT_NULL),
            Col("ENTRY_ID", "VARCHAR(95)", NOT_NULL),
            Col("TRIGGER_NAME", "VARCHAR(190)", NOT_NULL),
            Col("TRIGGER_GROUP", "VARCHAR(190)", NOT_NULL),
            Col("INSTANCE_NAME", "VARCHAR(190)", NOT_NULL),
            Col("FIRED_TIME", "BIGINT(13)", NOT_NULL),
            Col("SCHED_TIME", "BIGINT(13)", NOT_NULL),
            Col("PRIORITY", "INTEGER", NOT_NULL),
            Col("STATE", "VARCHAR(16)", NOT_NULL),
            Col("JOB_NAME", "VARCHAR(190)", NULL),
            Col("JOB_GROUP", "VARCHAR(190)", NULL),
            Col("IS_NONCONCURRENT", FLAG, NULL),
            Col("REQUESTS_RECOVERY", FLAG, NULL),
        ],
        primary_key: &["SCHED_NAME", "ENTRY_ID"],
        foreign_keys: &[],
        indexes: &[
            Index {
                name: Some("FT_TRIG_INST_NAME"),
                columns: &["SCHED_NAME", "INSTANCE_NAME"],
            },
            Index {
                name: Some("FT_INST_JOB_REQ_RCVRY"),
                columns: &["SCHED_NAME", "INSTANCE_NAME", "REQUESTS_RECOVERY"],
            },
            Index {
                name: Some("FT_J_G"),
                columns: &["SCHED_NAME", "JOB_NAME", "JOB_GROUP"],
            },
            Index {
                name: Some("FT_JG"),
                columns: &["SCHED_NAME", "JOB_GROUP"],
            },
            Index {
                name: Some("FT_T_G"),
                columns: &["SCHED_NAME", "TRIGGER_NAME", "TRIGGER_GROUP"],
            },
            Index {
                name: Some("FT_TG"),
                columns: &["SCHED_NAME", "TRIGGER_GROUP"],
            },
        ],
    },
    Table {
        name: "SCHEDULER_STATE",
        columns: &[
            Col("SCHED_NAME", "VARCHAR(120)", NOT_NULL),
            Col("INSTANCE_NAME", "VARCHAR(190)", NOT_NULL),
            Col("LAST_CHECKIN_TIME", "BIGINT(13)", NOT_NULL),
            Col("CHECKIN_INTERVAL", "BIGINT(13)", NOT_NULL),
        ],
        primary_key: &["SCHED_NAME", "INSTANCE_NAME"],
        foreign_keys: &[],
        indexes: &[],
    },
    Table {
        name: "LOCKS",
        columns: &[
            Col("SCHED_NAME", "VARCHAR(120)", NOT_NULL),
            Col("LOCK_NAME", "VARCHAR(40)", NOT_NULL),
        ],
        primary_key: &["SCHED_NAME", "LOCK_NAME"],
        foreign_keys: &[],
        indexes: &[],
    },
];

/// Names of Quartz's tables, without prefix.
pub const QUARTZ_TABLE_NAMES: [&str; 11] = [
    "JOB_DETAILS",
    "TRIGGERS",
    "SIMPLE_TRIGGERS",
    "CRON_TRIGGERS",
    "SIMPROP_TRIGGERS",
    "BLOB_TRIGGERS",
    "CALENDARS",
    "PAUSED_TRIGGER_GRPS",
    "FIRED_TRIGGERS",
    "SCHEDULER_STATE",
    "LOCKS",
];

/// Our migrations table, without prefix.
pub const MIGRATIONS_TABLE: &str = "CDP_SCHEMA_MIGRATIONS";
/// Our run history, without prefix.
pub const RUNS_TABLE: &str = "CDP_RUNS";
/// Our asynchronous operations, without prefix.
pub const OPERATIONS_TABLE: &str = "CDP_OPERATIONS";
/// The notification outbox (`outbox.rs`).
pub const NOTIFICATIONS_TABLE: &str = "CDP_NOTIFICATIONS";
/// Runs' kept logs, without prefix.
pub const RUN_LOGS_TABLE: &str = "CDP_RUN_LOGS";

const MIGRATIONS: Table = Table {
    name: MIGRATIONS_TABLE,
    columns: &[
        Col("VERSION", "INTEGER", NOT_NULL),
        Col("NAME", "VARCHAR(100)", NOT_NULL),
        Col("APPLIED_AT", "BIGINT", NOT_NULL),
    ],
    primary_key: &["VERSION"],
    foreign_keys: &[],
    indexes: &[],
};

const RUNS: Table = Table {
    name: RUNS_TABLE,
    columns: &[
        Col("SCHED_NAME", "VARCHAR(120)", NOT_NULL),
        Col("RUN_ID", "VARCHAR(190)", NOT_NULL),
        Col("JOB_NAME", "VARCHAR(190)", NOT_NULL),
        Col("JOB_GROUP", "VARCHAR(190)", NOT_NULL),
        Col("TRIGGER_NAME", "VARCHAR(190)", NOT_NULL),
        Col("TRIGGER_GROUP", "VARCHAR(190)", NOT_NULL),
        Col("SCHEDULED_FIRE_TIME", "BIGINT", NOT_NULL),
        Col("ACTUAL_FIRE_TIME", "BIGINT", NOT_NULL),
        Col("APPLICATION_ID", "VARCHAR(190)", NULL),
        Col("TRACKING_URL", "VARCHAR(2048)", NULL),
        Col("STATE", "VARCHAR(16)", NOT_NULL),
        Col("FINAL_STATUS", "VARCHAR(64)", NULL),
        Col("CREATED_AT", "BIGINT", NOT_NULL),
        Col("UPDATED_AT", "BIGINT", NOT_NULL),
        Col("ENDED_AT", "BIGINT", NULL),
        Col("ERROR_TEXT", "TEXT", NULL),
    ],
    primary_key: &["SCHED_NAME", "RUN_ID"],
    foreign_keys: &[],
    indexes: &[
        Index {
            name: Some("CDP_R_FIRE"),
            columns: &["SCHED_NAME", "ACTUAL_FIRE_TIME"],
        },
        Index {
            name: Some("CDP_R_JOB_FIRE"),
            columns: &["SCHED_NAME", "JOB_GROUP", "JOB_NAME", "ACTUAL_FIRE_TIME"],
        },
        Index {
            name: Some("CDP_R_STATE_FIRE"),
            columns: &["SCHED_NAME", "STATE", "ACTUAL_FIRE_TIME"],
        },
    ],
};

const OPERATIONS: Table = Table {
    name: OPERATIONS_TABLE,
    columns: &[
        Col("SCHED_NAME", "VARCHAR(120)", NOT_NULL),
        Col("OPERATION_ID", "VARCHAR(190)", NOT_NULL),
        Col("KIND", "VARCHAR(32)", NOT_NULL),
        Col("COMPONENT_ID", "VARCHAR(512)", NULL),
        Col("STATUS", "VARCHAR(16)", NOT_NULL),
        Col("RESULT", "MEDIUMTEXT", NULL),
        Col("CREATED_AT", "BIGINT", NOT_NULL),
        Col("UPDATED_AT", "BIGINT", NOT_NULL),
    ],
    primary_key: &["SCHED_NAME", "OPERATION_ID"],
    foreign_keys: &[],
    indexes: &[Index {
        name: Some("CDP_O_UPDATED"),
        columns: &["SCHED_NAME", "UPDATED_AT"],
    }],
};

/// One row per event and webhook; the key is the transition (run, kind,
/// webhook), so that writing the same transition again is a no-op.
const NOTIFICATIONS: Table = Table {
    name: NOTIFICATIONS_TABLE,
    columns: &[
        Col("SCHED_NAME", "VARCHAR(120)", NOT_NULL),
        Col("RUN_ID", "VARCHAR(190)", NOT_NULL),
        Col("KIND", "VARCHAR(32)", NOT_NULL),
        Col("TARGET", "VARCHAR(64)", NOT_NULL),
        Col("EVENT_ID", "VARCHAR(64)", NOT_NULL),
        Col("JOB_NAME", "VARCHAR(190)", NOT_NULL),
        Col("JOB_GROUP", "VARCHAR(190)", NOT_NULL),
        Col("PAYLOAD", "MEDIUMTEXT", NOT_NULL),
        Col("STATE", "VARCHAR(16)", NOT_NULL),
        Col("ATTEMPTS", "INTEGER", NOT_NULL),
        Col("NEXT_ATTEMPT_TIME", "BIGINT", NOT_NULL),
        Col("LEASE", "VARCHAR(64)", NULL),
        Col("LEASE_UNTIL", "BIGINT", NULL),
        Col("LAST_ERROR", "TEXT", NULL),
        Col("CREATED_AT", "BIGINT", NOT_NULL),
        Col("SENT_AT", "BIGINT", NULL),
    ],
    primary_key: &["SCHED_NAME", "RUN_ID", "KIND", "TARGET"],
    foreign_keys: &[],
    indexes: &[
        Index {
            name: Some("CDP_N_DUE"),
            columns: &["SCHED_NAME", "STATE", "NEXT_ATTEMPT_TIME"],
        },
        Index {
            name: Some("CDP_N_LEASE"),
            columns: &["SCHED_NAME", "LEASE"],
        },
    ],
};

const RUN_LOGS: Table = Table {
    name: RUN_LOGS_TABLE,
    columns: &[
        Col("SCHED_NAME", "VARCHAR(120)", NOT_NULL),
        Col("RUN_ID", "VARCHAR(190)", NOT_NULL),
        Col("SOURCE", "VARCHAR(32)", NOT_NULL),
        Col("LOG_TEXT", "MEDIUMTEXT", NOT_NULL),
        Col("BYTES_SEEN", "BIGINT", NOT_NULL),
        Col("TRUNCATED", "INTEGER", NOT_NULL),
        Col("UPDATED_AT", "BIGINT", NOT_NULL),
    ],
    primary_key: &["SCHED_NAME", "RUN_ID"],
    foreign_keys: &[],
    indexes: &[],
};

/// Table options of every MySQL table: InnoDB (transactions, row locks,
/// foreign keys), and utf8mb4 with binary collation so that any Unicode
/// text fits and keys compare exactly as Java and Rust strings do.
const MYSQL_TABLE_OPTIONS: &str = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/// Which script a table follows on PostgreSQL: Quartz's own
/// (`tables_postgres.sql`: `VARCHAR(200)` where its MySQL script has 190),
/// or ours (the types as declared).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Quartz,
    Ours,
}

/// The type of a column declared `ty` (Quartz's MySQL type name, or
/// [`FLAG`]) on `backend`.
fn column_type(backend: Backend, origin: Origin, ty: &'static str) -> String {
    match backend {
        Backend::Mysql => match ty {
            FLAG => "VARCHAR(1)".into(),
            other => other.into(),
        },
        // SQLite accepts every MySQL type name used here (its affinities are
        // the closest equivalent); MEDIUMTEXT is plain TEXT, so say so.
        Backend::Sqlite => match ty {
            FLAG => "VARCHAR(1)".into(),
            "MEDIUMTEXT" | "LONGTEXT" => "TEXT".into(),
            other => other.into(),
        },
        Backend::Postgres => postgres_type(origin, ty),
    }
}

/// PostgreSQL's name for a MySQL column type, as Quartz's
/// `tables_postgres.sql` translates its MySQL script: display widths
/// dropped (`BIGINT(13)` → `BIGINT`), blobs `BYTEA`, long texts `TEXT`,
/// booleans `BOOL`; anything else as declared (PostgreSQL refuses a name it
/// does not know when the migration runs).
fn postgres_type(origin: Origin, ty: &'static str) -> String {
    let upper = ty.to_ascii_uppercase();
    let base = upper.split('(').next().unwrap_or_default().trim();
    match base {
        "FLAG" => "BOOL".into(),
        "BIGINT" => "BIGINT".into(),
        "SMALLINT" | "TINYINT" => "SMALLINT".into(),
        "INT" | "INTEGER" | "MEDIUMINT" => "INTEGER".into(),
        "BLOB" | "MEDIUMBLOB" | "LONGBLOB" | "TINYBLOB" | "VARBINARY" | "BINARY" => "BYTEA".into(),
        "TEXT" | "MEDIUMTEXT" | "LONGTEXT" | "TINYTEXT" => "TEXT".into(),
        "VARCHAR" if origin == Origin::Quartz && upper == "VARCHAR(190)" => "VARCHAR(200)".into(),
        _ => ty.into(),
    }
}

fn create_table(backend: Backend, prefix: &str, t: &Table) -> Vec<String> {
    create_table_of(backend, Origin::Ours, prefix, t)
}

fn create_table_of(backend: Backend, origin: Origin, prefix: &str, t: &Table) -> Vec<String> {
    let mut parts: Vec<String> = t
        .columns
        .iter()
        .map(|Col(name, ty, nullable)| {
            format!(
                "{name} {} {}",
                column_type(backend, origin, ty),
                if *nullable { "NULL" } else { "NOT NULL" }
            )
        })
        .collect();
    parts.push(format!("PRIMARY KEY ({})", t.primary_key.join(",")));
    // MySQL: every index inside its table (the table whole or not at
    // all); the others: separate idempotent statements.
    let inline_indexes = match backend {
        Backend::Mysql => true,
        Backend::Sqlite | Backend::Postgres => false,
    };
    if inline_indexes {
        for index in t.indexes {
            match index.name {
                Some(name) => parts.push(format!(
                    "INDEX IDX_{prefix}{name} ({})",
                    index.columns.join(",")
                )),
                None => parts.push(format!("INDEX ({})", index.columns.join(","))),
            }
        }
    }
    for fk in t.foreign_keys {
        parts.push(format!(
            "FOREIGN KEY ({}) REFERENCES {prefix}{}({})",
            fk.columns.join(","),
            fk.table,
            fk.referenced.join(",")
        ));
    }
    let options = match backend {
        Backend::Mysql => format!(" {MYSQL_TABLE_OPTIONS}"),
        Backend::Sqlite | Backend::Postgres => String::new(),
    };
    let mut statements = vec![format!(
        "CREATE TABLE IF NOT EXISTS {prefix}{} (\n  {}\n){options}",
        t.name,
        parts.join(",\n  ")
    )];
    if !inline_indexes {
        for index in t.indexes {
            // The unnamed index (BLOB_TRIGGERS') repeats the primary key:
            // neither SQLite nor Quartz's PostgreSQL script has it.
            if let Some(name) = index.name {
                statements.push(format!(
                    "CREATE INDEX IF NOT EXISTS IDX_{prefix}{name} ON {prefix}{}({})",
                    t.name,
                    index.columns.join(",")
                ));
            }
        }
    }
    statements
}

/// Kept for the migrations that call it: [`column_type`] already gives
/// every backend its text type.
fn sqlite_type_fixups(statements: Vec<String>, backend: Backend) -> Vec<String> {
    match backend {
        Backend::Sqlite => statements
            .into_iter()
            .map(|s| s.replace(" MEDIUMTEXT ", " TEXT "))
            .collect(),
        Backend::Mysql | Backend::Postgres => statements,
    }
}

/// Statements creating Quartz's eleven tables and their indexes.
pub fn quartz_tables(backend: Backend, prefix: &str) -> Vec<String> {
    QUARTZ_TABLES
        .iter()
        .flat_map(|t| create_table_of(backend, Origin::Quartz, prefix, t))
        .collect()
}

/// Statement creating our migrations table.
pub fn migrations_table(backend: Backend, prefix: &str) -> Vec<String> {
    create_table(backend, prefix, &MIGRATIONS)
}

/// Statements creating the run history.
pub fn runs_table(backend: Backend, prefix: &str) -> Vec<String> {
    create_table(backend, prefix, &RUNS)
}

/// Statements creating the asynchronous operations table.
pub fn operations_table(backend: Backend, prefix: &str) -> Vec<String> {
    sqlite_type_fixups(create_table(backend, prefix, &OPERATIONS), backend)
}

/// Statements creating the notification outbox.
pub fn notifications_table(backend: Backend, prefix: &str) -> Vec<String> {
    sqlite_type_fixups(create_table(backend, prefix, &NOTIFICATIONS), backend)
}

/// Statements creating the runs' logs table.
pub fn run_logs_table(backend: Backend, prefix: &str) -> Vec<String> {
    sqlite_type_fixups(create_table(backend, prefix, &RUN_LOGS), backend)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartz_table_names_match_the_definitions() {
        let names: Vec<&str> = QUARTZ_TABLES.iter().map(|t| t.name).collect();
        assert_eq!(names, QUARTZ_TABLE_NAMES);
    }

    #[test]
    fn mysql_ddl_declares_indexes_inline_with_the_prefix() {
        let ddl = quartz_tables(Backend::Mysql, "SP_");
        assert_eq!(ddl.len(), 11, "one statement per table on MySQL");
        let triggers = &ddl[1];
        assert!(
            triggers.starts_with("CREATE TABLE IF NOT EXISTS SP_TRIGGERS ("),
            "{triggers}"
        );
        assert!(triggers.contains("INDEX IDX_SP_T_NFT_ST_MISFIRE_GRP (SCHED_NAME,MISFIRE_INSTR,NEXT_FIRE_TIME,TRIGGER_GROUP,TRIGGER_STATE)"));
        assert!(triggers.contains("FOREIGN KEY (SCHED_NAME,JOB_NAME,JOB_GROUP) REFERENCES SP_JOB_DETAILS(SCHED_NAME,JOB_NAME,JOB_GROUP)"));
        assert!(triggers.contains("NEXT_FIRE_TIME BIGINT(13) NULL"));
        assert!(triggers.ends_with(MYSQL_TABLE_OPTIONS));
        assert!(ddl[5].contains("INDEX (SCHED_NAME,TRIGGER_NAME,TRIGGER_GROUP)"));
    }

    #[test]
    fn sqlite_ddl_has_separate_idempotent_indexes() {
        let ddl = quartz_tables(Backend::Sqlite, "QRTZ_");
        let indexes = ddl
            .iter()
            .filter(|s| s.starts_with("CREATE INDEX IF NOT EXISTS"))
            .count();
        assert_eq!(indexes, 2 + 12 + 6, "Quartz's 20 named indexes");
        assert!(ddl.iter().all(|s| !s.contains("ENGINE")));
        assert!(operations_table(Backend::Sqlite, "Q_")[0].contains("RESULT TEXT NULL"));
        assert!(run_logs_table(Backend::Sqlite, "Q_")[0].contains("LOG_TEXT TEXT NOT NULL"));
        assert!(run_logs_table(Backend::Mysql, "Q_")[0].contains("LOG_TEXT MEDIUMTEXT NOT NULL"));
        assert!(ddl[0].contains("IS_DURABLE VARCHAR(1) NOT NULL"));
    }

    #[test]
    fn postgres_ddl_follows_quartz_postgres_script() {
        let ddl = quartz_tables(Backend::Postgres, "QRTZ_");
        assert_eq!(ddl.len(), 11 + 20, "eleven tables and Quartz's 20 indexes");
        let jobs = &ddl[0];
        for column in [
            "JOB_NAME VARCHAR(200) NOT NULL",
            "IS_DURABLE BOOL NOT NULL",
            "REQUESTS_RECOVERY BOOL NOT NULL",
            "JOB_DATA BYTEA NULL",
        ] {
            assert!(jobs.contains(column), "{column} in {jobs}");
        }
        let all = ddl.join("\n");
        for absent in [
            "BIGINT(",
            "SMALLINT(",
            " BLOB ",
            "VARCHAR(190)",
            "VARCHAR(1)",
            "ENGINE",
        ] {
            assert!(!all.contains(absent), "{absent} in {all}");
        }
        assert!(all.contains("MISFIRE_INSTR SMALLINT NULL"));
        assert!(all.contains("BOOL_PROP_1 BOOL NULL"));
        assert!(all.contains(
            "CREATE INDEX IF NOT EXISTS IDX_QRTZ_FT_TG ON QRTZ_FIRED_TRIGGERS(SCHED_NAME,TRIGGER_GROUP)"
        ));
        // Ours keep their declared widths; texts are TEXT.
        assert!(runs_table(Backend::Postgres, "Q_")[0].contains("RUN_ID VARCHAR(190) NOT NULL"));
        assert!(operations_table(Backend::Postgres, "Q_")[0].contains("RESULT TEXT NULL"));
        assert_eq!(postgres_type(Origin::Ours, "LONGBLOB"), "BYTEA");
        assert_eq!(
            postgres_type(Origin::Ours, "NUMERIC(13,4)"),
            "NUMERIC(13,4)"
        );
    }
}
