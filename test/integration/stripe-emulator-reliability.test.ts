import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type RequestRecord, type StripeEmulator } from '../../local/stripe-emulator';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/stripe-emulator/testing';
import { stripeRefusal as rejection } from '../support/stripe-refusal';

const SECRET = 'whsec_kneadpay_local';

const sdk = (emulator: StripeEmulator, options: { maxNetworkRetries?: number; timeout?: number } = {}) =>
  new Stripe('sk_test_emulator', {
    host: '127.0.0.1',
    port: emulator.port,
    protocol: 'http',
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
    ...(options.timeout ? { timeout: options.timeout } : {}),
  });

const admin = async (emulator: StripeEmulator, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('Stripe emulator: faults, request log and webhook delivery', () => {
  let emulator: StripeEmulator;
  let receiver: WebhookReceiver;

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    emulator = await startStripeEmulator({ port: 0, webhookUrls: [receiver.url], webhookRetryDelaysMs: [20, 40] });
  });
  afterEach(async () => {
    await emulator.stop();
    await receiver.close();
  });

  it('a 500 injected once is retried by the SDK with the same idempotency key and creates one object', async () => {
    // Prepare
    const stripe = sdk(emulator, { maxNetworkRetries: 1 });
    const fault = await admin(emulator, 'POST', '/_faults', { path: '/v1/customers', method: 'POST', status: 500, count: 1 });

    // Act
    const customer = await stripe.customers.create({ email: 'retry@example.test' });
    const attempts = (await admin(emulator, 'GET', '/_requests?path=/v1/customers')).body.requests as RequestRecord[];
    const customers = await stripe.customers.list();

    // Assess
    expect(fault.status).toBe(200);
    expect(attempts.map((r) => r.status)).toEqual([500, 200]);
    expect(attempts[0]?.headers['idempotency-key']).toBe(attempts[1]?.headers['idempotency-key']);
    expect(attempts[0]?.fault).toMatch(/^status 500/);
    expect(customers.data.map((c) => c.id)).toEqual([customer.id]);
  });

  it('a 429 surfaces as StripeRateLimitError and is not retried', async () => {
    // Prepare
    const stripe = sdk(emulator, { maxNetworkRetries: 2 });
    await admin(emulator, 'POST', '/_faults', { path: '/v1/invoices', status: 429, count: 1 });

    // Act
    const error = await rejection(stripe.invoices.list());
    const second = await stripe.invoices.list();
    const log = (await admin(emulator, 'GET', '/_requests?path=/v1/invoices')).body.requests as RequestRecord[];

    // Assess
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error).toMatchObject({ statusCode: 429, code: 'rate_limit' });
    expect(second.data).toEqual([]);
    expect(log.map((r) => r.status)).toEqual([429, 200]);
  });

  it('a connection reset before processing is retried once by the SDK even without retries; nothing is duplicated', async () => {
    // Prepare
    const stripe = sdk(emulator, { maxNetworkRetries: 0 });
    await admin(emulator, 'POST', '/_faults', { path: '/v1/products', type: 'reset' });

    // Act
    const product = await stripe.products.create({ name: 'Single session' });
    const products = await stripe.products.list();
    const log = emulator.requests().filter((r) => r.path === '/v1/products' && r.method === 'POST');

    // Assess
    expect(products.data.map((p) => p.id)).toEqual([product.id]);
    expect(log).toHaveLength(2);
    expect(log[0]?.fault).toMatch(/^reset/);
    expect(log[0]?.headers['idempotency-key']).toBe(log[1]?.headers['idempotency-key']);
  });

  it('latency and unanswered requests: the SDK times out, faults can be scoped, counted and cleared', async () => {
    // Prepare
    const stripe = sdk(emulator, { timeout: 300 });
    await admin(emulator, 'POST', '/_faults', [
      { path: '^/v1/customers/cus_', type: 'timeout', count: 1 },
      { path: '/v1/prices', method: 'GET', latencyMs: 200, count: null },
    ]);
    const customer = await stripe.customers.create({ email: 'slow@example.test' });

    // Act
    const timedOut = await rejection(stripe.customers.retrieve(customer.id));
    const retrieved = await stripe.customers.retrieve(customer.id);
    const started = Date.now();
    await stripe.prices.list();
    const slowMs = Date.now() - started;
    const listed = await admin(emulator, 'GET', '/_faults');
    await admin(emulator, 'DELETE', '/_faults');
    await stripe.prices.list();
    const priceCalls = emulator.requests().filter((r) => r.path === '/v1/prices');

    // Assess
    expect(timedOut).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(retrieved.id).toBe(customer.id);
    expect(slowMs).toBeGreaterThanOrEqual(190);
    expect((listed.body.faults as Array<{ hits: number }>).map((f) => f.hits)).toEqual([1, 1]);
    expect(priceCalls.map((r) => r.fault?.split(' ')[0] ?? null)).toEqual(['latency', null]);
  });

  it('retries webhook deliveries with backoff until the endpoint answers 2xx, signing every attempt', async () => {
    // Prepare
    receiver.respondWith([500, 503]);
    const stripe = sdk(emulator);

    // Act
    const customer = await stripe.customers.create({ email: 'hook@example.test' });
    await emulator.waitForWebhooks();
    const deliveries = (await admin(emulator, 'GET', '/_deliveries')).body.deliveries as Array<{ state: string; attempts: Array<{ status: number }>; lastStatus: number }>;
    const events = await stripe.events.list({ delivery_success: true });

    // Assess
    expect(receiver.received.map((hook) => hook.status)).toEqual([500, 503, 200]);
    for (const hook of receiver.received) {
      const event = stripe.webhooks.constructEvent(hook.rawBody, hook.signature, SECRET);
      expect(event.data.object).toMatchObject({ id: customer.id });
    }
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ state: 'succeeded', lastStatus: 200 });
    expect(deliveries[0]?.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
    expect(events.data.map((e) => e.type)).toEqual(['customer.created']);
    expect(events.data[0]?.pending_webhooks).toBe(0);
  });

  it('gives up after the bounded attempts; the event is listed with delivery_success=false and can be re-sent', async () => {
    // Prepare
    receiver.respondWith([500, 500, 500]);
    const stripe = sdk(emulator);

    // Act
    await stripe.customers.create({ email: 'down@example.test' });
    await emulator.waitForWebhooks();
    const undelivered = await stripe.events.list({ delivery_success: false });
    const resent = await admin(emulator, 'POST', `/_events/${undelivered.data[0]?.id}/resend`);
    await emulator.waitForWebhooks();
    const afterResend = await stripe.events.list({ delivery_success: false });

    // Assess
    expect(receiver.received.map((hook) => hook.status)).toEqual([500, 500, 500, 200]);
    expect(emulator.deliveries().map((d) => d.state)).toEqual(['failed', 'succeeded']);
    expect(undelivered.data.map((e) => e.type)).toEqual(['customer.created']);
    expect(resent.body.queued).toBe(1);
    expect(afterResend.data.map((e) => e.type)).toEqual(['customer.created']);
  });

  it('logs every API request with its idempotency key, account and parsed params for PHI scans', async () => {
    // Prepare
    const stripe = sdk(emulator);

    await admin(emulator, 'POST', '/_accounts', { id: 'acct_practice9' });

    // Act
    await stripe.customers.create({ email: 'client@example.test', metadata: { clientId: 'c-9' } }, { idempotencyKey: 'client-c-9', stripeAccount: 'acct_practice9' });
    const log = (await admin(emulator, 'GET', '/_requests')).body.requests as RequestRecord[];
    const cleared = await admin(emulator, 'DELETE', '/_requests');
    const after = (await admin(emulator, 'GET', '/_requests')).body.requests as RequestRecord[];

    // Assess
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      method: 'POST',
      path: '/v1/customers',
      status: 200,
      headers: { 'idempotency-key': 'client-c-9', 'stripe-account': 'acct_practice9' },
      params: { email: 'client@example.test', metadata: { clientId: 'c-9' } },
    });
    expect(cleared.status).toBe(200);
    expect(after).toEqual([]);
  });
});

describe('Stripe emulator shared by the whole test run (sharedAdmin): admin calls stay within the caller’s accounts', () => {
  let emulator: StripeEmulator;

  beforeEach(async () => {
    emulator = await startStripeEmulator({ port: 0, sharedAdmin: true });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  it('refuses (409) what would change another file’s test — a fault for every account, clearing faults, the request log or deliveries, the platform’s keys, the clock, settings, a reset — and allows the scoped forms', async () => {
    // Prepare
    const stripe = sdk(emulator);
    await admin(emulator, 'POST', '/_accounts', { id: 'acct_mine' });
    await admin(emulator, 'POST', '/_accounts', { id: 'acct_theirs' });
    const before = new Date().toISOString();

    // Act
    const refused = [
      await admin(emulator, 'POST', '/_faults', { path: '/v1/products', status: 500 }),
      await admin(emulator, 'POST', '/_faults', [{ path: '/v1/products', account: 'acct_mine' }, { path: '/v1/prices' }]),
      await admin(emulator, 'DELETE', '/_faults'),
      await admin(emulator, 'DELETE', '/_requests'),
      await admin(emulator, 'DELETE', '/_deliveries'),
      await admin(emulator, 'POST', '/_idempotency/expire'),
      await admin(emulator, 'POST', '/_idempotency/expire', { accounts: [null] }),
      await admin(emulator, 'POST', '/_clock', { advanceSeconds: 60 }),
      await admin(emulator, 'POST', '/_config', { rateLimitPerSecond: 1 }),
      await admin(emulator, 'POST', '/_webhooks', { urls: [] }),
      await admin(emulator, 'POST', '/_reset'),
    ];
    const mine = await admin(emulator, 'POST', '/_faults', { path: '/v1/products', method: 'POST', account: 'acct_mine', status: 500, count: null });
    const theirs = await admin(emulator, 'POST', '/_faults', { path: '/v1/products', method: 'POST', account: 'acct_theirs', status: 500, count: null });
    const clearedMine = await admin(emulator, 'DELETE', '/_faults?account=acct_mine');
    const expired = await admin(emulator, 'POST', '/_idempotency/expire', { accounts: ['acct_mine'] });
    const product = await stripe.products.create({ name: 'Five sessions' }, { stripeAccount: 'acct_mine' });
    const faulted = await rejection(stripe.products.create({ name: 'Five sessions' }, { stripeAccount: 'acct_theirs' }));
    const window = (await admin(emulator, 'GET', `/_requests?since=${encodeURIComponent(before)}&path=/v1/products`)).body.requests as RequestRecord[];
    const future = (await admin(emulator, 'GET', `/_requests?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).body.requests as RequestRecord[];
    const badSince = await admin(emulator, 'GET', '/_requests?since=yesterday');

    // Assess
    expect(refused.map((answer) => answer.status)).toEqual(refused.map(() => 409));
    for (const answer of refused) expect((answer.body.error as { message: string }).message).toMatch(/^this emulator is shared by the whole test run: /);
    expect([mine.status, theirs.status, clearedMine.status, expired.status]).toEqual([200, 200, 200, 200]);
    expect((clearedMine.body.faults as { account: string }[]).map((fault) => fault.account)).toEqual(['acct_theirs']);
    expect(product.id).toMatch(/^prod_/);
    expect(faulted.statusCode).toBe(500);
    expect(window.map((request) => request.headers['stripe-account'])).toEqual(['acct_mine', 'acct_theirs']);
    expect(future).toEqual([]);
    expect(badSince.status).toBe(400);
  });
});
