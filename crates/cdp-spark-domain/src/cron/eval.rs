//! Quartz 2.3.2's `CronExpression.getTimeAfter`, step for step: the same
//! field-by-field search on a lenient Gregorian calendar, with the same
//! restarts, the same daylight-saving corners and the same oddities (a
//! skipped hour is stepped over with `setCalendarHour`, the first of two
//! repeated wall-clock times is read as the second, `W` and `L` days are
//! found through a second calendar, `L-n` may point before the 1st).

use super::calendar::{month_length, JavaCalendar};
use super::max_year;
use super::parser::{Spec, NO_SPEC};
use super::zone::ZoneModel;

/// Quartz gives up on a search that reaches this year.
const LAST_SEARCHED_YEAR: i32 = 2999;

/// A safety net on top of the cycle detection below: a search that has
/// not ended after this many turns is reported as hanging. Real searches
/// end within a few thousand turns (each turn moves to the next candidate
/// day at most, and Quartz stops a century ahead).
const MAX_TURNS: u32 = 2_000_000;

/// The outcome of one search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// The next fire time, UTC seconds.
    At(i64),
    /// Quartz returns `null`: no further fire time.
    Never,
    /// Quartz throws (a field whose value list is empty, e.g. `L` in the
    /// seconds field, which Quartz accepts and stores nothing for).
    Fails,
    /// Quartz never returns: its loop comes back to a state it was in
    /// (e.g. `0W`, whose day 0 is the last day of the previous month).
    Hangs,
}

/// Quartz's `setCalendarHour`: set the hour and, if daylight saving time
/// moved it, set the next hour.
fn set_calendar_hour(cl: &mut JavaCalendar, hour: i32) {
    cl.set_hour(hour);
    if cl.hour() != hour && hour != 24 {
        cl.set_hour(hour + 1);
    }
}

/// Moves a `W` day to the nearest weekday the way Quartz does (on a second
/// calendar), and returns the moved day with the instant Quartz compares
/// against the search start.
#[allow(clippy::too_many_arguments)]
fn nearest_weekday(
    zone: &'static ZoneModel,
    year: i32,
    mon: i32,
    day: i32,
    hour: i32,
    minute: i32,
    second: i32,
) -> (i32, i64) {
    let mut tcal = JavaCalendar::blank(zone);
    tcal.set_second(0);
    tcal.set_minute(0);
    tcal.set_hour(0);
    tcal.set_day(day);
    tcal.set_month(mon - 1);
    tcal.set_year(year);
    let last = month_length(year, mon);
    let dow = tcal.day_of_week();
    const SUNDAY: i32 = 1;
    const SATURDAY: i32 = 7;
    let day = if dow == SATURDAY && day == 1 {
        day + 2
    } else if dow == SATURDAY {
        day - 1
    } else if dow == SUNDAY && day == last {
        day - 2
    } else if dow == SUNDAY {
        day + 1
    } else {
        day
    };
    tcal.set_second(second);
    tcal.set_minute(minute);
    tcal.set_hour(hour);
    tcal.set_day(day);
    tcal.set_month(mon - 1);
    (day, tcal.time())
}

/// Days to add to go from weekday `current` to weekday `wanted` (both
/// 1 = Sunday ... 7 = Saturday, though `wanted` may be any stored value).
fn days_until(current: i32, wanted: i32) -> i32 {
    if current < wanted {
        wanted - current
    } else if current > wanted {
        wanted + (7 - current)
    } else {
        0
    }
}

/// Quartz's `getTimeAfter(after)`: the first fire time strictly after
/// `after` (UTC seconds).
pub(crate) fn time_after(spec: &Spec, after: i64, zone: &'static ZoneModel) -> Next {
    let max_year = max_year();
    // Quartz moves one second ahead and clears the milliseconds.
    let after = after + 1;
    let mut cl = JavaCalendar::at(zone, after);
    // `set(MILLISECOND, 0)`: the next read recomputes from the fields.
    let second = cl.second();
    cl.set_second(second);

    let dom_spec = !spec.days_of_month.contains(NO_SPEC);
    let dow_spec = !spec.days_of_week.contains(NO_SPEC);

    // Each turn of Quartz's loop depends only on the calendar's state at
    // its start, so a state seen twice means Quartz loops forever. Brent's
    // cycle detection: compare with a state saved at powers of two.
    let mut saved = cl.state();
    let mut power = 1u32;
    let mut since_saved = 0u32;
    let mut turns = 0u32;
    loop {
        turns += 1;
        if turns > MAX_TURNS {
            return Next::Hangs;
        }
        if turns > 1 {
            let state = cl.state();
            if state == saved {
                return Next::Hangs;
            }
            since_saved += 1;
            if since_saved == power {
                saved = state;
                power = power.saturating_mul(2);
                since_saved = 0;
            }
        }
        if cl.year() > LAST_SEARCHED_YEAR {
            return Next::Never;
        }

        // Second.
        let mut sec = cl.second();
        let mut min = cl.minute();
        match spec.seconds.at_or_after(sec) {
            Some(s) => sec = s,
            None => {
                let Some(first) = spec.seconds.first() else {
                    return Next::Fails;
                };
                sec = first;
                min += 1;
                cl.set_minute(min);
            }
        }
        cl.set_second(sec);

        // Minute.
        min = cl.minute();
        let mut hr = cl.hour();
        let mut t = -1;
        match spec.minutes.at_or_after(min) {
            Some(m) => {
                t = min;
                min = m;
            }
            None => {
                let Some(first) = spec.minutes.first() else {
                    return Next::Fails;
                };
                min = first;
                hr += 1;
            }
        }
        if min != t {
            cl.set_second(0);
            cl.set_minute(min);
            set_calendar_hour(&mut cl, hr);
            continue;
        }
        cl.set_minute(min);

        // Hour.
        hr = cl.hour();
        let mut day = cl.day();
        t = -1;
        match spec.hours.at_or_after(hr) {
            Some(h) => {
                t = hr;
                hr = h;
            }
            None => {
                let Some(first) = spec.hours.first() else {
                    return Next::Fails;
                };
                hr = first;
                day += 1;
            }
        }
        if hr != t {
            cl.set_second(0);
            cl.set_minute(0);
            cl.set_day(day);
            set_calendar_hour(&mut cl, hr);
            continue;
        }
        cl.set_hour(hr);

        // Day.
        day = cl.day();
        let mut mon = cl.month() + 1;
        t = -1;
        let mut tmon = mon;
        if dom_spec && !dow_spec {
            let dom = &spec.days_of_month;
            let from_today = dom.at_or_after(day);
            if spec.last_day_of_month {
                t = day;
                let year = cl.year();
                day = month_length(year, mon) - spec.last_day_offset;
                if !spec.nearest_weekday {
                    if t > day {
                        mon += 1;
                        if mon > 12 {
                            mon = 1;
                            tmon = 3333;
                            cl.add_years(1);
                        }
                        day = 1;
                    }
                } else {
                    let (moved, at) = nearest_weekday(zone, year, mon, day, hr, min, sec);
                    day = moved;
                    if at < after {
                        day = 1;
                        mon += 1;
                    }
                }
            } else if spec.nearest_weekday {
                t = day;
                let Some(first) = dom.first() else {
                    return Next::Fails;
                };
                let year = cl.year();
                let (moved, at) = nearest_weekday(zone, year, mon, first, hr, min, sec);
                day = moved;
                if at < after {
                    day = first;
                    mon += 1;
                }
            } else if let Some(d) = from_today {
                t = day;
                day = d;
                if day > month_length(cl.year(), mon) {
                    let Some(first) = dom.first() else {
                        return Next::Fails;
                    };
                    day = first;
                    mon += 1;
                }
            } else {
                let Some(first) = dom.first() else {
                    return Next::Fails;
                };
                day = first;
                mon += 1;
            }
            if day != t || mon != tmon {
                cl.set_second(0);
                cl.set_minute(0);
                cl.set_hour(0);
                cl.set_day(day);
                cl.set_month(mon - 1);
                continue;
            }
        } else if dow_spec && !dom_spec {
            let Some(first_dow) = spec.days_of_week.first() else {
                return Next::Fails;
            };
            if spec.last_day_of_week {
                let mut add = days_until(cl.day_of_week(), first_dow);
                let last = month_length(cl.year(), mon);
                if day + add > last {
                    cl.set_second(0);
                    cl.set_minute(0);
                    cl.set_hour(0);
                    cl.set_day(1);
                    cl.set_month(mon);
                    continue;
                }
                while day + add + 7 <= last {
                    add += 7;
                }
                day += add;
                if add > 0 {
                    cl.set_second(0);
                    cl.set_minute(0);
                    cl.set_hour(0);
                    cl.set_day(day);
                    cl.set_month(mon - 1);
                    continue;
                }
            } else if spec.nth_day_of_week != 0 {
                let add = days_until(cl.day_of_week(), first_dow);
                let shifted = add > 0;
                day += add;
                let mut week = day / 7;
                if day % 7 > 0 {
                    week += 1;
                }
                let add = (spec.nth_day_of_week - week) * 7;
                day += add;
                if add < 0 || day > month_length(cl.year(), mon) {
                    cl.set_second(0);
                    cl.set_minute(0);
                    cl.set_hour(0);
                    cl.set_day(1);
                    cl.set_month(mon);
                    continue;
                } else if add > 0 || shifted {
                    cl.set_second(0);
                    cl.set_minute(0);
                    cl.set_hour(0);
                    cl.set_day(day);
                    cl.set_month(mon - 1);
                    continue;
                }
            } else {
                let current = cl.day_of_week();
                let wanted = spec.days_of_week.at_or_after(current).unwrap_or(first_dow);
                let add = days_until(current, wanted);
                let last = month_length(cl.year(), mon);
                if day + add > last {
                    cl.set_second(0);
                    cl.set_minute(0);
                    cl.set_hour(0);
                    cl.set_day(1);
                    cl.set_month(mon);
                    continue;
                } else if add > 0 {
                    cl.set_second(0);
                    cl.set_minute(0);
                    cl.set_hour(0);
                    cl.set_day(day + add);
                    cl.set_month(mon - 1);
                    continue;
                }
            }
        } else {
            // The parser rejects both and neither; Quartz throws here.
            return Next::Fails;
        }
        cl.set_day(day);

        // Month.
        mon = cl.month() + 1;
        let mut year = cl.year();
        t = -1;
        if year > max_year {
            return Next::Never;
        }
        match spec.months.at_or_after(mon) {
            Some(m) => {
                t = mon;
                mon = m;
            }
            None => {
                let Some(first) = spec.months.first() else {
                    return Next::Fails;
                };
                mon = first;
                year += 1;
            }
        }
        if mon != t {
            cl.set_second(0);
            cl.set_minute(0);
            cl.set_hour(0);
            cl.set_day(1);
            cl.set_month(mon - 1);
            cl.set_year(year);
            continue;
        }
        cl.set_month(mon - 1);

        // Year.
        year = cl.year();
        let Some(wanted) = spec.years.at_or_after(year) else {
            return Next::Never;
        };
        if wanted != year {
            year = wanted;
            cl.set_second(0);
            cl.set_minute(0);
            cl.set_hour(0);
            cl.set_day(1);
            cl.set_month(0);
            cl.set_year(year);
            continue;
        }
        cl.set_year(year);
        return Next::At(cl.time());
    }
}
