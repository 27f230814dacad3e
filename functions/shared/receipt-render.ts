/**
 * Renders a stored receipt document as the public page (HTML, printable). The receipt email is
 * in email/copy.ts with every other email kneadpay sends; the PDF in receipt-pdf.ts. Everything
 * comes from the snapshot: nothing here reads a store or Stripe, so a receipt looks the same every
 * time it is opened.
 */
import { missingStatementDetails, type PaymentMethod, type ReceiptDocument, type ServiceLine } from '../domain/receipt';
import { escapeHtml, formatMoney, page } from './html';

// Formatting ----------------------------------------------------------------------------------

const zoneOr = (timezone: string): string => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return timezone;
  } catch {
    return 'UTC';
  }
};

/** An instant as a calendar date where the practice is (`October 20, 2026`). */
export const formatDate = (iso: string, timezone = 'UTC'): string => new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: zoneOr(timezone) }).format(new Date(iso));

/** A date of service (`2026-10-02`, a calendar date with no zone) as `October 2, 2026`. */
export const formatServiceDate = (date: string): string =>
  /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`)) : date;

const BRANDS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
};

export const paymentMethodLabel = (method: PaymentMethod): string => {
  switch (method.type) {
    case 'card':
      return `${BRANDS[method.brand] ?? method.brand.charAt(0).toUpperCase() + method.brand.slice(1)} ending in ${method.last4}`;
    case 'bank_account':
      return `Bank account${method.bankName ? ` (${method.bankName})` : ''} ending in ${method.last4}`;
    case 'in_person':
      return `Paid at the practice (${{ cash: 'cash', card_terminal: 'card terminal', check: 'check' }[method.method]})`;
    default:
      return 'Online payment';
  }
};

export const statusLabel = (document: ReceiptDocument): string => {
  switch (document.status) {
    case 'paid_in_full':
      return 'Paid in full';
    case 'balance_due':
      return `Balance due: ${formatMoney(document.totals?.balanceDueCents ?? 0, document.currency)}`;
    case 'refunded':
      return 'Refunded';
    case 'partially_refunded':
      return 'Partially refunded';
  }
};

const money = (document: ReceiptDocument, cents: number) => formatMoney(cents, document.currency);
const modifiersText = (line: ServiceLine) => (line.modifiers.length > 0 ? line.modifiers.join(', ') : '—');
export const placeOfServiceText = (code: string, name: string | null) => (name ? `${code} (${name})` : code);

/** The rows of the totals block, in order, as label/amount pairs (shared by page, email and PDF). */
export const totalRows = (document: ReceiptDocument): [string, string][] => {
  const rows: [string, string][] = [];
  const totals = document.totals;
  if (document.refund) {
    const refund = document.refund;
    rows.push(['Amount refunded', money(document, refund.amountCents)]);
    rows.push([
      'Total refunded on this payment',
      refund.originalAmountCents === null ? money(document, refund.totalRefundedCents) : `${money(document, refund.totalRefundedCents)} of ${money(document, refund.originalAmountCents)}`,
    ]);
    return rows;
  }
  if (!totals) return rows;
  rows.push(['Amount charged', money(document, totals.chargedCents)]);
  if (document.kind === 'balance') {
    rows.push(['Insurer paid', money(document, totals.insurerPaidCents)]);
    rows.push(['Patient portion', money(document, totals.patientPortionCents)]);
  }
  if (totals.previouslyPaidCents !== 0) rows.push(['Paid before', money(document, totals.previouslyPaidCents)]);
  rows.push([document.kind === 'balance' ? 'Amount paid now' : 'Amount paid', money(document, totals.paidNowCents)]);
  rows.push([totals.balanceDueCents > 0 ? 'Balance due' : 'Balance', money(document, totals.balanceDueCents)]);
  if (totals.overpaidCents > 0) rows.push(['Overpaid (credit due to you)', money(document, totals.overpaidCents)]);
  return rows;
};

/** The practice's identifiers (DOMAIN.md §5), each only when present. */
export const practiceIdentifiers = (document: ReceiptDocument): [string, string][] =>
  [
    ['Tax ID (EIN)', document.practice.taxId],
    ['NPI', document.practice.npi],
    ['License', document.practice.licenseNumber],
  ].filter((row): row is [string, string] => Boolean(row[1]));

/** The facts block under the header: who, when, how. */
export const paymentFacts = (document: ReceiptDocument): [string, string][] => {
  const zone = document.practice.timezone;
  const rows: [string, string][] = [['Patient', document.client.name]];
  if (document.refund) {
    rows.push(['Refund date', formatDate(document.refund.refundedAt, zone)]);
    rows.push(['Refunded to', paymentMethodLabel(document.payment.method)]);
    rows.push(['Refund of', document.refund.of === 'package' ? 'a session package purchase' : 'a balance payment']);
    if (document.refund.originalReceiptNumber) rows.push(['Original receipt', document.refund.originalReceiptNumber]);
    // The service the refunded balance paid for: what an HSA/FSA administrator reimbursed (DOMAIN.md §5).
    if (document.refund.service) {
      rows.push(['Date of service', formatServiceDate(document.refund.service.dateOfService)]);
      rows.push(['Claim reference', document.refund.service.claimId]);
    }
  } else {
    rows.push(['Payment date', formatDate(document.payment.at, zone)]);
    // An invoice paid in parts: each payment as the card statement shows it (DOMAIN.md §5).
    const parts = document.payment.parts ?? [];
    if (parts.length > 1) {
      parts.forEach((part, i) => rows.push([`Payment ${i + 1} of ${parts.length}`, `${paymentMethodLabel(part.method)}: ${money(document, part.amountCents)} on ${formatDate(part.at, zone)}`]));
    } else rows.push(['Payment method', paymentMethodLabel(document.payment.method)]);
  }
  if (document.claim) {
    rows.push(['Date of service', formatServiceDate(document.claim.dateOfService)]);
    rows.push(['Place of service', placeOfServiceText(document.claim.placeOfService, document.claim.placeOfServiceName)]);
    rows.push(['Diagnosis (ICD-10)', document.claim.diagnosisCodes.join(', ')]);
    if (document.claim.payerName) rows.push(['Insurer', document.claim.payerName]);
    rows.push(['Claim reference', document.claim.claimId]);
  }
  return rows;
};

export const SERVICE_COLUMNS = ['Date of service', 'Place', 'CPT', 'Modifiers', 'Units', 'Charged', 'Insurer paid', 'Patient portion'] as const;

export const serviceRow = (document: ReceiptDocument, line: ServiceLine): string[] => [
  formatServiceDate(line.dateOfService),
  line.placeOfService,
  line.procedureCode,
  modifiersText(line),
  String(line.units),
  money(document, line.chargedCents),
  money(document, line.insurerPaidCents),
  money(document, line.patientPortionCents),
];

export const packageRow = (document: ReceiptDocument): string[] => {
  const pkg = document.package!;
  return [pkg.name, pkg.serviceCode ?? '—', `${pkg.sessionsBought} × ${pkg.sessionMinutes} min`, money(document, document.totals?.chargedCents ?? document.totalCents)];
};

/**
 * The note under a payment receipt: the HSA/FSA note, or, when the practice's profile lacks what
 * an administrator asks for, a notice saying what is missing (the receipt is still a receipt).
 */
export const statementNote = (document: ReceiptDocument): string => {
  const missing = missingStatementDetails(document.practice);
  return missing.length === 0
    ? HSA_NOTE
    : `This receipt lacks the practice's ${missing.join(', ')}, which insurers and HSA/FSA administrators ask for on an itemized statement: ask ${document.practice.name} for a complete statement.`;
};

export const HSA_NOTE =
  'This itemized statement is for insurance or HSA/FSA reimbursement. Massage is reimbursable as medical care; your plan may also ask for a letter of medical necessity from your provider — attach it with this statement.';

// The page ------------------------------------------------------------------------------------

const RECEIPT_STYLE = `<style>
  .receipt { background: #fff; border: 1px solid var(--line); border-radius: .75rem; padding: 1.5rem; }
  .head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: flex-start; gap: 1rem; border-bottom: 2px solid var(--ink); padding-bottom: 1rem; }
  .head > div:first-child { flex: 1 1 18rem; } .head .doc { flex: 0 1 17rem; }
  .head address { font-style: normal; }
  .doc { text-align: right; } .doc h2 { font-size: 1.05rem; }
  dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 1rem 0; }
  dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
  td.num, th.num { text-align: right; white-space: nowrap; }
  table.services td:first-child { white-space: nowrap; }
  table.services { font-size: .92rem; } table.services th, table.services td { padding: .4rem .35rem; }
  .scroll { overflow-x: auto; }
  table.totals { max-width: 24rem; margin-left: auto; margin-top: 1rem; }
  .status { font-size: 1.2rem; font-weight: 700; text-align: right; margin-top: .75rem; }
  .actions { margin-top: 1.5rem; }
  @media print { .receipt { border: 0; padding: 0; } main { padding: 0; } }
</style>`;

const factsHtml = (rows: [string, string][]) => `<dl class="facts">${rows.map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`;

const tableHtml = (columns: readonly string[], rows: string[][], numericFrom: number, caption: string) =>
  `<div class="scroll"><table class="${caption === 'Services' ? 'services' : 'items'}"><caption class="muted" style="text-align:left">${escapeHtml(caption)}</caption><thead><tr>${columns
    .map((column, i) => `<th scope="col"${i >= numericFrom ? ' class="num"' : ''}>${escapeHtml(column)}</th>`)
    .join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell, i) => `<td${i >= numericFrom ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;

const itemizationHtml = (document: ReceiptDocument): string => {
  const parts: string[] = [];
  if (document.claim) {
    const rows = document.claim.lines.map((line) => serviceRow(document, line));
    if (document.claim.claimLevelPatientCents !== 0) {
      rows.push(['', '', '', '', '', '', '', money(document, document.claim.claimLevelPatientCents)]);
    }
    parts.push(tableHtml(SERVICE_COLUMNS, rows, 4, 'Services'));
  }
  if (document.package) {
    const pkg = document.package;
    if (document.kind === 'package') parts.push(tableHtml(['Item', 'Service code', 'Sessions', 'Amount'], [packageRow(document)], 3, 'Session package'));
    else parts.push(`<p><strong>${escapeHtml(pkg.name)}</strong></p>`);
    parts.push(`<p>Sessions: ${escapeHtml(pkg.usageText)}</p>`);
    if (document.refund && document.refund.creditsRemoved > 0) {
      parts.push(`<p>Sessions cancelled by this refund: ${document.refund.creditsRemoved}</p>`);
    }
  }
  return parts.join('\n');
};

const totalsHtml = (document: ReceiptDocument) =>
  `<table class="totals"><tbody>${totalRows(document)
    .map(([label, value]) => `<tr><th scope="row">${escapeHtml(label)}</th><td class="num">${escapeHtml(value)}</td></tr>`)
    .join('')}</tbody></table>`;

/** The public receipt page: readable, printable, no scripts; `pdfHref` links the PDF of the same receipt. */
export const renderReceiptPage = (document: ReceiptDocument, opts: { pdfHref?: string } = {}): string => {
  const practice = document.practice;
  const contact = [...practice.addressLines, ...(practice.phone ? [`Phone ${practice.phone}`] : []), ...(practice.email ? [practice.email] : [])];
  const body = `${RECEIPT_STYLE}
<article class="receipt" aria-labelledby="practice-name">
  <header class="head">
    <div>
      <h1 id="practice-name">${escapeHtml(practice.name)}</h1>
      <address>${contact.map(escapeHtml).join('<br>')}</address>
      ${factsHtml(practiceIdentifiers(document))}
    </div>
    <div class="doc">
      <h2>${escapeHtml(document.title)}</h2>
      <p>Receipt <strong>${escapeHtml(document.number)}</strong><br>
      <span class="muted">Issued ${escapeHtml(formatDate(document.issuedAt, practice.timezone))}</span></p>
    </div>
  </header>
  ${factsHtml(paymentFacts(document))}
  ${itemizationHtml(document)}
  ${totalsHtml(document)}
  <p class="status">${escapeHtml(statusLabel(document))}</p>
  ${document.kind === 'refund' ? '' : `<p class="muted">${escapeHtml(statementNote(document))}</p>`}
</article>
<p class="actions no-print">${opts.pdfHref ? `<a href="${escapeHtml(opts.pdfHref)}">Download PDF</a> · ` : ''}Use your browser's Print to print or save this page.</p>`;
  return page(`Receipt ${document.number} · ${practice.name}`, body);
};

/** The page a broken or expired link shows (nothing about the receipt; the practice's contact if known). */
export const renderReceiptLinkProblem = (reason: 'expired' | 'invalid', practice?: { name: string; phone?: string | undefined; email?: string | undefined }): string => {
  const contact = practice ? [practice.phone, practice.email].filter(Boolean).join(' · ') : '';
  const body =
    reason === 'expired'
      ? `<h1>This receipt link has expired</h1><p>For your privacy, receipt links work for a limited time.${
          practice ? ` Ask ${escapeHtml(practice.name)} to send it again${contact ? ` (${escapeHtml(contact)})` : ''}.` : ' Ask the practice to send it again.'
        }</p>`
      : '<h1>Receipt not found</h1><p>This link is not valid. Check that you copied the whole link from the email, or ask the practice to send it again.</p>';
  return page(reason === 'expired' ? 'Receipt link expired' : 'Receipt not found', body);
};
