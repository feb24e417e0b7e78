//! The MariaDB schema this crate creates against the one Quartz 2.3.2's own
//! `tables_mysql_innodb.sql` creates, column by column, index by index and
//! key by key (information_schema COLUMNS, STATISTICS, KEY_COLUMN_USAGE,
//! REFERENTIAL_CONSTRAINTS, TABLES).

use crate::common;

use cdp_spark_jobstore::ddl::QUARTZ_TABLE_NAMES;
use cdp_spark_jobstore::{migrate, StoreConfig};
use common::quartz::quartz_mysql_script;
use common::MysqlDatabase;
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{MysqlConnection, QueryableByName, RunQueryDsl};

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text, column_name = "L")]
    l: String,
}

/// One text line per row of an information_schema query on `schema`'s
/// Quartz tables of `prefix`; `{T}` in `sql` is the table filter.
fn lines(conn: &mut MysqlConnection, sql: &str, schema: &str, prefix: &str) -> Vec<String> {
    let tables = QUARTZ_TABLE_NAMES
        .iter()
        .map(|t| format!("'{prefix}{t}'"))
        .collect::<Vec<_>>()
        .join(",");
    let sql = sql
        .replace("{S}", &format!("'{schema}'"))
        .replace("{T}", &format!("({tables})"));
    diesel::sql_query(&sql)
        .load::<Line>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.l)
        .collect()
}

const COLUMNS: &str =
    "SELECT CONCAT_WS(' | ', TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, \
    IS_NULLABLE, IFNULL(COLUMN_DEFAULT, '<no default>'), COLUMN_KEY, EXTRA) AS L \
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {S} AND TABLE_NAME IN {T} \
    ORDER BY TABLE_NAME, ORDINAL_POSITION";
const STATISTICS: &str =
    "SELECT CONCAT_WS(' | ', TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, \
    NON_UNIQUE, INDEX_TYPE, IFNULL(SUB_PART, '-')) AS L \
    FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = {S} AND TABLE_NAME IN {T} \
    ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";
const KEYS: &str =
    "SELECT CONCAT_WS(' | ', TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION, COLUMN_NAME, \
    IFNULL(POSITION_IN_UNIQUE_CONSTRAINT, '-'), IFNULL(REFERENCED_TABLE_NAME, '-'), \
    IFNULL(REFERENCED_COLUMN_NAME, '-')) AS L \
    FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = {S} AND TABLE_NAME IN {T} \
    ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION";
const REFERENCES: &str = "SELECT CONCAT_WS(' | ', TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME, \
    UPDATE_RULE, DELETE_RULE) AS L \
    FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = {S} AND TABLE_NAME IN {T} \
    ORDER BY TABLE_NAME, CONSTRAINT_NAME";
const TABLES: &str = "SELECT CONCAT_WS(' | ', TABLE_NAME, ENGINE, TABLE_TYPE) AS L \
    FROM information_schema.TABLES WHERE TABLE_SCHEMA = {S} AND TABLE_NAME IN {T} ORDER BY TABLE_NAME";

/// Creates Quartz's schema with its own script (prefix substituted as
/// Quartz's documentation says) and ours, and compares them.
async fn compare_with_quartz_script(prefix: &str) {
    let script = quartz_mysql_script().replace("QRTZ_", prefix);
    assert!(
        script.contains(&format!("CREATE TABLE {prefix}JOB_DETAILS")),
        "the script was read"
    );
    let reference = MysqlDatabase::create("quartz_ref");
    reference
        .connect()
        .batch_execute(&script)
        .expect("Quartz's script runs on MariaDB");

    let ours = MysqlDatabase::create("quartz_ours");
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
        ("indexes", STATISTICS),
        ("keys", KEYS),
        ("foreign keys", REFERENCES),
        ("tables", TABLES),
    ] {
        let expected = lines(&mut ref_conn, sql, &reference.name, prefix);
        let actual = lines(&mut our_conn, sql, &ours.name, prefix);
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
    let columns = lines(&mut ref_conn, COLUMNS, &reference.name, prefix).len();
    assert_eq!(columns, 79, "Quartz 2.3's eleven tables have 79 columns");
    assert!(compared > 200, "compared {compared} rows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_matches_quartz_script_with_the_default_prefix() {
    compare_with_quartz_script("QRTZ_").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_matches_quartz_script_with_another_prefix() {
    compare_with_quartz_script("CDPSP_").await;
}
