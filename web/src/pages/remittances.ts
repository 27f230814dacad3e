import { practicePath, request } from '../api';
import { currency } from '../context';
import { h, replace, statusLine, table } from '../dom';
import { field, FormErrors, form, invalid } from '../forms';
import { formatDate, formatMoney } from '../money';
import type { List, Remittance, RemittancePayment } from '../types';
import { pageHeading, section } from './common';
import { pagedList } from './paged';

/**
 * What the common provider-level adjustment reasons (PLB03-1, 005010X221A1; codes as pyx12's map
 * of the guide lists them) mean, in a few words. Any other code is shown as sent.
 */
export const PLB_REASONS: Readonly<Record<string, string>> = {
  L6: 'interest',
  WO: 'overpayment recovery',
  '72': 'authorized return',
  FB: 'forwarding balance',
  CS: 'adjustment',
  J1: 'nonreimbursable',
  IR: 'IRS withholding',
  LE: 'levy',
  WU: 'unspecified recovery',
  E3: 'withholding',
  '50': 'late charge',
  '51': 'interest penalty charge',
};

const money = (cents: number) => formatMoney(cents, currency());

/** One payment (an ST/SE set: its BPR and TRN), balanced as BPR02 = Σ CLP04 − Σ PLB; a PLB amount is withheld when positive, added when negative. */
const paymentBlock = (payment: RemittancePayment) => {
  const expected = payment.claimsPaidCents - payment.providerAdjustmentCents;
  const balances = payment.problems.length === 0 && payment.paymentCents === expected;
  return h(
    'div',
    { class: 'payment', role: 'group', 'aria-label': `Payment ${payment.traceNumber}` },
    h('h3', null, `Payment ${payment.traceNumber}`, h('span', { class: 'muted' }, ` · ${payment.payerName || payment.payerId || 'payer not named'} · ${formatDate(payment.paidAt)}`)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Payment (BPR02)'),
      h('dd', null, money(payment.paymentCents)),
      h('dt', null, 'Claims'),
      h('dd', null, payment.claims),
      h('dt', null, 'Claims paid (Σ CLP04)'),
      h('dd', null, money(payment.claimsPaidCents)),
      h('dt', null, 'Provider adjustments (Σ PLB)'),
      h('dd', null, money(payment.providerAdjustmentCents)),
    ),
    balances
      ? h('p', { class: 'muted' }, `Balances: ${money(payment.claimsPaidCents)} − ${money(payment.providerAdjustmentCents)} = ${money(payment.paymentCents)}`)
      : h(
          'p',
          { class: 'field-error' },
          payment.paymentCents !== expected
            ? `Does not balance: the payment is ${money(payment.paymentCents)}, but claims paid ${money(payment.claimsPaidCents)} − provider adjustments ${money(payment.providerAdjustmentCents)} = ${money(expected)}. Its claims are quarantined.`
            : `Does not balance: ${payment.problems.join('; ')}`,
        ),
    payment.providerAdjustments.length > 0
      ? h(
          'ul',
          { class: 'problems', 'aria-label': `Provider adjustments, ${payment.traceNumber}` },
          payment.providerAdjustments.map((adjustment) => {
            const meaning = PLB_REASONS[adjustment.reason];
            return h(
              'li',
              null,
              h('strong', null, meaning ? `${adjustment.reason} ${meaning}` : adjustment.reason),
              adjustment.reference ? ` (${adjustment.reference})` : '',
              `: ${money(Math.abs(adjustment.amountCents))} ${adjustment.amountCents < 0 ? 'added' : 'withheld'}`,
            );
          }),
        )
      : null,
  );
};

/** The payments of a file, or why they are not shown. */
const payments = (remittance: Remittance, unreadable?: string) => {
  if (unreadable) return h('p', { class: 'field-error' }, `The payments of this file did not load (${unreadable}): open the file in the list below.`);
  if (!remittance.payments) return h('p', { class: 'muted' }, 'The payments of this file were not recorded (it came before kneadpay kept them).');
  const kept = remittance.payments.length;
  const omitted = remittance.paymentsOmitted ?? 0;
  return h(
    'div',
    { class: 'payments' },
    remittance.payments.map(paymentBlock),
    omitted > 0
      ? h(
          'p',
          { class: 'notice' },
          `${omitted} more payment${omitted === 1 ? '' : 's'} of this file ${omitted === 1 ? 'is' : 'are'} not listed (the record keeps the first ${kept}); their claims were applied or quarantined all the same.`,
        )
      : null,
  );
};

const outcome = (remittance: Remittance, unreadable?: string) =>
  h(
    'div',
    { class: 'panel', role: 'region', 'aria-label': `Remittance ${remittance.traceNumber}` },
    h(
      'p',
      null,
      h('strong', null, `ERA ${remittance.traceNumber}`),
      `: ${remittance.claims} claim payment${remittance.claims === 1 ? '' : 's'}, ${remittance.matched} matched, ${remittance.quarantined?.length ?? 0} quarantined.`,
    ),
    remittance.quarantined && remittance.quarantined.length > 0
      ? h(
          'ul',
          { class: 'problems', 'aria-label': 'Quarantined claims' },
          remittance.quarantined.map((q) => h('li', null, h('strong', null, `Claim ${q.patientControlNumber}: `), q.problems.join('; '))),
        )
      : h('p', { class: 'muted' }, 'Every claim payment was applied.'),
    payments(remittance, unreadable),
  );

const remittancePath = (remittanceId: string) => practicePath(`/remittances/${encodeURIComponent(remittanceId)}`);

/** One ERA file (`GET …/remittances/{id}`): its claim payments and every payment with its balancing. */
export const remittancePage = async (main: HTMLElement, remittanceId = '') => {
  const remittance = await request<Remittance>('GET', remittancePath(remittanceId));
  replace(
    main,
    pageHeading(`ERA ${remittance.traceNumber}`),
    h('p', { class: 'muted' }, `Received ${formatDate(remittance.receivedAt)}`),
    outcome(remittance),
    h('p', null, h('a', { href: '#/remittances' }, 'Back to remittances')),
  );
};

export const remittancesPage = async (main: HTMLElement) => {
  const errors = new FormErrors();
  const status = statusLine();
  const result = h('div', { 'aria-live': 'polite' });
  const file = field('835 file', h('input', { type: 'file', name: 'era', accept: '.835,.txt,.edi,text/plain' }), { id: 'era-file', hint: 'The ERA your clearinghouse or payer sent (X12 835).' });
  errors.bind('body', file);
  const list = h('div');
  const reload = pagedList<Remittance>(
    list,
    (cursor) => request<List<Remittance>>('GET', practicePath(`/remittances${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`)),
    (remittances) =>
      table(
        ['Received', 'Trace', 'Claims', 'Matched', 'Quarantined'],
        remittances.map((r) => [
          formatDate(r.receivedAt),
          h('a', { href: `#/remittances/${encodeURIComponent(r.remittanceId)}` }, r.traceNumber),
          r.claims,
          r.matched,
          Math.max(0, r.claims - r.matched),
        ]),
        'ERA files received',
      ),
    'ERA files',
  );
  await reload();
  const upload = form(
    {
      label: 'Upload an ERA',
      submit: 'Upload',
      errors,
      action: async () => {
        const chosen = (file.control as HTMLInputElement).files?.[0];
        if (!chosen) throw invalid('body', 'Choose an 835 file.');
        const text = await chosen.text();
        // Parser errors name a segment and element: they belong to the file field.
        const answer = await request<Remittance>('POST', practicePath('/remittances'), { text, contentType: 'text/plain' }).catch((error: Error & { field?: string }) => {
          throw invalid('body', error.field && error.field !== 'body' ? `${error.message} (${error.field})` : error.message);
        });
        status.textContent = `ERA ${answer.traceNumber} imported.`;
        // The POST answer counts claim payments; the file's payments (BPR02, PLB, balancing) are on the stored remittance.
        const stored = await request<Remittance>('GET', remittancePath(answer.remittanceId)).catch((error: Error) => error);
        replace(result, stored instanceof Error ? outcome(answer, stored.message) : outcome({ ...stored, quarantined: answer.quarantined }));
        await reload();
      },
    },
    file.wrap,
  );
  replace(main, pageHeading('Remittances'), section('Upload an ERA', upload, status, result), section('Received', list));
};
