import type Stripe from 'stripe';
import { buildReceipt, formatReceiptNumber, RECEIPT_NUMBER_PENDING, type PaymentMethod, type ReceiptInput, type ReceiptKind, type ReceiptProblem } from '../domain/receipt';
import { sendEmail, type OutgoingEmail } from '../shared/email';
import { ConflictError, KneadpayError, NotFoundError, RetryableError, ValidationError } from '../shared/errors';
import { newId } from '../shared/ids';
import { createLogger, type Logger } from '../shared/logger';
import { countMetric, METRIC } from '../shared/metrics';
import { renderReceiptEmail } from '../shared/receipt-render';
import { receiptSecrets } from '../shared/receipt-token';
import { receiptLink } from './receipt-links';
import { EMAIL_PATTERN, fields } from '../shared/validate';
import { lookupPaymentMethod } from '../stripe/payment-method';
import { getPackage } from '../store/catalog';
import { getClaim, listAdjudications } from '../store/claims';
import { adjudicatesPayment } from '../domain/era835/status';
import { adjudicationsDecidingShare } from '../domain/patient-share';
import { getStore, type Store } from '../store/client';
import { getClient } from '../store/clients';
import { commitOnce } from '../store/commit';
import { getPractice, type Practice } from '../store/practices';
import { getPurchase, type Purchase } from '../store/purchases';
import {
  deleteQueueEntry,
  findIssuedReceipt,
  getInvoiceRef,
  getReceipt,
  listClientReceipts,
  listQueuedReceipts,
  listReceipts,
  numberingMarkerKey,
  receiptIssueWrites,
  receiptMarkerKey,
  receiptNumberingWrites,
  receiptSourceKey,
  releaseNumberingLease,
  settleEmail,
  takeEmailLease,
  takeNumberingLease,
  type EmailStatus,
  type QueuedReceipt,
  type Receipt,
  type ReceiptSource,
} from '../store/receipts';

/**
 * The receipt issuer's step boundaries: every point between two effects (a DynamoDB write, an SES
 * send). Tests inject a crash after each (a real crash cannot be scheduled):
 * - `issue`: the receipt, its marker and its place in the numbering queue are committed;
 * - `number-lease`: the practice's numbering lease is taken (on the counter);
 * - `number`: a numbering batch is committed (numbers, counter, ReceiptIssued events);
 * - `email-lease`: the receipt's send lease is taken (`sending`);
 * - `send`: SES accepted the email, not recorded yet;
 * - `email-record`: the send is recorded (`sent`).
 */
export const RECEIPT_STEPS = ['issue', 'number-lease', 'number', 'email-lease', 'send', 'email-record'] as const;
export type ReceiptStep = (typeof RECEIPT_STEPS)[number];

/** What the receipt functions need; tests inject parts (a failing sender, a clock). */
export interface ReceiptDeps {
  store: Store;
  stripe: () => Promise<Stripe>;
  sendEmail: (email: OutgoingEmail) => Promise<string>;
  secrets: () => Promise<string[]>;
  /** Base URL of the public receipt page (`KNEADPAY_PUBLIC_URL`). */
  publicUrl: string;
  logger: Logger;
  now: () => Date;
  /** Crash injection for reliability tests: called after each step of RECEIPT_STEPS has happened. */
  after?: (step: ReceiptStep, receiptId: string) => void | Promise<void>;
}

/** For a function without Stripe access (`receipts`): the deps say so if Stripe is ever asked for. */
const noStripe = (): Promise<Stripe> => Promise.reject(new Error('this function has no Stripe access: pass deps.stripe (the receipt issuer passes getStripe)'));

/**
 * The receipt functions' deps. `stripe` is only the issuer's (it looks up the payment method):
 * the Stripe SDK is not imported here, so the `receipts` function's bundle does not carry it.
 */
export const defaultReceiptDeps = (overrides: Partial<ReceiptDeps> = {}): ReceiptDeps => ({
  store: getStore(),
  stripe: noStripe,
  sendEmail,
  secrets: () => receiptSecrets(),
  publicUrl: process.env.KNEADPAY_PUBLIC_URL ?? 'http://127.0.0.1:3000',
  logger: createLogger('receipts'),
  now: () => new Date(),
  ...overrides,
});

/** The receipt cannot be built from what is stored (a bug or corrupt data): retried, then dead-lettered. */
export class ReceiptDataError extends KneadpayError {
  readonly problem: ReceiptProblem;

  constructor(problem: ReceiptProblem) {
    super(`the receipt cannot be built: ${problem.message} (${problem.field})`, { status: 500, code: 'receipt_data', details: problem });
    this.name = 'ReceiptDataError';
    this.problem = problem;
  }
}

// Events in ------------------------------------------------------------------------------------

export interface PaymentSucceededDetail {
  practiceId: string;
  clientId: string;
  kind: 'package' | 'invoice';
  paymentId: string;
  amountCents: number;
  currency: string;
  paidAt: string;
  purchaseId?: string;
  invoiceId?: string;
  claimId?: string;
}

export interface PaymentRefundedDetail {
  practiceId: string;
  clientId: string;
  kind: 'package' | 'invoice';
  paymentId: string;
  refundId: string;
  amountCents: number;
  totalRefundedCents: number;
  currency: string;
  purchaseId?: string;
  invoiceId?: string;
  claimId?: string;
  creditsRemoved: number;
  refundedAt: string;
}

const PAYMENT_KINDS = ['package', 'invoice'] as const;

export const parsePaymentSucceeded = (detail: Record<string, unknown>): PaymentSucceededDetail => {
  const f = fields(detail, 'detail');
  const kind = f.oneOf('kind', PAYMENT_KINDS);
  return {
    practiceId: f.string('practiceId'),
    clientId: f.string('clientId'),
    kind,
    paymentId: f.string('paymentId'),
    amountCents: f.int('amountCents', { min: 0 }),
    currency: f.string('currency', { pattern: /^[a-z]{3}$/ }),
    paidAt: f.string('paidAt'),
    purchaseId: kind === 'package' ? f.string('purchaseId') : f.string('purchaseId', { optional: true }),
    invoiceId: f.string('invoiceId', { optional: true }),
    claimId: f.string('claimId', { optional: true }),
  };
};

export const parsePaymentRefunded = (detail: Record<string, unknown>): PaymentRefundedDetail => {
  const f = fields(detail, 'detail');
  return {
    practiceId: f.string('practiceId'),
    clientId: f.string('clientId'),
    kind: f.oneOf('kind', PAYMENT_KINDS),
    paymentId: f.string('paymentId'),
    refundId: f.string('refundId'),
    amountCents: f.int('amountCents', { min: 1 }),
    totalRefundedCents: f.int('totalRefundedCents', { min: 1 }),
    currency: f.string('currency', { pattern: /^[a-z]{3}$/ }),
    purchaseId: f.string('purchaseId', { optional: true }),
    invoiceId: f.string('invoiceId', { optional: true }),
    claimId: f.string('claimId', { optional: true }),
    creditsRemoved: f.int('creditsRemoved', { optional: true, min: 0 }) ?? 0,
    refundedAt: f.string('refundedAt'),
  };
};

// Gathering the facts --------------------------------------------------------------------------

const requirePracticeFor = async (deps: ReceiptDeps, practiceId: string): Promise<Practice> => {
  const practice = await getPractice(deps.store, practiceId);
  if (!practice) throw new NotFoundError('practice');
  return practice;
};

/**
 * Card brand and last 4 from Stripe. A receipt must not wait on Stripe: when Stripe cannot say
 * (an error, a method without a card), the receipt shows the payment generically.
 */
const paymentMethodFor = async (deps: ReceiptDeps, practice: Practice, paymentId: string): Promise<PaymentMethod> => {
  try {
    return await lookupPaymentMethod(await deps.stripe(), paymentId, practice.stripeAccountId);
  } catch (error) {
    deps.logger.warn('payment method unavailable from Stripe; the receipt shows it generically', {
      practiceId: practice.practiceId,
      paymentId,
      errorName: (error as Error)?.name,
      errorCode: (error as { code?: unknown })?.code,
    });
    return { type: 'unknown' };
  }
};

const packageFactsOf = async (deps: ReceiptDeps, purchase: Purchase) => {
  const pkg = await getPackage(deps.store, purchase.practiceId, purchase.packageId).catch((error: unknown) => {
    if ((error as Error).name === 'NotFoundError') return undefined;
    throw error;
  });
  return {
    purchaseId: purchase.purchaseId,
    packageName: pkg?.name ?? `Session package (${purchase.sessionsTotal} sessions)`,
    serviceCode: pkg?.serviceCode ?? null,
    sessionMinutes: purchase.sessionMinutes,
    sessionsTotal: purchase.sessionsTotal,
    sessionsRemaining: purchase.sessionsRemaining,
    creditsRemoved: purchase.creditsRemoved,
    priceCents: purchase.priceCents,
  };
};

const requirePurchase = async (deps: ReceiptDeps, practiceId: string, clientId: string, purchaseId: string): Promise<Purchase> => {
  const purchase = await getPurchase(deps.store, practiceId, clientId, purchaseId);
  // The event is committed with the purchase, so this is a wrong id rather than a race; retry anyway.
  if (!purchase) throw new RetryableError(`purchase ${purchaseId} not found`);
  return purchase;
};

type Facts = (number: string, issuedAt: string) => ReceiptInput;

const paymentFacts = async (deps: ReceiptDeps, practice: Practice, detail: PaymentSucceededDetail): Promise<{ facts: Facts; source: ReceiptSource }> => {
  const client = await getClient(deps.store, practice.practiceId, detail.clientId);
  const method = await paymentMethodFor(deps, practice, detail.paymentId);
  const payment = { paymentId: detail.paymentId, amountCents: detail.amountCents, currency: detail.currency, paidAt: detail.paidAt, method };
  const common = { practice, clientName: client.name };
  if (detail.kind === 'package') {
    const purchase = await requirePurchase(deps, practice.practiceId, detail.clientId, detail.purchaseId!);
    // A sale receipt states the package as it was bought: a visit redeemed before the receipt is
    // issued (the consumer runs after the payment) must not show up on it.
    const pkg = { ...(await packageFactsOf(deps, purchase)), sessionsRemaining: purchase.sessionsTotal, creditsRemoved: 0 };
    return {
      source: { type: 'payment', paymentKind: detail.kind, paymentId: detail.paymentId, purchaseId: purchase.purchaseId },
      facts: (number, issuedAt) => ({ ...common, number, issuedAt, kind: 'package', payment, package: pkg }),
    };
  }
  const claimId = detail.claimId ?? (detail.invoiceId ? (await getInvoiceRef(deps.store, practice.practiceId, detail.invoiceId))?.claimId : undefined);
  if (!claimId) throw new ValidationError('a balance payment needs a claimId (or an invoiceId whose invoice names one)', { field: 'detail.claimId' });
  const claim = await getClaim(deps.store, practice.practiceId, claimId);
  if (!claim) throw new RetryableError(`claim ${claimId} not found`);
  // A predetermination or "not our claim" decided no money: not part of what the receipt itemizes.
  // With several payers, each one's payment counts, but only the deciding payer's PR (what the
  // patient owes after coordination of benefits): the others' PR adjustments are left out.
  const paying = (await listAdjudications(deps.store, practice.practiceId, claimId)).filter((adjudication) => adjudicatesPayment(adjudication.statusCode));
  const deciding = new Set(adjudicationsDecidingShare(paying));
  const withoutPr = <T extends { group: string }>(adjustments: T[]) => adjustments.filter((adjustment) => adjustment.group !== 'PR');
  const adjudications = paying.map((adjudication) => (deciding.has(adjudication)
    ? adjudication
    : { ...adjudication, claimAdjustments: withoutPr(adjudication.claimAdjustments), lines: adjudication.lines.map((line) => ({ ...line, adjustments: withoutPr(line.adjustments) })) }));
  // Earlier balance payments on this claim, as their receipts recorded them (refunds not netted).
  const earlier = (await listClientReceipts(deps.store, practice.practiceId, detail.clientId)).filter(
    (receipt) => receipt.kind === 'balance' && receipt.source.claimId === claimId && receipt.source.paymentId !== detail.paymentId,
  );
  return {
    source: {
      type: 'payment',
      paymentKind: detail.kind,
      paymentId: detail.paymentId,
      claimId,
      ...(detail.invoiceId ? { invoiceId: detail.invoiceId } : {}),
    },
    facts: (number, issuedAt) => ({
      ...common,
      number,
      issuedAt,
      kind: 'balance',
      payment,
      claim: {
        claimId: claim.claimId,
        payerName: claim.payerName,
        dateOfService: claim.dateOfService,
        placeOfService: claim.placeOfService,
        diagnosisCodes: claim.diagnosisCodes,
        lines: claim.lines.map((line) => ({ procedureCode: line.procedureCode, modifiers: line.modifiers, units: line.units, chargeCents: line.chargeCents })),
        collectedCents: claim.collectedCents,
      },
      adjudications: adjudications.map((adjudication) => ({
        paidCents: adjudication.paidCents,
        claimAdjustments: adjudication.claimAdjustments,
        lines: adjudication.lines,
      })),
      earlierPaymentsCents: earlier.reduce((sum, receipt) => sum + receipt.totalCents, 0),
    }),
  };
};

const refundFacts = async (deps: ReceiptDeps, practice: Practice, detail: PaymentRefundedDetail): Promise<{ facts: Facts; source: ReceiptSource }> => {
  const client = await getClient(deps.store, practice.practiceId, detail.clientId);
  const method = await paymentMethodFor(deps, practice, detail.paymentId);
  const purchase = detail.purchaseId ? await requirePurchase(deps, practice.practiceId, detail.clientId, detail.purchaseId) : undefined;
  const pkg = purchase ? await packageFactsOf(deps, purchase) : null;
  const originalRef = await findIssuedReceipt(deps.store, practice.practiceId, receiptSourceKey({ type: 'payment', paymentId: detail.paymentId }));
  const original = originalRef ? await getReceipt(deps.store, practice.practiceId, originalRef.receiptId) : undefined;
  const claimId = detail.claimId ?? original?.source.claimId;
  return {
    source: {
      type: 'refund',
      paymentKind: detail.kind,
      paymentId: detail.paymentId,
      refundId: detail.refundId,
      ...(detail.purchaseId ? { purchaseId: detail.purchaseId } : {}),
      ...(detail.invoiceId ? { invoiceId: detail.invoiceId } : {}),
      ...(claimId ? { claimId } : {}),
    },
    facts: (number, issuedAt) => ({
      practice,
      clientName: client.name,
      number,
      issuedAt,
      kind: 'refund',
      package: pkg,
      refund: {
        refundId: detail.refundId,
        paymentId: detail.paymentId,
        amountCents: detail.amountCents,
        totalRefundedCents: detail.totalRefundedCents,
        currency: detail.currency,
        refundedAt: detail.refundedAt,
        creditsRemoved: detail.creditsRemoved,
        of: detail.kind === 'package' ? 'package' : 'balance',
        originalReceiptNumber: original?.number ?? null,
        originalAmountCents: original?.totalCents ?? purchase?.priceCents ?? null,
        method,
      },
    }),
  };
};

// Issuing --------------------------------------------------------------------------------------

/** A receipt with its number: what is emailed, listed and shown. */
export type NumberedReceipt = Receipt & { number: string; sequence: number };
const isNumbered = (receipt: Receipt): receipt is NumberedReceipt => receipt.sequence !== undefined && receipt.number !== undefined;

/** Receipts numbered per transaction: 1 counter + 1 marker + 3 items each stays within 100. */
const NUMBERING_BATCH = 25;
/** How long numbering may wait (for other numberers, conflicts) before leaving it to the bus's retry. */
const NUMBERING_DEADLINE_MS = 20_000;
/** The numbering lease lapses after this if its holder died. */
const NUMBERING_LEASE_MS = 5_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    const lease = await takeNumberingLease(deps.store, practiceId, { leaseId, now: deps.now(), leaseMs: NUMBERING_LEASE_MS });
    if (!lease) {
      // Someone is numbering: most likely ours too.
      await sleep(20 + Math.random() * 40);
      continue;
    }
    await deps.after?.('number-lease', receiptId);
    const seen = lease.lastSequence;
    const batch = await listQueuedReceipts(deps.store, practiceId, NUMBERING_BATCH);
    if (batch.length === 0) {
      await releaseNumberingLease(deps.store, practiceId, leaseId);
      continue;
    }
    const now = deps.now();
    let committed = false;
    try {
      const outcome = await commitOnce(
        deps.store,
        {
          // The batch starting at seen + 1 commits once; its marker also keys its events' ids.
          marker: { ...numberingMarkerKey(practiceId, seen + 1), ttlSeconds: 7 * 86_400 },
          writes: receiptNumberingWrites(practiceId, seen, leaseId, batch, formatReceiptNumber, now),
          events: batch.map((queued, index) => ({
            detailType: 'ReceiptIssued',
            detail: { practiceId, ...queued, number: formatReceiptNumber(seen + index + 1) },
          })),
        },
        now,
      );
      // A duplicate cannot happen while the counter is read consistently; if it does, nothing was written.
      if (outcome.status === 'duplicate') await releaseNumberingLease(deps.store, practiceId, leaseId);
      else {
        committed = true;
        deps.logger.info('receipts numbered', { practiceId, first: seen + 1, count: batch.length, attempts: attempt + 1 });
      }
    } catch (error) {
      await releaseNumberingLease(deps.store, practiceId, leaseId);
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
 * entries that are stale. Transaction items: marker, counter, then (receipt, queue entry) pairs.
 */
const dropStaleQueueEntries = async (deps: ReceiptDeps, practiceId: string, batch: QueuedReceipt[], reasons: string[]) => {
  const failed = new Set<number>();
  reasons.forEach((code, index) => {
    if (code === 'ConditionalCheckFailed' && index >= 2 && index < 2 + batch.length * 2) failed.add(Math.floor((index - 2) / 2));
  });
  for (const index of failed) {
    const queued = batch[index]!;
    const receipt = await getReceipt(deps.store, practiceId, queued.receiptId);
    if (receipt && !isNumbered(receipt)) continue;
    await deleteQueueEntry(deps.store, practiceId, queued.receiptId);
    deps.logger.warn('stale numbering queue entry dropped', { practiceId, receiptId: queued.receiptId });
  }
};

/**
 * Issues the one receipt of a payment or refund and numbers it. Issuing writes the snapshot, its
 * marker and its place in the numbering queue in one transaction; a duplicate event finds the
 * marker and goes on with the receipt already issued (numbering it if a crash left it unnumbered).
 */
const issueReceipt = async (
  deps: ReceiptDeps,
  practiceId: string,
  clientId: string,
  sourceKey: string,
  gather: () => Promise<{ facts: Facts; source: ReceiptSource }>,
): Promise<{ receipt: NumberedReceipt; issued: boolean }> => {
  const store = deps.store;
  const existing = await findIssuedReceipt(store, practiceId, sourceKey);
  if (existing) return { receipt: await numberReceipt(deps, practiceId, existing.receiptId), issued: false };
  const { facts, source } = await gather();
  const now = deps.now();
  const built = buildReceipt(facts(RECEIPT_NUMBER_PENDING, now.toISOString()));
  if (!built.ok) throw new ReceiptDataError(built.problem);
  const document = built.document;
  const receipt: Receipt = {
    receiptId: newId('rcp', now.getTime()),
    practiceId,
    clientId,
    kind: document.kind,
    totalCents: document.totalCents,
    currency: document.currency,
    issuedAt: document.issuedAt,
    source,
    document,
    emailStatus: 'pending',
    emailAttempts: 0,
    emailSends: 0,
  };
  const outcome = await commitOnce(store, { marker: { ...receiptMarkerKey(practiceId, sourceKey), result: { receiptId: receipt.receiptId } }, writes: receiptIssueWrites(receipt) }, now);
  const receiptId = outcome.status === 'duplicate' ? outcome.result!.receiptId : receipt.receiptId;
  if (outcome.status === 'committed') deps.logger.info('receipt issued', { practiceId, receiptId, kind: receipt.kind });
  await deps.after?.('issue', receiptId);
  return { receipt: await numberReceipt(deps, practiceId, receiptId), issued: outcome.status === 'committed' };
};

const mustGetReceipt = async (deps: ReceiptDeps, practiceId: string, receiptId: string): Promise<Receipt> => {
  const receipt = await getReceipt(deps.store, practiceId, receiptId);
  if (!receipt) throw new RetryableError(`receipt ${receiptId} is marked issued but not readable yet`);
  return receipt;
};

export const issuePaymentReceipt = async (deps: ReceiptDeps, detail: PaymentSucceededDetail) => {
  const sourceKey = receiptSourceKey({ type: 'payment', paymentId: detail.paymentId });
  return issueReceipt(deps, detail.practiceId, detail.clientId, sourceKey, async () =>
    paymentFacts(deps, await requirePracticeFor(deps, detail.practiceId), detail),
  );
};

export const issueRefundReceipt = async (deps: ReceiptDeps, detail: PaymentRefundedDetail) => {
  const sourceKey = receiptSourceKey({ type: 'refund', paymentId: detail.paymentId, refundId: detail.refundId });
  return issueReceipt(deps, detail.practiceId, detail.clientId, sourceKey, async () =>
    refundFacts(deps, await requirePracticeFor(deps, detail.practiceId), detail),
  );
};

// Links -----------------------------------------------------------------------------------------

export { openReceiptLink, receiptLink, type OpenedReceipt } from './receipt-links';

// Email ------------------------------------------------------------------------------------------

/** SES refuses these for good (address, identity, account): retrying the same email cannot help. */
const PERMANENT_SES_ERRORS = new Set([
  'MessageRejected', 'BadRequestException', 'MailFromDomainNotVerifiedException', 'AccountSuspendedException', 'NotFoundException', 'InvalidParameterValue',
]);

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
/**
 * A send lease outlives one run of the consumer (60 s timeout), so a sender that died mid-send
 * leaves a lease that has lapsed by the time Lambda retries the event.
 */
export const EMAIL_LEASE_MS = 90_000;

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
  const client = await getClient(deps.store, practiceId, receipt.clientId);
  const fail = async (status: 'retrying' | 'failed', error: string) => {
    await settleEmail(deps.store, practiceId, receiptId, leaseId, { status, error, at: deps.now() });
    return { receiptId, emailStatus: status, emailAttempts: receipt.emailAttempts, emailLastError: error } satisfies DeliveryOutcome;
  };
  if (!client.email || !EMAIL_PATTERN.test(client.email)) {
    deps.logger.warn('receipt email not sent: the client has no valid address', { practiceId, receiptId, clientId: receipt.clientId });
    return fail('failed', 'InvalidAddress: the client has no valid email address; correct it and resend');
  }
  const link = await receiptLink(deps, practice, receiptId);
  const content = renderReceiptEmail({ ...receipt.document, client: { ...receipt.document.client, name: client.name } }, { mode: practice.receipts?.mode ?? 'link', link: link.url, linkExpiresAt: link.expiresAt });
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
  await settleEmail(deps.store, practiceId, receiptId, leaseId, { status: 'sent', messageId, at: deps.now() });
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
    const leased = await takeEmailLease(deps.store, practiceId, receiptId, { leaseId, now: deps.now(), leaseMs: EMAIL_LEASE_MS, force: false });
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
  const leased = await takeEmailLease(deps.store, practiceId, receiptId, { leaseId, now: deps.now(), leaseMs: EMAIL_LEASE_MS, force: true });
  if (!leased) {
    if (!(await getReceipt(deps.store, practiceId, receiptId))) throw new NotFoundError('receipt');
    throw new ConflictError('this receipt is being sent right now; try again in a minute', 'send_in_progress');
  }
  return sendLeased(deps, leased, leaseId, true);
};

// The consumer ----------------------------------------------------------------------------------

export interface ReceiptEventEnvelope {
  id?: string;
  'detail-type': string;
  detail: Record<string, unknown>;
}

export type ReceiptEventOutcome =
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'issued' | 'duplicate'; receiptId: string; number: string; kind: ReceiptKind; email: DeliveryOutcome };

/**
 * PaymentSucceeded / PaymentRefunded → one receipt, one email. Safe to run twice or at once for
 * the same event: the receipt marker and the send lease make the second a no-op.
 */
export const handleReceiptEvent = async (deps: ReceiptDeps, event: ReceiptEventEnvelope): Promise<ReceiptEventOutcome> => {
  const type = event['detail-type'];
  let result: { receipt: NumberedReceipt; issued: boolean };
  if (type === 'PaymentSucceeded') result = await issuePaymentReceipt(deps, parsePaymentSucceeded(event.detail ?? {}));
  else if (type === 'PaymentRefunded') result = await issueRefundReceipt(deps, parsePaymentRefunded(event.detail ?? {}));
  else return { outcome: 'ignored', reason: `no receipt for ${type}` };
  const { receipt, issued } = result;
  const email = await deliverReceipt(deps, receipt.practiceId, receipt.receiptId);
  return { outcome: issued ? 'issued' : 'duplicate', receiptId: receipt.receiptId, number: receipt.number, kind: receipt.kind, email };
};

// The practice's list -----------------------------------------------------------------------------

export interface ReceiptListItem {
  receiptId: string;
  number: string;
  kind: ReceiptKind;
  clientId: string;
  totalCents: number;
  currency: string;
  issuedAt: string;
  url: string;
  emailStatus: EmailStatus;
  emailAttempts: number;
  emailLastError?: string;
}

/** GET /practices/{p}/receipts: newest first, each with a fresh signed link and its email status. */
export const listReceiptsView = async (
  deps: ReceiptDeps,
  practiceId: string,
  query: { clientId?: string; cursor?: string; limit?: number },
): Promise<{ items: ReceiptListItem[]; nextCursor: string | null }> => {
  const practice = await requirePracticeFor(deps, practiceId);
  const page = await listReceipts(deps.store, practiceId, query);
  const items = await Promise.all(
    page.items.filter(isNumbered).map(async (receipt): Promise<ReceiptListItem> => ({
      receiptId: receipt.receiptId,
      number: receipt.number,
      kind: receipt.kind,
      clientId: receipt.clientId,
      totalCents: receipt.totalCents,
      currency: receipt.currency,
      issuedAt: receipt.issuedAt,
      url: (await receiptLink(deps, practice, receipt.receiptId)).url,
      emailStatus: receipt.emailStatus,
      emailAttempts: receipt.emailAttempts,
      ...(receipt.emailLastError && receipt.emailStatus !== 'sent' ? { emailLastError: receipt.emailLastError } : {}),
    })),
  );
  return { items, nextCursor: page.nextCursor };
};
