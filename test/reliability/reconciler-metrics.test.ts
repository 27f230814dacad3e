/**
 * The reconciler's EMF counts (functions/stripe-reconciler.ts `reconcileNow`): what one run applied,
 * ignored and found already applied, as the metrics operators watch. A private Stripe emulator whose
 * webhook endpoint is down (as in reconciler.test.ts) leaves events only the reconciler can apply.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCheckout } from '../../functions/core/checkout';
import { createPackage } from '../../functions/core/packages';
import { newId } from '../../functions/shared/ids';
import { observeMetrics, setMetricsSink } from '../../functions/shared/metrics';
import { createStripe } from '../../functions/stripe/client';
import { reconcileNow } from '../../functions/stripe-reconciler';
import { startStripeEmulator, type StripeEmulator } from '../../local/stripe-emulator';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/stripe-emulator/testing';
import { api, practiceProfile } from '../support/api';
import { store } from '../support/invoicing';
import { newPracticeId } from '../support/store';

let emulator: StripeEmulator;
let down: WebhookReceiver;
let stripe: Stripe;
const lines: string[] = [];
let stop: () => void;

beforeAll(async () => {
  down = await startWebhookReceiver({ statuses: Array.from({ length: 1000 }, () => 500) });
  emulator = await startStripeEmulator({ port: 0, webhookUrls: [down.url], webhookRetryDelaysMs: [20, 40] });
  stripe = await createStripe({ apiKey: 'sk_test_emulator', apiBase: emulator.url });
  setMetricsSink(() => undefined);
  stop = observeMetrics((line) => lines.push(line));
});
afterAll(async () => {
  stop();
  setMetricsSink((line) => process.stdout.write(`${line}\n`));
  await emulator.stop();
  await down.close();
});

/** The total of one metric the reconciler counted since `from` (an index into the EMF lines). */
const total = (name: string, from: number) =>
  lines
    .slice(from)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((emf) => emf.service === 'stripe-reconciler' && typeof emf[name] === 'number')
    .reduce((sum, emf) => sum + (emf[name] as number), 0);

describe('the reconciler counts what it did (EMF)', () => {
  it("a run applying missed events counts them applied; the next run counts them duplicate; the figures are the run's own", async () => {
    // Prepare: two package sales while the webhook endpoint is down for the whole retry schedule.
    const practiceId = newPracticeId();
    await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() });
    const { pkg } = await createPackage(
      { store, stripe },
      practiceId,
      { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd' },
      newId('k'),
    );
    for (let i = 0; i < 2; i += 1) {
      const started = await startCheckout({ store, stripe, publicUrl: 'http://127.0.0.1:3000' }, practiceId, pkg.packageId, { email: `${newId('rm')}@client.example`, name: 'Jane Buyer' });
      const paid = await fetch(`${emulator.url}/checkout/${started.checkoutSessionId}/pay`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ outcome: 'succeeded' }),
      });
      expect(paid.status).toBe(200);
    }
    await emulator.waitForWebhooks(15_000);

    // Act
    const mark = lines.length;
    const first = await reconcileNow(new Date(), { stripe: async () => stripe });
    const between = lines.length;
    const second = await reconcileNow(new Date(), { stripe: async () => stripe });

    // Assess
    expect(first.applied).toBeGreaterThanOrEqual(2);
    expect({
      applied: total('StripeEventApplied', mark) - total('StripeEventApplied', between),
      ignored: total('StripeEventIgnored', mark) - total('StripeEventIgnored', between),
      duplicate: total('StripeEventDuplicate', mark) - total('StripeEventDuplicate', between),
    }).toEqual({ applied: first.applied, ignored: first.ignored, duplicate: first.alreadyApplied });
    expect(second.applied).toBe(0);
    expect({ applied: total('StripeEventApplied', between), duplicate: total('StripeEventDuplicate', between) }).toEqual({ applied: 0, duplicate: second.alreadyApplied });
    expect(second.alreadyApplied).toBeGreaterThanOrEqual(first.applied);
  });
});
