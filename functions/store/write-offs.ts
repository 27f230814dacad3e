/** The table's side of a write-off (core/write-offs.ts): its audit item and the claim's balance version it moves. Writes that go in a commit (commitOnce). */
import type { WriteOff } from '../domain/invoice';
import { claimKey, claimStateEntry } from './claims';
import { BALANCE_VERSION_SEEN, type ClaimInvoiceSummary } from './claim-balance';
import { nullValue } from './conditions';
import type { TransactItem } from './commit';
import { keys } from './keys';

/** The audit entry a write-off leaves: who wrote which balance off, when, why (the note stays here, never on the bus or Stripe). */
export const writeOffAuditWrite = (practiceId: string, invoiceId: string, claimId: string, writeOff: WriteOff): TransactItem => ({
  Put: {
    Item: {
      pk: keys.practice(practiceId).pk,
      sk: `AUDIT#${writeOff.writtenOffAt}#${writeOff.writeOffId}`,
      type: 'audit',
      auditId: writeOff.writeOffId,
      action: 'balance-written-off',
      invoiceId,
      claimId,
      reason: writeOff.reason,
      note: writeOff.note,
      amountCents: writeOff.amountCents,
      actor: writeOff.writtenOffBy,
      at: writeOff.writtenOffAt,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

/**
 * The audit entry a reversed partial write-off leaves (its credit note voided on Stripe): the same
 * write-off (`auditId`), what was given back to the balance, by whom, when.
 */
export const writeOffReversalAuditWrite = (practiceId: string, invoiceId: string, claimId: string, writeOff: WriteOff, reversal: { reversedAt: string; reversedBy: string }): TransactItem => ({
  Put: {
    Item: {
      pk: keys.practice(practiceId).pk,
      sk: `AUDIT#${reversal.reversedAt}#${writeOff.writeOffId}#reversed`,
      type: 'audit',
      auditId: writeOff.writeOffId,
      action: 'balance-write-off-reversed',
      invoiceId,
      claimId,
      amountCents: writeOff.amountCents,
      actor: reversal.reversedBy,
      at: reversal.reversedAt,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

/**
 * The claim's side of a write-off, in one update (a transaction touches an item once): its view of
 * the invoice (`written_off`), the claim closed (nothing more to collect, as when a balance is paid),
 * and its balance version moved on — only from the version the write-off was decided on, so a
 * balance plan made meanwhile (claim-balance.ts `claimBalancePlanWrite`) and the write-off
 * serialise: neither commits on a view the other changed.
 */
export const claimWrittenOffWrite = (practiceId: string, claimId: string, seenVersion: number, summary: ClaimInvoiceSummary): TransactItem => {
  const entry = claimStateEntry(practiceId, claimId, 'closed');
  return {
    Update: {
      Key: claimKey(practiceId, claimId),
      UpdateExpression: `SET balanceVersion = :next, invoice = :summary, #state = :closed${entry.set}${entry.remove}`,
      ConditionExpression: BALANCE_VERSION_SEEN,
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':next': seenVersion + 1, ':seen': seenVersion, ':zero': 0, ':summary': summary, ':closed': 'closed', ...entry.values, ...nullValue(BALANCE_VERSION_SEEN) },
    },
  };
};

/**
 * The claim's side of a partial write-off (docs/decisions/014-write-offs.md, "Part of a balance"): its
 * view of the invoice (what it asks for now) and its balance version moved on, only from the version
 * the write-off was decided on — as `claimWrittenOffWrite`, but the claim stays open: the rest of the
 * balance is still to be collected.
 */
export const claimPartlyWrittenOffWrite = (practiceId: string, claimId: string, seenVersion: number, summary: ClaimInvoiceSummary): TransactItem => ({
  Update: {
    Key: claimKey(practiceId, claimId),
    UpdateExpression: 'SET balanceVersion = :next, invoice = :summary',
    ConditionExpression: BALANCE_VERSION_SEEN,
    ExpressionAttributeValues: { ':next': seenVersion + 1, ':seen': seenVersion, ':zero': 0, ':summary': summary, ...nullValue(BALANCE_VERSION_SEEN) },
  },
});
