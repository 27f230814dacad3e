/**
 * Every email kneadpay sends, word for word: one function per email, each answering its subject,
 * HTML and plain text. Sending is send.ts.
 *
 * PHI rule (DOMAIN.md §6): subjects never carry clinical detail; in `link` mode neither does the
 * receipt's body — it says who was paid, when, how much, and links to the page. Balance notices and
 * reminders say the amount and link to Stripe's hosted invoice page, nothing about the visit.
 */
import type { ReceiptDocument } from '../../domain/receipt';
import { escapeHtml, formatMoney } from '../html';
import { formatDate, formatServiceDate, placeOfServiceText, statusLabel, totalRows } from '../receipt-render';

/** What an email says: the sender adds the recipient and the practice (send.ts `OutgoingEmail`). */
export interface EmailContent {
  subject: string;
  html: string;
  text: string;
}

// The receipt -----------------------------------------------------------------------------------

export type ReceiptEmailMode = 'link' | 'full';
export type ReceiptEmailContent = EmailContent;

const money = (document: ReceiptDocument, cents: number) => formatMoney(cents, document.currency);

const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ').trim();

/** Subjects say who and what, never a code, an insurer or a diagnosis. */
export const receiptSubject = (document: ReceiptDocument): string =>
  document.kind === 'refund' ? `Your refund receipt from ${oneLine(document.practice.name)}` : `Your receipt from ${oneLine(document.practice.name)}`;

const textTable = (rows: [string, string][]) => {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}`).join('\n');
};

const itemizationText = (document: ReceiptDocument): string => {
  const parts: string[] = [];
  if (document.claim) {
    const claim = document.claim;
    parts.push(`Date of service: ${formatServiceDate(claim.dateOfService)}`);
    parts.push(`Place of service: ${placeOfServiceText(claim.placeOfService, claim.placeOfServiceName)}`);
    parts.push(`Diagnosis (ICD-10): ${claim.diagnosisCodes.join(', ')}`);
    parts.push('');
    for (const line of claim.lines) {
      parts.push(
        `CPT ${line.procedureCode}${line.modifiers.length ? ` (${line.modifiers.join(', ')})` : ''} × ${line.units}: charged ${money(document, line.chargedCents)}, insurer paid ${money(
          document,
          line.insurerPaidCents,
        )}, patient portion ${money(document, line.patientPortionCents)}`,
      );
    }
    if (claim.claimLevelPatientCents !== 0) parts.push(`Claim-level patient portion: ${money(document, claim.claimLevelPatientCents)}`);
  }
  if (document.package) {
    const pkg = document.package;
    parts.push(`${pkg.name}${pkg.serviceCode ? ` (service code ${pkg.serviceCode})` : ''}: ${pkg.sessionsBought} × ${pkg.sessionMinutes} min`);
    parts.push(`Sessions: ${pkg.usageText}`);
  }
  return parts.join('\n');
};

const emailShell = (inner: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="margin:0;padding:24px;background:#f6f8f7;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2a2f">
<div style="max-width:560px;margin:0 auto;background:#fff;border:1px solid #d8e0df;border-radius:12px;padding:24px">${inner}</div>
</body></html>`;

const htmlRows = (rows: [string, string][]) =>
  `<table style="border-collapse:collapse;width:100%">${rows
    .map(([label, value]) => `<tr><td style="padding:4px 8px 4px 0;color:#5b6b70">${escapeHtml(label)}</td><td style="padding:4px 0;text-align:right">${escapeHtml(value)}</td></tr>`)
    .join('')}</table>`;

/**
 * The receipt email. `link` (the default): practice, date, amount and the secure link — no
 * itemization, so nothing clinical travels by email. `full`: the itemization too.
 */
export const renderReceiptEmail = (document: ReceiptDocument, opts: { mode: ReceiptEmailMode; link: string; linkExpiresAt: string }): ReceiptEmailContent => {
  const practice = document.practice;
  const zone = practice.timezone;
  const refund = document.kind === 'refund';
  const intro = refund ? `${practice.name} has refunded a payment to you.` : `Thank you for your payment to ${practice.name}.`;
  const summary: [string, string][] = [
    [refund ? 'Amount refunded' : 'Amount paid', money(document, document.totalCents)],
    [refund ? 'Refund date' : 'Payment date', formatDate(document.payment.at, zone)],
    ['Receipt', document.number],
  ];
  const expires = formatDate(opts.linkExpiresAt, zone);
  const linkLine = refund ? 'View, print or download your refund receipt (PDF):' : 'View, print or download your receipt (PDF):';
  const full = opts.mode === 'full';
  const itemization = full ? itemizationText(document) : '';
  const totals = full ? totalRows(document) : [];
  const contact = [practice.name, practice.phone, ...practice.addressLines].filter(Boolean).join(' · ');

  const text = [
    'Hello,',
    '',
    intro,
    '',
    textTable(summary),
    ...(full ? ['', itemization, '', textTable(totals), statusLabel(document)] : []),
    '',
    linkLine,
    opts.link,
    `This link works until ${expires}.`,
    ...(refund ? [] : ['The receipt page has the itemized statement an HSA/FSA administrator or insurer may ask for.']),
    '',
    contact,
  ].join('\n');

  const itemizationBlock = full
    ? `<h2 style="font-size:16px;margin:20px 0 8px">Itemization</h2><pre style="white-space:pre-wrap;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;margin:0">${escapeHtml(
        itemization,
      )}</pre>${htmlRows(totals)}<p style="font-weight:700;text-align:right">${escapeHtml(statusLabel(document))}</p>`
    : '';
  const html = emailShell(`<p>Hello,</p>
<p>${escapeHtml(intro)}</p>
${htmlRows(summary)}
${itemizationBlock}
<p style="margin-top:20px"><a href="${escapeHtml(opts.link)}" style="display:inline-block;background:#2f6f62;color:#fff;padding:10px 16px;border-radius:8px;text-decoration:none;font-weight:700">${
    refund ? 'View your refund receipt' : 'View your receipt'
  }</a></p>
<p style="color:#5b6b70;font-size:14px">${escapeHtml(linkLine)}<br><a href="${escapeHtml(opts.link)}">${escapeHtml(opts.link)}</a><br>This link works until ${escapeHtml(expires)}.${
    refund ? '' : ' The receipt page has the itemized statement an HSA/FSA administrator or insurer may ask for.'
  }</p>
<p style="color:#5b6b70;font-size:14px">${escapeHtml(contact)}</p>`);

  return { subject: receiptSubject(document), html, text };
};

// The balance invoice notice and its reminders ------------------------------------------------

/** What the balance emails say about the practice. */
export interface PracticeContact {
  name: string;
  email: string;
  phone?: string | null | undefined;
}

/**
 * The notice that insurance has processed the visit and a balance is due, with Stripe's hosted
 * invoice page (sent once per balance invoice, after Stripe finalized it).
 */
export const balanceInvoiceEmail = (
  practice: PracticeContact,
  client: { name: string },
  invoice: { amountDueCents: number; currency: string; dueAt: string | null; hostedInvoiceUrl: string | null },
): EmailContent => {
  const amount = formatMoney(invoice.amountDueCents, invoice.currency);
  const due = invoice.dueAt ? invoice.dueAt.slice(0, 10) : 'on receipt';
  return {
    subject: `Your balance with ${practice.name}`,
    text: `Hello ${client.name},\n\nYour insurer has processed your recent visit. The remaining balance with ${practice.name} is ${amount}, due ${due}.\n\nView and pay it securely: ${invoice.hostedInvoiceUrl}\n\nQuestions? Reply to ${practice.email}${practice.phone ? ` or call ${practice.phone}` : ''}.\n`,
    html: `<p>Hello ${escapeHtml(client.name)},</p><p>Your insurer has processed your recent visit. The remaining balance with ${escapeHtml(practice.name)} is <strong>${escapeHtml(amount)}</strong>, due ${escapeHtml(due)}.</p><p><a href="${escapeHtml(invoice.hostedInvoiceUrl)}">View and pay your balance</a></p><p>Questions? Reply to ${escapeHtml(practice.email)}${practice.phone ? ` or call ${escapeHtml(practice.phone)}` : ''}.</p>`,
  };
};

/** A reminder that an open balance is past due: what is still owed, and the hosted invoice page. */
export const balanceReminderEmail = (
  practice: { name: string },
  client: { name: string },
  invoice: { amountDueCents: number; amountPaidCents: number; currency: string; hostedInvoiceUrl: string | null },
): EmailContent => {
  const amount = formatMoney(invoice.amountDueCents - invoice.amountPaidCents, invoice.currency);
  return {
    subject: `Reminder: your balance with ${practice.name}`,
    text: `Hello ${client.name},\n\nA balance of ${amount} with ${practice.name} is past due. Pay it securely: ${invoice.hostedInvoiceUrl}\n`,
    html: `<p>Hello ${escapeHtml(client.name)},</p><p>A balance of <strong>${escapeHtml(amount)}</strong> with ${escapeHtml(practice.name)} is past due.</p><p><a href="${escapeHtml(invoice.hostedInvoiceUrl)}">Pay your balance</a></p>`,
  };
};
