import { inject } from 'vitest';
import type { ClaimAdjudicatedDetail } from '../../functions/core/remittances';
import { INVOICE_INNER_STEPS, INVOICE_STEPS, invoiceClaimBalance, type InvoiceStep, type InvoicingDeps } from '../../functions/core/invoicing';
import { createStripe } from '../../functions/stripe/client';
import { createStore } from '../../functions/store/table';
import { newId } from '../../functions/shared/ids';
import { listEmails } from '../../local/ses';
import { api, practiceProfile } from './api';
import { connectTestAccount, emulatorAdmin, enableChargesQuietly, waitForStripeStatus } from './connect';
import { newAccount } from './reliability';
import { newPracticeId } from './store';
import { eventually } from './eventually';
import { sharedEmulator } from './emulator-admin';
import { getInvoice, listClaimInvoices } from '../../functions/store/invoices';
import { pendingInvoice, type BalanceInvoice } from '../../functions/domain/invoice';
import { recordDeskPayment } from '../../functions/core/desk-payments';
import { getStripe } from '../../functions/stripe/client';

export const store = createStore();

/**
 * The steps a resume of a held balance invoice makes, to crash after each: the saga's recorded steps
 * but `plan` (a resume does not plan) and its inner ones but `adjudication-recorded` (not a resume's)
 * and `email-sent` (SES takes no idempotency key: a crash between its accepting and the record
 * resends after the send lease, as for every balance invoice — crashes.test.ts).
 */
export const RESUME_STEPS: InvoiceStep[] = [...INVOICE_STEPS.filter((step) => step !== 'plan'), ...INVOICE_INNER_STEPS.filter((step) => step !== 'adjudication-recorded' && step !== 'email-sent')];
export const stripe = await createStripe({ apiKey: process.env.STRIPE_SECRET_KEY ?? 'sk_test_emulator', apiBase: process.env.STRIPE_API_BASE });

/**
 * A practice, a client (unique email) and claim CLM-1001 as in the DOMAIN.md worked example. With
 * `withoutEmail` the client is registered without one; `email` is then the address a test may give later.
 */
/** The worked example's visit registered as a claim for the patient's balance (no claims out: a payer's name, not its id). */
export const registeredClaimBody = (claimId: string, clientId: string, over: Record<string, unknown> = {}) => ({
  claimId,
  clientId,
  payerName: 'ACME HEALTH',
  dateOfService: '2026-10-02',
  diagnosisCodes: ['M54.2'],
  lines: [
    { procedureCode: '97124', units: 2, chargeCents: 6000 },
    { procedureCode: '97140', units: 2, chargeCents: 7000 },
  ],
  ...over,
});

export const claimReady = async (over: { collectedCents?: number; practice?: Record<string, unknown>; withoutEmail?: boolean } = {}) => {
  const practiceId = newPracticeId();
  const { stripeAccountId, ...profile } = over.practice ?? {};
  await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile(profile) });
  if (typeof stripeAccountId === 'string') await connectTestAccount(store, practiceId, stripeAccountId);
  const email = `${newId('pt')}@client.example`;
  const client = over.withoutEmail
    ? await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { name: 'Jane Doe' }, headers: { 'idempotency-key': newId('k') } })
    : await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email, name: 'Jane Doe' } });
  if (client.status !== 201) throw new Error(`client not created: ${client.text}`);
  const claim = await api('POST', `/practices/${practiceId}/claims`, {
    practiceId,
    body: registeredClaimBody('CLM-1001', client.body.clientId, { collectedCents: over.collectedCents ?? 0 }),
  });
  if (claim.status !== 201) throw new Error(`claim not created: ${claim.text}`);
  return { practiceId, clientId: client.body.clientId as string, email };
};

const line = (code: string, charge: number, paid: number, allowed: number | null, adjustments: [string, string, number][]) => ({
  procedureCode: code,
  units: 2,
  chargeCents: charge,
  paidCents: paid,
  allowedCents: allowed,
  adjustments: adjustments.map(([group, reason, amountCents]) => ({ group, reason, amountCents })),
});

/** ClaimAdjudicated details (SPEC §4) for the worked example, its reversal and a correction to $24. */
export const adjudicated = (practiceId: string): Record<'original' | 'reversal' | 'correction', ClaimAdjudicatedDetail> => ({
  original: {
    version: 1,
    practiceId,
    claimId: 'CLM-1001',
    remittance: { traceNumber: 'EFT123', payerId: '1512345678', paidAt: '2026-10-20' },
    payerClaimControlNumber: 'PAYER-77',
    statusCode: '1',
    status: 'processed_primary',
    chargeCents: 13000,
    paidCents: 5600,
    patientResponsibilityCents: 3400,
    claimAdjustments: [],
    lines: [
      line('97124', 6000, 2600, 4000, [
        ['CO', '45', 2000],
        ['PR', '2', 1400],
      ]),
      line('97140', 7000, 3000, 5000, [
        ['CO', '45', 2000],
        ['PR', '1', 2000],
      ]),
    ],
  } as unknown as ClaimAdjudicatedDetail,
  reversal: {
    version: 1,
    practiceId,
    claimId: 'CLM-1001',
    remittance: { traceNumber: 'EFT124', payerId: '1512345678', paidAt: '2026-11-03' },
    payerClaimControlNumber: 'PAYER-77',
    statusCode: '22',
    status: 'reversal',
    chargeCents: -13000,
    paidCents: -5600,
    patientResponsibilityCents: -3400,
    claimAdjustments: [],
    lines: [
      line('97124', -6000, -2600, -4000, [
        ['CO', '45', -2000],
        ['PR', '2', -1400],
      ]),
      line('97140', -7000, -3000, -5000, [
        ['CO', '45', -2000],
        ['PR', '1', -2000],
      ]),
    ],
  } as unknown as ClaimAdjudicatedDetail,
  correction: {
    version: 1,
    practiceId,
    claimId: 'CLM-1001',
    remittance: { traceNumber: 'EFT124', payerId: '1512345678', paidAt: '2026-11-03' },
    payerClaimControlNumber: 'PAYER-78',
    statusCode: '1',
    status: 'processed_primary',
    chargeCents: 13000,
    paidCents: 6600,
    patientResponsibilityCents: 2400,
    claimAdjustments: [],
    lines: [
      line('97124', 6000, 3100, 4000, [
        ['CO', '45', 2000],
        ['PR', '2', 900],
      ]),
      line('97140', 7000, 3500, 5000, [
        ['CO', '45', 2000],
        ['PR', '1', 1500],
      ]),
    ],
  } as unknown as ClaimAdjudicatedDetail,
});

/**
 * A secondary payer's adjudication of the same visit (CLP02 2): $24 of the $34 the primary left
 * (OA-23 the primary's payment, impact of prior payer), $10 to the patient.
 */
export const adjudicatedBySecondary = (practiceId: string, claimId = 'CLM-1001'): ClaimAdjudicatedDetail => ({
  ...adjudicated(practiceId).original,
  claimId,
  remittance: { traceNumber: 'EFT900', payerId: '9999999999', paidAt: '2026-11-05' },
  payerClaimControlNumber: 'SEC-1',
  statusCode: '2',
  status: 'processed_secondary',
  chargeCents: 13000,
  paidCents: 2400,
  patientResponsibilityCents: 1000,
  claimAdjustments: [
    { group: 'OA', reason: '23', amountCents: 5600 },
    { group: 'CO', reason: '45', amountCents: 4000 },
    { group: 'PR', reason: '1', amountCents: 1000 },
  ],
  lines: [],
});

/**
 * The secondary payer's denial for a fixable reason with nothing for the patient (CLP02 4, CLP05 0;
 * OA-23 the primary's payment, CO-16 the rest): the `payer_denied` hold (decision 015 § 6).
 */
export const deniedBySecondaryWithoutPr = (practiceId: string, claimId = 'CLM-1001'): ClaimAdjudicatedDetail => ({
  ...adjudicatedBySecondary(practiceId, claimId),
  remittance: { traceNumber: 'EFT901', payerId: '9999999999', paidAt: '2026-11-05' },
  statusCode: '4',
  status: 'denied',
  paidCents: 0,
  patientResponsibilityCents: 0,
  claimAdjustments: [
    { group: 'OA', reason: '23', amountCents: 5600 },
    { group: 'CO', reason: '16', amountCents: 7400 },
  ],
});

export const emailsTo = async (email: string) => (await listEmails(inject('sesUrl'))).filter((mail) => JSON.stringify(mail).includes(email));

/**
 * The balance emails to a client — the invoice's ("Your balance with …") and its reminders — and
 * not the receipt of a desk payment, which the stack's bus sends a moment later (a test asserting
 * "no balance email" right after a desk payment would otherwise race that receipt).
 */
export const balanceEmailsTo = async (email: string) => (await emailsTo(email)).filter((mail) => /your balance with/i.test(mail.subject));

/** Stripe invoices of the practice's client, straight from the emulator (the count that matters). */
/** The client's Stripe invoices, on the platform or on the practice's connected `account`. */
export const stripeInvoicesFor = async (practiceId: string, clientId: string, account?: string) => {
  const all = [];
  for await (const invoice of stripe.invoices.list({ limit: 100 }, account ? { stripeAccount: account } : undefined)) {
    if (invoice.metadata?.practiceId === practiceId && invoice.metadata?.clientId === clientId) all.push(invoice);
  }
  return all;
};

export const emulator = (path: string, init: { method?: string; body?: unknown } = {}) => sharedEmulator(path, init);

/**
 * Pays a claim's (first) balance invoice on its hosted page, as the client would, and waits until
 * the emulator's `invoice.paid` webhook has marked it paid in the table. Answers the invoice.
 */
export const payClaimInvoice = async (practiceId: string, claimId = 'CLM-1001') => {
  const [invoice] = await listClaimInvoices(store, practiceId, claimId);
  if (!invoice?.hostedInvoiceUrl) throw new Error(`claim ${claimId} has no hosted balance invoice to pay`);
  const paid = await fetch(`${invoice.hostedInvoiceUrl}/pay`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ outcome: 'succeeded' }),
  });
  if (paid.status !== 200) throw new Error(`the hosted invoice page answered ${paid.status}`);
  await eventually('the invoice paid by its webhook', async () => ((await getInvoice(store, practiceId, invoice.invoiceId))?.status === 'paid' ? true : undefined), 20_000, 100);
  return invoice;
};

/**
 * A balance held as `awaiting_stripe` on a restricted connected account; then Stripe enables charges
 * and kneadpay records it without its StripeAccountUpdated (`enableChargesQuietly`): the test
 * delivers the event, or leaves it lost.
 */
export const heldThenChargesBack = async (deps: InvoicingDeps) => {
  const accountId = newAccount();
  const ready = await claimReady({ practice: { stripeAccountId: accountId } });
  await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: false, currently_due: ['external_account'] });
  await waitForStripeStatus(ready.practiceId, (s) => s.status === 'restricted');
  await invoiceClaimBalance(deps, adjudicated(ready.practiceId).original);
  await enableChargesQuietly(store, ready.practiceId, accountId);
  return { ...ready, accountId };
};

export type HeldDraftHow = 'off after line' | 'off after create, then a crash';

/**
 * A practice whose balance invoice is held as `awaiting_stripe` with its Stripe draft made: charges
 * turn off at `step` of the first send. `off after line`: a draft with its line (the saga's own
 * check before the finalize); `off after create, then a crash`: the crashed send's retry holds the
 * draft before its line (status `pending` with a Stripe id). The account stays restricted.
 */
export const heldDraftOnStripe = async (deps: InvoicingDeps, how: HeldDraftHow) => {
  const accountId = newAccount();
  const ready = await claimReady({ practice: { stripeAccountId: accountId } });
  const { practiceId } = ready;
  const turnOff = async () => {
    await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: false, currently_due: ['external_account'] });
    await waitForStripeStatus(practiceId, (s) => s.status === 'restricted');
  };
  if (how === 'off after line') {
    await invoiceClaimBalance({ ...deps, after: async (at: InvoiceStep) => (at === 'line' ? turnOff() : undefined) }, adjudicated(practiceId).original);
  } else {
    const crashed = await invoiceClaimBalance(
      {
        ...deps,
        after: async (at: InvoiceStep) => {
          if (at !== 'create') return;
          await turnOff();
          throw new Error('crash after the create');
        },
      },
      adjudicated(practiceId).original,
    ).then(
      () => 'returned',
      (error: Error) => error.message,
    );
    if (crashed !== 'crash after the create') throw new Error(`the first send should have crashed after the create: ${crashed}`);
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
  }
  const [invoice] = await listClaimInvoices(store, practiceId, 'CLM-1001');
  return { ...ready, accountId, invoice: invoice! };
};

/**
 * A pending balance invoice record of the worked example's $34.00 (claim CLM-1001), as the balance
 * invoicer plans one, with `over` on top (a hold's flag, a request): for tests that write it straight
 * into a table of their own (`newInvoiceWrite`), where the plan does not run.
 */
export const pendingInvoiceRecord = (practiceId: string, clientId: string, over: Partial<BalanceInvoice> = {}): BalanceInvoice => ({
  ...pendingInvoice({ invoiceId: newId('inv'), practiceId, claimId: 'CLM-1001', clientId, currency: 'usd' }, 1, 3400, new Date()),
  ...over,
});

/**
 * A desk payment of a held Stripe draft ($34.00 cash) whose request dies once Stripe deleted the
 * draft, before kneadpay recorded the payment: answers the crash's message ('returned' if it did not die).
 */
export const deskPaymentDiesAfterDelete = (practiceId: string, invoiceId: string, key: string, asked = new Date()) =>
  recordDeskPayment(store, practiceId, invoiceId, { method: 'cash', amountCents: 3400 }, key, asked, undefined, {
    stripe: getStripe,
    after: (at) => {
      if (at === 'stripe-deleted') throw new Error('crash after the delete');
    },
  }).then(
    () => 'returned',
    (error: Error) => error.message,
  );
