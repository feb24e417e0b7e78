//! What differs between SQLite, MySQL/MariaDB and PostgreSQL in the text
//! of the store's statements: upserts, row-locking reads, index hints, the
//! database's "now", Quartz's boolean columns, and PostgreSQL's quoted
//! aliases. Every choice is an exhaustive `match` on [`Backend`]: a new
//! backend does not compile until each one is made.

use std::borrow::Cow;

use crate::config::Backend;
use crate::sql::{in_list, Sql};

/// `sql` for PostgreSQL: every alias after `AS` (outside quotes) quoted,
/// `SELECT JOB_NAME AS JOB_NAME` → `SELECT JOB_NAME AS "JOB_NAME"`, so the
/// result column is named `JOB_NAME` and not `job_name`. A word after `AS`
/// that a `)` follows is a cast's type (`CAST(x AS BIGINT)`) and stays.
pub fn postgres_text(sql: &str) -> Cow<'_, str> {
    let bytes = sql.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if b == b'\'' || b == b'"' {
            quote = Some(b);
            i += 1;
            continue;
        }
        let is_as = (b == b'A' || b == b'a')
            && bytes
                .get(i + 1)
                .is_some_and(|c| c.eq_ignore_ascii_case(&b'S'))
            && (i == 0 || !word(bytes[i - 1]))
            && bytes.get(i + 2).is_some_and(|c| c.is_ascii_whitespace());
        if !is_as {
            i += 1;
            continue;
        }
        let mut start = i + 2;
        while bytes.get(start).is_some_and(|c| c.is_ascii_whitespace()) {
            start += 1;
        }
        let mut end = start;
        while bytes.get(end).is_some_and(|c| word(*c)) {
            end += 1;
        }
        let mut after = end;
        while bytes.get(after).is_some_and(|c| c.is_ascii_whitespace()) {
            after += 1;
        }
        let is_cast = bytes.get(after) == Some(&b')');
        if end > start && !is_cast && !bytes[start].is_ascii_digit() {
            out.push_str(&sql[copied..start]);
            out.push('"');
            out.push_str(&sql[start..end]);
            out.push('"');
            copied = end;
        }
        i = end.max(i + 2);
    }
    if copied == 0 {
        return Cow::Borrowed(sql);
    }
    out.push_str(&sql[copied..]);
    Cow::Owned(out)
}

/// One of Quartz's boolean columns read as `1`/`0` text on every backend
/// (PostgreSQL's are `BOOL`, the others' `VARCHAR(1)`), for the row types'
/// `Text` fields.
pub(crate) fn flag_text(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Postgres => format!("CASE WHEN {column} THEN '1' ELSE '0' END"),
        Backend::Mysql | Backend::Sqlite => column.to_string(),
    }
}

/// `INSERT … ` that replaces the row with the same key.
pub(crate) fn upsert(backend: Backend, table: &str, columns: &[&str], key: &[&str]) -> String {
    let placeholders = in_list(columns.len());
    let updated: Vec<&&str> = columns.iter().filter(|c| !key.contains(c)).collect();
    let head = format!(
        "INSERT INTO {table} ({}) VALUES ({placeholders})",
        columns.join(", ")
    );
    match backend {
        Backend::Mysql => format!(
            "{head} ON DUPLICATE KEY UPDATE {}",
            updated
                .iter()
                .map(|c| format!("{c} = VALUES({c})"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Backend::Sqlite | Backend::Postgres => format!(
            "{head} ON CONFLICT ({}) DO UPDATE SET {}",
            key.join(", "),
            updated
                .iter()
                .map(|c| format!("{c} = excluded.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// ` FOR UPDATE` where the backend locks rows read (not SQLite: its
/// writer lock is the whole database).
pub(crate) fn for_update(sql: &Sql) -> &'static str {
    match sql.backend {
        Backend::Mysql | Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    }
}

/// [`for_update`] of a join: PostgreSQL locks the rows of the tables named
/// (`OF t, j`; it refuses to lock the nullable side of an outer join),
/// MySQL every row it reads.
pub(crate) fn for_update_of(sql: &Sql, tables: &str) -> String {
    match sql.backend {
        Backend::Mysql => " FOR UPDATE".into(),
        Backend::Postgres => format!(" FOR UPDATE OF {tables}"),
        Backend::Sqlite => String::new(),
    }
}

/// Index hint for statements that look rows up by a list of primary keys.
/// With a long `IN (…)` list MariaDB's range optimizer weighs every
/// secondary index (Quartz's tables have up to 13) and spends ~20 ms per
/// 100-row statement choosing; the hint makes it ~1 ms.
pub(crate) fn by_pk(sql: &Sql) -> &'static str {
    match sql.backend {
        Backend::Mysql => " FORCE INDEX (PRIMARY)",
        Backend::Sqlite | Backend::Postgres => "",
    }
}

/// The database's current time in epoch milliseconds, as an SQL expression.
pub(crate) fn now_ms_expr(sql: &Sql) -> &'static str {
    match sql.backend {
        Backend::Mysql => {
            "CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000 AS SIGNED)"
        }
        Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
        // clock_timestamp(), not now(): the time of the statement, not of
        // the transaction's start.
        Backend::Postgres => "CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000) AS BIGINT)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::job_columns;

    #[test]
    fn upserts_follow_each_dialect() {
        let m = upsert(Backend::Mysql, "T", &["K", "V"], &["K"]);
        assert_eq!(
            m,
            "INSERT INTO T (K, V) VALUES (?, ?) ON DUPLICATE KEY UPDATE V = VALUES(V)"
        );
        let s = upsert(Backend::Sqlite, "T", &["K", "V"], &["K"]);
        assert_eq!(
            s,
            "INSERT INTO T (K, V) VALUES (?, ?) ON CONFLICT (K) DO UPDATE SET V = excluded.V"
        );
        assert_eq!(upsert(Backend::Postgres, "T", &["K", "V"], &["K"]), s);
        assert!(Sql::new(Backend::Postgres, "Q_")
            .lock_rows_ensure
            .ends_with("VALUES (?, ?), (?, ?) ON CONFLICT DO NOTHING"));
    }

    #[test]
    fn postgres_text_quotes_aliases_and_nothing_else() {
        assert_eq!(
            postgres_text("SELECT a.JOB_NAME AS JOB_NAME, COUNT(*) as n FROM T"),
            "SELECT a.JOB_NAME AS \"JOB_NAME\", COUNT(*) as \"n\" FROM T"
        );
        assert_eq!(
            postgres_text("SELECT CAST(x AS BIGINT) AS NOW_MS, (y)::BIGINT AS  B\nFROM T"),
            "SELECT CAST(x AS BIGINT) AS \"NOW_MS\", (y)::BIGINT AS  \"B\"\nFROM T"
        );
        for unchanged in [
            "SELECT 'x AS Y' FROM T WHERE A = ?",
            "SELECT HAS_AS, CASE WHEN F THEN '1' END FROM T",
            "SELECT X AS \"Y\" FROM T",
            "UPDATE T SET A = ? WHERE B = 'AS C'",
        ] {
            assert!(
                matches!(postgres_text(unchanged), Cow::Borrowed(_)),
                "{unchanged}"
            );
        }
        assert_eq!(
            postgres_text(&job_columns(Backend::Postgres, "j.")),
            "j.JOB_NAME AS \"JOB_NAME\", j.JOB_GROUP AS \"JOB_GROUP\", \
             j.DESCRIPTION AS \"DESCRIPTION\", j.JOB_CLASS_NAME AS \"JOB_CLASS_NAME\", \
             CASE WHEN j.IS_NONCONCURRENT THEN '1' ELSE '0' END AS \"IS_NONCONCURRENT\", \
             j.JOB_DATA AS \"JOB_DATA\""
        );
    }
}
