//! The same scenarios as `http_api.rs`, on MariaDB (`CDP_TEST_MYSQL_URL`,
//! set by scripts/test.sh; the tests fail without it).

mod support;

use support::flows;

#[tokio::test]
async fn provisioning_lifecycle_on_mariadb() {
    flows::provisioning_lifecycle(support::Db::Mariadb).await;
}

#[tokio::test]
async fn async_tokens_survive_a_restart_on_mariadb() {
    flows::async_tokens_survive_restart(support::Db::Mariadb).await;
}
