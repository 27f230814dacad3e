/**
 * Stripe Connect for a practice: onboarding through Stripe (the only way an account becomes the
 * practice's), its status, the explicit release, and what the account's events change.
 */
import type { Stripe } from '../stripe/types';
import { ConflictError, NotFoundError, RetryableError } from '../shared/errors';
import { newId } from '../shared/ids';
import { accountState, connectedAccountIfVisible, createConnectedAccount, createOnboardingLink, findAccountOfPractice, openPaymentsOnAccount, retrieveConnectedAccount } from '../stripe/accounts';
import type { Store } from '../store/table';
import { commitOnce } from '../store/commit';
import { chargesBlocked } from '../store/connect';
import { publishedAccountState, type StripeConnect } from '../domain/connect';
import { listInvoices } from '../store/invoices';
import { invoiceKeepsAccountOpen } from '../domain/invoice';
import type { Decision, EffectHandler, EventContext } from './stripe-events';
import * as defaultConnectStore from '../store/connect';
import type { ConnectPort } from './ports';
import { PRACTICE_STORE, requirePractice } from './practice';

export { chargesBlocked };

/** The default implementation of the port: the table (core/ports.ts). */
export const CONNECT_STORE: ConnectPort = { ...defaultConnectStore, listInvoices, commitOnce, ...PRACTICE_STORE };

/** How far before our request Stripe's `created` may be (clocks differ). */
const CLOCK_SLACK_SECONDS = 300;

const returnUrls = (publicUrl: string, practiceId: string) => {
  const base = `${publicUrl.replace(/\/$/, '')}/p/${encodeURIComponent(practiceId)}/stripe`;
  return { returnUrl: `${base}/return`, refreshUrl: `${base}/refresh` };
};

/**
 * The account an earlier attempt created but did not store (a crash as Stripe answered, past the
 * idempotency key's 24 hours): found by the practice id it carries in metadata.
 */
const findCreatedAccount = (stripe: Stripe, practiceId: string, since: string): Promise<Stripe.Account | undefined> =>
  findAccountOfPractice(stripe, practiceId, Math.floor(Date.parse(since) / 1000) - CLOCK_SLACK_SECONDS);

/**
 * `POST /practices/{p}/stripe/onboarding`: creates the practice's connected account the first time
 * (201), then only a new onboarding link (200). The practice owns the account from the moment it
 * is created by this call: nobody can type an account id into kneadpay.
 */
export const startOnboarding = async (
  deps: { store: Store; stripe: Stripe; publicUrl: string; connect?: ConnectPort },
  practiceId: string,
  now = new Date(),
): Promise<{ created: boolean; accountId: string; url: string }> => {
  const connectStore = deps.connect ?? CONNECT_STORE;
  const practice = await requirePractice(deps.store, practiceId, connectStore);
  let connect = await connectStore.getConnect(deps.store, practiceId);
  if (connect?.status === 'deauthorized') {
    throw new ConflictError(
      `Stripe account ${connect.accountId} disconnected kneadpay; release it (DELETE /practices/${practiceId}/stripe) before connecting an account again`,
      'stripe_account_disconnected',
    );
  }
  let created = false;
  let accountId = connect?.accountId ?? practice.stripeAccountId ?? null;
  if (!accountId) {
    const earlier = connect?.status === 'creating';
    connect = await connectStore.markConnectRequested(deps.store, practiceId, now);
    // Another request linked or released an account in between (found by the route fuzz): 409, retry.
    if (!connect || connect.accountId) throw new ConflictError('the practice’s Stripe account changed while connecting it; retry', 'conflict');
    const account = (earlier ? await findCreatedAccount(deps.stripe, practiceId, connect.requestedAt) : undefined) ?? (await createConnectedAccount(deps.stripe, practiceId, connect.requestedAt));
    await connectStore.linkAccount(deps.store, practiceId, account.id, accountState(account), 0, now);
    accountId = account.id;
    created = true;
  } else if (!connect?.accountId) {
    // A profile from before onboarding existed, with an account id typed in: kept as it was and
    // recorded with what Stripe says about it (the platform can read only accounts connected to it).
    const account = await retrieveConnectedAccount(deps.stripe, accountId);
    await connectStore.linkAccount(deps.store, practiceId, accountId, accountState(account), 0, now);
  } else {
    // The record may be behind what Stripe says (an `account.updated` lost): ask, record once.
    await refreshAccountFromStripe({ store: deps.store, stripe: deps.stripe, connect: connectStore }, practiceId, now);
  }
  const link = await createOnboardingLink(deps.stripe, accountId, returnUrls(deps.publicUrl, practiceId), newId('lnk'));
  return { created, accountId, url: link.url };
};

/** Re-reads after a concurrent writer moved the record (each attempt asks Stripe again). */
const REFRESH_ATTEMPTS = 3;

/**
 * Asks Stripe what the practice's account says now and records it when it differs from the record
 * (Stripe's hosted-onboarding guide: reaching `return_url` does not mean onboarding finished —
 * retrieve the account; and an `account.updated` may be lost). Exactly once: the write is
 * conditioned on the record's revision read before Stripe was asked and marked per revision, so
 * concurrent refreshes write it once, with one `StripeAccountUpdated`, and never put an older
 * answer over a newer one. Nothing is written when the record already says the same, when the
 * account is not linked or was disconnected, or when Stripe no longer lets the platform read it
 * (its `account.application.deauthorized` does the rest). Returns the record as it stands.
 */
export const refreshAccountFromStripe = async (deps: { store: Store; stripe: Stripe; connect?: ConnectPort }, practiceId: string, now = new Date()): Promise<StripeConnect | undefined> => {
  const connectStore = deps.connect ?? CONNECT_STORE;
  for (let attempt = 1; ; attempt += 1) {
    const connect = await connectStore.getConnect(deps.store, practiceId);
    if (!connect?.accountId || connect.status === 'deauthorized') return connect;
    const account = await connectedAccountIfVisible(deps.stripe, connect.accountId);
    if (!account) return connect;
    const state = accountState(account);
    if (connectStore.sameAccountState(connect, state)) return connect;
    try {
      await connectStore.commitOnce(
        deps.store,
        {
          marker: connectStore.refreshMarker(practiceId, connect.accountId, connect.revision),
          writes: [connectStore.accountStateWrite(practiceId, connect.accountId, state, connect.asOf, now, { revision: connect.revision })],
          events: [{ detailType: 'StripeAccountUpdated', detail: { practiceId, accountId: connect.accountId, ...publishedAccountState(state) } }],
        },
        now,
      );
    } catch (error) {
      if ((error as Error).name !== 'CommitConflictError' || attempt >= REFRESH_ATTEMPTS) throw error;
    }
  }
};

/** `GET /practices/{p}/stripe` (SPEC §7), plus `status`. */
export const connectStatus = async (store: Store, practiceId: string, connectStore: ConnectPort = CONNECT_STORE) => {
  await requirePractice(store, practiceId, connectStore);
  const connect = await connectStore.getConnect(store, practiceId);
  const linked = connect?.accountId ? connect : undefined;
  return {
    accountId: linked?.accountId ?? null,
    chargesEnabled: linked ? linked.status !== 'deauthorized' && linked.chargesEnabled : false,
    payoutsEnabled: linked ? linked.status !== 'deauthorized' && linked.payoutsEnabled : false,
    detailsSubmitted: linked?.detailsSubmitted ?? false,
    requirementsDue: linked?.requirementsDue ?? [],
    /** Stripe's `requirements.disabled_reason` (why charges are off): null while the account can charge or is not connected. */
    disabledReason: linked && linked.status !== 'deauthorized' ? (linked.disabledReason ?? null) : null,
    /** not_connected (sells on the platform's account), onboarding, restricted, enabled, deauthorized. */
    status: linked?.status ?? 'not_connected',
  };
};

/**
 * Whether the practice may sell now, read before any Stripe call: a practice that never started
 * onboarding sells on the platform's account as before; one whose connected account cannot charge
 * (onboarding not finished, restricted, disconnected) sells nothing.
 */
export const assertCanSell = async (store: Store, practiceId: string, connectStore: ConnectPort = CONNECT_STORE): Promise<void> => {
  const connect = await connectStore.getConnect(store, practiceId);
  if (connectStore.chargesBlocked(connect)) {
    // Each state says what is true of it: an onboarded account whose charges Stripe turned off is not "onboarding".
    const why =
      connect!.status === 'deauthorized'
        ? 'this practice disconnected its Stripe account and cannot take payments'
        : connect!.status === 'restricted' || connect!.status === 'enabled'
          ? 'this practice cannot take payments right now: Stripe has turned off charges on its account'
          : 'this practice cannot take payments until its Stripe onboarding is complete';
    throw new ConflictError(why, 'payments_not_enabled');
  }
};

/**
 * `DELETE /practices/{p}/stripe`: the explicit, audited release of the practice's account. Refused
 * while payments on it are open (a Checkout Session a client may still pay, an invoice not settled),
 * so no payment is left without its practice. The account's owner record is kept, marked released.
 *
 * An account whose owner disconnected kneadpay is the exception: Stripe then lets kneadpay neither
 * read nor act on it and sends none of its events, so an invoice open on it can never move in
 * kneadpay again, and refusing would keep the practice from ever connecting an account again. It is
 * released with such invoices, named in the answer and the audit (`leftOpen`): the practice
 * collects them in its own Stripe Dashboard.
 */
export const releaseAccount = async (deps: { store: Store; stripe: Stripe; connect?: ConnectPort }, practiceId: string, audit: { requestId: string; actor: string }, now = new Date()) => {
  const connectStore = deps.connect ?? CONNECT_STORE;
  const practice = await requirePractice(deps.store, practiceId, connectStore);
  const accountId = practice.stripeAccountId;
  if (!accountId) throw new NotFoundError('connected Stripe account');
  const connect = await connectStore.getConnect(deps.store, practiceId);
  const disconnected = connect?.status === 'deauthorized';
  const open: string[] = [];
  const leftOpen: string[] = [];
  // A balance below Stripe's minimum charge is never sent to Stripe, nor one held while the account
  // could not charge (`awaiting_stripe`, not yet made on Stripe): nothing of them is on the account.
  // Every page is read for a disconnected account (each such invoice is named); else the first one held answers.
  const heldInvoices = async (status: 'pending' | 'draft' | 'open') => {
    const held: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await connectStore.listInvoices(deps.store, practiceId, status, cursor);
      held.push(...page.items.filter(invoiceKeepsAccountOpen).map((invoice) => invoice.invoiceId));
      cursor = held.length && !disconnected ? undefined : (page.nextCursor ?? undefined);
    } while (cursor);
    return held;
  };
  for (const status of ['pending', 'draft', 'open'] as const) {
    const held = await heldInvoices(status);
    if (!held.length) continue;
    if (disconnected) leftOpen.push(...held);
    else open.push(`${status} balance invoices`);
  }
  if (!disconnected) {
    // Stripe is the record of what is still payable on the account.
    open.push(...(await openPaymentsOnAccount(deps.stripe, accountId)));
  }
  if (open.length) {
    throw new ConflictError(`the Stripe account still has payments open (${open.join(', ')}); release it once they are settled or expired`, 'payments_open', { open });
  }
  const auditId = newId('aud');
  const committed = await connectStore
    .commitOnce(
      deps.store,
      {
        marker: { ...connectStore.releaseMarker(practiceId, accountId, audit.requestId), result: { auditId } },
        writes: [
          ...connectStore.releaseAccountWrites(practiceId, accountId, now),
          connectStore.releaseAuditWrite(practiceId, { auditId, accountId, actor: audit.actor, requestId: audit.requestId, ...(disconnected ? { leftOpen } : {}) }, now),
        ],
        events: [{ detailType: 'StripeAccountReleased', detail: { practiceId, accountId, auditId, releasedAt: now.toISOString() } }],
      },
      now,
    )
    .catch((error: Error) => {
      if (error.name === 'CommitConflictError') throw new ConflictError('the practice changed while its account was being released; retry', 'conflict');
      throw error;
    });
  return {
    accountId,
    released: true,
    auditId: (committed.result as { auditId: string } | undefined)?.auditId ?? auditId,
    ...(disconnected ? { leftOpen } : {}),
  };
};

/** The account an event is about: Connect events name it in `account` (an Account's own id otherwise). */
const accountOfEvent = (event: Stripe.Event): string | undefined =>
  event.account ?? ((event.data.object as { object?: string; id?: string }).object === 'account' ? (event.data.object as { id: string }).id : undefined);

/** An effect with the storage port it was built with (`connectEffects(port)`). */
type ConnectEffect = (ctx: EventContext & { port: ConnectPort }) => Promise<Decision>;

const notLinked = (connect: StripeConnect | undefined, accountId: string | undefined): Decision | undefined => {
  if (!accountId) return { kind: 'ignore', reason: 'no connected account on the event' };
  if (!connect || connect.accountId !== accountId) return { kind: 'ignore', reason: 'the account is no longer the practice’s (released)' };
  return undefined;
};

/**
 * `account.updated`: charges, payouts and requirements as Stripe says now. Events arrive in no
 * guaranteed order and `created` counts whole seconds, so two snapshots of one second cannot be
 * ordered by it: the event says *that* the account changed, and the account is read from Stripe
 * (what it says now) rather than taken from the event's snapshot. An event older than the recorded
 * state is ignored without asking; the write is conditioned on the revision read before asking, so
 * a concurrent writer makes it re-read (attempt 2), never land an older answer.
 */
const accountUpdated: ConnectEffect = async ({ store, stripe, practiceId, event, now, port }) => {
  const accountId = accountOfEvent(event);
  const connect = await port.getConnect(store, practiceId);
  const skip = notLinked(connect, accountId);
  if (skip) return skip;
  if (connect!.status === 'deauthorized') return { kind: 'ignore', reason: 'the account disconnected kneadpay' };
  if (connect!.asOf > event.created) return { kind: 'ignore', reason: 'an account state newer than this event is recorded' };
  const account = await connectedAccountIfVisible(await stripe(), accountId!);
  if (!account) return { kind: 'ignore', reason: 'Stripe no longer lets kneadpay read the account' };
  const state = accountState(account);
  if (port.sameAccountState(connect!, state)) return { kind: 'ignore', reason: 'the recorded account state is what Stripe says' };
  return {
    kind: 'apply',
    summary: `account ${state.chargesEnabled ? 'can' : 'cannot'} charge`,
    writes: [port.accountStateWrite(practiceId, accountId!, state, Math.max(event.created, connect!.asOf), now, { revision: connect!.revision })],
    events: [{ detailType: 'StripeAccountUpdated', detail: { practiceId, accountId: accountId!, ...publishedAccountState(state) } }],
  };
};

/** `account.application.deauthorized`: the account's owner disconnected kneadpay; the practice stops selling. */
const deauthorized: ConnectEffect = async ({ store, practiceId, event, now, port }) => {
  const accountId = event.account ?? undefined;
  const connect = await port.getConnect(store, practiceId);
  const skip = notLinked(connect, accountId);
  if (skip) return skip;
  if (connect!.status === 'deauthorized') return { kind: 'ignore', reason: 'already disconnected' };
  return {
    kind: 'apply',
    summary: 'account disconnected',
    writes: [port.deauthorizedWrite(practiceId, accountId!, event.created, now)],
    events: [{ detailType: 'StripeAccountDeauthorized', detail: { practiceId, accountId: accountId! } }],
  };
};

const EFFECTS: Record<string, ConnectEffect> = {
  'account.updated': accountUpdated,
  'account.application.deauthorized': deauthorized,
};

/** The Connect effects on a storage port (default: the table); a test may pass another. */
export const connectEffects = (port: ConnectPort = CONNECT_STORE): Record<string, EffectHandler> =>
  Object.fromEntries(Object.entries(EFFECTS).map(([type, effect]): [string, EffectHandler] => [type, (ctx) => effect({ ...ctx, port })]));

export const CONNECT_EFFECTS: Record<string, EffectHandler> = connectEffects();

/**
 * An event for an account kneadpay has not stored yet: if the account carries a practice id whose
 * onboarding is creating an account right now, the event is for that practice and arrived before
 * the account id was stored: Stripe is asked to deliver it again (503), never told it was handled.
 */
export const deferIfBeingLinked = async (
  store: Store,
  event: Stripe.Event,
  stripe: (() => Promise<Stripe>) | undefined,
  now = new Date(),
  connectStore: ConnectPort = CONNECT_STORE,
): Promise<void> => {
  const accountId = event.account;
  if (!stripe || !accountId) return;
  const account = await connectedAccountIfVisible(await stripe(), accountId);
  const practiceId = account?.metadata?.practiceId;
  if (!practiceId) return;
  const connect = await connectStore.getConnect(store, practiceId);
  if (connect?.status !== 'creating' && connect?.accountId !== accountId) return;
  // Recorded, so an operator can see what waited and why (docs/events.md).
  await connectStore.recordDeferredEvent(store, practiceId, { eventId: event.id, eventType: event.type, accountId, reason: 'account being linked' }, now);
  throw new RetryableError(`event for a Stripe account that practice ${practiceId} is linking now: retry`);
};
