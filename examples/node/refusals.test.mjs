// A refusal and its remedy, in a scenario where Tripletex refuses (the tripletex-sandbox package's helpers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator } from 'tripletex-sandbox';

const emulator = useEmulator();

test('a client that has not ticked «API-tilgang» is refused until it does', async (t) => {
  const sandbox = await emulator.sandbox(t, 'client-without-api-access');
  const token = await sandbox.session(sandbox.credential({ accountantKey: true }));
  const client = 5201; // Treig Transport AS in this scenario: linked to the office key, «API-tilgang» not ticked

  let { status, body } = await sandbox.get('/token/session/%3EwhoAmI', token, client);
  assert.equal(status, 403);
  assert.equal(body.status, 403);
  assert.equal(body.code, 9000);
  assert.match(body.developerMessage, /\(rule: client_allows_api_access\)/);
  assert.match(body.developerMessage, /«API-tilgang»/); // the remedy, in the product's own words

  // The remedy, as the client's administrator would do it in the web UI.
  ({ status, body } = await sandbox.control('PUT', `/clients/${client}/accountant`, { apiAccess: true }));
  assert.equal(status, 200, JSON.stringify(body));

  ({ status, body } = await sandbox.get('/token/session/%3EwhoAmI', token, client));
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.value.companyId, client);
});
