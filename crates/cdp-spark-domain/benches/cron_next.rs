//! Next-fire computations per second for typical expressions, in UTC and in
//! a zone with daylight saving time. Each iteration asks for the fire time
//! after the previous one, as a scheduler does.
//!
//! `cargo bench -p cdp-spark-domain --bench cron_next`; criterion reports
//! the time per computation and its inverse (elem/s); the medians are in
//! `target/criterion/cron_next/*/new/estimates.json`.

use std::hint::black_box;
use std::time::Duration;

use cdp_spark_domain::cron::CronExpression;
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const EXPRESSIONS: [&str; 5] = [
    "0 30 2 ? * MON-FRI",
    "0 0/5 * * * ?",
    "0 15 10 L * ?",
    "0 0 12 ? * 6#3",
    "*/7 * * * * ?",
];

fn next_fire(c: &mut Criterion) {
    let start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let end: DateTime<Utc> = Utc.with_ymd_and_hms(2035, 1, 1, 0, 0, 0).unwrap();
    let mut group = c.benchmark_group("cron_next");
    group.throughput(Throughput::Elements(1));
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for text in EXPRESSIONS {
        let cron = CronExpression::parse(text).expect("a valid expression");
        for tz in [Tz::UTC, Tz::Europe__Rome] {
            group.bench_function(BenchmarkId::new(text, tz.name()), |b| {
                let mut t = start;
                b.iter(|| {
                    let next = cron.next_after(black_box(t), black_box(tz));
                    t = match next {
                        Some(n) if n < end => n,
                        _ => start,
                    };
                    next
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, next_fire);
criterion_main!(benches);
