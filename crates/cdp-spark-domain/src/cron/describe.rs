//! A short English reading of an expression, for display only: "at
//! 02:30:00, Monday to Friday". Best effort; it reads the field texts, not
//! Quartz's semantics, and falls back to quoting a field it cannot phrase.

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const ORDINALS: [&str; 5] = ["first", "second", "third", "fourth", "fifth"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Second,
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
    Year,
}

impl Unit {
    fn noun(self) -> &'static str {
        match self {
            Unit::Second => "second",
            Unit::Minute => "minute",
            Unit::Hour => "hour",
            Unit::DayOfMonth => "day",
            Unit::Month => "month",
            Unit::DayOfWeek => "day",
            Unit::Year => "year",
        }
    }
}

fn number(text: &str) -> Option<u32> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// A value of the field as words: a month or day name, or the number.
fn value(unit: Unit, text: &str) -> Option<String> {
    let named = |names: &[&str], offset: usize| -> Option<String> {
        if let Some(n) = number(text) {
            let i = (n as usize).checked_sub(offset)?;
            return names.get(i).map(|s| s.to_string());
        }
        let upper = text.get(..3)?;
        names
            .iter()
            .find(|n| n[..3].eq_ignore_ascii_case(upper) && text.len() == 3)
            .map(|s| s.to_string())
    };
    match unit {
        Unit::Month => named(&MONTHS, 1),
        Unit::DayOfWeek => named(&DAYS, 1),
        _ => number(text).map(|n| n.to_string()),
    }
}

fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn plural(unit: Unit) -> String {
    format!("{}s", unit.noun())
}

/// One comma-separated item of a field.
fn item(unit: Unit, text: &str) -> Option<String> {
    let is_named = matches!(unit, Unit::Month | Unit::DayOfWeek);
    let scope = match unit {
        Unit::DayOfMonth => " of the month",
        _ => "",
    };
    if let Some((range, step)) = text.split_once('/') {
        let step = number(step)?;
        let every = if step == 1 {
            format!("every {}", unit.noun())
        } else {
            format!("every {step} {}", plural(unit))
        };
        return match range {
            "*" | "" => Some(every),
            _ => match range.split_once('-') {
                Some((a, b)) => Some(format!(
                    "{every} from {} to {}",
                    value(unit, a)?,
                    value(unit, b)?
                )),
                None => Some(format!("{every} starting at {}", value(unit, range)?)),
            },
        };
    }
    if let Some((a, b)) = text.split_once('-') {
        let (a, b) = (value(unit, a)?, value(unit, b)?);
        return Some(if is_named {
            format!("{a} to {b}")
        } else {
            format!("{} {a} to {b}{scope}", plural(unit))
        });
    }
    let v = value(unit, text)?;
    Some(if is_named {
        v
    } else {
        format!("{} {v}{scope}", unit.noun())
    })
}

fn field(unit: Unit, text: &str) -> Option<String> {
    let items: Option<Vec<String>> = text
        .split(',')
        .filter(|i| !i.is_empty())
        .map(|i| item(unit, i))
        .collect();
    let items = items?;
    if items.is_empty() {
        return None;
    }
    Some(join_words(&items))
}

fn day_of_month(text: &str) -> Option<String> {
    match text {
        "L" => return Some("on the last day of the month".into()),
        "LW" => return Some("on the last weekday of the month".into()),
        _ => {}
    }
    if let Some(rest) = text.strip_prefix("L-") {
        let (n, weekday) = match rest.strip_suffix('W') {
            Some(n) => (number(n)?, true),
            None => (number(rest)?, false),
        };
        let day = format!(
            "{n} day{} before the last day of the month",
            if n == 1 { "" } else { "s" }
        );
        return Some(if weekday {
            format!("on the weekday nearest {day}")
        } else {
            format!("on {day}")
        });
    }
    if let Some(n) = text.strip_suffix('W').and_then(number) {
        return Some(format!("on the weekday nearest day {n} of the month"));
    }
    field(Unit::DayOfMonth, text).map(|f| format!("on {f}"))
}

fn day_of_week(text: &str) -> Option<String> {
    if let Some((d, n)) = text.split_once('#') {
        let day = value(Unit::DayOfWeek, d)?;
        let nth = ORDINALS.get(number(n)?.checked_sub(1)? as usize)?;
        return Some(format!("on the {nth} {day} of the month"));
    }
    if let Some(d) = text.strip_suffix('L').filter(|d| !d.is_empty()) {
        return Some(format!(
            "on the last {} of the month",
            value(Unit::DayOfWeek, d)?
        ));
    }
    if text == "L" {
        return Some("on Saturday".into());
    }
    field(Unit::DayOfWeek, text).map(|f| {
        if f.contains(" to ") || f.starts_with("every") {
            f
        } else {
            format!("on {f}")
        }
    })
}

fn two(text: &str) -> Option<String> {
    number(text).map(|n| format!("{n:02}"))
}

/// Describes the field texts of a parsed expression (6 or 7 of them).
pub(crate) fn describe(texts: &[String]) -> String {
    let get = |i: usize| texts.get(i).map(String::as_str).unwrap_or("*");
    let (sec, min, hour, dom, month, dow, year) =
        (get(0), get(1), get(2), get(3), get(4), get(5), get(6));
    let mut parts: Vec<String> = Vec::new();
    let quote = |unit: &str, text: &str| format!("{unit} '{text}'");

    match (two(hour), two(min), two(sec)) {
        (Some(h), Some(m), Some(s)) => parts.push(format!("at {h}:{m}:{s}")),
        _ => {
            let time_parts = [
                (Unit::Second, sec, "seconds"),
                (Unit::Minute, min, "minutes"),
                (Unit::Hour, hour, "hours"),
            ];
            // A '*' is implied when a finer field already repeats ("every
            // 5 minutes" covers every hour).
            let finer_repeats =
                |i: usize| time_parts[..i].iter().any(|(_, t, _)| number(t).is_none());
            for (i, (unit, text, name)) in time_parts.iter().enumerate() {
                match *text {
                    // A lone 0 second is implied by "every minute" or
                    // "minute 5".
                    "*" if finer_repeats(i) => {}
                    "*" => parts.push(format!("every {}", unit.noun())),
                    "0" if *unit == Unit::Second => {}
                    _ => parts.push(match field(*unit, text) {
                        Some(f) if f.starts_with("every") => f,
                        Some(f) => format!("at {f}"),
                        None => quote(name, text),
                    }),
                }
            }
            if parts.is_empty() {
                parts.push("every minute".into());
            }
        }
    }
    match dom {
        "?" | "*" => {}
        _ => parts.push(day_of_month(dom).unwrap_or_else(|| quote("day-of-month", dom))),
    }
    match dow {
        "?" | "*" => {}
        _ => parts.push(day_of_week(dow).unwrap_or_else(|| quote("day-of-week", dow))),
    }
    match month {
        "*" => {}
        _ => parts.push(
            field(Unit::Month, month)
                .map(|f| {
                    if f.starts_with("every") {
                        f
                    } else {
                        format!("in {f}")
                    }
                })
                .unwrap_or_else(|| quote("month", month)),
        ),
    }
    match year {
        "*" => {}
        _ => parts.push(
            field(Unit::Year, year)
                .map(|f| {
                    let f = f.replace("year ", "").replace("years ", "");
                    if f.starts_with("every") {
                        f
                    } else {
                        format!("in {f}")
                    }
                })
                .unwrap_or_else(|| quote("year", year)),
        ),
    }
    parts.join(", ")
}
