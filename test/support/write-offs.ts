/**
 * What the write-off tests share (test/integration/write-offs.test.ts, partial-write-offs.test.ts):
 * the worked example's balance invoiced, the route called, a correction to a higher share and the
 * audit items, on the test stack's parts.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import type { ClaimAdjudicatedDetail } from '../../functions/core/remittances';
import { getStripe } from '../../functions/stripe/client';
import { listClaimInvoices } from '../../functions/store/invoices';
import { practicePk } from '../../functions/store/keys';
import { api } from './api';
import { adjudicated, claimReady, store } from './invoicing';

/** The balance invoicer's dependencies as the tests call it in-process. */
export const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

/** The worked example's $34.00 share invoiced on Stripe (open, emailed), or held: below Stripe's minimum when `collectedCents` leaves less, `needs_email` `withoutEmail`. */
export const balance = async (over: { collectedCents?: number; withoutEmail?: boolean } = {}) => {
  const ready = await claimReady(over);
  await invoiceClaimBalance(deps, adjudicated(ready.practiceId).original);
  const [invoice] = await listClaimInvoices(store, ready.practiceId, 'CLM-1001');
  return { ...ready, invoice: invoice! };
};

export const writeOff = (practiceId: string, invoiceId: string, body: unknown, key?: string) =>
  api('POST', `/practices/${practiceId}/invoices/${invoiceId}/write-offs`, { practiceId, body, ...(key ? { headers: { 'idempotency-key': key } } : {}) });

/** A correction to a higher share: $50.00 of PR (line PRs $24 + $26), balanced. */
export const raisedTo5000 = (practiceId: string): ClaimAdjudicatedDetail => {
  const correction = structuredClone(adjudicated(practiceId).correction) as unknown as Record<string, any>;
  correction.payerClaimControlNumber = 'PAYER-79';
  correction.paidCents = 4000;
  correction.patientResponsibilityCents = 5000;
  correction.lines[0].paidCents = 1600;
  correction.lines[0].adjustments = [
    { group: 'CO', reason: '45', amountCents: 2000 },
    { group: 'PR', reason: '2', amountCents: 2400 },
  ];
  correction.lines[1].paidCents = 2400;
  correction.lines[1].adjustments = [
    { group: 'CO', reason: '45', amountCents: 2000 },
    { group: 'PR', reason: '1', amountCents: 2600 },
  ];
  return correction as unknown as ClaimAdjudicatedDetail;
};

export const auditItems = async (practiceId: string) =>
  (
    await store.doc.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
        ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':audit': 'AUDIT#' },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

/** A reversal of the $24.00 correction (PAYER-78, trace EFT125): the payer takes the corrected claim back. */
export const reversalOf24 = (practiceId: string): ClaimAdjudicatedDetail => {
  const { reversal, correction } = adjudicated(practiceId);
  return {
    ...reversal,
    payerClaimControlNumber: 'PAYER-78',
    remittance: { ...reversal.remittance, traceNumber: 'EFT125' },
    patientResponsibilityCents: -2400,
    lines: correction.lines.map((line: any) => ({
      ...line,
      chargeCents: -line.chargeCents,
      paidCents: -line.paidCents,
      allowedCents: -line.allowedCents,
      adjustments: line.adjustments.map((a: any) => ({ ...a, amountCents: -a.amountCents })),
    })),
    paidCents: -correction.paidCents,
  } as ClaimAdjudicatedDetail;
};
