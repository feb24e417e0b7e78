//! The SP API and the job status API end to end, on SQLite: the real
//! binary on a random port, driven over HTTP with the fixture
//! descriptor and jars built by the test.

use crate::support;

use support::flows;

#[tokio::test]
async fn provisioning_lifecycle_on_sqlite() {
    flows::provisioning_lifecycle(support::Db::Sqlite).await;
}

#[tokio::test]
async fn async_tokens_survive_a_restart_on_sqlite() {
    flows::async_tokens_survive_restart(support::Db::Sqlite).await;
}
