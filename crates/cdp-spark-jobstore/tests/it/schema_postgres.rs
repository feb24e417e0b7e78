//! The PostgreSQL schema this crate creates against the one Quartz 2.3.2's
//! own `tables_postgres.sql` creates, column by column, index by index and
//! constraint by constraint (information_schema `columns`,
//! `table_constraints`, `key_column_usage`, `referential_constraints`, and
//! `pg_indexes`).

use crate::common;

use cdp_spark_jobstore::ddl::QUARTZ_TABLE_NAMES;
use cdp_spark_jobstore::{migrate, postgres_text, StoreConfig};
use common::quartz::quartz_postgres_script;
use common::PgDatabase;
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{PgConnection, QueryableByName, RunQueryDsl};

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text, column_name = "L")]
    l: String,
}

/// One text line per row of a catalog query on the Quartz tables of
/// `prefix` (lower case, as PostgreSQL keeps unquoted names); `{T}` in
/// `sql` is the table filter.
fn lines(conn: &mut PgConnection, sql: &str, prefix: &str) -> Vec<String> {
    let tables = QUARTZ_TABLE_NAMES
        .iter()
        .map(|t| format!("'{}'", format!("{prefix}{t}").to_ascii_lowercase()))
        .collect::<Vec<_>>()
        .join(",");
    let sql = sql.replace("{T}", &format!("({tables})"));
    diesel::sql_query(postgres_text(&sql))
        .load::<Line>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.l)
        .collect()
}

const COLUMNS: &str = "SELECT concat_ws(' | ', table_name, ordinal_position, column_name, \
    data_type, coalesce(character_maximum_length::text, '-'), \
    coalesce(numeric_precision::text, '-'), coalesce(numeric_scale::text, '-'), is_nullable, \
    coalesce(column_default, '<no default>')) AS L \
    FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN {T} \
    ORDER BY table_name, ordinal_position";
const INDEXES: &str = "SELECT concat_ws(' | ', tablename, indexname, indexdef) AS L \
    FROM pg_indexes WHERE schemaname = 'public' AND tablename IN {T} \
    ORDER BY tablename, indexname";
const CONSTRAINTS: &str = "SELECT concat_ws(' | ', table_name, constraint_name, constraint_type, \
    is_deferrable, initially_deferred) AS L \
    FROM information_schema.table_constraints WHERE table_schema = 'public' \
    AND table_name IN {T} AND constraint_type <> 'CHECK' \
    ORDER BY table_name, constraint_name";
const KEYS: &str = "SELECT concat_ws(' | ', table_name, constraint_name, ordinal_position, \
    column_name, coalesce(position_in_unique_constraint::text, '-')) AS L \
    FROM information_schema.key_column_usage WHERE table_schema = 'public' \
    AND table_name IN {T} ORDER BY table_name, constraint_name, ordinal_position";
const REFERENCES: &str = "SELECT concat_ws(' | ', k.table_name, r.constraint_name, \
    r.unique_constraint_name, r.match_option, r.update_rule, r.delete_rule) AS L \
    FROM information_schema.referential_constraints r \
    JOIN information_schema.table_constraints k ON k.constraint_name = r.constraint_name \
    AND k.constraint_schema = r.constraint_schema \
    WHERE r.constraint_schema = 'public' AND k.table_name IN {T} \
    ORDER BY k.table_name, r.constraint_name";

/// Creates Quartz's schema with its own script (prefix substituted as
/// Quartz's documentation says) and ours, and compares them.
async fn compare_with_quartz_script(prefix: &str) {
    let script = quartz_postgres_script().replace("QRTZ_", prefix);
    assert!(
        script.contains(&format!("CREATE TABLE {prefix}JOB_DETAILS")),
        "the script was read"
    );
    let reference = PgDatabase::create("quartz_ref");
    reference
        .connect()
        .batch_execute(&script)
        .expect("Quartz's script runs on PostgreSQL");

    let ours = PgDatabase::create("quartz_ours");
    let config = StoreConfig {
        table_prefix: prefix.to_string(),
        ..StoreConfig::with_url(ours.url.clone())
    };
    let report = migrate(&config).await.expect("our migrations");
    assert_eq!(
        report.applied.len(),
        cdp_spark_jobstore::MIGRATIONS.len(),
        "{report}"
    );

    let mut ref_conn = reference.connect();
    let mut our_conn = ours.connect();
    let mut compared = 0;
    for (what, sql) in [
        ("columns", COLUMNS),
        ("indexes", INDEXES),
        ("constraints", CONSTRAINTS),
        ("keys", KEYS),
        ("foreign keys", REFERENCES),
    ] {
        let expected = lines(&mut ref_conn, sql, prefix);
        let actual = lines(&mut our_conn, sql, prefix);
        assert!(!expected.is_empty(), "no {what} read from Quartz's schema");
        for (i, (e, a)) in expected.iter().zip(&actual).enumerate() {
            assert_eq!(
                a, e,
                "{what}, row {i}: ours (left) differs from Quartz's script (right)"
            );
        }
        assert_eq!(
            actual.len(),
            expected.len(),
            "{what}: ours has {} rows, Quartz's {}\nours: {actual:#?}\nQuartz: {expected:#?}",
            actual.len(),
            expected.len()
        );
        compared += expected.len();
    }
    // 11 tables, 79 columns, Quartz's indexes and keys: a real comparison.
    let columns = lines(&mut ref_conn, COLUMNS, prefix).len();
    assert_eq!(columns, 79, "Quartz 2.3's eleven tables have 79 columns");
    let indexes = lines(&mut ref_conn, INDEXES, prefix).len();
    assert_eq!(
        indexes,
        11 + 20,
        "eleven primary keys and Quartz's 20 indexes"
    );
    assert!(compared > 150, "compared {compared} rows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_matches_quartz_postgres_script_with_the_default_prefix() {
    compare_with_quartz_script("QRTZ_").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_matches_quartz_postgres_script_with_another_prefix() {
    compare_with_quartz_script("CDPSP_").await;
}
