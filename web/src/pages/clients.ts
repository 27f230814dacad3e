import { ApiError, practicePath, rawRequest, request } from '../api';
import { currency, knownClients } from '../context';
import { h, replace, statusLine, table } from '../dom';
import { field, FormErrors, form, invalid, select, textInput } from '../forms';
import { formatDate, formatMoney, parseMoney } from '../money';
import type { Client, Ledger, LedgerEntry, List, Package, Purchase, Receipt } from '../types';
import { badge, pageHeading, section, statusText } from './common';
import { pagedList } from './paged';
import { receiptTable } from './receipt-list';
import { coverageForm } from './claims-out';

const known = knownClients;

export const clientsPage = async (main: HTMLElement) => {
  const errors = new FormErrors();
  const results = h('div', { 'aria-live': 'polite' });
  const query = field('Search by name or email', textInput({ name: 'q', type: 'search', autocomplete: 'off' }), { id: 'client-search' });
  errors.bind('q', query);
  errors.bind('email', query);
  // A search does not hold the form: one typed again while the last is on its way is sent at
  // once, and only the answer to the latest search is drawn (a slow earlier answer is dropped).
  let latest = 0;
  const search = form(
    {
      label: 'Find a client',
      submit: 'Search',
      errors,
      action: async () => {
        const asked = ++latest;
        const q = query.control.value.trim();
        if (q.length < 2) throw invalid('q', 'Type at least two letters of a name or email.');
        results.setAttribute('aria-busy', 'true');
        void request<List<Client>>('GET', practicePath(`/clients?q=${encodeURIComponent(q)}`)).then(
          (found) => {
            if (asked !== latest) return;
            results.removeAttribute('aria-busy');
            for (const client of found.items) known.set(client.clientId, client);
            replace(
              results,
              found.items.length === 0
                ? h('p', null, `No client matches “${q}”.`)
                : h(
                    'ul',
                    { class: 'plain', 'aria-label': 'Clients found' },
                    found.items.map((client) => h('li', null, h('a', { href: `#/clients/${encodeURIComponent(client.clientId)}` }, client.name), ' ', h('span', { class: 'muted' }, client.email))),
                  ),
            );
          },
          (error: unknown) => {
            if (asked !== latest) return;
            results.removeAttribute('aria-busy');
            errors.show(error);
            errors.focusFirst();
          },
        );
      },
    },
    query.wrap,
  );
  replace(main, pageHeading('Clients'), h('p', { class: 'muted' }, 'Clients appear here once they buy a package on your storefront.'), search, results);
};

const redeemForm = (clientId: string, purchases: readonly Purchase[], names: Map<string, string>, status: HTMLElement, reload: () => Promise<void>) => {
  const errors = new FormErrors();
  const appointment = field('Appointment ID', textInput({ name: 'appointmentId', autocomplete: 'off' }), {
    id: 'redeem-appointment',
    hint: 'From your calendar; the same appointment never uses two credits.',
  });
  const usable = purchases.filter((purchase) => purchase.status === 'active' && purchase.sessionsRemaining > 0);
  const purchase = field(
    'Package to use',
    select([['', 'The credit that expires first'], ...usable.map((p) => [p.purchaseId, `${names.get(p.packageId) ?? 'Package'} (${p.sessionsRemaining} left)`] as const)], { name: 'purchaseId' }),
    { id: 'redeem-purchase' },
  );
  errors.bind('appointmentId', appointment);
  errors.bind('purchaseId', purchase);
  return form(
    {
      label: 'Redeem a visit',
      submit: 'Redeem a visit',
      errors,
      action: async () => {
        const appointmentId = appointment.control.value.trim();
        if (!appointmentId) throw invalid('appointmentId', 'Enter the appointment ID.');
        try {
          const answer = await request<{ sessionsRemaining: number }>('POST', practicePath(`/clients/${encodeURIComponent(clientId)}/redemptions`), {
            body: { appointmentId, ...(purchase.control.value ? { purchaseId: purchase.control.value } : {}) },
          });
          status.textContent = `Visit ${appointmentId} redeemed: ${answer.sessionsRemaining} credit${answer.sessionsRemaining === 1 ? '' : 's'} left on that package.`;
        } catch (error) {
          if (error instanceof ApiError && error.code === 'no_credits') throw invalid('appointmentId', 'This client has no usable credit left.');
          throw error;
        }
        appointment.control.value = '';
        await reload();
      },
    },
    appointment.wrap,
    purchase.wrap,
  );
};

const cancelForm = (clientId: string, status: HTMLElement, reload: () => Promise<void>) => {
  const errors = new FormErrors();
  const appointment = field('Appointment ID to cancel', textInput({ name: 'appointmentId', autocomplete: 'off' }), { id: 'cancel-appointment' });
  errors.bind('appointmentId', appointment);
  return form(
    {
      label: 'Cancel a visit',
      submit: 'Cancel visit',
      errors,
      action: async () => {
        const appointmentId = appointment.control.value.trim();
        if (!appointmentId) throw invalid('appointmentId', 'Enter the appointment ID.');
        const answer = await request<{ creditRestored?: boolean }>('DELETE', practicePath(`/clients/${encodeURIComponent(clientId)}/redemptions/${encodeURIComponent(appointmentId)}`));
        status.textContent = answer.creditRestored === false ? `Visit ${appointmentId} was already cancelled.` : `Visit ${appointmentId} cancelled: the credit is back.`;
        appointment.control.value = '';
        await reload();
      },
    },
    appointment.wrap,
  );
};

/** What the API answers on an estimate's deadline (functions/domain/estimate.ts, §149.610(b)(1)). */
interface EstimateTiming {
  required: boolean;
  rule: 'scheduled-10-days-ahead' | 'scheduled-3-days-ahead' | 'requested' | 'not-required';
  provideBy: string | null;
}

const RULE_WORDS: Record<EstimateTiming['rule'], string> = {
  'scheduled-10-days-ahead': 'booked at least 10 business days ahead (within 3 business days of booking)',
  'scheduled-3-days-ahead': 'booked at least 3 business days ahead (within 1 business day of booking)',
  requested: 'the client asked for it (within 3 business days)',
  'not-required': 'not required',
};

/** When the estimate is due to the client, in words. */
const deadlineText = (timing: EstimateTiming | undefined): string =>
  !timing || !timing.required || !timing.provideBy
    ? 'No deadline: booked under 3 business days ahead and not asked for.'
    : `Give it to the client by ${formatDate(timing.provideBy)}: ${RULE_WORDS[timing.rule]}.`;

const estimateForm = (clientId: string, status: HTMLElement) => {
  const errors = new FormErrors();
  const primary = field('Primary service', textInput({ name: 'primaryService', value: 'Therapeutic massage' }), { id: 'estimate-service' });
  const code = field('Service code', textInput({ name: 'serviceCode', value: '97124', inputmode: 'numeric' }), { id: 'estimate-code' });
  const description = field('Description', textInput({ name: 'description', value: 'Massage, 15 minutes' }), { id: 'estimate-description' });
  const quantity = field('Quantity', textInput({ name: 'quantity', value: '4', inputmode: 'numeric' }), { id: 'estimate-quantity' });
  const charge = field('Charge each', textInput({ name: 'unitCharge', inputmode: 'decimal' }), { id: 'estimate-charge', hint: 'e.g. 30.00' });
  const serviceDate = field('Service date', textInput({ name: 'serviceDate', type: 'date' }), { id: 'estimate-date', hint: 'Empty when the client asked for an estimate without a booking.' });
  // An estimate names the patient's date of birth (45 CFR §149.610(c)(1)(i)); the API takes the
  // one saved with the client's coverage when this is left empty, and names the field otherwise.
  const dateOfBirth = field('Date of birth', textInput({ name: 'dateOfBirth', type: 'date' }), { id: 'estimate-dob', hint: "Empty to use the one saved with the client's coverage." });
  // Asked for by the client (§149.610(b)(1)): due within 3 business days of the request, whatever the
  // service date. Unticked, the API reads an estimate without a service date as asked for.
  const requested = field('The client asked for this estimate', textInput({ name: 'requested', type: 'checkbox' }), { id: 'estimate-requested' });
  errors.bind('primaryService', primary);
  errors.bind('lines[0].serviceCode', code);
  errors.bind('lines[0].description', description);
  errors.bind('lines[0].quantity', quantity);
  errors.bind('lines[0].unitChargeCents', charge);
  errors.bind('serviceDate', serviceDate);
  errors.bind('dateOfBirth', dateOfBirth);
  const result = h('div');
  const element = form(
    {
      label: 'Create a Good Faith Estimate',
      submit: 'Create estimate',
      errors,
      action: async () => {
        const unitChargeCents = parseMoney(charge.control.value, currency());
        if (unitChargeCents === undefined) throw invalid('lines[0].unitChargeCents', 'Enter the charge as an amount, e.g. 30.00');
        const estimate = await request<{ estimateId: string; totalCents: number; currency: string; timing?: EstimateTiming }>(
          'POST',
          practicePath(`/clients/${encodeURIComponent(clientId)}/estimates`),
          {
            body: {
              primaryService: primary.control.value.trim(),
              ...(serviceDate.control.value ? { serviceDate: serviceDate.control.value } : {}),
              ...(dateOfBirth.control.value ? { dateOfBirth: dateOfBirth.control.value } : {}),
              ...((requested.control as HTMLInputElement).checked ? { requested: true } : {}),
              lines: [{ serviceCode: code.control.value.trim(), description: description.control.value.trim(), quantity: Number(quantity.control.value) || quantity.control.value, unitChargeCents }],
            },
          },
        );
        status.textContent = `Estimate created: ${formatMoney(estimate.totalCents, estimate.currency)} in all.`;
        replace(
          result,
          h(
            'p',
            null,
            `Estimate ${estimate.estimateId}: ${formatMoney(estimate.totalCents, estimate.currency)}. `,
            h(
              'button',
              {
                type: 'button',
                onclick: async () => {
                  // The printable page needs the staff token, so it is fetched and opened from memory.
                  // A page opened from memory inherits this app's CSP, which refuses the page's own
                  // inline styles: it gets the app's stylesheet instead (an absolute URL, the only
                  // kind a blob: page resolves).
                  const answer = await rawRequest('GET', practicePath(`/clients/${encodeURIComponent(clientId)}/estimates/${encodeURIComponent(estimate.estimateId)}`), { accept: 'text/html' });
                  const page = (await answer.text()).replace(/<head>/i, `<head><link rel="stylesheet" href="${location.origin}/app/app.css">`);
                  const url = URL.createObjectURL(new Blob([page], { type: 'text/html' }));
                  window.open(url, '_blank', 'noopener');
                  setTimeout(() => URL.revokeObjectURL(url), 60_000);
                },
              },
              'Open printable estimate',
            ),
          ),
          h('p', null, deadlineText(estimate.timing)),
        );
      },
    },
    h('div', { class: 'grid' }, primary.wrap, code.wrap, description.wrap, quantity.wrap, charge.wrap, serviceDate.wrap, dateOfBirth.wrap, requested.wrap),
  );
  return h('div', null, element, result);
};

/**
 * Corrects the client's name and email (`PATCH …/clients/{c}`, SPEC §7): a typo a storefront buyer
 * made, or the email a balance invoice waits for (`needs_email`: it goes out once the email is set).
 * Only what changed is sent; a taken email is refused under Email (409 `email_taken`).
 */
const correctionForm = (clientId: string, client: Client | undefined, status: HTMLElement, saved: (client: Client) => Promise<void>) => {
  const errors = new FormErrors();
  const name = field('Name', textInput({ name: 'name', autocomplete: 'off', value: client?.name ?? '' }), { id: 'client-name' });
  const email = field('Email', textInput({ name: 'email', type: 'email', autocomplete: 'off', spellcheck: 'false', value: client?.email ?? '' }), { id: 'client-email' });
  errors.bind('name', name);
  errors.bind('email', email);
  let current = client;
  return form(
    {
      label: 'Correct name and email',
      submit: 'Save name and email',
      errors,
      action: async () => {
        const typed = { name: name.control.value.trim(), email: email.control.value.trim() };
        const changes = {
          ...(typed.name && typed.name !== current?.name ? { name: typed.name } : {}),
          ...(typed.email && typed.email !== current?.email ? { email: typed.email } : {}),
        };
        if (Object.keys(changes).length === 0) throw invalid('name', 'Change the name or the email first.');
        const answer = await request<Client & { resumedInvoices?: string[] }>('PATCH', practicePath(`/clients/${encodeURIComponent(clientId)}`), { body: changes });
        current = { clientId: answer.clientId, name: answer.name, email: answer.email };
        known.set(clientId, current);
        name.control.value = current.name;
        email.control.value = current.email ?? '';
        const resumed = answer.resumedInvoices?.length ?? 0;
        status.textContent = `Saved: ${current.name}${current.email ? `, ${current.email}` : ''}.${resumed > 0 ? ` ${resumed} balance invoice${resumed === 1 ? '' : 's'} waiting for an email went out.` : ''}`;
        await saved(current);
      },
    },
    h('div', { class: 'grid' }, name.wrap, email.wrap),
  );
};

export const clientPage = async (main: HTMLElement, clientId = '') => {
  const status = statusLine();
  const purchasesHolder = h('div');
  const ledgerHolder = h('div');
  const receiptsHolder = h('div');
  const redeemHolder = h('div');
  const receiptStatus = statusLine();
  // The saved coverage is read while the rest of the page loads.
  const coverage = coverageForm(clientId);
  const packages = await request<List<Package>>('GET', practicePath('/packages'));
  const names = new Map(packages.items.map((pkg) => [pkg.packageId, pkg.name]));
  const client = known.get(clientId);
  const loadReceipts = pagedList<Receipt>(
    receiptsHolder,
    (cursor) => request<List<Receipt>>('GET', practicePath(`/receipts?clientId=${encodeURIComponent(clientId)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)),
    (receipts) => receiptTable(receipts, receiptStatus),
    'receipts',
  );
  // The ledger is paged oldest first (200 items a page): its newest entries are behind "Show more".
  // Each read keeps the balance its first page gave.
  const loadLedger = pagedList<LedgerEntry, { path: string; first?: Ledger }>(
    ledgerHolder,
    async (cursor, read) => {
      const answer = await request<Ledger>('GET', `${read.path}/ledger${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
      if (!cursor) read.first = answer;
      return { items: answer.entries, nextCursor: answer.nextCursor ?? null };
    },
    (entries, read) => {
      const ledger = read.first!;
      return h(
        'div',
        null,
        h(
          'p',
          { class: 'balance' },
          'Balance: ',
          h('strong', null, formatMoney(ledger.balanceCents, ledger.currency ?? currency())),
          ledger.balanceCents > 0 ? ' owed by the client' : ledger.balanceCents < 0 ? ' in the client’s favour' : '',
        ),
        table(
          ['Date', 'What', 'Amount', 'Sessions', 'Reference'],
          entries.map((entry) => [formatDate(entry.at), statusText(entry.kind), formatMoney(entry.amountCents, ledger.currency ?? currency()), entry.sessionsDelta ?? '—', entry.ref ?? '—']),
          'Ledger',
        ),
      );
    },
    'ledger entries',
  );
  // Redeem and cancel each re-read the credits; only the latest read is drawn, so a slow answer
  // read before a cancel cannot show the cancelled visit's credit as used.
  let latest = 0;
  const reload = async () => {
    const asked = ++latest;
    const path = practicePath(`/clients/${encodeURIComponent(clientId)}`);
    const [purchases] = await Promise.all([request<List<Purchase>>('GET', `${path}/purchases`), loadLedger({ path }), loadReceipts()]);
    if (asked !== latest) return;
    replace(
      purchasesHolder,
      table(
        ['Package', 'Credits left', 'Status', 'Expires', 'Paid'],
        purchases.items.map((p) => [
          names.get(p.packageId) ?? p.packageId,
          `${p.sessionsRemaining} of ${p.sessionsTotal}`,
          badge(p.status),
          p.expiresAt ? formatDate(p.expiresAt) : 'Never',
          p.priceCents !== undefined ? formatMoney(p.priceCents, p.currency ?? currency()) : '—',
        ]),
        'Purchases',
      ),
    );
    replace(redeemHolder, redeemForm(clientId, purchases.items, names, status, reload));
  };
  await reload();
  const heading = pageHeading(client ? client.name : `Client ${clientId}`);
  const contact = h('p', { class: 'muted' }, client?.email ?? '');
  replace(
    main,
    heading,
    contact,
    status,
    section('Purchases and credits', purchasesHolder),
    section('Visits', redeemHolder, cancelForm(clientId, status, reload)),
    section('Ledger', ledgerHolder),
    section(
      'Name and email',
      correctionForm(clientId, client, status, async (saved) => {
        heading.textContent = saved.name;
        contact.textContent = saved.email ?? '';
        await reload();
      }),
    ),
    section('Receipts', receiptStatus, receiptsHolder),
    section('Good Faith Estimate', estimateForm(clientId, status)),
    section('Insurance coverage', await coverage),
    h('p', null, h('a', { href: '#/clients' }, 'Back to clients')),
  );
};
