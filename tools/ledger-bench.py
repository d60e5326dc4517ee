#!/usr/bin/env python3
"""Benchmark of the ledger at scale, over real HTTP on loopback (Python 3 stdlib).

Usage: python3 tools/ledger-bench.py [--binary PATH] [--big 1000000] [--small 1000] [--rounds 200]

Writes two scenarios whose company holds --small and --big postings (vouchers of ten postings on
twenty accounts, spread over 2026), serves each with `serve --scenario FILE`, and measures, as the
median of --rounds calls on one keep-alive connection, asked of the two servers turn about and
beside the trivial endpoint (GET /_sandbox/health) measured the same way:
 1. GET /v2/ledger/posting for one account over a date range, a page of 50 (the small company's
    range is as long as holds about 50 of them, the big one's as short);
 2. GET /v2/balanceSheet over the whole year.

Targets: the posting list < 10 ms and the year's balance sheet < 50 ms at --big postings, each
within 1.5x of its cost at --small. The load time of each scenario is printed too.
Exit status: 0 when every target is met, 1 when one is missed, 2 when the benchmark cannot run.
"""

import argparse
import datetime
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("load_bench", os.path.join(HERE, "load-bench.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

ACCOUNTS = [1920, 1500, 2400, 2700, 2710, 3000, 3100, 4000, 4300, 5000,
            5400, 6300, 6340, 6540, 6800, 6860, 7100, 7140, 7700, 8060]
PER_VOUCHER = 10
FIRST_POSTING_ID = 900_000_000


def own_session(client):
    creds = client.expect("credentials", 200, "GET", "/_sandbox/credentials")["values"]
    own = next(c for c in creds if not c["accountantKey"] and c.get("consumerToken"))
    token = client.expect("session", 200, "PUT", bench.session_path(own["consumerToken"], own["employeeToken"]))
    return bench.basic(0, token["value"]["token"])


def world_and_accounts(binary):
    """The default world's state, its own company and that company's accounts by number."""
    server = bench.Server(binary)
    try:
        server.first_200()
        client = bench.Client(server.host, server.port)
        auth = own_session(client)
        who = client.expect("whoAmI", 200, "GET", "/v2/token/session/%3EwhoAmI", auth=auth)
        company = who["value"]["company"]["id"]
        accounts = client.expect("accounts", 200, "GET", "/v2/ledger/account?count=1000&fields=id,number", auth=auth)
        by_number = {a["number"]: a["id"] for a in accounts["values"]}
        state = client.expect("state", 200, "GET", "/_sandbox/state")
        return state, company, [by_number[n] for n in ACCOUNTS]
    finally:
        server.stop()


def vouchers(count, company, accounts, first_id):
    """`count` postings as vouchers of ten, balanced, one a day round the year."""
    stored = []
    posting_id = FIRST_POSTING_ID
    start = datetime.date(2026, 1, 1)
    for n in range(count // PER_VOUCHER):
        date = (start + datetime.timedelta(days=n % 365)).isoformat()
        postings = []
        for row in range(PER_VOUCHER):
            amount = float((n * 7 + row * 13) % 5000 + 1)
            sign = 1 if row % 2 == 0 else -1
            account = accounts[(n + row) % len(accounts)]
            postings.append({"id": posting_id, "row": row + 1, "account": {"id": account},
                             "amountGross": sign * amount, "amount": sign * amount})
            posting_id += 1
        # The odd rows repeat the even rows' amounts with the sign turned: each voucher balances.
        for row in range(1, PER_VOUCHER, 2):
            postings[row]["amountGross"] = postings[row]["amount"] = -postings[row - 1]["amount"]
        stored.append({"id": first_id + n, "companyId": company, "version": 0,
                       "body": {"date": date, "description": f"Bilag {n + 1}", "number": n + 1,
                                "year": 2026, "postings": postings}})
    return stored


def write_scenario(state, company, accounts, postings, directory):
    world = json.loads(json.dumps(state))
    world.setdefault("objects", {})["ledger/voucher"] = {"stored": vouchers(postings, company, accounts, 800_000_000)}
    path = os.path.join(directory, f"ledger-{postings}.json")
    with open(path, "w") as out:
        json.dump(world, out)
    return path


def median_ms(samples):
    return statistics.median(samples) * 1000.0


class Served:
    """One server holding a scenario, with a session of its own company's key."""

    def __init__(self, binary, scenario):
        began = time.perf_counter()
        self.server = bench.Server(binary, ["--scenario", scenario])
        self.server.first_200(timeout=600.0)
        self.load_seconds = time.perf_counter() - began
        self.client = bench.Client(self.server.host, self.server.port)
        self.auth = own_session(self.client)

    def timed(self, path, check=None):
        status, answer, seconds = self.client.call("GET", path, auth=self.auth)
        if status != 200:
            raise bench.BenchError(f"GET {path} answered {status}: {str(answer)[:300]}")
        if check:
            check(answer)
        return seconds

    def health(self):
        return self.timed(bench.HEALTH)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(HERE, "..", "target", "release", "tripletex-sandbox"))
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        print(f"no binary at {args.binary}: cargo build --release first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        state, company, accounts = world_and_accounts(args.binary)
        small = Served(args.binary, write_scenario(state, company, accounts, args.small, tmp))
        big = Served(args.binary, write_scenario(state, company, accounts, args.big, tmp))
        try:
            return measure(args, accounts, small, big)
        finally:
            small.server.stop()
            big.server.stop()


def measure(args, accounts, small, big):
    # The same page (50 postings of one account) from each: the small company's whole year holds
    # about 50 of them, the big one's single day more than that.
    days = max(1, min(365, round(365 * 50 * len(ACCOUNTS) / args.small)))
    small_to = (datetime.date(2026, 1, 1) + datetime.timedelta(days=days)).isoformat()
    big_days = max(1, round(365 * 50 * len(ACCOUNTS) / args.big))
    big_to = (datetime.date(2026, 3, 1) + datetime.timedelta(days=big_days)).isoformat()
    postings = {
        "small": f"/v2/ledger/posting?dateFrom=2026-01-01&dateTo={small_to}&accountId={accounts[0]}&count=50",
        "big": f"/v2/ledger/posting?dateFrom=2026-03-01&dateTo={big_to}&accountId={accounts[0]}&count=50",
    }
    sheet = "/v2/balanceSheet?dateFrom=2026-01-01&dateTo=2027-01-01"

    def has_rows(answer):
        if not answer["values"]:
            raise bench.BenchError("an empty answer: the ledger holds no postings")

    samples = {(name, size): [] for name in ("health", "postings", "sheet") for size in ("small", "big")}
    for _ in range(args.rounds):
        for size, served in (("small", small), ("big", big)):
            samples[("health", size)].append(served.health())
            samples[("postings", size)].append(served.timed(postings[size], has_rows))
            samples[("sheet", size)].append(served.timed(sheet, has_rows))
    ms = {key: median_ms(values) for key, values in samples.items()}
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    print(f"scenario load: {args.small} postings {small.load_seconds:.1f} s, {args.big} postings {big.load_seconds:.1f} s")
    print(f"trivial endpoint GET /_sandbox/health: median {ms[('health', 'small')]:.3f} ms / {ms[('health', 'big')]:.3f} ms")
    ok = True
    print(f"posting pages: {postings['small']} and {postings['big']}")
    for name, label, target in (("postings", "GET /ledger/posting, one account, a page of 50", 10.0),
                                ("sheet", "GET /balanceSheet, one year", 50.0)):
        little, large = ms[(name, "small")], ms[(name, "big")]
        ratio = large / little if little else float("inf")
        met = large < target and ratio <= 1.5
        ok &= met
        print(f"{label}: {little:.3f} ms at {args.small}, {large:.3f} ms at {args.big} "
              f"({ratio:.2f}x; target < {target:.0f} ms and <= 1.5x) {'OK' if met else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except bench.BenchError as e:
        print(f"benchmark failed: {e}", file=sys.stderr)
        sys.exit(2)
