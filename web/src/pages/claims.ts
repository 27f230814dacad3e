import { unitsForVisit, UnitsInputError, UNIT_METHODS, type UnitMethod } from '../../../functions/domain/units';
import { ApiError, downloadFile, practicePath, request } from '../api';
import { currency, currentPractice } from '../context';
import { h, replace, safeHref, statusLine, table, uid } from '../dom';
import { field, FormErrors, form, invalid, textInput, type Field } from '../forms';
import { formatDate, formatMoney, parseMoney } from '../money';
import type { Claim, ClaimListItem, ClaimProblem, Client, Invoice, List } from '../types';
import { badge, pageHeading, section, statusText } from './common';
import { pagedList } from './paged';
import { acknowledgementForm, batchDownload, claimsByState, payerForm, problemList, sendClaimsForm } from './claims-out';
import { disputeWords } from './invoices';

interface LineRow {
  code: Field;
  minutes: Field;
  charge: Field;
  units: HTMLOutputElement;
  row: HTMLElement;
}

/**
 * Register a claim. The units appear as minutes are typed, computed by the same function the API
 * bills with (functions/domain/units.ts, bundled into the app), under the practice's unit method.
 */
const registerForm = () => {
  const errors = new FormErrors();
  const method: UnitMethod = currentPractice()?.billing?.unitMethod ?? UNIT_METHODS.cms;
  const claimId = field('Claim ID', textInput({ name: 'claimId', autocomplete: 'off', value: `CLM-${Date.now().toString(36).toUpperCase()}` }), {
    id: 'claim-id',
    hint: 'Your patient control number: the payer sends it back on the ERA.',
  });
  const clientEmail = field('Client email', textInput({ name: 'clientEmail', type: 'email', autocomplete: 'off' }), { id: 'claim-client-email' });
  const payer = field('Payer name', textInput({ name: 'payerName' }), { id: 'claim-payer' });
  const date = field('Date of service', textInput({ name: 'dateOfService', type: 'date' }), { id: 'claim-date' });
  const place = field('Place of service', textInput({ name: 'placeOfService', value: '11', inputmode: 'numeric', size: 3 }), { id: 'claim-place', hint: '11: office.' });
  const diagnoses = field('Diagnosis codes', textInput({ name: 'diagnosisCodes' }), { id: 'claim-diagnoses', hint: 'ICD-10 codes, separated by commas, e.g. M54.2' });
  // Claims out (docs/claims.md): with a saved payer's ID and the therapist who gave the visit, the
  // claim is checked against the 837P guide and goes out with "Send claims"; without, it was sent
  // outside kneadpay and only its 835 matters.
  const payerId = field('Payer ID', textInput({ name: 'payerId', autocomplete: 'off', spellcheck: 'false' }), {
    id: 'claim-payer-id',
    hint: 'A payer saved under Payers, to send this claim from kneadpay. Empty: you sent it yourself.',
  });
  const therapistFirst = field('Therapist first name', textInput({ name: 'renderingFirstName', autocomplete: 'off' }), { id: 'claim-rendering-first' });
  const therapistLast = field('Therapist last name', textInput({ name: 'renderingLastName', autocomplete: 'off' }), { id: 'claim-rendering-last' });
  const therapistNpi = field('Therapist NPI', textInput({ name: 'renderingNpi', autocomplete: 'off', inputmode: 'numeric', size: 10 }), { id: 'claim-rendering-npi' });
  for (const [name, f] of [
    ['claimId', claimId],
    ['clientId', clientEmail],
    ['payerName', payer],
    ['dateOfService', date],
    ['placeOfService', place],
    ['diagnosisCodes', diagnoses],
    ['payerId', payerId],
    ['renderingProvider', therapistFirst],
    ['renderingProvider.firstName', therapistFirst],
    ['renderingProvider.lastName', therapistLast],
    ['renderingProvider.npi', therapistNpi],
  ] as const)
    errors.bind(name, f);

  const lines: LineRow[] = [];
  const linesBody = h('div', { class: 'lines' });
  const total = h('output', { id: 'claim-units-total', 'aria-live': 'polite' });
  const unitsNote = h('p', { class: 'field-error', id: 'claim-units-problem', hidden: true });

  const refreshUnits = () => {
    unitsNote.hidden = true;
    const typed = lines.map((line) => ({ code: line.code.control.value.trim(), minutes: line.minutes.control.value.trim() }));
    const complete = typed.map((line, index) => ({ ...line, index })).filter((line) => line.code !== '' && /^\d+$/.test(line.minutes));
    for (const line of lines) line.units.textContent = '—';
    if (complete.length === 0) {
      total.textContent = 'Units: —';
      return;
    }
    try {
      const visit = unitsForVisit(
        complete.map((line) => ({ code: line.code, minutes: Number(line.minutes) })),
        method,
      );
      visit.lines.forEach((result, k) => {
        lines[complete[k]!.index]!.units.textContent = `${result.units} unit${result.units === 1 ? '' : 's'}${result.timed ? '' : ' (untimed)'}`;
      });
      total.textContent = `Units: ${visit.totalUnits} for ${visit.totalTimedMinutes} timed minutes (${method === UNIT_METHODS.cms ? '8-minute rule, CMS' : 'per code'})`;
    } catch (error) {
      if (!(error instanceof UnitsInputError)) throw error;
      total.textContent = 'Units: —';
      unitsNote.textContent = error.message;
      unitsNote.hidden = false;
    }
  };

  const addLine = (code = '', minutes = '') => {
    const index = lines.length;
    const prefix = uid('line');
    const line: LineRow = {
      code: field(`Procedure code, line ${index + 1}`, textInput({ name: 'procedureCode', value: code, inputmode: 'numeric', size: 6 }), { id: `${prefix}-code` }),
      minutes: field(`Minutes, line ${index + 1}`, textInput({ name: 'minutes', value: minutes, inputmode: 'numeric', size: 4 }), { id: `${prefix}-minutes` }),
      charge: field(`Charge, line ${index + 1}`, textInput({ name: 'charge', inputmode: 'decimal', size: 8 }), { id: `${prefix}-charge` }),
      units: h('output', { id: `${prefix}-units`, for: `${prefix}-code ${prefix}-minutes`, 'aria-label': `Units, line ${index + 1}` }),
      row: h('div'),
    };
    line.row = h(
      'div',
      { class: 'line-row', role: 'group', 'aria-label': `Line ${index + 1}` },
      line.code.wrap,
      line.minutes.wrap,
      line.charge.wrap,
      h('div', { class: 'field units' }, h('span', { class: 'label' }, 'Units'), line.units),
    );
    errors.bind(`lines[${index}].procedureCode`, line.code);
    errors.bind(`lines[${index}].minutes`, line.minutes);
    errors.bind(`lines[${index}].units`, line.minutes);
    errors.bind(`lines[${index}].chargeCents`, line.charge);
    errors.bind(`lines[${index}]`, line.code);
    line.code.control.addEventListener('input', refreshUnits);
    line.minutes.control.addEventListener('input', refreshUnits);
    lines.push(line);
    linesBody.appendChild(line.row);
    refreshUnits();
    return line;
  };
  addLine('97124', '');
  addLine('', '');

  const status = statusLine();
  const element = form(
    {
      label: 'Register a claim',
      submit: 'Register claim',
      errors,
      action: async () => {
        const email = clientEmail.control.value.trim();
        if (!email) throw invalid('clientId', 'Enter the client’s email.');
        const found = await request<List<Client>>('GET', practicePath(`/clients?email=${encodeURIComponent(email)}`)).catch((error: { field?: string; message: string }) => {
          throw invalid('clientId', error.message);
        });
        const client = found.items[0];
        if (!client) throw invalid('clientId', `No client with the email ${email}.`);
        const filled = lines.map((line, index) => ({ line, index })).filter(({ line }) => line.code.control.value.trim() !== '');
        if (filled.length === 0) throw invalid('lines[0].procedureCode', 'Enter at least one procedure code.');
        const body = {
          claimId: claimId.control.value.trim(),
          clientId: client.clientId,
          ...(payer.control.value.trim() ? { payerName: payer.control.value.trim() } : {}),
          ...(payerId.control.value.trim()
            ? {
                payerId: payerId.control.value.trim(),
                renderingProvider: { firstName: therapistFirst.control.value.trim(), lastName: therapistLast.control.value.trim(), npi: therapistNpi.control.value.trim() },
              }
            : {}),
          dateOfService: date.control.value,
          placeOfService: place.control.value.trim(),
          diagnosisCodes: diagnoses.control.value
            .split(',')
            .map((code) => code.trim())
            .filter(Boolean),
          lines: filled.map(({ line, index }) => {
            const chargeCents = parseMoney(line.charge.control.value, currency());
            if (chargeCents === undefined) throw invalid(`lines[${index}].chargeCents`, 'Enter the charge as an amount, e.g. 60.00');
            const minutes = line.minutes.control.value.trim();
            return { procedureCode: line.code.control.value.trim(), ...(minutes ? { minutes: /^\d+$/.test(minutes) ? Number(minutes) : minutes } : {}), chargeCents };
          }),
        };
        const claim = await request<Claim>('POST', practicePath('/claims'), { body });
        status.textContent = `Claim ${claim.claimId} registered${claim.state === 'draft' || claim.state === 'ready' ? ` (${claim.state})` : ''}: ${claim.lines.map((line) => `${line.procedureCode} × ${line.units}`).join(', ')}.`;
        location.hash = `#/claims/${encodeURIComponent(claim.claimId)}`;
      },
    },
    h('div', { class: 'grid' }, claimId.wrap, clientEmail.wrap, payer.wrap, date.wrap, place.wrap, diagnoses.wrap),
    h('fieldset', null, h('legend', null, 'Send from kneadpay (837P)'), h('div', { class: 'grid' }, payerId.wrap, therapistFirst.wrap, therapistLast.wrap, therapistNpi.wrap)),
    h(
      'fieldset',
      null,
      h('legend', null, 'Services'),
      linesBody,
      unitsNote,
      h('p', { class: 'units-total' }, total),
      h('button', { type: 'button', class: 'secondary', onclick: () => addLine().code.control.focus() }, 'Add a line'),
    ),
  );
  return h('div', null, status, element);
};

const openForm = () => {
  const errors = new FormErrors();
  const id = field('Claim ID to open', textInput({ name: 'claimId', autocomplete: 'off' }), { id: 'claim-open-id' });
  errors.bind('claimId', id);
  return form(
    {
      label: 'Open a claim',
      submit: 'Open claim',
      errors,
      action: async () => {
        const claimId = id.control.value.trim();
        if (!claimId) throw invalid('claimId', 'Enter a claim ID.');
        location.hash = `#/claims/${encodeURIComponent(claimId)}`;
      },
    },
    id.wrap,
  );
};

/** A 999 or 277CA's verdict in words: "Rejected by the 277CA on Oct 6, 2026: <reason>". */
const acknowledgementText = (ack: NonNullable<Claim['acknowledgement']>) =>
  `${ack.verdict === 'rejected' ? 'Rejected' : 'Accepted'} by the ${ack.kind}${ack.at ? ` on ${formatDate(ack.at)}` : ''}${ack.reason ? `: ${ack.reason}` : ''}`;

/** The claim's last acknowledgement: a rejection stands out while the claim is still rejected; once it moved on (fixed and batched again) it is history. */
const acknowledgementLine = (ack: NonNullable<Claim['acknowledgement']>, state: string | undefined) =>
  ack.verdict === 'rejected' && state !== undefined && state !== 'rejected'
    ? h('p', { class: 'muted' }, `Earlier: ${acknowledgementText(ack)}`)
    : h('p', { class: ack.verdict === 'rejected' ? 'field-error' : null }, acknowledgementText(ack));

/** The claims a 999 or 277CA rejected (`GET …/claims?state=rejected`), each with the reason it gave. */
const rejectedList = async () => {
  const holder = h('div');
  const problem = h('p', { class: 'field-error', role: 'alert' });
  const reload = pagedList<ClaimListItem>(
    holder,
    (cursor) => request<List<ClaimListItem>>('GET', practicePath(`/claims?state=rejected${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)),
    (claims) =>
      table(
        ['Claim', 'Date of service', 'Rejected by', 'Reason'],
        claims.map((claim) => [
          h('a', { href: `#/claims/${encodeURIComponent(claim.claimId)}` }, claim.claimId),
          formatDate(claim.dateOfService),
          claim.rejection ? `${claim.rejection.kind}${claim.rejection.at ? `, ${formatDate(claim.rejection.at)}` : ''}` : '—',
          claim.rejection?.reason ?? '—',
        ]),
        'Claims rejected by the clearinghouse or payer',
      ),
    'rejected claims',
  );
  // A list that does not load leaves the forms above it usable.
  const load = () =>
    reload().catch((error: Error) => {
      problem.textContent = `The rejected claims did not load: ${error.message}`;
      replace(holder, problem);
    });
  await load();
  return { holder, reload: load };
};

export const claimsPage = async (main: HTMLElement) => {
  // The saved payers are read while the lists load.
  const payers = payerForm();
  const rejected = await rejectedList();
  const byState = claimsByState();
  await byState.reload();
  // A batch sent or an acknowledgement read moves claims between states: both lists are read again.
  const reread = async () => {
    await Promise.all([byState.reload(), rejected.reload()]);
  };
  replace(
    main,
    pageHeading('Claims'),
    section('Open a claim', openForm()),
    section('Claims by state', byState.element),
    section('Send claims', sendClaimsForm(reread)),
    section('Acknowledgements', acknowledgementForm(reread)),
    section('Register a claim', registerForm()),
    section('Payers', await payers),
    section('Rejected claims', rejected.holder),
  );
};

/** A claim billed from kneadpay: its state, what stops it (a draft), its 837P batch, and its CMS-1500. */
const claimOut = (claim: Claim) => {
  const problem = h('div', { class: 'field-error', role: 'alert', hidden: true });
  const cms1500 = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: async () => {
        problem.hidden = true;
        cms1500.disabled = true;
        try {
          await downloadFile(practicePath(`/claims/${encodeURIComponent(claim.claimId)}/cms1500`), 'application/pdf', `${claim.claimId}-cms1500.pdf`);
        } catch (error) {
          const problems = error instanceof ApiError ? (error.details?.problems as ClaimProblem[] | undefined) : undefined;
          replace(problem, h('p', null, `The CMS-1500 was not made: ${(error as Error).message}`), problems?.length ? problemList(problems, claim.clientId, 'What the CMS-1500 needs') : null);
          problem.hidden = false;
        } finally {
          cms1500.disabled = false;
        }
      },
    },
    'Download CMS-1500 (PDF)',
  );
  return h(
    'div',
    null,
    h('p', null, 'State: ', badge(claim.state ?? claim.status), ' · payer ', claim.payerId ?? '—', claim.batchId ? [' · batch ', claim.batchId, ' ', batchDownload(claim.batchId)] : null),
    claim.state === 'draft' && claim.problems?.length ? [h('p', null, 'Not ready to send:'), problemList(claim.problems, claim.clientId, 'What to fix')] : null,
    h('p', null, cms1500),
    problem,
  );
};

/** What the patient's balance waits for, in the practice's words. */
const HOLD_REASONS: Record<string, string> = {
  secondary_payer: 'the secondary payer (the client’s coverage names a secondary plan)',
  forwarded_claim: 'the next payer (the payer forwarded the claim to it)',
};

/** Why a held balance is not billed, in the practice's words: a wait for a payer, or a denial for staff (`payer_denied`). */
const holdSentence = (hold: NonNullable<Claim['balanceHold']>) =>
  hold.reason === 'payer_denied'
    ? ` The secondary payer denied the claim with nothing for the patient: fix and resubmit, or bill the patient the primary’s share. Not billed since ${formatDate(hold.since)}.`
    : ` The patient is not billed yet: waiting for ${HOLD_REASONS[hold.reason] ?? hold.reason} since ${formatDate(hold.since)}.`;

/**
 * The balance's wait for a payer or for staff (`balanceHold`), with "Bill the patient now" (`POST
 * …/bill-patient`), or how the last one ended without the payer (`balanceRelease`). A hold comes
 * first: a payer's denial can hold a claim released before.
 */
const balanceWait = (claim: Claim, reload: () => Promise<void>) => {
  if (claim.balanceRelease && !claim.balanceHold) {
    const release = claim.balanceRelease;
    const how = `${release.releasedBy === 'staff' ? 'billed now by staff' : 'the wait timed out'} on ${formatDate(release.releasedAt)}`;
    return h(
      'p',
      { class: 'muted', 'data-testid': 'balance-release' },
      release.reason === 'payer_denied'
        ? `The payer’s denial with nothing for the patient was set aside and the earlier payer’s share billed: ${how}. A later answer of that payer still corrects the invoice.`
        : `Billed without waiting for ${HOLD_REASONS[release.reason] ?? release.reason}: ${how}. A later payer’s answer still corrects the invoice.`,
    );
  }
  if (!claim.balanceHold) return null;
  const hold = claim.balanceHold;
  const problem = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const button = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        problem.hidden = true;
        button.disabled = true;
        try {
          await request('POST', practicePath(`/claims/${encodeURIComponent(claim.claimId)}/bill-patient`));
          await reload();
        } catch (error) {
          problem.textContent = `The patient was not billed: ${(error as Error).message}`;
          problem.hidden = false;
          button.disabled = false;
        }
      },
    },
    'Bill the patient now',
  );
  return h(
    'div',
    { class: 'notice', role: 'region', 'aria-label': 'Balance on hold' },
    h('p', { 'data-testid': 'balance-hold' }, badge('on_hold'), holdSentence(hold)),
    h('p', null, button, ' ', h('span', { class: 'muted' }, 'Bills what the payers have said so far; the practice’s payer wait (Settings) does it by itself.')),
    problem,
  );
};

/** The claim's service lines (code, minutes, units, charge), on a primary's page and a secondary's. */
const servicesSection = (claim: Claim, money: (cents: number) => string) =>
  section(
    'Services',
    table(
      ['Code', 'Minutes', 'Units', 'Charge'],
      (claim.lines ?? []).map((line) => [line.procedureCode, line.minutes ?? '—', line.units, money(line.chargeCents)]),
      'Services on the claim',
    ),
  );

/**
 * What the claim's invoice line says of its amount: due while it is still asked for; once paid (on
 * Stripe or at the desk), written off or voided, nothing is due (it read "written off $34.00 due.").
 */
const invoiceAmountText = (status: string, amount: string) =>
  status === 'paid' ? `${amount} paid; nothing due.` : status === 'written_off' ? `${amount} written off; nothing due.` : status === 'void' ? 'Voided; nothing due on it.' : `${amount} due.`;

/** Chargebacks still open: the practice's account was debited, and the money comes back if the dispute is won (docs/decisions/013). */
const OPEN_CHARGEBACKS = new Set(['needs_response', 'under_review']);

/**
 * The claim's invoice line: its amount (`invoiceAmountText`) and what Stripe says of a dispute of its
 * payment, as the Invoices page says it. A lost chargeback took the money back (the invoice stays
 * "paid", as Stripe's does): the client owes it again, on the ledger, and no new invoice went out for
 * it (it read "$34.00 paid; nothing due.").
 */
const invoiceLineText = (invoice: NonNullable<Claim['invoice']>, money: (cents: number) => string) => {
  const taken = invoice.amountDisputedCents ?? 0;
  if (invoice.dispute?.status === 'lost' && taken > 0) {
    return `${money(invoice.amountDueCents)} paid, then taken back by the client’s bank (chargeback lost): the client owes ${money(taken)} again. It is on the client’s ledger; no new invoice was sent for it.`;
  }
  const amount = invoiceAmountText(invoice.status, money(invoice.amountDueCents));
  const note = disputeWords(invoice, currency());
  if (!note || !invoice.dispute) return amount;
  return `${amount} ${note}${OPEN_CHARGEBACKS.has(invoice.dispute.status) ? ': the money comes back if the practice wins' : ''}.`;
};

/** An invoice's status in words, for the claim's invoice history (the API's `status`, docs/api.md § Invoices). */
const INVOICE_STATUS_WORDS: Readonly<Record<string, string>> = {
  pending: 'being prepared',
  draft: 'draft: not sent yet',
  open: 'open: sent to the client, not paid yet',
  paid: 'paid',
  void: 'voided: nothing due on it',
  uncollectible: 'marked uncollectible',
  written_off: 'written off by staff',
  needs_email: 'waiting for the client’s email',
  below_minimum: 'below Stripe’s minimum charge: collect it at the desk',
  awaiting_stripe: 'waiting for the practice’s Stripe account',
};

/**
 * Every invoice of the claim (`GET …/invoices?claimId=`), newest first, the current one (the claim's
 * `invoice`) marked: the claim's money history, where the Invoice section names only the current one —
 * an invoice a new plan replaced (voided), paid then charged back, refunded or written off stays listed.
 * `undefined`: the list could not be read (the rest of the page is drawn anyway).
 */
const invoiceHistory = (invoices: Invoice[] | undefined, current: string | undefined) => {
  if (invoices === undefined) return section('Billing history', h('p', { class: 'muted' }, 'The claim’s invoices could not be read: reload the page to try again.'));
  if (invoices.length === 0) return null;
  return section(
    'Billing history',
    table(
      ['Invoice', 'Status', 'Asked', 'Paid', 'Refunded', 'Written off', 'Disputed'],
      invoices.map((invoice) => {
        const money = (cents: number | undefined) => formatMoney(cents ?? 0, invoice.currency ?? currency());
        return [
          invoice.invoiceId === current ? h('span', null, h('strong', null, 'Current invoice'), `, made ${formatDate(invoice.createdAt)}`) : `Made ${formatDate(invoice.createdAt)}`,
          INVOICE_STATUS_WORDS[invoice.status] ?? statusText(invoice.status),
          money(invoice.amountDueCents),
          money(invoice.amountPaidCents),
          money(invoice.amountRefundedCents),
          money(invoice.amountWrittenOffCents),
          disputeWords(invoice, invoice.currency ?? currency()) ?? '—',
        ];
      }),
      'Every invoice of this claim, newest first',
    ),
    h('p', { class: 'muted' }, 'Refunded: given back in the Stripe Dashboard, so owed again. An overpayment kneadpay refunded after a payer’s correction is on the client’s ledger.'),
  );
};

/** The claim's invoices, newest first; `undefined` when they cannot be read. */
const claimInvoices = (claimId: string): Promise<Invoice[] | undefined> =>
  request<List<Invoice>>('GET', practicePath(`/invoices?claimId=${encodeURIComponent(claimId)}`)).then(
    (list) => list.items,
    () => undefined,
  );

const claimLink = (claimId: string) => h('a', { href: `#/claims/${encodeURIComponent(claimId)}` }, claimId);

/**
 * A secondary claim (`secondaryOf`, docs/claims.md § Secondary claims) holds no money: both payers'
 * 835s are applied to its primary, the visit's claim, which holds the patient's share and its invoice.
 * Its page says so and links there, instead of a share of $0.00, no adjudications and "nothing is
 * owed by the patient yet".
 */
const secondaryClaimPage = (main: HTMLElement, claim: Claim, primaryId: string) => {
  const money = (cents: number) => formatMoney(cents, currency());
  replace(
    main,
    pageHeading(`Claim ${claim.claimId}`),
    h('p', null, badge(claim.status), claim.dateOfService ? ` · ${formatDate(claim.dateOfService)}` : ''),
    h(
      'p',
      { class: 'notice' },
      'Secondary claim of ',
      claimLink(primaryId),
      ' (the visit’s claim, billed to its primary payer): the payers’ payments, the patient’s share and its invoice are on ',
      claimLink(primaryId),
      '.',
    ),
    section('Claim out', claimOut(claim)),
    claim.acknowledgement ? section('Acknowledgement', acknowledgementLine(claim.acknowledgement, claim.state)) : null,
    servicesSection(claim, money),
    h('p', null, h('a', { href: '#/claims' }, 'Back to claims')),
  );
};

export const claimPage = async (main: HTMLElement, claimId = '') => {
  // The router moves what is drawn here into the page: a release redraws this view in place.
  const view = h('div');
  const load = async () => {
    const [claim, invoices] = await Promise.all([request<Claim>('GET', practicePath(`/claims/${encodeURIComponent(claimId)}`)), claimInvoices(claimId)]);
    if (claim.secondaryOf) secondaryClaimPage(view, claim, claim.secondaryOf);
    else drawClaim(view, claim, load, invoices);
  };
  await load();
  replace(main, view);
};

const drawClaim = (main: HTMLElement, claim: Claim, reload: () => Promise<void>, invoices: Invoice[] | undefined) => {
  const money = (cents: number) => formatMoney(cents, currency());
  const invoiceLink = safeHref(claim.invoice?.hostedInvoiceUrl);
  replace(
    main,
    pageHeading(`Claim ${claim.claimId}`),
    h('p', null, badge(claim.status), ' ', claim.payerName ?? '', claim.dateOfService ? ` · ${formatDate(claim.dateOfService)}` : ''),
    claim.secondaryClaimId ? h('p', null, 'Secondary claim: ', claimLink(claim.secondaryClaimId), ', billed to the secondary plan’s payer.') : null,
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Patient share'),
      h('dd', { 'data-testid': 'patient-share' }, money(claim.patientResponsibilityCents ?? 0)),
      h('dt', null, 'Collected at the visit'),
      h('dd', null, money(claim.collectedCents ?? 0)),
      h('dt', null, 'Invoiced'),
      h('dd', null, money(claim.invoicedCents ?? 0)),
    ),
    claim.payerId ? section('Claim out', claimOut(claim)) : null,
    claim.acknowledgement ? section('Acknowledgement', acknowledgementLine(claim.acknowledgement, claim.state)) : null,
    servicesSection(claim, money),
    section(
      'Adjudications',
      table(
        ['Paid on', 'Trace', 'Status', 'Payer paid', 'Patient share'],
        (claim.adjudications ?? []).map((a) => [
          formatDate(a.paidAt),
          a.traceNumber ?? '—',
          statusText(a.status ?? a.statusCode ?? ''),
          money(a.paidCents ?? 0),
          money(a.patientResponsibilityCents ?? 0),
        ]),
        'What the payers decided',
      ),
    ),
    section(
      'Invoice',
      balanceWait(claim, reload),
      claim.invoice
        ? h(
            'p',
            null,
            badge(claim.invoice.status),
            ` ${invoiceLineText(claim.invoice, money)} `,
            invoiceLink ? h('a', { href: invoiceLink, target: '_blank', rel: 'noopener noreferrer' }, 'Open the hosted invoice') : null,
            ' · ',
            h('a', { href: '#/invoices' }, 'All invoices'),
          )
        : claim.balanceHold
          ? null
          : h('p', { class: 'muted' }, 'No invoice: nothing is owed by the patient yet.'),
    ),
    invoiceHistory(invoices, claim.invoice?.invoiceId),
    h('p', null, h('a', { href: '#/claims' }, 'Back to claims')),
  );
};
