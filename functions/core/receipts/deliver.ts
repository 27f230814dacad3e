/** Delivering: the receipt email, sent once under the send lease, and the practice's resend. */
import { renderReceiptEmail } from '../../shared/email';
import { ConflictError, NotFoundError, RetryableError } from '../../shared/errors';
import { newId } from '../../shared/ids';
import { countMetric, METRIC } from '../../shared/metrics';
import { receiptLink } from '../receipt-links';
import { EMAIL_PATTERN } from '../../shared/validate';
import { LEASES } from '../../store/lease';
import type { EmailStatus, Receipt } from '../../domain/receipt';
import { mustGetReceipt, requirePracticeFor, sleep, type ReceiptDeps } from './deps';

/** SES refuses these for good (address, identity, account): retrying the same email cannot help. */
const PERMANENT_SES_ERRORS = new Set(['MessageRejected', 'BadRequestException', 'MailFromDomainNotVerifiedException', 'AccountSuspendedException', 'NotFoundException', 'InvalidParameterValue']);

export const isPermanentEmailError = (error: unknown): boolean => {
  const name = (error as Error)?.name ?? '';
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (PERMANENT_SES_ERRORS.has(name)) return true;
  // Other 4xx except throttling are the request's fault; 429, 5xx and network errors may pass later.
  return status !== undefined && status >= 400 && status < 500 && status !== 429 && !/Throttl|TooManyRequests|LimitExceeded/.test(name);
};

/** What the practice sees about a failure: the SES error and its message, bounded. */
const describeError = (error: unknown): string => {
  const name = (error as Error)?.name ?? 'Error';
  const message = (error as Error)?.message ?? String(error);
  return `${name}: ${message}`.slice(0, 300);
};

/** A send in progress elsewhere is waited for this long before the bus is asked to retry. */
const IN_PROGRESS_WAIT_MS = 15_000;
/** The receipt send lease's lifetime; why it is 90 s: LEASES.receiptEmail (store/lease.ts). */
export const EMAIL_LEASE_MS = LEASES.receiptEmail.ms;

export interface DeliveryOutcome {
  receiptId: string;
  emailStatus: EmailStatus;
  emailAttempts: number;
  emailLastError?: string;
}

const outcomeOf = (receipt: Receipt): DeliveryOutcome => ({
  receiptId: receipt.receiptId,
  emailStatus: receipt.emailStatus,
  emailAttempts: receipt.emailAttempts,
  ...(receipt.emailLastError ? { emailLastError: receipt.emailLastError } : {}),
});

/** Sends under a lease already taken, and settles it. Throws RetryableError on a transient failure. */
const sendLeased = async (deps: ReceiptDeps, receipt: Receipt, leaseId: string, resend: boolean): Promise<DeliveryOutcome> => {
  const { practiceId, receiptId } = receipt;
  const practice = await requirePracticeFor(deps, practiceId);
  const client = await deps.receipts.getClient(practiceId, receipt.clientId);
  const fail = async (status: 'retrying' | 'failed', error: string) => {
    await deps.receipts.settleEmail(practiceId, receiptId, leaseId, { status, error, at: deps.now() });
    return { receiptId, emailStatus: status, emailAttempts: receipt.emailAttempts, emailLastError: error } satisfies DeliveryOutcome;
  };
  if (!client.email || !EMAIL_PATTERN.test(client.email)) {
    deps.logger.warn('receipt email not sent: the client has no valid address', { practiceId, receiptId, clientId: receipt.clientId });
    return fail('failed', 'InvalidAddress: the client has no valid email address; correct it and resend');
  }
  const link = await receiptLink(deps, practice, receiptId);
  const content = renderReceiptEmail(
    { ...receipt.document, client: { ...receipt.document.client, name: client.name } },
    { mode: practice.receipts?.mode ?? 'link', link: link.url, linkExpiresAt: link.expiresAt },
  );
  let messageId: string;
  try {
    messageId = await deps.sendEmail({ to: client.email, ...content, practiceId });
  } catch (error) {
    if ((error as Error).name === 'RateLimitedError') {
      // The shared sender's limit for this practice or address (issue 17): said as it is, a 429 on a resend.
      await fail(resend ? 'failed' : 'retrying', describeError(error));
      throw error;
    }
    const permanent = isPermanentEmailError(error);
    // The SES message can quote the address: log the error's name and code only.
    deps.logger.warn('receipt email failed', { practiceId, receiptId, permanent, errorName: (error as Error)?.name, attempts: receipt.emailAttempts });
    // A resend is the practice acting by hand: there is no bus retry behind it, so it is `failed`.
    const outcome = await fail(permanent || resend ? 'failed' : 'retrying', describeError(error));
    if (permanent) return outcome;
    throw new RetryableError('the receipt email could not be sent; it will be retried', error);
  }
  await deps.after?.('send', receiptId);
  await deps.receipts.settleEmail(practiceId, receiptId, leaseId, { status: 'sent', messageId, at: deps.now() });
  await deps.after?.('email-record', receiptId);
  deps.logger.info(resend ? 'receipt email resent' : 'receipt email sent', { practiceId, receiptId, attempts: receipt.emailAttempts });
  countMetric(METRIC.receiptSent, 1, 'receipt-issuer');
  return { receiptId, emailStatus: 'sent', emailAttempts: receipt.emailAttempts };
};

/**
 * Emails a receipt once. Two deliveries of the same event race for the send lease; the loser
 * waits for the winner and reports its outcome. Sent and failed receipts are not sent again
 * (a resend is the practice's call: `resendReceipt`).
 */
export const deliverReceipt = async (deps: ReceiptDeps, practiceId: string, receiptId: string): Promise<DeliveryOutcome> => {
  const deadline = Date.now() + IN_PROGRESS_WAIT_MS;
  for (;;) {
    const leaseId = newId('lease');
    const leased = await deps.receipts.takeEmailLease(practiceId, receiptId, { leaseId, now: deps.now(), force: false });
    if (leased) {
      await deps.after?.('email-lease', receiptId);
      return sendLeased(deps, leased, leaseId, false);
    }
    const current = await mustGetReceipt(deps, practiceId, receiptId);
    if (current.emailStatus === 'sent' || current.emailStatus === 'failed') return outcomeOf(current);
    if (Date.now() > deadline) throw new RetryableError(`receipt ${receiptId} is being sent by another delivery`);
    await sleep(150 + Math.random() * 100);
  }
};

/** POST …/receipts/{receiptId}/send: emails the receipt again, to the client's current address. */
export const resendReceipt = async (deps: ReceiptDeps, practiceId: string, receiptId: string): Promise<DeliveryOutcome> => {
  const leaseId = newId('lease');
  const leased = await deps.receipts.takeEmailLease(practiceId, receiptId, { leaseId, now: deps.now(), force: true });
  if (!leased) {
    if (!(await deps.receipts.getReceipt(practiceId, receiptId))) throw new NotFoundError('receipt');
    throw new ConflictError('this receipt is being sent right now; try again in a minute', 'send_in_progress');
  }
  return sendLeased(deps, leased, leaseId, true);
};
