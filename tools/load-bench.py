#!/usr/bin/env python3
"""Load benchmark of tripletex-sandbox over real HTTP on loopback (Python 3 stdlib + wrk).

Usage:
    python3 tools/load-bench.py [--binary PATH] [--duration SECONDS] [--connections 32]
                                [--mix-seconds 180] [--mix-clients 48] [--mix-rate 10]
                                [--only-spawn] [--spawns 5]
    python3 tools/load-bench.py --ci-shaped [--binary PATH] [--ci-clients 1,2,4] [--ci-seconds 10]

    --binary       the sandbox binary (default target/release/tripletex-sandbox; built with
                   `cargo build --release` only if it is missing)
    --duration     seconds of each wrk measurement (default 10)
    --connections  wrk connections (default 32; wrk runs with -t2)
    --mix-seconds  length of the mixed load (default 180; 20-30 for a quick run, 0 skips it)
    --mix-clients  client threads of the mixed load (default 48)
    --mix-rate     requests per second each mixed-load client sends (default 10)
    --only-spawn   measure step 1 only (spawn -> first 200 and RSS), without wrk
    --spawns       how many times step 1 starts the binary (default 5)
    --only-webhooks measure step 4 only (customer create with and without 100 subscriptions)
    --ci-shaped    instead of the steps below, a test suite's shape (see "CI-shaped" below)
    --ci-clients   client processes of the CI-shaped run, one count after another (default 1,2,4)
    --ci-seconds   seconds of each phase of the CI-shaped run (default 10)

What one run does:
 1. Spawn to first 200: starts `BINARY serve --port 0` five times, measures the time from spawn
    to the first 200 of GET /_sandbox/health and VmRSS right then; the median is reported.
 2. Throughput (one server, default scenario): wrk -t2 -cN -dD with a lua script per call, whose
    `response` callback counts non-2xx answers. Every call is checked for its expected status
    before it is measured; the customer list gets 20 customers first and runs before the customer
    create (each created customer lengthens the list). The list reads a page the server remembers
    until a row changes, so it is measured a second time with a query parameter the API ignores
    set to a new value on every request: each page is made anew, as after a write ('customer
    list, cold', no target of its own). The trivial endpoint (GET /_sandbox/health)
    is measured first and last; the mean of the two is the denominator of every ratio.
 3. Mixed load (a fresh server, default sandbox shared by every client, as a CI fleet sharing one
    emulator): N threads, each with its own keep-alive connection, paced at R requests/s, picking
    session create, whoAmI, whoAmI as a client, customer list/create/update-with-version, key
    regeneration over the control plane and client consent toggles. 403s of acting-as-client calls
    while a client's consent is off are counted as expected, apart from the failures. A small
    share of health calls through the same clients ('health (control)') shows the noise floor of
    the harness and the machine. Weights are in MIX_WEIGHTS.

 4. Webhooks (a fresh server): customer create measured as in step 2, then again after 100
    subscriptions to customer.create are made with delivery paused (PUT /_sandbox/webhooks), so
    every create queues an event that the delivery worker fans out into 100 deliveries (refused
    past the queue's bound) beside the requests. Target: at least 0.9x the create without them.

CI-shaped (--ci-shaped): one server, and for each client count N, N client processes (as
pytest-xdist runs tests), each on its own keep-alive connection and never waiting between
requests. First each asks the trivial endpoint for the phase's seconds; then each runs simulated
tests back to back: a test makes a sandbox of its own (POST /_sandbox/sandboxes), mints a session,
asks whoAmI, creates a customer, lists customers, updates the customer (GET, then PUT with its
version), asks whoAmI again and deletes its sandbox, as the pytest example's tests do. Each call's
ratio is the trivial endpoint's mean latency over its own in the same run (a client's calls per
second against the trivial endpoint's), with p99s and tests per second.

The machine the benchmark runs on matters: figures from a busy machine are indicative only.
Exit status: 0 when every target is met, 1 when one is missed, 2 when the benchmark cannot run.
"""

import argparse
import base64
import http.client
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEALTH = "/_sandbox/health"
WHO_AM_I = "/v2/token/session/%3EwhoAmI"
EXPIRATION = "2099-12-31"

# Targets: ratio of requests/s to the trivial endpoint (at least), or absolute limits.
RATIO_TARGETS = {
    "whoAmI": 0.85,
    "whoAmI as client": 0.80,
    "session create": 0.60,
    "customer list": 0.40,
    "customer create": 0.30,
}
# The customer list with its page made anew for every request, as after a write.
COLD_LIST = "customer list, cold"
# Customer create with 100 subscriptions to it, as a share of customer create without any.
WEBHOOK_RATIO_TARGET = 0.90
SPAWN_TARGET_MS = 30.0
RSS_TARGET_MB = 20.0
MIX_P99_TARGET_MS = 50.0

# The mixed load's operations and their weights (share of operations, not of requests).
MIX_WEIGHTS = {
    "whoAmI": 22,
    "whoAmI as client": 20,
    "customer list": 15,
    "customer update": 15,
    "session create": 10,
    "customer create": 10,
    "key regenerate": 4,
    "consent toggle": 4,
    # Not part of the fleet's work: the trivial endpoint through the same harness, so the
    # report shows how much of the latency is the clients and the machine rather than the calls.
    "health (control)": 2,
}


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# The server process


def clean_env():
    """The environment without TRIPLETEX_SANDBOX_* twins, so flags alone decide."""
    return {k: v for k, v in os.environ.items() if not k.startswith("TRIPLETEX_SANDBOX_")}


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


class Server:
    """`BINARY serve --port 0`, its port read from the `listening on` line."""

    def __init__(self, binary, args=()):
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [binary, "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=clean_env(),
            text=True,
        )
        line = self.proc.stdout.readline()
        match = re.match(r"listening on http://([0-9.]+):(\d+)", line)
        if not match:
            self.stop()
            raise BenchError(f"the server did not print `listening on`: {line!r} {self.stderr()}")
        self.host, self.port = match.group(1), int(match.group(2))
        self.banner = [line]
        self.ready = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stdout:
            if len(self.banner) < 100:
                self.banner.append(line)
            if line.startswith("ready:"):
                self.ready.set()
        self.ready.set()

    def stderr(self):
        if self.proc.poll() is None:
            return ""
        return self.proc.stderr.read()[-2000:]

    def first_200(self, timeout=10.0):
        """Seconds from spawn to the first 200 of the health endpoint."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                conn.request("GET", HEALTH)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            finally:
                conn.close()
            if self.proc.poll() is not None:
                raise BenchError(f"the server exited with {self.proc.returncode}: {self.stderr()}")
            time.sleep(0.0005)
        raise BenchError(f"no 200 from {HEALTH} within {timeout} s")

    def rss_mb(self):
        return rss_mb(self.proc.pid)

    def url(self):
        return f"http://{self.host}:{self.port}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


# ---------------------------------------------------------------------------------------------
# HTTP


def basic(username, token):
    return "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode()


class Client:
    """One keep-alive connection; reconnects after a connection error, and before a request
    after an idle spell the server's keep-alive (5 s in actix-web) may have ended."""

    IDLE = 2.0

    def __init__(self, host, port, timeout=30.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None
        self.last_used = 0.0

    def call(self, method, path, auth=None, body=None, headers=None):
        """(status, parsed JSON or raw text, seconds). Status 0 means a connection error."""
        hdrs = dict(headers or {})
        data = None
        if auth:
            hdrs["Authorization"] = auth
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if self.conn is not None and time.perf_counter() - self.last_used > self.IDLE:
            self.conn.close()
            self.conn = None
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=hdrs)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as e:
            elapsed = time.perf_counter() - start
            self.conn.close()
            self.conn = None
            return 0, f"{type(e).__name__}: {e}", elapsed
        elapsed = time.perf_counter() - start
        self.last_used = time.perf_counter()
        if response.getheader("connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return response.status, parsed, elapsed

    def expect(self, what, status, method, path, auth=None, body=None):
        got, answer, _ = self.call(method, path, auth=auth, body=body)
        if got != status:
            raise BenchError(f"{what}: {method} {path} answered {got}, expected {status}: {str(answer)[:400]}")
        return answer


def session_path(consumer_token, employee_token):
    query = urllib.parse.urlencode(
        {"consumerToken": consumer_token, "employeeToken": employee_token, "expirationDate": EXPIRATION}
    )
    return f"/v2/token/session/:create?{query}"


def mint(client, consumer_token, employee_token):
    answer = client.expect("session create", 200, "PUT", session_path(consumer_token, employee_token))
    return answer["value"]["token"]


def pick_credentials(client):
    """A non-office credential with customer access and an office credential with a client."""
    creds = client.expect("credentials", 200, "GET", "/_sandbox/credentials")["values"]
    usable = [c for c in creds if c.get("consumerToken")]
    own = office = None
    for c in (c for c in usable if not c["accountantKey"]):
        token = mint(client, c["consumerToken"], c["employeeToken"])
        status, _, _ = client.call("GET", "/v2/customer?count=1", auth=basic(0, token))
        if status == 200:
            own = dict(c, session=token)
            break
    for c in (c for c in usable if c["accountantKey"] and c["clients"]):
        token = mint(client, c["consumerToken"], c["employeeToken"])
        reachable = [
            cid for cid in c["clients"] if client.call("GET", WHO_AM_I, auth=basic(cid, token))[0] == 200
        ]
        if reachable:
            office = dict(c, session=token, reachable=reachable)
            break
    if own is None:
        raise BenchError("no non-office credential of the default scenario can read customers")
    if office is None:
        raise BenchError("no office credential of the default scenario reaches a client")
    return own, office


# ---------------------------------------------------------------------------------------------
# wrk

LUA_ONE_CALL = r"""
wrk.method = %(method)s
wrk.path = %(path)s
%(headers)s
%(body)s
"""

# One call whose path ends in a value no request sent before (a query parameter the API
# ignores), so no answer the server remembers is ever read again.
LUA_EACH_ANEW = r"""
local headers = { %(headers)s }
function init(args)
  sent = 0
  non2xx = 0
  firstbad = 0
end
function request()
  sent = sent + 1
  return wrk.format(%(method)s, %(path)s .. id .. "-" .. sent, headers)
end
"""

LUA = r"""
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
if init == nil then
  function init(args)
    non2xx = 0
    firstbad = 0
  end
end
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if firstbad == 0 then firstbad = status end
  end
end
function done(summary, latency, requests)
  local bad, first = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    if first == 0 then first = t:get("firstbad") end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%%d duration_us=%%d non2xx=%%d firstbad=%%d connect=%%d read=%%d write=%%d timeout=%%d p50_us=%%d p99_us=%%d max_us=%%d\n",
    summary.requests, summary.duration, bad, first, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def lua_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_lua(directory, name, method, path, headers=None, body=None):
    lines = [f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in (headers or {}).items()]
    script = LUA_ONE_CALL % {
        "method": lua_string(method),
        "path": lua_string(path),
        "headers": "\n".join(lines),
        "body": f"wrk.body = {lua_string(body)}" if body is not None else "",
    }
    return save_lua(directory, name, script + LUA % {})


def write_lua_each_anew(directory, name, method, path, headers=None):
    """A script sending `path` + a number never sent before, so every answer is made anew."""
    table = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in (headers or {}).items())
    script = LUA_EACH_ANEW % {"method": lua_string(method), "path": lua_string(path), "headers": table}
    return save_lua(directory, name, script + LUA % {})


def save_lua(directory, name, script):
    file = os.path.join(directory, re.sub(r"\W+", "-", name) + ".lua")
    with open(file, "w") as f:
        f.write(script)
    return file


def run_wrk(wrk, url, script, duration, connections):
    command = [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s", script, url]
    done = subprocess.run(command, capture_output=True, text=True)
    match = re.search(r"^BENCH (.*)$", done.stdout, re.M)
    if done.returncode != 0 or not match:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stdout[-800:]} {done.stderr[-800:]}")
    values = {k: int(v) for k, v in (kv.split("=") for kv in match.group(1).split())}
    values["rps"] = values["requests"] / (values["duration_us"] / 1e6)
    values["errors"] = values["connect"] + values["read"] + values["write"] + values["timeout"]
    return values


# ---------------------------------------------------------------------------------------------
# 1. Spawn to first 200


def measure_spawn(binary, runs=5):
    times, rss = [], []
    for _ in range(runs):
        server = Server(binary)
        try:
            times.append(server.first_200() * 1000.0)
            rss.append(server.rss_mb())
        finally:
            server.stop()
    return times, rss


# ---------------------------------------------------------------------------------------------
# 2. Throughput


def measure_throughput(binary, wrk, duration, connections, tmp, out):
    server = Server(binary)
    try:
        server.first_200()
        client = Client(server.host, server.port)
        own, office = pick_credentials(client)
        own_auth = basic(0, own["session"])
        client_id = office["reachable"][0]
        client_auth = basic(client_id, office["session"])
        out(f"  own-company key: {own['label']}")
        out(f"  office key:      {office['label']}, acting as client {client_id}")

        # The list needs 20 customers to show; the seed has fewer.
        listing = client.expect("customer list", 200, "GET", "/v2/customer?count=20", auth=own_auth)
        for n in range(max(0, 20 - listing["fullResultSize"])):
            client.expect("seed customer", 201, "POST", "/v2/customer", auth=own_auth, body={"name": f"Seed {n} AS"})
        create_path = session_path(own["consumerToken"], own["employeeToken"])
        body = {"name": "Bench AS"}

        def check_list(answer):
            if len(answer["values"]) != 20:
                raise BenchError(f"customer list: {len(answer['values'])} values, expected 20")

        def check_who(company):
            def check(answer):
                if answer["value"]["companyId"] != company:
                    raise BenchError(f"whoAmI: companyId {answer['value']['companyId']}, expected {company}")

            return check

        # (name, method, path, headers, body, expected status, answer check). The list runs
        # before the create: every created customer makes the list longer.
        calls = [
            ("whoAmI", "GET", WHO_AM_I, {"Authorization": own_auth}, None, 200, check_who(own["companyId"])),
            ("whoAmI as client", "GET", WHO_AM_I, {"Authorization": client_auth}, None, 200, check_who(client_id)),
            ("session create", "PUT", create_path, {}, None, 200, lambda a: a["value"]["token"]),
            ("customer list", "GET", "/v2/customer?count=20", {"Authorization": own_auth}, None, 200, check_list),
            (
                "customer create",
                "POST",
                "/v2/customer",
                {"Authorization": own_auth, "Content-Type": "application/json"},
                json.dumps(body),
                201,
                lambda a: a["value"]["id"],
            ),
        ]
        trivial = write_lua(tmp, "trivial", "GET", HEALTH)
        results = {}

        def measure(name, script):
            out(f"  measuring {name} ({duration} s)...")
            results[name] = run_wrk(wrk, server.url(), script, duration, connections)

        client.expect("trivial", 200, "GET", HEALTH)
        measure("trivial (first)", trivial)
        for name, method, path, headers, raw_body, status, check in calls:
            sent = json.loads(raw_body) if raw_body else None
            auth = headers.get("Authorization")
            check(client.expect(name, status, method, path, auth=auth, body=sent))
            measure(name, write_lua(tmp, name, method, path, headers, raw_body))
            if name == "customer list":
                # The list above reads a page the server remembers until a row changes; a suite
                # that writes between lists has it made anew each time, as here.
                path = "/v2/customer?count=20&nocache="
                check_list(client.expect(COLD_LIST, 200, "GET", path + "0", auth=own_auth))
                measure(COLD_LIST, write_lua_each_anew(tmp, COLD_LIST, "GET", path, {"Authorization": own_auth}))
        client.expect("trivial", 200, "GET", HEALTH)
        measure("trivial (last)", trivial)
        rss_after = server.rss_mb()
        customers = client.expect("customer list", 200, "GET", "/v2/customer?count=1&fields=id", auth=own_auth)
        return results, rss_after, customers["fullResultSize"]
    finally:
        server.stop()


def measure_webhooks(binary, wrk, duration, connections, tmp, out):
    """Customer create without subscriptions, then with 100 subscriptions to customer.create."""
    server = Server(binary)
    try:
        server.first_200()
        client = Client(server.host, server.port)
        own, _ = pick_credentials(client)
        auth = basic(0, own["session"])
        body = json.dumps({"name": "Bench AS"})
        headers = {"Authorization": auth, "Content-Type": "application/json"}
        script = write_lua(tmp, "webhook create", "POST", "/v2/customer", headers, body)
        client.expect("customer create", 201, "POST", "/v2/customer", auth=auth, body={"name": "Bench AS"})
        out(f"  measuring customer create without subscriptions ({duration} s)...")
        without = run_wrk(wrk, server.url(), script, duration, connections)
        client.expect("pause delivery", 200, "PUT", "/_sandbox/webhooks", body={"paused": True})
        for n in range(100):
            subscription = {"event": "customer.create", "targetUrl": f"http://127.0.0.1:9/hook/{n}"}
            client.expect("subscription", 201, "POST", "/v2/event/subscription", auth=auth, body=subscription)
        out(f"  measuring customer create with 100 subscriptions ({duration} s)...")
        subscribed = run_wrk(wrk, server.url(), script, duration, connections)
        state = client.expect("delivery state", 200, "GET", "/_sandbox/webhooks")
        return without, subscribed, state["value"]["pending"]
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------
# 4. Mixed load


class MixWorld:
    """What the mixed-load clients share: the server, the credentials and the consent state."""

    def __init__(self, server, own, office, consent):
        self.server = server
        self.own = own
        self.office = office
        self.consent = consent  # client id -> officeIsAdmin as it was (kept when toggling)


class MixClient(threading.Thread):
    def __init__(self, index, world, rate, deadline, samples, errors):
        super().__init__(daemon=True)
        self.index = index
        self.world = world
        self.interval = 1.0 / rate
        self.deadline = deadline
        self.samples = samples  # (time, op, status, seconds, class), appended under the GIL
        self.errors = errors
        self.rng = random.Random(1000 + index)
        self.http = Client(world.server.host, world.server.port)
        self.ops = list(MIX_WEIGHTS)
        self.weights = [MIX_WEIGHTS[o] for o in self.ops]

    # Setup (before the clock starts): a key of its own, its sessions, a customer of its own.
    def prepare(self):
        own, office = self.world.own, self.world.office
        answer = self.http.expect(
            "key create",
            201,
            "POST",
            f"/_sandbox/people/{own['employeeId']}/keys",
            body={"name": f"bench {self.index}", "custom": {"applicationName": own["integration"], "accesses": "ALL"}},
        )
        self.key_id = answer["value"]["id"]
        self.employee_token = answer["value"]["token"]
        self.session = mint(self.http, own["consumerToken"], self.employee_token)
        self.office_session = mint(self.http, office["consumerToken"], office["employeeToken"])
        created = self.http.expect(
            "customer create",
            201,
            "POST",
            "/v2/customer",
            auth=basic(0, self.session),
            body={"name": f"Fleet {self.index} AS"},
        )
        self.customer_id = created["value"]["id"]

    def record(self, op, status, seconds, answer, expected, expected_403=False):
        if status == expected:
            kind = "ok"
        elif expected_403 and status == 403 and "client_allows_api_access" in str(answer):
            kind = "expected 403"
        elif status == 0:
            kind = "connection error"
        elif status >= 500:
            kind = "5xx"
        else:
            kind = "unexpected"
        self.samples.append((time.perf_counter(), op, status, seconds, kind))
        if kind not in ("ok", "expected 403") and len(self.errors) < 20:
            self.errors.append(f"{op}: {status} {str(answer)[:300]}")
        return kind == "ok"

    def send(self, op, expected, method, path, auth=None, body=None, expected_403=False):
        status, answer, seconds = self.http.call(method, path, auth=auth, body=body)
        ok = self.record(op, status, seconds, answer, expected, expected_403)
        return ok, answer

    def run_op(self, op):
        """Runs one operation; returns how many requests it sent."""
        own = self.world.own
        auth = basic(0, self.session)
        if op == "whoAmI":
            self.send(op, 200, "GET", WHO_AM_I, auth=auth)
            return 1
        if op == "whoAmI as client":
            client_id = self.rng.choice(self.world.office["reachable"])
            self.send(op, 200, "GET", WHO_AM_I, auth=basic(client_id, self.office_session), expected_403=True)
            return 1
        if op == "customer list":
            self.send(op, 200, "GET", "/v2/customer?count=20", auth=auth)
            return 1
        if op == "customer create":
            ok, answer = self.send(op, 201, "POST", "/v2/customer", auth=auth, body={"name": f"Fleet {self.index} AS"})
            if ok:
                self.customer_id = answer["value"]["id"]
            return 1
        if op == "customer update":
            path = f"/v2/customer/{self.customer_id}"
            ok, answer = self.send(op, 200, "GET", path, auth=auth)
            if not ok:
                return 1
            version = answer["value"]["version"]
            body = {"id": self.customer_id, "version": version, "name": f"Fleet {self.index} v{version + 1} AS"}
            self.send(op, 200, "PUT", path, auth=auth, body=body)
            return 2
        if op == "session create":
            ok, answer = self.send(op, 200, "PUT", session_path(own["consumerToken"], self.employee_token))
            if ok:
                self.session = answer["value"]["token"]
            return 1
        if op == "key regenerate":
            ok, answer = self.send(op, 200, "POST", f"/_sandbox/keys/{self.key_id}/regenerate")
            if not ok:
                return 1
            self.employee_token = answer["value"]["token"]
            ok, answer = self.send(op, 200, "PUT", session_path(own["consumerToken"], self.employee_token))
            if ok:
                self.session = answer["value"]["token"]
            return 2
        if op == "health (control)":
            self.send(op, 200, "GET", HEALTH)
            return 1
        if op == "consent toggle":
            client_id = self.rng.choice(self.world.office["reachable"])
            admin = self.world.consent[client_id]
            path = f"/_sandbox/clients/{client_id}/accountant"
            self.send(op, 200, "PUT", path, body={"apiAccess": False, "officeIsAdmin": admin})
            self.send(op, 200, "PUT", path, body={"apiAccess": True, "officeIsAdmin": admin})
            return 2
        raise AssertionError(op)

    def run(self):
        # Spread the clients over one interval so they do not send in step.
        next_at = time.perf_counter() + self.rng.random() * self.interval
        while True:
            now = time.perf_counter()
            if next_at > now:
                time.sleep(next_at - now)
            if time.perf_counter() >= self.deadline:
                return
            op = self.rng.choices(self.ops, self.weights)[0]
            sent = self.run_op(op)
            # Paced per request: an operation of two requests waits two intervals. A client
            # that fell behind does not burst to catch up.
            next_at = max(next_at + sent * self.interval, time.perf_counter() - self.interval)


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, math.ceil(p / 100.0 * len(sorted_values)) - 1))
    return sorted_values[k]


def measure_mix(binary, seconds, clients, rate, out):
    server = Server(binary)
    try:
        server.first_200()
        setup = Client(server.host, server.port)
        own, office = pick_credentials(setup)
        companies = setup.expect("companies", 200, "GET", "/_sandbox/companies")["values"]
        consent = {c["id"]: c["officeIsAdmin"] for c in companies if c["id"] in office["reachable"]}
        world = MixWorld(server, own, office, consent)
        samples, errors = [], []
        threads = [MixClient(i, world, rate, 0.0, samples, errors) for i in range(clients)]
        for t in threads:
            t.prepare()
        out(f"  {clients} clients ready (a key, sessions and a customer each); mixing for {seconds} s...")
        rss = {"start": server.rss_mb()}
        cpu = {"server": cpu_seconds(server.proc.pid), "harness": sum(os.times()[:2])}
        start = time.perf_counter()
        deadline = start + seconds
        for t in threads:
            t.deadline = deadline
            t.start()
        time.sleep(seconds / 2.0)
        rss["middle"] = server.rss_mb()
        for t in threads:
            t.join(timeout=seconds + 60)
        elapsed = time.perf_counter() - start
        rss["end"] = server.rss_mb()
        cpu = {
            "server": cpu_seconds(server.proc.pid) - cpu["server"],
            "harness": sum(os.times()[:2]) - cpu["harness"],
        }
        for client_id, admin in consent.items():
            setup.expect(
                "consent restore",
                200,
                "PUT",
                f"/_sandbox/clients/{client_id}/accountant",
                body={"apiAccess": True, "officeIsAdmin": admin},
            )
        customers = setup.expect(
            "customer list", 200, "GET", "/v2/customer?count=1&fields=id", auth=basic(0, threads[0].session)
        )
        return samples, errors, rss, cpu, elapsed, start, customers["fullResultSize"]
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------
# CI-shaped: a sandbox per test, a few clients

CI_OPS = ["sandbox create", "session create", "whoAmI", "customer create", "customer list", "customer update", "sandbox delete"]


def ci_trivial(host, port, seconds):
    """(op, seconds) of the trivial endpoint, asked back to back for `seconds`."""
    client, samples = Client(host, port), []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        status, answer, took = client.call("GET", HEALTH)
        if status != 200:
            raise BenchError(f"trivial: {status} {str(answer)[:200]}")
        samples.append(("trivial", took))
    return samples


def ci_test(client, label, samples):
    """One simulated test in a sandbox of its own; its calls' (op, seconds) appended."""

    def call(op, status, method, path, auth=None, body=None):
        got, answer, took = client.call(method, path, auth=auth, body=body)
        if got != status:
            raise BenchError(f"{op}: {method} {path} answered {got}, expected {status}: {str(answer)[:300]}")
        samples.append((op, took))
        return answer

    made = call("sandbox create", 201, "POST", "/_sandbox/sandboxes", body={})["value"]
    base = f"/sb/{made['id']}"
    credential = next(c for c in made["credentials"] if c["label"] == label)
    path = base + session_path(credential["consumerToken"], credential["employeeToken"])
    auth = basic(0, call("session create", 200, "PUT", path)["value"]["token"])
    call("whoAmI", 200, "GET", base + WHO_AM_I, auth=auth)
    created = call("customer create", 201, "POST", base + "/v2/customer", auth=auth, body={"name": "CI AS"})["value"]
    call("customer list", 200, "GET", base + "/v2/customer?count=20", auth=auth)
    customer = f"{base}/v2/customer/{created['id']}"
    version = call("customer update", 200, "GET", customer, auth=auth)["value"]["version"]
    body = {"id": created["id"], "version": version, "name": "CI AS v2"}
    call("customer update", 200, "PUT", customer, auth=auth, body=body)
    call("whoAmI", 200, "GET", base + WHO_AM_I, auth=auth)
    call("sandbox delete", 204, "DELETE", f"/_sandbox/sandboxes/{made['id']}")


def ci_tests(host, port, label, seconds):
    """Simulated tests back to back for `seconds`: (samples, tests run)."""
    client, samples, tests = Client(host, port), [], 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        ci_test(client, label, samples)
        tests += 1
    return samples, tests


def ci_label(client):
    """The label of the first own-company credential of a new sandbox that reads customers."""
    made = client.expect("sandbox create", 201, "POST", "/_sandbox/sandboxes", body={})["value"]
    base = f"/sb/{made['id']}"
    try:
        for c in made["credentials"]:
            if c.get("consumerToken") and not c["accountantKey"]:
                path = base + session_path(c["consumerToken"], c["employeeToken"])
                token = client.expect("session create", 200, "PUT", path)["value"]["token"]
                if client.call("GET", base + "/v2/customer?count=1", auth=basic(0, token))[0] == 200:
                    return c["label"]
    finally:
        client.expect("sandbox delete", 204, "DELETE", f"/_sandbox/sandboxes/{made['id']}")
    raise BenchError("no own-company credential of a new sandbox reads customers")


def ci_phase(pool_size, work, args):
    """Runs `work(*args)` in `pool_size` processes at once; their answers."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(pool_size) as pool:
        return pool.starmap(work, [args] * pool_size)


def measure_ci_shaped(binary, counts, seconds, out):
    server = Server(binary)
    try:
        server.first_200()
        label = ci_label(Client(server.host, server.port))
        out(f"  tests mint from {label!r}")
        for n in counts:
            trivial = [s for part in ci_phase(n, ci_trivial, (server.host, server.port, seconds)) for s in part]
            ran = ci_phase(n, ci_tests, (server.host, server.port, label, seconds))
            samples = [s for part, _ in ran for s in part]
            tests = sum(t for _, t in ran)
            base = statistics.mean(t for _, t in trivial)
            out()
            out(f"  {n} client(s): trivial endpoint {len(trivial) / seconds:.0f} requests/s, mean {base * 1000:.3f} ms;"
                f" {tests / seconds:.1f} tests/s, load average {os.getloadavg()[0]:.2f}")
            out(f"  {'call':<18}{'calls':>8}{'mean ms':>9}{'p99 ms':>9}{'ratio':>8}")
            for op in CI_OPS:
                took = sorted(t for o, t in samples if o == op)
                if took:
                    mean = statistics.mean(took)
                    out(f"  {op:<18}{len(took):>8}{mean * 1000:>9.3f}{percentile(took, 99) * 1000:>9.3f}{base / mean:>7.2f}x")
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------
# Reporting


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "tripletex-sandbox"))
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--mix-seconds", type=int, default=180, help="length of the mixed load (default 180)")
    parser.add_argument("--mix-clients", type=int, default=48, help="mixed-load client threads (default 48)")
    parser.add_argument("--mix-rate", type=float, default=10.0, help="requests/s per mixed-load client (default 10)")
    parser.add_argument("--only-spawn", action="store_true", help="measure spawn -> first 200 and RSS only")
    parser.add_argument("--spawns", type=int, default=5, help="starts of the binary in step 1 (default 5)")
    parser.add_argument("--only-webhooks", action="store_true", help="measure step 4 (webhooks) only")
    parser.add_argument("--ci-shaped", action="store_true", help="a sandbox per test, 1-4 clients (see above)")
    parser.add_argument("--ci-clients", default="1,2,4", help="client counts of --ci-shaped (default 1,2,4)")
    parser.add_argument("--ci-seconds", type=int, default=10, help="seconds of each --ci-shaped phase (default 10)")
    args = parser.parse_args()

    def out(line=""):
        print(line, flush=True)

    wrk = shutil.which("wrk")
    if not wrk and not args.only_spawn and not args.ci_shaped:
        sys.exit("load-bench: wrk is not installed (apt-get install wrk)")
    binary = os.path.abspath(args.binary)
    if not os.path.exists(binary):
        default = os.path.join(ROOT, "target", "release", "tripletex-sandbox")
        if binary != default:
            sys.exit(f"load-bench: no binary at {binary}")
        out("load-bench: no release binary; running cargo build --release")
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)

    checks = []  # (what, measured, target, passed)
    try:
        version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
        out(f"load-bench: {binary} ({version or 'version unknown'})")
        out(f"machine: {os.cpu_count()} cpus, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        out("figures on a shared machine are indicative; compare ratios, measured in the same run")
        out()

        if args.only_webhooks:
            measure_webhook_step(binary, wrk, args, out, checks)
            return report_checks(checks, out)
        if args.ci_shaped:
            counts = [int(n) for n in args.ci_clients.split(",")]
            out(f"CI-shaped: a sandbox per test, {args.ci_clients} client processes, {args.ci_seconds} s a phase")
            measure_ci_shaped(binary, counts, args.ci_seconds, out)
            return 0

        out(f"1. spawn -> first 200 of GET /_sandbox/health ({args.spawns} spawns)")
        times, rss = measure_spawn(binary, args.spawns)
        spawn_ms, spawn_rss = statistics.median(times), statistics.median(rss)
        out(f"  times ms: {', '.join(f'{t:.1f}' for t in times)}")
        out(f"  VmRSS MB: {', '.join(f'{r:.1f}' for r in rss)}")
        out()
        if args.only_spawn:
            spawn_ok, rss_ok = spawn_ms < SPAWN_TARGET_MS, spawn_rss < RSS_TARGET_MB
            checks.append(("spawn -> first 200", f"{spawn_ms:.1f} ms", f"<{SPAWN_TARGET_MS:.0f} ms", spawn_ok))
            checks.append(("RSS after start", f"{spawn_rss:.1f} MB", f"<{RSS_TARGET_MB:.0f} MB", rss_ok))
            return report_checks(checks, out)

        out(f"2. throughput: wrk -t2 -c{args.connections} -d{args.duration}s on one server")
        results, rss_after, customers = measure_throughput(
            binary, wrk, args.duration, args.connections, tempfile.mkdtemp(prefix="load-bench-"), out
        )
        first, last = results["trivial (first)"]["rps"], results["trivial (last)"]["rps"]
        trivial = (first + last) / 2.0
        out()
        out(f"  trivial endpoint GET {HEALTH}: first {first:.0f} rps, last {last:.0f} rps;")
        out(f"  ratios are to their mean, {trivial:.0f} rps (first/last differ by {abs(first - last) / trivial:.0%})")
        out()
        header = f"  {'call':<22}{'rps':>9}{'ratio':>8}{'target':>9}  {'result':<6}{'non-2xx':>9}{'sock err':>9}{'p50 ms':>8}{'p99 ms':>8}"
        out(header)
        out("  " + "-" * (len(header) - 2))
        for name, r in results.items():
            target = RATIO_TARGETS.get(name)
            ratio = r["rps"] / trivial
            if target is None:
                verdict, target_text = "", ""
                # A call without a ratio target still has to be answered as expected throughout.
                if r["non2xx"] or r["errors"]:
                    verdict = "FAIL"
                    checks.append((f"{name} answers", f"{r['non2xx'] + r['errors']} bad", "0 bad", False))
            else:
                passed = ratio >= target and r["non2xx"] == 0 and r["errors"] == 0
                verdict, target_text = ("pass" if passed else "FAIL"), f">={target:.2f}x"
                checks.append((name, f"{ratio:.2f}x", target_text, passed))
            bad = f"{r['non2xx']}" + (f" ({r['firstbad']})" if r["non2xx"] else "")
            out(
                f"  {name:<22}{r['rps']:>9.0f}{ratio:>7.2f}x{target_text:>9}  {verdict:<6}{bad:>9}{r['errors']:>9}"
                f"{r['p50_us'] / 1000:>8.2f}{r['p99_us'] / 1000:>8.2f}"
            )
        spawn_ok, rss_ok = spawn_ms < SPAWN_TARGET_MS, spawn_rss < RSS_TARGET_MB
        checks.append(("spawn -> first 200", f"{spawn_ms:.1f} ms", f"<{SPAWN_TARGET_MS:.0f} ms", spawn_ok))
        checks.append(("RSS after start", f"{spawn_rss:.1f} MB", f"<{RSS_TARGET_MB:.0f} MB", rss_ok))
        out(f"  {'spawn -> first 200':<22}{spawn_ms:>8.1f} ms (median){'':>3}<{SPAWN_TARGET_MS:.0f} ms  {'pass' if spawn_ok else 'FAIL'}")
        out(f"  {'RSS after start':<22}{spawn_rss:>8.1f} MB (median){'':>3}<{RSS_TARGET_MB:.0f} MB  {'pass' if rss_ok else 'FAIL'}")
        out(f"  (server after the runs: VmRSS {rss_after:.1f} MB, {customers} customers in the own company)")
        out()

        if args.mix_seconds > 0:
            out(
                f"3. mixed load: {args.mix_clients} clients x {args.mix_rate:g} req/s for {args.mix_seconds} s "
                "on a fresh server, default sandbox shared"
            )
            samples, errors, rss, cpu, elapsed, start, customers = measure_mix(
                binary, args.mix_seconds, args.mix_clients, args.mix_rate, out
            )
            offered = args.mix_clients * args.mix_rate
            report_mix(samples, errors, rss, cpu, elapsed, start, customers, out, checks, offered)
        measure_webhook_step(binary, wrk, args, out, checks)
    except BenchError as e:
        out(f"load-bench: cannot measure: {e}")
        return 2

    return report_checks(checks, out)


def measure_webhook_step(binary, wrk, args, out, checks):
    out(f"4. webhooks: customer create without and with 100 subscriptions to it (wrk -t2 -c{args.connections} -d{args.duration}s)")
    tmp = tempfile.mkdtemp(prefix="load-bench-")
    without, subscribed, pending = measure_webhooks(binary, wrk, args.duration, args.connections, tmp, out)
    ratio = subscribed["rps"] / without["rps"] if without["rps"] else 0.0
    clean = not (without["non2xx"] or without["errors"] or subscribed["non2xx"] or subscribed["errors"])
    passed = ratio >= WEBHOOK_RATIO_TARGET and clean
    out(f"  without subscriptions: {without['rps']:.0f} rps, p99 {without['p99_us'] / 1000:.2f} ms")
    out(f"  with 100 subscriptions: {subscribed['rps']:.0f} rps, p99 {subscribed['p99_us'] / 1000:.2f} ms ({pending} deliveries pending after)")
    out(f"  ratio {ratio:.2f}x (target >={WEBHOOK_RATIO_TARGET:.2f}x)  {'pass' if passed else 'FAIL'}")
    out()
    checks.append(("create, 100 subscriptions", f"{ratio:.2f}x", f">={WEBHOOK_RATIO_TARGET:.2f}x", passed))


def report_checks(checks, out):
    out("targets:")
    for what, measured, target, passed in checks:
        out(f"  {'pass' if passed else 'FAIL'}  {what:<24}{measured:>12}  (target {target})")
    missed = [c for c in checks if not c[3]]
    out(f"{len(checks) - len(missed)} of {len(checks)} targets met")
    return 1 if missed else 0


def report_mix(samples, errors, rss, cpu, elapsed, start, customers, out, checks, offered):
    latencies = sorted(s[3] * 1000.0 for s in samples)
    total = len(samples)
    out()
    if not samples:
        out("  no requests were sent")
        checks.append(("mixed load p99", "no requests", f"<{MIX_P99_TARGET_MS:.0f} ms", False))
        return
    out(
        f"  {total} requests in {elapsed:.1f} s: {total / elapsed:.0f} requests/s "
        f"(offered {offered:.0f}; clients fall behind, without bursting, when answers are slow)"
    )
    out(
        "  latency ms: p50 {:.2f}  p90 {:.2f}  p99 {:.2f}  max {:.2f}".format(
            percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99), latencies[-1]
        )
    )
    classes = {}
    for s in samples:
        status = s[2]
        name = "socket error" if status == 0 else f"{status // 100}xx"
        classes[name] = classes.get(name, 0) + 1
    out("  by status class: " + ", ".join(f"{k} {v}" for k, v in sorted(classes.items())))
    kinds = {}
    for s in samples:
        kinds[s[4]] = kinds.get(s[4], 0) + 1
    out(
        "  as expected: {}; expected 403 (consent off): {}; unexpected: {}; 5xx: {}; socket errors: {}".format(
            kinds.get("ok", 0),
            kinds.get("expected 403", 0),
            kinds.get("unexpected", 0),
            kinds.get("5xx", 0),
            kinds.get("connection error", 0),
        )
    )
    out()
    out(f"  {'operation':<20}{'requests':>9}{'failed':>8}{'exp.403':>8}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}{'max ms':>8}")
    for op in MIX_WEIGHTS:
        mine = [s for s in samples if s[1] == op]
        lat = sorted(s[3] * 1000.0 for s in mine)
        failed = sum(1 for s in mine if s[4] not in ("ok", "expected 403"))
        expected_403 = sum(1 for s in mine if s[4] == "expected 403")
        if not lat:
            continue
        out(
            f"  {op:<20}{len(mine):>9}{failed:>8}{expected_403:>8}{percentile(lat, 50):>8.2f}"
            f"{percentile(lat, 90):>8.2f}{percentile(lat, 99):>8.2f}{lat[-1]:>8.2f}"
        )
    thirds = []
    for i in range(3):
        lo, hi = start + elapsed * i / 3, start + elapsed * (i + 1) / 3
        lat = sorted(s[3] * 1000.0 for s in samples if lo <= s[0] < hi)
        thirds.append(f"{percentile(lat, 99):.2f}")
    out(f"  p99 ms by third of the run: {' / '.join(thirds)}")
    out(f"  VmRSS MB: start {rss['start']:.1f}, middle {rss['middle']:.1f}, end {rss['end']:.1f}")
    out(f"  customers in the shared company at the end: {customers}")
    out(
        f"  CPU during the mix: server {cpu['server'] / elapsed:.0%} of one core, "
        f"harness {cpu['harness'] / elapsed:.0%} of one core"
    )
    out("  (latency is measured in the Python clients, GIL and scheduling included;")
    out("   'health (control)' is the trivial endpoint through the same clients, the noise floor)")
    if errors:
        out("  first failures:")
        for e in errors[:10]:
            out(f"    {e}")
    out()
    p99 = percentile(latencies, 99)
    failures = kinds.get("unexpected", 0) + kinds.get("5xx", 0) + kinds.get("connection error", 0)
    checks.append(("mixed load p99", f"{p99:.2f} ms", f"<{MIX_P99_TARGET_MS:.0f} ms", p99 < MIX_P99_TARGET_MS))
    checks.append(("mixed load failures", f"{failures}", "0", failures == 0))


if __name__ == "__main__":
    sys.exit(main())
