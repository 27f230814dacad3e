/** What the receipt functions need (deps, injectable for tests), their step boundaries, and the small reads every part shares. */
import type { Stripe } from '../../stripe/types';
import type { Receipt, ReceiptProblem } from '../../domain/receipt';
import { sendEmail, type OutgoingEmail } from '../../shared/email';
import { KneadpayError, NotFoundError, RetryableError } from '../../shared/errors';
import { createLogger, type Logger } from '../../shared/logger';
import { receiptSecrets } from '../../shared/receipt-token';
import { config } from '../../shared/config';
import { getStore, type Store } from '../../store/table';
import type { Practice } from '../../domain/practice';
import { receiptStoreOn, type ReceiptStore } from './ports';

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
  /** Storage, through its port (default: `receiptStoreOn(store)`). */
  receipts: ReceiptStore;
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
export const defaultReceiptDeps = (overrides: Partial<ReceiptDeps> = {}): ReceiptDeps => {
  const store = overrides.store ?? getStore();
  return {
    store,
    receipts: receiptStoreOn(store),
    stripe: noStripe,
    sendEmail,
    secrets: () => receiptSecrets(),
    publicUrl: config().publicUrl,
    logger: createLogger('receipts'),
    now: () => new Date(),
    ...overrides,
  };
};

/** The receipt cannot be built from what is stored (a bug or corrupt data): retried, then dead-lettered. */
export class ReceiptDataError extends KneadpayError {
  readonly problem: ReceiptProblem;

  constructor(problem: ReceiptProblem) {
    super(`the receipt cannot be built: ${problem.message} (${problem.field})`, { status: 500, code: 'receipt_data', details: problem });
    this.name = 'ReceiptDataError';
    this.problem = problem;
  }
}

/** The practice a receipt is for; gone means the event names a practice that does not exist. */
export const requirePracticeFor = async (deps: ReceiptDeps, practiceId: string): Promise<Practice> => {
  const practice = await deps.receipts.getPractice(practiceId);
  if (!practice) throw new NotFoundError('practice');
  return practice;
};

/** A receipt with its number: what is emailed, listed and shown. */
export type NumberedReceipt = Receipt & { number: string; sequence: number };
export const isNumbered = (receipt: Receipt): receipt is NumberedReceipt => receipt.sequence !== undefined && receipt.number !== undefined;

export const mustGetReceipt = async (deps: ReceiptDeps, practiceId: string, receiptId: string): Promise<Receipt> => {
  const receipt = await deps.receipts.getReceipt(practiceId, receiptId);
  if (!receipt) throw new RetryableError(`receipt ${receiptId} is marked issued but not readable yet`);
  return receipt;
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
