import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../../local/stripe-emulator';
import { stripeRefusal as rejection } from '../support/stripe-refusal';

/** The real SDK, pointed at the emulator. */
const sdk = (emulator: StripeEmulator, options: { key?: string; maxNetworkRetries?: number } = {}) =>
  new Stripe(options.key ?? 'sk_test_emulator', {
    host: '127.0.0.1',
    port: emulator.port,
    protocol: 'http',
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
  });

const admin = async (emulator: StripeEmulator, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('Stripe emulator: core API through the stripe SDK', () => {
  let emulator: StripeEmulator;
  let stripe: Stripe;

  beforeEach(async () => {
    emulator = await startStripeEmulator({ port: 0 });
    stripe = sdk(emulator);
  });
  afterEach(async () => {
    await emulator.stop();
  });

  it('creates, retrieves, updates and lists customers with Stripe pagination', async () => {
    // Prepare
    const created: Stripe.Customer[] = [];
    for (let i = 0; i < 5; i++) created.push(await stripe.customers.create({ email: `client${i}@example.test`, metadata: { clientId: `c${i}` } }));
    const newestFirst = [...created].reverse().map((c) => c.id);

    // Act
    const firstPage = await stripe.customers.list({ limit: 2 });
    const secondPage = await stripe.customers.list({ limit: 2, starting_after: firstPage.data[1]?.id });
    const backwards = await stripe.customers.list({ limit: 2, ending_before: secondPage.data[0]?.id });
    const everything: string[] = [];
    for await (const customer of stripe.customers.list({ limit: 2 })) everything.push(customer.id);
    const updated = await stripe.customers.update(created[0]!.id, { name: 'Client Zero', metadata: { clientId: '', tier: 'a' } });
    const retrieved = await stripe.customers.retrieve(created[0]!.id);
    const byEmail = await stripe.customers.list({ email: 'client3@example.test' });

    // Assess
    expect(firstPage).toMatchObject({ object: 'list', url: '/v1/customers', has_more: true });
    expect(firstPage.data.map((c) => c.id)).toEqual(newestFirst.slice(0, 2));
    expect(secondPage.data.map((c) => c.id)).toEqual(newestFirst.slice(2, 4));
    expect(secondPage.has_more).toBe(true);
    expect(backwards.data.map((c) => c.id)).toEqual(newestFirst.slice(0, 2));
    expect(backwards.has_more).toBe(false);
    expect(everything).toEqual(newestFirst);
    expect(updated.metadata).toEqual({ tier: 'a' });
    expect(retrieved).toMatchObject({ id: created[0]!.id, object: 'customer', name: 'Client Zero', email: 'client0@example.test', livemode: false });
    expect(byEmail.data.map((c) => c.id)).toEqual([created[3]!.id]);
  });

  it('rejects unknown parameters, top-level and nested, with parameter_unknown naming the parameter', async () => {
    // Prepare
    const product = await stripe.products.create({ name: 'Bodywork session package (5)' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 45000 });

    // Act
    const topLevel = await rejection(stripe.customers.create({ email: 'a@example.test', favourite_colour: 'teal' } as Stripe.CustomerCreateParams));
    const nested = await rejection(
      stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: price.id, quantity: 1, colour: 'teal' }],
      } as unknown as Stripe.Checkout.SessionCreateParams),
    );
    const missing = await rejection(stripe.invoices.create({} as Stripe.InvoiceCreateParams));
    const badInteger = await rejection(stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 'ten' as unknown as number }));

    // Assess
    expect(topLevel).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(topLevel).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', code: 'parameter_unknown', param: 'favourite_colour' });
    expect(topLevel.message).toBe('Received unknown parameter: favourite_colour');
    expect(nested).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'line_items[0][colour]' });
    expect(missing).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'customer' });
    expect(badInteger).toMatchObject({ statusCode: 400, code: 'parameter_invalid_integer', param: 'unit_amount' });
  });

  it("parses Stripe's raw form encoding (expand[]=, nested brackets) and refuses JSON bodies", async () => {
    // Prepare
    const headers = { authorization: 'Bearer sk_test_emulator', 'content-type': 'application/x-www-form-urlencoded' };
    const customer = await stripe.customers.create({ email: 'form@example.test' });

    // Act
    const created = await fetch(`${emulator.url}/v1/invoices`, {
      method: 'POST',
      headers,
      body: `customer=${customer.id}&collection_method=send_invoice&days_until_due=7&metadata[invoiceId]=inv-1&custom_fields[0][name]=Ref&custom_fields[0][value]=inv-1&expand[]=customer`,
    });
    const invoice = (await created.json()) as Stripe.Invoice;
    const asJson = await fetch(`${emulator.url}/v1/customers`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'json@example.test' }),
    });

    // Assess
    expect(created.status).toBe(200);
    expect(invoice).toMatchObject({ metadata: { invoiceId: 'inv-1' }, custom_fields: [{ name: 'Ref', value: 'inv-1' }] });
    expect(invoice.customer).toMatchObject({ id: customer.id, object: 'customer' });
    expect(asJson.status).toBe(400);
  });

  it('answers Stripe-shaped 401 without a test-mode key and 404 resource_missing for unknown ids', async () => {
    // Prepare
    const live = sdk(emulator, { key: 'sk_live_not_for_the_emulator' });

    // Act
    const liveKey = await rejection(live.customers.list());
    const noKey = await fetch(`${emulator.url}/v1/customers`);
    const noKeyBody = (await noKey.json()) as { error: Record<string, unknown> };
    const missing = await rejection(stripe.customers.retrieve('cus_doesnotexist'));
    const unknownRoute = await fetch(`${emulator.url}/v1/subscriptions`, { headers: { authorization: 'Bearer sk_test_emulator' } });

    // Assess
    expect(liveKey).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(liveKey.statusCode).toBe(401);
    expect(noKey.status).toBe(401);
    expect(noKeyBody.error).toMatchObject({ type: 'invalid_request_error' });
    expect(String(noKeyBody.error.message)).toContain('did not provide an API key');
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id', message: "No such customer: 'cus_doesnotexist'" });
    expect(unknownRoute.status).toBe(404);
  });

  it('replays an idempotent request with the same key and params, without a second object or event', async () => {
    // Prepare
    const params = { email: 'same@example.test', metadata: { clientId: 'c-1' } };

    // Act
    const first = await stripe.customers.create(params, { idempotencyKey: 'create-client-c-1' });
    const second = await stripe.customers.create(params, { idempotencyKey: 'create-client-c-1' });
    const mismatch = await rejection(stripe.customers.create({ ...params, email: 'other@example.test' }, { idempotencyKey: 'create-client-c-1' }));
    const customers = await stripe.customers.list();
    const events = await stripe.events.list({ type: 'customer.created' });

    // Assess
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(mismatch).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(mismatch).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
    expect(customers.data).toHaveLength(1);
    expect(events.data).toHaveLength(1);
    expect(events.data[0]?.request).toEqual({ id: first.lastResponse.requestId, idempotency_key: 'create-client-c-1' });
  });

  it('forgets idempotency keys once they expire: on demand, or when the clock passes the configured age', async () => {
    // Prepare
    const params = { email: 'later@example.test' };
    const original = await stripe.customers.create(params, { idempotencyKey: 'key-days-later' });

    // Act
    const expired = await admin(emulator, 'POST', '/_idempotency/expire');
    const retriedLater = await stripe.customers.create(params, { idempotencyKey: 'key-days-later' });
    await admin(emulator, 'POST', '/_config', { idempotencyKeyTtlSeconds: 3600 });
    const ttlOriginal = await stripe.customers.create(params, { idempotencyKey: 'key-ttl' });
    const withinTtl = await stripe.customers.create(params, { idempotencyKey: 'key-ttl' });
    await admin(emulator, 'POST', '/_clock', { advanceSeconds: 2 * 3600 });
    const afterTtl = await stripe.customers.create(params, { idempotencyKey: 'key-ttl' });

    // Assess
    expect(expired.body.expired).toBe(1);
    expect(retriedLater.id).not.toBe(original.id);
    expect(withinTtl.id).toBe(ttlOriginal.id);
    expect(afterTtl.id).not.toBe(ttlOriginal.id);
  });

  it('forgets the keys of the accounts named only, when asked to (tests on other accounts keep theirs)', async () => {
    // Prepare: the same key on the platform and on two connected accounts.
    await admin(emulator, 'POST', '/_accounts', { id: 'acct_forgetful' });
    await admin(emulator, 'POST', '/_accounts', { id: 'acct_mindful' });
    const params = { email: 'scoped@example.test' };
    const onPlatform = await stripe.customers.create(params, { idempotencyKey: 'key-scoped' });
    const onForgetful = await stripe.customers.create(params, { idempotencyKey: 'key-scoped', stripeAccount: 'acct_forgetful' });
    const onMindful = await stripe.customers.create(params, { idempotencyKey: 'key-scoped', stripeAccount: 'acct_mindful' });

    // Act
    const expired = await admin(emulator, 'POST', '/_idempotency/expire', { accounts: ['acct_forgetful'] });
    const refused = await admin(emulator, 'POST', '/_idempotency/expire', { accounts: 'acct_forgetful' });
    const platformAgain = await stripe.customers.create(params, { idempotencyKey: 'key-scoped' });
    const forgetfulAgain = await stripe.customers.create(params, { idempotencyKey: 'key-scoped', stripeAccount: 'acct_forgetful' });
    const mindfulAgain = await stripe.customers.create(params, { idempotencyKey: 'key-scoped', stripeAccount: 'acct_mindful' });

    // Assess
    expect(expired.body.expired).toBe(1);
    expect(refused.status).toBe(400);
    expect(platformAgain.id).toBe(onPlatform.id);
    expect(mindfulAgain.id).toBe(onMindful.id);
    expect(forgetfulAgain.id).not.toBe(onForgetful.id);
  });

  it('partitions objects and events by Stripe-Account', async () => {
    // Prepare
    // Connected accounts must exist: Stripe refuses a Stripe-Account that is not connected.
    await admin(emulator, 'POST', '/_accounts', { id: 'acct_practiceA' });
    await admin(emulator, 'POST', '/_accounts', { id: 'acct_practiceB' });
    const onA = await stripe.customers.create({ email: 'a@example.test' }, { stripeAccount: 'acct_practiceA' });

    // Act
    const fromA = await stripe.customers.retrieve(onA.id, {}, { stripeAccount: 'acct_practiceA' });
    const fromB = await rejection(stripe.customers.retrieve(onA.id, {}, { stripeAccount: 'acct_practiceB' }));
    const fromPlatform = await rejection(stripe.customers.retrieve(onA.id));
    const listA = await stripe.customers.list({}, { stripeAccount: 'acct_practiceA' });
    const listPlatform = await stripe.customers.list();
    const eventsA = await stripe.events.list({}, { stripeAccount: 'acct_practiceA' });
    const eventsPlatform = await stripe.events.list();

    // Assess
    expect(fromA.id).toBe(onA.id);
    expect(fromB).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect(fromPlatform).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect(listA.data.map((c) => c.id)).toEqual([onA.id]);
    expect(listPlatform.data).toEqual([]);
    expect(eventsA.data.map((e) => [e.type, e.account])).toEqual([['customer.created', 'acct_practiceA']]);
    expect(eventsPlatform.data).toEqual([]);
  });

  it('archives prices with active=false and expands ids into objects', async () => {
    // Prepare
    const product = await stripe.products.create({ name: 'Bodywork session package (3)', metadata: { packageId: 'pkg-3' } });
    const oldPrice = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 30000 });
    const newPrice = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 32000 });

    // Act
    const archived = await stripe.prices.update(oldPrice.id, { active: false });
    const activePrices = await stripe.prices.list({ product: product.id });
    const inactivePrices = await stripe.prices.list({ product: product.id, active: false });
    const expanded = await stripe.prices.retrieve(newPrice.id, { expand: ['product'] });
    const listExpanded = await stripe.prices.list({ product: product.id, expand: ['data.product'] });
    const checkoutWithArchived = await rejection(stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: oldPrice.id, quantity: 1 }], success_url: 'http://127.0.0.1:1/ok' }));

    // Assess
    expect(archived.active).toBe(false);
    expect(activePrices.data.map((p) => p.id)).toEqual([newPrice.id]);
    expect(inactivePrices.data.map((p) => p.id)).toEqual([oldPrice.id]);
    expect(expanded.product).toMatchObject({ id: product.id, object: 'product', metadata: { packageId: 'pkg-3' } });
    expect((listExpanded.data[0]?.product as Stripe.Product).name).toBe('Bodywork session package (3)');
    expect(String(expanded.unit_amount_decimal)).toBe('32000');
    expect(checkoutWithArchived).toMatchObject({ statusCode: 400, param: 'line_items[0][price]' });
  });

  it('lists emitted events newest first with pagination, type filters and retrieval by id', async () => {
    // Prepare
    const customer = await stripe.customers.create({ email: 'events@example.test' });
    const product = await stripe.products.create({ name: 'Single session' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 9000 });

    // Act
    const all = await stripe.events.list();
    const page = await stripe.events.list({ limit: 1, starting_after: all.data[0]?.id });
    const productEvents = await stripe.events.list({ types: ['product.created', 'price.created'] });
    const wildcard = await stripe.events.list({ type: 'customer.*' });
    const one = await stripe.events.retrieve(all.data[2]!.id);

    // Assess
    expect(all.data.map((e) => e.type)).toEqual(['price.created', 'product.created', 'customer.created']);
    expect(page.data.map((e) => e.type)).toEqual(['product.created']);
    expect(page.has_more).toBe(true);
    expect(productEvents.data.map((e) => (e.data.object as { id: string }).id)).toEqual([price.id, product.id]);
    expect(wildcard.data).toHaveLength(1);
    expect(one).toMatchObject({
      object: 'event',
      type: 'customer.created',
      api_version: Stripe.API_VERSION,
      livemode: false,
      data: { object: { id: customer.id, email: 'events@example.test' } },
    });
  });
});
