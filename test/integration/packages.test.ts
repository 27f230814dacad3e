import { describe, expect, it } from 'vitest';
import { newId } from '../../functions/shared/ids';
import { api, practiceProfile } from '../support/api';
import { emulator, stripe } from '../support/invoicing';
import { stripeRequestText } from '../support/phi-scan';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { OPEN_PURCHASE_TTL_SECONDS } from '../../functions/store/purchases';
import { practicePk } from '../../functions/store/keys';
import { newPracticeId, testStore } from '../support/store';

const practiceWithPackage = async (over: Record<string, unknown> = {}) => {
  const practiceId = newPracticeId();
  expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
  const pkg = await api('POST', `/practices/${practiceId}/packages`, {
    practiceId,
    body: { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd', expiresInDays: 365, ...over },
  });
  expect(pkg.status).toBe(201);
  return { practiceId, packageId: pkg.body.packageId as string, pkg: pkg.body };
};

const checkout = async (practiceId: string, packageId: string, email = `${newId('buyer')}@client.example`) => {
  const started = await api('POST', `/p/${practiceId}/packages/${packageId}/checkout`, { body: { email, name: 'Jane Buyer' } });
  expect(started.status).toBe(201);
  return { ...started.body, email } as { checkoutSessionId: string; url: string; email: string };
};

/** The client on the hosted page: pay, then let the emulator's signed webhooks reach the local API. */
// Stripe's hosted page asks the client for an email itself (kneadpay never sends one to Stripe).
const pay = async (url: string, outcome: 'succeeded' | 'failed' | 'async', action = 'pay') => {
  const body = action === 'pay' ? { outcome, email: 'typed-on-stripe@client.example' } : { outcome };
  const answer = await fetch(`${url}/${action}`, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await emulator('/_deliveries/wait', { method: 'POST', body: { timeoutMs: 10_000 } });
  return answer.status;
};

const clientOf = async (practiceId: string, email: string) => (await api('GET', `/practices/${practiceId}/clients?email=${encodeURIComponent(email)}`, { practiceId })).body.items[0];

describe('session packages end to end (local API + Stripe emulator)', () => {
  it('create → checkout → pay → credits → redeem ×5 → exhausted → 409', async () => {
    // Prepare
    const { practiceId, packageId, pkg } = await practiceWithPackage();
    expect(pkg).toMatchObject({ packageId, sessions: 5, priceCents: 42500, active: true });

    // Act
    const session = await checkout(practiceId, packageId);
    expect(session.url).toContain(`/checkout/${session.checkoutSessionId}`);
    expect(await pay(session.url, 'succeeded')).toBe(200);
    const client = await clientOf(practiceId, session.email);
    const purchases = await api('GET', `/practices/${practiceId}/clients/${client.clientId}/purchases`, { practiceId });
    const redemptions = [];
    for (let i = 0; i < 6; i += 1) {
      redemptions.push(await api('POST', `/practices/${practiceId}/clients/${client.clientId}/redemptions`, { practiceId, body: { appointmentId: `visit-${i}` } }));
    }
    const ledger = await api('GET', `/practices/${practiceId}/clients/${client.clientId}/ledger`, { practiceId });

    // Assess
    expect(purchases.body.items).toEqual([expect.objectContaining({ packageId, sessionsTotal: 5, sessionsRemaining: 5, status: 'active', expiresAt: expect.any(String) })]);
    expect(redemptions.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 409]);
    expect(redemptions.map((r) => r.body.sessionsRemaining).slice(0, 5)).toEqual([4, 3, 2, 1, 0]);
    expect(redemptions[5]!.body.error.code).toBe('no_credits');
    expect(ledger.body.balanceCents).toBe(0);
    expect(ledger.body.entries.map((entry: { kind: string }) => entry.kind)).toEqual(expect.arrayContaining(['package_sale', 'payment', 'redemption']));
  });

  it.each([
    ['settles', 'succeeded', 'active', 5],
    ['fails', 'failed', undefined, undefined],
  ])('a delayed payment that %s: nothing before it settles', async (_name, outcome, status, remaining) => {
    // Prepare
    const { practiceId, packageId } = await practiceWithPackage();
    const session = await checkout(practiceId, packageId);

    // Act
    await pay(session.url, 'async');
    const client = await clientOf(practiceId, session.email);
    const pending = await api('GET', `/practices/${practiceId}/clients/${client.clientId}/purchases`, { practiceId });
    await pay(session.url, outcome as 'succeeded' | 'failed', 'settle');
    const settled = await api('GET', `/practices/${practiceId}/clients/${client.clientId}/purchases`, { practiceId });

    // Assess
    expect(pending.body.items).toEqual([]);
    if (status) expect(settled.body.items).toEqual([expect.objectContaining({ status, sessionsRemaining: remaining })]);
    else expect(settled.body.items).toEqual([]);
  });

  it('an open purchase carries a 7-day TTL (a checkout that never completes is cleaned up); paying keeps it', async () => {
    // Prepare
    const { practiceId, packageId } = await practiceWithPackage();
    const store = testStore();
    const rawPurchases = async () =>
      (
        await store.doc.send(
          new QueryCommand({
            TableName: store.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
            ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'PURCHASE#' },
            ConsistentRead: true,
          }),
        )
      ).Items ?? [];

    // Act
    const startedAt = Math.floor(Date.now() / 1000);
    const paid = await checkout(practiceId, packageId);
    const abandoned = await checkout(practiceId, packageId);
    const open = await rawPurchases();
    expect(await pay(paid.url, 'succeeded')).toBe(200);
    const after = await rawPurchases();

    // Assess
    expect(open).toHaveLength(2);
    for (const item of open) {
      expect(item.state).toBe('open');
      expect(item.ttl).toBeGreaterThanOrEqual(startedAt + OPEN_PURCHASE_TTL_SECONDS - 5);
      expect(item.ttl).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + OPEN_PURCHASE_TTL_SECONDS);
    }
    const byState = Object.fromEntries(after.map((item) => [item.checkoutSessionId as string, item]));
    expect(byState[paid.checkoutSessionId]).toMatchObject({ state: 'paid' });
    expect(byState[paid.checkoutSessionId]).not.toHaveProperty('ttl');
    expect(byState[abandoned.checkoutSessionId]).toMatchObject({ state: 'open', ttl: expect.any(Number) });
    store.doc.destroy();
  });

  it('a form post from the storefront answers 303 to the hosted checkout page; the storefront lists the package', async () => {
    const { practiceId, packageId } = await practiceWithPackage();
    const page = await api('GET', `/p/${practiceId}`, { headers: { accept: 'text/html' } });
    const form = await api('POST', `/p/${practiceId}/packages/${packageId}/checkout`, {
      raw: new URLSearchParams({ name: 'Jane Buyer', email: 'form@client.example' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Five 60-minute massages');
    expect(page.text).toContain('$425.00');
    expect(form.status).toBe(303);
    expect(form.headers.get('location')).toMatch(/\/checkout\/cs_/);
  });

  it('changing the price creates a new Stripe Price and archives the old one; deactivating hides it', async () => {
    const { practiceId, packageId } = await practiceWithPackage();
    const before = await emulator('/_requests?path=/v1/prices&method=POST');
    const changed = await api('PATCH', `/practices/${practiceId}/packages/${packageId}`, { practiceId, body: { priceCents: 45000 } });
    const ours = [];
    for (const active of [true, false]) {
      for await (const price of stripe.prices.list({ limit: 100, active })) if (price.metadata?.packageId === packageId) ours.push(price);
    }
    const removed = await api('DELETE', `/practices/${practiceId}/packages/${packageId}`, { practiceId });
    const page = await api('GET', `/p/${practiceId}`, { headers: { accept: 'text/html' } });
    expect(before.status).toBe(200);
    expect(changed.body.priceCents).toBe(45000);
    expect(ours.map((price) => [price.unit_amount, price.active]).sort()).toEqual([
      [42500, false],
      [45000, true],
    ]);
    expect(removed.body.active).toBe(false);
    expect(page.text).not.toContain('Five 60-minute massages');
  });

  it('validation names the field; a package needs the practice first', async () => {
    const practiceId = newPracticeId();
    const missing = await api('POST', `/practices/${practiceId}/packages`, {
      practiceId,
      body: { name: 'x', sessions: 1, sessionMinutes: 60, serviceCode: '97124', priceCents: 100, currency: 'usd' },
    });
    const { practiceId: p2 } = await practiceWithPackage();
    const bad = await api('POST', `/practices/${p2}/packages`, { practiceId: p2, body: { name: 'x', sessions: 0, sessionMinutes: 60, serviceCode: '97124', priceCents: 100, currency: 'usd' } });
    const badCode = await api('POST', `/practices/${p2}/packages`, { practiceId: p2, body: { name: 'x', sessions: 1, sessionMinutes: 60, serviceCode: 'massage', priceCents: 100, currency: 'usd' } });
    expect(missing.status).toBe(404);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('sessions');
    expect(badCode.body.error.details.field).toBe('serviceCode');
  });

  it('every Stripe request of these flows is free of PHI: no client name or email, CPT or ICD code, payer name', async () => {
    // Prepare
    // The emulator is shared with other files: read its log from now on instead of clearing it.
    const since = new Date().toISOString();
    const { practiceId, packageId } = await practiceWithPackage();
    const session = await checkout(practiceId, packageId, 'phi-scan@client.example');

    // Act
    await pay(session.url, 'succeeded');
    const requests = (await emulator(`/_requests?since=${encodeURIComponent(since)}`)).body.requests as { method: string; path: string; params: unknown; headers: unknown }[];

    // Assess
    // What kneadpay sent (the client's own entries on Stripe's hosted page are not kneadpay's requests),
    // with the Customer's own name and email left out: what Stripe may hold (docs/architecture.md).
    const sent = requests
      .filter((request) => request.path.startsWith('/v1/'))
      .map(stripeRequestText)
      .join('\n');
    expect(requests.length).toBeGreaterThan(3);
    for (const phi of ['Jane', 'Buyer', 'phi-scan', 'client.example', '97124', 'M54', 'ACME']) expect(sent).not.toContain(phi);
  });
});
