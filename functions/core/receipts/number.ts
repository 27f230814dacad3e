/** Numbering: one gapless sequence per practice, handed out in issue order under the numbering lease. */
import { formatReceiptNumber } from '../../domain/receipt';
import { RetryableError } from '../../shared/errors';
import { newId } from '../../shared/ids';
import type { QueuedReceipt } from '../../store/receipts';
import { isNumbered, mustGetReceipt, sleep, type NumberedReceipt, type ReceiptDeps } from './deps';

/** Receipts numbered per transaction: 1 counter + 1 marker + 3 items each stays within 100. */
const NUMBERING_BATCH = 25;
/** How long numbering may wait (for other numberers, conflicts) before leaving it to the bus's retry. */
const NUMBERING_DEADLINE_MS = 20_000;

/**
 * Gives the queued receipts of a practice their numbers, oldest first, until `receiptId` has one.
 *
 * Numbers come from one counter per practice, moved in the same transaction that writes them onto
 * the receipts (condition: the counter is still what we read), so they are unique, increasing and
 * without gaps. One numberer works at a time (a lease on the counter); it numbers the whole queue
 * head (up to 25), not just its own receipt, and the others find theirs numbered: 50 payments at
 * once take a few transactions instead of 50 rounds of colliding ones.
 */
export const numberReceipt = async (deps: ReceiptDeps, practiceId: string, receiptId: string): Promise<NumberedReceipt> => {
  const deadline = Date.now() + NUMBERING_DEADLINE_MS;
  for (let attempt = 0; Date.now() < deadline; attempt += 1) {
    const receipt = await mustGetReceipt(deps, practiceId, receiptId);
    if (isNumbered(receipt)) return receipt;
    const leaseId = newId('lease');
    const lease = await deps.receipts.takeNumberingLease(practiceId, { leaseId, now: deps.now() });
    if (!lease) {
      // Someone is numbering: most likely ours too.
      await sleep(20 + Math.random() * 40);
      continue;
    }
    await deps.after?.('number-lease', receiptId);
    const seen = lease.lastSequence;
    const batch = await deps.receipts.listQueuedReceipts(practiceId, NUMBERING_BATCH);
    if (batch.length === 0) {
      await deps.receipts.releaseNumberingLease(practiceId, leaseId);
      continue;
    }
    const now = deps.now();
    let committed = false;
    try {
      const outcome = await deps.receipts.commitNumbering(
        practiceId,
        {
          seen,
          leaseId,
          batch,
          format: formatReceiptNumber,
          events: batch.map((queued, index) => ({
            detailType: 'ReceiptIssued',
            detail: { practiceId, ...queued, number: formatReceiptNumber(seen + index + 1) },
          })),
        },
        now,
      );
      // A duplicate cannot happen while the counter is read consistently; if it does, nothing was written.
      if (outcome.status === 'duplicate') await deps.receipts.releaseNumberingLease(practiceId, leaseId);
      else {
        committed = true;
        deps.logger.info('receipts numbered', { practiceId, first: seen + 1, count: batch.length, attempts: attempt + 1 });
      }
    } catch (error) {
      await deps.receipts.releaseNumberingLease(practiceId, leaseId);
      if ((error as Error).name !== 'CommitConflictError') throw error;
      await dropStaleQueueEntries(deps, practiceId, batch, (error as { reasons?: string[] }).reasons ?? []);
      await sleep(Math.random() * 50);
    }
    if (committed) await deps.after?.('number', receiptId);
  }
  throw new RetryableError(`numbering receipts of practice ${practiceId} took too long; the retry continues`);
};

/**
 * A queue entry whose receipt is numbered already or gone would fail every batch it is in and
 * stop the practice's numbering: when a batch failed on a receipt (not on the counter), drop the
 * entries that are stale.
 */
const dropStaleQueueEntries = async (deps: ReceiptDeps, practiceId: string, batch: QueuedReceipt[], reasons: string[]) => {
  for (const queued of deps.receipts.numberingRefusals(batch, reasons)) {
    const receipt = await deps.receipts.getReceipt(practiceId, queued.receiptId);
    if (receipt && !isNumbered(receipt)) continue;
    await deps.receipts.deleteQueueEntry(practiceId, queued.receiptId);
    deps.logger.warn('stale numbering queue entry dropped', { practiceId, receiptId: queued.receiptId });
  }
};
