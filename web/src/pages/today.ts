import { practicePath, request } from '../api';
import { currency, currentPractice } from '../context';
import { h, replace } from '../dom';
import { formatMoney } from '../money';
import type { Invoice, List, Receipt, Remittance } from '../types';
import { pageHeading } from './common';

const card = (label: string, value: string, detail: string, href?: string) =>
  h('div', { class: 'card', role: 'group', 'aria-label': label }, h('p', { class: 'card-label' }, label), h('p', { class: 'card-value' }, value), h('p', { class: 'muted' }, href ? h('a', { href }, detail) : detail));

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/**
 * Today: what came in, what is open, what needs a look. Read from the lists the API has; credits
 * used and claims waiting have no list in the API yet (docs/status.md) and say so.
 */
export const todayPage = async (main: HTMLElement) => {
  const practice = currentPractice();
  if (!practice) {
    replace(main, pageHeading('Today'), h('p', { class: 'notice' }, 'Your practice has no profile yet. ', h('a', { href: '#/settings' }, 'Set it up in Settings'), ' before you sell packages.'));
    return;
  }
  const today = new Date().toISOString().slice(0, 10);
  const [receipts, open, remittances] = await Promise.all([
    request<List<Receipt>>('GET', practicePath('/receipts')),
    request<List<Invoice>>('GET', practicePath('/invoices?status=open')),
    request<List<Remittance>>('GET', practicePath('/remittances')),
  ]);
  const paidToday = receipts.items.filter((receipt) => receipt.issuedAt?.slice(0, 10) === today && receipt.totalCents > 0);
  const quarantined = sum(remittances.items.map((remittance) => Math.max(0, remittance.claims - remittance.matched)));
  replace(
    main,
    pageHeading('Today'),
    h('p', { class: 'muted' }, new Intl.DateTimeFormat('en-US', { dateStyle: 'full' }).format(new Date())),
    h(
      'div',
      { class: 'cards' },
      card('Payments received today', formatMoney(sum(paidToday.map((receipt) => receipt.totalCents)), currency()), `${paidToday.length} receipt${paidToday.length === 1 ? '' : 's'}`, '#/receipts'),
      card('Balances open', formatMoney(sum(open.items.map((invoice) => invoice.amountDueCents - (invoice.amountPaidCents ?? 0))), currency()), `${open.items.length} open invoice${open.items.length === 1 ? '' : 's'}`, '#/invoices'),
      card('Quarantined ERA claims', String(quarantined), quarantined > 0 ? 'Review them in Remittances' : 'Nothing to review', '#/remittances'),
      card('Credits used', 'Not available yet', 'The API has no list of redemptions across clients yet; see each client.', '#/clients'),
      card('Claims waiting', 'Not available yet', 'The API has no list of claims yet; open a claim by its ID.', '#/claims'),
    ),
  );
};
