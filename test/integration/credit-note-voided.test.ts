/**
 * A partial write-off's credit note voided on Stripe (Stripe's API reference, "Void a credit note":
 * a pre-payment credit note can be voided while its invoice is open, and the invoice then asks its
 * amount again — `amount_due` / `amount_remaining` back up). kneadpay follows it back: the write-off
 * is reversed once (the invoice asks the amount again, a reversing `balance_writeoff` entry, an
 * audit item), so a client who then pays what the hosted page asks is not refunded the difference
 * by the next balance plan. On the real parts: the local stack, DynamoDB Local, the Stripe emulator
 * through the `stripe` SDK, its `credit_note.voided` delivered signed to the webhook.
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { getInvoice } from '../../functions/store/invoices';
import { api } from '../support/api';
import { ledgerState } from '../support/fixtures';
import { adjudicated, emulator, payClaimInvoice, store, stripe } from '../support/invoicing';
import { deliver } from '../support/stripe-events';
import { auditItems, balance, deps, writeOff } from '../support/write-offs';

const settled = () => emulator('/_deliveries/wait', { method: 'POST', body: { timeoutMs: 15_000 } });

const writeOffEntries = async (practiceId: string, clientId: string) =>
  (await ledgerState(store, practiceId, clientId)).entries.filter((entry) => entry.kind === 'balance_writeoff').map((entry) => entry.amountCents);

describe('a partial write-off’s credit note voided on Stripe', () => {
  it('$10.00 of $34.00 written off, its credit note voided in the Dashboard: the invoice asks $34.00 again, the write-off reversed once; the client pays $34.00 and the next plan refunds nothing', async () => {
    // Prepare: $10.00 written off through kneadpay (a pre-payment credit note on Stripe)
    const open = await balance();
    const written = await writeOff(open.practiceId, open.invoice.invoiceId, { reason: 'courtesy', amountCents: 1000 }, 'void-1');
    expect([written.status, written.body.amountRemainingCents]).toEqual([201, 2400]);

    // Act: the practice voids that credit note in its Stripe Dashboard; Stripe sends credit_note.voided (then again)
    await stripe.creditNotes.voidCreditNote(written.body.creditNoteId);
    await settled();
    const onStripe = await stripe.invoices.retrieve(open.invoice.stripeInvoiceId!);
    const event = (await stripe.events.list({ type: 'credit_note.voided', limit: 100 })).data.find((candidate) => (candidate.data.object as { id?: string }).id === written.body.creditNoteId)!;
    const again = await deliver({ ...event, id: `${event.id}_again` });

    // Assess: kneadpay asks what Stripe asks; the write-off is reversed, once
    expect(onStripe).toMatchObject({ status: 'open', amount_due: 3400, amount_remaining: 3400 });
    expect(await getInvoice(store, open.practiceId, open.invoice.invoiceId)).toMatchObject({
      amountDueCents: 3400,
      partialWriteOffs: [expect.objectContaining({ writeOffId: written.body.writeOffId, amountCents: 1000, voidedAt: expect.any(String) })],
    });
    expect([again.statusCode, again.headers?.['x-kneadpay-outcome']]).toEqual([200, 'ignored']);
    expect((await writeOffEntries(open.practiceId, open.clientId)).sort((a, b) => a - b)).toEqual([-1000, 1000]);
    expect(await auditItems(open.practiceId)).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'balance-write-off-reversed', auditId: written.body.writeOffId, amountCents: 1000, invoiceId: open.invoice.invoiceId })]),
    );
    const listed = await api('GET', `/practices/${open.practiceId}/invoices`, { practiceId: open.practiceId });
    expect(listed.body.items).toEqual([expect.objectContaining({ invoiceId: open.invoice.invoiceId, amountDueCents: 3400, amountWrittenOffCents: 0 })]);

    // Act: the client pays what the hosted page asks ($34.00); the balance is planned again
    await payClaimInvoice(open.practiceId);
    const replanned = await invoiceClaimBalance(deps, adjudicated(open.practiceId).original);

    // Assess: paid in full, nothing refunded, the ledger at zero for this balance
    expect(await getInvoice(store, open.practiceId, open.invoice.invoiceId)).toMatchObject({ status: 'paid', amountDueCents: 3400, amountPaidCents: 3400 });
    expect(replanned.actions).toEqual([]);
    const ledger = await ledgerState(store, open.practiceId, open.clientId);
    expect(ledger.balanceCents).toBe(ledger.sumCents);
    expect(ledger.balanceCents).toBe(0);
  });

  it('a credit note the practice made in its Dashboard (recorded as a partial write-off by stripe-dashboard), then voided there: reversed once, the invoice asks $34.00 again', async () => {
    // Prepare
    const open = await balance();
    const own = await stripe.creditNotes.create({ invoice: open.invoice.stripeInvoiceId!, amount: 500 });
    await settled();
    expect(await getInvoice(store, open.practiceId, open.invoice.invoiceId)).toMatchObject({ amountDueCents: 2900, partialWriteOffs: [expect.objectContaining({ creditNoteId: own.id })] });

    // Act
    await stripe.creditNotes.voidCreditNote(own.id);
    await settled();

    // Assess
    expect(await getInvoice(store, open.practiceId, open.invoice.invoiceId)).toMatchObject({
      amountDueCents: 3400,
      partialWriteOffs: [expect.objectContaining({ creditNoteId: own.id, amountCents: 500, writtenOffBy: 'stripe-dashboard', voidedAt: expect.any(String) })],
    });
    expect((await writeOffEntries(open.practiceId, open.clientId)).sort((a, b) => a - b)).toEqual([-500, 500]);
    const ledger = await ledgerState(store, open.practiceId, open.clientId);
    expect(ledger.balanceCents).toBe(ledger.sumCents);
  });
});
