// Asserting what an integration called, the way WireMock's verify does (see docs/verify.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator } from 'tripletex-sandbox';

const emulator = useEmulator();

test('verify counts the calls and names the nearest on a mismatch', async (t) => {
  const sandbox = await emulator.sandbox(t);
  const token = await sandbox.session(sandbox.credential());
  const { status, body } = await sandbox.call('POST', '/customer', token, { name: 'Acme AS' });
  assert.equal(status, 201, JSON.stringify(body));

  assert.equal(await sandbox.count({ method: 'POST', template: '/customer', body: 'name=Acme AS' }), 1);
  await sandbox.verify(
    { method: 'POST', path: '/customer', body: [{ path: 'name', equals: 'Acme AS' }], count: 1 },
    { method: 'DELETE', path: '/customer/{id}', atMost: 0 },
  );

  await assert.rejects(
    sandbox.verify({ method: 'POST', path: '/customer', body: [{ path: 'name', equals: 'Other AS' }] }),
    /POST \/v2\/customer/, // the nearest call, with what differs
  );
});
