//! The same scenarios as `http_api.rs`, on PostgreSQL (`CDP_TEST_PG_URL`,
//! set by scripts/test.sh; the tests fail without it): provision, the
//! manual trigger and the run listing through `serve`, and asynchronous
//! tokens across a restart.

use crate::support;

use support::flows;

#[tokio::test]
async fn provisioning_lifecycle_on_postgres() {
    flows::provisioning_lifecycle(support::Db::Postgres).await;
}

#[tokio::test]
async fn async_tokens_survive_a_restart_on_postgres() {
    flows::async_tokens_survive_restart(support::Db::Postgres).await;
}
