/**
 * Missed Stripe events, recovered (docs/operations.md "The Stripe event reconciler"). Stripe retries
 * a webhook for up to 3 days and keeps events listable for 30; an endpoint down longer than the
 * retries (or a delivery Stripe gave up on) would otherwise be recovered by hand. Each run lists, for
 * the platform and each connected account a practice profile names, the events created since that
 * account's checkpoint, oldest first, and feeds those not yet applied through the same ingestion as
 * the webhook (`ingestStripeEvent`), so each applies exactly once whichever path sees it first.
 *
 * The checkpoint moves only after every listed event of the account went through: a run that dies
 * mid-page lists the same events again next time, and the event-id markers make the ones it had
 * already applied no-ops. It is kept `OVERLAP_SECONDS` behind the newest event seen, because events
 * created in the same second as the checkpoint may be listed later.
 */
import type { Stripe } from '../stripe/types';
import type { Logger } from '../shared/logger';
import type { Store } from '../store/table';
import { EVENT_RETENTION_SECONDS, listEventsPage } from '../stripe/events';
import { oldestFirst, STRIPE_LIST_BOUND, StripeListTooLongError } from '../stripe/gateway';
import * as reconcilerStore from '../store/reconciler';
import type { ReconcilerPort } from './ports';
import { ingestStripeEvent, resolvePractice, type EffectHandler } from './stripe-events';
import { assertEventShape } from './stripe-event-shapes';
import { ValidationError } from '../shared/errors';

/** Seconds the checkpoint stays behind the newest event listed (same-second events, clock skew). */
export const OVERLAP_SECONDS = 300;
/** Passes over the events that waited for another event in the same run. */
const DEFERRED_PASSES = 3;
/** With no checkpoint yet: look back over Stripe's whole retry window (3 days in live mode). */
export const FIRST_RUN_LOOKBACK_SECONDS = 3 * 86_400;
/**
 * Events one run reads of one account, at most (20 pages of 100). A longer backlog (a long outage
 * on a busy account) is applied oldest first over several runs: each run takes windows of creation
 * time from the checkpoint on, narrowed until they fit, and says `more` (bug 144).
 */
export const MAX_EVENTS_PER_RUN = 2_000;
/** The narrowest window a backlog is cut into: each window moves the checkpoint at least OVERLAP_SECONDS on. */
const MIN_WINDOW_SECONDS = 2 * OVERLAP_SECONDS;

export interface ReconcileDeps {
  store: Store;
  stripe: () => Promise<Stripe>;
  effects: Partial<Record<string, EffectHandler>>;
  logger?: Logger;
  /** Events per page (Stripe allows 1–100). */
  pageSize?: number;
  /** Events one run reads of one account, at most (default MAX_EVENTS_PER_RUN). */
  maxEvents?: number;
  /** Crash injection for tests: called after each event went through ingestion. */
  afterEvent?: (eventId: string) => void | Promise<void>;
  /** Where checkpoints and event markers are read and written (default: the table, store/reconciler.ts). */
  reconciler?: ReconcilerPort;
}

export interface AccountRun {
  account: string | null;
  listed: number;
  applied: number;
  ignored: number;
  alreadyApplied: number;
  /** Listed events kneadpay cannot read (the webhook's shape check refuses them, 400): skipped, logged. */
  refused: number;
  checkpoint: number;
  /** More events than one run reads: the checkpoint moved past the oldest part, the next run goes on. */
  more: boolean;
}

/** True when this event's marker is already written (applied or ignored before): nothing to feed. */
const alreadyIngested = async (store: Store, reconciler: ReconcilerPort, event: Stripe.Event): Promise<boolean> => {
  if (await reconciler.isStripeEventMarked(store, event.id, undefined)) return true;
  const { practiceId } = await resolvePractice(store, event);
  return practiceId ? reconciler.isStripeEventMarked(store, event.id, practiceId) : false;
};

/**
 * The account's events created in [from, upTo) (upTo undefined: up to now), every page, newest
 * first; undefined when there are more than `room` (the listing stops there).
 */
const listWindow = async (deps: ReconcileDeps, scope: { stripe: Stripe; account: string | null }, types: string[], from: number, upTo: number | undefined, room: number) => {
  const listed: Stripe.Event[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await listEventsPage(scope, { createdGte: from, createdLt: upTo, startingAfter, limit: deps.pageSize ?? 100, types });
    listed.push(...page.events);
    if (listed.length > room) return undefined;
    if (!page.hasMore || page.events.length === 0) return listed;
    startingAfter = page.events.at(-1)!.id;
  }
};

/**
 * One account: list since the checkpoint, apply oldest first, then move the checkpoint. At most
 * `maxEvents` are read: past that, the events up to a time that fits are applied and the checkpoint
 * moves past them (`more`); the next run goes on from there.
 */
export const reconcileAccount = async (deps: ReconcileDeps, account: string | null, now = new Date()): Promise<AccountRun> => {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const oldest = nowSeconds - EVENT_RETENTION_SECONDS;
  const reconciler = deps.reconciler ?? reconcilerStore;
  const saved = await reconciler.readCheckpoint(deps.store, account);
  const createdGte = Math.max(oldest, saved ?? nowSeconds - FIRST_RUN_LOOKBACK_SECONDS);
  const scope = { stripe: await deps.stripe(), account };
  const types = Object.keys(deps.effects);
  const budget = deps.maxEvents ?? MAX_EVENTS_PER_RUN;
  const run: AccountRun = { account, listed: 0, applied: 0, ignored: 0, alreadyApplied: 0, refused: 0, checkpoint: createdGte, more: false };
  let from = createdGte;
  for (;;) {
    // The window from the checkpoint that fits what this run may still read: up to now, else halved
    // (never below MIN_WINDOW_SECONDS). The first window of a run that does not fit even so is read
    // up to STRIPE_LIST_BOUND events, then refused (the account fails, its checkpoint stays).
    const room = budget - run.listed;
    let upTo: number | undefined;
    let listed = await listWindow(deps, scope, types, from, upTo, room);
    while (!listed) {
      const end = upTo ?? nowSeconds + 1;
      if (end - from <= MIN_WINDOW_SECONDS) {
        if (run.listed > 0) break;
        listed = await listWindow(deps, scope, types, from, upTo, STRIPE_LIST_BOUND);
        if (!listed) throw new StripeListTooLongError(`list the events of ${MIN_WINDOW_SECONDS} seconds`, STRIPE_LIST_BOUND);
        break;
      }
      upTo = from + Math.max(MIN_WINDOW_SECONDS, Math.floor((end - from) / 2));
      listed = await listWindow(deps, scope, types, from, upTo, room);
    }
    if (!listed) {
      run.more = true;
      break;
    }
    await applyListed(deps, reconciler, run, listed, now);
    run.listed += listed.length;
    // Kept OVERLAP_SECONDS behind what was listed: the newest event up to now, the window's end otherwise.
    const newest = listed.reduce((max, event) => Math.max(max, event.created), 0) || undefined;
    run.checkpoint = Math.max(from, (upTo ?? newest ?? nowSeconds) - OVERLAP_SECONDS);
    await reconciler.writeCheckpoint(deps.store, account, run.checkpoint, now);
    if (upTo === undefined) break;
    from = run.checkpoint;
    if (run.listed >= budget) {
      run.more = true;
      break;
    }
  }
  if (run.more) deps.logger?.warn('more Stripe events than one run reads: the oldest were applied, the next run goes on', { account, checkpoint: run.checkpoint, listed: run.listed });
  return run;
};

/** Applies listed events oldest first (each through the webhook's ingestion), counting in `run`. */
const applyListed = async (deps: ReconcileDeps, reconciler: ReconcilerPort, run: AccountRun, listed: Stripe.Event[], now: Date) => {
  // Apply in the order they happened (oldestFirst: events of the same second in Stripe's order,
  // reversed, never by id): a refund must not come before its payment.
  const ordered = oldestFirst(listed);
  const ingest = async (event: Stripe.Event) => {
    // The same check as the webhook's: a listed event is Stripe's own, but the effects read the same
    // fields, and one they cannot read would fail the account's run every time (its checkpoint stuck).
    // It is skipped as the webhook refuses it (400: never recorded), and said in the log.
    try {
      assertEventShape(event);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      run.refused += 1;
      deps.logger?.warn('a listed Stripe event kneadpay cannot read was skipped', { eventId: event.id, type: event.type, field: (error.details as { field?: string } | undefined)?.field });
      await deps.afterEvent?.(event.id);
      return;
    }
    if (await alreadyIngested(deps.store, reconciler, event)) {
      run.alreadyApplied += 1;
    } else {
      const outcome = await ingestStripeEvent({ store: deps.store, stripe: deps.stripe, effects: deps.effects, logger: deps.logger }, event, now);
      if (outcome.outcome === 'applied') run.applied += 1;
      else if (outcome.outcome === 'ignored') run.ignored += 1;
      else run.alreadyApplied += 1;
    }
    await deps.afterEvent?.(event.id);
  };
  // An event that waits for another (answered 503 on the webhook: "not recorded yet") is tried again
  // after the rest of the listing, as Stripe's redelivery would; still waiting after that, the run
  // fails for this account and its checkpoint stays.
  let waiting: Stripe.Event[] = [];
  for (const event of ordered) {
    try {
      await ingest(event);
    } catch (error) {
      if ((error as Error).name !== 'RetryableError') throw error;
      waiting.push(event);
    }
  }
  for (let pass = 0; pass < DEFERRED_PASSES && waiting.length > 0; pass += 1) {
    const again = waiting;
    waiting = [];
    for (const event of again) {
      try {
        await ingest(event);
      } catch (error) {
        if ((error as Error).name !== 'RetryableError' || pass === DEFERRED_PASSES - 1) throw error;
        waiting.push(event);
      }
    }
  }
};

/**
 * One reconciler run: the platform, then every connected account. One account's failure does not
 * stop the others (its checkpoint stays, the next run retries it); the run fails at the end so the
 * schedule's alarm sees it.
 */
export const reconcileStripeEvents = async (deps: ReconcileDeps, now = new Date()) => {
  const accounts: (string | null)[] = [null, ...(await (deps.reconciler ?? reconcilerStore).listConnectedAccounts(deps.store))];
  const runs: AccountRun[] = [];
  const failed: { account: string | null; error: string; message?: string }[] = [];
  // A connected account the platform may no longer read (deauthorized, deleted): Stripe refuses to
  // list its events (`account_invalid`); there is nothing to recover there, so it is skipped, not failed.
  const skipped: string[] = [];
  for (const account of accounts) {
    try {
      runs.push(await reconcileAccount(deps, account, now));
    } catch (error) {
      if (account && (error as { code?: string }).code === 'stripe_account_unusable') {
        skipped.push(account);
        deps.logger?.warn('a connected account Stripe no longer lets the platform read was skipped', { account });
        continue;
      }
      failed.push({ account, error: (error as Error).name, message: (error as Error).message });
      deps.logger?.error('reconciling an account failed; its checkpoint stays for the next run', { account, errorName: (error as Error).name });
    }
  }
  const totals = runs.reduce(
    (sum, run) => ({
      listed: sum.listed + run.listed,
      applied: sum.applied + run.applied,
      ignored: sum.ignored + run.ignored,
      alreadyApplied: sum.alreadyApplied + run.alreadyApplied,
      refused: sum.refused + run.refused,
    }),
    { listed: 0, applied: 0, ignored: 0, alreadyApplied: 0, refused: 0 },
  );
  deps.logger?.info('stripe reconciler run finished', { accounts: accounts.length, failed: failed.length, skipped: skipped.length, ...totals });
  return { accounts: accounts.length, runs, failed, skipped, ...totals };
};
