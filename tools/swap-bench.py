#!/usr/bin/env python3
"""A world swap on a database file against the same swap in memory, over real HTTP on loopback
(Python 3 stdlib).

Usage: python3 tools/swap-bench.py [--binary PATH] [--swaps 20] [--dir DIR]

Starts the binary twice, once in memory and once with `--db DIR/world.db` (a fresh file), and
times --swaps calls of each world swap on one server after the other: a reset
(POST /_sandbox/reset), a state import of the world as exported (PUT /_sandbox/state) and a scenario
load (POST /_sandbox/scenario of the scenario served). Prints the median and fastest of each, and
the ratio of the file's median to memory's.

Target: a swap on a file within 10x of the same swap in memory.
Exit status: 0 when every swap is within the target, 1 when one is not.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

TARGET = 10.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as answer:
        return answer.read()


def timed_swaps(binary, db, swaps):
    port = free_port()
    args = [binary, "serve", "--port", str(port)] + (["--db", db] if db else [])
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                health = json.loads(call(base, "GET", "/_sandbox/health"))
                break
            except OSError:
                time.sleep(0.05)
        else:
            sys.exit("the server did not answer")
        world = json.loads(call(base, "GET", "/_sandbox/state"))
        kinds = [
            ("reset", "POST", "/_sandbox/reset", None),
            ("import", "PUT", "/_sandbox/state", world),
            ("load", "POST", "/_sandbox/scenario", {"name": health["value"]["scenario"]}),
        ]
        found = {}
        for name, method, path, body in kinds:
            times = []
            for _ in range(swaps):
                started = time.perf_counter()
                call(base, method, path, body)
                times.append((time.perf_counter() - started) * 1000)
            found[name] = (statistics.median(times), min(times))
        return found
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default="target/release/tripletex-sandbox")
    parser.add_argument("--swaps", type=int, default=20)
    parser.add_argument("--dir", help="where the database file goes (default: a new temporary folder)")
    options = parser.parse_args()
    memory = timed_swaps(options.binary, None, options.swaps)
    folder = tempfile.mkdtemp(dir=options.dir)
    on_file = timed_swaps(options.binary, os.path.join(folder, "world.db"), options.swaps)
    met = True
    for name, (median, fastest) in memory.items():
        file_median, file_fastest = on_file[name]
        ratio = file_median / median
        met &= ratio <= TARGET
        print(
            f"{name:7s} memory {median:7.2f} ms (fastest {fastest:.2f})   "
            f"--db {file_median:7.2f} ms (fastest {file_fastest:.2f})   {ratio:5.1f}x"
        )
    print("within 10x" if met else "NOT within 10x")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
