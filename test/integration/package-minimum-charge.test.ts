/**
 * A package's price must be one Stripe can charge: at least the minimum charge amount of the
 * practice's currency (docs.stripe.com/currencies, "Minimum and maximum charge amounts": USD $0.50,
 * GBP £0.30, HKD $4.00, …). Below it Stripe refuses the Checkout Session (the emulator copies that:
 * test/integration/stripe-emulator-minimum-charge.test.ts), so a package priced under it could be
 * created but never sold: its checkout would fail with a 502 from Stripe's refusal.
 */
import { describe, expect, it } from 'vitest';
import { api, practiceProfile } from '../support/api';
import { newPracticeId } from '../support/store';

const practiceIn = async (currency: string) => {
  const practiceId = newPracticeId();
  expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile({ currency }) })).status).toBe(200);
  return practiceId;
};
const createPackage = (practiceId: string, currency: string, priceCents: number) =>
  api('POST', `/practices/${practiceId}/packages`, {
    practiceId,
    body: { name: 'Three sessions', sessions: 3, sessionMinutes: 60, serviceCode: '97124', priceCents, currency },
  });

describe("a package's price and Stripe's minimum charge", () => {
  it('HKD (minimum HK$4.00): 399 is refused on create and on a price change (400 naming priceCents); 400 is accepted and sells', async () => {
    // Prepare
    const practiceId = await practiceIn('hkd');

    // Act
    const below = await createPackage(practiceId, 'hkd', 399);
    const at = await createPackage(practiceId, 'hkd', 400);
    const packageId = at.body.packageId as string;
    const lowered = await api('PATCH', `/practices/${practiceId}/packages/${packageId}`, { practiceId, body: { priceCents: 399 } });
    const checkout = await api('POST', `/p/${practiceId}/packages/${packageId}/checkout`, { body: { email: 'hkd-buyer@client.example', name: 'Pat Buyer' } });

    // Assess
    expect(below.status).toBe(400);
    expect(below.body.error).toMatchObject({ code: 'validation_error', details: { field: 'priceCents' } });
    expect(below.body.error.message).toContain('400');
    expect(at.status).toBe(201);
    expect(lowered.status).toBe(400);
    expect(lowered.body.error).toMatchObject({ code: 'validation_error', details: { field: 'priceCents' } });
    expect((await api('GET', `/practices/${practiceId}/packages/${packageId}`, { practiceId })).body).toMatchObject({ priceCents: 400 });
    expect(checkout.status).toBe(201);
    expect(checkout.body).toMatchObject({ url: expect.stringContaining('/checkout/') });
  });

  it('GBP (minimum £0.30) accepts 30 on create; USD keeps its $0.50 (49 refused, 50 accepted)', async () => {
    // Prepare
    const gbp = await practiceIn('gbp');
    const usd = await practiceIn('usd');

    // Act
    const pence = await createPackage(gbp, 'gbp', 30);
    const cents49 = await createPackage(usd, 'usd', 49);
    const cents50 = await createPackage(usd, 'usd', 50);

    // Assess
    expect(pence.status).toBe(201);
    expect(cents49.status).toBe(400);
    expect(cents49.body.error.details).toMatchObject({ field: 'priceCents' });
    expect(cents50.status).toBe(201);
  });
});
