// An event subscription end to end: the sandbox posts each webhook to a receiver on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator, startReceiver } from 'tripletex-sandbox';

const emulator = useEmulator();

test('a created customer reaches the subscription\'s receiver', async (t) => {
  const sandbox = await emulator.sandbox(t);
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const token = await sandbox.session(sandbox.credentials[0]);

  let { status, body } = await sandbox.call('POST', '/event/subscription', token, {
    event: 'customer.create', targetUrl: receiver.url('/hooks'), fields: 'id,name',
    authHeaderName: 'Authorization', authHeaderValue: 'Bearer abc123',
  });
  assert.equal(status, 201, JSON.stringify(body));
  const subscription = body.value.id;

  ({ status, body } = await sandbox.call('POST', '/customer', token, { name: 'Webhook AS' }));
  assert.equal(status, 201, JSON.stringify(body));
  const customer = body.value.id;

  const webhook = await receiver.next();
  assert.equal(webhook.path, '/hooks');
  assert.equal(webhook.headers.authorization, 'Bearer abc123');
  assert.deepEqual(webhook.body, {
    subscriptionId: subscription, event: 'customer.create', id: customer,
    value: { id: customer, name: 'Webhook AS' },
  });
});

test('a failing receiver is retried when the sandbox clock reaches the retry', async (t) => {
  const sandbox = await emulator.sandbox(t);
  const token = await sandbox.session(sandbox.credentials[0]);
  // A port nothing listens on: every attempt fails until a receiver is there.
  const gone = await startReceiver();
  const closed = gone.url('/');
  await gone.close();
  await sandbox.call('POST', '/event/subscription', token, { event: 'product.create', targetUrl: closed });
  await sandbox.call('POST', '/product', token, { name: 'Brød' });

  let delivery;
  for (let tries = 0; tries < 200; tries += 1) {
    ({ body: { values: [delivery] } } = await sandbox.control('GET', '/webhooks/deliveries'));
    if (delivery?.attempts === 1) break;
    await new Promise((wake) => setTimeout(wake, 50));
  }
  assert.equal(delivery.state, 'PENDING', JSON.stringify(delivery));
  assert.ok(delivery.nextAttemptAt, 'a retry is scheduled on the sandbox clock');

  await sandbox.control('PUT', '/clock', { advance: 'PT1M' });
  for (let tries = 0; tries < 200 && delivery.attempts < 2; tries += 1) {
    await new Promise((wake) => setTimeout(wake, 50));
    ({ body: { values: [delivery] } } = await sandbox.control('GET', '/webhooks/deliveries'));
  }
  assert.equal(delivery.attempts, 2, JSON.stringify(delivery));
});
