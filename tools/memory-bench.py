#!/usr/bin/env python3
"""Memory benchmark of tripletex-sandbox over real HTTP on loopback (Python 3 stdlib + wrk).

Usage: python3 tools/memory-bench.py [--binary PATH] [--sessions 1000000 | --minutes M] [--sandboxes 500]
                                    [--journal-calls 1000000] [--only sessions|sandboxes|journal]

Builds the release binary if it is missing (and no --binary is given), then on one fresh server each:
 1. Sessions: mints --sessions sessions with wrk (`PUT /v2/token/session/:create`, 32
    connections) in rounds of about 100,000 and prints the RSS after each round, so that the
    growth per 100k sessions before the sandbox starts forgetting its oldest sessions (it keeps
    50,000) and the flat line after it show. With --minutes it mints for that long instead
    (e.g. --minutes 10 for ten minutes of sustained session creation), whatever the rate.
 2. Sandboxes: creates --sandboxes sandboxes of the default scenario over the control plane,
    deletes them all, and prints the RSS at start, with all of them alive, and each second after
    the deletes until it settles (the allocator gives pages back after a decay time).

 3. Journal: sends --journal-calls calls to one sandbox, half a customer list (its answer kept)
    and half a refused create (its request body and error kept), with bodies kept at the default
    bound (--journal-body-bytes, 4 MiB), in rounds of about 100,000, printing the RSS after each.

Exit status: 0 when RSS is bounded (the last session rounds within 10 MB of each other, the RSS
after the deletes within 50 MB of the start, and the journal's RSS never more than the body bound
plus 16 MB above its first round's), 1 when not, 2 when the benchmark cannot run.
"""

import argparse
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("load_bench", os.path.join(HERE, "load-bench.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

ROUND = 100_000


def sessions(binary, wrk, total, tmp, minutes=None):
    server = bench.Server(binary)
    try:
        server.first_200()
        client = bench.Client(server.host, server.port)
        own, _ = bench.pick_credentials(client)
        script = bench.write_lua(tmp, "session-create", "PUT", bench.session_path(own["consumerToken"], own["employeeToken"]))
        # Calibrate a round to about ROUND sessions.
        probe = bench.run_wrk(wrk, server.url(), script, 2, 32)
        per_second = max(probe["rps"], 1.0)
        minted = probe["requests"]
        rows = [(minted, server.rss_mb())]
        print(f"sessions: {per_second:,.0f}/s; RSS after start and {minted:,} sessions: {rows[0][1]:.1f} MB")
        deadline = time.monotonic() + minutes * 60 if minutes else None
        while (time.monotonic() < deadline) if deadline else (minted < total):
            wanted = ROUND if deadline else min(ROUND, total - minted)
            seconds = max(1, round(wanted / per_second))
            result = bench.run_wrk(wrk, server.url(), script, seconds, 32)
            if result["non2xx"] or result["errors"]:
                raise bench.BenchError(f"session create failed: {result}")
            minted += result["requests"]
            rows.append((minted, server.rss_mb()))
            print(f"  {minted:>9,} sessions: RSS {rows[-1][1]:6.1f} MB", flush=True)
        last = [rss for _, rss in rows[-3:]]
        flat = max(last) - min(last) <= 10.0
        print(f"sessions: RSS {rows[0][1]:.1f} → {rows[-1][1]:.1f} MB over {minted:,}; last rounds within "
              f"{max(last) - min(last):.1f} MB ({'flat' if flat else 'NOT flat'})")
        return flat
    finally:
        server.stop()


def sandboxes(binary, count):
    server = bench.Server(binary)
    try:
        server.first_200()
        client = bench.Client(server.host, server.port)
        time.sleep(0.5)
        start = server.rss_mb()
        ids = []
        began = time.perf_counter()
        for _ in range(count):
            answer = client.expect("sandbox create", 201, "POST", "/_sandbox/sandboxes", body={})
            ids.append(answer["value"]["id"])
        made = time.perf_counter() - began
        full = server.rss_mb()
        for sandbox_id in ids:
            status, _, _ = client.call("DELETE", f"/_sandbox/sandboxes/{sandbox_id}")
            if status != 204:
                raise bench.BenchError(f"DELETE sandbox answered {status}")
        trace = []
        for _ in range(60):
            time.sleep(1)
            trace.append(server.rss_mb())
            if len(trace) >= 5 and max(trace[-5:]) - min(trace[-5:]) < 1.0:
                break
        after = trace[-1]
        print(f"sandboxes: {count} made in {made:.1f} s ({made / count * 1000:.1f} ms each); RSS start {start:.1f} MB, "
              f"with {count} alive {full:.1f} MB ({(full - start) / count:.2f} MB each), after deleting them "
              f"{after:.1f} MB ({after - start:+.1f} MB)")
        print("  RSS each second after the deletes: " + ", ".join(f"{r:.0f}" for r in trace))
        return after - start <= 50.0
    finally:
        server.stop()


JOURNAL_BOUND_MB = 4.0  # the default --journal-body-bytes


def journal(binary, wrk, total, tmp):
    server = bench.Server(binary)
    try:
        server.first_200()
        client = bench.Client(server.host, server.port)
        own, _ = bench.pick_credentials(client)
        auth = {"Authorization": bench.basic(0, own["session"])}
        listing = bench.write_lua(tmp, "journal-list", "GET", "/v2/customer?count=20", headers=auth)
        refused = bench.write_lua(tmp, "journal-refused", "POST", "/v2/customer",
                                  headers=dict(auth, **{"Content-Type": "application/json"}),
                                  body=json.dumps({"name": 5, "email": "bench@example.com", "note": "x" * 200}))
        probe = bench.run_wrk(wrk, server.url(), listing, 2, 32)
        per_second = max(probe["rps"], 1.0)
        sent = probe["requests"]
        rows = [(sent, server.rss_mb())]
        print(f"journal: {per_second:,.0f} calls/s; RSS after {sent:,} calls: {rows[0][1]:.1f} MB")
        scripts = [refused, listing]
        while sent < total:
            wanted = min(ROUND, total - sent)
            result = bench.run_wrk(wrk, server.url(), scripts[len(rows) % 2], max(1, round(wanted / per_second)), 32)
            if result["errors"]:
                raise bench.BenchError(f"journal round failed: {result}")
            sent += result["requests"]
            rows.append((sent, server.rss_mb()))
            print(f"  {sent:>9,} calls: RSS {rows[-1][1]:6.1f} MB", flush=True)
        count = client.expect("journal count", 200, "GET", "/_sandbox/journal/count")["value"]["count"]
        kept = client.expect("journal", 200, "GET", "/_sandbox/journal?count=1")["values"][0]
        peak = max(rss for _, rss in rows)
        bounded = peak - rows[0][1] <= JOURNAL_BOUND_MB + 16.0
        print(f"journal: {sent:,} calls, {count} entries kept (newest with bodies: "
              f"{'requestBody' in kept or 'responseBody' in kept}); RSS {rows[0][1]:.1f} → {rows[-1][1]:.1f} MB, "
              f"peak {peak:.1f} MB ({'bounded' if bounded else 'NOT bounded'}: at most the {JOURNAL_BOUND_MB:.0f} MB "
              f"body bound + 16 MB over the first round)")
        return bounded
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary")
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--minutes", type=float, help="mint sessions for this long instead of --sessions")
    parser.add_argument("--sandboxes", type=int, default=500)
    parser.add_argument("--journal-calls", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["sessions", "sandboxes", "journal"])
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if not wrk:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    binary = args.binary or os.path.join(bench.ROOT, "target", "release", "tripletex-sandbox")
    if not os.path.exists(binary):
        print("memory-bench: no release binary; running cargo build --release", flush=True)
        import subprocess
        subprocess.run(["cargo", "build", "--release"], cwd=bench.ROOT, check=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            held = []
            if args.only in (None, "sessions"):
                held.append(sessions(binary, wrk, args.sessions, tmp, args.minutes))
            if args.only in (None, "sandboxes"):
                held.append(sandboxes(binary, args.sandboxes))
            if args.only in (None, "journal"):
                held.append(journal(binary, wrk, args.journal_calls, tmp))
    except bench.BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0 if all(held) else 1


if __name__ == "__main__":
    sys.exit(main())
