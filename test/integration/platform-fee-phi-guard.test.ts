/**
 * The PHI guard (functions/stripe/phi-guard.ts) refuses any Stripe field that looks like a CPT code:
 * five digits standing alone. kneadpay's own integer metadata (`platformFeeCents`, `sessionsTotal`,
 * `expiresInDays`) is written as a string of digits (Stripe metadata values are strings), so a
 * platform fee of $100.00 or more (10000 cents and up: five digits) read as a procedure code and the
 * whole Checkout Session (or balance invoice) was refused before it reached Stripe.
 */
import { describe, expect, it } from 'vitest';
import { startCheckout } from '../../functions/core/checkout';
import { assertNoPhi } from '../../functions/stripe/phi-guard';
import { newId } from '../../functions/shared/ids';
import { api, practiceProfile } from '../support/api';
import { connectTestAccount } from '../support/connect';
import { store, stripe } from '../support/invoicing';
import { newPracticeId } from '../support/store';

describe("kneadpay's own integer metadata is not mistaken for a procedure code", () => {
  it('10% on a $1,000 package: the Checkout Session goes to Stripe with application_fee_amount 10000 and metadata platformFeeCents "10000"', async () => {
    // Prepare: a practice selling on its own connected account, a $1,000 package.
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
    const accountId = await connectTestAccount(
      store,
      practiceId,
      `acct_${newId('fee')
        .replace(/[^A-Za-z0-9]/g, '')
        .slice(0, 16)}`,
    );
    const made = await api('POST', `/practices/${practiceId}/packages`, {
      practiceId,
      body: { name: 'Ten sessions', sessions: 10, sessionMinutes: 60, serviceCode: '97124', priceCents: 100_000, currency: 'usd' },
    });
    expect(made.status, made.text).toBe(201);
    const previous = process.env.KNEADPAY_PLATFORM_FEE_BPS;
    process.env.KNEADPAY_PLATFORM_FEE_BPS = '1000';

    // Act: this worker's checkout code reads the setting.
    let started;
    try {
      started = await startCheckout({ store, stripe, publicUrl: 'http://127.0.0.1:3000' }, practiceId, made.body.packageId as string, {
        email: `${newPracticeId()}@client.example`,
        name: 'Jane Client',
      });
    } finally {
      if (previous === undefined) delete process.env.KNEADPAY_PLATFORM_FEE_BPS;
      else process.env.KNEADPAY_PLATFORM_FEE_BPS = previous;
    }

    // Assess
    const session = await stripe.checkout.sessions.retrieve(started.checkoutSessionId, {}, { stripeAccount: accountId });
    expect(session).toMatchObject({ amount_total: 100_000, metadata: { platformFeeCents: '10000', sessionsTotal: '10' } });
  });

  it('the same digits under any other key are still refused as a procedure code', () => {
    expect(() => assertNoPhi({ metadata: { platformFeeCents: '10000', sessionsTotal: '10', expiresInDays: '365' } }, 'invoice')).not.toThrow();
    expect(() => assertNoPhi({ metadata: { note: '97124' } }, 'invoice')).toThrow(/procedure code.*invoice\.metadata\.note/);
    expect(() => assertNoPhi({ description: '97124' }, 'invoice')).toThrow(/procedure code/);
    // Only digits pass under those keys: a code with words around it is still caught.
    expect(() => assertNoPhi({ metadata: { platformFeeCents: 'CPT 97124' } }, 'invoice')).toThrow();
  });
});
