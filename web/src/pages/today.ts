import { practicePath, request } from '../api';
import { currency, currentPractice } from '../context';
import { h, replace } from '../dom';
import { formatMoney } from '../money';
import type { Invoice, List, Receipt, Remittance } from '../types';
import { pageHeading } from './common';

const card = (label: string, value: string, detail: string, href?: string) =>
  h(
    'div',
    { class: 'card', role: 'group', 'aria-label': label },
    h('p', { class: 'card-label' }, label),
    h('p', { class: 'card-value' }, value),
    h('p', { class: 'muted' }, href ? h('a', { href }, detail) : detail),
  );

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** Claims still on their way to an answer from the payer (docs/claims.md): not drafts, not decided. */
export const WAITING_STATES = ['ready', 'submitted', 'accepted', 'rejected'] as const;
/**
 * Balances kept off Stripe (the API's shown status; docs/app.md, Invoices): read from the pending
 * and draft invoices (a held Stripe draft is a draft). The first two the desk may take ("Record paid
 * at the desk"); the third goes out once the client has an email.
 */
const HELD: readonly (readonly [string, string])[] = [
  ['awaiting_stripe', 'awaiting Stripe'],
  ['below_minimum', 'below Stripe’s minimum'],
  ['needs_email', 'waiting for the client’s email'],
];

/** Pages read per list before a figure is shown as "at least" (filtered pages can be short). */
const MAX_PAGES = 25;

interface Counted<T> {
  items: T[];
  complete: boolean;
}

/** Every item of a cursor-paged list, up to MAX_PAGES pages. */
const allPages = async <T>(path: string): Promise<Counted<T>> => {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const joiner = path.includes('?') ? '&' : '?';
    const answer: List<T> = await request<List<T>>('GET', practicePath(`${path}${cursor ? `${joiner}cursor=${encodeURIComponent(cursor)}` : ''}`));
    items.push(...answer.items);
    cursor = answer.nextCursor;
    if (!cursor) return { items, complete: true };
  }
  return { items, complete: false };
};

/**
 * The receipts issued since `since`. Receipts come newest first (their ids sort by time), so paging
 * stops at a page that reaches a day before `since` (a margin for a receipt numbered late).
 */
const receiptsSince = async (since: Date): Promise<Counted<Receipt>> => {
  const items: Receipt[] = [];
  const margin = since.getTime() - 86_400_000;
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer: List<Receipt> = await request<List<Receipt>>('GET', practicePath(`/receipts${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`));
    items.push(...answer.items.filter((receipt) => Date.parse(receipt.issuedAt) >= since.getTime()));
    cursor = answer.nextCursor;
    if (!cursor || answer.items.some((receipt) => Date.parse(receipt.issuedAt) < margin)) return { items, complete: true };
  }
  return { items, complete: false };
};

const atLeast = (count: number, complete: boolean) => `${complete ? '' : 'at least '}${count}`;

interface RedemptionRow {
  redeemedAt: string;
}
interface ClaimRow {
  state: string;
}

/**
 * Today: what came in, what is open, what needs a look. Balances held are the balance invoices kept
 * off Stripe (awaiting Stripe, below its minimum, waiting for an email), which Balances open — the
 * invoices open on Stripe — leaves out. Credits used are the redemptions still
 * standing this month and today (`GET …/redemptions?since=`, local midnight); claims waiting are
 * the claims in a waiting state (`GET …/claims?state=`, one list per state).
 */
export const todayPage = async (main: HTMLElement) => {
  const practice = currentPractice();
  if (!practice) {
    replace(main, pageHeading('Today'), h('p', { class: 'notice' }, 'Your practice has no profile yet. ', h('a', { href: '#/settings' }, 'Set it up in Settings'), ' before you sell packages.'));
    return;
  }
  const now = new Date();
  const monthStart = new Date(now.getFullYear(), now.getMonth(), 1);
  const dayStart = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const [receipts, open, pending, drafts, remittances, redemptions, ...claimsByState] = await Promise.all([
    receiptsSince(dayStart),
    allPages<Invoice>('/invoices?status=open'),
    allPages<Invoice>('/invoices?status=pending'),
    allPages<Invoice>('/invoices?status=draft'),
    allPages<Remittance>('/remittances'),
    allPages<RedemptionRow>(`/redemptions?since=${encodeURIComponent(monthStart.toISOString())}`),
    ...WAITING_STATES.map((state) => allPages<ClaimRow>(`/claims?state=${state}`)),
  ]);
  // Today is the local day (from local midnight), as for credits used: not the UTC date.
  const paidToday = receipts.items.filter((receipt) => receipt.totalCents > 0);
  const quarantined = sum(remittances.items.map((remittance) => Math.max(0, remittance.claims - remittance.matched)));
  const usedToday = redemptions.items.filter((redemption) => new Date(redemption.redeemedAt) >= dayStart).length;
  const waiting = sum(claimsByState.map((list) => list.items.length));
  const waitingComplete = claimsByState.every((list) => list.complete);
  const byState = WAITING_STATES.map((state, i) => [state, claimsByState[i]!.items.length] as const).filter(([, count]) => count > 0);
  const rejected = claimsByState[WAITING_STATES.indexOf('rejected')]!.items.length;
  const held = [...pending.items, ...drafts.items].filter((invoice) => HELD.some(([status]) => status === invoice.status));
  const heldComplete = pending.complete && drafts.complete;
  const heldByStatus = HELD.map(([status, words]) => [held.filter((invoice) => invoice.status === status).length, words] as const).filter(([count]) => count > 0);
  replace(
    main,
    pageHeading('Today'),
    h('p', { class: 'muted' }, new Intl.DateTimeFormat('en-US', { dateStyle: 'full' }).format(now)),
    h(
      'div',
      { class: 'cards' },
      card(
        'Payments received today',
        `${receipts.complete ? '' : 'at least '}${formatMoney(sum(paidToday.map((receipt) => receipt.totalCents)), currency())}`,
        plural(paidToday.length, 'receipt'),
        '#/receipts',
      ),
      card('Credits used', `${atLeast(usedToday, redemptions.complete)} today`, `${atLeast(redemptions.items.length, redemptions.complete)} this month`, '#/clients'),
      card(
        'Balances open',
        `${open.complete ? '' : 'at least '}${formatMoney(sum(open.items.map((invoice) => invoice.amountDueCents - (invoice.amountPaidCents ?? 0))), currency())}`,
        plural(open.items.length, 'open invoice'),
        '#/invoices',
      ),
      card(
        'Balances held',
        `${heldComplete ? '' : 'at least '}${formatMoney(sum(held.map((invoice) => invoice.amountDueCents - (invoice.amountPaidCents ?? 0))), currency())}`,
        heldByStatus.length === 0 ? 'Nothing held off Stripe' : `${heldByStatus.map(([count, words]) => `${count} ${words}`).join(', ')}: see Invoices`,
        '#/invoices',
      ),
      card(
        'Claims waiting',
        atLeast(waiting, waitingComplete),
        byState.length === 0 ? 'Nothing waiting on a payer' : `${byState.map(([state, count]) => `${count} ${state}`).join(', ')}${rejected > 0 ? ': fix and resend the rejected' : ''}`,
        '#/claims',
      ),
      card('Quarantined ERA claims', atLeast(quarantined, remittances.complete), quarantined > 0 ? 'Review them in Remittances' : 'Nothing to review', '#/remittances'),
    ),
  );
};
