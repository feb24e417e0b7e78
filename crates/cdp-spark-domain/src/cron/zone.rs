//! A time zone as `java.util.TimeZone` (`sun.util.calendar.ZoneInfo` of
//! Java 17) answers Quartz's calendar, built from the tz database that
//! `chrono-tz` carries.
//!
//! Java keeps a table of transitions from 1900 to the end of 2037; after
//! it, a `SimpleTimeZone` made of the zone's last recurring rule (or, for a
//! zone without one, the last offset of the table). `chrono-tz` lists real
//! transitions up to 2099; the last rule is recognised from its final
//! decade and extended to year 3000, past which Quartz gives up anyway.
//!
//! Turning a wall-clock time into an instant (`getOffsetsByWall`):
//! - a time skipped when daylight saving time starts is read with the
//!   offset in force before the switch, landing after the gap (02:30
//!   becomes 03:30);
//! - a time repeated when it ends is read as its second occurrence;
//! - after the table Java reads the wall time as standard time, and Java 17
//!   corrects a time that falls in the gap the same way.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, Datelike, Offset, TimeZone, Timelike};
use chrono_tz::{Tz, TZ_VARIANTS};

/// 1900-01-01T00:00:00Z: Java's tables start here.
const SCAN_FROM: i64 = -2_208_988_800;
/// 2100-01-01T00:00:00Z: `chrono-tz` lists transitions up to 2099.
const SCAN_TO: i64 = 4_102_444_800;
/// 2037-12-31T23:59:59Z: the last instant of Java's transition table.
const JAVA_TABLE_LAST: i64 = 2_145_916_799;
/// The last rule is recognised from the transitions of these years.
const RULE_SAMPLE_YEARS: std::ops::RangeInclusive<i32> = 2090..=2099;
/// The last rule is extended over these years (Quartz stops at 2999).
const RULE_YEARS: std::ops::RangeInclusive<i32> = 2036..=3000;

/// A half-open range `[lo, hi)` of seconds over which the offset is `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub lo: i64,
    pub hi: i64,
    pub off: i32,
}

impl Span {
    #[inline]
    pub(crate) fn contains(&self, t: i64) -> bool {
        self.lo <= t && t < self.hi
    }

    fn clip(self, lo: i64, hi: i64) -> Span {
        Span {
            lo: self.lo.max(lo),
            hi: self.hi.min(hi),
            off: self.off,
        }
    }
}

/// Transitions: instants (UTC seconds, ascending) and the total offset in
/// force from each on.
#[derive(Debug, Default)]
struct Transitions {
    at: Vec<i64>,
    off: Vec<i32>,
}

impl Transitions {
    /// The offset at `t` and the span sharing it; `before` applies before
    /// the first transition.
    fn span(&self, t: i64, before: i32) -> Span {
        let i = self.at.partition_point(|&x| x <= t);
        Span {
            lo: if i == 0 { i64::MIN } else { self.at[i - 1] },
            hi: self.at.get(i).copied().unwrap_or(i64::MAX),
            off: if i == 0 { before } else { self.off[i - 1] },
        }
    }
}

/// Java's `SimpleTimeZone` for the years after its table: the zone's last
/// recurring rule.
#[derive(Debug)]
struct LastRule {
    /// Standard offset.
    raw: i32,
    /// The rule's transitions over [`RULE_YEARS`], and the offset before
    /// the first.
    transitions: Transitions,
    before: i32,
}

impl LastRule {
    fn utc_span(&self, t: i64) -> Span {
        self.transitions.span(t, self.before)
    }

    /// `ZoneInfo.getOffsets(wall, WALL_TIME)` after the table: the wall
    /// time read as standard time; in daylight time unless the switch to
    /// daylight time happened less than the daylight saving before (the
    /// skipped hour), then standard.
    fn wall_span(&self, wall: i64) -> Span {
        let raw = i64::from(self.raw);
        let s1 = self.utc_span(wall - raw);
        let span = Span {
            lo: s1.lo.saturating_add(raw),
            hi: s1.hi.saturating_add(raw),
            off: s1.off,
        };
        let dst = i64::from(s1.off) - raw;
        if dst <= 0 {
            return span;
        }
        let s2 = self.utc_span(wall - raw - dst);
        let span = span.clip(
            s2.lo.saturating_add(raw + dst),
            s2.hi.saturating_add(raw + dst),
        );
        if s2.off == self.raw {
            Span {
                off: self.raw,
                ..span
            }
        } else {
            span
        }
    }
}

#[derive(Debug)]
pub(crate) struct ZoneModel {
    /// Java's table: transitions up to [`JAVA_TABLE_LAST`].
    table: Transitions,
    /// `table.at[i] + table.off[i]`: the wall time from which Java reads
    /// wall times with `table.off[i]`.
    wall_keys: Vec<i64>,
    /// Java's raw offset: the zone's current standard offset, also used
    /// before the table.
    raw: i32,
    /// After the table: the last rule, or else the table's last offset.
    last_rule: Option<LastRule>,
    last_off: i32,
}

impl ZoneModel {
    /// A model from its transition table (and the wall-clock keys of its
    /// transitions, derived here), raw offset, last rule and last offset.
    fn with_table(
        table: Transitions,
        raw: i32,
        last_rule: Option<LastRule>,
        last_off: i32,
    ) -> ZoneModel {
        let wall_keys = table
            .at
            .iter()
            .zip(&table.off)
            .map(|(t, o)| t + i64::from(*o))
            .collect();
        ZoneModel {
            table,
            wall_keys,
            raw,
            last_rule,
            last_off,
        }
    }

    /// The offset at a UTC instant (Java: `ZoneInfo.getOffsets(utc)`), with
    /// the span of instants sharing it.
    pub(crate) fn utc_span(&self, t: i64) -> Span {
        let Some(&last) = self.table.at.last() else {
            return Span {
                lo: i64::MIN,
                hi: i64::MAX,
                off: self.raw,
            };
        };
        if t <= last {
            return self.table.span(t, self.raw).clip(i64::MIN, last + 1);
        }
        match &self.last_rule {
            Some(rule) => rule.utc_span(t).clip(last + 1, i64::MAX),
            None => Span {
                lo: last + 1,
                hi: i64::MAX,
                off: self.last_off,
            },
        }
    }

    /// The offset Java subtracts from a wall-clock time to get the instant
    /// (Java: `ZoneInfo.getOffsetsByWall`), with the span of wall times
    /// sharing it.
    pub(crate) fn wall_span(&self, wall: i64) -> Span {
        let Some(&last) = self.wall_keys.last() else {
            return Span {
                lo: i64::MIN,
                hi: i64::MAX,
                off: self.raw,
            };
        };
        if wall <= last {
            let i = self.wall_keys.partition_point(|&k| k <= wall);
            return Span {
                lo: if i == 0 {
                    i64::MIN
                } else {
                    self.wall_keys[i - 1]
                },
                hi: self.wall_keys.get(i).copied().unwrap_or(last + 1),
                off: if i == 0 {
                    self.raw
                } else {
                    self.table.off[i - 1]
                },
            };
        }
        match &self.last_rule {
            Some(rule) => rule.wall_span(wall).clip(last + 1, i64::MAX),
            None => Span {
                lo: last + 1,
                hi: i64::MAX,
                off: self.last_off,
            },
        }
    }

    /// Java's raw offset (`TimeZone.getRawOffset`), in seconds.
    pub(crate) fn raw(&self) -> i32 {
        self.raw
    }

    /// A zone that never changes offset (Java's custom `GMT+hh:mm` ids and
    /// its fixed old ids such as `EST`).
    fn fixed(offset: i32) -> ZoneModel {
        ZoneModel {
            table: Transitions::default(),
            wall_keys: Vec::new(),
            raw: offset,
            last_rule: None,
            last_off: offset,
        }
    }

    /// True when the zone never changes offset.
    #[cfg(test)]
    pub(crate) fn is_fixed(&self) -> bool {
        self.table.at.is_empty()
    }

    fn build(tz: Tz) -> ZoneModel {
        let off_at = |t: i64| -> i32 {
            DateTime::from_timestamp(t, 0)
                .map(|d| {
                    tz.offset_from_utc_datetime(&d.naive_utc())
                        .fix()
                        .local_minus_utc()
                })
                .unwrap_or(0)
        };
        let mut all = Transitions::default();
        let mut t = SCAN_FROM;
        let mut off = off_at(t);
        while t < SCAN_TO {
            let next = (t + 86_400).min(SCAN_TO);
            let next_off = off_at(next);
            if next_off != off {
                // The first second in (t, next] with the new offset.
                let (mut lo, mut hi) = (t, next);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if off_at(mid) == off {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                all.at.push(hi);
                all.off.push(next_off);
                off = next_off;
            }
            t = next;
        }

        let last_rule = infer_last_rule(&all);
        let java_len = all.at.partition_point(|&x| x <= JAVA_TABLE_LAST);
        let table = Transitions {
            at: all.at[..java_len].to_vec(),
            off: all.off[..java_len].to_vec(),
        };
        let last_off = table.off.last().copied().unwrap_or(off);
        let raw = last_rule.as_ref().map_or(last_off, |r| r.raw);
        ZoneModel::with_table(table, raw, last_rule, last_off)
    }
}

/// How a recurring transition picks its day in a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayRule {
    /// The last given weekday (0 = Monday) of the month.
    Last(u32),
    /// The first given weekday on or after a day (covers "n-th weekday").
    OnOrAfter(u32, u32),
    /// A fixed day of the month.
    Fixed(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Recurring {
    month: u32,
    day: DayRule,
    /// Seconds after midnight, standard local time.
    time: i64,
    after: i32,
}

impl Recurring {
    /// The instant of this transition in `year`, when the rule yields a day.
    fn instant(&self, year: i32, raw: i32) -> Option<i64> {
        let first = chrono::NaiveDate::from_ymd_opt(year, self.month, 1)?;
        let len = super::calendar::month_length(year, self.month as i32) as u32;
        let day = match self.day {
            DayRule::Fixed(d) => d,
            DayRule::OnOrAfter(d, wd) => {
                let from = first.with_day(d)?.weekday().num_days_from_monday();
                d + (wd + 7 - from) % 7
            }
            DayRule::Last(wd) => {
                let last = first.with_day(len)?.weekday().num_days_from_monday();
                len - (last + 7 - wd) % 7
            }
        };
        let date = first.with_day(day)?;
        let local = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp() + self.time;
        Some(local - i64::from(raw))
    }
}

/// Recognises the zone's last recurring rule (what Java's `lastRules` hold)
/// from its transitions in [`RULE_SAMPLE_YEARS`]: each kind of transition
/// once a year, on a day described by a [`DayRule`], at a fixed standard
/// time. `None` for a zone without daylight saving time at the end, or
/// with a rule this does not recognise.
fn infer_last_rule(all: &Transitions) -> Option<LastRule> {
    let sample: Vec<(i64, i32, i32)> = (1..all.at.len())
        .map(|i| (all.at[i], all.off[i - 1], all.off[i]))
        .filter(|(t, _, _)| {
            let year = DateTime::from_timestamp(*t, 0).map_or(0, |d| d.year());
            // Transitions at the edges of the years are sampled by the
            // standard-time year below; keep a margin.
            (RULE_SAMPLE_YEARS.start() - 1..=RULE_SAMPLE_YEARS.end() + 1).contains(&year)
        })
        .collect();
    let raw = sample.iter().flat_map(|(_, b, a)| [*b, *a]).min()?;
    let local_year = |t: i64| {
        DateTime::from_timestamp(t + i64::from(raw), 0).map_or(0, |d| d.naive_utc().year())
    };
    let mut kinds: Vec<(i32, i32)> = Vec::new();
    for (t, b, a) in &sample {
        if RULE_SAMPLE_YEARS.contains(&local_year(*t)) && !kinds.contains(&(*b, *a)) {
            kinds.push((*b, *a));
        }
    }
    let mut rules = Vec::new();
    for (before, after) in kinds {
        let seen: Vec<(i32, i64)> = sample
            .iter()
            .filter(|(t, b, a)| {
                (*b, *a) == (before, after) && RULE_SAMPLE_YEARS.contains(&local_year(*t))
            })
            .map(|(t, _, _)| (local_year(*t), *t))
            .collect();
        let years: Vec<i32> = seen.iter().map(|(y, _)| *y).collect();
        if years != RULE_SAMPLE_YEARS.collect::<Vec<_>>() {
            return None;
        }
        let dates: Vec<chrono::NaiveDateTime> = seen
            .iter()
            .map(|(_, t)| DateTime::from_timestamp(t + i64::from(raw), 0).map(|d| d.naive_utc()))
            .collect::<Option<_>>()?;
        let d = dates[0];
        let time = i64::from(d.num_seconds_from_midnight());
        let wd = d.weekday().num_days_from_monday();
        let min_day = dates.iter().map(|d| d.day()).min()?;
        let candidates = [
            DayRule::Last(wd),
            DayRule::OnOrAfter(min_day, wd),
            DayRule::Fixed(d.day()),
        ];
        let fits = |r: &Recurring| seen.iter().all(|(y, t)| r.instant(*y, raw) == Some(*t));
        let rule = candidates
            .into_iter()
            .map(|day| Recurring {
                month: d.month(),
                day,
                time,
                after,
            })
            .find(|r| fits(r))?;
        rules.push((rule, before));
    }
    if rules.is_empty() {
        return None;
    }
    let mut generated: Vec<(i64, i32, i32)> = Vec::new();
    for year in RULE_YEARS {
        for (r, before) in &rules {
            generated.push((r.instant(year, raw)?, *before, r.after));
        }
    }
    generated.sort_unstable();
    // The rules must chain: each transition starts from the previous one's
    // offset.
    if generated.windows(2).any(|w| w[0].2 != w[1].1) {
        return None;
    }
    let before = generated.first()?.1;
    Some(LastRule {
        raw,
        transitions: Transitions {
            at: generated.iter().map(|g| g.0).collect(),
            off: generated.iter().map(|g| g.2).collect(),
        },
        before,
    })
}

/// The model of `tz`, built on first use and kept for the process.
pub(crate) fn model(tz: Tz) -> &'static ZoneModel {
    static MODELS: OnceLock<Box<[OnceLock<ZoneModel>]>> = OnceLock::new();
    let all = MODELS.get_or_init(|| (0..TZ_VARIANTS.len()).map(|_| OnceLock::new()).collect());
    match all.get(tz as usize) {
        Some(cell) => cell.get_or_init(|| ZoneModel::build(tz)),
        // Not reachable with chrono-tz's own enum; build a leaked model
        // rather than fail.
        None => Box::leak(Box::new(ZoneModel::build(tz))),
    }
}

/// The JDK's `SystemV/*` zones with daylight saving time (`SystemV/EST5EDT`):
/// a standard offset and the JDK's own `SystemV` rule, one hour from the
/// last Sunday of April at 02:00 to the last Sunday of October at 02:00
/// (1974 from 6 January to the last Sunday of November, 1975 from 23
/// February), every year, never the US rules of 1987 or 2007.
pub(crate) fn system_v_model(raw: i32) -> &'static ZoneModel {
    static SYSTEM_V: OnceLock<Mutex<BTreeMap<i32, &'static ZoneModel>>> = OnceLock::new();
    let mut models = SYSTEM_V
        .get_or_init(|| Mutex::new(BTreeMap::new()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    models
        .entry(raw)
        .or_insert_with(|| Box::leak(Box::new(ZoneModel::system_v(raw))))
}

impl ZoneModel {
    fn system_v(raw: i32) -> ZoneModel {
        let dst = raw + 3600;
        // Times are standard local time: 02:00 daylight time is 01:00.
        let rule = |month, day| Recurring {
            month,
            day,
            time: 7200,
            after: dst,
        };
        let back = |month, day| Recurring {
            month,
            day,
            time: 3600,
            after: raw,
        };
        const SUNDAY: u32 = 6;
        let (april, october) = (
            rule(4, DayRule::Last(SUNDAY)),
            back(10, DayRule::Last(SUNDAY)),
        );
        let year_rules = |year: i32| match year {
            1974 => [rule(1, DayRule::Fixed(6)), back(11, DayRule::Last(SUNDAY))],
            1975 => [rule(2, DayRule::Fixed(23)), october],
            _ => [april, october],
        };
        let mut table = Transitions::default();
        for year in 1900..=2037 {
            for r in year_rules(year) {
                if let Some(at) = r.instant(year, raw) {
                    table.at.push(at);
                    table.off.push(r.after);
                }
            }
        }
        let mut transitions = Transitions::default();
        for year in RULE_YEARS {
            for r in [april, october] {
                if let Some(at) = r.instant(year, raw) {
                    transitions.at.push(at);
                    transitions.off.push(r.after);
                }
            }
        }
        let last_rule = LastRule {
            raw,
            transitions,
            before: raw,
        };
        ZoneModel::with_table(table, raw, Some(last_rule), raw)
    }
}

/// The model of a fixed offset in seconds, built on first use and kept for
/// the process (Java's custom ids are whole minutes within ±23:59, so at
/// most 2,879 of them).
pub(crate) fn fixed_model(offset: i32) -> &'static ZoneModel {
    static FIXED: OnceLock<Mutex<BTreeMap<i32, &'static ZoneModel>>> = OnceLock::new();
    let mut models = FIXED
        .get_or_init(|| Mutex::new(BTreeMap::new()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    models
        .entry(offset)
        .or_insert_with(|| Box::leak(Box::new(ZoneModel::fixed(offset))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.timestamp())
            .unwrap()
    }

    #[test]
    fn utc_never_changes() {
        let m = model(Tz::UTC);
        assert!(m.is_fixed());
        assert_eq!(m.utc_span(0).off, 0);
        assert_eq!(m.wall_span(ts("2150-03-30T02:30:00Z")).off, 0);
    }

    #[test]
    fn rome_offsets_follow_the_tz_database() {
        let m = model(Tz::Europe__Rome);
        // 2027-03-28 01:00Z: CET -> CEST.
        assert_eq!(m.utc_span(ts("2027-03-28T00:59:59Z")).off, 3600);
        assert_eq!(m.utc_span(ts("2027-03-28T01:00:00Z")).off, 7200);
        // The rule extended past chrono-tz's data: 2150-03-29 is the last
        // Sunday of March 2150.
        assert_eq!(m.utc_span(ts("2150-03-29T00:59:59Z")).off, 3600);
        assert_eq!(m.utc_span(ts("2150-03-29T01:00:00Z")).off, 7200);
        assert_eq!(m.utc_span(ts("2150-10-25T00:59:59Z")).off, 7200);
        assert_eq!(m.utc_span(ts("2150-10-25T01:00:00Z")).off, 3600);
    }

    #[test]
    fn skipped_wall_times_resolve_like_java() {
        let m = model(Tz::Europe__Rome);
        // In the table: 02:30 of the skipped hour is read as CET (+1), an
        // instant after the gap.
        let wall = ts("2027-03-28T02:30:00Z");
        assert_eq!(m.wall_span(wall).off, 3600);
        // After the table: read as standard time, found in daylight time
        // less than an hour after the switch, so read as standard time
        // too (Java 17): 03:30 CEST.
        let wall = ts("2040-03-25T02:30:00Z");
        assert_eq!(m.wall_span(wall).off, 3600);
        assert_eq!(m.wall_span(ts("2040-03-25T03:30:00Z")).off, 7200);
        assert_eq!(m.wall_span(ts("2040-03-25T01:59:59Z")).off, 3600);
        // Repeated hour: the second occurrence (+1) in both eras.
        assert_eq!(m.wall_span(ts("2027-10-31T02:30:00Z")).off, 3600);
        assert_eq!(m.wall_span(ts("2040-10-28T02:30:00Z")).off, 3600);
    }

    #[test]
    fn sydney_and_new_york_rules_extend() {
        let syd = model(Tz::Australia__Sydney);
        // First Sunday of October 2150 is 2150-10-04: 02:00 AEST = 16:00Z the day before.
        assert_eq!(syd.utc_span(ts("2150-10-03T15:59:59Z")).off, 36000);
        assert_eq!(syd.utc_span(ts("2150-10-03T16:00:00Z")).off, 39600);
        let ny = model(Tz::America__New_York);
        // Second Sunday of March 2150 is 2150-03-08: 02:00 EST = 07:00Z.
        assert_eq!(ny.utc_span(ts("2150-03-08T06:59:59Z")).off, -18000);
        assert_eq!(ny.utc_span(ts("2150-03-08T07:00:00Z")).off, -14400);
    }
}
