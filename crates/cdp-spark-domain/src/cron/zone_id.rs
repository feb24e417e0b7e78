//! Which time zone ids `java.util.TimeZone.getTimeZone(id)` resolves, and
//! to what: the zone Quartz evaluates a cron trigger in and the id it keeps
//! in `TIME_ZONE_ID` (`getID()`).
//!
//! Java 17 (`TimeZone.getTimeZone`, `ZoneInfoFile`) answers, in this order:
//! 1. an id of its tz database, case-sensitive, including the JDK's own old
//!    ids: the three-letter ones (`PST`, `IST`, `CST`, ... with the rules of
//!    a real zone; `EST`, `MST`, `HST` as fixed offsets) and the `SystemV/*`
//!    ones (`SystemV/EST5` fixed, `SystemV/EST5EDT` with US rules);
//! 2. a custom id `GMT[+-]h`, `GMT[+-]hh`, `GMT[+-]hmm`, `GMT[+-]hhmm` or
//!    `GMT[+-]h[h]:mm` (`TimeZone.parseCustomTimeZone`: hours at most 23,
//!    minutes at most 59), normalised to `GMT+hh:mm` (`GMT+5` is
//!    `GMT+05:00`; a zero offset is `GMT+00:00` or `GMT-00:00`);
//! 3. anything else: GMT, silently. Here it is an error instead.
//!
//! The tz database ids come from `chrono-tz` (step 1 for the ids Java and
//! `chrono-tz` share; an id only a newer tz database has is accepted with
//! its real rules, where an older JVM would fall back to GMT). The JDK's
//! own ids are the tables below: the three-letter ones have the rules of
//! the named zone, the `SystemV/*` ones with daylight saving time the JDK's
//! own `SystemV` rule (last Sunday of April to last Sunday of October,
//! every year). The fixture `tests/fixtures/java-time-zones.tsv`, answered
//! by Java, checks names and offsets.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;

use super::zone::{self, ZoneModel};

/// A time zone as Java resolves its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JavaTimeZone(Kind);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// An id of the tz database that Java and `chrono-tz` both know.
    Tz(Tz),
    /// A JDK id with the rules of a tz database zone (`PST`).
    Alias(&'static str, Tz),
    /// A JDK id with a fixed offset in seconds (`EST`).
    Fixed(&'static str, i32),
    /// A JDK `SystemV/*` id with daylight saving time: its standard offset
    /// in seconds and the JDK's `SystemV` rule (`SystemV/EST5EDT`).
    SystemV(&'static str, i32),
    /// A custom `GMT+hh:mm` id: the offset in seconds, and whether a zero
    /// offset was written with `-` (`GMT-00:00`).
    Custom(i32, bool),
}

/// The JDK's ids that are not tz database ids (`ZoneInfoFile`'s fixed
/// `EST`/`MST`/`HST`, the old three-letter ids, `SystemV/*`), with the zone
/// whose rules they have.
const JDK_ALIASES: &[(&str, Tz)] = &[
    ("ACT", Tz::Australia__Darwin),
    ("AET", Tz::Australia__Sydney),
    ("AGT", Tz::America__Argentina__Buenos_Aires),
    ("ART", Tz::Africa__Cairo),
    ("AST", Tz::America__Anchorage),
    ("BET", Tz::America__Sao_Paulo),
    ("BST", Tz::Asia__Dhaka),
    ("CAT", Tz::Africa__Harare),
    ("CNT", Tz::America__St_Johns),
    ("CST", Tz::America__Chicago),
    ("CTT", Tz::Asia__Shanghai),
    ("EAT", Tz::Africa__Addis_Ababa),
    ("ECT", Tz::Europe__Paris),
    ("IET", Tz::America__Indiana__Indianapolis),
    ("IST", Tz::Asia__Kolkata),
    ("JST", Tz::Asia__Tokyo),
    ("MIT", Tz::Pacific__Apia),
    ("NET", Tz::Asia__Yerevan),
    ("NST", Tz::Pacific__Auckland),
    ("PLT", Tz::Asia__Karachi),
    ("PNT", Tz::America__Phoenix),
    ("PRT", Tz::America__Puerto_Rico),
    ("PST", Tz::America__Los_Angeles),
    ("SST", Tz::Pacific__Guadalcanal),
    ("VST", Tz::Asia__Ho_Chi_Minh),
];

/// The JDK's `SystemV/*` ids with daylight saving time, by standard offset
/// (seconds east of UTC).
const JDK_SYSTEM_V: &[(&str, i32)] = &[
    ("SystemV/AST4ADT", -4 * 3600),
    ("SystemV/EST5EDT", -5 * 3600),
    ("SystemV/CST6CDT", -6 * 3600),
    ("SystemV/MST7MDT", -7 * 3600),
    ("SystemV/PST8PDT", -8 * 3600),
    ("SystemV/YST9YDT", -9 * 3600),
];

/// The JDK's ids with a fixed offset (seconds east of UTC).
const JDK_FIXED: &[(&str, i32)] = &[
    ("EST", -5 * 3600),
    ("MST", -7 * 3600),
    ("HST", -10 * 3600),
    ("SystemV/AST4", -4 * 3600),
    ("SystemV/EST5", -5 * 3600),
    ("SystemV/CST6", -6 * 3600),
    ("SystemV/MST7", -7 * 3600),
    ("SystemV/PST8", -8 * 3600),
    ("SystemV/YST9", -9 * 3600),
    ("SystemV/HST10", -10 * 3600),
];

/// An id Java does not resolve (it would use GMT instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTimeZone;

impl fmt::Display for UnknownTimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "not a time zone id Java knows (an IANA id such as Europe/Rome, a custom GMT+hh:mm \
             offset, or one of the JDK's old ids such as PST or SystemV/EST5)",
        )
    }
}

impl std::error::Error for UnknownTimeZone {}

impl JavaTimeZone {
    /// UTC.
    pub const UTC: JavaTimeZone = JavaTimeZone(Kind::Tz(Tz::UTC));

    /// The zone `TimeZone.getTimeZone(id)` gives, or an error where Java
    /// would fall back to GMT.
    pub fn parse(id: &str) -> Result<Self, UnknownTimeZone> {
        if let Some((name, tz)) = JDK_ALIASES.iter().find(|(name, _)| *name == id) {
            return Ok(Self(Kind::Alias(name, *tz)));
        }
        if let Some((name, off)) = JDK_FIXED.iter().find(|(name, _)| *name == id) {
            return Ok(Self(Kind::Fixed(name, *off)));
        }
        if let Some((name, raw)) = JDK_SYSTEM_V.iter().find(|(name, _)| *name == id) {
            return Ok(Self(Kind::SystemV(name, *raw)));
        }
        // Java's tz database has `GMT` and `GMT0`; any other id starting
        // with `GMT` is custom or unknown (chrono-tz's `GMT+0` and `GMT-0`
        // are not Java's).
        if id.starts_with("GMT") && id != "GMT" && id != "GMT0" {
            return parse_custom(id)
                .map(|(off, minus)| Self(Kind::Custom(off, minus)))
                .ok_or(UnknownTimeZone);
        }
        Tz::from_str(id)
            .map(|tz| Self(Kind::Tz(tz)))
            .map_err(|_| UnknownTimeZone)
    }

    /// Java's `getID()`: what Quartz stores in `TIME_ZONE_ID` (`GMT+5` is
    /// `GMT+05:00`, `PST` stays `PST`).
    pub fn name(&self) -> String {
        match self.0 {
            Kind::Tz(tz) => tz.name().to_string(),
            Kind::Alias(name, _) | Kind::Fixed(name, _) | Kind::SystemV(name, _) => {
                name.to_string()
            }
            Kind::Custom(off, minus) => custom_id(off, minus),
        }
    }

    /// The offset at an instant, as Java's `getOffset`.
    pub fn offset_at(&self, t: DateTime<Utc>) -> FixedOffset {
        let secs = self.model().utc_span(t.timestamp()).off;
        FixedOffset::east_opt(secs).unwrap_or(FixedOffset::east_opt(0).expect("zero offset"))
    }

    /// Java's `getRawOffset`, in seconds: the standard offset.
    pub fn raw_offset_secs(&self) -> i32 {
        self.model().raw()
    }

    /// True for ids of a fixed offset (custom `GMT+hh:mm`, `EST`, `SystemV/EST5`).
    pub fn is_fixed_offset(&self) -> bool {
        matches!(self.0, Kind::Fixed(..) | Kind::Custom(..))
    }

    pub(crate) fn model(&self) -> &'static ZoneModel {
        match self.0 {
            Kind::Tz(tz) | Kind::Alias(_, tz) => zone::model(tz),
            Kind::Fixed(_, off) | Kind::Custom(off, _) => zone::fixed_model(off),
            Kind::SystemV(_, raw) => zone::system_v_model(raw),
        }
    }
}

/// `TimeZone.parseCustomTimeZone` after the `GMT` prefix: the offset in
/// seconds and whether it was negative, or `None` where Java gives up.
/// Java adds digits in an `int` that can overflow; such ids are refused
/// here (Java would answer a meaningless zone).
fn parse_custom(id: &str) -> Option<(i32, bool)> {
    let rest = id.strip_prefix("GMT")?;
    // Java: the id is at least "GMT" plus 2 characters.
    if id.len() < 5 {
        return None;
    }
    let mut chars = rest.chars();
    let negative = match chars.next()? {
        '-' => true,
        '+' => false,
        _ => return None,
    };
    let (mut hours, mut num, mut delims, mut len) = (0u64, 0u64, 0, 0usize);
    for c in chars {
        if c == ':' {
            if delims > 0 || len > 2 {
                return None;
            }
            hours = num;
            delims += 1;
            num = 0;
            len = 0;
            continue;
        }
        let digit = c.to_digit(10).filter(|_| c.is_ascii_digit())?;
        num = num.checked_mul(10)?.checked_add(u64::from(digit))?;
        // Beyond this Java's int has overflowed.
        if num > i32::MAX as u64 {
            return None;
        }
        len += 1;
    }
    if delims == 0 {
        if len <= 2 {
            hours = num;
            num = 0;
        } else {
            hours = num / 100;
            num %= 100;
        }
    } else if len != 2 {
        return None;
    }
    if hours > 23 || num > 59 {
        return None;
    }
    let secs = i32::try_from((hours * 60 + num) * 60).ok()?;
    Some((if negative { -secs } else { secs }, negative))
}

/// `ZoneInfoFile.toCustomID`: `GMT+hh:mm`.
fn custom_id(off: i32, minus_zero: bool) -> String {
    let sign = if off < 0 || (off == 0 && minus_zero) {
        '-'
    } else {
        '+'
    };
    let minutes = off.unsigned_abs() / 60;
    format!("GMT{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

impl From<Tz> for JavaTimeZone {
    fn from(tz: Tz) -> Self {
        Self(Kind::Tz(tz))
    }
}

impl FromStr for JavaTimeZone {
    type Err = UnknownTimeZone;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        Self::parse(id)
    }
}

impl fmt::Display for JavaTimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> Option<String> {
        JavaTimeZone::parse(text).ok().map(|z| z.name())
    }

    #[test]
    fn custom_ids_normalise_as_java() {
        for (text, want) in [
            ("GMT+5", "GMT+05:00"),
            ("GMT-8", "GMT-08:00"),
            ("GMT+0530", "GMT+05:30"),
            ("GMT+530", "GMT+05:30"),
            ("GMT+05:30", "GMT+05:30"),
            ("GMT+:30", "GMT+00:30"),
            ("GMT-0", "GMT-00:00"),
            ("GMT+0", "GMT+00:00"),
            ("GMT+23:59", "GMT+23:59"),
        ] {
            assert_eq!(id(text).as_deref(), Some(want), "{text}");
        }
        for text in [
            "GMT+24",
            "GMT+05:60",
            "GMT+5:3",
            "GMT+005:30",
            "GMT+",
            "GMT+5:",
            "GMT 5",
            "gmt+5",
            "GMT+5 ",
            "GMT+٥",
            "GMT+99999999999",
        ] {
            assert_eq!(id(text), None, "{text}");
        }
    }

    #[test]
    fn jdk_ids_keep_their_name_and_rules() {
        let est = JavaTimeZone::parse("EST").expect("EST");
        assert_eq!((est.name(), est.raw_offset_secs()), ("EST".into(), -18_000));
        assert!(est.is_fixed_offset());
        let pst = JavaTimeZone::parse("PST").expect("PST");
        assert_eq!(pst.name(), "PST");
        let july = DateTime::from_timestamp(1_784_116_800, 0).expect("instant");
        assert_eq!(pst.offset_at(july).local_minus_utc(), -7 * 3600);
        assert_eq!(JavaTimeZone::parse("Mars/Olympus"), Err(UnknownTimeZone));
    }
}
