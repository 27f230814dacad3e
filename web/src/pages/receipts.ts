import { practicePath, request } from '../api';
import { h, replace, statusLine } from '../dom';
import type { List, Receipt } from '../types';
import { pageHeading } from './common';
import { pagedList } from './paged';
import { receiptTable } from './receipt-list';

export const receiptsPage = async (main: HTMLElement) => {
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
