import { createServer, type Server } from 'node:http';
import { type Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../../local/stripe-emulator';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/stripe-emulator/testing';

const SECRET = 'whsec_kneadpay_local';

/** Stands in for the practice's site: the page Checkout sends the client back to. */
const startSuccessSite = async (): Promise<{ url: string; server: Server }> => {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' });
    res.end(`<!doctype html><html lang="en"><title>Thank you</title><h1>Thank you</h1><p id="session">${new URL(req.url ?? '/', 'http://x').searchParams.get('session_id') ?? ''}</p></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, server };
};

describe('Stripe emulator hosted Checkout page in a browser', () => {
  let emulator: StripeEmulator;
  let receiver: WebhookReceiver;
  let site: { url: string; server: Server };
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    site = await startSuccessSite();
    emulator = await startStripeEmulator({ port: 0, webhookUrls: [receiver.url], webhookSecret: SECRET, webhookRetryDelaysMs: [50] });
  });
  afterEach(async () => {
    await emulator.stop();
    await receiver.close();
    await new Promise<void>((resolve) => {
      site.server.close(() => resolve());
      site.server.closeAllConnections();
    });
  });

  it('shows the amount, takes a click on Pay, lands on success_url and delivers a signed checkout.session.completed', async () => {
    // Prepare
    const stripe = new Stripe('sk_test_emulator', { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });
    const product = await stripe.products.create({ name: 'Bodywork session package (5)' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 45000 });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: price.id, quantity: 1 }],
      customer_email: 'client@example.test',
      metadata: { practiceId: 'p-1', packageId: 'pkg-5' },
      success_url: `${site.url}/thanks?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${site.url}/cancelled`,
    });
    const page = await browser.newPage();
    onTestFinished(() => page.close());

    // Act
    await page.goto(session.url ?? '');
    const title = await page.title();
    const total = await page.getByTestId('amount-total').textContent();
    const emailValue = await page.getByLabel('Email').inputValue();
    await page.getByRole('button', { name: 'Pay $450.00' }).click();
    await page.waitForURL(`${site.url}/thanks?session_id=${session.id}`);
    const landed = await page.locator('#session').textContent();
    const hook = await receiver.waitFor((h) => h.event.type === 'checkout.session.completed');
    const event = stripe.webhooks.constructEvent(hook.rawBody, hook.signature, SECRET);

    // Assess
    expect(title).toBe('Pay $450.00 — Checkout');
    expect(total).toBe('$450.00');
    expect(emailValue).toBe('client@example.test');
    expect(landed).toBe(session.id);
    expect(event.data.object).toMatchObject({
      id: session.id,
      status: 'complete',
      payment_status: 'paid',
      amount_total: 45000,
      metadata: { practiceId: 'p-1', packageId: 'pkg-5' },
      customer_details: { email: 'client@example.test' },
    });
  });

  it('shows a declined card as an alert and keeps the session payable', async () => {
    // Prepare
    const stripe = new Stripe('sk_test_emulator', { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });
    const product = await stripe.products.create({ name: 'Single session' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 9500 });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: `${site.url}/thanks?session_id={CHECKOUT_SESSION_ID}`,
    });
    const page = await browser.newPage();
    onTestFinished(() => page.close());

    // Act
    await page.goto(session.url ?? '');
    await page.getByLabel('Email').fill('walk-in@example.test');
    await page.getByLabel('Visa ending in 0002 — declined').check();
    await page.getByRole('button', { name: 'Pay $95.00' }).click();
    const alertText = await page.getByRole('alert').textContent();
    const afterDecline = await stripe.checkout.sessions.retrieve(session.id);
    await page.getByLabel('Email').fill('walk-in@example.test');
    await page.getByRole('button', { name: 'Pay $95.00' }).click();
    await page.waitForURL(`${site.url}/thanks?session_id=${session.id}`);
    const paid = await stripe.checkout.sessions.retrieve(session.id);

    // Assess
    expect(alertText).toBe('Your card was declined.');
    expect(afterDecline.status).toBe('open');
    expect(paid).toMatchObject({ status: 'complete', payment_status: 'paid', customer_details: { email: 'walk-in@example.test' } });
  });
});
