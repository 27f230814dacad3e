/**
 * Stripe fact (DOMAIN.md §7; Stripe changelog 2022-11-15): a Charge's `refunds` list is not in event
 * payloads any more, so kneadpay lists the refunds itself when `charge.refunded` arrives.
 */
import { describe, expect, it } from 'vitest';
import { emulator, stripe } from '../support/invoicing';
import { paidPurchase, purchasesOf, settleWebhooks } from '../support/purchase-flow';

describe('charge.refunded without a refunds list', () => {
  it('the event carries no refunds; kneadpay lists them (GET /v1/refunds?charge=…) and applies each once', async () => {
    const { practiceId, clientId, paymentIntent } = await paidPurchase();
    const charge = String((await stripe.paymentIntents.retrieve(paymentIntent)).latest_charge);

    await stripe.refunds.create({ payment_intent: paymentIntent, amount: 42500 });
    await settleWebhooks();

    const [event] = (await stripe.events.list({ type: 'charge.refunded', limit: 100 })).data.filter((e) => (e.data.object as { id: string }).id === charge);
    expect(event).toBeDefined();
    expect((event!.data.object as { refunds?: unknown }).refunds).toBeUndefined();
    const listed = ((await emulator(`/_requests?path=/v1/refunds&method=GET`)).body.requests as { query: string; headers: Record<string, string> }[]).filter(
      (request) => request.query.includes(charge) && request.headers['user-agent']?.includes('kneadpay'),
    );
    expect(listed.length).toBeGreaterThan(0);
    expect(await purchasesOf(practiceId, clientId)).toEqual([expect.objectContaining({ status: 'refunded', sessionsRemaining: 0 })]);
  });
});
