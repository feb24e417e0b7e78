//! Every input of the fuzzing corpora (`fuzz/corpus/TARGET`) and every input
//! that once broke a target (`fuzz/regressions/TARGET`), replayed on stable
//! through the same calls as the fuzz targets (fuzz/fuzz_targets): none may
//! panic. `scripts/fuzz.sh` grows the corpora; this keeps what they found.

use cdp_spark_testkit::zipjar;

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use cdp_spark_domain::api::DescriptorKind;
use cdp_spark_domain::cron::CronExpression;
use cdp_spark_domain::descriptor::{parse_request, DescriptorSettings};
use cdp_spark_domain::jar::{check_main_class, ByteSource};
use cdp_spark_domain::ports::FsError;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The inputs of one target: corpus and regressions.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for folder in ["corpus", "regressions"] {
        let dir = fuzz_dir().join(folder).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file() {
                let bytes =
                    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    assert!(
        !out.is_empty(),
        "no corpus for the fuzz target {target} under {}: restore fuzz/corpus/{target}",
        fuzz_dir().display()
    );
    out
}

struct Bytes(Vec<u8>);

#[async_trait]
impl ByteSource for Bytes {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    async fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, FsError> {
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let end = start.saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
        self.0
            .get(start..end)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| FsError::Read {
                path: "corpus.jar".into(),
                detail: "read past the end".into(),
            })
    }
}

#[test]
fn descriptor_corpus_parses_or_reports() {
    let settings = DescriptorSettings::default();
    let mut parsed = 0;
    for (path, bytes) in inputs("descriptor") {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            if parse_request(DescriptorKind::ComponentDescriptor, text, &settings).is_ok() {
                parsed += 1;
            }
        }
        let _ = path;
    }
    // The seed is the fixture: at least it parses.
    assert!(parsed >= 1, "not even the fixture descriptor parsed");
}

#[test]
fn cron_corpus_parses_and_evaluates() {
    const ZONES: [Tz; 5] = [
        chrono_tz::UTC,
        chrono_tz::Europe::Rome,
        chrono_tz::America::New_York,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Asia::Kolkata,
    ];
    let mut evaluated = 0;
    for (_, bytes) in inputs("cron") {
        let Some((&pick, rest)) = bytes.split_first() else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(rest) else {
            continue;
        };
        if let Ok(expr) = CronExpression::parse(text) {
            let zone = ZONES[usize::from(pick) % ZONES.len()];
            let mut after: DateTime<Utc> =
                DateTime::from_timestamp(1_798_761_600 + i64::from(pick) * 86_399, 0)
                    .unwrap_or_default();
            for _ in 0..3 {
                match expr.next_after(after, zone) {
                    Some(next) => after = next,
                    None => break,
                }
            }
            evaluated += 1;
        }
    }
    assert!(evaluated > 10, "only {evaluated} cron inputs parsed");
}

#[tokio::test]
async fn jar_corpus_is_inspected_without_panics() {
    let mut found = 0;
    for (_, bytes) in inputs("jar") {
        let source = Bytes(bytes);
        for class in ["cdptest.Main", "Main"] {
            if matches!(
                check_main_class(&source, class).await,
                Ok(cdp_spark_domain::jar::MainClassCheck::HasMain { .. })
            ) {
                found += 1;
            }
        }
    }
    assert!(found >= 2, "the seed jars' main classes were not found");
}

#[tokio::test]
async fn classfile_corpus_is_read_without_panics() {
    let mut found = 0;
    for (_, bytes) in inputs("classfile") {
        let mut jar = zipjar::JarWriter::in_memory();
        jar.add("Main.class", zipjar::stored(), &bytes);
        let source = Bytes(jar.finish_bytes());
        if matches!(
            check_main_class(&source, "Main").await,
            Ok(cdp_spark_domain::jar::MainClassCheck::HasMain { .. })
        ) {
            found += 1;
        }
    }
    assert!(found >= 1, "the seed class Main was not found");
}
