import { practicePath, request } from '../api';
import { h, replace, safeHref, table } from '../dom';
import { field, select } from '../forms';
import { formatDate, formatMoney } from '../money';
import type { Invoice, List } from '../types';
import { badge, pageHeading } from './common';
import { pagedList } from './paged';

const STATUSES = ['', 'open', 'paid', 'pending', 'draft', 'void', 'uncollectible'] as const;

export const invoicesPage = async (main: HTMLElement) => {
  const list = h('div', { 'aria-live': 'polite' });
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
        ['Claim', 'Status', 'Due', 'Paid', 'Due by', 'Hosted page'],
        invoices.map((invoice) => {
          const href = safeHref(invoice.hostedInvoiceUrl);
          return [
            h('a', { href: `#/claims/${encodeURIComponent(invoice.claimId)}` }, invoice.claimId),
            badge(invoice.status),
            formatMoney(invoice.amountDueCents, invoice.currency ?? 'usd'),
            formatMoney(invoice.amountPaidCents ?? 0, invoice.currency ?? 'usd'),
            formatDate(invoice.dueAt),
            href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer', 'aria-label': `Hosted invoice for claim ${invoice.claimId}` }, 'Open') : '—',
          ];
        }),
        'Invoices',
      );
    },
    'invoices',
  );
  filter.control.addEventListener('change', () => void load(filter.control.value));
  await load(filter.control.value);
  replace(main, pageHeading('Invoices'), h('p', { class: 'muted' }, 'Patient balances invoiced after the payer’s ERA.'), h('div', { class: 'filters' }, filter.wrap), list);
};
