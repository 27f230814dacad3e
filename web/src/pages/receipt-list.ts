import { practicePath, rawRequest } from '../api';
import { knownClients } from '../context';
import { h, safeHref, table } from '../dom';
import { formatDate, formatMoney } from '../money';
import type { Receipt } from '../types';
import { badge, statusText } from './common';

/** Receipts with Open, PDF and Resend; used by the Receipts page and a client's page. */
export const receiptTable = (receipts: readonly Receipt[], status: HTMLElement) =>
  table(
    ['Number', 'Kind', 'Client', 'Total', 'Issued', 'Email', 'Receipt', 'Resend'],
    receipts.map((receipt) => {
      const href = safeHref(receipt.url);
      const pdf = href ? `${href}${href.includes('?') ? '&' : '?'}format=pdf` : undefined;
      return [
        h('span', { class: 'nowrap' }, String(receipt.number)),
        statusText(receipt.kind),
        receipt.clientId ? h('a', { href: `#/clients/${encodeURIComponent(receipt.clientId)}` }, knownClients.get(receipt.clientId)?.name ?? 'Client') : '—',
        formatMoney(receipt.totalCents, receipt.currency ?? 'usd'),
        formatDate(receipt.issuedAt),
        receipt.emailStatus ? badge(receipt.emailStatus) : '—',
        h(
          'span',
          { class: 'nowrap' },
          href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer', 'aria-label': `Open receipt ${receipt.number}` }, 'Open') : '—',
          ' · ',
          pdf ? h('a', { href: pdf, target: '_blank', rel: 'noopener noreferrer', 'aria-label': `PDF of receipt ${receipt.number}` }, 'PDF') : '—',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            'aria-label': `Resend receipt ${receipt.number}`,
            onclick: async (event: Event) => {
              const button = event.currentTarget as HTMLButtonElement;
              button.disabled = true;
              try {
                await rawRequest('POST', practicePath(`/receipts/${encodeURIComponent(receipt.receiptId)}/send`));
                status.textContent = `Receipt ${receipt.number} was sent again.`;
              } catch (error) {
                status.textContent = `Receipt ${receipt.number} was not sent: ${(error as Error).message}`;
              } finally {
                button.disabled = false;
              }
            },
          },
          'Resend',
        ),
      ];
    }),
    'Receipts',
  );
