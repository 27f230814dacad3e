/**
 * The emulator's Connect surface, each test naming the Stripe fact it copies
 * (docs.stripe.com/api/accounts, /api/account_links, /connect/direct-charges, /connect/authentication).
 */
import { createServer, type Server } from 'node:http';
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../../local/stripe-emulator';
import { stripeRefusal as rejection } from '../support/stripe-refusal';

const sdk = (emulator: StripeEmulator) => new Stripe('sk_test_emulator', { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });

const post = (url: string, body?: unknown) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { accept: 'application/json', 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

describe('Stripe emulator: Connect', () => {
  let emulator: StripeEmulator;
  let stripe: Stripe;
  let receiver: Server;
  const received: Stripe.Event[] = [];

  beforeEach(async () => {
    received.length = 0;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push(JSON.parse(body) as Stripe.Event);
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as { port: number }).port;
    emulator = await startStripeEmulator({ port: 0, webhookUrls: [`http://127.0.0.1:${port}/hook`] });
    stripe = sdk(emulator);
  });
  afterEach(async () => {
    await emulator.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('Stripe refuses a Stripe-Account that does not exist or is not connected to the platform: 403 account_invalid', async () => {
    // Prepare
    const connected = await stripe.accounts.create({ type: 'standard' });
    await stripe.customers.create({}, { stripeAccount: connected.id });

    // Act
    const unknown = await rejection(stripe.customers.create({}, { stripeAccount: 'acct_neverconnected' }));
    await post(`${emulator.url}/_accounts/${connected.id}/deauthorize`);
    const revoked = await rejection(stripe.customers.list({}, { stripeAccount: connected.id }));
    const retrieve = await rejection(stripe.accounts.retrieve(connected.id));

    // Assess
    for (const error of [unknown, revoked, retrieve]) {
      expect(error.statusCode).toBe(403);
      expect(error.code).toBe('account_invalid');
      expect(error.message).toMatch(/does not have access to account '.+' \(or that account does not exist\)\. Application access may have been revoked\./);
    }
  });

  it('a new Standard account cannot charge until onboarding; accounts are the platform’s to create and read', async () => {
    // Act
    const account = await stripe.accounts.create({ type: 'standard', metadata: { practiceId: 'p1' } });
    const asConnected = await rejection(stripe.accounts.create({ type: 'standard' }, { stripeAccount: account.id }));

    // Assess
    expect(account).toMatchObject({ object: 'account', type: 'standard', charges_enabled: false, payouts_enabled: false, details_submitted: false, metadata: { practiceId: 'p1' } });
    expect(account.requirements?.currently_due?.length).toBeGreaterThan(0);
    expect((await stripe.accounts.retrieve(account.id)).id).toBe(account.id);
    expect(asConnected.statusCode).toBe(400);
  });

  it('an Account Link needs return_url and refresh_url; its hosted page completes onboarding, sends account.updated (charges_enabled) and returns to return_url; a used or expired link goes to refresh_url', async () => {
    // Prepare
    const account = await stripe.accounts.create({ type: 'standard' });
    const urls = { return_url: 'http://127.0.0.1:3000/p/x/stripe/return', refresh_url: 'http://127.0.0.1:3000/p/x/stripe/refresh' };
    const missing = await rejection(stripe.accountLinks.create({ account: account.id, type: 'account_onboarding', refresh_url: urls.refresh_url }));

    // Act
    const link = await stripe.accountLinks.create({ account: account.id, type: 'account_onboarding', ...urls });
    const page = await fetch(link.url);
    const html = await page.text();
    const completed = await fetch(`${link.url}/complete`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    const again = await fetch(link.url, { redirect: 'manual' });
    const expiring = await stripe.accountLinks.create({ account: account.id, type: 'account_onboarding', ...urls });
    emulator.advanceClock(301);
    const expired = await fetch(expiring.url, { redirect: 'manual' });
    await emulator.waitForWebhooks();

    // Assess
    expect([missing.statusCode, missing.param]).toEqual([400, 'return_url']);
    expect(link).toMatchObject({ object: 'account_link' });
    expect(link.expires_at - link.created).toBe(300);
    expect(page.status).toBe(200);
    expect(html).toContain('Complete onboarding');
    expect([completed.status, completed.headers.get('location')]).toEqual([303, urls.return_url]);
    expect([again.status, again.headers.get('location')]).toEqual([303, urls.refresh_url]);
    expect([expired.status, expired.headers.get('location')]).toEqual([303, urls.refresh_url]);
    expect(await stripe.accounts.retrieve(account.id)).toMatchObject({ charges_enabled: true, payouts_enabled: true, details_submitted: true, requirements: { currently_due: [] } });
    const updated = received.filter((event) => event.type === 'account.updated');
    expect(updated).toHaveLength(1);
    expect(updated[0]).toMatchObject({ account: account.id, data: { object: { id: account.id, charges_enabled: true }, previous_attributes: { charges_enabled: false } } });
  });

  it('deauthorizing sends account.application.deauthorized with the account', async () => {
    // Prepare
    const account = await stripe.accounts.create({ type: 'standard' });

    // Act
    const answer = await post(`${emulator.url}/_accounts/${account.id}/deauthorize`);
    const twice = await post(`${emulator.url}/_accounts/${account.id}/deauthorize`);
    await emulator.waitForWebhooks();

    // Assess
    expect([answer.status, twice.status]).toEqual([200, 403]);
    expect(received.map((event) => [event.type, event.account, (event.data.object as { object: string }).object])).toEqual([['account.application.deauthorized', account.id, 'application']]);
  });

  it('application_fee_amount only on a connected account’s payment (Stripe-Account), never above the amount', async () => {
    // Prepare
    const account = (await post(`${emulator.url}/_accounts`, { id: 'acct_feetest' }).then((r) => r.json())) as { id: string };
    const onAccount = { stripeAccount: account.id };
    const product = await stripe.products.create({ name: 'Session package' }, onAccount);
    const price = await stripe.prices.create({ product: product.id, unit_amount: 42500, currency: 'usd' }, onAccount);
    const platformPrice = await stripe.prices.create({ product_data: { name: 'Session package' }, unit_amount: 42500, currency: 'usd' });
    const session = (priceId: string, fee: number, options?: Stripe.RequestOptions) =>
      stripe.checkout.sessions.create(
        { mode: 'payment', line_items: [{ price: priceId, quantity: 1 }], success_url: 'http://127.0.0.1/s', payment_intent_data: { application_fee_amount: fee } },
        options,
      );

    // Act
    const direct = await session(price.id, 1062, onAccount);
    const onPlatform = await rejection(session(platformPrice.id, 1062));
    const tooBig = await rejection(session(price.id, 42501, onAccount));
    const customer = await stripe.customers.create({ email: 'c@example.test' });
    const platformInvoice = await rejection(stripe.invoices.create({ customer: customer.id, application_fee_amount: 85 }));
    const paid = await post(`${direct.url}/pay`, { outcome: 'succeeded', email: 'c@example.test' });
    const intent = await stripe.paymentIntents.retrieve(((await paid.json()) as { session: { payment_intent: string } }).session.payment_intent, {}, onAccount);

    // Assess
    expect([onPlatform.statusCode, onPlatform.param]).toEqual([400, 'payment_intent_data[application_fee_amount]']);
    expect(onPlatform.message).toContain('Stripe-Account');
    expect(tooBig.statusCode).toBe(400);
    expect([platformInvoice.statusCode, platformInvoice.param]).toEqual([400, 'application_fee_amount']);
    expect(intent.application_fee_amount).toBe(1062);
  });

  it('a Product id chosen by the caller is unique per account: the platform’s and a connected account’s are two objects', async () => {
    // Prepare
    const account = await stripe.accounts.create({ type: 'standard' });

    // Act
    await stripe.products.create({ id: 'kneadpay_pkg_1', name: 'Platform copy' });
    await stripe.products.create({ id: 'kneadpay_pkg_1', name: 'Account copy' }, { stripeAccount: account.id });
    const twice = await rejection(stripe.products.create({ id: 'kneadpay_pkg_1', name: 'Again' }, { stripeAccount: account.id }));

    // Assess
    expect((await stripe.products.retrieve('kneadpay_pkg_1')).name).toBe('Platform copy');
    expect((await stripe.products.retrieve('kneadpay_pkg_1', {}, { stripeAccount: account.id })).name).toBe('Account copy');
    expect(twice.code).toBe('resource_already_exists');
  });
});
