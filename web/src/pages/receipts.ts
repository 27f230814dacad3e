import { practicePath, request } from '../api';
import { h, replace, statusLine } from '../dom';
import type { List, Receipt } from '../types';
import { pageHeading } from './common';
import { receiptTable } from './receipt-list';

export const receiptsPage = async (main: HTMLElement) => {
  const status = statusLine();
  const receipts = await request<List<Receipt>>('GET', practicePath('/receipts'));
  replace(main, pageHeading('Receipts'), h('p', { class: 'muted' }, 'Every payment gets a numbered receipt, emailed to the client.'), status, receiptTable(receipts.items, status));
};
