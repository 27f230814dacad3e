/**
 * The emulator's state file (`stateFile`, what `npm start` keeps in `<data dir>/stripe-emulator.json`):
 * a new emulator on the same file holds what the last one held, as Stripe does across any restart
 * of ours — objects, idempotency keys — and delivers the events whose webhooks had not been
 * received yet (Stripe retries an undelivered event for up to three days).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import { startStripeEmulator } from '../../local/stripe-emulator';
import { startWebhookReceiver } from '../../local/stripe-emulator/testing';

const dir = mkdtempSync(join(tmpdir(), 'kneadpay-emulator-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sdk = (port: number) => new Stripe('sk_test_emulator', { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });

describe('the Stripe emulator with a state file', () => {
  it('a new emulator on the same file has the objects and keys, and delivers the webhooks the last one had not', async () => {
    // Prepare: a customer made with a key; its customer.created webhook refused by the endpoint (500).
    const stateFile = join(dir, 'state.json');
    const down = await startWebhookReceiver({ statuses: [500, 500, 500] });
    const first = await startStripeEmulator({ webhookUrls: [down.url], webhookRetryDelaysMs: [60_000], stateFile });
    const customer = await sdk(first.port).customers.create({ email: 'jane@client.example' }, { idempotencyKey: 'state-test-1' });
    await down.waitFor((hook) => hook.event.type === 'customer.created');
    await first.stop();
    await down.close();

    // Act
    const up = await startWebhookReceiver();
    const second = await startStripeEmulator({ webhookUrls: [up.url], stateFile });
    try {
      const again = await sdk(second.port).customers.retrieve(customer.id);
      const replayed = await sdk(second.port).customers.create({ email: 'jane@client.example' }, { idempotencyKey: 'state-test-1' });
      const delivered = await up.waitFor((hook) => hook.event.type === 'customer.created');

      // Assess
      expect(again).toMatchObject({ id: customer.id, email: 'jane@client.example' });
      expect(replayed.id).toBe(customer.id);
      expect((delivered.event.data.object as { id: string }).id).toBe(customer.id);
      expect(second.events().filter((event) => event.type === 'customer.created')).toHaveLength(1);
    } finally {
      await second.stop();
      await up.close();
    }
  });
});
