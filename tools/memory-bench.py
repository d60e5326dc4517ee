#!/usr/bin/env python3
"""Memory benchmark of tripletex-sandbox over real HTTP on loopback (Python 3 stdlib + wrk).

Usage: python3 tools/memory-bench.py [--binary PATH] [--sessions 1000000 | --minutes M] [--sandboxes 500]

Builds the release binary if it is missing (and no --binary is given), then on one fresh server each:
 1. Sessions: mints --sessions sessions with wrk (`PUT /v2/token/session/:create`, 32
    connections) in rounds of about 100,000 and prints the RSS after each round, so that the
    growth per 100k sessions before the sandbox starts forgetting its oldest sessions (it keeps
    50,000) and the flat line after it show. With --minutes it mints for that long instead
    (e.g. --minutes 10 for ten minutes of sustained session creation), whatever the rate.
 2. Sandboxes: creates --sandboxes sandboxes of the default scenario over the control plane,
    deletes them all, and prints the RSS at start, with all of them alive, and each second after
    the deletes until it settles (the allocator gives pages back after a decay time).

Exit status: 0 when RSS is bounded (the last session rounds within 10 MB of each other and the
RSS after the deletes within 50 MB of the start), 1 when not, 2 when the benchmark cannot run.
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary")
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--minutes", type=float, help="mint sessions for this long instead of --sessions")
    parser.add_argument("--sandboxes", type=int, default=500)
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
            bounded = sessions(binary, wrk, args.sessions, tmp, args.minutes)
            returned = sandboxes(binary, args.sandboxes)
    except bench.BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0 if bounded and returned else 1


if __name__ == "__main__":
    sys.exit(main())
