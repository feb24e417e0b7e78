//! Every case of the Quartz oracle (`tests/fixtures/quartz-cron-oracle.tsv`,
//! answered by the real Quartz 2.3.2; `scripts/quartz-cron-oracle.sh`
//! regenerates and checks it) must be answered identically.

use cdp_spark_testkit::fixtures;

use cdp_spark_domain::cron::batch;

#[test]
fn agrees_with_every_oracle_case() {
    let path = fixtures::path(fixtures::QUARTZ_ORACLE);
    let text = fixtures::read(fixtures::QUARTZ_ORACLE);

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
