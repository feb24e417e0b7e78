//! Differential test against the real Quartz 2.3.2: thousands of random
//! expressions, biased to the grammar's corners, evaluated from random
//! instants (many near daylight-saving switches and month ends) in zones
//! with and without daylight saving time, by Quartz (through
//! `tests/java/QuartzOracle.java`) and by us. Every answer must match.
//!
//! Needs a JDK and Debian's `libquartz2-java` (`scripts/install-deps.sh
//! test` installs both). Environment:
//! - `CDP_CRON_DIFF_SEED`: the generator's seed (default: from the clock;
//!   the seed used is printed, so a failure can be replayed);
//! - `CDP_CRON_DIFF_CASES`: how many cases (default 8000);
//! - `CDP_CRON_DIFF_DUMP`: a file to write the questions to (to replay
//!   them, e.g. with `cdp-spark-provisioner cron next --batch`);
//! - `CDP_JAVA_LIB_DIR`: where `quartz2.jar`, `slf4j-api.jar` and
//!   `slf4j-nop.jar` are (default `/usr/share/java`, Debian's place).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cdp_spark_domain::cron::{batch, CronExpression};
use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

const DEFAULT_CASES: usize = 8000;
const JAVA_TIMEOUT: Duration = Duration::from_secs(600);
const INSTALL_HINT: &str = "run `scripts/install-deps.sh test` to install a JDK and Debian's \
                            libquartz2-java (or set CDP_JAVA_LIB_DIR to the folder holding \
                            quartz2.jar, slf4j-api.jar and slf4j-nop.jar)";

/// The zones cases run in; the first five get most of them. The others
/// add a half-hour daylight saving (Lord Howe), a half-hour offset (St
/// John's) and other hemispheres' rules.
const ZONES: [Tz; 9] = [
    Tz::UTC,
    Tz::Europe__Rome,
    Tz::America__New_York,
    Tz::Australia__Sydney,
    Tz::Asia__Kolkata,
    Tz::Europe__London,
    Tz::Pacific__Auckland,
    Tz::Australia__Lord_Howe,
    Tz::America__St_Johns,
];

/// SplitMix64: small, seedable, good enough to spread test cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }
    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Field {
    Second,
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
    Year,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn bounds(f: Field) -> (i64, i64) {
    match f {
        Field::Second | Field::Minute => (0, 59),
        Field::Hour => (0, 23),
        Field::DayOfMonth => (1, 31),
        Field::Month => (1, 12),
        Field::DayOfWeek => (1, 7),
        Field::Year => (2019, 2045),
    }
}

/// A value of the field, now and then just outside its range; a month or
/// day name when `named`.
fn value(r: &mut Rng, f: Field, named: bool) -> String {
    let (lo, hi) = bounds(f);
    if r.int(0, 199) < 3 {
        let odd = [lo - 1, hi + 1, 0, 60, 99, 98, 32, 24, 13, 8];
        return r.pick(&odd).max(&0).to_string();
    }
    if f == Field::Month && named {
        return r.pick(&MONTHS).to_string();
    }
    if f == Field::DayOfWeek && named {
        return r.pick(&DAYS).to_string();
    }
    if f == Field::Year && r.chance(10) {
        return r
            .pick(&[
                "1969", "1970", "2099", "2100", "2125", "2126", "2127", "2199", "2200",
            ])
            .to_string();
    }
    r.int(lo, hi).to_string()
}

fn step(r: &mut Rng, f: Field) -> String {
    let (lo, hi) = bounds(f);
    let max = if f == Field::Year { 10 } else { hi - lo + 1 };
    if r.chance(2) {
        return r
            .pick(&["0", "1", "61", "100", "24", "32", "8", "13"])
            .to_string();
    }
    r.int(1, max.min(40)).to_string()
}

/// One comma-separated item of a field.
fn item(r: &mut Rng, f: Field) -> String {
    let roll = r.int(0, 99);
    let special = match f {
        Field::DayOfMonth if roll < 22 => Some(match r.int(0, 6) {
            0 => "L".to_string(),
            1 => "LW".to_string(),
            2 => format!("L-{}", r.int(0, 31)),
            3 => format!("L-{}W", r.int(0, 10)),
            4 | 5 => format!("{}W", r.int(0, 32)),
            _ => r.pick(&["L-", "LX", "W", "L-W", "15L", "2#1"]).to_string(),
        }),
        Field::DayOfWeek if roll < 30 => Some(match r.int(0, 11) {
            0 | 1 => format!("{}L", r.int(1, 7)),
            2 | 3 => format!("{}#{}", r.int(1, 7), r.int(1, 5)),
            4 => format!("{}L", r.pick(&DAYS)),
            5 => format!("{}#{}", r.pick(&DAYS), r.int(1, 5)),
            6 => "L".to_string(),
            7 => format!("{}-{}", r.pick(&DAYS), r.pick(&DAYS)),
            8 => format!("{}L", r.int(0, 8)),
            9 => format!("{}#{}", r.int(0, 9), r.int(0, 6)),
            10 => format!("{}-{}", r.pick(&DAYS), r.int(1, 7)),
            _ => r
                .pick(&[
                    "MONDAY", "FRI-", "SUN-SAT", "SAT-SUN", "1W", "5L#2", "2-MON",
                ])
                .to_string(),
        }),
        Field::Month if roll < 4 => Some(match r.int(0, 2) {
            0 => format!("{}-{}", r.pick(&MONTHS), r.int(1, 12)),
            1 => format!("{}-{}", r.int(1, 12), r.pick(&MONTHS)),
            _ => r.pick(&["JANUARY", "DEC-", "L", "?"]).to_string(),
        }),
        _ if roll < 1 => Some(
            r.pick(&[
                "?", "L", "X", "0-", "-5", "/", "*/", "5/", "1-2-3", "?X", "5X",
            ])
            .to_string(),
        ),
        _ => None,
    };
    if let Some(s) = special {
        return s;
    }
    // Names on both sides of a range, or numbers on both (mixing them is
    // among the specials above).
    let named = matches!(f, Field::Month | Field::DayOfWeek) && r.chance(40);
    match r.int(0, 9) {
        0 | 1 => "*".to_string(),
        2..=4 => value(r, f, named),
        5 | 6 => format!("{}-{}", value(r, f, named), value(r, f, named)),
        7 => format!(
            "{}-{}/{}",
            value(r, f, named),
            value(r, f, named),
            step(r, f)
        ),
        8 => format!("*/{}", step(r, f)),
        _ => format!("{}/{}", value(r, f, false), step(r, f)),
    }
}

fn field(r: &mut Rng, f: Field) -> String {
    let n = if r.chance(25) { r.int(2, 4) } else { 1 };
    let items: Vec<String> = (0..n).map(|_| item(r, f)).collect();
    items.join(",")
}

fn expression(r: &mut Rng) -> String {
    let mut fields = vec![
        if r.chance(55) {
            "0".to_string()
        } else {
            field(r, Field::Second)
        },
        field(r, Field::Minute),
        field(r, Field::Hour),
    ];
    let dom = field(r, Field::DayOfMonth);
    let dow = field(r, Field::DayOfWeek);
    match r.int(0, 99) {
        0..=44 => fields.extend(["?".to_string(), field(r, Field::Month), dow]),
        45..=89 => fields.extend([dom, field(r, Field::Month), "?".to_string()]),
        90..=94 => fields.extend(["?".to_string(), field(r, Field::Month), "?".to_string()]),
        _ => fields.extend([dom, field(r, Field::Month), dow]),
    }
    if r.chance(30) {
        fields.push(field(r, Field::Year));
    }
    if r.chance(1) {
        fields.truncate(r.int(3, 5) as usize);
    }
    fields.join(" ")
}

/// Daylight-saving switches of `tz` between 2020 and 2035 (UTC seconds).
fn switches(tz: Tz) -> Vec<i64> {
    let off = |t: i64| -> i32 {
        let d = DateTime::from_timestamp(t, 0)
            .expect("in range")
            .naive_utc();
        tz.offset_from_utc_datetime(&d).fix().local_minus_utc()
    };
    let start = Utc
        .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
        .unwrap()
        .timestamp();
    let end = Utc
        .with_ymd_and_hms(2036, 1, 1, 0, 0, 0)
        .unwrap()
        .timestamp();
    let mut out = Vec::new();
    let mut t = start;
    while t < end {
        let next = t + 3600;
        if off(next) != off(t) {
            out.push(next);
        }
        t = next;
    }
    out
}

fn start_instant(r: &mut Rng, tz: Tz, switches: &[i64]) -> i64 {
    let roll = r.int(0, 99);
    let t = if roll < 35 && !switches.is_empty() {
        // Around a daylight-saving switch.
        let s = *r.pick(switches);
        s + r.int(-4 * 3600, 4 * 3600)
    } else if roll < 65 {
        // Around the end of a month, in the zone's local time.
        let year = r.int(2020, 2035) as i32;
        let month = r.int(1, 12) as u32;
        let first_next = if month == 12 {
            chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            chrono::NaiveDate::from_ymd_opt(year, month + 1, 1)
        }
        .expect("valid date")
        .and_hms_opt(0, 0, 0)
        .expect("valid time");
        let local = first_next.and_utc().timestamp();
        let off = tz
            .offset_from_utc_datetime(&first_next)
            .fix()
            .local_minus_utc();
        local - i64::from(off) + r.int(-36 * 3600, 12 * 3600)
    } else {
        let lo = Utc
            .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp();
        let hi = Utc
            .with_ymd_and_hms(2035, 12, 31, 23, 59, 59)
            .unwrap()
            .timestamp();
        r.int(lo, hi)
    };
    // Mostly whole minutes, sometimes on the second.
    match r.int(0, 3) {
        0 => t - t.rem_euclid(3600),
        1 => t - t.rem_euclid(60),
        2 => t - t.rem_euclid(60) + 59,
        _ => t,
    }
}

fn java_lib_dir() -> PathBuf {
    std::env::var_os("CDP_JAVA_LIB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/java"))
}

/// Compiles `tests/java/QuartzOracle.java` into `dir`; returns the class path.
fn compile_oracle(dir: &Path) -> String {
    let lib = java_lib_dir();
    let jars: Vec<PathBuf> = ["quartz2.jar", "slf4j-api.jar", "slf4j-nop.jar"]
        .iter()
        .map(|j| lib.join(j))
        .collect();
    for jar in &jars {
        assert!(
            jar.is_file(),
            "{} is missing; {INSTALL_HINT}",
            jar.display()
        );
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/QuartzOracle.java");
    assert!(source.is_file(), "{} is missing", source.display());
    let class_path = std::env::join_paths(std::iter::once(dir.to_path_buf()).chain(jars))
        .expect("class path")
        .into_string()
        .expect("UTF-8 class path");
    let out = Command::new("javac")
        .arg("-nowarn")
        .arg("-cp")
        .arg(&class_path)
        .arg("-d")
        .arg(dir)
        .arg(&source)
        .output()
        .unwrap_or_else(|e| panic!("cannot run javac ({e}); {INSTALL_HINT}"));
    assert!(
        out.status.success(),
        "javac failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    class_path
}

/// Runs the Java oracle over `input` (one question per line) and returns
/// its answers, one per question.
fn ask_quartz(class_path: &str, input: String, questions: usize) -> Vec<String> {
    let mut child = Command::new("java")
        .args([
            "-Duser.timezone=UTC",
            "-Duser.language=en",
            "-Duser.country=US",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            class_path,
            "QuartzOracle",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run java ({e}); {INSTALL_HINT}"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + JAVA_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("Quartz did not answer within {JAVA_TIMEOUT:?}; it may loop on one case");
            }
        }
    }
    let _ = writer.join();
    let output = reader.join().expect("reader thread");
    let status = child.wait().expect("java exit status");
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    assert!(status.success(), "java failed ({status}):\n{stderr}");
    let answers: Vec<String> = output.lines().map(str::to_string).collect();
    assert_eq!(
        answers.len(),
        questions,
        "Quartz answered {} of {questions} questions; stderr:\n{stderr}",
        answers.len()
    );
    answers
}

#[test]
fn agrees_with_real_quartz_on_random_expressions() {
    let seed = match std::env::var("CDP_CRON_DIFF_SEED") {
        Ok(s) => s
            .parse::<u64>()
            .unwrap_or_else(|_| panic!("CDP_CRON_DIFF_SEED='{s}' is not a whole number")),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(42),
    };
    let cases = match std::env::var("CDP_CRON_DIFF_CASES") {
        Ok(s) => s
            .parse::<usize>()
            .unwrap_or_else(|_| panic!("CDP_CRON_DIFF_CASES='{s}' is not a whole number")),
        Err(_) => DEFAULT_CASES,
    };
    eprintln!(
        "cron differential: seed {seed} (CDP_CRON_DIFF_SEED), {cases} cases (CDP_CRON_DIFF_CASES)"
    );

    let switches: Vec<Vec<i64>> = ZONES.iter().map(|tz| switches(*tz)).collect();
    let mut r = Rng(seed);
    let mut questions = Vec::with_capacity(cases);
    for _ in 0..cases {
        let zone = if r.chance(85) {
            r.int(0, 4) as usize
        } else {
            r.int(5, ZONES.len() as i64 - 1) as usize
        };
        let tz = ZONES[zone];
        let expr = expression(&mut r);
        let from = start_instant(&mut r, tz, &switches[zone]);
        let from = DateTime::from_timestamp(from, 0)
            .expect("in range")
            .format("%Y-%m-%dT%H:%M:%SZ");
        let count = if r.chance(75) { 5 } else { r.int(1, 12) };
        questions.push(format!("{expr}\t{from}\t{}\t{count}", tz.name()));
    }

    if let Some(path) = std::env::var_os("CDP_CRON_DIFF_DUMP") {
        std::fs::write(&path, questions.join("\n") + "\n").expect("write CDP_CRON_DIFF_DUMP");
        eprintln!("questions written to {}", PathBuf::from(path).display());
    }

    let dir = tempfile::tempdir().expect("temporary directory");
    let class_path = compile_oracle(dir.path());
    let started = Instant::now();
    let answers = ask_quartz(&class_path, questions.join("\n") + "\n", questions.len());
    let java_time = started.elapsed();

    let started = Instant::now();
    let mut mismatches = Vec::new();
    let mut outcomes = [0usize; 5];
    let mut invalid_by_field: BTreeMap<String, usize> = BTreeMap::new();
    for (q, expected) in questions.iter().zip(&answers) {
        let ours = batch::answer_line(q).unwrap_or_else(|e| format!("rejected line: {e}"));
        outcomes[match expected.as_str() {
            "INVALID" => 0,
            "NONE" => 1,
            "ERROR" => 2,
            "HANGS" => 3,
            _ => 4,
        }] += 1;
        if let Some(Err(e)) = q.split('\t').next().map(CronExpression::parse) {
            let field = e.field.map_or("expression", |f| f.name()).to_string();
            *invalid_by_field.entry(field).or_default() += 1;
        }
        if &ours != expected {
            mismatches.push(format!("{q}\n  quartz: {expected}\n  ours:   {ours}"));
        }
    }
    let rust_time = started.elapsed();
    eprintln!(
        "quartz: {} invalid (ours by field: {invalid_by_field:?}), {} none, {} error, {} hangs, \
         {} with fire times; java {:.1?}, ours {:.1?}",
        outcomes[0], outcomes[1], outcomes[2], outcomes[3], outcomes[4], java_time, rust_time
    );
    for m in mismatches.iter().take(500) {
        eprintln!("{m}");
    }
    assert!(
        outcomes[4] * 2 >= cases,
        "too few cases with fire times ({} of {cases}); the generator is off",
        outcomes[4]
    );
    assert!(
        mismatches.is_empty(),
        "{} of {cases} cases disagree with Quartz (seed {seed}; first ones listed above)",
        mismatches.len()
    );
}
