/** A package bought and paid through the real flow: local API → emulator Checkout → signed webhooks. */
import { expect } from 'vitest';
import { newId } from '../../functions/shared/ids';
import { api, practiceProfile } from './api';
import { emulator, stripe } from './invoicing';
import { newPracticeId } from './store';

export const settleWebhooks = () => emulator('/_deliveries/wait', { method: 'POST', body: { timeoutMs: 15_000 } });

export const paidPurchase = async () => {
  const practiceId = newPracticeId();
  expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
  const pkg = await api('POST', `/practices/${practiceId}/packages`, {
    practiceId,
    body: { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd', expiresInDays: 365 },
  });
  expect(pkg.status).toBe(201);
  const email = `${newId('buyer')}@client.example`;
  const started = await api('POST', `/p/${practiceId}/packages/${pkg.body.packageId}/checkout`, { body: { email, name: 'Jane Buyer' } });
  expect(started.status).toBe(201);
  const paid = await fetch(`${started.body.url}/pay`, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify({ outcome: 'succeeded' }) });
  expect(paid.status).toBe(200);
  await settleWebhooks();
  const client = (await api('GET', `/practices/${practiceId}/clients?email=${encodeURIComponent(email)}`, { practiceId })).body.items[0] as { clientId: string };
  const session = await stripe.checkout.sessions.retrieve(started.body.checkoutSessionId);
  return { practiceId, clientId: client.clientId, paymentIntent: String(session.payment_intent) };
};

export const purchasesOf = async (practiceId: string, clientId: string) =>
  (await api('GET', `/practices/${practiceId}/clients/${clientId}/purchases`, { practiceId })).body.items as { status: string; sessionsRemaining: number }[];

export const ledgerKinds = async (practiceId: string, clientId: string) =>
  ((await api('GET', `/practices/${practiceId}/clients/${clientId}/ledger`, { practiceId })).body.entries as { kind: string }[]).map((entry) => entry.kind).sort();
