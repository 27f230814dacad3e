/**
 * The Stripe gateway (functions/stripe/): the only place Stripe is called, with stripe-node's own
 * param types, and stripe-node's errors mapped to kneadpay's (a refusal is a clear 4xx/502 with
 * Stripe's message; only what a retry may fix is a 503).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createInvoice } from '../../functions/stripe/invoices';
import { createCustomer } from '../../functions/stripe/customers';
import type { StripeScope } from '../../functions/stripe/gateway';
import { api, practiceProfile } from '../support/api';
import { emulator, stripe } from '../support/invoicing';
import { newPracticeId } from '../support/store';

const ROOT = new URL('../../functions/', import.meta.url).pathname;
const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });

/** A call on a Stripe SDK resource: `stripe.invoices.create(`, `deps.stripe.prices`, `Stripe.webhooks.`, `(await ctx.stripe()).refunds`. */
const SDK_CALL = /\b[sS]tripe\)?\s*\.\s*(customers|products|prices|checkout|invoices|invoiceItems|invoicePayments|refunds|charges|paymentIntents|events|disputes|accounts|accountLinks|webhooks|webhookEndpoints|balance|creditNotes|paymentMethods|setupIntents|subscriptions)\b/;

describe('one Stripe gateway', () => {
  it('no Stripe SDK call exists outside functions/stripe/', () => {
    const offenders = filesUnder(ROOT)
      .filter((file) => !file.startsWith(join(ROOT, 'stripe/')))
      .flatMap((file) => readFileSync(file, 'utf8').split('\n').map((line, i) => ({ file, line: i + 1, text: line })))
      .filter(({ text }) => SDK_CALL.test(text) && !/^\s*(\*|\/\/)/.test(text));
    expect(offenders).toEqual([]);
    // The pattern does find SDK calls (it is not vacuous): the gateway itself is full of them.
    expect(filesUnder(join(ROOT, 'stripe')).filter((file) => SDK_CALL.test(readFileSync(file, 'utf8'))).length).toBeGreaterThanOrEqual(6);
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
  afterEach(async () => {
    await emulator('/_faults', { method: 'DELETE' });
  });

  const newPackage = async (practiceId: string) =>
    api('POST', `/practices/${practiceId}/packages`, {
      practiceId,
      body: { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd' },
    });

  it('account_invalid (the practice account is not usable by the platform) → 409 stripe_account_unusable with Stripe\'s message, not a 500', async () => {
    const practiceId = newPracticeId();
    await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() });
    await emulator('/_faults', {
      method: 'POST',
      body: { path: '/v1/products', method: 'POST', status: 403, errorType: 'invalid_request_error', code: 'account_invalid', message: "The provided key does not have access to account 'acct_gone' (or that account does not exist).", count: 1 },
    });
    const answer = await newPackage(practiceId);
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'stripe_account_unusable', message: expect.stringContaining('does not have access to account'), details: { stripeCode: 'account_invalid' } });
  });

  it('a request Stripe refuses (400) → 502 stripe_refused naming the parameter; an outage past the SDK retries → 503 retry_later', async () => {
    const practiceId = newPracticeId();
    await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() });
    await emulator('/_faults', { method: 'POST', body: { path: '/v1/products', method: 'POST', status: 400, errorType: 'invalid_request_error', code: 'parameter_invalid_string', message: 'Invalid string: name', count: 1 } });
    const refused = await newPackage(practiceId);
    expect(refused.status).toBe(502);
    expect(refused.body.error).toMatchObject({ code: 'stripe_refused', message: expect.stringContaining('Invalid string: name') });

    await emulator('/_faults', { method: 'POST', body: { path: '/v1/products', method: 'POST', status: 500, count: 3 } });
    const outage = await newPackage(practiceId);
    expect(outage.status).toBe(503);
    expect(outage.body.error).toMatchObject({ code: 'retry_later' });
  });
});
