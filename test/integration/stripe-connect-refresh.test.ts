/**
 * Stripe Connect onboarding against Stripe's Connect guides (audit c3, 2026-12-07), over the local
 * stack: the API routes and public pages, the Stripe emulator over HTTP (real `stripe` SDK), its
 * signed webhooks, DynamoDB Local.
 *
 * Stripe's facts these tests name:
 * - docs.stripe.com/connect/hosted-onboarding: being sent to `return_url` does not mean onboarding
 *   finished ("no state is passed through this URL"): retrieve the account and check it.
 * - docs.stripe.com/api/account_links/create: an Account Link is single-use and expires; `refresh_url`
 *   is where Stripe sends a link that expired or was used, and should lead to a new link for the
 *   same account, made only after authenticating the user.
 * - DOMAIN.md §7 / docs.stripe.com/webhooks: events arrive at least once, in no guaranteed order;
 *   `created` counts whole seconds. A delivery can be lost (the emulator's `lost: true` records the
 *   event and delivers it to no endpoint, as a delivery lost on the way would).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createStore } from '../../functions/store/table';
import { connectKey } from '../../functions/store/connect';
import { LIMITS } from '../../functions/store/rate-limits';
import { api, practiceProfile } from '../support/api';
import { emulatorAdmin, onboardThroughStripe, waitForStripeStatus } from '../support/connect';
import { outboxOf } from '../support/fixtures';
import { stripe } from '../support/invoicing';
import { deliver, stripeEvent } from '../support/stripe-events';
import { newPracticeId } from '../support/store';

const store = createStore();
const emulator = () => process.env.STRIPE_API_BASE ?? '';

const newPractice = async (name = 'Harbor Bodywork') => {
  const practiceId = newPracticeId();
  const saved = await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile({ name }) });
  expect(saved.status, saved.text).toBe(200);
  return practiceId;
};
const status = async (practiceId: string) => (await api('GET', `/practices/${practiceId}/stripe`, { practiceId })).body;
const accountUpdates = async (practiceId: string) => (await outboxOf(store, practiceId)).filter((e) => e.detailType === 'StripeAccountUpdated');
const publicPage = (practiceId: string, step: string) => api('GET', `/p/${practiceId}/stripe/${step}`, { headers: { accept: 'text/html' } });
const accountReads = async (accountId: string) => ((await (await fetch(`${emulator()}/_requests?path=/v1/accounts/${accountId}&method=GET`)).json()) as { requests: unknown[] }).requests.length;
/** Stripe finishes the account's onboarding, and the `account.updated` it sends never reaches kneadpay. */
const completeWithLostEvent = async (accountId: string) => {
  const changed = await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: true, payouts_enabled: true, details_submitted: true, currently_due: [], lost: true });
  expect(changed.status).toBe(200);
  const events = await stripe.events.list({ type: 'account.updated', limit: 100 }, { stripeAccount: accountId });
  expect(events.data.filter((e) => e.account === accountId && (e.data.object as { charges_enabled?: boolean }).charges_enabled)).toHaveLength(1);
};

describe('the record follows Stripe when account.updated is lost (Stripe: retrieve the account on return)', () => {
  it('the public return page asks Stripe and records what it says once, however many times it is loaded at once', async () => {
    // Prepare: onboarding started; Stripe enables charges; its event is lost.
    const practiceId = await newPractice();
    const { accountId } = await onboardThroughStripe(practiceId, { complete: false });
    await completeWithLostEvent(accountId);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = await status(practiceId);

    // Act: the practice lands on the return page (and it is loaded five times at once).
    const pages = await Promise.all([1, 2, 3, 4, 5].map(() => publicPage(practiceId, 'return')));
    const after = await status(practiceId);

    // Assess
    expect(before).toMatchObject({ accountId, chargesEnabled: false, status: 'onboarding' });
    expect(pages.map((p) => p.status)).toEqual([200, 200, 200, 200, 200]);
    expect(pages.some((p) => p.text.includes('Harbor Bodywork can take payments now.'))).toBe(true);
    expect(after).toMatchObject({ accountId, chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true, requirementsDue: [], status: 'enabled' });
    // Exactly once: one state change, one StripeAccountUpdated, whatever the number of loads.
    const updates = await accountUpdates(practiceId);
    expect(updates.map((e) => e.detail)).toEqual([{ version: 1, practiceId, accountId, chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true, requirementsDue: [] }]);
    // Once the record says sales are open, the page stops asking Stripe.
    const reads = await accountReads(accountId);
    expect((await publicPage(practiceId, 'return')).text).toContain('can take payments now');
    expect(await accountReads(accountId)).toBe(reads);
  });

  it('a second POST …/stripe/onboarding asks Stripe too: the record is current, the answer is a new link for the same account', async () => {
    // Prepare
    const practiceId = await newPractice();
    const first = await onboardThroughStripe(practiceId, { complete: false });
    await completeWithLostEvent(first.accountId);

    // Act
    const second = await onboardThroughStripe(practiceId, { complete: false });
    const after = await status(practiceId);

    // Assess
    expect(second).toMatchObject({ status: 200, accountId: first.accountId });
    expect(second.url).not.toBe(first.url);
    expect(after).toMatchObject({ chargesEnabled: true, status: 'enabled' });
    expect(await accountUpdates(practiceId)).toHaveLength(1);
  });

  it(`the public return page asks Stripe at most ${LIMITS.stripeReturnPerPractice.max} times per practice in ${LIMITS.stripeReturnPerPractice.windowSeconds} s, and still answers past that`, async () => {
    // Prepare: onboarding started, not finished (each load would ask Stripe).
    const practiceId = await newPractice();
    const { accountId } = await onboardThroughStripe(practiceId, { complete: false });
    const readsBefore = await accountReads(accountId);
    const windowOf = () => Math.floor(Date.now() / 1000 / LIMITS.stripeReturnPerPractice.windowSeconds);
    const firstWindow = windowOf();

    // Act
    const pages = [];
    for (let i = 0; i < LIMITS.stripeReturnPerPractice.max + 5; i += 1) pages.push(await publicPage(practiceId, 'return'));
    const lastWindow = windowOf();

    // Assess
    expect(pages.every((p) => p.status === 200 && p.text.includes('Sales open as soon as Stripe enables charges'))).toBe(true);
    const reads = (await accountReads(accountId)) - readsBefore;
    // Fixed windows: a run that straddles a window's end may spend a second window's allowance.
    if (firstWindow === lastWindow) expect(reads).toBe(LIMITS.stripeReturnPerPractice.max);
    else expect(reads).toBeLessThanOrEqual(2 * LIMITS.stripeReturnPerPractice.max);
    expect(await accountUpdates(practiceId)).toHaveLength(0);
  });
});

describe('refresh_url: a used or expired link leads to a new link for the same account', () => {
  it('the used link goes to the refresh page, which sends the practice to Settings; the next onboarding call makes a working link and no second account', async () => {
    // Prepare: a link used once (onboarding completed through it).
    const practiceId = await newPractice();
    const first = await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);

    // Act
    const reused = await fetch(first.url, { redirect: 'manual', headers: { accept: 'text/html' } });
    const refresh = await publicPage(practiceId, 'refresh');
    const again = await onboardThroughStripe(practiceId, { complete: false });
    const fresh = await fetch(again.url, { redirect: 'manual', headers: { accept: 'text/html' } });

    // Assess
    expect([302, 303]).toContain(reused.status);
    expect(reused.headers.get('location')).toMatch(new RegExp(`/p/${practiceId}/stripe/refresh$`));
    expect(refresh.status).toBe(200);
    expect(refresh.text).toContain('This onboarding link has expired');
    expect(refresh.text).toContain('href="/app/#/settings"');
    expect(refresh.text).not.toContain('POST /practices');
    expect(again).toMatchObject({ status: 200, accountId: first.accountId });
    expect(fresh.status).toBe(200);
    const accounts = (await stripe.accounts.list({ limit: 100 })).data.filter((a) => a.metadata?.practiceId === practiceId);
    expect(accounts.map((a) => a.id)).toEqual([first.accountId]);
  });
});

describe('account.updated out of order (Stripe: no guaranteed order; `created` in whole seconds)', () => {
  it('a snapshot of the same second delivered late does not roll the state back: kneadpay records what Stripe says now', async () => {
    // Prepare: charges enabled, recorded with the enabling event's `created`.
    const practiceId = await newPractice();
    const { accountId } = await onboardThroughStripe(practiceId);
    const enabled = await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    const record = (await store.doc.send(new GetCommand({ TableName: store.tableName, Key: connectKey(practiceId), ConsistentRead: true }))).Item!;
    const account = await stripe.accounts.retrieve(accountId);

    // Act: an earlier snapshot of that same second ("cannot charge yet") arrives after it.
    const late = await deliver(
      stripeEvent(
        'account.updated',
        { ...account, charges_enabled: false, payouts_enabled: false, details_submitted: true, requirements: { ...account.requirements, currently_due: ['external_account'] } },
        { account: accountId, created: record.asOf as number },
      ),
    );
    const afterLate = await status(practiceId);
    // …and a duplicate snapshot of what is recorded changes nothing (no second write, no second event).
    const duplicate = await deliver(stripeEvent('account.updated', { ...account }, { account: accountId, created: record.asOf as number }));

    // Assess
    expect(late.statusCode).toBe(200);
    expect(afterLate).toEqual(enabled);
    expect([duplicate.statusCode, duplicate.headers?.['x-kneadpay-outcome']]).toEqual([200, 'ignored']);
    expect(await accountUpdates(practiceId)).toHaveLength(1);
  });
});
