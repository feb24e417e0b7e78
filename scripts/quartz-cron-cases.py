#!/usr/bin/env python3
"""Random Quartz cron questions, one per line: EXPR<TAB>FROM<TAB>TZ<TAB>COUNT.

Used by scripts/quartz-cron-oracle.sh --generate, which has the real Quartz
answer them. Python 3 standard library only. The same seed gives the same
questions.

Expressions are random over Quartz 2.3.2's grammar and biased to its
corners: steps, ranges (also wrapping ones), lists, L, LW, L-n, nW, d#n, dL,
?, month and day names, years (also far ones), and now and then a value
just out of range or a malformed item, so that part of the questions are
INVALID on purpose. Start instants lie in 2025-2035 (UTC, on the second),
many of them near a daylight-saving switch or the end of a month of the
zone. Zones: UTC and a handful of IANA zones with and without daylight
saving time.

Usage: quartz-cron-cases.py --count N --seed S [--zones Z1,Z2,...]
"""

import argparse
import random
import sys
from datetime import datetime, timedelta, timezone

# UTC gets most cases, as in the committed oracle.
ZONES = ["UTC", "UTC", "UTC", "Europe/Rome", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]

# Standard offsets (hours), to place "end of month" starts in local time.
STD_OFFSET = {
    "UTC": 0,
    "Europe/Rome": 1,
    "America/New_York": -5,
    "Australia/Sydney": 10,
    "Asia/Kolkata": 5.5,
}

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

SECOND, MINUTE, HOUR, DOM, MONTH, DOW, YEAR = range(7)
BOUNDS = {
    SECOND: (0, 59),
    MINUTE: (0, 59),
    HOUR: (0, 23),
    DOM: (1, 31),
    MONTH: (1, 12),
    DOW: (1, 7),
    YEAR: (2024, 2040),
}

FIRST_YEAR, LAST_YEAR = 2025, 2035


def value(r, f, named):
    lo, hi = BOUNDS[f]
    if r.randrange(200) < 3:
        return str(r.choice([lo - 1 if lo > 0 else 0, hi + 1, 0, 60, 99, 32, 24, 13, 8]))
    if f == MONTH and named:
        return r.choice(MONTHS)
    if f == DOW and named:
        return r.choice(DAYS)
    if f == YEAR and r.randrange(100) < 10:
        return r.choice(["1970", "2099", "2100", "2199", "2200"])
    return str(r.randint(lo, hi))


def step(r, f):
    lo, hi = BOUNDS[f]
    if r.randrange(100) < 2:
        return r.choice(["0", "61", "100", "24", "32", "13"])
    return str(r.randint(1, min(10 if f == YEAR else hi - lo + 1, 40)))


def special(r, f):
    """A corner of the field's grammar, or None."""
    roll = r.randrange(100)
    if f == DOM and roll < 22:
        return r.choice([
            lambda: "L",
            lambda: "LW",
            lambda: "L-%d" % r.randint(0, 31),
            lambda: "L-%dW" % r.randint(0, 10),
            lambda: "%dW" % r.randint(1, 31),
            lambda: "%dW" % r.randint(1, 31),
            lambda: r.choice(["L-", "LX", "W", "15L", "2#1", "0W"]),
        ])()
    if f == DOW and roll < 30:
        return r.choice([
            lambda: "%dL" % r.randint(1, 7),
            lambda: "%d#%d" % (r.randint(1, 7), r.randint(1, 5)),
            lambda: "%sL" % r.choice(DAYS),
            lambda: "%s#%d" % (r.choice(DAYS), r.randint(1, 5)),
            lambda: "L",
            lambda: "%s-%s" % (r.choice(DAYS), r.choice(DAYS)),
            lambda: "%d#%d" % (r.randint(0, 8), r.randint(0, 6)),
            lambda: "%s-%d" % (r.choice(DAYS), r.randint(1, 7)),
            lambda: r.choice(["MONDAY", "FRI-", "SUN-SAT", "SAT-SUN", "1W", "5L#2", "2-MON"]),
        ])()
    if f == MONTH and roll < 4:
        return r.choice([
            lambda: "%s-%d" % (r.choice(MONTHS), r.randint(1, 12)),
            lambda: "%d-%s" % (r.randint(1, 12), r.choice(MONTHS)),
            lambda: r.choice(["JANUARY", "DEC-", "L", "?"]),
        ])()
    if roll < 1:
        return r.choice(["?", "L", "X", "0-", "-5", "/", "*/", "5/", "1-2-3", "?X", "5X"])
    return None


def item(r, f, in_list):
    s = special(r, f)
    if s is not None:
        return s
    named = f in (MONTH, DOW) and r.randrange(100) < 40
    kind = r.randrange(10)
    if kind < 2:
        # '*' in a list is mostly INVALID for Quartz: rarely there.
        return "*" if not in_list or r.randrange(100) < 10 else value(r, f, named)
    if kind < 5:
        return value(r, f, named)
    if kind < 7:
        return "%s-%s" % (value(r, f, named), value(r, f, named))
    if kind == 7:
        return "%s-%s/%s" % (value(r, f, named), value(r, f, named), step(r, f))
    if kind == 8:
        return "*/%s" % step(r, f)
    return "%s/%s" % (value(r, f, False), step(r, f))


def field(r, f):
    n = r.randint(2, 4) if r.randrange(100) < 25 else 1
    return ",".join(item(r, f, n > 1) for _ in range(n))


def expression(r):
    fields = ["0" if r.randrange(100) < 55 else field(r, SECOND), field(r, MINUTE), field(r, HOUR)]
    roll = r.randrange(100)
    if roll < 45:
        fields += ["?", field(r, MONTH), field(r, DOW)]
    elif roll < 90:
        fields += [field(r, DOM), field(r, MONTH), "?"]
    elif roll < 95:
        fields += ["?", field(r, MONTH), "?"]
    else:
        fields += [field(r, DOM), field(r, MONTH), field(r, DOW)]
    if r.randrange(100) < 30:
        fields.append(field(r, YEAR))
    if r.randrange(100) < 1:
        fields = fields[: r.randint(3, 5)]
    return " ".join(fields)


def nth_sunday(year, month, n):
    """The n-th Sunday of the month (n = -1: the last)."""
    if n > 0:
        d = datetime(year, month, 1, tzinfo=timezone.utc)
        d += timedelta(days=(6 - d.weekday()) % 7)
        return d + timedelta(weeks=n - 1)
    d = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc) - timedelta(days=1)
    return d - timedelta(days=(d.weekday() + 1) % 7)


def switches(zone, year):
    """The zone's daylight-saving switches in the year, as UTC instants (rules
    in force for the whole of 2025-2035)."""
    if zone == "Europe/Rome":
        return [nth_sunday(year, 3, -1) + timedelta(hours=1), nth_sunday(year, 10, -1) + timedelta(hours=1)]
    if zone == "America/New_York":
        return [nth_sunday(year, 3, 2) + timedelta(hours=7), nth_sunday(year, 11, 1) + timedelta(hours=6)]
    if zone == "Australia/Sydney":
        # 03:00 daylight time on the first Sunday of April, 02:00 standard
        # time on the first Sunday of October: both 16:00 UTC the day before.
        return [nth_sunday(year, 4, 1) - timedelta(hours=8), nth_sunday(year, 10, 1) - timedelta(hours=8)]
    return []


def start_instant(r, zone):
    lo = datetime(FIRST_YEAR, 1, 1, tzinfo=timezone.utc)
    hi = datetime(LAST_YEAR, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    roll = r.randrange(100)
    year = r.randint(FIRST_YEAR, LAST_YEAR)
    near = switches(zone, year)
    if roll < 30 and near:
        t = r.choice(near) + timedelta(seconds=r.randint(-4 * 3600, 4 * 3600))
    elif roll < 60:
        month = r.randint(1, 12)
        first_next = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc)
        local_midnight = first_next - timedelta(hours=STD_OFFSET.get(zone, 0))
        t = local_midnight + timedelta(seconds=r.randint(-36 * 3600, 12 * 3600))
    else:
        t = lo + timedelta(seconds=r.randint(0, int((hi - lo).total_seconds())))
    t = min(max(t, lo), hi)
    kind = r.randrange(4)
    if kind == 0:
        t = t.replace(minute=0, second=0)
    elif kind == 1:
        t = t.replace(second=0)
    elif kind == 2:
        t = t.replace(second=59)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, required=True, help="how many questions")
    p.add_argument("--seed", type=int, required=True, help="the generator's seed")
    p.add_argument("--zones", help="comma-separated zone ids (default: %s)" % ",".join(sorted(set(ZONES))))
    p.add_argument("--fire-count", type=int, default=5, help="COUNT of every question (default 5)")
    args = p.parse_args()
    if args.count < 0 or args.fire_count < 1:
        p.error("--count must be >= 0 and --fire-count >= 1")
    zones = args.zones.split(",") if args.zones else ZONES
    r = random.Random(args.seed)
    out = sys.stdout
    for _ in range(args.count):
        zone = r.choice(zones)
        expr = expression(r)
        out.write("%s\t%s\t%s\t%d\n" % (expr, start_instant(r, zone), zone, args.fire_count))


if __name__ == "__main__":
    main()
