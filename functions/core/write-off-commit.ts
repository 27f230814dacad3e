/**
 * What a write-off records (docs/decisions/014-write-offs.md), shared by the route (core/write-offs.ts)
 * and by Stripe's `invoice.voided` of a write-off whose request died before its commit
 * (core/invoice-effects.ts). A file of its own so the webhook's bundle does not carry the route's
 * request-body schemas (bench/coldstart.ts: they cost `stripe-webhook` about a tenth of its import).
 */
import { minimumChargeCents } from '../domain/charge-minimum';
import { invoiceStripeAccount, shownInvoiceHold, type BalanceInvoice, type PartialWriteOff, type WriteOff, type WriteOffRequest } from '../domain/invoice';
import { NotFoundError } from '../shared/errors';
import { ledgerWrites } from '../store/clients';
import { getClaim } from '../store/claims';
import { commitOnce, CommitConflictError, type TransactItem } from '../store/commit';
import type { OutboxEvent } from '../store/outbox';
import { getInvoice, invoiceVersionedUpdate, recordInvoiceProgress, recordWriteOffRequest } from '../store/invoices';
import { keys } from '../store/keys';
import { getPractice } from '../store/practices';
import type { Store } from '../store/table';
import { claimPartlyWrittenOffWrite, claimWrittenOffWrite, writeOffAuditWrite, writeOffReversalAuditWrite } from '../store/write-offs';
import type { StripeScope } from '../stripe/gateway';
import { findCreditNoteByMetadata } from '../stripe/invoices';
import type { Stripe } from '../stripe/types';
import type { WriteOffsPort } from './ports';

/**
 * How long a write-off request is left to its own request before Stripe's `invoice.voided` finishes
 * it: longer than a request may run (API Gateway's 29 s), so the webhook never races a live request.
 */
export const WRITE_OFF_REQUEST_GRACE_MS = 60_000;

/** The default implementation of the port: the table (core/ports.ts). */
export const WRITE_OFFS_STORE: WriteOffsPort = {
  getInvoice,
  invoiceVersionedUpdate,
  recordInvoiceProgress,
  recordWriteOffRequest,
  getClaim,
  getPractice,
  claimWrittenOffWrite,
  claimPartlyWrittenOffWrite,
  writeOffAuditWrite,
  writeOffReversalAuditWrite,
  ledgerWrites,
  commitOnce,
  keys,
};

/**
 * What every write-off, all of a balance or part of it, records besides the invoice and the claim:
 * the client owes the practice this much less — the `balance_writeoff` ledger entry (−amount: the
 * patient's share forgiven, DOMAIN.md §4: PR, not CO) — and the audit item.
 */
const forgivenWrites = (port: Pick<WriteOffsPort, 'ledgerWrites' | 'writeOffAuditWrite'>, invoice: BalanceInvoice, writeOff: WriteOff | PartialWriteOff): TransactItem[] => [
  ...port.ledgerWrites(invoice.practiceId, invoice.clientId, [
    { kind: 'balance_writeoff', amountCents: -writeOff.amountCents, currency: invoice.currency, at: writeOff.writtenOffAt, ref: invoice.invoiceId },
  ]),
  port.writeOffAuditWrite(invoice.practiceId, invoice.invoiceId, invoice.claimId, writeOff),
];

/** PatientBalanceWrittenOff; a partial write-off says what the invoice still asks for (`amountRemainingCents`). */
const forgivenEvent = (invoice: BalanceInvoice, writeOff: WriteOff | PartialWriteOff, amountRemainingCents?: number): OutboxEvent => ({
  detailType: 'PatientBalanceWrittenOff',
  detail: {
    practiceId: invoice.practiceId,
    claimId: invoice.claimId,
    clientId: invoice.clientId,
    invoiceId: invoice.invoiceId,
    writeOffId: writeOff.writeOffId,
    reason: writeOff.reason,
    amountCents: writeOff.amountCents,
    ...(amountRemainingCents === undefined ? {} : { amountRemainingCents }),
    currency: invoice.currency,
    writtenOffAt: writeOff.writtenOffAt,
  },
});

/**
 * What a write-off commits, in one transaction: the invoice `void` with its write-off (only from the
 * version it was decided on), the claim's side (closed, its balance version moved on), the ledger
 * entry, the audit item and PatientBalanceWrittenOff. Shared by the route and by Stripe's
 * `invoice.voided` of a write-off whose request died before its commit (core/invoice-effects.ts).
 */
export const writeOffCommit = (
  port: Pick<WriteOffsPort, 'invoiceVersionedUpdate' | 'claimWrittenOffWrite' | 'ledgerWrites' | 'writeOffAuditWrite'>,
  invoice: BalanceInvoice,
  claimBalanceVersion: number,
  writeOff: WriteOff,
  now: Date,
): { writes: TransactItem[]; events: OutboxEvent[] } => ({
  writes: [
    port.invoiceVersionedUpdate(invoice, { status: 'void', writeOff }, now),
    port.claimWrittenOffWrite(invoice.practiceId, invoice.claimId, claimBalanceVersion, {
      invoiceId: invoice.invoiceId,
      status: 'written_off',
      amountDueCents: invoice.amountDueCents,
      hostedInvoiceUrl: null,
    }),
    ...forgivenWrites(port, invoice, writeOff),
  ],
  events: [forgivenEvent(invoice, writeOff)],
});

/** What finishing a partial write-off needs besides the port: the table and Stripe. */
export interface PartialWriteOffDeps {
  store: Store;
  stripe: () => Promise<Stripe>;
}

/**
 * What a partial write-off commits, in one transaction: the invoice asking `amountCents` less (and,
 * held off Stripe and now below Stripe's minimum charge, held as `below_minimum`), its request
 * cleared; the claim's view of it and its balance version moved on (the claim stays open); the
 * `balance_writeoff` ledger entry (−amount); the audit item; PatientBalanceWrittenOff with what remains.
 */
export const partialWriteOffCommit = (port: WriteOffsPort, invoice: BalanceInvoice, claimBalanceVersion: number, part: PartialWriteOff, now: Date) => {
  const amountDueCents = invoice.amountDueCents - part.amountCents;
  const held = invoice.status === 'pending' && !invoice.stripeInvoiceId;
  const belowMinimum = held && amountDueCents < minimumChargeCents(invoice.currency);
  const after: BalanceInvoice = { ...invoice, amountDueCents, partialWriteOffs: [...(invoice.partialWriteOffs ?? []), part], ...(belowMinimum ? { belowMinimum: true } : {}) };
  return {
    after,
    writes: [
      port.invoiceVersionedUpdate(invoice, { amountDueCents, partialWriteOffs: after.partialWriteOffs, writeOffRequest: null, ...(belowMinimum ? { belowMinimum: true } : {}) }, now),
      port.claimPartlyWrittenOffWrite(invoice.practiceId, invoice.claimId, claimBalanceVersion, {
        invoiceId: invoice.invoiceId,
        status: shownInvoiceHold(after) ?? after.status,
        amountDueCents,
        hostedInvoiceUrl: invoice.hostedInvoiceUrl,
      }),
      ...forgivenWrites(port, invoice, part),
    ],
    events: [forgivenEvent(invoice, part, amountDueCents - invoice.amountPaidCents)],
  };
};

/**
 * A partial write-off reversed because its credit note was voided on Stripe (Stripe's API reference,
 * "Void a credit note": possible while the invoice is open, which then asks the amount again), in one
 * transaction: the invoice asks `amountCents` more and the part is kept with `voidedAt` (no longer
 * counted as written off: `amountWrittenOffCents`); the claim's view of it and its balance version
 * moved on; a `balance_writeoff` entry of +amount that reverses the first; the audit item. No bus
 * event: the catalog has none for a reversal (docs/events.md).
 */
export const partialWriteOffReversal = (
  port: Pick<WriteOffsPort, 'invoiceVersionedUpdate' | 'claimPartlyWrittenOffWrite' | 'ledgerWrites' | 'writeOffReversalAuditWrite'>,
  invoice: BalanceInvoice,
  claimBalanceVersion: number,
  part: PartialWriteOff,
  reversal: { reversedAt: string; reversedBy: string },
  now: Date,
): { writes: TransactItem[]; events: OutboxEvent[] } => {
  const amountDueCents = invoice.amountDueCents + part.amountCents;
  const partialWriteOffs = (invoice.partialWriteOffs ?? []).map((recorded) => (recorded.writeOffId === part.writeOffId ? { ...recorded, voidedAt: reversal.reversedAt } : recorded));
  const after: BalanceInvoice = { ...invoice, amountDueCents, partialWriteOffs };
  return {
    writes: [
      port.invoiceVersionedUpdate(invoice, { amountDueCents, partialWriteOffs }, now),
      port.claimPartlyWrittenOffWrite(invoice.practiceId, invoice.claimId, claimBalanceVersion, {
        invoiceId: invoice.invoiceId,
        status: shownInvoiceHold(after) ?? after.status,
        amountDueCents,
        hostedInvoiceUrl: invoice.hostedInvoiceUrl,
      }),
      ...port.ledgerWrites(invoice.practiceId, invoice.clientId, [
        { kind: 'balance_writeoff', amountCents: part.amountCents, currency: invoice.currency, at: reversal.reversedAt, ref: invoice.invoiceId },
      ]),
      port.writeOffReversalAuditWrite(invoice.practiceId, invoice.invoiceId, invoice.claimId, part, reversal),
    ],
    events: [],
  };
};

/** Commits a partial write-off once (marker per invoice and write-off): 'duplicate' when it was already. */
export const commitPartialWriteOff = async (deps: PartialWriteOffDeps, port: WriteOffsPort, invoice: BalanceInvoice, claimBalanceVersion: number, part: PartialWriteOff, now: Date) => {
  const { writes, events } = partialWriteOffCommit(port, invoice, claimBalanceVersion, part, now);
  return (await port.commitOnce(deps.store, { marker: { ...port.keys.marker(invoice.practiceId, 'write-off', `${invoice.invoiceId}#${part.writeOffId}`), result: part }, writes, events }, now)).status;
};

/**
 * A partial write-off's request another request left unfinished (it died, or is slower than any
 * request may run): finished when its credit note is on Stripe (a read, no Stripe write), else
 * dropped — nothing of it happened.
 */
export const finishPartialWriteOff = async (deps: PartialWriteOffDeps, port: WriteOffsPort, invoice: BalanceInvoice, pending: WriteOffRequest & { amountCents: number }, now: Date): Promise<void> => {
  if (invoice.stripeInvoiceId) {
    const practice = await port.getPractice(deps.store, invoice.practiceId);
    if (!practice) throw new NotFoundError('practice');
    const scope: StripeScope = { stripe: await deps.stripe(), account: invoiceStripeAccount(invoice, practice) };
    const found = await findCreditNoteByMetadata(scope, invoice.stripeInvoiceId, pending.writeOffId);
    if (found) {
      const claim = await port.getClaim(deps.store, invoice.practiceId, invoice.claimId);
      if (!claim) throw new NotFoundError('claim');
      const part: PartialWriteOff = { ...pending, writtenOffAt: now.toISOString(), creditNoteId: found.id };
      await commitPartialWriteOff(deps, port, invoice, (claim as { balanceVersion?: number }).balanceVersion ?? 0, part, now).catch((error: unknown) => {
        if (!(error instanceof CommitConflictError)) throw error;
      });
      return;
    }
  }
  await port.recordInvoiceProgress(deps.store, invoice, { writeOffRequest: null } as unknown as Partial<BalanceInvoice>, { attribute: 'writeOffRequest', expected: pending }).catch((error: Error) => {
    if (error.name !== 'ConditionalCheckFailedException') throw error;
  });
};
