#!/usr/bin/env python3
"""Benchmark of sandboxes as a CI fleet uses them, over real HTTP on loopback (Python 3 stdlib).

Usage: python3 tools/world-bench.py [--binary PATH] [--sandboxes 1000] [--objects 1000] [--big 10000]

Builds the release binary if it is missing (and no --binary is given), starts one server with
`--max-sandboxes N`, and measures, each as the median of many calls on one keep-alive connection,
beside the trivial endpoint (GET /_sandbox/health) measured the same way in the same run:
 1. a new sandbox of the default scenario (POST /_sandbox/sandboxes);
 2. a fork of a sandbox holding --objects customers of its own (POST /_sandbox/sandboxes {"from"});
 3. a reset of such a fork (POST /sb/{id}/_sandbox/reset);
 4. the RSS with --sandboxes sandboxes alive (made in a row, each asked for its health once);
 5. GET /v2/customer?count=20 and POST /v2/customer in a sandbox holding 10 customers and in one
    holding --big customers, 200 calls each, the two sandboxes asked turn about.

Targets (issue 8): new sandbox < 1 ms, fork < 2 ms, reset < 1 ms, RSS < 200 MB with 1,000 alive,
list and create at --big customers within 1.5x of their cost at 10.
Exit status: 0 when every target is met, 1 when one is missed, 2 when the benchmark cannot run.
"""

import argparse
import importlib.util
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("load_bench", os.path.join(HERE, "load-bench.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def median_ms(samples):
    return statistics.median(samples) * 1000.0


def timed(client, what, status, method, path, auth=None, body=None):
    got, answer, seconds = client.call(method, path, auth=auth, body=body)
    if got != status:
        raise bench.BenchError(f"{what}: {method} {path} answered {got}, expected {status}: {str(answer)[:300]}")
    return answer, seconds


def trivial(client, n=300):
    return median_ms([timed(client, "health", 200, "GET", bench.HEALTH)[1] for _ in range(n)])


def new_sandbox(client, body=None):
    answer, seconds = timed(client, "sandbox create", 201, "POST", "/_sandbox/sandboxes", body=body or {})
    return answer["value"], seconds


def own_session(client, prefix):
    creds = client.expect("credentials", 200, "GET", f"{prefix}/_sandbox/credentials")["values"]
    own = next(c for c in creds if not c["accountantKey"] and c.get("consumerToken"))
    path = prefix + bench.session_path(own["consumerToken"], own["employeeToken"])
    token = client.expect("session", 200, "PUT", path)["value"]["token"]
    return bench.basic(0, token)


def fill(client, prefix, auth, count, label):
    for n in range(count):
        timed(client, "customer create", 201, "POST", f"{prefix}/v2/customer", auth=auth, body={"name": f"{label} {n}"})


def list_and_create(client, small, big, rounds=200):
    """Median ms of the list and of a create in each of two sandboxes ((prefix, auth) pairs),
    measured turn about, so a noisy spell on the machine weighs on both alike."""
    listed, made = {small: [], big: []}, {small: [], big: []}
    for n in range(rounds):
        for prefix, auth in (small, big) if n % 2 == 0 else (big, small):
            listed[(prefix, auth)].append(
                timed(client, "list", 200, "GET", f"{prefix}/v2/customer?count=20", auth=auth)[1]
            )
    for n in range(rounds):
        for prefix, auth in (small, big) if n % 2 == 0 else (big, small):
            body = {"name": f"Måling {n}"}
            made[(prefix, auth)].append(
                timed(client, "create", 201, "POST", f"{prefix}/v2/customer", auth=auth, body=body)[1]
            )
    return (median_ms(listed[small]), median_ms(made[small])), (median_ms(listed[big]), median_ms(made[big]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary")
    parser.add_argument("--sandboxes", type=int, default=1000)
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--big", type=int, default=10_000)
    args = parser.parse_args()
    binary = args.binary or os.path.join(bench.ROOT, "target", "release", "tripletex-sandbox")
    if not os.path.exists(binary):
        import subprocess

        print("world-bench: no release binary; running cargo build --release", flush=True)
        subprocess.run(["cargo", "build", "--release"], cwd=bench.ROOT, check=True)
    results, failed = [], False

    def report(name, value, unit, target, ok):
        nonlocal failed
        failed |= not ok
        results.append(f"  {'ok  ' if ok else 'FAIL'}  {name:<44} {value:9.2f} {unit:<3} (target {target})")

    server = bench.Server(binary, ["--max-sandboxes", str(args.sandboxes + 10)])
    try:
        server.first_200()
        client = bench.Client(server.host, server.port)
        health = trivial(client)
        print(f"trivial endpoint GET /_sandbox/health: median {health:.3f} ms")

        made = [new_sandbox(client)[1] for _ in range(200)]
        ids = []
        create = median_ms(made)
        print(f"new sandbox: median {create:.3f} ms ({create / health:.1f}x the trivial endpoint)")
        report("new sandbox (default scenario), median", create, "ms", "< 1 ms", create < 1.0)

        source, _ = new_sandbox(client)
        prefix = f"/sb/{source['id']}"
        auth = own_session(client, prefix)
        fill(client, prefix, auth, args.objects, "Kunde")
        forks, resets = [], []
        for _ in range(50):
            fork, seconds = new_sandbox(client, {"from": source["id"]})
            forks.append(seconds)
            _, seconds = timed(client, "reset", 204, "POST", f"/sb/{fork['id']}/_sandbox/reset")
            resets.append(seconds)
            timed(client, "delete", 204, "DELETE", f"/_sandbox/sandboxes/{fork['id']}")
        fork_ms, reset_ms = median_ms(forks), median_ms(resets)
        print(f"fork of a sandbox holding {args.objects} customers: median {fork_ms:.3f} ms ({fork_ms / health:.1f}x); "
              f"reset of such a fork: median {reset_ms:.3f} ms ({reset_ms / health:.1f}x)")
        report(f"fork of a sandbox with {args.objects} objects, median", fork_ms, "ms", "< 2 ms", fork_ms < 2.0)
        report(f"reset of a sandbox with {args.objects} objects, median", reset_ms, "ms", "< 1 ms", reset_ms < 1.0)

        # Delete what the runs above made, then hold --sandboxes alive at once.
        for sandbox in client.expect("list", 200, "GET", "/_sandbox/sandboxes")["values"]:
            timed(client, "delete", 204, "DELETE", f"/_sandbox/sandboxes/{sandbox['id']}")
        time.sleep(1.0)
        start = server.rss_mb()
        for _ in range(args.sandboxes):
            sandbox, _ = new_sandbox(client)
            ids.append(sandbox["id"])
            timed(client, "health", 200, "GET", f"/sb/{sandbox['id']}/_sandbox/health")
        alive = server.rss_mb()
        print(f"RSS: {start:.1f} MB before, {alive:.1f} MB with {args.sandboxes} sandboxes alive "
              f"({(alive - start) / args.sandboxes * 1024:.0f} KB each)")
        report(f"RSS with {args.sandboxes} sandboxes alive", alive, "MB", "< 200 MB", alive < 200.0)
        for sandbox_id in ids:
            timed(client, "delete", 204, "DELETE", f"/_sandbox/sandboxes/{sandbox_id}")

        small, _ = new_sandbox(client)
        small_prefix = f"/sb/{small['id']}"
        small_auth = own_session(client, small_prefix)
        big, _ = new_sandbox(client)
        big_prefix = f"/sb/{big['id']}"
        big_auth = own_session(client, big_prefix)
        fill(client, big_prefix, big_auth, args.big, "Stor")
        (small_list, small_create), (big_list, big_create) = list_and_create(
            client, (small_prefix, small_auth), (big_prefix, big_auth)
        )
        print(f"GET /v2/customer?count=20: {small_list:.3f} ms at ~10 customers, {big_list:.3f} ms at {args.big} "
              f"({big_list / small_list:.2f}x); POST /v2/customer: {small_create:.3f} ms, {big_create:.3f} ms "
              f"({big_create / small_create:.2f}x)")
        report(f"list at {args.big} / at 10 customers", big_list / small_list, "x", "<= 1.5x", big_list / small_list <= 1.5)
        report(f"create at {args.big} / at 10 customers", big_create / small_create, "x", "<= 1.5x",
               big_create / small_create <= 1.5)
    except bench.BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        server.stop()
    print("\ntargets:")
    print("\n".join(results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
