#!/usr/bin/env python3
"""What `tripletex-sandbox eval` itself costs per run, with an agent that costs nothing (Python 3
stdlib, real HTTP on loopback).

Usage: python3 tools/eval-bench.py [--binary PATH] [--repeat 3] [--parallel 1]

Serves an agent on a loopback port that answers every POST /solve at once without calling the
API, runs `BIN eval --agent URL --format json --repeat N` over the built-in tasks, and reads each
run's `setupSeconds` (the sandbox of the task's seed and its session, before the agent is called)
and `scoreSeconds` (the scoring after it answered). Prints the median, fastest and 90th percentile
of their sum, the first run apart (it builds the scenario's seed template).

Target: the emulator's own cost per run under 5 ms (median).
Exit status: 0 when the target is met, 1 when it is not, 2 when the benchmark cannot run.
"""

import argparse
import http.server
import json
import os
import statistics
import subprocess
import sys
import threading

TARGET_MS = 5.0


class IdleAgent(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default="target/release/tripletex-sandbox")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=1)
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        print(f"eval-bench: {args.binary} is missing (cargo build --release)", file=sys.stderr)
        return 2
    agent = http.server.ThreadingHTTPServer(("127.0.0.1", 0), IdleAgent)
    threading.Thread(target=agent.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{agent.server_address[1]}"
    command = [args.binary, "eval", "--agent", url, "--format", "json",
               "--repeat", str(args.repeat), "--parallel", str(args.parallel)]
    done = subprocess.run(command, capture_output=True, text=True)
    agent.shutdown()
    try:
        runs = json.loads(done.stdout)["runs"]
    except (ValueError, KeyError):
        print(f"eval-bench: eval printed no report (exit {done.returncode}): {done.stderr[-500:]}", file=sys.stderr)
        return 2
    own = [1000 * (run["setupSeconds"] + run["scoreSeconds"]) for run in runs]
    first, rest = own[0], sorted(own[1:])
    if not rest:
        print("eval-bench: fewer than two runs", file=sys.stderr)
        return 2
    median = statistics.median(rest)
    p90 = rest[min(len(rest) - 1, int(0.9 * len(rest)))]
    print(f"{len(runs)} runs (--repeat {args.repeat}, --parallel {args.parallel}); the emulator's own cost per run:")
    print(f"  median {median:.2f} ms, fastest {rest[0]:.2f} ms, p90 {p90:.2f} ms; the first run {first:.2f} ms")
    met = median < TARGET_MS
    print(f"target: median under {TARGET_MS:.0f} ms: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
