/**
 * The emulator pages its lists as Stripe does (audit j2). Each test names the fact it holds the
 * emulator to, from Stripe's API reference, "Pagination" (docs.stripe.com/api/pagination):
 * - `limit` is optional, "default is 10", and ranges "between 1 and 100";
 * - `starting_after` and `ending_before` take an object id and "return objects in reverse
 *   chronological order"; `starting_after` gives the objects listed after the named one (the next,
 *   older page), `ending_before` those listed before it (the previous, newer page); they are mutually
 *   exclusive;
 * - `has_more` says whether there are more objects than this page holds;
 * - lists are newest first ("the most recently created object is the first one", docs.stripe.com/pagination).
 * stripe-node's auto-pagination (`autoPagingEach`, `for await`) follows `has_more` with
 * `starting_after` (or, when the first call named `ending_before`, backwards with it).
 * Through the real SDK, on a private emulator (no other file's objects in its lists).
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../../local/stripe-emulator';
import { stripeRefusal } from '../support/stripe-refusal';

let emulator: StripeEmulator;
let stripe: Stripe;
/** 25 refunds of one payment, oldest first. */
let refunds: Stripe.Refund[];
let paymentIntent: Stripe.PaymentIntent;

beforeAll(async () => {
  emulator = await startStripeEmulator({ port: 0 });
  stripe = new Stripe('sk_test_emulator', { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });
  paymentIntent = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
  refunds = [];
  for (let i = 0; i < 25; i += 1) refunds.push(await stripe.refunds.create({ payment_intent: paymentIntent.id, amount: 100 }));
});
afterAll(async () => {
  await emulator.stop();
});

const newestFirst = () => [...refunds].reverse().map((refund) => refund.id);
const ids = (list: Stripe.ApiList<{ id: string }>) => list.data.map((item) => item.id);

describe('Stripe pagination on the emulator', () => {
  it('"limit … default is 10": a list without one answers the 10 newest and has_more', async () => {
    const page = await stripe.refunds.list({ payment_intent: paymentIntent.id });
    expect(ids(page)).toEqual(newestFirst().slice(0, 10));
    expect(page).toMatchObject({ object: 'list', has_more: true, url: '/v1/refunds' });
  });

  it('"ranging between 1 and 100": 0 and 101 are refused (400, invalid_request_error naming limit); 1 and 100 are taken', async () => {
    for (const limit of [0, 101, -1]) {
      const refused = await stripeRefusal(stripe.refunds.list({ payment_intent: paymentIntent.id, limit }));
      expect(refused).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'limit' });
    }
    expect(ids(await stripe.refunds.list({ payment_intent: paymentIntent.id, limit: 1 }))).toEqual(newestFirst().slice(0, 1));
    const all = await stripe.refunds.list({ payment_intent: paymentIntent.id, limit: 100 });
    expect(ids(all)).toEqual(newestFirst());
    expect(all.has_more).toBe(false);
  });

  it('"starting_after … fetch the next page": the objects after the cursor, older, has_more false on the last page', async () => {
    const first = await stripe.refunds.list({ payment_intent: paymentIntent.id, limit: 10 });
    const second = await stripe.refunds.list({ payment_intent: paymentIntent.id, limit: 10, starting_after: first.data.at(-1)!.id });
    const third = await stripe.refunds.list({ payment_intent: paymentIntent.id, limit: 10, starting_after: second.data.at(-1)!.id });
    expect(ids(second)).toEqual(newestFirst().slice(10, 20));
    expect(second.has_more).toBe(true);
    expect(ids(third)).toEqual(newestFirst().slice(20, 25));
    expect(third.has_more).toBe(false);
  });

  it('"ending_before … objects listed before the named object": the newer page, still newest first; has_more while newer ones remain', async () => {
    const order = newestFirst();
    const back = await stripe.refunds.list({ payment_intent: paymentIntent.id, limit: 5, ending_before: order[20] });
    expect(ids(back)).toEqual(order.slice(15, 20));
    expect(back.has_more).toBe(true);
    const top = await stripe.refunds.list({ payment_intent: paymentIntent.id, limit: 5, ending_before: order[3] });
    expect(ids(top)).toEqual(order.slice(0, 3));
    expect(top.has_more).toBe(false);
    // The SDK pages backwards from an ending_before cursor until has_more is false.
    const walked: string[] = [];
    for await (const refund of stripe.refunds.list({ payment_intent: paymentIntent.id, limit: 4, ending_before: order[12] })) walked.push(refund.id);
    expect(walked.sort()).toEqual(order.slice(0, 12).sort());
  });

  it('"mutually exclusive": starting_after with ending_before is refused (400)', async () => {
    const order = newestFirst();
    const refused = await stripeRefusal(stripe.refunds.list({ payment_intent: paymentIntent.id, starting_after: order[2], ending_before: order[1] }));
    expect(refused).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400 });
  });

  it('a cursor naming no object is refused (400, resource_missing, the cursor param)', async () => {
    const refused = await stripeRefusal(stripe.refunds.list({ payment_intent: paymentIntent.id, starting_after: 're_doesnotexist' }));
    expect(refused).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, code: 'resource_missing', param: 'starting_after' });
  });

  it('auto-pagination reads every page once, newest first (refunds, events, invoice payments)', async () => {
    const walked: string[] = [];
    for await (const refund of stripe.refunds.list({ payment_intent: paymentIntent.id, limit: 7 })) walked.push(refund.id);
    expect(walked).toEqual(newestFirst());
    // Events: 25 refund.created (and their charge.refunded) of this payment, newest first, each once.
    const events = await stripe.events.list({ limit: 3, types: ['refund.created'] }).autoPagingToArray({ limit: 1000 });
    expect(events.map((event) => (event.data.object as Stripe.Refund).id)).toEqual(newestFirst());
    expect(new Set(events.map((event) => event.id)).size).toBe(25);
  });
});
