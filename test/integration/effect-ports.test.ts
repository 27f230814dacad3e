import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { CREDIT_EFFECTS, creditEffects } from '../../functions/core/credit-effects';
import type { CreditEffectsPort, ReceiptLinksPort, StripeEventsPort } from '../../functions/core/ports';
import { openReceiptLink, receiptLink } from '../../functions/core/receipt-links';
import { ingestStripeEvent } from '../../functions/core/stripe-events';
import type { LedgerEntry } from '../../functions/domain/client';
import type { Practice } from '../../functions/domain/practice';
import type { Purchase } from '../../functions/domain/purchase';
import type { Receipt } from '../../functions/domain/receipt';
import { newId } from '../../functions/shared/ids';
import * as clientIdentityStore from '../../functions/store/client-identity';
import * as clientsStore from '../../functions/store/clients';
import * as commitStore from '../../functions/store/commit';
import { CommitConflictError, type CommitOutcome, type CommitRequest } from '../../functions/store/commit';
import * as keysStore from '../../functions/store/keys';
import type { OutboxEvent } from '../../functions/store/outbox';
import * as practicesStore from '../../functions/store/practices';
import * as purchaseUpdatesStore from '../../functions/store/purchase-updates';
import * as purchasesStore from '../../functions/store/purchases';
import * as markersStore from '../../functions/store/stripe-event-markers';
import type { Store } from '../../functions/store/table';
import { checkoutSession, ledgerState, outboxOf, reloadPurchase, seedOpenPurchase, seedPractice } from '../support/fixtures';
import { stripeEvent } from '../support/stripe-events';
import { newPracticeId, testStore } from '../support/store';

/**
 * The Stripe-event effects reach the table through ports (core/ports.ts: CreditEffectsPort,
 * InvoiceEffectsPort, StripeEventsPort, ReceiptLinksPort), so a test can hand them another
 * implementation: one that is not DynamoDB at all, or the table with a crash injected at a point a
 * real crash cannot be scheduled.
 */
const store = testStore();
const noStripe = async (): Promise<Stripe> => {
  throw new Error('these effects must not call Stripe');
};
/** A port function this path must not use: calling it fails the test. */
const unused = (name: string) => (): never => {
  throw new Error(`${name} is not used on this path`);
};

/** The table implementations of the ports, as the core modules default to them. */
const creditsOnTable: CreditEffectsPort = { ...purchasesStore, ...purchaseUpdatesStore, ...clientsStore, ...clientIdentityStore };
const eventsOnTable: StripeEventsPort = { ...commitStore, ...keysStore, ...practicesStore, ...purchasesStore, ...markersStore };

/** Purchases, ledger entries, event markers and outbox events in memory; writes are descriptions applied by `commitOnce`. */
const memoryStore = () => {
  const purchases = new Map<string, Purchase>();
  const ledger: (Omit<LedgerEntry, 'entryId' | 'clientId'> & { clientId: string })[] = [];
  const markers = new Map<string, unknown>();
  const outbox: OutboxEvent[] = [];
  const credits: CreditEffectsPort = {
    getPurchase: async (_store, practiceId, clientId, purchaseId) => {
      const purchase = purchases.get(purchaseId);
      return purchase && purchase.practiceId === practiceId && purchase.clientId === clientId ? purchase : undefined;
    },
    findPurchaseByStripeId: async (_store, stripeId) => [...purchases.values()].find((purchase) => purchase.paymentIntentId === stripeId),
    // The change of a purchase, applied only to the version it was decided on (as the table's condition does).
    purchaseVersionedUpdate: (purchase, set) => ({ Put: { Item: { memory: 'purchase', seen: purchase.version, purchase: { ...purchase, ...set, version: purchase.version + 1 } } } }),
    ledgerWrites: (_practiceId, clientId, entries) => entries.map((entry) => ({ Put: { Item: { memory: 'ledger', entry: { ...entry, clientId } } } })),
    purchaseGrantUpdate: unused('purchaseGrantUpdate'),
    stripeRef: unused('stripeRef'),
    expiringIndex: unused('expiringIndex'),
    getClient: unused('getClient'),
    confirmClientWrites: unused('confirmClientWrites'),
  };
  const events: StripeEventsPort = {
    keys: keysStore.keys,
    findPurchaseByStripeId: credits.findPurchaseByStripeId,
    findPracticeByStripeAccount: unused('findPracticeByStripeAccount'),
    recordIgnoredStripeEvent: unused('recordIgnoredStripeEvent'),
    commitOnce: async <R>(_store: Store, request: CommitRequest<R>): Promise<CommitOutcome<R>> => {
      const markerKey = `${request.marker.pk}|${request.marker.sk}`;
      if (markers.has(markerKey)) return { status: 'duplicate', result: markers.get(markerKey) as R | undefined };
      const items = request.writes.map((write) => write.Put!.Item as { memory: string; seen?: number; purchase?: Purchase; entry?: (typeof ledger)[number] });
      // All or nothing: every condition is checked before anything is applied.
      for (const item of items) {
        if (item.memory === 'purchase' && purchases.get(item.purchase!.purchaseId)?.version !== item.seen) throw new CommitConflictError('the purchase moved', ['version']);
      }
      for (const item of items) {
        if (item.memory === 'purchase') purchases.set(item.purchase!.purchaseId, item.purchase!);
        if (item.memory === 'ledger') ledger.push(item.entry!);
      }
      markers.set(markerKey, request.marker.result);
      outbox.push(...(request.events ?? []));
      return { status: 'committed', result: request.marker.result };
    },
  };
  return { purchases, ledger, markers, outbox, credits, events };
};

const paidPurchase = (practiceId: string): Purchase => {
  const purchaseId = newId('pur');
  return {
    purchaseId,
    practiceId,
    clientId: newId('cli'),
    packageId: 'pkg_test',
    state: 'paid',
    sessionsTotal: 5,
    sessionsRemaining: 5,
    sessionMinutes: 60,
    priceCents: 42500,
    currency: 'usd',
    expiresInDays: null,
    expiresAt: null,
    paidAt: '2026-11-01T10:00:00.000Z',
    paymentIntentId: `pi_${purchaseId}`,
    refundedCents: 0,
    creditsRemoved: 0,
    createdAt: '2026-11-01T09:59:00.000Z',
    version: 1,
  };
};

/** A charge as Stripe sends it in `charge.refunded`, with its refunds in the payload. */
const refundedCharge = (purchase: Purchase, refunds: { id: string; amount: number }[]) => ({
  id: `ch_${purchase.purchaseId}`,
  object: 'charge',
  amount: purchase.priceCents,
  payment_intent: `pi_${purchase.purchaseId}`,
  amount_refunded: refunds.reduce((sum, refund) => sum + refund.amount, 0),
  refunds: { object: 'list', has_more: false, data: refunds.map((refund, i) => ({ ...refund, object: 'refund', status: 'succeeded', created: 1_800_000_000 + i })) },
});

describe('the Stripe-event effects run against another implementation of their store ports', () => {
  it('a dispute on a purchase, on in-memory ports: the credits freeze once, the redelivery is a duplicate, the table is never touched', async () => {
    // Prepare: a paid purchase of 5 sessions that exists only in memory.
    const memory = memoryStore();
    const practiceId = newPracticeId();
    const purchase = paidPurchase(practiceId);
    memory.purchases.set(purchase.purchaseId, purchase);
    const dispute = stripeEvent('charge.dispute.created', { id: `dp_${purchase.purchaseId}`, object: 'dispute', amount: 42500, status: 'needs_response', payment_intent: purchase.paymentIntentId });
    const deps = { store, stripe: noStripe, effects: creditEffects(memory.credits), port: memory.events };

    // Act
    const first = await ingestStripeEvent(deps, dispute);
    const again = await ingestStripeEvent(deps, dispute);

    // Assess
    expect([first.outcome, again.outcome]).toEqual(['applied', 'duplicate']);
    expect(memory.purchases.get(purchase.purchaseId)).toMatchObject({ state: 'disputed', stateBeforeDispute: 'paid', openDisputeId: `dp_${purchase.purchaseId}`, sessionsRemaining: 5, version: 2 });
    expect(memory.ledger).toEqual([
      { kind: 'credits_frozen', amountCents: 0, sessionsDelta: 0, currency: 'usd', at: new Date(dispute.created * 1000).toISOString(), ref: `dp_${purchase.purchaseId}`, clientId: purchase.clientId },
    ]);
    expect([...memory.markers.keys()]).toEqual([`${keysStore.practicePk(practiceId)}|${keysStore.keys.marker(practiceId, 'stripe-event', dispute.id).sk}`]);
    // The default ports (the table) never saw the practice, its purchase or the event.
    expect(await purchasesStore.getPurchase(store, practiceId, purchase.clientId, purchase.purchaseId)).toBeUndefined();
    expect(await outboxOf(store, practiceId)).toEqual([]);
  });

  it('a signed receipt link opens on an in-memory port: the receipt with the name staff last gave the client; expired, the practice to ask again', async () => {
    // Prepare: a practice whose links live one day, and one of its receipts, only in memory. The
    // receipt holds only the fields the lookup reads (cast): the rest of its document is not read here.
    const practiceId = newPracticeId();
    const practice = { practiceId, name: 'Harbor Bodywork', receipts: { linkLifetimeDays: 1 } } as Practice;
    const receipt = { receiptId: newId('rcp'), practiceId, clientId: newId('cli'), document: { client: { name: 'Jane Typed' } } } as unknown as Receipt;
    const links: ReceiptLinksPort = {
      getPractice: async (_store, id) => (id === practiceId ? practice : undefined),
      getReceipt: async (_store, id, receiptId) => (id === practiceId && receiptId === receipt.receiptId ? receipt : undefined),
      currentClientName: async (_store, id, clientId) => (id === practiceId && clientId === receipt.clientId ? 'Jane Corrected' : undefined),
    };
    let now = new Date('2026-12-01T12:00:00Z');
    const deps = { store, secrets: async () => ['receipt-link-secret-for-this-test'], publicUrl: 'http://127.0.0.1:3000/', now: () => now, links };
    const { url } = await receiptLink(deps, practice, receipt.receiptId);
    const token = url.split('/r/')[1]!;

    // Act
    const opened = await openReceiptLink(deps, token);
    now = new Date('2026-12-02T12:00:01Z');
    const expired = await openReceiptLink(deps, token);

    // Assess
    expect(url.startsWith('http://127.0.0.1:3000/r/')).toBe(true);
    expect(opened).toEqual({ status: 'ok', receipt: { ...receipt, document: { client: { name: 'Jane Corrected' } } } });
    expect(expired).toEqual({ status: 'expired', practice });
    // The default port (the table) has no such receipt: the link would not open there.
    expect(await openReceiptLink({ ...deps, now: () => new Date('2026-12-01T12:00:00Z'), links: undefined }, token)).toEqual({ status: 'invalid' });
  });

  describe('a crash injected through a port, then the event delivered again: exactly one effect', () => {
    const paidOnTable = async () => {
      const practiceId = newPracticeId();
      await seedPractice(store, practiceId);
      const purchase = await seedOpenPurchase(store, practiceId, { sessions: 5, priceCents: 42500 });
      expect((await ingestStripeEvent({ store, stripe: noStripe, effects: CREDIT_EFFECTS }, stripeEvent('checkout.session.completed', checkoutSession(purchase)))).outcome).toBe('applied');
      return { practiceId, purchase };
    };

    /** One refund's effect on the table: the purchase, its ledger entries, its PaymentRefunded event. */
    const refundEffectOf = async (practiceId: string, purchase: Purchase, refundId: string) => {
      const stored = await reloadPurchase(store, purchase);
      const ledger = await ledgerState(store, practiceId, purchase.clientId);
      const refunded = (await outboxOf(store, practiceId)).filter((event) => event.detailType === 'PaymentRefunded');
      return {
        purchase: { refundedCents: stored.refundedCents, refundIds: stored.refundIds, sessionsRemaining: stored.sessionsRemaining, creditsRemoved: stored.creditsRemoved },
        ledger: ledger.entries
          .filter((entry) => entry.ref === refundId || entry.kind === 'sale_adjustment')
          .map((entry) => entry.kind)
          .sort(),
        balanced: ledger.balanceCents === ledger.sumCents,
        events: refunded.map((event) => event.detail.refundId),
      };
    };
    const oneRefund = (refundId: string) => ({
      purchase: { refundedCents: 8500, refundIds: [refundId], sessionsRemaining: 4, creditsRemoved: 1 },
      ledger: ['credits_voided', 'refund', 'sale_adjustment'],
      balanced: true,
      events: [refundId],
    });

    it('between the purchase write and the ledger writes of a refund (before the commit): nothing is written; the redelivery applies it once', async () => {
      // Prepare: a paid purchase of 5 sessions at $425; a refund of $85 (one session).
      const { practiceId, purchase } = await paidOnTable();
      const refundId = `re_${purchase.purchaseId}`;
      const refund = stripeEvent('charge.refunded', refundedCharge(purchase, [{ id: refundId, amount: 8500 }]));
      const built: string[] = [];
      const crashing = creditEffects({
        ...creditsOnTable,
        purchaseVersionedUpdate: (...args) => {
          built.push('purchase');
          return creditsOnTable.purchaseVersionedUpdate(...args);
        },
        ledgerWrites: () => {
          built.push('ledger');
          throw new Error('crash injected between the purchase write and the ledger writes');
        },
      });

      // Act
      await expect(ingestStripeEvent({ store, stripe: noStripe, effects: crashing }, refund)).rejects.toThrow(/crash injected/);
      const afterCrash = await reloadPurchase(store, purchase);
      const redelivered = await ingestStripeEvent({ store, stripe: noStripe, effects: CREDIT_EFFECTS }, refund);
      const again = await ingestStripeEvent({ store, stripe: noStripe, effects: CREDIT_EFFECTS }, refund);

      // Assess
      expect(built).toEqual(['purchase', 'ledger']);
      expect({ refundedCents: afterCrash.refundedCents, version: afterCrash.version }).toEqual({ refundedCents: 0, version: purchase.version + 1 });
      expect([redelivered.outcome, again.outcome]).toEqual(['applied', 'duplicate']);
      expect(await refundEffectOf(practiceId, purchase, refundId)).toEqual(oneRefund(refundId));
    });

    it('between the commit and the answer to Stripe: the redelivery is a duplicate; the refund stays applied once', async () => {
      // Prepare
      const { practiceId, purchase } = await paidOnTable();
      const refundId = `re_${purchase.purchaseId}`;
      const refund = stripeEvent('charge.refunded', refundedCharge(purchase, [{ id: refundId, amount: 8500 }]));
      const crashing: StripeEventsPort = {
        ...eventsOnTable,
        commitOnce: async <R>(s: Store, request: CommitRequest<R>, now?: Date): Promise<CommitOutcome<R>> => {
          await commitStore.commitOnce(s, request, now);
          throw new Error('crash injected after the commit, before the answer');
        },
      };

      // Act
      await expect(ingestStripeEvent({ store, stripe: noStripe, effects: CREDIT_EFFECTS, port: crashing }, refund)).rejects.toThrow(/crash injected/);
      const redelivered = await ingestStripeEvent({ store, stripe: noStripe, effects: CREDIT_EFFECTS }, refund);

      // Assess
      expect(redelivered.outcome).toBe('duplicate');
      expect(await refundEffectOf(practiceId, purchase, refundId)).toEqual(oneRefund(refundId));
    });
  });
});
