/**
 * A write-off that lands while the balance invoicer is sending the same invoice (the lead's merge
 * review of 2026-12-07, from helper e3's note): staff write the balance off after Stripe made the
 * draft and its line but before the send recorded the line. The write-off deletes the draft (Stripe:
 * a draft is never payable; docs.stripe.com/api/invoices/delete) and commits the invoice `void`; the
 * send then must neither write its `draft` over that `void` nor fail on the draft Stripe no longer has
 * (it was retried into the dead-letter queue). Over the local stack, DynamoDB Local and the Stripe
 * emulator through the `stripe` SDK; the moment between two saga steps is reached with the saga's
 * step hook (`deps.after`).
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance, type InvoiceStep } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { getInvoice, listClaimInvoices } from '../../functions/store/invoices';
import { api } from '../support/api';
import { adjudicated, claimReady, emailsTo, store, stripeInvoicesFor } from '../support/invoicing';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

describe('a write-off while the balance invoice is being sent', () => {
  for (const step of ['line-answered', 'line'] as const) {
    it(`written off at "${step}": the send stops, the invoice stays written off, nothing on Stripe to pay, no email`, async () => {
      const ready = await claimReady();
      const { practiceId, clientId, email } = ready;
      let answer: { status: number; body: Record<string, unknown> } | undefined;
      const sent = await invoiceClaimBalance(
        {
          ...deps,
          after: async (at: InvoiceStep, invoiceId: string | null) => {
            if (at !== step || answer) return;
            answer = await api('POST', `/practices/${practiceId}/invoices/${invoiceId}/write-offs`, { practiceId, body: { reason: 'hardship' }, headers: { 'idempotency-key': `wo-${invoiceId}` } });
          },
        },
        adjudicated(practiceId).original,
      ).then(
        () => 'returned',
        (error: Error) => `failed: ${error.message}`,
      );
      expect(answer?.status).toBe(201);
      expect(sent).toBe('returned');

      const [invoice] = await listClaimInvoices(store, practiceId, 'CLM-1001');
      const stored = (await getInvoice(store, practiceId, invoice!.invoiceId))!;
      expect(stored.status).toBe('void');
      expect(stored.writeOff?.reason).toBe('hardship');
      const listed = (await api('GET', `/practices/${practiceId}/invoices?status=void`, { practiceId })).body.items as { invoiceId: string; status: string }[];
      expect(listed.map((item) => [item.invoiceId, item.status])).toEqual([[invoice!.invoiceId, 'written_off']]);
      // Nothing the client could pay: the draft deleted (or, had Stripe finalized it, voided).
      const onStripe = await stripeInvoicesFor(practiceId, clientId);
      expect(onStripe.filter((made) => made.status === 'open' || made.status === 'draft')).toEqual([]);
      expect(await emailsTo(email)).toEqual([]);

      // The send again (a redelivered event): nothing more.
      await invoiceClaimBalance(deps, adjudicated(practiceId).original);
      expect((await getInvoice(store, practiceId, invoice!.invoiceId))!.status).toBe('void');
      expect((await stripeInvoicesFor(practiceId, clientId)).filter((made) => made.status === 'open' || made.status === 'draft')).toEqual([]);
      expect(await emailsTo(email)).toEqual([]);
    });
  }
});
