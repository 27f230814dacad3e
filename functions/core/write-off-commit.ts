/**
 * What a write-off records (docs/decisions/014-write-offs.md), shared by the route (core/write-offs.ts)
 * and by Stripe's `invoice.voided` of a write-off whose request died before its commit
 * (core/invoice-effects.ts). A file of its own so the webhook's bundle does not carry the route's
 * request-body schemas (bench/coldstart.ts: they cost `stripe-webhook` about a tenth of its import).
 */
import type { BalanceInvoice, WriteOff } from '../domain/invoice';
import { ledgerWrites } from '../store/clients';
import { getClaim } from '../store/claims';
import { commitOnce, type TransactItem } from '../store/commit';
import type { OutboxEvent } from '../store/outbox';
import { getInvoice, invoiceVersionedUpdate, recordInvoiceProgress } from '../store/invoices';
import { keys } from '../store/keys';
import { getPractice } from '../store/practices';
import { claimPartlyWrittenOffWrite, claimWrittenOffWrite, writeOffAuditWrite } from '../store/write-offs';
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
  getClaim,
  getPractice,
  claimWrittenOffWrite,
  claimPartlyWrittenOffWrite,
  writeOffAuditWrite,
  ledgerWrites,
  commitOnce,
  keys,
};

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
    // The client owes the practice this much less: the patient's share forgiven (DOMAIN.md §4: PR, not CO).
    ...port.ledgerWrites(invoice.practiceId, invoice.clientId, [
      { kind: 'balance_writeoff', amountCents: -writeOff.amountCents, currency: invoice.currency, at: writeOff.writtenOffAt, ref: invoice.invoiceId },
    ]),
    port.writeOffAuditWrite(invoice.practiceId, invoice.invoiceId, invoice.claimId, writeOff),
  ],
  events: [
    {
      detailType: 'PatientBalanceWrittenOff',
      detail: {
        practiceId: invoice.practiceId,
        claimId: invoice.claimId,
        clientId: invoice.clientId,
        invoiceId: invoice.invoiceId,
        writeOffId: writeOff.writeOffId,
        reason: writeOff.reason,
        amountCents: writeOff.amountCents,
        currency: invoice.currency,
        writtenOffAt: writeOff.writtenOffAt,
      },
    },
  ],
});
