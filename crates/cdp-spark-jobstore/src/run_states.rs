//! The run states the store's SQL names, written from the domain's
//! [`RunState`], so that the SQL and the domain cannot disagree on which
//! runs are in flight.

use std::fmt;

use cdp_spark_domain::model::RunState;

/// Run states as an SQL list of literals (`'SUBMITTING', 'RUNNING'`), for
/// `STATE IN ({list})`. The texts are the domain's own constants (capital
/// letters and `_`), never input.
pub(crate) struct StateList(&'static [RunState]);

/// The domain's [`RunState::IN_FLIGHT`].
pub(crate) const IN_FLIGHT: StateList = StateList(&RunState::IN_FLIGHT);

impl fmt::Display for StateList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, state) in self.0.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}'{}'", state.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use diesel::sql_types::Text;
    use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};

    use super::*;

    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text, column_name = "STATE")]
        state: String,
    }

    #[test]
    fn the_sql_list_selects_the_runs_the_domain_calls_in_flight() {
        assert_eq!(IN_FLIGHT.to_string(), "'SUBMITTING', 'RUNNING'");
        let mut conn = SqliteConnection::establish(":memory:").expect("memory db");
        diesel::sql_query("CREATE TABLE R (STATE VARCHAR(16) NOT NULL)")
            .execute(&mut conn)
            .expect("table");
        for state in RunState::ALL {
            diesel::sql_query("INSERT INTO R (STATE) VALUES (?)")
                .bind::<Text, _>(state.as_str())
                .execute(&mut conn)
                .expect("row");
        }
        let rows: Vec<Row> =
            diesel::sql_query(format!("SELECT STATE FROM R WHERE STATE IN ({IN_FLIGHT})"))
                .load(&mut conn)
                .expect("select");
        let selected: BTreeSet<String> = rows.into_iter().map(|r| r.state).collect();
        let domain: BTreeSet<String> = RunState::ALL
            .into_iter()
            .filter(|s| s.is_in_flight())
            .map(|s| s.as_str().to_string())
            .collect();
        assert_eq!(selected, domain);
        assert!(RunState::IN_FLIGHT.iter().all(|s| s
            .as_str()
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'_')));
    }

    #[test]
    fn no_statement_spells_the_in_flight_states_itself() {
        for (file, text) in [
            ("scheduler.rs", include_str!("scheduler.rs")),
            ("store.rs", include_str!("store.rs")),
            ("sql.rs", include_str!("sql.rs")),
            ("queue.rs", include_str!("queue.rs")),
            // Not outbox.rs: its STATE is a delivery's ('SENT', 'FAILED', …).
            ("run_logs.rs", include_str!("run_logs.rs")),
            ("repair.rs", include_str!("repair.rs")),
        ] {
            for state in RunState::ALL {
                let quoted = format!("'{}'", state.as_str());
                for list in [format!("IN ({quoted}"), format!(", {quoted}")] {
                    assert!(
                        !text.contains(&list),
                        "{file} lists {quoted} itself: use run_states::IN_FLIGHT"
                    );
                }
            }
        }
    }
}
