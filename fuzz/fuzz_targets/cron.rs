//! A Quartz cron expression from a descriptor: parsed, and when it parses,
//! its next fire times computed in a zone chosen by the input.
#![no_main]

use cdp_spark_domain::cron::CronExpression;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use libfuzzer_sys::fuzz_target;

const ZONES: [Tz; 5] = [
    chrono_tz::UTC,
    chrono_tz::Europe::Rome,
    chrono_tz::America::New_York,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Asia::Kolkata,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
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
    }
});
