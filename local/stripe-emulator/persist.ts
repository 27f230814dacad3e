/**
 * Keeps the emulator's state in a file, so an `npm start` on the same data directory finds what the
 * emulated Stripe held before, as real Stripe would: accounts (and their Connect state), objects,
 * events, idempotency keys, the side data Stripe keeps off objects, and the clock's offset. An event
 * whose webhook had not been received when the last emulator stopped is sent again at start (Stripe
 * retries an undelivered event for up to three days). Not kept: faults and the request log.
 *
 * Written after the requests that changed something settle (debounced) and on stop, to a
 * temporary file renamed over the last one, so a crash leaves the previous whole snapshot.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type Stripe from 'stripe';
import type { Entry as IdempotencyEntry } from './idempotency';
import { connectSnapshot, restoreConnect, type Link } from './resources/accounts';
import type { EmulatorState } from './state';
import type { StoredEntry } from './store';

const VERSION = 1;

export interface EmulatorSnapshot {
  version: typeof VERSION;
  clockOffsetMs: number;
  store: StoredEntry[];
  idempotency: Array<[string, IdempotencyEntry]>;
  sessionLineItems: Array<[string, Stripe.LineItem[]]>;
  sessionPaymentIntentData: Array<[string, Record<string, unknown>]>;
  invoiceLineIds: Array<[string, string]>;
  creditNoteLines: Array<[string, Stripe.CreditNoteLineItem[]]>;
  invoiceSequence: Array<[string, number]>;
  eventDelivery: Array<[string, { pending: number; failed: number }]>;
  connect: { links: Array<[string, Link]>; deauthorized: string[] };
}

export const snapshotOf = (state: EmulatorState): EmulatorSnapshot => ({
  version: VERSION,
  clockOffsetMs: state.clockOffsetMs,
  store: state.store.snapshot(),
  idempotency: state.idempotency.snapshot(),
  sessionLineItems: [...state.sessionLineItems],
  sessionPaymentIntentData: [...state.sessionPaymentIntentData],
  invoiceLineIds: [...state.invoiceLineIds],
  creditNoteLines: [...state.creditNoteLines],
  invoiceSequence: [...state.invoiceSequence],
  eventDelivery: [...state.eventDelivery].map(([id, tally]) => [id, { ...tally }]),
  connect: connectSnapshot(state),
});

/** Restores a snapshot; answers the ids of the events whose webhooks were still pending, oldest first. */
export const restoreSnapshot = (state: EmulatorState, snapshot: EmulatorSnapshot): string[] => {
  state.store.restore(snapshot.store);
  state.idempotency.restore(snapshot.idempotency);
  const refill = <V>(map: Map<string, V>, entries: Array<[string, V]>) => {
    map.clear();
    for (const [key, value] of entries) map.set(key, value);
  };
  refill(state.sessionLineItems, snapshot.sessionLineItems);
  refill(state.sessionPaymentIntentData, snapshot.sessionPaymentIntentData as Array<[string, never]>);
  refill(state.invoiceLineIds, snapshot.invoiceLineIds);
  refill(state.creditNoteLines, snapshot.creditNoteLines);
  refill(state.invoiceSequence, snapshot.invoiceSequence);
  // Nothing is in flight in a new emulator: what was pending is sent again by `loadState`.
  const pending = new Set(snapshot.eventDelivery.filter(([, tally]) => tally.pending > 0).map(([id]) => id));
  refill(
    state.eventDelivery,
    snapshot.eventDelivery.map(([id, tally]) => [id, { pending: 0, failed: tally.failed }]),
  );
  const undelivered: string[] = [];
  for (const { object } of state.store.all('event')) {
    object.pending_webhooks = 0;
    if (pending.has(object.id)) undelivered.push(object.id);
  }
  restoreConnect(state, snapshot.connect);
  state.clockOffsetMs = snapshot.clockOffsetMs;
  return undelivered;
};

/** Reads the snapshot in `file` into `state` (nothing when there is none); a file it cannot read is an error naming it. */
export const loadState = (state: EmulatorState, file: string): boolean => {
  if (!existsSync(file)) return false;
  let snapshot: EmulatorSnapshot;
  try {
    snapshot = JSON.parse(readFileSync(file, 'utf8')) as EmulatorSnapshot;
  } catch (error) {
    throw new Error(`the Stripe emulator's state file ${file} cannot be read (${(error as Error).message}): delete it to start the emulator empty`, { cause: error });
  }
  if (snapshot.version !== VERSION) throw new Error(`the Stripe emulator's state file ${file} has version ${String(snapshot.version)}, not ${VERSION}: delete it to start the emulator empty`);
  for (const eventId of restoreSnapshot(state, snapshot)) state.resend(eventId);
  return true;
};

/** Saves `state` to `file` a short while after the last change (`changed`), and at once on `flush`. */
export const stateWriter = (state: EmulatorState, file: string, delayMs = 200) => {
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(snapshotOf(state)));
    renameSync(temporary, file);
  };
  return {
    changed(): void {
      if (timer) return;
      timer = setTimeout(flush, delayMs);
      timer.unref();
    },
    flush,
  };
};
