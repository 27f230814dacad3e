/**
 * The reconciler's listing is bounded (audit j2). Stripe lists events newest first, cursor-paged
 * (docs.stripe.com/api/events/list; docs.stripe.com/api/pagination), and keeps them 30 days; the
 * reconciler applies them oldest first, so it read every page of the account's events since its
 * checkpoint before applying one: a backlog after a long outage on a busy account was held whole in
 * memory and had to be applied within one run (Lambda: 300 s), else the checkpoint never moved.
 * Now one run reads at most `maxEvents` of an account (MAX_EVENTS_PER_RUN in production): it
 * applies the oldest part of the backlog, in windows of creation time, moves the checkpoint past
 * them and says `more`; the next runs go on. Every event is applied once, oldest first.
 *
 * A private emulator whose clock is moved between events (events an hour apart, as a backlog is),
 * and a checkpoint kept in memory (the platform's checkpoint in the shared table belongs to other
 * files); event markers are the table's.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERLAP_SECONDS, reconcileAccount, type ReconcileDeps } from '../../functions/core/reconcile';
import type { ReconcilerPort } from '../../functions/core/ports';
import { createStripe } from '../../functions/stripe/client';
import * as reconcilerStore from '../../functions/store/reconciler';
import { startStripeEmulator, type StripeEmulator } from '../../local/stripe-emulator';
import { store } from '../support/invoicing';
import { recordFigures } from '../support/reliability';

let emulator: StripeEmulator;
let stripe: Stripe;
/** The 30 customer.created events, oldest first. */
let created: Stripe.Event[];
let nowSeconds: number;

beforeAll(async () => {
  emulator = await startStripeEmulator({ port: 0 });
  stripe = await createStripe({ apiKey: 'sk_test_emulator', apiBase: emulator.url });
  for (let i = 0; i < 30; i += 1) {
    await stripe.customers.create({ email: `backlog${i}@client.example` });
    emulator.advanceClock(3600);
  }
  created = emulator
    .events()
    .filter((event) => event.type === 'customer.created')
    .reverse();
  nowSeconds = created.at(-1)!.created + 3600;
});
afterAll(async () => {
  await emulator.stop();
});

describe('the reconciler reads a bounded part of a backlog per run', () => {
  it('30 events, 10 a run: each run lists at most 10, applies them oldest first and says more; at most 5 runs apply all 30, each once', async () => {
    let checkpoint: number | undefined = created[0]!.created - 60;
    const reconciler: ReconcilerPort = {
      ...reconcilerStore,
      readCheckpoint: async () => checkpoint,
      writeCheckpoint: async (_store, _account, createdGte) => {
        checkpoint = createdGte;
      },
    };
    const order: string[] = [];
    const deps: ReconcileDeps = {
      store,
      stripe: async () => stripe,
      // customer.created names no practice: ignored, its marker written once.
      effects: { 'customer.created': async () => ({ kind: 'ignore', reason: 'not kneadpay’s' }) },
      reconciler,
      pageSize: 3,
      maxEvents: 10,
      afterEvent: (eventId) => {
        order.push(eventId);
      },
    };
    const now = new Date(nowSeconds * 1000);
    const runs = [];
    for (let i = 0; i < 6; i += 1) {
      const run = await reconcileAccount(deps, null, now);
      runs.push(run);
      if (!run.more) break;
    }

    for (const run of runs) expect(run.listed).toBeLessThanOrEqual(10);
    expect(runs.at(-1)!.more).toBe(false);
    expect(runs.slice(0, -1).every((run) => run.more)).toBe(true);
    expect(runs.length).toBeLessThanOrEqual(5);
    // Each event went through once as new (ignored), the overlaps' repeats as already applied.
    expect(runs.reduce((sum, run) => sum + run.ignored, 0)).toBe(30);
    expect(runs.reduce((sum, run) => sum + run.applied, 0)).toBe(0);
    // Oldest first: the first time each event went through is in creation order.
    const firstSeen = [...new Set(order)];
    expect(firstSeen).toEqual(created.map((event) => event.id));
    // The checkpoint ends where a single run would have left it.
    expect(checkpoint).toBe(created.at(-1)!.created - OVERLAP_SECONDS);
    const requests = emulator.requests().filter((request) => request.path === '/v1/events').length;
    recordFigures('reconciler-backlog', { events: 30, maxEvents: 10, pageSize: 3, runs: runs.length, listedPerRun: runs.map((run) => run.listed), eventListRequests: requests });
  });

  it('more events in one 600-second window than a run reads: that window is read whole (up to 10,000) and applied once, not left to fail every run', async () => {
    const burst = await startStripeEmulator({ port: 0 });
    try {
      const client = await createStripe({ apiKey: 'sk_test_emulator', apiBase: burst.url });
      for (let i = 0; i < 12; i += 1) await client.customers.create({ email: `burst${i}@client.example` });
      const events = burst.events().filter((event) => event.type === 'customer.created');
      let checkpoint: number | undefined = Math.min(...events.map((event) => event.created)) - 60;
      const reconciler: ReconcilerPort = {
        ...reconcilerStore,
        readCheckpoint: async () => checkpoint,
        writeCheckpoint: async (_store, _account, createdGte) => {
          checkpoint = createdGte;
        },
      };
      const deps: ReconcileDeps = {
        store,
        stripe: async () => client,
        effects: { 'customer.created': async () => ({ kind: 'ignore', reason: 'not kneadpay’s' }) },
        reconciler,
        pageSize: 5,
        maxEvents: 10,
      };
      const now = new Date((Math.max(...events.map((event) => event.created)) + 3600) * 1000);
      const first = await reconcileAccount(deps, null, now);
      const second = await reconcileAccount(deps, null, now);
      expect([first.listed, first.ignored, first.more]).toEqual([12, 12, true]);
      expect([second.listed, second.ignored, second.more]).toEqual([0, 0, false]);
    } finally {
      await burst.stop();
    }
  });
});
