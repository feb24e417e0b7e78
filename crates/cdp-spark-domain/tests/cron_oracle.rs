//! Every case of the shared Quartz oracle (`fixtures/quartz-cron-oracle.tsv`,
//! answered by the real Quartz 2.3.2) must be answered identically.

use std::path::PathBuf;

use cdp_spark_domain::cron::batch;

fn shared_dir() -> PathBuf {
    match std::env::var_os("CDP_TEST_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

#[test]
fn agrees_with_every_oracle_case() {
    let path = shared_dir().join("fixtures/quartz-cron-oracle.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the Quartz oracle at {} ({e}); set CDP_TEST_SHARED_DIR to the shared \
             folder that holds fixtures/quartz-cron-oracle.tsv",
            path.display()
        )
    });

    let mut cases = 0;
    let mut mismatches = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((question, expected)) = line.rsplit_once('\t') else {
            panic!(
                "{}:{}: not 5 tab-separated columns: {line}",
                path.display(),
                n + 1
            );
        };
        cases += 1;
        match batch::answer_line(question) {
            Ok(got) if got == expected => {}
            Ok(got) => mismatches.push(format!(
                "line {}: {question}\n  quartz: {expected}\n  ours:   {got}",
                n + 1
            )),
            Err(e) => mismatches.push(format!("line {}: {question}\n  rejected: {e}", n + 1)),
        }
    }
    for m in &mismatches {
        eprintln!("{m}");
    }
    assert!(cases > 0, "{} holds no cases", path.display());
    assert!(
        mismatches.is_empty(),
        "{} of {cases} oracle cases disagree with Quartz (listed above)",
        mismatches.len()
    );
    eprintln!("all {cases} oracle cases agree");
}
