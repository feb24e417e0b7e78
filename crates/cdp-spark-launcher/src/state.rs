//! From the cluster managers' own states to [`ApplicationState`].
//!
//! YARN reports two fields, and only both together say how an application
//! ended: `state` (`YarnApplicationState`: NEW, NEW_SAVING, SUBMITTED,
//! ACCEPTED, RUNNING, FINISHED, FAILED, KILLED) says whether YARN still runs
//! it, `finalStatus` (`FinalApplicationStatus`: UNDEFINED, SUCCEEDED, FAILED,
//! KILLED, ENDED) is what the application master reported when it
//! unregistered. `FINISHED` alone does not mean success: a Spark driver that
//! threw ends as `FINISHED` + `FAILED` (Livy read `FINISHED` as success, apache/livy
//! pull requests 204 and 325).

use cdp_spark_domain::ports::ApplicationState;

/// YARN `state` + `finalStatus` → [`ApplicationState`]:
///
/// - `state` FAILED → failed, `state` KILLED → killed (the RM ended it);
/// - `finalStatus` KILLED → killed;
/// - FINISHED + SUCCEEDED → succeeded; FINISHED + FAILED → failed;
/// - `finalStatus` UNDEFINED → still running (the master has not
///   unregistered yet);
/// - NEW, NEW_SAVING, SUBMITTED, ACCEPTED, RUNNING → running (started
///   from RUNNING on: before, it waits in its queue);
/// - FINISHED + ENDED (no single outcome) → failed, saying so;
/// - anything else (a state this code does not know) → unknown, with the
///   raw values.
///
/// `diagnostics` and `tracking_url` are YARN's own, carried into the result.
/// A failure's diagnostics get the Spark ApplicationMaster's reason as
/// their first line when it is buried further down ([`spark_failure_reason`]).
pub fn map_yarn_state(
    state: &str,
    final_status: &str,
    diagnostics: &str,
    tracking_url: Option<&str>,
) -> ApplicationState {
    let state = state.trim().to_ascii_uppercase();
    let final_status = final_status.trim().to_ascii_uppercase();
    let explain = |fallback: String| -> String {
        let d = diagnostics.trim();
        if d.is_empty() {
            match tracking_url {
                Some(url) if !url.is_empty() => format!("{fallback}; see {url}"),
                _ => fallback,
            }
        } else {
            d.to_string()
        }
    };
    const RUNNING: [&str; 5] = ["NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING"];
    const FINAL_STATUSES: [&str; 5] = ["UNDEFINED", "SUCCEEDED", "FAILED", "KILLED", "ENDED"];
    let known_state = RUNNING.contains(&state.as_str())
        || ["FINISHED", "FAILED", "KILLED"].contains(&state.as_str());
    if !known_state || !FINAL_STATUSES.contains(&final_status.as_str()) {
        return ApplicationState::Unknown {
            detail: format!("YARN reported state '{state}' with final status '{final_status}', which this provisioner does not know"),
        };
    }
    // The reason first: YARN's diagnostics of a failed attempt start with
    // the container's exit and hold the AM's own reason kilobytes later.
    let explain_failure = |fallback: String| -> String {
        let text = explain(fallback);
        match spark_failure_reason(&text) {
            Some(reason) if !text.starts_with(reason.as_str()) => format!("{reason}\n{text}"),
            _ => text,
        }
    };
    // Started once YARN runs its ApplicationMaster (the driver, in
    // cluster mode); before (NEW…ACCEPTED), it waits in its queue.
    const QUEUED: [&str; 4] = ["NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED"];
    let started = !QUEUED.contains(&state.as_str());
    let running = || ApplicationState::Running {
        tracking_url: tracking_url.filter(|u| !u.is_empty()).map(str::to_string),
        started,
    };
    match (state.as_str(), final_status.as_str()) {
        ("FAILED", _) => ApplicationState::Failed {
            diagnostics: explain_failure(format!("YARN failed the application (final status {final_status})")),
        },
        ("KILLED", _) | (_, "KILLED") => ApplicationState::Killed {
            diagnostics: explain(format!("the application was killed (state {state}, final status {final_status})")),
        },
        ("FINISHED", "SUCCEEDED") => ApplicationState::Succeeded,
        ("FINISHED", "FAILED") => ApplicationState::Failed {
            diagnostics: explain_failure("the application finished with final status FAILED".to_string()),
        },
        (_, "UNDEFINED") => running(),
        ("FINISHED", _) => ApplicationState::Failed {
            diagnostics: explain(format!(
                "the application finished with final status {final_status}, which does not say it succeeded"
            )),
        },
        // A running state with a final status already reported: the
        // master unregistered and YARN is finishing it; not final yet.
        _ => running(),
    }
}

/// Why Spark's ApplicationMaster failed the application, as it logged it
/// (`Final app status: FAILED, exitCode: 15, (reason: User class threw
/// exception: java.lang.IllegalStateException: boom`), or the line after
/// `User class threw exception:`: the first line of the reason, without
/// the stack trace. YARN's diagnostics of a failed attempt (state FAILED:
/// the AM exited without unregistering, because it expected another
/// attempt) start with the container's exit code and carry the AM's log
/// tail, where this line is; `None` when it is not there.
pub fn spark_failure_reason(diagnostics: &str) -> Option<String> {
    const FINAL: &str = "Final app status: ";
    const REASON: &str = "(reason: ";
    const USER_CLASS: &str = "User class threw exception:";
    fn first_line(text: &str) -> Option<&str> {
        text.lines().map(str::trim).find(|l| !l.is_empty())
    }
    let after = |marker: &str| {
        diagnostics
            .find(marker)
            .map(|i| &diagnostics[i + marker.len()..])
    };
    if let Some(rest) = after(FINAL) {
        let line = rest.lines().next().unwrap_or_default();
        if let Some(r) = line.find(REASON) {
            let from_reason = &rest[r + REASON.len()..];
            let mut reason = from_reason.lines().next().unwrap_or_default().trim();
            // "(reason: …)" closed on its line.
            if reason.ends_with(')') && reason.matches(')').count() > reason.matches('(').count() {
                reason = reason[..reason.len() - 1].trim_end();
            }
            if reason == USER_CLASS {
                // The exception on the next line.
                let next = first_line(&from_reason[USER_CLASS.len()..])?;
                return Some(format!("{USER_CLASS} {next}"));
            }
            if !reason.is_empty() {
                return Some(reason.to_string());
            }
        }
    }
    first_line(after(USER_CLASS)?).map(|l| format!("{USER_CLASS} {l}"))
}

/// Spark standalone `driverState` → [`ApplicationState`]. SUBMITTED,
/// RUNNING and RELAUNCHING are running (started: not SUBMITTED); FINISHED (the driver exited 0)
/// succeeded; FAILED (non-zero exit) and ERROR (could not be launched)
/// failed; KILLED killed; UNKNOWN or anything else unknown.
pub fn map_standalone_driver_state(
    driver_id: &str,
    driver_state: &str,
    message: Option<&str>,
) -> ApplicationState {
    let with_message = |text: String| match message.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => format!("{text}: {m}"),
        None => text,
    };
    match driver_state.trim().to_ascii_uppercase().as_str() {
        "SUBMITTED" => ApplicationState::Running {
            tracking_url: None,
            started: false,
        },
        "RUNNING" | "RELAUNCHING" => ApplicationState::Running {
            tracking_url: None,
            started: true,
        },
        "FINISHED" => ApplicationState::Succeeded,
        "FAILED" => ApplicationState::Failed {
            diagnostics: with_message(format!(
                "driver {driver_id} exited with a failure; its stderr is in the worker's work directory ({driver_id}/stderr)"
            )),
        },
        "ERROR" => ApplicationState::Failed {
            diagnostics: with_message(format!("driver {driver_id} could not be run (state ERROR)")),
        },
        "KILLED" => ApplicationState::Killed {
            diagnostics: with_message(format!("driver {driver_id} was killed")),
        },
        other => ApplicationState::Unknown {
            detail: with_message(format!("the standalone master reports driver {driver_id} in state '{other}'")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Want {
        Running,
        Succeeded,
        Failed,
        Killed,
        Unknown,
    }

    fn kind(s: &ApplicationState) -> Want {
        match s {
            ApplicationState::Running { .. } => Want::Running,
            ApplicationState::Succeeded => Want::Succeeded,
            ApplicationState::Failed { .. } => Want::Failed,
            ApplicationState::Killed { .. } => Want::Killed,
            ApplicationState::Unknown { .. } => Want::Unknown,
        }
    }

    /// Every YARN state against every final status, written out.
    #[test]
    fn every_yarn_state_and_final_status_combination() {
        use Want::*;
        let table: [(&str, [Want; 5]); 8] = [
            //               UNDEFINED SUCCEEDED FAILED  KILLED  ENDED
            ("NEW", [Running, Running, Running, Killed, Running]),
            ("NEW_SAVING", [Running, Running, Running, Killed, Running]),
            ("SUBMITTED", [Running, Running, Running, Killed, Running]),
            ("ACCEPTED", [Running, Running, Running, Killed, Running]),
            ("RUNNING", [Running, Running, Running, Killed, Running]),
            ("FINISHED", [Running, Succeeded, Failed, Killed, Failed]),
            ("FAILED", [Failed, Failed, Failed, Failed, Failed]),
            ("KILLED", [Killed, Killed, Killed, Killed, Killed]),
        ];
        let finals = ["UNDEFINED", "SUCCEEDED", "FAILED", "KILLED", "ENDED"];
        let mut checked = 0;
        for (state, wants) in table {
            for (final_status, want) in finals.iter().zip(wants) {
                let got = map_yarn_state(state, final_status, "", None);
                assert_eq!(kind(&got), want, "{state} + {final_status} gave {got:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 40);
    }

    #[test]
    fn the_livy_cases() {
        // A Spark job whose driver threw: FINISHED but FAILED (apache/livy#204).
        assert!(matches!(
            map_yarn_state("FINISHED", "FAILED", "User class threw exception: boom", None),
            ApplicationState::Failed { diagnostics } if diagnostics == "User class threw exception: boom"
        ));
        // Killed through YARN: state KILLED, final status KILLED (apache/livy#325).
        assert!(matches!(
            map_yarn_state("KILLED", "KILLED", "Application killed by user.", None),
            ApplicationState::Killed { diagnostics } if diagnostics == "Application killed by user."
        ));
        // FINISHED with UNDEFINED is not success yet.
        assert!(matches!(
            map_yarn_state("FINISHED", "UNDEFINED", "", None),
            ApplicationState::Running { .. }
        ));
    }

    #[test]
    fn only_a_running_application_is_started() {
        let started = |s: ApplicationState| match s {
            ApplicationState::Running { started, .. } => started,
            other => panic!("not running: {other:?}"),
        };
        for (state, final_status, want) in [
            ("NEW", "UNDEFINED", false),
            ("SUBMITTED", "UNDEFINED", false),
            ("ACCEPTED", "UNDEFINED", false),
            ("RUNNING", "UNDEFINED", true),
            ("RUNNING", "SUCCEEDED", true),
            ("FINISHED", "UNDEFINED", true),
        ] {
            assert_eq!(
                started(map_yarn_state(state, final_status, "", None)),
                want,
                "{state} {final_status}"
            );
        }
        for (state, want) in [
            ("SUBMITTED", false),
            ("RUNNING", true),
            ("RELAUNCHING", true),
        ] {
            assert_eq!(
                started(map_standalone_driver_state("driver-1", state, None)),
                want,
                "{state}"
            );
        }
    }

    #[test]
    fn running_carries_the_tracking_url_and_failures_point_to_it() {
        assert_eq!(
            map_yarn_state(
                "RUNNING",
                "UNDEFINED",
                "",
                Some("http://rm:8088/proxy/application_1_0001/")
            ),
            ApplicationState::Running {
                tracking_url: Some("http://rm:8088/proxy/application_1_0001/".into()),
                started: true,
            }
        );
        match map_yarn_state("FINISHED", "FAILED", " ", Some("http://rm/x")) {
            ApplicationState::Failed { diagnostics } => {
                assert!(diagnostics.contains("http://rm/x"), "{diagnostics}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_yarn_values_are_unknown_not_guessed() {
        assert!(
            matches!(map_yarn_state("FINISHING", "SUCCEEDED", "", None), ApplicationState::Unknown { detail } if detail.contains("FINISHING"))
        );
        assert!(matches!(
            map_yarn_state("FINISHED", "GREAT", "", None),
            ApplicationState::Unknown { .. }
        ));
        // Case and blanks do not matter.
        assert_eq!(
            map_yarn_state(" finished ", "succeeded", "", None),
            ApplicationState::Succeeded
        );
    }

    #[test]
    fn a_failures_reason_comes_first() {
        // A failed attempt: the container's exit first, the AM's log tail
        // (with its reason) later, as a real Hadoop 3.1.1 RM reports it.
        let buried = "Application application_1_0002 failed 1 times due to AM Container for appattempt_1_0002_000001 exited with  exitCode: 15\n\
            Failing this attempt.Diagnostics: [2026-12-02 01:35:50.123]Exception from container-launch.\n\
            Last 4096 bytes of stderr :\n\
            26/12/02 01:35:50 ERROR ApplicationMaster: User class threw exception: \n\
            java.lang.IllegalStateException: cdptest.spark.Fail: failing on purpose\n\
            \tat cdptest.spark.Fail.main(Fail.java:12)\n\
            26/12/02 01:35:50 INFO ApplicationMaster: Final app status: FAILED, exitCode: 15, (reason: User class threw exception: java.lang.IllegalStateException: cdptest.spark.Fail: failing on purpose\n\
            \tat cdptest.spark.Fail.main(Fail.java:12)\n)\n. Failing the application.";
        let headline = "User class threw exception: java.lang.IllegalStateException: cdptest.spark.Fail: failing on purpose";
        assert_eq!(spark_failure_reason(buried).as_deref(), Some(headline));
        match map_yarn_state("FAILED", "FAILED", buried, None) {
            ApplicationState::Failed { diagnostics } => {
                assert_eq!(diagnostics, format!("{headline}\n{buried}"))
            }
            other => panic!("{other:?}"),
        }
        // Reasons on one line, closed by the parenthesis.
        let executors = "… INFO ApplicationMaster: Final app status: FAILED, exitCode: 11, (reason: Max number of executor failures (4) reached)\n…";
        assert_eq!(
            spark_failure_reason(executors).as_deref(),
            Some("Max number of executor failures (4) reached")
        );
        // Only the ERROR line: the exception on the line after.
        assert_eq!(
            spark_failure_reason("x\nERROR ApplicationMaster: User class threw exception: \njava.lang.NoClassDefFoundError: cdptest/dep/Greeting\n\tat y").as_deref(),
            Some("User class threw exception: java.lang.NoClassDefFoundError: cdptest/dep/Greeting")
        );
        // Already first (the AM unregistered with it): left as it is.
        let unregistered = "User class threw exception: java.lang.IllegalStateException: boom\n\tat A.main(A.java:1)";
        assert_eq!(
            map_yarn_state("FINISHED", "FAILED", unregistered, None),
            ApplicationState::Failed {
                diagnostics: unregistered.to_string()
            }
        );
        // Nothing of Spark's: unchanged.
        assert_eq!(
            spark_failure_reason("AM container is launched, waiting"),
            None
        );
        assert_eq!(
            map_yarn_state(
                "FAILED",
                "FAILED",
                "Application submitted by user root to unknown queue: nosuch",
                None
            ),
            ApplicationState::Failed {
                diagnostics: "Application submitted by user root to unknown queue: nosuch"
                    .to_string()
            }
        );
    }

    #[test]
    fn standalone_driver_states() {
        let d = "driver-20260101000000-0001";
        assert!(matches!(
            map_standalone_driver_state(d, "SUBMITTED", None),
            ApplicationState::Running { .. }
        ));
        assert!(matches!(
            map_standalone_driver_state(d, "RUNNING", None),
            ApplicationState::Running { .. }
        ));
        assert!(matches!(
            map_standalone_driver_state(d, "RELAUNCHING", None),
            ApplicationState::Running { .. }
        ));
        assert_eq!(
            map_standalone_driver_state(d, "FINISHED", None),
            ApplicationState::Succeeded
        );
        assert!(
            matches!(map_standalone_driver_state(d, "FAILED", None), ApplicationState::Failed { diagnostics } if diagnostics.contains(d))
        );
        assert!(matches!(
            map_standalone_driver_state(d, "ERROR", Some("java.io.FileNotFoundException: /x.jar")),
            ApplicationState::Failed { diagnostics } if diagnostics.contains("FileNotFoundException")
        ));
        assert!(matches!(
            map_standalone_driver_state(d, "KILLED", None),
            ApplicationState::Killed { .. }
        ));
        assert!(matches!(
            map_standalone_driver_state(d, "UNKNOWN", None),
            ApplicationState::Unknown { .. }
        ));
    }
}
