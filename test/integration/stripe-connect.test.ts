/**
 * Stripe Connect (issue 16), end to end over the local stack: the API routes, the Stripe emulator
 * over HTTP (real `stripe` SDK), its signed webhooks back into the stack, DynamoDB Local.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { startCheckout } from '../../functions/core/checkout';
import { observeLogs } from '../../functions/shared/logger';
import { createStore } from '../../functions/store/table';
import { markConnectRequested } from '../../functions/store/connect';
import { globalKeys, practicePk } from '../../functions/store/keys';
import { api, practiceProfile } from '../support/api';
import { emulatorAdmin, onboardThroughStripe, waitForStripeStatus } from '../support/connect';
import { outboxOf } from '../support/fixtures';
import { adjudicated, claimReady, stripe } from '../support/invoicing';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { deliver, stripeEvent } from '../support/stripe-events';
import { newPracticeId } from '../support/store';

const store = createStore();
const PACKAGE = { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd' };

const newPractice = async (name = 'Harbor Bodywork') => {
  const practiceId = newPracticeId();
  const saved = await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile({ name }) });
  expect(saved.status, saved.text).toBe(200);
  return practiceId;
};
const createPackage = async (practiceId: string) => {
  const made = await api('POST', `/practices/${practiceId}/packages`, { practiceId, body: PACKAGE });
  expect(made.status, made.text).toBe(201);
  return made.body.packageId as string;
};
const checkout = (practiceId: string, packageId: string, email = `${newPracticeId()}@client.example`) =>
  api('POST', `/p/${practiceId}/packages/${packageId}/checkout`, { body: { email, name: 'Jane Client' } });
const stripeCallsOn = async (account: string) =>
  ((await (await fetch(`${process.env.STRIPE_API_BASE}/_requests?path=/v1/`)).json()) as { requests: { headers: Record<string, string | null>; path: string }[] }).requests.filter(
    (request) => request.headers['stripe-account'] === account,
  );
const payHosted = async (url: string) => {
  const paid = await fetch(`${url}/pay`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ outcome: 'succeeded', email: 'typed-on-stripe@example.test' }),
  });
  expect(paid.status, await paid.clone().text()).toBe(200);
};
const purchasesOf = async (practiceId: string, email: string) => {
  const clients = await api('GET', `/practices/${practiceId}/clients?email=${encodeURIComponent(email)}`, { practiceId });
  const clientId = clients.body.items[0]?.clientId as string;
  return (await api('GET', `/practices/${practiceId}/clients/${clientId}/purchases`, { practiceId })).body.items as { status: string; sessionsRemaining: number }[];
};
const until = async <T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > end) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe('Stripe Connect onboarding', () => {
  it('onboarding twice makes one account (201 then 200), and completing it on the hosted page enables charges', async () => {
    // Prepare
    const practiceId = await newPractice();
    const before = await api('GET', `/practices/${practiceId}/stripe`, { practiceId });

    // Act
    const first = await onboardThroughStripe(practiceId, { complete: false });
    const second = await onboardThroughStripe(practiceId, { complete: false });
    const pending = await api('GET', `/practices/${practiceId}/stripe`, { practiceId });
    await fetch(`${second.url}/complete`, { method: 'POST', headers: { accept: 'application/json' } });
    const after = await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);

    // Assess
    expect(before.body).toMatchObject({ accountId: null, chargesEnabled: false, payoutsEnabled: false, detailsSubmitted: false, requirementsDue: [] });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.accountId).toBe(first.accountId);
    expect(first.url).not.toBe(second.url);
    const accounts = (await stripe.accounts.list({ limit: 100 })).data.filter((a) => a.metadata?.practiceId === practiceId);
    expect(accounts.map((a) => [a.id, a.type])).toEqual([[first.accountId, 'standard']]);
    expect(pending.body).toMatchObject({ accountId: first.accountId, chargesEnabled: false, status: 'onboarding' });
    expect(pending.body.requirementsDue.length).toBeGreaterThan(0);
    expect(after).toMatchObject({ accountId: first.accountId, chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true, requirementsDue: [], status: 'enabled' });
    // The Account Link comes back to kneadpay; the return page reads kneadpay's own record.
    const page = await fetch(`${process.env.KNEADPAY_PUBLIC_URL ?? ''}/p/${practiceId}/stripe/return`).catch(() => undefined);
    if (page) expect(page.status).toBe(200);
  });

  it('a practice that never onboarded sells on the platform account; one mid-onboarding answers 409 payments_not_enabled without calling Stripe, and its storefront says so', async () => {
    // Prepare
    const platformPractice = await newPractice();
    const platformPackage = await createPackage(platformPractice);
    const practiceId = await newPractice();
    const packageId = await createPackage(practiceId);
    const { accountId } = await onboardThroughStripe(practiceId, { complete: false });
    const callsBefore = (await stripeCallsOn(accountId)).length;

    // Act
    const onPlatform = await checkout(platformPractice, platformPackage);
    const blocked = await checkout(practiceId, packageId);
    const storefront = await api('GET', `/p/${practiceId}`, { headers: { accept: 'text/html' } });

    // Assess
    expect(onPlatform.status, onPlatform.text).toBe(201);
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.code).toBe('payments_not_enabled');
    expect((await stripeCallsOn(accountId)).length).toBe(callsBefore);
    expect(storefront.text).toContain('cannot take payments online yet');
    expect(storefront.text).not.toContain('<form');
  });

  it('a package made before onboarding sells on the connected account: its Product and Price are made there, once', async () => {
    // Prepare: the package's Product/Price live on the platform account.
    const practiceId = await newPractice();
    const packageId = await createPackage(practiceId);
    const { accountId } = await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);

    // Act
    const answers = [await checkout(practiceId, packageId), await checkout(practiceId, packageId)];

    // Assess
    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    const session = await stripe.checkout.sessions.retrieve(answers[0]!.body.checkoutSessionId, { expand: ['line_items'] }, { stripeAccount: accountId });
    expect(session.line_items?.data[0]?.price?.product).toBe(`kneadpay_${packageId}`);
    const products = (await stripe.products.list({ limit: 100 }, { stripeAccount: accountId })).data.filter((p) => p.id === `kneadpay_${packageId}`);
    const prices = (await stripe.prices.list({ limit: 100, product: `kneadpay_${packageId}` }, { stripeAccount: accountId })).data;
    expect([products.length, prices.length]).toEqual([1, 1]);
    // The platform's copy is still there, untouched.
    expect((await stripe.products.retrieve(`kneadpay_${packageId}`)).id).toBe(`kneadpay_${packageId}`);
  });

  it('a client who bought on the platform before onboarding buys again on the connected account: a Customer there, once (a Customer belongs to one account)', async () => {
    // Prepare: a first checkout on the platform's account makes the client's Customer there.
    const practiceId = await newPractice();
    const packageId = await createPackage(practiceId);
    const email = `${newPracticeId()}@client.example`;
    const before = await checkout(practiceId, packageId, email);
    expect(before.status).toBe(201);
    const platformSession = await stripe.checkout.sessions.retrieve(before.body.checkoutSessionId);
    const { accountId } = await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);

    // Act: the same client buys twice on the connected account.
    const after = [await checkout(practiceId, packageId, email), await checkout(practiceId, packageId, email)];

    // Assess: both sessions use one Customer of the connected account, not the platform's (it answered "No such customer").
    expect(after.map((a) => a.status)).toEqual([201, 201]);
    const sessions = await Promise.all(after.map((a) => stripe.checkout.sessions.retrieve(a.body.checkoutSessionId, {}, { stripeAccount: accountId })));
    expect(sessions[0]!.customer).toBe(sessions[1]!.customer);
    expect(sessions[0]!.customer).not.toBe(platformSession.customer);
    const customer = await stripe.customers.retrieve(String(sessions[0]!.customer), {}, { stripeAccount: accountId });
    expect(customer).toMatchObject({ email, metadata: { practiceId, clientId: before.body.clientId ?? expect.any(String) } });
  });
});

describe('the account belongs to the practice that onboarded it', () => {
  it('the hostile sequence fails at every step: saves never release A’s account, B can never take or act on it', async () => {
    // Prepare: A onboarded and selling; B a second tenant.
    const a = await newPractice('A Bodywork');
    const { accountId: accountA } = await onboardThroughStripe(a);
    await waitForStripeStatus(a, (s) => s.chargesEnabled);
    const b = await newPractice('B Bodywork');

    // Act + Assess, step by step.
    // 1. A saves its profile without the field: the account stays A's.
    expect((await api('PUT', `/practices/${a}`, { practiceId: a, body: practiceProfile({ name: 'A Bodywork' }) })).status).toBe(200);
    expect((await api('GET', `/practices/${a}/stripe`, { practiceId: a })).body.accountId).toBe(accountA);
    expect((await api('GET', `/practices/${a}`, { practiceId: a })).body.stripeAccountId).toBe(accountA);
    // 2. B types A's account id into its profile: 400 naming the field, nothing written.
    const claim = await api('PUT', `/practices/${b}`, { practiceId: b, body: practiceProfile({ stripeAccountId: accountA }) });
    expect(claim.status).toBe(400);
    expect(claim.body.error.details.field).toBe('stripeAccountId');
    expect(claim.body.error.message).toContain('/stripe/onboarding');
    expect((await api('GET', `/practices/${b}`, { practiceId: b })).body.stripeAccountId).toBeUndefined();
    // 3. A may repeat its own id; any other id is refused too.
    expect((await api('PUT', `/practices/${a}`, { practiceId: a, body: practiceProfile({ name: 'A Bodywork', stripeAccountId: accountA }) })).status).toBe(200);
    expect((await api('PUT', `/practices/${a}`, { practiceId: a, body: practiceProfile({ stripeAccountId: 'acct_other' }) })).status).toBe(400);
    // 4. B's token cannot reach A's Stripe routes.
    expect((await api('POST', `/practices/${a}/stripe/onboarding`, { practiceId: b })).status).toBe(403);
    expect((await api('GET', `/practices/${a}/stripe`, { practiceId: b })).status).toBe(403);
    expect((await api('DELETE', `/practices/${a}/stripe`, { practiceId: b })).status).toBe(403);
    // 5. B's own onboarding makes B's own account; B's packages go there, not to A's.
    const { accountId: accountB } = await onboardThroughStripe(b);
    expect(accountB).not.toBe(accountA);
    await waitForStripeStatus(b, (s) => s.chargesEnabled);
    const packageB = await createPackage(b);
    const onA = (await stripe.products.list({ limit: 100 }, { stripeAccount: accountA })).data.map((p) => p.id);
    expect(onA).not.toContain(`kneadpay_${packageB}`);
    expect((await stripe.products.retrieve(`kneadpay_${packageB}`, {}, { stripeAccount: accountB })).id).toBe(`kneadpay_${packageB}`);
    // 6. A's events still reach A: a charges toggle on A's account changes A, not B.
    await emulatorAdmin(`/_accounts/${accountA}`, { charges_enabled: false });
    await waitForStripeStatus(a, (s) => s.chargesEnabled === false);
    expect((await api('GET', `/practices/${b}/stripe`, { practiceId: b })).body).toMatchObject({ accountId: accountB, chargesEnabled: true });
    await emulatorAdmin(`/_accounts/${accountA}`, { charges_enabled: true });
    await waitForStripeStatus(a, (s) => s.chargesEnabled === true);
  });

  it('a payment during a profile save is granted (the save neither releases the account nor drops the event)', async () => {
    // Prepare: A onboarded, a client at the hosted Checkout.
    const practiceId = await newPractice();
    await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    const packageId = await createPackage(practiceId);
    const email = `${newPracticeId()}@client.example`;
    const started = await checkout(practiceId, packageId, email);
    expect(started.status).toBe(201);

    // Act: profile saves (some without the field, one with it) around and during the payment.
    const saves = Promise.all([0, 1, 2, 3].map((i) => api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile({ name: `Harbor ${i}` }) })));
    await payHosted(started.body.url);
    const answers = await saves;

    // Assess: each save is 200 or a 409 to retry, and the payment is granted.
    expect(answers.every((answer) => answer.status === 200 || answer.status === 409)).toBe(true);
    const purchases = await until(
      () => purchasesOf(practiceId, email),
      (items) => items[0]?.status === 'active',
    );
    expect(purchases[0]).toMatchObject({ status: 'active', sessionsRemaining: 5 });
  });
});

describe('account events', () => {
  it('account.updated toggles charges: a restricted account sells nothing, an enabled one sells again', async () => {
    // Prepare
    const practiceId = await newPractice();
    const { accountId } = await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    const packageId = await createPackage(practiceId);

    // Act
    await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: false, currently_due: ['external_account'] });
    const off = await waitForStripeStatus(practiceId, (s) => !s.chargesEnabled);
    const refused = await checkout(practiceId, packageId);
    await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: true, currently_due: [] });
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    const sold = await checkout(practiceId, packageId);

    // Assess
    expect(off).toMatchObject({ chargesEnabled: false, requirementsDue: ['external_account'] });
    expect([refused.status, refused.body.error?.code]).toEqual([409, 'payments_not_enabled']);
    expect(sold.status).toBe(201);
    expect((await outboxOf(store, practiceId)).filter((e) => e.detailType === 'StripeAccountUpdated').length).toBeGreaterThanOrEqual(3);
  });

  it('an older account.updated never overwrites a newer state', async () => {
    // Prepare
    const practiceId = await newPractice();
    const { accountId } = await onboardThroughStripe(practiceId);
    const enabled = await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    const account = await stripe.accounts.retrieve(accountId);

    // Act: a stale "cannot charge" from an hour ago.
    const stale = await deliver(stripeEvent('account.updated', { ...account, charges_enabled: false }, { account: accountId, created: Math.floor(Date.now() / 1000) - 3600 }));

    // Assess
    expect(stale.statusCode).toBe(200);
    expect(stale.headers?.['x-kneadpay-outcome']).toBe('ignored');
    expect((await api('GET', `/practices/${practiceId}/stripe`, { practiceId })).body).toEqual(enabled);
  });

  it('deauthorization stops sales; the emulator then refuses the account; an audited release frees the practice to connect again', async () => {
    // Prepare
    const practiceId = await newPractice();
    const { accountId } = await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    const packageId = await createPackage(practiceId);

    // Act
    expect((await emulatorAdmin(`/_accounts/${accountId}/deauthorize`)).status).toBe(200);
    const status = await waitForStripeStatus(practiceId, (s) => s.status === 'deauthorized');
    const refused = await checkout(practiceId, packageId);
    const storefront = await api('GET', `/p/${practiceId}`, { headers: { accept: 'text/html' } });
    const reonboard = await api('POST', `/practices/${practiceId}/stripe/onboarding`, { practiceId });
    const released = await api('DELETE', `/practices/${practiceId}/stripe`, { practiceId });
    const after = await api('GET', `/practices/${practiceId}/stripe`, { practiceId });
    const fresh = await onboardThroughStripe(practiceId);

    // Assess
    expect(status).toMatchObject({ accountId, chargesEnabled: false, payoutsEnabled: false });
    expect([refused.status, refused.body.error?.code]).toEqual([409, 'payments_not_enabled']);
    expect(storefront.text).toContain('cannot take payments online yet');
    expect([reonboard.status, reonboard.body.error?.code]).toEqual([409, 'stripe_account_disconnected']);
    expect(released.status, released.text).toBe(200);
    expect(released.body).toMatchObject({ accountId, released: true });
    expect(after.body).toMatchObject({ accountId: null, status: 'not_connected' });
    expect(fresh.status).toBe(201);
    expect(fresh.accountId).not.toBe(accountId);
    const audit = await store.doc.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
        ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'AUDIT#' },
      }),
    );
    expect(audit.Items?.map((item) => [item.action, item.accountId])).toEqual([['stripe-account-released', accountId]]);
    expect((await outboxOf(store, practiceId)).map((e) => e.detailType)).toEqual(expect.arrayContaining(['StripeAccountDeauthorized', 'StripeAccountReleased']));
    // The old account's owner record is kept: its late events still find this practice.
    const owner = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: { pk: `STRIPE_ACCOUNT#${accountId}`, sk: 'OWNER' } }));
    expect(owner.Item).toMatchObject({ practiceId });
  });

  it('an account is never released while a payment on it is open', async () => {
    // Prepare: a client holds an open Checkout Session.
    const practiceId = await newPractice();
    const { accountId } = await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    const started = await checkout(practiceId, await createPackage(practiceId));
    expect(started.status).toBe(201);

    // Act
    const refused = await api('DELETE', `/practices/${practiceId}/stripe`, { practiceId });

    // Assess
    expect([refused.status, refused.body.error?.code]).toEqual([409, 'payments_open']);
    expect((await api('GET', `/practices/${practiceId}/stripe`, { practiceId })).body.accountId).toBe(accountId);
  });

  it('no event is silently dropped: an account being linked answers 503 (recorded); an account never known is ignored, recorded and counted', async () => {
    // Prepare: a practice whose onboarding is creating its account right now.
    const practiceId = await newPractice();
    await markConnectRequested(store, practiceId, new Date());
    const account = await stripe.accounts.create({ type: 'standard', metadata: { practiceId } });
    const early = stripeEvent('account.updated', { ...account }, { account: account.id });
    const stranger = await stripe.accounts.create({ type: 'standard' });
    const unknown = stripeEvent('account.updated', { ...stranger }, { account: stranger.id });
    const lines: string[] = [];
    const stop = observeLogs((line) => lines.push(line));

    // Act
    const deferred = await deliver(early);
    const ignored = await deliver(unknown);
    stop();

    // Assess
    expect(deferred.statusCode).toBe(503);
    const recorded = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: { pk: practicePk(practiceId), sk: `STRIPE_EVENT_DEFERRED#${early.id}` } }));
    expect(recorded.Item).toMatchObject({ eventId: early.id, accountId: account.id });
    expect([ignored.statusCode, ignored.headers?.['x-kneadpay-outcome']]).toEqual([200, 'ignored']);
    const marker = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: globalKeys.stripeEventMarker(unknown.id) }));
    expect(marker.Item?.result).toMatchObject({ outcome: 'ignored', reason: 'unknown connected account' });
    expect(lines.filter((line) => line.includes('"metric":"StripeEventUnknownAccount"') && line.includes(unknown.id))).toHaveLength(1);
  });
});

describe('platform fee (KNEADPAY_PLATFORM_FEE_BPS)', () => {
  it('2.5% on a $425 package: application_fee_amount 1062 on the connected payment; ledger keeps the gross; PlatformFeeCollected reports the fee', async () => {
    // Prepare
    const practiceId = await newPractice();
    const { accountId } = await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    const packageId = await createPackage(practiceId);
    const previous = process.env.KNEADPAY_PLATFORM_FEE_BPS;
    process.env.KNEADPAY_PLATFORM_FEE_BPS = '250';

    // Act: this worker's checkout code reads the setting (the stack's own process has none).
    let started;
    try {
      started = await startCheckout({ store, stripe, publicUrl: 'http://127.0.0.1:3000' }, practiceId, packageId, { email: `${newPracticeId()}@client.example`, name: 'Jane Client' });
    } finally {
      if (previous === undefined) delete process.env.KNEADPAY_PLATFORM_FEE_BPS;
      else process.env.KNEADPAY_PLATFORM_FEE_BPS = previous;
    }
    await payHosted(started.url);

    // Assess
    const session = await stripe.checkout.sessions.retrieve(started.checkoutSessionId, { expand: ['payment_intent'] }, { stripeAccount: accountId });
    expect((session.payment_intent as { application_fee_amount: number }).application_fee_amount).toBe(1062);
    expect(session.amount_total).toBe(42500);
    const events = await until(
      () => outboxOf(store, practiceId),
      (items) => items.some((e) => e.detailType === 'PlatformFeeCollected'),
    );
    const fee = events.find((e) => e.detailType === 'PlatformFeeCollected');
    expect(fee?.detail).toMatchObject({ practiceId, accountId, kind: 'package', grossCents: 42500, feeCents: 1062, netCents: 41438, currency: 'usd' });
    expect(events.find((e) => e.detailType === 'PaymentSucceeded')?.detail).toMatchObject({ amountCents: 42500 });
  });

  it('2.5% on a $34 balance invoice: application_fee_amount 85 on the connected account’s invoice; PlatformFeeCollected when it is paid', async () => {
    // Prepare: a connected practice with claim CLM-1001; its ClaimAdjudicated is invoiced here, in
    // this worker, with the fee set (it never reaches the stack's bus, whose invoicer has no fee).
    const { practiceId } = await claimReady();
    const { accountId } = await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    const previous = process.env.KNEADPAY_PLATFORM_FEE_BPS;
    process.env.KNEADPAY_PLATFORM_FEE_BPS = '250';

    // Act
    try {
      await invoiceClaimBalance({ store, stripe: async () => stripe, publicUrl: 'http://127.0.0.1:3000' }, adjudicated(practiceId).original);
    } finally {
      if (previous === undefined) delete process.env.KNEADPAY_PLATFORM_FEE_BPS;
      else process.env.KNEADPAY_PLATFORM_FEE_BPS = previous;
    }
    const claim = await until(
      () => api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId }),
      (answer) => !!answer.body.invoice?.hostedInvoiceUrl,
    );
    const invoiceCreate = (await stripeCallsOn(accountId)).filter((request) => request.path === '/v1/invoices' && (request as unknown as { method: string }).method === 'POST');
    await payHosted(claim.body.invoice.hostedInvoiceUrl);

    // Assess
    expect(invoiceCreate.map((request) => (request as unknown as { params: Record<string, unknown> }).params.application_fee_amount)).toEqual(['85']);
    const events = await until(
      () => outboxOf(store, practiceId),
      (items) => items.some((e) => e.detailType === 'PlatformFeeCollected'),
    );
    expect(events.find((e) => e.detailType === 'PlatformFeeCollected')?.detail).toMatchObject({
      practiceId,
      accountId,
      kind: 'invoice',
      grossCents: 3400,
      feeCents: 85,
      netCents: 3315,
      currency: 'usd',
    });
    expect(events.find((e) => e.detailType === 'PaymentSucceeded' && e.detail.kind === 'invoice')?.detail).toMatchObject({ amountCents: 3400 });
  });

  it('no fee without a connected account or with the default 0', async () => {
    const { platformFeeFor } = await import('../../functions/stripe/accounts');
    expect([platformFeeFor(42500, undefined, 250), platformFeeFor(42500, 'acct_x', 0), platformFeeFor(3400, 'acct_x', 250), platformFeeFor(1, 'acct_x', 250)]).toEqual([0, 0, 85, 0]);
  });
});
