import { DISPUTE_THRESHOLD_CENTS, type Estimate } from '../domain/estimate';
import { escapeHtml, formatMoney, page } from './html';
import { formatServiceDate } from './receipt-render';

/**
 * The Good Faith Estimate as a printable page, with every element 45 CFR §149.610(c) asks for:
 * the patient, the primary service and its date, the itemized services with their codes and
 * expected charges, the diagnosis codes, the provider (name, NPI, TIN, where), and the notices
 * (only an estimate, not a contract, more services may be needed, the right to dispute a bill
 * $400 or more above it, within 120 days, and that starting a dispute does not affect the care given).
 */
export const renderEstimatePage = (estimate: Estimate): string => {
  const e = escapeHtml;
  const money = (cents: number) => e(formatMoney(cents, estimate.currency));
  const p = estimate.provider;
  const address = p.address ? [p.address.line1, p.address.line2, `${p.address.city}, ${p.address.state} ${p.address.postalCode}`].filter(Boolean).map(e).join('<br>') : 'on file with the practice';
  const rows = estimate.lines
    .map(
      (line) =>
        `<tr><td>${e(line.description)}</td><td>${e(line.serviceCode)}</td><td>${e(estimate.diagnosisCodes.join(', ') || '—')}</td><td>${line.quantity}</td><td>${money(line.unitChargeCents)}</td><td>${money(line.totalCents)}</td></tr>`,
    )
    .join('');
  const body = `
<h1>Good Faith Estimate</h1>
<p class="muted">Estimate ${e(estimate.estimateId)} · given ${e(formatServiceDate(estimate.issuedAt.slice(0, 10)))}</p>

<section class="card"><h2>Patient</h2>
<p>${e(estimate.patient.name)}${estimate.patient.dateOfBirth ? ` · date of birth ${e(formatServiceDate(estimate.patient.dateOfBirth))}` : ''}</p></section>

<section class="card"><h2>Service</h2>
<p>${e(estimate.primaryService)}</p>
<p>${estimate.serviceDate ? `Scheduled for ${e(formatServiceDate(estimate.serviceDate))}` : 'Not scheduled yet (you asked for this estimate)'}${estimate.coversThrough ? `; this estimate covers the services through ${e(formatServiceDate(estimate.coversThrough))}` : ''}.</p></section>

<section class="card"><h2>Provider</h2>
<p>${e(p.name)}<br>${address}</p>
<p>NPI ${e(p.npi ?? 'not applicable')} · TIN ${e(p.taxId ?? 'not applicable')}${p.phone ? ` · ${e(p.phone)}` : ''} · ${e(p.email)}</p></section>

<section class="card"><h2>Expected charges</h2>
<table><thead><tr><th>Service</th><th>Service code</th><th>Diagnosis codes</th><th>Quantity</th><th>Each</th><th>Expected charge</th></tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr><th colspan="5">Total estimated charges</th><th>${money(estimate.totalCents)}</th></tr></tfoot></table>
<p class="muted">No other provider or facility is expected to furnish services for this care; no service here is expected to need separate scheduling with another provider.</p></section>

<section class="notice"><h2>Disclaimer</h2>
<p>This Good Faith Estimate shows the costs of items and services that are reasonably expected for your health care needs for an item or service. The estimate is based on information known at the time the estimate was created.</p>
<p>The Good Faith Estimate does not include any unknown or unexpected costs that may arise during treatment. You could be charged more if complications or special circumstances occur. There may be additional items or services recommended as part of your care that must be scheduled or requested separately and are not reflected in this estimate.</p>
<p>This Good Faith Estimate is not a contract and does not require you to obtain the items or services from any of the providers or facilities identified in it.</p></section>

<section class="notice"><h2>What if I am billed more than this Good Faith Estimate?</h2>
<p>You have the right to dispute the bill if you are billed for at least ${e(formatMoney(DISPUTE_THRESHOLD_CENTS, estimate.currency))} more than this estimate — that is, ${money(estimate.disputeThresholdCents)} or more in total from ${e(p.name)}.</p>
<p>You may contact the provider to let them know the billed charges are higher than the Good Faith Estimate, and ask them to update the bill to match it, to negotiate the bill, or whether there is financial assistance available. You may also start a dispute resolution process with the U.S. Department of Health and Human Services (HHS). If you choose to use it, you must start the dispute within 120 calendar days (about 4 months) of the date on the original bill. There is a $25 fee to use the dispute process; if the agency reviewing your dispute agrees with you, you will have to pay the price on this Good Faith Estimate, and if it disagrees with you and agrees with the provider, you will have to pay the higher amount.</p>
<p>Starting the dispute resolution process will not adversely affect the quality of the health care services ${e(p.name)} furnishes to you.</p>
<p>To learn more and get a form to start the process, go to www.cms.gov/nosurprises or call 1-800-985-3059. For questions or more information about your right to a Good Faith Estimate or the dispute process, visit www.cms.gov/nosurprises.</p>
<p><strong>Keep a copy of this Good Faith Estimate</strong> (print it, or save this page) in a safe place: you may need it if you are billed a higher amount.</p></section>
`;
  return page(`Good Faith Estimate — ${p.name}`, body);
};
