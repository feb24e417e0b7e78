#!/usr/bin/env bash
# The Quartz cron oracle (tests/fixtures/quartz-cron-oracle.tsv), answered by
# the real Quartz 2.3.2 `CronExpression` (Debian's libquartz2-java, which
# `scripts/install-deps.sh test` installs with a JDK) through
# crates/cdp-spark-domain/tests/java/QuartzOracle.java.
#
# Lines are tab-separated: expression, start instant (UTC, exclusive), zone
# id, count, result. The result is the next `count` fire times in UTC one
# space apart, INVALID where Quartz rejects the expression, NONE where it
# has no further fire time (and, outside the committed oracle, ERROR where
# Quartz throws while evaluating and HANGS where it never returns).
#
# Usage:
#   scripts/quartz-cron-oracle.sh --cases FILE|-  [--out FILE]
#       answers the first four columns of every line of FILE (stdin for -,
#       or with no option at all) and writes the 5-column TSV.
#   scripts/quartz-cron-oracle.sh --generate N --seed S [--out FILE]
#       generates N random questions (scripts/quartz-cron-cases.py) and
#       writes them with Quartz's answers. Questions Quartz cannot evaluate
#       (ERROR, HANGS) are left out and replaced by the next ones of the
#       same seed, so the file keeps the oracle's three kinds of result.
#   scripts/quartz-cron-oracle.sh --check FILE
#       asks Quartz every line of FILE again and lists the lines whose
#       result differs; exits 1 on any difference.
# Env: CDP_JAVA_LIB_DIR  the folder with quartz2.jar and slf4j-api.jar
#                        (default /usr/share/java, Debian's place).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
me=quartz-cron-oracle

usage() { awk '/^# Usage:/ { p = 1 } /^set -euo/ { exit } p { sub(/^# ?/, ""); print }' "$0" >&2; exit 2; }
die() { echo "$me: $*" >&2; exit 2; }

mode=cases cases=- out=- count= seed= check=
while [ $# -gt 0 ]; do
  case $1 in
    --cases) [ $# -ge 2 ] || usage; mode=cases cases=$2; shift 2 ;;
    --generate) [ $# -ge 2 ] || usage; mode=generate count=$2; shift 2 ;;
    --seed) [ $# -ge 2 ] || usage; seed=$2; shift 2 ;;
    --check) [ $# -ge 2 ] || usage; mode=check check=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "$me: unknown argument '$1'" >&2; usage ;;
  esac
done
case $mode in
  generate)
    [[ $count =~ ^[0-9]+$ ]] || die "--generate needs a number of cases, got '$count'"
    [[ $seed =~ ^[0-9]+$ ]] || die "--generate needs --seed with a whole number, got '$seed'" ;;
  check) [ -f "$check" ] || die "--check: no file '$check'" ;;
  cases) [ "$cases" = - ] || [ -f "$cases" ] || die "--cases: no file '$cases'" ;;
esac

lib=${CDP_JAVA_LIB_DIR:-/usr/share/java}
hint="run 'scripts/install-deps.sh test' (a JDK and Debian's libquartz2-java) or set CDP_JAVA_LIB_DIR"
for jar in quartz2.jar slf4j-api.jar; do
  [ -f "$lib/$jar" ] || die "$lib/$jar is missing; $hint"
done
command -v javac >/dev/null && command -v java >/dev/null || die "javac and java are needed; $hint"
command -v python3 >/dev/null || die "python3 is needed"

quartz_version=$(python3 - "$lib/quartz2.jar" <<'EOF'
import sys, zipfile
try:
    props = zipfile.ZipFile(sys.argv[1]).read("META-INF/maven/org.quartz-scheduler/quartz/pom.properties")
    print(next(l.split("=", 1)[1] for l in props.decode().splitlines() if l.startswith("version=")))
except Exception:
    print("unknown")
EOF
)
[ "$quartz_version" = 2.3.2 ] || echo "$me: warning: $lib/quartz2.jar is Quartz $quartz_version, not 2.3.2" >&2

work=$(mktemp -d -t cdp-quartz-oracle.XXXXXX)
trap 'rm -rf "$work"' EXIT

class_path="$work:$lib/quartz2.jar:$lib/slf4j-api.jar"
# Without a binding slf4j prints a warning on every start; the no-op one
# keeps stderr for real problems.
[ -f "$lib/slf4j-nop.jar" ] && class_path="$class_path:$lib/slf4j-nop.jar"
javac -nowarn -cp "$class_path" -d "$work" "$root/crates/cdp-spark-domain/tests/java/QuartzOracle.java" \
  || die "javac failed on QuartzOracle.java"

# Quartz's answers to the questions in $1 (EXPR<TAB>FROM<TAB>TZ<TAB>COUNT),
# one line each, into $2.
ask_quartz() {
  java -Duser.timezone=UTC -Duser.language=en -Duser.country=US -XX:+UseSerialGC \
    -XX:TieredStopAtLevel=1 -cp "$class_path" QuartzOracle <"$1" >"$2" \
    || die "the Quartz oracle program failed"
  local asked answered
  asked=$(wc -l <"$1")
  answered=$(wc -l <"$2")
  [ "$asked" -eq "$answered" ] || die "Quartz answered $answered of $asked questions"
  if grep -q -e '^BADLINE$' -e '^CRASH' "$2"; then
    die "some questions are not EXPR<TAB>FROM<TAB>TZ<TAB>COUNT or crashed Quartz: $(grep -c -e '^BADLINE$' -e '^CRASH' "$2") lines"
  fi
}

# The first four columns of every non-empty line of the file $2 (named $1
# in messages) into $3, and those lines' numbers into $3.lines; fails on a
# line with fewer columns.
questions_of() {
  awk -F'\t' -v name="$1" -v lines="$3.lines" '
    /^[[:space:]]*$/ { next }
    NF < 4 { printf "%s:%d: fewer than 4 tab-separated columns\n", name, NR > "/dev/stderr"; bad = 1; next }
    { print $1 "\t" $2 "\t" $3 "\t" $4; print NR > lines }
    END { exit bad }' "$2" >"$3" || die "malformed lines in $1"
}

emit() {
  if [ "$out" = - ]; then cat "$1"; else cp "$1" "$out"; fi
}

case $mode in
  cases)
    if [ "$cases" = - ]; then cat >"$work/input"; name=stdin; else cp "$cases" "$work/input"; name=$cases; fi
    questions_of "$name" "$work/input" "$work/questions"
    ask_quartz "$work/questions" "$work/answers"
    paste "$work/questions" "$work/answers" >"$work/oracle"
    odd=$(grep -c -E $'\t(ERROR|HANGS)$' "$work/oracle" || true)
    [ "$odd" -eq 0 ] || echo "$me: warning: $odd questions have no answer in the oracle's format (ERROR or HANGS)" >&2
    emit "$work/oracle"
    echo "$me: $(wc -l <"$work/oracle") cases answered by Quartz $quartz_version" >&2
    ;;
  generate)
    # Ask for a little more than needed: a few questions are ERROR or HANGS
    # for Quartz. The same seed gives the same prefix, so asking for more
    # only appends questions.
    want=$count
    ask=$(( count + count / 10 + 10 ))
    while :; do
      python3 "$root/scripts/quartz-cron-cases.py" --count "$ask" --seed "$seed" >"$work/questions"
      ask_quartz "$work/questions" "$work/answers"
      paste "$work/questions" "$work/answers" | awk -F'\t' -v want="$want" -v dropped="$work/dropped" '
        $5 == "ERROR" || $5 == "HANGS" { d++; next }
        { print; if (++kept == want) exit }
        END { print d + 0 > dropped }' >"$work/oracle"
      [ "$(wc -l <"$work/oracle")" -lt "$want" ] || break
      ask=$(( ask * 2 ))
    done
    dropped=$(cat "$work/dropped")
    emit "$work/oracle"
    awk -F'\t' -v me="$me" -v seed="$seed" -v v="$quartz_version" -v dropped="$dropped" '
      { if ($5 == "INVALID") i++; else if ($5 == "NONE") n++; else t++ }
      END { printf "%s: %d cases (seed %d) answered by Quartz %s: %d with fire times, %d INVALID, %d NONE; %d ERROR/HANGS questions left out\n", me, NR, seed, v, t, i, n, dropped > "/dev/stderr" }' "$work/oracle"
    ;;
  check)
    questions_of "$check" "$check" "$work/questions"
    grep -v '^[[:space:]]*$' "$check" >"$work/expected"
    ask_quartz "$work/questions" "$work/answers"
    # Compare the whole line: the file's five columns with the four
    # questions and Quartz's answer.
    paste "$work/questions.lines" "$work/questions" "$work/answers" >"$work/actual"
    if awk -F'\t' '
        NR == FNR { want[FNR] = $0; next }
        {
          total++
          line = $1
          sub(/^[^\t]*\t/, "")
          if ($0 != want[FNR]) {
            bad++
            n = split(want[FNR], w, "\t")
            printf "line %d: %s\t%s\t%s\t%s\n  file:   %s\n  quartz: %s\n", line, $1, $2, $3, $4, (n >= 5 ? w[5] : "(no result column)"), $5
          }
        }
        END { printf "%d/%d lines agree with Quartz\n", total - bad, total; exit (bad > 0) }' \
        "$work/expected" "$work/actual" >"$work/report"; then
      echo "$me: $check: $(tail -1 "$work/report") $quartz_version"
    else
      sed '$d' "$work/report" >&2
      echo "$me: $check: $(tail -1 "$work/report") $quartz_version; the differences are listed above" >&2
      exit 1
    fi
    ;;
esac
