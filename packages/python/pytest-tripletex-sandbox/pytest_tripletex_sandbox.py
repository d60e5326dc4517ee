"""pytest plugin for testing an integration against tripletex-sandbox, an offline emulator of the
Tripletex API v2. Installed with ``pip install pytest-tripletex-sandbox`` (which brings the
``tripletex-sandbox`` binary); pytest loads it by itself. HTTP goes through the standard library.

Fixtures:

- ``tripletex_emulator`` (session): one emulator for the whole run. With ``TRIPLETEX_SANDBOX_URL``
  set (e.g. ``http://127.0.0.1:8080``) it uses that one; otherwise it starts ``tripletex-sandbox
  serve --port 0`` (``TRIPLETEX_SANDBOX_BIN``, else the binary installed beside this Python, else
  the one on PATH), reads its address from the ``listening on`` line, waits for ``ready:`` and
  stops it at the end. ``TRIPLETEX_SANDBOX_ADMIN_TOKEN`` is sent with every request, for an
  emulator serving off loopback (a container).
- ``tripletex_sandbox``: a world of the test's own in that emulator, made from a named scenario and
  deleted after the test. The default scenario is ``quickstart``; choose another with
  ``@pytest.mark.tripletex_scenario("client-without-api-access")`` or
  ``@pytest.mark.parametrize("tripletex_sandbox", ["quickstart", ...], indirect=True)``.
- ``tripletex_session``: a session token minted for the sandbox's first credential of a
  company's own key (``tripletex_sandbox.session(credential)`` mints one for any other).
- ``tripletex_control``: the sandbox's control plane, ``control(method, path, body=None)``.
- ``tripletex_webhook_receiver``: an HTTP server on loopback that keeps every webhook the sandbox
  posts to it (``receiver.url(path)``, ``receiver.wait_for(n)``).

The sandbox also verifies what was called (``verify(calls)``, ``journal_count(**filters)``, see
docs/verify.md) and reports the least access a key needed (``required_access(key_id)``).
"""

import base64
import datetime
import json
import os
import queue
import re
import shutil
import subprocess
import sysconfig
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import pytest

START_TIMEOUT = float(os.environ.get("TRIPLETEX_SANDBOX_START_TIMEOUT", "60"))


def http(method, url, body=None, auth=None, timeout=30):
    """One request; answers ``(status, parsed JSON or None, headers)``. 4xx/5xx are answers, not exceptions."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if os.environ.get("TRIPLETEX_SANDBOX_ADMIN_TOKEN"):  # an emulator serving off loopback
        req.add_header("X-Sandbox-Admin-Token", os.environ["TRIPLETEX_SANDBOX_ADMIN_TOKEN"])
    if auth is not None:
        user, password = auth
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw, headers = resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as err:
        status, raw, headers = err.code, err.read(), err.headers
    return status, (json.loads(raw) if raw else None), headers


@dataclass
class Emulator:
    url: str  # e.g. http://127.0.0.1:43073, no trailing slash


@dataclass
class Sandbox:
    id: str
    scenario: str
    base_url: str  # point your integration at base_url + "/v2"
    credentials: list = field(default_factory=list)

    @property
    def v2(self):
        return self.base_url + "/v2"

    def credential(self, accountant_key=False):
        """The scenario's first credential of that kind (a company's own key, or an office key)."""
        return next(c for c in self.credentials if c["accountantKey"] == accountant_key)

    def session(self, credential, days=7):
        """Mint a session token for a credential, as an integration does first."""
        expires = (datetime.date.today() + datetime.timedelta(days=days)).isoformat()
        status, body, _ = http(
            "PUT",
            f"{self.v2}/token/session/:create?consumerToken={credential['consumerToken']}"
            f"&employeeToken={credential['employeeToken']}&expirationDate={expires}",
        )
        assert status == 200, body
        return body["value"]["token"]

    def get(self, path, token, company=0):
        """GET /v2{path} with Basic auth: username the company id (0 = the key's own), password the session token."""
        return http("GET", self.v2 + path, auth=(company, token))

    def call(self, method, path, token, body=None, company=0):
        """Any method on /v2{path} with Basic auth, and a JSON body if given."""
        return http(method, self.v2 + path, body, auth=(company, token))

    def control(self, method, path, body=None):
        """This sandbox's control plane (what a person does in Tripletex's web UI), /_sandbox{path}."""
        return http(method, f"{self.base_url}/_sandbox{path}", body)

    def verify(self, calls):
        """``POST /_sandbox/verify``: each pattern's count must hold. Answers the per-pattern
        results; fails the test with the emulator's account of what differed (near misses) if not."""
        status, body, _ = self.control("POST", "/verify", {"calls": calls})
        if status != 200:
            messages = [m["message"] for m in (body or {}).get("validationMessages") or []]
            pytest.fail("verify: " + ("\n".join(messages) or str(body)), pytrace=False)
        return body["values"]

    def journal_count(self, **filters):
        """``GET /_sandbox/journal/count`` with the journal's filters (method, path, template,
        status, company, key, since, until, param, body): how many calls matched."""
        query = urllib.parse.urlencode({name: str(value) for name, value in filters.items()})
        status, body, _ = self.control("GET", f"/journal/count?{query}")
        assert status == 200, body
        return body["value"]["count"]

    def required_access(self, key_id):
        """``GET /_sandbox/journal/required-access``: the least set of accesses that allowed the
        key's calls, each with the calls that needed it, and its refused calls."""
        status, body, _ = self.control("GET", f"/journal/required-access?key={key_id}")
        assert status == 200, body
        return body["value"]


def _start(binary):
    try:
        proc = subprocess.Popen(
            [binary, "serve", "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    except FileNotFoundError:
        pytest.exit(
            f"cannot run {binary!r}: pip install tripletex-sandbox, or set TRIPLETEX_SANDBOX_BIN to the "
            "binary's path, or TRIPLETEX_SANDBOX_URL to an emulator already running",
            returncode=2,
        )
    lines = queue.Queue()

    def pump():  # keeps reading after `ready:` too, so the pipe never fills up
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    url, seen = None, []
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=START_TIMEOUT)
    while True:
        left = (deadline - datetime.datetime.now()).total_seconds()
        try:
            line = lines.get(timeout=max(left, 0.01))
        except queue.Empty:
            line = None
            seen.append(f"(no ready: line after {START_TIMEOUT:.0f} s)\n")
        if line is None:
            proc.kill()
            code = proc.wait()
            raise RuntimeError(f"{binary} serve did not become ready (exit {code}):\n" + "".join(seen))
        seen.append(line)
        match = re.match(r"listening on (http://\S+)", line)
        if match:
            url = match.group(1).rstrip("/")
        if line.startswith("ready:") and url:
            return proc, url


def binary():
    """The binary to start: $TRIPLETEX_SANDBOX_BIN, else the one the tripletex-sandbox wheel put
    beside this Python (found even when its bin directory is not on PATH), else PATH's."""
    if os.environ.get("TRIPLETEX_SANDBOX_BIN"):
        return os.environ["TRIPLETEX_SANDBOX_BIN"]
    beside = shutil.which("tripletex-sandbox", path=sysconfig.get_path("scripts"))
    return beside or shutil.which("tripletex-sandbox") or "tripletex-sandbox"


@pytest.fixture(scope="session")
def tripletex_emulator():
    url = os.environ.get("TRIPLETEX_SANDBOX_URL")
    if url:
        yield Emulator(url.rstrip("/"))
        return
    proc, url = _start(binary())
    try:
        yield Emulator(url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def tripletex_sandbox(request, tripletex_emulator):
    marker = request.node.get_closest_marker("tripletex_scenario")
    scenario = getattr(request, "param", None) or (marker.args[0] if marker else "quickstart")
    url = tripletex_emulator.url
    status, body, _ = http("POST", url + "/_sandbox/sandboxes", {"scenario": scenario})
    assert status == 201, body
    value = body["value"]
    box = Sandbox(value["id"], value["scenario"], value["baseUrl"], value["credentials"])
    yield box
    status, body, _ = http("DELETE", f"{url}/_sandbox/sandboxes/{box.id}")
    assert status == 204, body


@pytest.fixture
def tripletex_session(tripletex_sandbox):
    """A session token for the sandbox's first credential of a company's own key."""
    return tripletex_sandbox.session(tripletex_sandbox.credential(accountant_key=False))


@pytest.fixture
def tripletex_control(tripletex_sandbox):
    """The sandbox's control plane: ``control(method, path, body=None)`` → (status, JSON, headers)."""
    return tripletex_sandbox.control


class Receiver:
    """A webhook receiver on loopback for event subscriptions (see docs/webhooks.md): every
    webhook is kept as ``(path, headers, body)`` in ``received`` and answered 204."""

    def __init__(self):
        import http.server

        received, arrived = [], threading.Condition()

        class Hook(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with arrived:
                    received.append((self.path, dict(self.headers), json.loads(raw) if raw else None))
                    arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.received, self._arrived = received, arrived
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path="/"):
        return f"http://127.0.0.1:{self._server.server_port}{path}"

    def wait_for(self, count, timeout=10):
        """The first ``count`` webhooks, waiting for them up to ``timeout`` seconds."""
        with self._arrived:
            assert self._arrived.wait_for(lambda: len(self.received) >= count, timeout), self.received
            return self.received[:count]

    def close(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def tripletex_webhook_receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "tripletex_scenario(name): the scenario the test's tripletex_sandbox is made from"
    )
