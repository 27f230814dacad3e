import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from '../../functions/store/table';
import { practicePk } from '../../functions/store/keys';
import { checkoutSession, reloadPurchase, seedOpenPurchase, seedPractice } from '../support/fixtures';
import { callWebhook, signatureFor, stripeEvent, webhookApiEvent, WEBHOOK_SECRET } from '../support/stripe-events';
import { newPracticeId } from '../support/store';

const store = createStore();
const original = process.env.STRIPE_WEBHOOK_SECRET;
afterEach(() => {
  process.env.STRIPE_WEBHOOK_SECRET = original;
});

const prepared = async () => {
  const practiceId = newPracticeId();
  await seedPractice(store, practiceId);
  const purchase = await seedOpenPurchase(store, practiceId);
  const event = stripeEvent('checkout.session.completed', checkoutSession(purchase));
  return { practiceId, purchase, event, payload: JSON.stringify(event) };
};

/** Nothing of the practice's but what the fixtures wrote: no marker, no outbox item. */
const markersAndOutbox = async (practiceId: string) => {
  const answer = await store.doc.send(
    new QueryCommand({ TableName: store.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': practicePk(practiceId) }, ConsistentRead: true }),
  );
  return (answer.Items ?? []).filter((item) => item.type === 'marker' || item.type === 'outbox');
};

const now = () => Math.floor(Date.now() / 1000);

describe('webhook signature verification', () => {
  it.each([
    ['a wrong secret', (p: string) => ({ body: p, sig: signatureFor(p, { secret: 'whsec_wrong' }) })],
    ['a tampered body', (p: string) => ({ body: p.replace('"paid"', '"unpaid"'), sig: signatureFor(p) })],
    ['re-serialised JSON', (p: string) => ({ body: JSON.stringify(JSON.parse(p), null, 2), sig: signatureFor(p) })],
    ['a missing header', (p: string) => ({ body: p, sig: undefined })],
    ['a v0 signature only', (p: string) => ({ body: p, sig: signatureFor(p).replace('v1=', 'v0=') })],
    ['a timestamp 301 s old', (p: string) => ({ body: p, sig: signatureFor(p, { timestamp: now() - 301 }) })],
    ['a timestamp 301 s ahead', (p: string) => ({ body: p, sig: signatureFor(p, { timestamp: now() + 301 }) })],
  ])('rejects %s with 400 and writes nothing', async (_name, make) => {
    // Prepare
    const { practiceId, purchase, payload } = await prepared();
    const { body, sig } = make(payload);

    // Act
    const answer = await callWebhook(webhookApiEvent(body, sig ? { 'stripe-signature': sig } : {}));

    // Assess
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body!).error).toMatchObject({ code: 'validation_error', details: { field: 'stripe-signature' } });
    expect(await markersAndOutbox(practiceId)).toEqual([]);
    expect((await reloadPurchase(store, purchase)).state).toBe('open');
  });

  it('accepts a timestamp exactly 300 s old', async () => {
    const { purchase, payload } = await prepared();
    const answer = await callWebhook(webhookApiEvent(payload, { 'stripe-signature': signatureFor(payload, { timestamp: now() - 300 }) }));
    expect(answer.statusCode).toBe(200);
    expect((await reloadPurchase(store, purchase)).state).toBe('paid');
  });

  it('accepts either of two secrets during a rotation', async () => {
    // Prepare
    process.env.STRIPE_WEBHOOK_SECRET = `whsec_rotated_new,${WEBHOOK_SECRET}`;
    const first = await prepared();
    const second = await prepared();

    // Act
    const old = await callWebhook(webhookApiEvent(first.payload, { 'stripe-signature': signatureFor(first.payload, { secret: WEBHOOK_SECRET }) }));
    const rotated = await callWebhook(webhookApiEvent(second.payload, { 'stripe-signature': signatureFor(second.payload, { secret: 'whsec_rotated_new' }) }));

    // Assess
    expect([old.statusCode, rotated.statusCode]).toEqual([200, 200]);
    expect((await reloadPurchase(store, first.purchase)).state).toBe('paid');
    expect((await reloadPurchase(store, second.purchase)).state).toBe('paid');
  });

  it('verifies a base64-encoded body on its decoded bytes', async () => {
    const { purchase, payload } = await prepared();
    const answer = await callWebhook(webhookApiEvent(payload, { 'stripe-signature': signatureFor(payload) }, true));
    expect(answer.statusCode).toBe(200);
    expect((await reloadPurchase(store, purchase)).state).toBe('paid');
  });

  it.each([
    ['not JSON', 'this is not json'],
    ['no data.object', JSON.stringify({ id: 'evt_x', object: 'event', type: 'checkout.session.completed', data: {} })],
    ['2 MB', JSON.stringify({ id: 'evt_big', type: 'x', data: { object: { padding: 'x'.repeat(2 * 1024 * 1024) } } })],
  ])('a correctly signed but malformed body (%s) gets a 4xx, no crash', async (_name, body) => {
    const answer = await callWebhook(webhookApiEvent(body, { 'stripe-signature': signatureFor(body) }));
    expect(answer.statusCode).toBeGreaterThanOrEqual(400);
    expect(answer.statusCode).toBeLessThan(500);
    expect(JSON.parse(answer.body!).error.code).toBeTruthy();
  });

  // Regression (docs/reliability.md, bug 19): a lone surrogate in `payment_intent` reached the
  // refetch, where the Stripe SDK's encodeURIComponent threw URIError → 500. Ids are ids.
  it.each<[string, { type: string; object: Record<string, unknown>; account?: string; id?: string }]>([
    ['data.object.payment_intent', { type: 'charge.refunded', object: { id: 'ch_1', payment_intent: '\ud800', amount_refunded: 1 } }],
    ['data.object.payment_intent', { type: 'invoice.payment_failed', object: { id: 'in_1', payment_intent: 'pi_1/../../v1/balance' } }],
    ['data.object.id', { type: 'checkout.session.completed', object: { id: 'cs_\ud83d' } }],
    ['account', { type: 'checkout.session.completed', object: { id: 'cs_1' }, account: 'acct_\u00e9\r\nx-evil: 1' }],
    ['id', { type: 'checkout.session.completed', object: { id: 'cs_1' }, id: 'evt 1' }],
    // The same family: a currency that is not a code (a list holding 8.6e83) failed at marshalling.
    ['data.object.currency', { type: 'checkout.session.completed', object: { id: 'cs_1', currency: [null, [-8.630186709690425e83]] } }],
    ['data.object.status', { type: 'invoice.paid', object: { id: 'in_1', status: { open: true } } }],
    ['data.object.hosted_invoice_url', { type: 'invoice.finalized', object: { id: 'in_1', hosted_invoice_url: 'javascript:alert(1)' } }],
    // Bug 22: a lost dispute without an amount made the chargeback entry NaN → 500.
    ['data.object.amount', { type: 'charge.dispute.closed', object: { id: 'dp_1', status: 'lost', payment_intent: 'pi_1' } }],
  ])('a signed event whose %s is not what Stripe sends gets a 400 naming it', async (field, spec) => {
    // Prepare
    const event = { ...stripeEvent(spec.type, spec.object, { account: spec.account }), ...(spec.id ? { id: spec.id } : {}) };
    const body = JSON.stringify(event);

    // Act
    const answer = await callWebhook(webhookApiEvent(body, { 'stripe-signature': signatureFor(body) }));

    // Assess
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body!).error).toMatchObject({ code: 'validation_error', details: { field } });
  });
});
