//! Reading an expression exactly as Quartz 2.3.2's `CronExpression`
//! constructor does: the same expressions are accepted and rejected, and an
//! accepted one yields the same value sets and flags (including Quartz's
//! quirks: text after a complete value is ignored, `?` may be followed by
//! one stray character, `99` is read as `*`, `/0` means a single value, a
//! range with a step is not checked against the field's largest step).
//!
//! The error messages are ours: they name the field and say what is wrong
//! and how to fix it.

use super::value_set::{SmallSet, YearSet};
use super::{max_year, CronError, CronField};

/// Quartz stores `*` as this value in the set (next to the real values).
pub(crate) const ALL_SPEC: i32 = 99;
/// Quartz stores `?` as this value in the set.
pub(crate) const NO_SPEC: i32 = 98;

const FIELDS: [CronField; 7] = [
    CronField::Seconds,
    CronField::Minutes,
    CronField::Hours,
    CronField::DayOfMonth,
    CronField::Month,
    CronField::DayOfWeek,
    CronField::Year,
];

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// What Quartz keeps of a parsed expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Spec {
    pub seconds: SmallSet,
    pub minutes: SmallSet,
    pub hours: SmallSet,
    pub days_of_month: SmallSet,
    pub months: SmallSet,
    pub days_of_week: SmallSet,
    pub years: YearSet,
    /// `nL` in day-of-week: the last such weekday of the month.
    pub last_day_of_week: bool,
    /// `n#k` in day-of-week: k (1..=5), or 0.
    pub nth_day_of_week: i32,
    /// `L` in day-of-month.
    pub last_day_of_month: bool,
    /// `W` in day-of-month.
    pub nearest_weekday: bool,
    /// `L-n` in day-of-month: n.
    pub last_day_offset: i32,
    /// The field texts as written (upper-cased), for descriptions.
    pub texts: Vec<String>,
}

impl Spec {
    fn new() -> Self {
        Self {
            seconds: SmallSet::default(),
            minutes: SmallSet::default(),
            hours: SmallSet::default(),
            days_of_month: SmallSet::default(),
            months: SmallSet::default(),
            days_of_week: SmallSet::default(),
            years: YearSet::default(),
            last_day_of_week: false,
            nth_day_of_week: 0,
            last_day_of_month: false,
            nearest_weekday: false,
            last_day_offset: 0,
            texts: Vec::new(),
        }
    }

    fn insert(&mut self, field: CronField, value: i32) {
        match field {
            CronField::Seconds => self.seconds.insert(value),
            CronField::Minutes => self.minutes.insert(value),
            CronField::Hours => self.hours.insert(value),
            CronField::DayOfMonth => self.days_of_month.insert(value),
            CronField::Month => self.months.insert(value),
            CronField::DayOfWeek => self.days_of_week.insert(value),
            CronField::Year => self.years.insert(value),
        }
    }

    fn insert_stepped(&mut self, field: CronField, start: i32, stop: i32, step: i32) {
        match field {
            CronField::Seconds => self.seconds.insert_stepped(start, stop, step),
            CronField::Minutes => self.minutes.insert_stepped(start, stop, step),
            CronField::Hours => self.hours.insert_stepped(start, stop, step),
            CronField::DayOfMonth => self.days_of_month.insert_stepped(start, stop, step),
            CronField::Month => self.months.insert_stepped(start, stop, step),
            CronField::DayOfWeek => self.days_of_week.insert_stepped(start, stop, step),
            CronField::Year => self.years.insert_stepped(start, stop, step),
        }
    }
}

/// Java's `String.trim()`: strips characters up to U+0020 at both ends.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= '\u{20}')
}

/// Java's `Integer.parseInt` (ASCII digits): an optional sign, at least one
/// digit, within `i32`.
fn java_parse_int(s: &[u16]) -> Option<i32> {
    let text = String::from_utf16(s).ok()?;
    let digits = text.strip_prefix(['+', '-']).unwrap_or(&text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i32>().ok()
}

fn is_digit(c: u16) -> bool {
    (u16::from(b'0')..=u16::from(b'9')).contains(&c)
}

fn ch(c: u16) -> char {
    char::from_u32(u32::from(c)).unwrap_or(char::REPLACEMENT_CHARACTER)
}

const fn u(c: char) -> u16 {
    c as u16
}

/// Quartz's `^L-[0-9]*[W]?` (whole item).
fn is_last_day_form(s: &[u16]) -> bool {
    if s.len() < 2 || s[0] != u('L') || s[1] != u('-') {
        return false;
    }
    let rest = &s[2..];
    let rest = rest.strip_suffix(&[u('W')]).unwrap_or(rest);
    rest.iter().all(|&c| is_digit(c))
}

fn field_range(field: CronField) -> &'static str {
    match field {
        CronField::Seconds => "seconds are 0-59",
        CronField::Minutes => "minutes are 0-59",
        CronField::Hours => "hours are 0-23",
        CronField::DayOfMonth => "days of the month are 1-31",
        CronField::Month => "months are 1-12 or JAN-DEC",
        CronField::DayOfWeek => "days of the week are 1-7 (1 = SUN) or SUN-SAT",
        CronField::Year => "years are 1970-2199",
    }
}

/// The field parser: one instance per expression, as Quartz's flags are
/// shared between fields.
struct Parser {
    spec: Spec,
    max_year: i32,
    field: CronField,
    /// The item being read, as UTF-16 like Java's `String`.
    item: Vec<u16>,
    item_text: String,
}

type Step<T> = Result<T, CronError>;

impl Parser {
    fn fail(&self, message: impl Into<String>) -> CronError {
        CronError {
            field: Some(self.field),
            message: message.into(),
        }
    }

    /// `'item': message`.
    fn fail_item(&self, message: impl std::fmt::Display) -> CronError {
        self.fail(format!("'{}' {message}", self.item_text))
    }

    fn char_at(&self, i: usize, what: &str) -> Step<u16> {
        self.item
            .get(i)
            .copied()
            .ok_or_else(|| self.fail_item(format!("ends too early: {what}")))
    }

    /// Quartz's `getValue`: the number made of `v` followed by the digits
    /// from `i`, and the position after them (one further at the end).
    fn number_from(&self, v: i32, i: usize) -> Step<(i32, usize)> {
        let mut digits: Vec<u16> = v.to_string().encode_utf16().collect();
        let mut i = i;
        let mut c = self.char_at(i, "a number is missing")?;
        while is_digit(c) {
            digits.push(c);
            i += 1;
            match self.item.get(i) {
                Some(&next) => c = next,
                None => break,
            }
        }
        let pos = if i < self.item.len() { i } else { i + 1 };
        let value = java_parse_int(&digits).ok_or_else(|| {
            self.fail_item(format!(
                "has a number too large ({}); {}",
                String::from_utf16_lossy(&digits),
                field_range(self.field)
            ))
        })?;
        Ok((value, pos))
    }

    /// The three letters at `i`, if the item has them.
    fn name_at(&self, i: usize) -> Option<String> {
        self.item
            .get(i..i + 3)
            .map(|s| String::from_utf16_lossy(s).to_string())
    }

    fn check_step(&self, step: i32) -> Step<()> {
        let max = match self.field {
            CronField::Seconds | CronField::Minutes => 59,
            CronField::Hours => 23,
            CronField::DayOfMonth => 31,
            CronField::DayOfWeek => 7,
            CronField::Month => 12,
            CronField::Year => return Ok(()),
        };
        if step > max {
            return Err(self.fail_item(format!(
                "has the increment {step}, larger than the largest for this field ({max})"
            )));
        }
        Ok(())
    }

    /// Quartz's `addToSet`.
    fn add(&mut self, val: i32, end: i32, step: i32) -> Step<()> {
        let f = self.field;
        // Quartz's range check; its markers for '*' (and, in the day
        // fields, '?') pass it whatever follows.
        let checked = match f {
            CronField::Seconds | CronField::Minutes => Some((0, 59)),
            CronField::Hours => Some((0, 23)),
            CronField::DayOfMonth => Some((1, 31)),
            CronField::Month => Some((1, 12)),
            // Quartz tests `val == 0 || val > 7`; values are never negative.
            CronField::DayOfWeek => Some((1, 7)),
            CronField::Year => None,
        };
        if let Some((lo, hi)) = checked {
            let marker = val == ALL_SPEC
                || (val == NO_SPEC && matches!(f, CronField::DayOfMonth | CronField::DayOfWeek));
            let out = !(lo..=hi).contains(&val) || end > hi;
            if out && !marker {
                let wrong = if (lo..=hi).contains(&val) { end } else { val };
                return Err(self.fail_item(format!(
                    "is out of range: {wrong} is not allowed, {}",
                    field_range(f)
                )));
            }
        }

        if (step == 0 || step == -1) && val != ALL_SPEC {
            self.spec.insert(f, if val != -1 { val } else { NO_SPEC });
            return Ok(());
        }

        let mut step = step;
        let (mut start, mut stop) = (val, end);
        if val == ALL_SPEC && step <= 0 {
            step = 1;
            self.spec.insert(f, ALL_SPEC);
        }
        let (lowest, highest) = match f {
            CronField::Seconds | CronField::Minutes => (0, 59),
            CronField::Hours => (0, 23),
            CronField::DayOfMonth => (1, 31),
            CronField::Month => (1, 12),
            CronField::DayOfWeek => (1, 7),
            CronField::Year => (1970, self.max_year),
        };
        if stop == -1 {
            stop = highest;
        }
        if start == -1 || start == ALL_SPEC {
            start = lowest;
        }

        if stop < start {
            // A range that wraps past the field's end.
            let modulus = match f {
                CronField::Seconds | CronField::Minutes => 60,
                CronField::Hours => 24,
                CronField::Month => 12,
                CronField::DayOfWeek => 7,
                CronField::DayOfMonth => 31,
                CronField::Year => {
                    return Err(self.fail_item(format!(
                        "runs backwards ({start} to {stop}); a year range cannot wrap around, \
                         write the smaller year first"
                    )))
                }
            };
            let one_based = matches!(
                f,
                CronField::Month | CronField::DayOfWeek | CronField::DayOfMonth
            );
            let stop = i64::from(stop) + modulus;
            let mut i = i64::from(start);
            while i <= stop {
                let mut v = i % modulus;
                if v == 0 && one_based {
                    v = modulus;
                }
                self.spec.insert(f, v as i32);
                i += i64::from(step);
            }
        } else {
            self.spec.insert_stepped(f, start, stop, step);
        }
        Ok(())
    }

    /// Quartz's `storeExpressionVals` for one comma-separated item.
    fn item(&mut self, text: &str) -> Step<()> {
        self.item = text.encode_utf16().collect();
        self.item_text = text.to_string();
        let s = self.item.clone();
        let Some(&c) = s.first() else {
            return Ok(());
        };
        let is_l_form = s == [u('L')] || s == [u('L'), u('W')] || is_last_day_form(&s);

        if (u('A')..=u('Z')).contains(&c) && !is_l_form {
            return self.named(&s);
        }
        if c == u('?') {
            return self.no_specific_value(&s);
        }
        if c == u('*') || c == u('/') {
            return self.every(&s, c);
        }
        if c == u('L') {
            return self.last(&s);
        }
        if is_digit(c) {
            let mut val = i32::from(c - u('0'));
            let mut i = 1;
            if i >= s.len() {
                return self.add(val, -1, -1);
            }
            if is_digit(s[i]) {
                (val, i) = self.number_from(val, i)?;
            }
            return self.after_number(i, val);
        }
        Err(self.fail_item(format!(
            "starts with an unexpected character '{}'; {}",
            ch(c),
            field_range(self.field)
        )))
    }

    /// An item starting with a letter: month and day names.
    fn named(&mut self, s: &[u16]) -> Step<()> {
        let field = self.field;
        let (names, kind): (&[&str], &str) = match field {
            CronField::Month => (&MONTHS, "month"),
            CronField::DayOfWeek => (&DAYS, "day"),
            CronField::DayOfMonth if s[0] == u('L') => {
                return Err(self.fail_item(
                    "is not a valid 'L' form; day-of-month accepts L, LW, L-n and L-nW \
                     (n days before the last day, at most 30)",
                ))
            }
            CronField::DayOfMonth if s[0] == u('W') => {
                return Err(self
                    .fail_item("needs a day before 'W' (the weekday nearest that day), e.g. 15W"))
            }
            _ => {
                return Err(self.fail_item(format!(
                    "is not a number; names are only allowed in the month (JAN-DEC) and \
                     day-of-week (SUN-SAT) fields, {}",
                    field_range(field)
                )))
            }
        };
        let lookup = |name: &str| names.iter().position(|n| *n == name).map(|p| p as i32);
        let unknown = |this: &Self, name: Option<String>| {
            this.fail_item(format!(
                "has '{}', which is not a {kind} name; use {}",
                name.unwrap_or_else(|| this.item_text.clone()),
                names.join(", ")
            ))
        };
        let start_name = self.name_at(0);
        let start = start_name
            .as_deref()
            .and_then(lookup)
            .ok_or_else(|| unknown(self, start_name.clone()))?;
        // Positions are 0-based; months and days of week count from 1
        // (JAN = 1, SUN = 1).
        let start = start + 1;
        let mut end = -1;
        if s.len() > 3 {
            let c = s[3];
            if c == u('-') {
                let end_name = self.name_at(4);
                end = match end_name.as_deref().and_then(lookup) {
                    Some(e) => e + 1,
                    None => {
                        let next = s.get(4).copied();
                        return Err(match next {
                            Some(n) if is_digit(n) => self.fail_item(format!(
                                "mixes a {kind} name and a number in a range; use names on \
                                 both sides ({}) or numbers on both sides ({})",
                                if kind == "day" { "MON-FRI" } else { "JAN-MAR" },
                                if kind == "day" { "2-6" } else { "1-3" }
                            )),
                            None => self.fail_item(format!(
                                "has a range with no end after '-'; write e.g. {}",
                                if kind == "day" { "MON-FRI" } else { "JAN-MAR" }
                            )),
                            Some(_) => unknown(self, end_name),
                        });
                    }
                };
            } else if field == CronField::DayOfWeek && c == u('#') {
                let nth = java_parse_int(&s[4..]).filter(|n| (1..=5).contains(n));
                match nth {
                    Some(n) => self.spec.nth_day_of_week = n,
                    None => return Err(self.bad_nth()),
                }
            } else if field == CronField::DayOfWeek && c == u('L') {
                self.spec.last_day_of_week = true;
            }
        }
        let step = if end != -1 { 1 } else { 0 };
        self.add(start, end, step)
    }

    fn bad_nth(&self) -> CronError {
        self.fail_item(
            "needs a number from 1 to 5 after '#' (which occurrence of the weekday in the \
             month), e.g. 6#3 or FRI#3 for the third Friday",
        )
    }

    /// `?`: no specific value.
    fn no_specific_value(&mut self, s: &[u16]) -> Step<()> {
        let i = 1;
        if i + 1 < s.len() && s[i] != u(' ') && s[i + 1] != u('\t') {
            return Err(self.fail_item(format!("has '{}' after '?'; write '?' alone", ch(s[i]))));
        }
        let field = self.field;
        if field != CronField::DayOfWeek && field != CronField::DayOfMonth {
            return Err(self.fail(
                "'?' (no specific value) is only allowed in the day-of-month and day-of-week \
                 fields; use '*' for every value",
            ));
        }
        if field == CronField::DayOfWeek && !self.spec.last_day_of_month {
            match self.spec.days_of_month.last() {
                None => {
                    return Err(self.fail(
                        "'?' needs a day-of-month, but the day-of-month field lists no value",
                    ))
                }
                Some(NO_SPEC) => {
                    return Err(self.fail(
                        "'?' cannot be used in both day-of-month and day-of-week; give one of \
                         them values, e.g. '0 0 12 ? * MON' or '0 0 12 1 * ?'",
                    ))
                }
                Some(_) => {}
            }
        }
        self.add(NO_SPEC, -1, 0)
    }

    /// `*`, `*/n`, `/n`.
    fn every(&mut self, s: &[u16], c: u16) -> Step<()> {
        let mut i = 0;
        if c == u('*') && i + 1 >= s.len() {
            return self.add(ALL_SPEC, -1, 0);
        }
        let needs_step =
            || self.fail_item("has '/' with no increment after it; write e.g. */5 or 0/5");
        if c == u('/') && (i + 1 >= s.len() || s[i + 1] == u(' ') || s[i + 1] == u('\t')) {
            return Err(needs_step());
        }
        if c == u('*') {
            i += 1;
        }
        let step = if s[i] == u('/') {
            i += 1;
            if i >= s.len() {
                return Err(needs_step());
            }
            let step = java_parse_int(&s[i..]).ok_or_else(|| {
                self.fail_item("needs a whole number after '/' (the increment), e.g. */5")
            })?;
            self.check_step(step)?;
            step
        } else {
            1
        };
        self.add(ALL_SPEC, -1, step)
    }

    /// `L` forms: last day of month (`L`, `LW`, `L-n`, `L-nW`), Saturday in
    /// day-of-week, nothing elsewhere.
    fn last(&mut self, s: &[u16]) -> Step<()> {
        let mut i = 1;
        let field = self.field;
        if field == CronField::DayOfMonth {
            self.spec.last_day_of_month = true;
        }
        if field == CronField::DayOfWeek {
            self.add(7, 7, 0)?;
        }
        if field == CronField::DayOfMonth && s.len() > i {
            if s[i] == u('-') {
                let (offset, pos) = match s.get(i + 1) {
                    Some(_) => self.number_from(0, i + 1)?,
                    None => {
                        return Err(self.fail_item(
                            "needs a number after 'L-' (days before the last day), e.g. L-3",
                        ))
                    }
                };
                if offset > 30 {
                    return Err(self.fail_item(format!(
                        "asks for {offset} days before the last day of the month; at most 30"
                    )));
                }
                self.spec.last_day_offset = offset;
                i = pos;
            }
            if s.len() > i && s[i] == u('W') {
                self.spec.nearest_weekday = true;
            }
        }
        Ok(())
    }

    /// Quartz's `checkNext`: what follows a number.
    fn after_number(&mut self, pos: usize, val: i32) -> Step<()> {
        let s = self.item.clone();
        let field = self.field;
        let mut i = pos;
        if i >= s.len() {
            return self.add(val, -1, -1);
        }
        let c = s[i];
        if c == u('L') {
            if field != CronField::DayOfWeek {
                return Err(self.fail_item(
                    "has 'L' after a number, which only day-of-week accepts (e.g. 6L, the last \
                     Friday of the month); in day-of-month write L or L-n",
                ));
            }
            if !(1..=7).contains(&val) {
                return Err(self.fail_item(format!(
                    "asks for the last day {val} of the month; {}",
                    field_range(field)
                )));
            }
            self.spec.last_day_of_week = true;
            self.spec.insert(field, val);
            return Ok(());
        }
        if c == u('W') {
            if field != CronField::DayOfMonth {
                return Err(self.fail_item(
                    "has 'W' (nearest weekday), which only day-of-month accepts, e.g. 15W",
                ));
            }
            self.spec.nearest_weekday = true;
            if val > 31 {
                return Err(self.fail_item(format!(
                    "asks for the weekday nearest day {val}; days of the month are 1-31"
                )));
            }
            self.spec.insert(field, val);
            return Ok(());
        }
        if c == u('#') {
            if field != CronField::DayOfWeek {
                return Err(self.fail_item(
                    "has '#' (n-th weekday of the month), which only day-of-week accepts, \
                     e.g. 6#3",
                ));
            }
            i += 1;
            match java_parse_int(s.get(i..).unwrap_or(&[])).filter(|n| (1..=5).contains(n)) {
                Some(n) => self.spec.nth_day_of_week = n,
                None => return Err(self.bad_nth()),
            }
            self.spec.insert(field, val);
            return Ok(());
        }
        if c == u('-') {
            i += 1;
            let c = match s.get(i) {
                Some(&c) => c,
                None => {
                    return Err(self.fail_item("has a range with no end after '-'; write e.g. 1-5"))
                }
            };
            if !is_digit(c) {
                let message = match field {
                    CronField::DayOfWeek if (u('A')..=u('Z')).contains(&c) => {
                        "mixes a number and a day name in a range; use numbers on both sides \
                         (2-6) or names on both sides (MON-FRI)"
                            .to_string()
                    }
                    CronField::Month if (u('A')..=u('Z')).contains(&c) => {
                        "mixes a number and a month name in a range; use numbers on both \
                         sides (1-3) or names on both sides (JAN-MAR)"
                            .to_string()
                    }
                    _ => format!(
                        "has '{}' where the end of the range should be a number",
                        ch(c)
                    ),
                };
                return Err(self.fail_item(message));
            }
            let v = i32::from(c - u('0'));
            let mut end = v;
            i += 1;
            if i >= s.len() {
                return self.add(val, end, 1);
            }
            if is_digit(s[i]) {
                (end, i) = self.number_from(v, i)?;
            }
            if i < s.len() && s[i] == u('/') {
                i += 1;
                let c = match s.get(i) {
                    Some(&c) if is_digit(c) => c,
                    _ => {
                        return Err(
                            self.fail_item("needs a number after '/' (the increment), e.g. 0-30/5")
                        )
                    }
                };
                let v2 = i32::from(c - u('0'));
                i += 1;
                if i >= s.len() {
                    return self.add(val, end, v2);
                }
                if is_digit(s[i]) {
                    let (v3, _) = self.number_from(v2, i)?;
                    return self.add(val, end, v3);
                }
                return self.add(val, end, v2);
            }
            return self.add(val, end, 1);
        }
        if c == u('/') {
            if i + 1 >= s.len() || s[i + 1] == u(' ') || s[i + 1] == u('\t') {
                return Err(self.fail_item("has '/' with no increment after it; write e.g. 0/5"));
            }
            i += 1;
            let c = s[i];
            if !is_digit(c) {
                return Err(self.fail_item("needs a number after '/' (the increment), e.g. 0/5"));
            }
            let v2 = i32::from(c - u('0'));
            i += 1;
            if i >= s.len() {
                self.check_step(v2)?;
                return self.add(val, -1, v2);
            }
            if is_digit(s[i]) {
                let (v3, _) = self.number_from(v2, i)?;
                self.check_step(v3)?;
                return self.add(val, -1, v3);
            }
            return Err(self.fail_item(format!(
                "has an unexpected character '{}' after the increment",
                ch(s[i])
            )));
        }
        self.add(val, -1, 0)
    }
}

/// Parses `text` as Quartz 2.3.2 does.
pub(crate) fn parse(text: &str) -> Result<Spec, CronError> {
    let upper = text.to_uppercase();
    let mut p = Parser {
        spec: Spec::new(),
        max_year: max_year(),
        field: CronField::Seconds,
        item: Vec::new(),
        item_text: String::new(),
    };
    let mut count = 0;
    for token in upper.split([' ', '\t']).filter(|t| !t.is_empty()).take(7) {
        let expr = java_trim(token);
        let field = FIELDS[count];
        p.field = field;
        let has_list = expr.contains(',');
        if field == CronField::DayOfMonth && expr.contains('L') && has_list {
            return Err(p.fail(format!(
                "'{expr}' lists 'L' with other days; Quartz supports L, LW and L-n only on \
                 their own in day-of-month"
            )));
        }
        if field == CronField::DayOfWeek && expr.contains('L') && has_list {
            return Err(p.fail(format!(
                "'{expr}' lists a last-weekday 'L' with other days; Quartz supports nL only on \
                 its own in day-of-week"
            )));
        }
        if field == CronField::DayOfWeek && expr.matches('#').count() > 1 {
            return Err(p.fail(format!(
                "'{expr}' has more than one '#'; Quartz supports only one n-th weekday \
                 (e.g. 6#3)"
            )));
        }
        for item in expr.split(',').filter(|i| !i.is_empty()) {
            p.item(item)?;
        }
        p.spec.texts.push(expr.to_string());
        count += 1;
    }
    if count < 6 {
        return Err(CronError {
            field: Some(FIELDS[count]),
            message: format!(
                "missing: the expression has {count} field(s), Quartz needs 6 or 7 (seconds \
                 minutes hours day-of-month month day-of-week [year]), e.g. '0 30 2 ? * MON-FRI'"
            ),
        });
    }
    if count == 6 {
        p.field = CronField::Year;
        p.item("*")?;
    }

    let dom_set = !p.spec.days_of_month.contains(NO_SPEC);
    let dow_set = !p.spec.days_of_week.contains(NO_SPEC);
    if dom_set == dow_set {
        let (dom, dow) = (&p.spec.texts[3], &p.spec.texts[5]);
        let message = if dom_set {
            format!(
                "day-of-month '{dom}' and day-of-week '{dow}' are both set; Quartz does not \
                 support specifying both, put '?' in one of them (e.g. '? * MON' or '1 * ?')"
            )
        } else {
            format!(
                "day-of-month '{dom}' and day-of-week '{dow}' are both '?'; give one of them \
                 values (e.g. '? * MON' or '1 * ?')"
            )
        };
        return Err(CronError {
            field: Some(CronField::DayOfWeek),
            message,
        });
    }
    Ok(p.spec)
}
