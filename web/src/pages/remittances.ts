import { practicePath, request } from '../api';
import { h, replace, statusLine, table } from '../dom';
import { field, FormErrors, form, invalid } from '../forms';
import { formatDate } from '../money';
import type { List, Remittance } from '../types';
import { pageHeading, section } from './common';
import { pagedList } from './paged';

const outcome = (remittance: Remittance) =>
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
  );

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
        remittances.map((r) => [formatDate(r.receivedAt), r.traceNumber, r.claims, r.matched, Math.max(0, r.claims - r.matched)]),
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
        replace(result, outcome(answer));
        await reload();
      },
    },
    file.wrap,
  );
  replace(main, pageHeading('Remittances'), section('Upload an ERA', upload, status, result), section('Received', list));
};
