#!/usr/bin/env python3
"""What proxy mode adds to a call, over real HTTP on loopback (Python 3 stdlib).

Usage: python3 tools/proxy-bench.py [--binary PATH] [--calls 5000] [--record]

Starts two emulators from the release binary: an upstream, and a proxy in front of it
(`serve --upstream http://…`, with `--record DIR` when --record is given). Mints a session
upstream, then sends --calls calls of each kind (whoAmI; a customer read; a customer create),
alternating a direct call to the upstream and the same call through the proxy, each on a
keep-alive connection of its own, one at a time. Prints the median and 95th percentile of each
and the median the proxy adds. Exit status: 0 when the proxy adds under 1 ms median on every kind,
1 when not, 2 when the benchmark cannot run.
"""

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("load_bench", os.path.join(HERE, "load-bench.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def measure(direct, proxied, calls, method, path, auth, body=None):
    times = {"direct": [], "proxy": []}
    for _ in range(calls):
        for name, client in (("direct", direct), ("proxy", proxied)):
            status, answer, seconds = client.call(method, path, auth=auth, body=body)
            if status >= 400 or status == 0:
                raise bench.BenchError(f"{name} {method} {path}: {status} {str(answer)[:300]}")
            times[name].append(seconds * 1000)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary")
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--record", action="store_true", help="the proxy also records every exchange")
    args = parser.parse_args()
    binary = args.binary or os.path.join(bench.ROOT, "target", "release", "tripletex-sandbox")
    if not os.path.exists(binary):
        print(f"proxy-bench: no binary at {binary}; build it with cargo build --release", file=sys.stderr)
        return 2
    upstream = proxy = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            upstream = bench.Server(binary)
            upstream.first_200()
            flags = ["--upstream", upstream.url()] + (["--record", tmp] if args.record else [])
            proxy = bench.Server(binary, flags)
            proxy.first_200()
            direct = bench.Client(upstream.host, upstream.port)
            proxied = bench.Client(proxy.host, proxy.port)
            own, _ = bench.pick_credentials(direct)
            auth = bench.basic(0, own["session"])
            made = direct.expect("customer", 201, "POST", "/v2/customer", auth=auth, body={"name": "Bench AS"})
            kinds = [
                ("whoAmI", "GET", bench.WHO_AM_I, None),
                ("customer read", "GET", f"/v2/customer/{made['value']['id']}", None),
                ("customer create", "POST", "/v2/customer", {"name": "Bench AS"}),
            ]
            held = True
            print(f"proxy-bench: {args.calls} calls of each kind, direct and through the proxy alternately"
                  f"{' (recording)' if args.record else ''}")
            for name, method, path, body in kinds:
                times = measure(direct, proxied, args.calls, method, path, auth, body)
                added = statistics.median(times["proxy"]) - statistics.median(times["direct"])
                held &= added < 1.0
                print(f"  {name:<16} direct median {statistics.median(times['direct']):.3f} ms "
                      f"(p95 {percentile(times['direct'], 0.95):.3f}), through the proxy "
                      f"{statistics.median(times['proxy']):.3f} ms (p95 {percentile(times['proxy'], 0.95):.3f}): "
                      f"adds {added:.3f} ms median")
            return 0 if held else 1
    except bench.BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        for server in (proxy, upstream):
            if server is not None:
                server.stop()


if __name__ == "__main__":
    sys.exit(main())
