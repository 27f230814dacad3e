/**
 * The write-off and the balance email (audit f3, 2026-12-07): staff write a balance off in the
 * instant the balance invoicer finalizes and emails it. The client must not be emailed an invoice
 * staff wrote off, the write-off must not be lost or overwritten, and the send must end (not fail
 * into the dead-letter queue). Over the local stack (the write-off through its HTTP route), DynamoDB
 * Local, the Stripe emulator through the `stripe` SDK and the local SES.
 *
 * The interleavings are reached with the saga's step hook (`deps.after`): the write-off runs to its
 * answer inside the hook, then the saga goes on from the read it made before. No real part can
 * schedule a request inside another one's few milliseconds; the hook does it deterministically
 * (no sleep race). The one moment without a hook — the email's lease taken, SES not yet called —
 * is held by taking that lease with the saga's own store call (`takeInvoiceEmailLease`), as a
 * sender between its lease and its send (or one that died there) holds it.
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance, type InvoiceStep } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { getInvoice, listClaimInvoices, recordInvoiceProgress, takeInvoiceEmailLease } from '../../functions/store/invoices';
import { api } from '../support/api';
import { outboxOf } from '../support/fixtures';
import { adjudicated, balanceEmailsTo, claimReady, store, stripeInvoicesFor } from '../support/invoicing';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };
const writeOff = (practiceId: string, invoiceId: string, key: string) =>
  api('POST', `/practices/${practiceId}/invoices/${invoiceId}/write-offs`, { practiceId, body: { reason: 'hardship' }, headers: { 'idempotency-key': key } });
const claimView = async (practiceId: string) => (await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId })).body;
const eventsOf = async (practiceId: string, detailType: string) => (await outboxOf(store, practiceId)).filter((item) => item.detailType === detailType);

describe('a write-off in the instant the balance invoice is finalized and emailed', () => {
  // finalize-answered: Stripe finalized it, kneadpay has not recorded `open`; finalize: recorded
  // `open`, not yet issued; issued: PatientBalanceInvoiced committed, the email's lease not yet taken.
  it.each(['finalize-answered', 'finalize', 'issued'] as const)(
    'written off at "%s": the send ends without an email, the invoice stays written off (void on Stripe), the claim says written_off',
    async (step) => {
      // Prepare
      const { practiceId, clientId, email } = await claimReady();
      let answer: Awaited<ReturnType<typeof writeOff>> | undefined;
      const racing = {
        ...deps,
        after: async (at: InvoiceStep, invoiceId: string | null) => {
          if (at === step && invoiceId && !answer) answer = await writeOff(practiceId, invoiceId, `wo-${invoiceId}`);
        },
      };

      // Act: the send with the write-off inside it, then the bus's redelivery of the same event.
      const sent = await invoiceClaimBalance(racing, adjudicated(practiceId).original).then(
        () => 'returned',
        (error: Error) => `${error.name}: ${error.message}`,
      );
      const again = await invoiceClaimBalance(deps, adjudicated(practiceId).original).then(
        () => 'returned',
        (error: Error) => `${error.name}: ${error.message}`,
      );

      // Assess
      expect(answer?.status, answer?.text).toBe(201);
      expect([sent, again]).toEqual(['returned', 'returned']);
      const [invoice] = await listClaimInvoices(store, practiceId, 'CLM-1001');
      expect(invoice).toMatchObject({ status: 'void', emailedAt: null, writeOff: expect.objectContaining({ reason: 'hardship', amountCents: 3400 }) });
      expect((await stripeInvoicesFor(practiceId, clientId)).map((made) => made.status)).toEqual(['void']);
      expect(await balanceEmailsTo(email)).toEqual([]);
      expect(await claimView(practiceId)).toMatchObject({ state: 'closed', invoice: { status: 'written_off' } });
      expect(await eventsOf(practiceId, 'PatientBalanceWrittenOff')).toHaveLength(1);
      const listed = (await api('GET', `/practices/${practiceId}/invoices`, { practiceId })).body.items as { status: string }[];
      expect(listed.map((item) => item.status)).toEqual(['written_off']);
    },
  );

  it('the email being sent (its lease held): the write-off waits its turn — 503 retry_later, nothing written — and once the email is recorded it is written off', async () => {
    // Prepare: the invoice finalized; a sender holds the email's lease and has not recorded the email yet.
    const { practiceId } = await claimReady();
    await invoiceClaimBalance(
      { ...deps, after: async (at: InvoiceStep) => (at === 'finalize' ? Promise.reject(new Error('stopped before the email')) : undefined) },
      adjudicated(practiceId).original,
    ).catch(() => undefined);
    const [finalized] = await listClaimInvoices(store, practiceId, 'CLM-1001');
    expect(finalized).toMatchObject({ status: 'open', emailedAt: null });
    expect(await takeInvoiceEmailLease(store, finalized!, new Date())).toBe(true);
    const leased = await getInvoice(store, practiceId, finalized!.invoiceId);

    // Act
    const during = await writeOff(practiceId, finalized!.invoiceId, 'wo-during');
    const between = await getInvoice(store, practiceId, finalized!.invoiceId);
    await recordInvoiceProgress(store, between!, { emailedAt: new Date().toISOString() });
    const after = await writeOff(practiceId, finalized!.invoiceId, 'wo-during');

    // Assess
    expect(during.status, during.text).toBe(503);
    expect(during.body.error).toMatchObject({ code: 'retry_later' });
    expect(during.body.error.message).toMatch(/being emailed/);
    expect(between).toMatchObject({ status: 'open', version: leased!.version });
    expect(between?.writeOffRequest).toBeUndefined();
    expect(after.status, after.text).toBe(201);
    expect(await getInvoice(store, practiceId, finalized!.invoiceId)).toMatchObject({ status: 'void', writeOff: expect.objectContaining({ reason: 'hardship' }) });
  });
});
