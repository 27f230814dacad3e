/**
 * Signed receipt links (`/r/{token}`): made by the receipt functions, opened by the public receipt
 * page. Apart from the receipt's code so that the page's bundle carries neither the Stripe SDK nor
 * the SES client (its role may use neither).
 */
import { receiptSecrets, signReceiptToken, verifyReceiptToken } from '../shared/receipt-token';
import { getStore, type Store } from '../store/table';
import { getPractice } from '../store/practices';
import type { Practice } from '../domain/practice';
import { currentClientName, getReceipt } from '../store/receipts';
import type { Receipt } from '../domain/receipt';
import { config } from '../shared/config';
import type { ReceiptLinksPort } from './ports';

/** The default implementation of the port: the table (core/ports.ts). */
const RECEIPT_LINKS_STORE: ReceiptLinksPort = { getPractice, getReceipt, currentClientName };

/**
 * The receipt as shown now: with the client's name as staff last corrected it (issue 17: a name a
 * storefront buyer typed for someone else's address must not stay on their receipts).
 */
export const withCurrentClientName = async (store: Store, receipt: Receipt, port: ReceiptLinksPort = RECEIPT_LINKS_STORE): Promise<Receipt> => {
  const name = await port.currentClientName(store, receipt.practiceId, receipt.clientId);
  if (!name || name === receipt.document.client.name) return receipt;
  return { ...receipt, document: { ...receipt.document, client: { ...receipt.document.client, name } } };
};

/** What making and opening links needs; the receipt functions' deps have all of it. */
export interface ReceiptLinkDeps {
  store: Store;
  secrets: () => Promise<string[]>;
  /** Base URL of the public receipt page (`KNEADPAY_PUBLIC_URL`). */
  publicUrl: string;
  now: () => Date;
  /** Storage, through its port (default: the table). */
  links?: ReceiptLinksPort;
}

export const defaultReceiptLinkDeps = (overrides: Partial<ReceiptLinkDeps> = {}): ReceiptLinkDeps => ({
  store: getStore(),
  secrets: () => receiptSecrets(),
  publicUrl: config().publicUrl,
  now: () => new Date(),
  ...overrides,
});

const DAY_SECONDS = 86_400;

/** A fresh signed link to the receipt page, valid for the practice's link lifetime. */
export const receiptLink = async (deps: ReceiptLinkDeps, practice: Practice, receiptId: string): Promise<{ url: string; expiresAt: string }> => {
  const [secret] = await deps.secrets();
  const lifetimeDays = practice.receipts?.linkLifetimeDays ?? 365;
  const expiresAt = Math.floor(deps.now().getTime() / 1000) + lifetimeDays * DAY_SECONDS;
  const token = signReceiptToken({ practiceId: practice.practiceId, receiptId, expiresAt }, secret!);
  return { url: `${deps.publicUrl.replace(/\/$/, '')}/r/${token}`, expiresAt: new Date(expiresAt * 1000).toISOString() };
};

export type OpenedReceipt = { status: 'ok'; receipt: Receipt } | { status: 'expired'; practice: Practice | undefined } | { status: 'invalid' };

/** What a `/r/{token}` link opens: the receipt, an expired link (with the practice, to ask again), or nothing. */
export const openReceiptLink = async (deps: ReceiptLinkDeps, token: string): Promise<OpenedReceipt> => {
  const port = deps.links ?? RECEIPT_LINKS_STORE;
  const check = verifyReceiptToken(token, await deps.secrets(), deps.now());
  if (check.status === 'invalid') return { status: 'invalid' };
  if (check.status === 'expired') return { status: 'expired', practice: await port.getPractice(deps.store, check.claims.practiceId) };
  const receipt = await port.getReceipt(deps.store, check.claims.practiceId, check.claims.receiptId);
  return receipt ? { status: 'ok', receipt: await withCurrentClientName(deps.store, receipt, port) } : { status: 'invalid' };
};
