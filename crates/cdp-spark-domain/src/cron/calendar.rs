//! The part of `java.util.GregorianCalendar` that Quartz's evaluator leans
//! on, with its exact behaviour: lenient fields (day 32 is the 1st of next
//! month, hour 24 is midnight of the next day), a `set` that only records a
//! field, and a `get` that first turns the fields into an instant (reading
//! the wall-clock time the way Java's `ZoneInfo` does) and then the instant
//! back into normalised fields.
//!
//! Works at second resolution: Quartz clears the milliseconds first.

use super::zone::{Span, ZoneModel};

pub(crate) const SECONDS_PER_DAY: i64 = 86_400;

pub(crate) fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` (1..=12) of `year` (Quartz: `getLastDayOfMonth`).
pub(crate) fn month_length(year: i32, month: i32) -> i32 {
    match month {
        2 if is_leap_year(i64::from(year)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to `year-month-day` (proleptic Gregorian; `month`
/// 1..=12, `day` 1..=31).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01: (year, month 1..=12, day 1..=31).
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Java's `DAY_OF_WEEK` (1 = Sunday ... 7 = Saturday) of a day number.
#[inline]
pub(crate) fn java_day_of_week(days: i64) -> i32 {
    // 1970-01-01 was a Thursday (5).
    ((days + 4).rem_euclid(7) + 1) as i32
}

/// A Gregorian calendar in one zone, at second resolution.
pub(crate) struct JavaCalendar {
    zone: &'static ZoneModel,
    year: i32,
    /// 0-based, as in Java.
    month: i32,
    day: i32,
    hour: i32,
    minute: i32,
    second: i32,
    day_of_week: i32,
    /// UTC seconds; valid when `!dirty`.
    time: i64,
    /// A field was set since the last computation (Java: `!isTimeSet`).
    dirty: bool,
    /// When clean: reading the fields' wall-clock time back gives the same
    /// instant (false for the first of two repeated wall times). Setting a
    /// field to the value it has then changes nothing, and is skipped.
    stable: bool,
    utc_cache: Span,
    wall_cache: Span,
    /// The last day number converted: (days, year, 0-based month, day,
    /// day of week).
    cached_day: (i64, i32, i32, i32, i32),
}

impl JavaCalendar {
    fn empty(zone: &'static ZoneModel) -> Self {
        let none = Span {
            lo: 0,
            hi: 0,
            off: 0,
        };
        Self {
            zone,
            year: 1970,
            month: 0,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            day_of_week: 5,
            time: 0,
            dirty: true,
            stable: false,
            utc_cache: none,
            wall_cache: none,
            cached_day: (i64::MIN, 0, 0, 0, 0),
        }
    }

    /// Java: `cal.setTime(t)` — fields computed from the instant.
    pub(crate) fn at(zone: &'static ZoneModel, time: i64) -> Self {
        let mut c = Self::empty(zone);
        c.time = time;
        let off = c.utc_offset(time);
        c.fields_from_time();
        c.stable = c.wall_offset(time + off) == off;
        c.dirty = false;
        c
    }

    /// A calendar whose date and time fields are all about to be set
    /// (Quartz's `Calendar.getInstance(zone)` followed by `set` of every
    /// field: the current time it starts from never shows).
    pub(crate) fn blank(zone: &'static ZoneModel) -> Self {
        Self::empty(zone)
    }

    #[inline]
    fn utc_offset(&mut self, t: i64) -> i64 {
        if !self.utc_cache.contains(t) {
            self.utc_cache = self.zone.utc_span(t);
        }
        i64::from(self.utc_cache.off)
    }

    #[inline]
    fn wall_offset(&mut self, wall: i64) -> i64 {
        if !self.wall_cache.contains(wall) {
            self.wall_cache = self.zone.wall_span(wall);
        }
        i64::from(self.wall_cache.off)
    }

    fn fields_from_time(&mut self) {
        let local = self.time + self.utc_offset(self.time);
        let days = local.div_euclid(SECONDS_PER_DAY);
        let sod = local.rem_euclid(SECONDS_PER_DAY) as i32;
        if days != self.cached_day.0 {
            let (y, m, d) = civil_from_days(days);
            self.cached_day = (
                days,
                y as i32,
                m as i32 - 1,
                d as i32,
                java_day_of_week(days),
            );
        }
        let (_, y, m, d, dow) = self.cached_day;
        self.year = y;
        self.month = m;
        self.day = d;
        self.day_of_week = dow;
        self.hour = sod / 3600;
        self.minute = sod / 60 % 60;
        self.second = sod % 60;
    }

    /// Java: `complete()` — compute the instant from the (possibly
    /// out-of-range) fields, then normalise the fields from the instant.
    #[inline]
    fn complete(&mut self) {
        if !self.dirty {
            return;
        }
        let (cached, y, m, d, _) = self.cached_day;
        let days = if (self.year, self.month, self.day) == (y, m, d) {
            // The date is the one last computed: skip the civil arithmetic.
            cached
        } else {
            let month = i64::from(self.month);
            let year = i64::from(self.year) + month.div_euclid(12);
            days_from_civil(year, month.rem_euclid(12) + 1, 1) + i64::from(self.day) - 1
        };
        let wall = days * SECONDS_PER_DAY
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        let wall_off = self.wall_offset(wall);
        self.time = wall - wall_off;
        let off = self.utc_offset(self.time);
        self.fields_from_time();
        self.stable = off == wall_off || self.wall_offset(self.time + off) == off;
        self.dirty = false;
    }

    pub(crate) fn year(&mut self) -> i32 {
        self.complete();
        self.year
    }
    /// 0-based month.
    pub(crate) fn month(&mut self) -> i32 {
        self.complete();
        self.month
    }
    pub(crate) fn day(&mut self) -> i32 {
        self.complete();
        self.day
    }
    pub(crate) fn hour(&mut self) -> i32 {
        self.complete();
        self.hour
    }
    pub(crate) fn minute(&mut self) -> i32 {
        self.complete();
        self.minute
    }
    pub(crate) fn second(&mut self) -> i32 {
        self.complete();
        self.second
    }
    pub(crate) fn day_of_week(&mut self) -> i32 {
        self.complete();
        self.day_of_week
    }
    /// Java: `getTime()`, in UTC seconds.
    pub(crate) fn time(&mut self) -> i64 {
        self.complete();
        self.time
    }

    /// Everything a computation on this calendar depends on: the fields as
    /// set (normalised or not) and whether they await normalisation (a
    /// clean calendar's instant is a function of its fields and
    /// stability).
    pub(crate) fn state(&self) -> [i32; 8] {
        [
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            i32::from(self.dirty),
            i32::from(self.stable),
        ]
    }

    /// Java's `set`: records the field; the next read recomputes. Setting
    /// a clean, stable calendar's field to its value is skipped, as the
    /// recomputation would give back the same instant and fields.
    #[inline]
    fn set(&mut self, field: fn(&mut Self) -> &mut i32, v: i32) {
        let unchanged = !self.dirty && self.stable && *field(self) == v;
        if !unchanged {
            *field(self) = v;
            self.dirty = true;
        }
    }

    pub(crate) fn set_year(&mut self, v: i32) {
        self.set(|c| &mut c.year, v);
    }
    /// 0-based month; out-of-range values roll into other years.
    pub(crate) fn set_month(&mut self, v: i32) {
        self.set(|c| &mut c.month, v);
    }
    pub(crate) fn set_day(&mut self, v: i32) {
        self.set(|c| &mut c.day, v);
    }
    pub(crate) fn set_hour(&mut self, v: i32) {
        self.set(|c| &mut c.hour, v);
    }
    pub(crate) fn set_minute(&mut self, v: i32) {
        self.set(|c| &mut c.minute, v);
    }
    pub(crate) fn set_second(&mut self, v: i32) {
        self.set(|c| &mut c.second, v);
    }

    /// Java: `add(Calendar.YEAR, n)` — normalise, move the year, and pin
    /// the day to the new month's length (29 February to 28 February).
    pub(crate) fn add_years(&mut self, n: i32) {
        if n == 0 {
            return;
        }
        self.complete();
        self.set_year(self.year.saturating_add(n));
        let len = month_length(self.year, self.month + 1);
        if self.day > len {
            self.set_day(len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::zone::model;
    use super::*;
    use chrono_tz::Tz;

    #[test]
    fn civil_round_trips() {
        for days in [-800_000i64, -1, 0, 59, 365, 11_016, 47_482, 400_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(java_day_of_week(0), 5);
    }

    #[test]
    fn fields_are_lenient_like_java() {
        let mut c = JavaCalendar::at(model(Tz::UTC), 0);
        c.set_day(32);
        assert_eq!((c.month(), c.day()), (1, 1));
        c.set_hour(24);
        assert_eq!((c.day(), c.hour()), (2, 0));
        c.set_month(12);
        assert_eq!((c.year(), c.month()), (1971, 0));
        c.set_day(0);
        assert_eq!((c.year(), c.month(), c.day()), (1970, 11, 31));
        c.set_minute(60);
        assert_eq!((c.hour(), c.minute()), (1, 0));
    }

    #[test]
    fn add_years_pins_the_day() {
        // 2028-02-29T12:00:00Z
        let mut c = JavaCalendar::at(model(Tz::UTC), 1_835_438_400);
        assert_eq!((c.year(), c.month(), c.day()), (2028, 1, 29));
        c.add_years(1);
        assert_eq!((c.year(), c.month(), c.day()), (2029, 1, 28));
    }

    #[test]
    fn setting_a_field_rereads_the_wall_time() {
        // 2027-10-31T00:30:00Z is 02:30 CEST in Rome, the first of the two
        // 02:30s; re-setting a field makes Java read 02:30 as the second.
        let zone = model(Tz::Europe__Rome);
        let mut c = JavaCalendar::at(zone, 1_824_942_600);
        assert_eq!(c.hour(), 2);
        c.set_second(0);
        assert_eq!(c.time(), 1_824_942_600 + 3600);
        // 02:30 on 2027-03-28 does not exist; Java lands on 03:30 CEST.
        c.set_month(2);
        c.set_day(28);
        c.set_hour(2);
        c.set_minute(30);
        assert_eq!((c.hour(), c.minute()), (3, 30));
    }
}
