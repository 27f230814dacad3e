/**
 * The Stripe gateway (functions/stripe/): the only place Stripe is called, with stripe-node's own
 * param types, and stripe-node's errors mapped to kneadpay's (a refusal is a clear 4xx/502 with
 * Stripe's message; only what a retry may fix is a 503).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createInvoice } from '../../functions/stripe/invoices';
import { createCustomer } from '../../functions/stripe/customers';
import type { StripeScope } from '../../functions/stripe/gateway';
import { api, practiceProfile } from '../support/api';
import { emulator, store, stripe } from '../support/invoicing';
import { connectTestAccount } from '../support/connect';
import { newAccount } from '../support/reliability';
import { newPracticeId } from '../support/store';

const ROOT = new URL('../../functions/', import.meta.url).pathname;
const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });

/**
 * Every resource of the Stripe client, read from the SDK itself (so a resource kneadpay starts using
 * later, e.g. `accountSessions`, is covered without editing a list), plus `rawRequest`. `errors` is
 * left out: `Stripe.errors.StripeError` is a class to test against, not a call.
 */
const probe = new Stripe('sk_test_probe') as unknown as Record<string, unknown>;
const RESOURCES = [...Object.keys(probe).filter((key) => /^[a-z]/.test(key) && key !== 'errors' && typeof probe[key] === 'object' && probe[key] !== null), 'rawRequest'];
/**
 * A call on a Stripe SDK resource: `stripe.invoices.create(`, `deps.stripe.checkout.sessions.list(`,
 * `Stripe.webhooks.`, `(await ctx.stripe()).refunds`, also split over lines (`stripe\n  .accounts`).
 */
const SDK_CALL = new RegExp(String.raw`\b[sS]tripe(?:\(\))?\)?\s*\.\s*(${RESOURCES.join('|')})\b`, 'g');
const sdkCalls = (text: string) =>
  [...text.matchAll(SDK_CALL)]
    .map((match) => {
      const start = text.lastIndexOf('\n', match.index) + 1;
      const end = text.indexOf('\n', match.index);
      return { line: text.slice(0, match.index).split('\n').length, text: text.slice(start, end === -1 ? undefined : end) };
    })
    .filter(({ text }) => !/^\s*(\*|\/\/)/.test(text));

describe('one Stripe gateway', () => {
  it('no Stripe SDK call exists outside functions/stripe/', () => {
    const offenders = filesUnder(ROOT)
      .filter((file) => !file.startsWith(join(ROOT, 'stripe/')))
      .flatMap((file) => sdkCalls(readFileSync(file, 'utf8')).map((call) => ({ file, ...call })));
    expect(offenders).toEqual([]);
    // The pattern does find SDK calls (it is not vacuous): the gateway itself is full of them, and it
    // catches the shapes core once had (Connect's listing calls, moved into functions/stripe/accounts.ts).
    expect(RESOURCES).toEqual(expect.arrayContaining(['accounts', 'accountLinks', 'checkout', 'invoices', 'events', 'refunds', 'webhooks']));
    expect(filesUnder(join(ROOT, 'stripe')).filter((file) => sdkCalls(readFileSync(file, 'utf8')).length > 0).length).toBeGreaterThanOrEqual(6);
    for (const shape of [
      'for await (const account of stripe.accounts.list({ limit: 100 })) {',
      'const sessions = await deps.stripe.checkout.sessions.list({ status: "open" });',
      'await deps.stripe.invoices.list({ status: "open" }, { stripeAccount });',
      'await this.stripe.accountLinks.create({ account });',
      'const link = await stripe\n    .accountSessions.create({ account });',
      'await (await ctx.stripe()).refunds.create({ charge });',
      'await stripe.rawRequest("GET", "/v1/accounts");',
    ])
      expect(sdkCalls(shape), shape).toHaveLength(1);
    expect(sdkCalls('// stripe.accounts.list( in a comment')).toEqual([]);
    expect(sdkCalls('if (stripeEvent.account) throw new Stripe.errors.StripeError(raw);')).toEqual([]);
  });

  it('params are stripe-node types: a misspelled parameter or a wrong enum does not compile (checked by tsc)', () => {
    const scope: StripeScope = { stripe };
    // These never run; `npx tsc --noEmit` fails if either line compiles (the directive is then unused).
    const typos = [
      // @ts-expect-error — `custmer` is not an InvoiceCreateParams field
      () => createInvoice(scope, { custmer: 'cus_1', collection_method: 'send_invoice' }, 'key'),
      // @ts-expect-error — 'send_email' is not a collection_method (stripe-node's enums are open; the gateway closes the ones kneadpay sets)
      () => createInvoice(scope, { customer: 'cus_1', collection_method: 'send_email' }, 'key'),
      // @ts-expect-error — every POST needs its deterministic idempotency key
      () => createCustomer(scope, { email: 'a@b.example' }),
    ];
    expect(typos).toHaveLength(3);
  });

  it('refuses PHI before sending, and allows the name and email on the Customer only', async () => {
    const scope: StripeScope = { stripe };
    await expect(createInvoice(scope, { customer: 'cus_x', description: 'massage for M54.2' }, 'phi-1')).rejects.toThrow(/diagnosis code/);
    await expect(createInvoice(scope, { customer: 'cus_x', description: 'for someone@client.example' }, 'phi-2')).rejects.toThrow(/email/);
    await expect(createCustomer(scope, { email: 'ok@elsewhere.example', name: 'Ok Person', metadata: { note: 'CPT 97124' } }, 'phi-3')).rejects.toThrow(/procedure code/);
    await expect(createCustomer(scope, { email: 'two@a.example, three@b.example' }, 'phi-4')).rejects.toThrow(/one email address/);
  });
});

describe('Stripe errors mapped', () => {
  const newPackage = async (practiceId: string) =>
    api('POST', `/practices/${practiceId}/packages`, {
      practiceId,
      body: { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd' },
    });

  it("account_invalid (the practice account is not usable by the platform) → 409 stripe_account_unusable with Stripe's message, not a 500", async () => {
    const practiceId = newPracticeId();
    await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() });
    // The emulator is shared with other files: the fault hits this practice's own connected account only.
    const account = await connectTestAccount(store, practiceId, newAccount());
    await emulator('/_faults', {
      method: 'POST',
      body: {
        account,
        path: '/v1/products',
        method: 'POST',
        status: 403,
        errorType: 'invalid_request_error',
        code: 'account_invalid',
        message: "The provided key does not have access to account 'acct_gone' (or that account does not exist).",
        count: 1,
      },
    });
    const answer = await newPackage(practiceId);
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'stripe_account_unusable', message: expect.stringContaining('does not have access to account'), details: { stripeCode: 'account_invalid' } });
  });

  it('a request Stripe refuses (400) → 502 stripe_refused naming the parameter; an outage past the SDK retries → 503 retry_later', async () => {
    const practiceId = newPracticeId();
    await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() });
    // The emulator is shared with other files: the faults hit this practice's own connected account only.
    const account = await connectTestAccount(store, practiceId, newAccount());
    await emulator('/_faults', {
      method: 'POST',
      body: { path: '/v1/products', method: 'POST', account, status: 400, errorType: 'invalid_request_error', code: 'parameter_invalid_string', message: 'Invalid string: name', count: 1 },
    });
    const refused = await newPackage(practiceId);
    expect(refused.status).toBe(502);
    expect(refused.body.error).toMatchObject({ code: 'stripe_refused', message: expect.stringContaining('Invalid string: name') });

    await emulator('/_faults', { method: 'POST', body: { path: '/v1/products', method: 'POST', account, status: 500, count: 3 } });
    const outage = await newPackage(practiceId);
    expect(outage.status).toBe(503);
    expect(outage.body.error).toMatchObject({ code: 'retry_later' });
  });
});
