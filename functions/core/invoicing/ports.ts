/**
 * What balance invoicing needs from storage, in its own words: the port. `invoiceStoreOn` is the
 * DynamoDB implementation (store/*); tests can pass another through `InvoicingDeps.invoices`. This
 * is the one file of core/invoicing that imports the store's functions.
 */
import type { BalanceAction, InvoiceStatus } from '../../domain/patient-share';
import { claimBalancePlanWrite, claimInvoiceSummaryWrite } from '../../store/claim-balance';
import { getClaim, listAdjudications } from '../../store/claims';
import type { Adjudication, Claim } from '../../domain/claim';
import type { Store } from '../../store/table';
import { getClient, ledgerWrites } from '../../store/clients';
import type { Client, LedgerEntry } from '../../domain/client';
import { commitOnce } from '../../store/commit';
import {
  getInvoice,
  invoiceHoldWrite,
  invoiceNotTakenCheck,
  type InvoiceHold,
  invoiceVoidRequestWrite,
  listClaimInvoices,
  listInvoices,
  newInvoiceWrite,
  recordInvoiceProgress,
  takeInvoiceEmailLease,
} from '../../store/invoices';
import type { BalanceInvoice, ChargingAccount } from '../../domain/invoice';
import { getItem, type Page } from '../../store/items';
import { keys } from '../../store/keys';
import type { OutboxEvent } from '../../store/outbox';
import { listOverpaymentRefunds, listPendingRefunds, pendingRefundWrite, refundPayoutWrite, type OverpaymentRefund } from '../../store/overpayment-refunds';
import { getPractice, listPracticeIds } from '../../store/practices';
import type { Practice } from '../../domain/practice';
import { chargesBlocked, getConnect } from '../../store/connect';
import { getCoverage } from '../../store/claims-out';
import { balanceHoldItemDelete, balanceHoldWrites, balanceReleaseMarker, balanceReleaseWrites, listBalanceHoldsBefore, type BalanceHoldItem } from '../../store/balance-holds';
import type { BalanceHold, BalanceRelease } from '../../domain/claim';

/** A ledger entry as invoicing states it (the store numbers it and names the client). */
export type BalanceLedgerEntry = Omit<LedgerEntry, 'entryId' | 'clientId'>;

/** A balance plan, decided: committed once per plan key, only on the claim version it was made on. */
export interface BalancePlan {
  practiceId: string;
  claimId: string;
  clientId: string;
  planKey: string;
  actions: BalanceAction[];
  voidInvoiceIds: string[];
  newInvoices: BalanceInvoice[];
  /** Every invoice of the claim the plan read (under `seenVersion`): with `newInvoices`, the claim's `invoiceIds`. */
  readInvoiceIds: string[];
  /** An overpayment refund to pay out after the plan (recorded `pending` with it). */
  pendingRefund?: { refundId: string; amountCents: number };
  ledger: BalanceLedgerEntry[];
  seenVersion: number;
  invoicedCents: number;
  settledCents: number;
  events: OutboxEvent[];
  /** The hold the claim was under, ended with this plan (its payer answered, or it was released). */
  endedHold?: BalanceHold;
}

/** A hold begun (or its reason changed), committed once per claim version. */
export interface BalanceHoldCommit {
  practiceId: string;
  claimId: string;
  clientId: string;
  hold: BalanceHold;
  /** The claim already had a hold (its list item is there): only the reason changes. */
  alreadyHeld: boolean;
  /** A new hold replaces the claim's current one (to or from `payer_denied`): the `since` of the list item to remove. */
  replacedSince?: string;
  seenVersion: number;
  events: OutboxEvent[];
}

/**
 * What a release moves besides the hold: only while the claim's adjudications are the ones read
 * (`seenAdjudications`); a set-aside denial brings the claim's share and the client's ledger back
 * to the earlier payer's share.
 */
export interface BalanceReleaseShare {
  seenAdjudications: number;
  clientId: string;
  patientShareCents?: number;
  ledger?: Omit<LedgerEntry, 'entryId' | 'clientId'>[];
}

export interface InvoiceStore {
  /** Every practice id, over every page of the practices index (the scheduled sweep). */
  listPracticeIds(): Promise<string[]>;
  getPractice(practiceId: string): Promise<Practice | undefined>;
  getClient(practiceId: string, clientId: string): Promise<Client>;
  getClaim(practiceId: string, claimId: string): Promise<Claim | undefined>;
  listAdjudications(practiceId: string, claimId: string): Promise<Adjudication[]>;
  /** Whether this adjudication (by its identity) is recorded on the claim already. */
  isAdjudicationRecorded(practiceId: string, identity: string): Promise<boolean>;
  listClaimInvoices(practiceId: string, claimId: string): Promise<BalanceInvoice[]>;
  getInvoice(practiceId: string, invoiceId: string): Promise<BalanceInvoice | undefined>;
  listInvoices(practiceId: string, status: InvoiceStatus | undefined, cursor?: string): Promise<Page<BalanceInvoice>>;
  commitBalancePlan(plan: BalancePlan, now: Date): Promise<void>;
  /**
   * Whether the claim's coverage names a secondary plan the practice files with: the claim has a
   * secondary claim, or the client's coverage has a `secondary` plan and the claim went to the
   * coverage's primary payer (or names no payer: filed outside kneadpay).
   */
  hasSecondaryPlan(claim: Claim): Promise<boolean>;
  /** The claim's balance waits (the hold and its list item), on the claim version read; CommitConflictError when it moved. */
  commitBalanceHold(hold: BalanceHoldCommit, now: Date): Promise<void>;
  /** Releases the claim's hold once (marker per claim): true when this call did; CommitConflictError when the claim is not held (any more). */
  commitBalanceRelease(practiceId: string, claimId: string, release: BalanceRelease, auditId: string, events: OutboxEvent[], now: Date, share?: BalanceReleaseShare): Promise<boolean>;
  /** The practice's held claims whose hold began before `before` (ISO time). */
  listBalanceHoldsBefore(practiceId: string, before: string): Promise<BalanceHoldItem[]>;
  recordInvoiceProgress(
    invoice: BalanceInvoice,
    changes: Partial<BalanceInvoice>,
    guard?: { attribute: keyof BalanceInvoice; expected: unknown; absent?: string | readonly string[]; notTakenByStaff?: boolean },
  ): Promise<BalanceInvoice>;
  /** Issued once: the claim's view of the invoice (`open`) and the events. */
  /** True when this call issued it (false: an earlier delivery already had); CommitConflictError once staff took it (a write-off asked or done, a desk payment). */
  markInvoiceIssued(invoice: BalanceInvoice, events: OutboxEvent[], now: Date): Promise<boolean>;
  /** Waits, once, for the client's email: on the invoice and on the claim's view of it. */
  markInvoiceAwaitingEmail(invoice: BalanceInvoice, now: Date): Promise<void>;
  /** Too small for Stripe to charge, once: on the invoice and on the claim's view of it. */
  markInvoiceBelowMinimum(invoice: BalanceInvoice, now: Date): Promise<void>;
  /** Waits, once, for the practice's connected account to take charges: on the invoice and on the claim's view of it. */
  markInvoiceAwaitingStripe(invoice: BalanceInvoice, now: Date): Promise<void>;
  /**
   * Where the practice's balances would be charged now: the platform's account (never onboarded, or
   * released), or its connected account, able to charge or not (onboarding, restricted,
   * disconnected), as checkout reads it (store/connect.ts `chargesBlocked`).
   */
  chargingAccount(practiceId: string): Promise<ChargingAccount>;
  takeInvoiceEmailLease(invoice: BalanceInvoice, now: Date): Promise<boolean>;
  listPendingRefunds(practiceId: string, claimId: string): Promise<OverpaymentRefund[]>;
  /** Every overpayment refund of the claim: what was paid out and what was kept as credit. */
  listOverpaymentRefunds(practiceId: string, claimId: string): Promise<OverpaymentRefund[]>;
  /** What the payout did, recorded once, with the ledger entry for what was kept as credit. */
  recordRefundPayout(
    practiceId: string,
    claimId: string,
    refundId: string,
    payout: { stripeRefundIds: string[]; refundedCents: number; keptAsCreditCents: number; disputedInvoiceIds?: string[] },
    ledger: { clientId: string; entries: BalanceLedgerEntry[] } | undefined,
    /** PaymentRefunded for each Stripe refund made, committed with the record (once). */
    events?: OutboxEvent[],
  ): Promise<void>;
}

/** Holds the invoice off Stripe for `hold`, once (marker per invoice and reason), on the invoice and on the claim's view of it. */
const holdInvoice = async (store: Store, invoice: BalanceInvoice, hold: InvoiceHold, now: Date): Promise<void> => {
  await commitOnce(
    store,
    {
      marker: keys.marker(invoice.practiceId, `invoice-${hold.replace('_', '-')}`, invoice.invoiceId),
      writes: [
        invoiceHoldWrite(invoice.practiceId, invoice.invoiceId, hold),
        claimInvoiceSummaryWrite(invoice.practiceId, invoice.claimId, { invoiceId: invoice.invoiceId, status: hold, amountDueCents: invoice.amountDueCents, hostedInvoiceUrl: null }),
      ],
      events: [],
    },
    now,
  );
};

/** The invoice store on DynamoDB. */
export const invoiceStoreOn = (store: Store): InvoiceStore => ({
  listPracticeIds: () => listPracticeIds(store),
  getPractice: (practiceId) => getPractice(store, practiceId),
  getClient: (practiceId, clientId) => getClient(store, practiceId, clientId),
  getClaim: (practiceId, claimId) => getClaim(store, practiceId, claimId),
  listAdjudications: (practiceId, claimId) => listAdjudications(store, practiceId, claimId),
  isAdjudicationRecorded: async (practiceId, identity) => (await getItem(store, keys.marker(practiceId, 'adjudication', identity))) !== undefined,
  listClaimInvoices: (practiceId, claimId) => listClaimInvoices(store, practiceId, claimId),
  getInvoice: (practiceId, invoiceId) => getInvoice(store, practiceId, invoiceId),
  listInvoices: (practiceId, status, cursor) => listInvoices(store, practiceId, status, cursor),
  commitBalancePlan: async (plan, now) => {
    const writes = [
      ...plan.voidInvoiceIds.map((invoiceId) => invoiceVoidRequestWrite(plan.practiceId, invoiceId)),
      ...plan.newInvoices.map(newInvoiceWrite),
      ...(plan.pendingRefund ? [pendingRefundWrite(plan.practiceId, { ...plan.pendingRefund, claimId: plan.claimId }, now)] : []),
      ...ledgerWrites(plan.practiceId, plan.clientId, plan.ledger),
      claimBalancePlanWrite(plan.practiceId, plan.claimId, {
        seenVersion: plan.seenVersion,
        invoicedCents: plan.invoicedCents,
        settledCents: plan.settledCents,
        endHold: plan.endedHold !== undefined,
        invoiceIds: [...plan.readInvoiceIds, ...plan.newInvoices.map((invoice) => invoice.invoiceId)],
      }),
      ...(plan.endedHold ? [balanceHoldItemDelete(plan.practiceId, plan.endedHold.since, plan.claimId)] : []),
    ];
    await commitOnce(store, { marker: { ...keys.marker(plan.practiceId, 'balance-plan', plan.planKey), result: plan.actions }, writes, events: plan.events }, now);
  },
  hasSecondaryPlan: async (claim) => {
    if (claim.secondaryClaimId) return true;
    const coverage = await getCoverage(store, claim.practiceId, claim.clientId);
    return Boolean(coverage?.secondary) && (!claim.payerId || claim.payerId === coverage!.payerId);
  },
  commitBalanceHold: async (hold, now) => {
    await commitOnce(
      store,
      {
        marker: keys.marker(hold.practiceId, 'balance-hold', `${hold.claimId}#v${hold.seenVersion}`),
        writes: [
          ...balanceHoldWrites(hold.practiceId, hold.claimId, hold.clientId, hold.hold, hold.seenVersion, hold.alreadyHeld),
          ...(hold.replacedSince ? [balanceHoldItemDelete(hold.practiceId, hold.replacedSince, hold.claimId)] : []),
        ],
        events: hold.events,
      },
      now,
    );
  },
  commitBalanceRelease: async (practiceId, claimId, release, auditId, events, now, share) => {
    const writes = [...balanceReleaseWrites(practiceId, claimId, release, auditId, share), ...(share?.ledger ? ledgerWrites(practiceId, share.clientId, share.ledger) : [])];
    const outcome = await commitOnce(store, { marker: balanceReleaseMarker(practiceId, claimId, release.heldSince), writes, events }, now);
    return outcome.status === 'committed';
  },
  listBalanceHoldsBefore: (practiceId, before) => listBalanceHoldsBefore(store, practiceId, before),
  recordInvoiceProgress: (invoice, changes, guard) => recordInvoiceProgress(store, invoice, changes, guard),
  markInvoiceIssued: async (invoice, events, now) => {
    const outcome = await commitOnce(
      store,
      {
        marker: keys.marker(invoice.practiceId, 'invoice-issued', invoice.invoiceId),
        writes: [
          // Not over a write-off or a desk payment recorded meanwhile: the claim's view stays theirs.
          invoiceNotTakenCheck(invoice.practiceId, invoice.invoiceId),
          claimInvoiceSummaryWrite(invoice.practiceId, invoice.claimId, {
            invoiceId: invoice.invoiceId,
            status: 'open',
            amountDueCents: invoice.amountDueCents,
            hostedInvoiceUrl: invoice.hostedInvoiceUrl,
          }),
        ],
        events,
      },
      now,
    );
    return outcome.status === 'committed';
  },
  markInvoiceAwaitingEmail: (invoice, now) => holdInvoice(store, invoice, 'needs_email', now),
  markInvoiceBelowMinimum: (invoice, now) => holdInvoice(store, invoice, 'below_minimum', now),
  markInvoiceAwaitingStripe: (invoice, now) => holdInvoice(store, invoice, 'awaiting_stripe', now),
  chargingAccount: async (practiceId) => {
    const connect = await getConnect(store, practiceId);
    return !connect ? 'platform' : chargesBlocked(connect) ? 'connected_cannot_charge' : 'connected_can_charge';
  },
  takeInvoiceEmailLease: (invoice, now) => takeInvoiceEmailLease(store, invoice, now),
  listPendingRefunds: (practiceId, claimId) => listPendingRefunds(store, practiceId, claimId),
  listOverpaymentRefunds: (practiceId, claimId) => listOverpaymentRefunds(store, practiceId, claimId),
  recordRefundPayout: async (practiceId, claimId, refundId, payout, ledger, events = []) => {
    await commitOnce(store, {
      marker: keys.marker(practiceId, 'refund-recorded', refundId),
      writes: [refundPayoutWrite(practiceId, claimId, refundId, payout), ...(ledger ? ledgerWrites(practiceId, ledger.clientId, ledger.entries) : [])],
      events,
    });
  },
});
