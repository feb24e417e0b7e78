#!/usr/bin/env bash
# Load test of the HTTP API with abusive traffic, bounded in time: starts
# `cdp-spark-provisioner serve` on 127.0.0.1 (SQLite in a temporary folder)
# and, all at once for SECONDS,
#   - slowloris: connections sending a request head, or a body, a byte at a time;
#   - idle connections that send nothing;
#   - invented methods (up to 4 KB) and paths (up to 70 KB), query strings;
#   - huge headers (100 KB, and over actix's 128 KiB), many headers;
#   - bodies over the limit (announced and chunked), bodies just under it;
#   - random JSON to the Witboost routes and the job status API;
# while sampling the server's RSS every 500 ms and asking GET /health every
# 500 ms. The server runs on its defaults, except a request body must arrive
# within 8 s (server.client_body_timeout_secs, 60 by default), so that the
# slow bodies are cut within the run. It ends with one line: requests sent, answers by status, RSS at
# start (after a 3 s warm-up), peak and end in MB, /health answers; and
# exits 1 when the peak RSS exceeds the start by more than
# CDP_ABUSE_MAX_GROWTH_MB (64) or /health stopped answering.
#
# Usage: scripts/abuse-http.sh [SECONDS]      (default 20)
#   CDP_ABUSE_PROFILE=release    test the release binary (default: debug)
#   CDP_ABUSE_BINARY=PATH        test this binary, built elsewhere
#   CDP_ABUSE_MAX_GROWTH_MB=64   the RSS bound
# Python 3's standard library only.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
profile=${CDP_ABUSE_PROFILE:-debug}
if [ -n "${CDP_ABUSE_BINARY:-}" ]; then
  binary=$CDP_ABUSE_BINARY
  profile=given
else
  case "$profile" in
    release) cargo build -q --release -p cdp-spark-provisioner ;;
    debug) cargo build -q -p cdp-spark-provisioner ;;
    *) echo "abuse-http: CDP_ABUSE_PROFILE is debug or release, not $profile" >&2; exit 2 ;;
  esac
  binary=target/$profile/cdp-spark-provisioner
fi

work=$(mktemp -d -t cdp-abuse.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

: >"$work/stdout"
CDP_SPARK_PROVISIONER__LOG__LEVEL=warn CDP_SPARK_PROVISIONER__SCHEDULER__ENABLED=false \
  CDP_SPARK_PROVISIONER__SERVER__CLIENT_BODY_TIMEOUT_SECS=8 \
  "$binary" serve --bind 127.0.0.1:0 --data-dir "$work/data" \
  >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
base=
for _ in $(seq 1 200); do
  base=$(sed -n 's/^cdp-spark-provisioner listening on //p' "$work/stdout" | head -1)
  [ -n "$base" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$work/stderr" >&2
    echo "abuse-http: the server did not start" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$base" ]; then
  echo "abuse-http: the server did not say where it listens" >&2
  exit 1
fi
echo "abuse-http: $profile server at $base (pid $server_pid), $seconds s of abuse" >&2

status=0
python3 - "$base" "$server_pid" "$seconds" "${CDP_ABUSE_MAX_GROWTH_MB:-64}" <<'EOF' || status=$?
import asyncio, collections, json, os, random, sys, time

base, pid, seconds, max_growth = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
host, port = base.removeprefix("http://").split(":")
port = int(port)
rng = random.Random(20260101)
answers = collections.Counter()
faults = []  # the first bytes of requests answered 500
sent = 0
health = {"ok": 0, "failed": 0, "max_ms": 0.0}
rss = []  # (seconds since start, MB)
WARMUP = 3.0
started = time.monotonic()
deadline = started + seconds


def rss_mb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def left():
    return deadline - time.monotonic()


async def read_answer(reader, timeout):
    """The status of the answer, or a word for what happened instead."""
    try:
        line = await asyncio.wait_for(reader.readline(), timeout)
    except asyncio.TimeoutError:
        return "unfinished" if left() <= 0 else "no-answer"
    except (ConnectionError, OSError):
        return "reset"
    parts = line.split()
    if len(parts) >= 2 and parts[1].isdigit():
        return int(parts[1])
    return "closed" if not line else "garbage"


async def exchange(data, timeout=10.0, trickle=None):
    """Send `data` (a byte at a time every `trickle` s) on a new connection;
    count the answer."""
    global sent
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
    except (OSError, asyncio.TimeoutError):
        answers["connect-failed"] += 1
        return
    sent += 1
    try:
        if trickle is None:
            writer.write(data)
            await writer.drain()
        else:
            for i in range(len(data)):
                if left() <= 0:
                    break
                writer.write(data[i:i + 1])
                await writer.drain()
                await asyncio.sleep(trickle)
                if reader.at_eof() or len(reader._buffer) > 0:
                    break
        if left() <= 0 and not (reader.at_eof() or len(reader._buffer) > 0):
            answers["unfinished"] += 1  # cut by the end of the run
            return
        status = await read_answer(reader, timeout)
        target = data.split(b" ", 2)[1] if data.count(b" ") >= 2 else b""
        if status == 500 and target in UNSUPPORTED:
            # The contract's answer to an operation Spark workloads do not
            # support (a SystemError saying so), not a fault.
            status = "500-unsupported"
        answers[status] += 1
        if status == 500 and len(faults) < 5:
            faults.append(data[:300])
    except (ConnectionError, OSError):
        answers["reset"] += 1
    finally:
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), 2)
        except Exception:
            pass


def request(method, path, headers=(), body=b""):
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
    for k, v in headers:
        head += f"{k}: {v}\r\n"
    if body:
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def word(n):
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(n))


def random_json(depth=0):
    kind = rng.randrange(7 if depth < 6 else 4)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() * 10 ** rng.randrange(0, 30)
    if kind == 2:
        return word(rng.randrange(0, 200))
    if kind == 3:
        return rng.choice([True, False])
    if kind == 4:
        return [random_json(depth + 1) for _ in range(rng.randrange(0, 5))]
    return {rng.choice(["descriptorKind", "descriptor", "removeData", "refs", word(5)]): random_json(depth + 1)
            for _ in range(rng.randrange(0, 5))}


ROUTES = ["/v1/validate", "/v1/provision", "/v1/unprovision", "/v2/validate", "/v1/updateacl",
          "/v1/reverse-provisioning", "/v1/scheduler/runs", "/v1/scheduler/jobs/g/n",
          "/v1/scheduler/jobs/g/n/trigger", "/v1/scheduler/jobs/g/n/pause", "/health", "/metrics",
          "/docs/", "/docs/x.js", "/openapi.json"]


# Routes whose contract answers every well-formed request 500 (unsupported).
UNSUPPORTED = {b"/v1/updateacl", b"/v1/reverse-provisioning"}


async def forever(make, pause=0.0):
    while left() > 0:
        await make()
        if pause:
            await asyncio.sleep(pause)


async def slowloris_head():
    await exchange(request("GET", "/v1/scheduler/runs", [("X-Slow", "a" * 40)]), trickle=0.3)


async def slowloris_body():
    body = json.dumps({"descriptorKind": "COMPONENT_DESCRIPTOR", "descriptor": "x" * 2000,
                       "removeData": False}).encode()
    data = request("POST", "/v1/validate", [("Content-Type", "application/json")], body)
    head_end = data.index(b"\r\n\r\n") + 4
    global sent
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
    except (OSError, asyncio.TimeoutError):
        answers["connect-failed"] += 1
        return
    sent += 1
    try:
        writer.write(data[:head_end])
        await writer.drain()
        for i in range(head_end, len(data)):
            if left() <= 0 or reader.at_eof() or len(reader._buffer) > 0:
                break
            writer.write(data[i:i + 1])
            await writer.drain()
            await asyncio.sleep(0.2)
        if left() <= 0 and not (reader.at_eof() or len(reader._buffer) > 0):
            answers["unfinished"] += 1  # cut by the end of the run
            return
        answers[await read_answer(reader, 5)] += 1
    except (ConnectionError, OSError):
        answers["reset"] += 1
    finally:
        writer.close()


async def idle():
    await exchange(b"", timeout=max(0.1, min(10.0, left())))


async def invented():
    method = word(rng.choice([3, 7, 40, 4000]))
    path = "/" + "/".join(word(rng.randrange(1, 30)) for _ in range(rng.randrange(1, 6)))
    if rng.random() < 0.2:
        path = "/" + "p" * rng.choice([9000, 60000, 70000])
    if rng.random() < 0.3:
        path = rng.choice(ROUTES) + "?" + "&".join(f"{word(3)}={word(rng.randrange(0, 50))}" for _ in range(5))
    await exchange(request(method, path))


async def huge_headers():
    size = rng.choice([100_000, 140_000])
    headers = [("X-Huge", "h" * size)] if rng.random() < 0.7 else [(f"X-{i}", "v") for i in range(120)]
    await exchange(request("GET", rng.choice(ROUTES), headers))


async def big_bodies():
    choice = rng.randrange(3)
    if choice == 0:  # announced over the limit, not sent
        data = (f"POST /v1/provision HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
                f"Content-Type: application/json\r\nContent-Length: {50 * 1024 * 1024}\r\n\r\n").encode() + b"{" * 65536
        await exchange(data)
    elif choice == 1:  # chunked, over the limit
        chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
        data = (f"POST /v1/validate HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
                f"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode() + chunk * 20 + b"0\r\n\r\n"
        await exchange(data)
    else:  # just under the limit: a whole descriptor-sized body
        body = json.dumps({"descriptorKind": "COMPONENT_DESCRIPTOR", "descriptor": "a: " + "b" * 1_000_000,
                           "removeData": False}).encode()
        await exchange(request("POST", rng.choice(["/v1/validate", "/v1/provision"]),
                               [("Content-Type", "application/json")], body))


async def random_bodies():
    body = json.dumps(random_json()).encode()
    if rng.random() < 0.2:
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    await exchange(request(rng.choice(["POST", "POST", "PUT", "GET"]), rng.choice(ROUTES),
                           [("Content-Type", "application/json")], body))


async def probe_health():
    while left() > 0:
        t = time.monotonic()
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 3)
            writer.write(request("GET", "/health"))
            await writer.drain()
            status = await read_answer(reader, 3)
            writer.close()
        except (OSError, asyncio.TimeoutError):
            status = "failed"
        ms = (time.monotonic() - t) * 1000
        if status == 200:
            health["ok"] += 1
            health["max_ms"] = max(health["max_ms"], ms)
        else:
            health["failed"] += 1
            print(f"abuse-http: /health answered {status} after {ms:.0f} ms", file=sys.stderr)
        await asyncio.sleep(0.5)


async def sample_rss():
    while left() > -1:
        rss.append((time.monotonic() - started, rss_mb()))
        await asyncio.sleep(0.5)


async def main():
    rss.append((0.0, rss_mb()))
    tasks = [asyncio.create_task(sample_rss()), asyncio.create_task(probe_health())]
    plan = [(slowloris_head, 50), (slowloris_body, 20), (idle, 60), (invented, 6),
            (huge_headers, 3), (big_bodies, 4), (random_bodies, 6)]
    for make, n in plan:
        tasks += [asyncio.create_task(forever(make)) for _ in range(n)]
    await asyncio.sleep(max(0.0, left()))
    await asyncio.sleep(1.5)  # let the last answers and samples in
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


asyncio.run(main())
before = rss[0][1]
after_warmup = [mb for t, mb in rss if t >= WARMUP] or [rss[-1][1]]
start, peak, end = after_warmup[0], max(after_warmup), rss_mb()
by_status = " ".join(f"{k}={v}" for k, v in sorted(answers.items(), key=lambda kv: str(kv[0])))
health_ok = health["failed"] == 0 and health["ok"] > 0
print(f"abuse-http: {seconds:.0f} s, {sent} requests sent; answers {by_status}; "
      f"rss_mb before={before:.1f} start={start:.1f} peak={peak:.1f} end={end:.1f} (bound start+{max_growth:.0f}); "
      f"/health ok={health['ok']} failed={health['failed']} max_ms={health['max_ms']:.0f}")
failed = False
if peak > start + max_growth:
    print(f"abuse-http: FAILED: RSS grew from {start:.1f} MB to {peak:.1f} MB", file=sys.stderr)
    failed = True
if not health_ok:
    print("abuse-http: FAILED: /health stopped answering", file=sys.stderr)
    failed = True
if 500 in answers:
    print(f"abuse-http: FAILED: {answers[500]} answers were 500", file=sys.stderr)
    for data in faults:
        print(f"abuse-http: answered 500: {data!r}", file=sys.stderr)
    failed = True
sys.exit(1 if failed else 0)
EOF
if [ "$status" -ne 0 ]; then
  echo "abuse-http: the server's errors:" >&2
  grep -E 'ERROR|error' "$work/stderr" | cut -c1-600 | head -20 >&2 || true
fi
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "abuse-http: FAILED: the server died" >&2
  tail -20 "$work/stderr" >&2
  exit 1
fi
exit "$status"
