import { practicePath, request } from '../api';
import { currentPractice } from '../context';
import { h, replace, statusLine } from '../dom';
import type { List, Receipt } from '../types';
import { pageHeading } from './common';
import { pagedList } from './paged';
import { receiptTable } from './receipt-list';

export const receiptsPage = async (main: HTMLElement) => {
  // A practice with no profile has no receipts; the API answers 404 "practice not found" (as Today, set it up first).
  if (!currentPractice()) {
    replace(
      main,
      pageHeading('Receipts'),
      h('p', { class: 'notice' }, 'Your practice has no profile yet. ', h('a', { href: '#/settings' }, 'Set it up in Settings'), '; receipts appear here once clients pay.'),
    );
    return;
  }
  const status = statusLine();
  const list = h('div');
  await pagedList<Receipt>(
    list,
    (cursor) => request<List<Receipt>>('GET', practicePath(`/receipts${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`)),
    (receipts) => receiptTable(receipts, status),
    'receipts',
  )();
  replace(main, pageHeading('Receipts'), h('p', { class: 'muted' }, 'Every payment gets a numbered receipt, emailed to the client.'), status, list);
};
