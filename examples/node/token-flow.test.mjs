// What an integration does first, each test in a sandbox of its own (the tripletex-sandbox package's helpers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator } from 'tripletex-sandbox';

const emulator = useEmulator();

for (const scenario of ['quickstart', 'client-without-api-access']) {
  test(`token flow (${scenario})`, async (t) => {
    // consumer token + employee token -> session token -> Basic auth "0:<token>" (the key's own company)
    const sandbox = await emulator.sandbox(t, scenario);
    const credential = sandbox.credentials[0];
    const token = await sandbox.session(credential);

    const { status, body, headers } = await sandbox.get('/token/session/%3EwhoAmI', token);

    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.value.companyId, credential.companyId);
    assert.equal(body.value.employeeId, credential.employeeId);
    assert.ok(headers.has('x-tripletex-sandbox')); // an emulator's answer, never Tripletex's
  });
}

test('an office key acts as its client', async (t) => {
  const sandbox = await emulator.sandbox(t); // quickstart
  const office = sandbox.credential({ accountantKey: true });
  const token = await sandbox.session(office);

  let { status, body } = await sandbox.get('/company/%3EwithLoginAccess?fields=id,name', token);
  assert.equal(status, 200, JSON.stringify(body));
  const clients = body.values.map((company) => company.id);
  assert.deepEqual(clients, office.clients);

  // A client's company id as the Basic-auth username: the same session, acting in the client.
  const client = clients[0];
  ({ status, body } = await sandbox.get('/token/session/%3EwhoAmI', token, client));
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.value.companyId, client);
  assert.equal(body.value.employeeIsProxy, true);

  ({ status, body } = await sandbox.get('/customer?fields=id,name&count=5', token, client));
  assert.equal(status, 200, JSON.stringify(body));
  assert.ok(body.values.length > 0, "the client's seed customers");
});
