import { practicePath, request } from '../api';
import { h, replace, safeHref, table } from '../dom';
import { field, form, FormErrors, invalid, select, textInput } from '../forms';
import { formatDate, formatMoney, parseMoney } from '../money';
import type { Invoice, List } from '../types';
import { badge, pageHeading, statusText } from './common';
import { pagedList } from './paged';

const STATUSES = ['', 'open', 'paid', 'pending', 'draft', 'void', 'uncollectible'] as const;

/**
 * A balance not sent to Stripe — below Stripe's minimum charge (`below_minimum`), or waiting while
 * the practice's Stripe account cannot take charges (`awaiting_stripe`) — the front desk may take
 * and record here (`POST …/invoices/{invoiceId}/desk-payments`). One key per invoice, so a second
 * click or a retry answers the first record.
 */
const deskPaymentForm = (invoice: Invoice, status: HTMLElement, reload: () => Promise<void>) => {
  const errors = new FormErrors();
  const method = field(
    `Paid at the desk, claim ${invoice.claimId}`,
    select([
      ['cash', 'Cash'],
      ['card_terminal', 'Card terminal'],
      ['check', 'Check'],
    ]),
    { id: `desk-method-${invoice.invoiceId}` },
  );
  errors.bind('method', method);
  return form(
    {
      label: `Record the desk payment of claim ${invoice.claimId}`,
      submit: 'Record paid at the desk',
      errors,
      action: async () => {
        await request('POST', practicePath(`/invoices/${encodeURIComponent(invoice.invoiceId)}/desk-payments`), {
          body: { method: method.control.value, amountCents: invoice.amountDueCents },
          idempotencyKey: `desk-${invoice.invoiceId}`,
        });
        status.textContent = `Claim ${invoice.claimId}: ${formatMoney(invoice.amountDueCents, invoice.currency ?? 'usd')} recorded as paid at the desk; the receipt is on its way.`;
        await reload();
      },
    },
    method.wrap,
  );
};

/**
 * A balance payment under dispute, in words (docs/decisions/013): an inquiry or an open chargeback
 * is shown so staff can answer it in Stripe; a lost one says what the client owes again.
 */
const disputeNote = (invoice: Invoice): string | undefined => disputeWords(invoice, invoice.currency ?? 'usd');

/** The words of `disputeNote`, for an invoice as `GET …/invoices` lists it or as a claim shows it (claims.ts). */
export const disputeWords = (invoice: Pick<Invoice, 'dispute' | 'amountDisputedCents'>, currency: string): string | undefined => {
  const dispute = invoice.dispute;
  if (!dispute) return undefined;
  switch (dispute.status) {
    case 'lost':
      return `Chargeback lost: ${formatMoney(invoice.amountDisputedCents ?? 0, currency)} owed again`;
    case 'won':
      return 'Dispute won';
    case 'warning_closed':
      return 'Inquiry closed';
    case 'prevented':
      return 'Dispute prevented';
    case 'warning_needs_response':
    case 'warning_under_review':
      return `Inquiry from the card's bank (${statusText(dispute.status.replace('warning_', ''))})`;
    default:
      return `Disputed: ${formatMoney(dispute.amountCents, currency)} (${statusText(dispute.status)})`;
  }
};

/** Statuses of an invoice that still asks the client for its balance: staff may write it off. */
const WRITABLE_OFF = new Set(['open', 'draft', 'pending', 'uncollectible', 'needs_email', 'below_minimum', 'awaiting_stripe']);

const WRITE_OFF_REASONS = [
  ['hardship', 'Hardship'],
  ['courtesy', 'Courtesy'],
  ['small_balance', 'Balance too small to collect'],
  ['bad_debt', 'Bad debt'],
  ['other', 'Other'],
] as const;

/**
 * Staff forgive what the invoice still asks for, or part of it (`POST …/invoices/{invoiceId}/write-offs`,
 * docs/decisions/014-write-offs.md): all of it voids its Stripe invoice (a held one is never sent);
 * an amount less than that lowers it (a Stripe credit note; a held one asks less when sent). One key
 * per form drawn, amount owed and amount written off, so a second click or a retry answers the first
 * record while a later partial write-off of the same invoice is a new one — also of the same amount
 * once the first was reversed on Stripe (its credit note voided: the invoice asks what it asked
 * before, and a key of the amounts alone answered the voided write-off again, bug 135). The list is
 * drawn again after each write-off, so a form is never used for two.
 */
let formsDrawn = 0;
const writeOffForm = (invoice: Invoice, status: HTMLElement, reload: () => Promise<void>) => {
  const drawn = `${Date.now().toString(36)}.${(formsDrawn += 1).toString(36)}`;
  const errors = new FormErrors();
  const currency = invoice.currency ?? 'usd';
  const owed = invoice.amountDueCents - (invoice.amountPaidCents ?? 0);
  const reason = field(`Write-off reason, claim ${invoice.claimId}`, select(WRITE_OFF_REASONS), { id: `write-off-reason-${invoice.invoiceId}` });
  const amount = field(`Amount to write off, claim ${invoice.claimId}`, textInput({ inputmode: 'decimal', placeholder: formatMoney(owed, currency) }), {
    id: `write-off-amount-${invoice.invoiceId}`,
    hint: `Leave empty to write off all ${formatMoney(owed, currency)}.`,
  });
  const note = field(`Write-off note, claim ${invoice.claimId}`, textInput({ maxlength: 500 }), { id: `write-off-note-${invoice.invoiceId}` });
  errors.bind('reason', reason);
  errors.bind('amountCents', amount);
  errors.bind('note', note);
  return form(
    {
      label: `Write off the balance of claim ${invoice.claimId}`,
      submit: 'Write off',
      errors,
      action: async () => {
        const typed = (amount.control as HTMLInputElement).value.trim();
        const amountCents = typed === '' ? undefined : parseMoney(typed, currency);
        if (amountCents === undefined && typed !== '') throw invalid('amountCents', 'Enter the amount to write off, e.g. 10.00, or leave it empty for all of it');
        if (amountCents === 0) throw invalid('amountCents', 'Enter an amount above zero, or leave it empty for all of it');
        const answer = await request<{ amountCents: number; amountRemainingCents: number }>('POST', practicePath(`/invoices/${encodeURIComponent(invoice.invoiceId)}/write-offs`), {
          body: { reason: reason.control.value, note: (note.control as HTMLInputElement).value, ...(amountCents === undefined ? {} : { amountCents }) },
          idempotencyKey: `write-off-${invoice.invoiceId}-${owed}-${amountCents ?? 'all'}-${drawn}`,
        });
        const shown = (WRITE_OFF_REASONS.find(([value]) => value === reason.control.value)?.[1] ?? reason.control.value).toLowerCase();
        status.textContent =
          answer.amountRemainingCents > 0
            ? `Claim ${invoice.claimId}: ${formatMoney(answer.amountCents, currency)} of ${formatMoney(owed, currency)} written off (${shown}); the client now owes ${formatMoney(answer.amountRemainingCents, currency)}.`
            : `Claim ${invoice.claimId}: ${formatMoney(answer.amountCents, currency)} written off (${shown}); the client can no longer pay it.`;
        await reload();
      },
    },
    reason.wrap,
    amount.wrap,
    note.wrap,
  );
};

/** What the write-off column shows: the form while the balance is owed, the reason once written off. */
const writeOffCell = (invoice: Invoice, status: HTMLElement, reload: () => Promise<void>) =>
  invoice.writeOff
    ? `Written off: ${(WRITE_OFF_REASONS.find(([value]) => value === invoice.writeOff!.reason)?.[1] ?? invoice.writeOff.reason).toLowerCase()}`
    : WRITABLE_OFF.has(invoice.status)
      ? writeOffForm(invoice, status, reload)
      : '—';

export const invoicesPage = async (main: HTMLElement) => {
  const list = h('div', { 'aria-live': 'polite' });
  const status = h('p', { role: 'status', tabindex: '-1' });
  // Set once the list loader exists: a desk payment or write-off recorded re-reads the list under the
  // filter shown, and focus goes back to that invoice's row (its claim link) — the form that had it is
  // gone — or, when the filter no longer lists it, to the status line that says what was done.
  let reload: (invoiceId: string) => Promise<void> = async () => undefined;
  const filter = field(
    'Status',
    select(
      STATUSES.map((s) => [s, s === '' ? 'All' : s] as const),
      { name: 'status' },
    ),
    { id: 'invoice-status' },
  );
  // Each change of the filter asks again; only the answers to the latest choice are drawn (its
  // first page and the pages "Show more" reads), so a slow answer to an earlier choice cannot
  // replace the list under the filter now showing.
  const load = pagedList<Invoice, string>(
    list,
    (cursor, shown) => {
      const query = new URLSearchParams({ ...(shown ? { status: shown } : {}), ...(cursor ? { cursor } : {}) }).toString();
      return request<List<Invoice>>('GET', practicePath(`/invoices${query ? `?${query}` : ''}`));
    },
    (invoices, shown) => {
      list.dataset.status = shown || 'all';
      return table(
        ['Claim', 'Status', 'Due', 'Paid', 'Due by', 'Hosted page', 'Write off'],
        invoices.map((invoice) => {
          const href = safeHref(invoice.hostedInvoiceUrl);
          return [
            h('a', { href: `#/claims/${encodeURIComponent(invoice.claimId)}`, 'data-invoice-id': invoice.invoiceId }, invoice.claimId),
            disputeNote(invoice) ? h('span', {}, badge(invoice.status), ' ', h('small', { class: 'dispute' }, disputeNote(invoice)!)) : badge(invoice.status),
            // What it asks for now; part of it written off is said beside it.
            !invoice.writeOff && (invoice.amountWrittenOffCents ?? 0) > 0
              ? h(
                  'span',
                  {},
                  formatMoney(invoice.amountDueCents, invoice.currency ?? 'usd'),
                  ' ',
                  h('small', { class: 'written-off' }, `(${formatMoney(invoice.amountWrittenOffCents!, invoice.currency ?? 'usd')} written off)`),
                )
              : formatMoney(invoice.amountDueCents, invoice.currency ?? 'usd'),
            formatMoney(invoice.amountPaidCents ?? 0, invoice.currency ?? 'usd'),
            formatDate(invoice.dueAt),
            href
              ? h('a', { href, target: '_blank', rel: 'noopener noreferrer', 'aria-label': `Hosted invoice for claim ${invoice.claimId}` }, 'Open')
              : invoice.status === 'below_minimum' || invoice.status === 'awaiting_stripe'
                ? deskPaymentForm(invoice, status, () => reload(invoice.invoiceId))
                : '—',
            writeOffCell(invoice, status, () => reload(invoice.invoiceId)),
          ];
        }),
        'Invoices',
      );
    },
    'invoices',
  );
  reload = async (invoiceId) => {
    if (!(await load(filter.control.value))) return;
    const row = [...list.querySelectorAll<HTMLElement>('a[data-invoice-id]')].find((link) => link.dataset.invoiceId === invoiceId);
    (row ?? status).focus();
  };
  filter.control.addEventListener('change', () => void load(filter.control.value));
  await load(filter.control.value);
  replace(main, pageHeading('Invoices'), h('p', { class: 'muted' }, 'Patient balances invoiced after the payer’s ERA.'), h('div', { class: 'filters' }, filter.wrap), status, list);
};
