// node:test helpers for testing an integration against tripletex-sandbox, an offline emulator of
// the Tripletex API v2. This package holds the emulator's linux-x64 binary (bin/tripletex-sandbox,
// also on the PATH of npm scripts as `tripletex-sandbox`) and these helpers; Node's built-ins only.
//
//   import { test } from 'node:test';
//   import { useEmulator } from 'tripletex-sandbox';
//   const emulator = useEmulator();              // one emulator for this file (before/after hooks)
//   test('…', async (t) => {
//     const sandbox = await emulator.sandbox(t, 'quickstart');  // deleted when the test ends
//     const token = await sandbox.session(sandbox.credentials[0]);
//     const { status, body } = await sandbox.get('/token/session/%3EwhoAmI', token);
//   });
//
// With TRIPLETEX_SANDBOX_URL set (e.g. http://127.0.0.1:8080) it uses that emulator; otherwise it
// starts `serve --port 0` of $TRIPLETEX_SANDBOX_BIN (default: the binary in this package), reads
// the address from the `listening on` line, waits for the `ready:` line and stops it after the
// file. `node --test` runs each file in a process of its own, so each file starts its own
// emulator unless TRIPLETEX_SANDBOX_URL names a shared one.

import { before, after } from 'node:test';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The binary this package carries (absent in a checkout before `npm pack` is prepared). */
export const packagedBinary = fileURLToPath(new URL('./bin/tripletex-sandbox', import.meta.url));

function defaultBinary() {
  return process.env.TRIPLETEX_SANDBOX_BIN ?? (existsSync(packagedBinary) ? packagedBinary : 'tripletex-sandbox');
}

const START_TIMEOUT_MS = Number(process.env.TRIPLETEX_SANDBOX_START_TIMEOUT ?? 60) * 1000;

/** One request; resolves to { status, body (parsed JSON or null), headers }. 4xx/5xx are answers. */
export async function http(method, url, { body, auth } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  // An emulator serving off loopback (a container) asks for its admin token on /_sandbox.
  if (process.env.TRIPLETEX_SANDBOX_ADMIN_TOKEN) headers['x-sandbox-admin-token'] = process.env.TRIPLETEX_SANDBOX_ADMIN_TOKEN;
  if (auth) headers.authorization = 'Basic ' + Buffer.from(`${auth[0]}:${auth[1]}`).toString('base64');
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** Starts `binary serve --port 0`; resolves to { url, stop() } once the `ready:` line is printed. */
export function startEmulator(binary = defaultBinary()) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const seen = [];
    let url = null;
    let ready = false;
    const fail = (why) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${binary} serve did not become ready: ${why}\n${seen.join('\n')}`));
    };
    const timer = setTimeout(() => fail(`no ready: line after ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    child.on('error', (err) =>
      fail(`${err.message} (set TRIPLETEX_SANDBOX_BIN to the binary's path, ` +
        'or set TRIPLETEX_SANDBOX_URL to an emulator already running)'));
    child.on('exit', (code, signal) => { if (!ready) fail(`exited (${signal ?? code})`); });
    child.stderr.on('data', (chunk) => seen.push(String(chunk).trimEnd()));
    // Keeps reading after `ready:` too, so the pipe never fills up.
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (ready) return;
      seen.push(line);
      const match = /^listening on (http:\/\/\S+)/.exec(line);
      if (match) url = match[1].replace(/\/$/, '');
      if (line.startsWith('ready:') && url) {
        ready = true;
        clearTimeout(timer);
        resolve({
          url,
          stop: () => new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
        });
      }
    });
  });
}

/** A sandbox made from `scenario` in the emulator at `url`: { id, scenario, baseUrl, v2, credentials, … }. */
export async function createSandbox(url, scenario = 'quickstart') {
  const { status, body } = await http('POST', `${url}/_sandbox/sandboxes`, { body: { scenario } });
  if (status !== 201) throw new Error(`creating a ${scenario} sandbox: ${status} ${JSON.stringify(body)}`);
  const { id, baseUrl, credentials } = body.value;
  const v2 = `${baseUrl}/v2`;
  return {
    id,
    scenario: body.value.scenario,
    baseUrl, // point your integration at baseUrl + '/v2'
    v2,
    credentials,
    /** The scenario's first credential of that kind (a company's own key, or an office key). */
    credential: ({ accountantKey = false } = {}) => credentials.find((c) => c.accountantKey === accountantKey),
    /** Mints a session token for a credential, as an integration does first. */
    async session(credential, days = 7) {
      const expires = new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
      const { status, body } = await http('PUT', `${v2}/token/session/:create?consumerToken=${credential.consumerToken}` +
        `&employeeToken=${credential.employeeToken}&expirationDate=${expires}`);
      if (status !== 200) throw new Error(`session: ${status} ${JSON.stringify(body)}`);
      return body.value.token;
    },
    /** GET /v2{path}: Basic auth with the company id as username (0 = the key's own), the token as password. */
    get: (path, token, company = 0) => http('GET', v2 + path, { auth: [company, token] }),
    /** Any method on /v2{path}, with a JSON body if given. */
    call: (method, path, token, body, company = 0) => http(method, v2 + path, { body, auth: [company, token] }),
    /** This sandbox's control plane (what a person does in Tripletex's web UI), /_sandbox{path}. */
    control: (method, path, body) => http(method, `${baseUrl}/_sandbox${path}`, { body }),
    /** How many /v2 calls the journal holds that match every filter (docs/verify.md): count({ method: 'POST', template: '/customer' }). */
    async count(filters = {}) {
      const { status, body } = await http('GET', `${baseUrl}/_sandbox/journal/count?${new URLSearchParams(filters)}`);
      if (status !== 200) throw new Error(`count: ${status} ${JSON.stringify(body)}`);
      return body.value.count;
    },
    /**
     * Asserts the integration made these calls (POST /_sandbox/verify); each pattern has method, path (or
     * template), query, body [{ path, equals }], status and count / atLeast / atMost. Throws with every
     * mismatch and the nearest calls seen.
     */
    async verify(...calls) {
      const { status, body } = await http('POST', `${baseUrl}/_sandbox/verify`, { body: { calls } });
      if (status !== 200) {
        const lines = (body?.validationMessages ?? []).map((m) => m.message);
        throw new Error(`verify failed:\n${lines.length ? lines.join('\n') : JSON.stringify(body)}`);
      }
      return body.values;
    },
  };
}

export async function deleteSandbox(url, id) {
  const { status, body } = await http('DELETE', `${url}/_sandbox/sandboxes/${id}`);
  if (status !== 204) throw new Error(`deleting sandbox ${id}: ${status} ${JSON.stringify(body)}`);
}

/**
 * Registers before/after hooks that start (or reuse) one emulator for this test file. The answer's
 * `sandbox(t, scenario)` gives a test a sandbox of its own, deleted when the test `t` ends.
 */
export function useEmulator() {
  let emulator = null;
  before(async () => {
    const shared = process.env.TRIPLETEX_SANDBOX_URL;
    emulator = shared ? { url: shared.replace(/\/$/, ''), stop: async () => {} } : await startEmulator();
  });
  after(async () => { await emulator?.stop(); });
  return {
    get url() { return emulator.url; },
    async sandbox(t, scenario = 'quickstart') {
      const sandbox = await createSandbox(emulator.url, scenario);
      t.after(() => deleteSandbox(emulator.url, sandbox.id));
      return sandbox;
    },
  };
}

/**
 * A webhook receiver on loopback for event subscriptions (see docs/webhooks.md): resolves to
 * { url(path), received, next(timeoutMs), close() }; each webhook is { path, headers, body }.
 * It answers every webhook 204.
 */
export function startReceiver() {
  const received = [];
  const waiting = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => { text += chunk; });
    req.on('end', () => {
      received.push({ path: req.url, headers: req.headers, body: text ? JSON.parse(text) : null });
      res.writeHead(204).end();
      waiting.splice(0).forEach((wake) => wake());
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      let taken = 0;
      resolve({
        url: (path = '/') => `http://127.0.0.1:${port}${path}`,
        received,
        /** The next webhook not yet taken, waiting for it up to timeoutMs. */
        async next(timeoutMs = 10_000) {
          const deadline = Date.now() + timeoutMs;
          while (received.length <= taken) {
            if (Date.now() > deadline) throw new Error(`no webhook within ${timeoutMs} ms`);
            await new Promise((wake) => { waiting.push(wake); setTimeout(wake, 50); });
          }
          return received[taken++];
        },
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}
