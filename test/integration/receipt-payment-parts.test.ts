/**
 * The receipt of a balance invoice the practice charged in parts in its Stripe Dashboard (Stripe's
 * partial payments: POST /v1/invoices/:id/attach_payment, docs.stripe.com/api/invoices/attach_payment;
 * the invoice's payments from GET /v1/invoice_payments?invoice=…, each with its `amount_paid` and
 * `status_transitions.paid_at`, docs.stripe.com/api/invoice-payment/object). An HSA/FSA
 * administrator reads the receipt against the card statement (DOMAIN.md §5): a $34 receipt must
 * name the $4 and the $30 charges, each on its card, not "Visa ending in 4242" for the whole $34.
 * Found by the k2 audit of 2026-12-07 (docs/reliability.md, bugs 152–153).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { applyAdjudication } from '../../functions/core/remittances';
import { renderReceiptPage, formatDate } from '../../functions/shared/receipt-render';
import { renderReceiptPdf } from '../../functions/shared/receipt-pdf';
import { observeLogs } from '../../functions/shared/logger';
import { getStripe } from '../../functions/stripe/client';
import { getClaim } from '../../functions/store/claims';
import { getInvoice, listClaimInvoices } from '../../functions/store/invoices';
import { getReceipt } from '../../functions/store/receipts';
import { eventually } from '../support/eventually';
import { outboxOf } from '../support/fixtures';
import { adjudicated, claimReady, emulator, store } from '../support/invoicing';
import { busEvent, deliverToReceiptIssuer, pdfText } from '../support/receipts';
import { injectFaults, newAccount } from '../support/reliability';

/** The log lines of the stack's process (the local API and the bus), as test/setup/global.ts keeps them for its PHI scan. */
const stackLogLines = (): string[] => {
  const dir = process.env.KNEADPAY_TEST_LOG_DIR;
  if (!dir) return [];
  return readdirSync(dir)
    .filter((file) => file.startsWith('main-'))
    .flatMap((file) => readFileSync(join(dir, file), 'utf8').split('\n'))
    .filter(Boolean);
};

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

/** The worked example's $34 balance invoiced, then paid by two PaymentIntents attached to it: $4 on a Mastercard, then $30 on a Visa. */
const balancePaidInParts = async (opts: { beforePaying?: (account: string) => Promise<void> } = {}) => {
  const account = newAccount();
  const { practiceId } = await claimReady({ practice: { stripeAccountId: account } });
  const details = adjudicated(practiceId);
  await invoiceClaimBalance(deps, details.original);
  await opts.beforePaying?.(account);
  const [invoice] = await listClaimInvoices(store, practiceId, 'CLM-1001');
  const stripe = await getStripe();
  const onAccount = { stripeAccount: account };
  const intents: string[] = [];
  for (const [amount, card] of [
    [400, 'pm_card_mastercard'],
    [3000, 'pm_card_visa'],
  ] as const) {
    const intent = await stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: card, confirm: true }, onAccount);
    await stripe.invoices.attachPayment(invoice!.stripeInvoiceId!, { payment_intent: intent.id }, onAccount);
    intents.push(intent.id);
  }
  await eventually('the invoice paid by its webhook', async () => ((await getInvoice(store, practiceId, invoice!.invoiceId))?.status === 'paid' ? true : undefined), 20_000, 100);
  const succeeded = (await outboxOf(store, practiceId)).find((item) => item.detailType === 'PaymentSucceeded')!;
  return { account, practiceId, details, invoice: invoice!, intents, succeeded };
};

describe('the receipt of a balance invoice paid in parts', () => {
  it('a $34 balance charged $4 (Mastercard) then $30 (Visa): the receipt lists each payment, oldest first, summing to the $34 paid, on the page and in the PDF', async () => {
    // Prepare
    const { practiceId, succeeded } = await balancePaidInParts();
    expect(succeeded.detail).toMatchObject({ kind: 'invoice', amountCents: 3400 });

    // Act
    const issued = (await deliverToReceiptIssuer(busEvent('PaymentSucceeded', succeeded.detail, succeeded.eventId))) as { receiptId: string };

    // Assess: the document names both payments, oldest first, and they sum to what it says was paid.
    const receipt = (await getReceipt(store, practiceId, issued.receiptId))!;
    const document = receipt.document;
    expect(document.totalCents).toBe(3400);
    expect(document.payment.amountCents).toBe(3400);
    expect(document.payment.parts).toEqual([
      { amountCents: 400, at: expect.any(String), method: { type: 'card', brand: 'mastercard', last4: '4444' } },
      { amountCents: 3000, at: expect.any(String), method: { type: 'card', brand: 'visa', last4: '4242' } },
    ]);
    const parts = document.payment.parts!;
    expect(parts.reduce((sum, part) => sum + part.amountCents, 0)).toBe(document.totals!.paidNowCents);
    expect(Date.parse(parts[0]!.at)).toBeLessThanOrEqual(Date.parse(parts[1]!.at));
    const zone = document.practice.timezone;
    const lines = [`Mastercard ending in 4444: $4.00 on ${formatDate(parts[0]!.at, zone)}`, `Visa ending in 4242: $30.00 on ${formatDate(parts[1]!.at, zone)}`];
    // The page: one row per payment, not one card for the whole amount.
    const html = renderReceiptPage(document);
    expect(html).toContain('<dt>Payment 1 of 2</dt>');
    expect(html).toContain(`<dd>${lines[0]}</dd>`);
    expect(html).toContain('<dt>Payment 2 of 2</dt>');
    expect(html).toContain(`<dd>${lines[1]}</dd>`);
    expect(html).not.toContain('<dt>Payment method</dt>');
    // The PDF says the same.
    const text = await pdfText(await renderReceiptPdf(document));
    expect(text).toContain(`Payment 1 of 2 ${lines[0]}`);
    expect(text).toContain(`Payment 2 of 2 ${lines[1]}`);
    expect(text).toContain('Amount paid now $34.00');
  });

  it('corrected to $24, the $10 refunded as $4 + $6: each refund receipt names the card that refund went back to (the $4 the Mastercard, not the Visa)', async () => {
    // Prepare
    const { practiceId, details, succeeded, intents, account } = await balancePaidInParts();
    await deliverToReceiptIssuer(busEvent('PaymentSucceeded', succeeded.detail, succeeded.eventId));
    const claim = (await getClaim(store, practiceId, 'CLM-1001'))!;
    await applyAdjudication(store, claim, details.reversal, { remittanceId: null, emit: false }, new Date());
    await invoiceClaimBalance(deps, details.correction);
    const refunded = (await outboxOf(store, practiceId)).filter((item) => item.detailType === 'PaymentRefunded');
    expect(refunded.map((item) => item.detail.amountCents)).toEqual([400, 600]);
    const stripe = await getStripe();
    const onFirst = (await stripe.refunds.list({ payment_intent: intents[0]!, limit: 10 }, { stripeAccount: account })).data;
    expect(onFirst.map((refund) => refund.id)).toEqual([refunded[0]!.detail.refundId]);

    // Act
    const receipts = [];
    for (const item of refunded) {
      const result = (await deliverToReceiptIssuer(busEvent('PaymentRefunded', item.detail, item.eventId))) as { receiptId: string };
      receipts.push((await getReceipt(store, practiceId, result.receiptId))!);
    }

    // Assess: "Refunded to" is the card of the payment each refund was made on.
    expect(receipts.map((receipt) => [receipt.document.totalCents, receipt.document.payment.method])).toEqual([
      [400, { type: 'card', brand: 'mastercard', last4: '4444' }],
      [600, { type: 'card', brand: 'visa', last4: '4242' }],
    ]);
    expect(renderReceiptPage(receipts[0]!.document)).toContain('<dt>Refunded to</dt><dd>Mastercard ending in 4444</dd>');
  });

  it('both payments refunded in full by hand in the Dashboard ($4, then $30): the running total counts every payment of the invoice, so the second refund receipt says $34.00 of $34.00, refunded — not $30.00 of $34.00, partially', async () => {
    // Prepare
    const { practiceId, succeeded, intents, account } = await balancePaidInParts();
    await deliverToReceiptIssuer(busEvent('PaymentSucceeded', succeeded.detail, succeeded.eventId));
    const stripe = await getStripe();

    // Act: the practice refunds each payment in its Dashboard; Stripe sends charge.refunded for each.
    for (const intent of intents) {
      await stripe.refunds.create({ payment_intent: intent }, { stripeAccount: account });
      await emulator('/_deliveries/wait', { method: 'POST', body: { timeoutMs: 15_000 } });
    }
    const refunded = await eventually(
      'both refunds recorded',
      async () => {
        const items = (await outboxOf(store, practiceId)).filter((item) => item.detailType === 'PaymentRefunded');
        // In the order they were made, as their running totals grow (the outbox lists by event id).
        return items.length === 2 ? items.sort((a, b) => (a.detail.totalRefundedCents as number) - (b.detail.totalRefundedCents as number)) : undefined;
      },
      20_000,
      100,
    );
    const receipts = [];
    for (const item of refunded) {
      const result = (await deliverToReceiptIssuer(busEvent('PaymentRefunded', item.detail, item.eventId))) as { receiptId: string };
      receipts.push((await getReceipt(store, practiceId, result.receiptId))!.document);
    }

    // Assess
    expect(refunded.map((item) => [item.detail.amountCents, item.detail.totalRefundedCents])).toEqual([
      [400, 400],
      [3000, 3400],
    ]);
    expect(receipts.map((document) => [document.status, document.payment.method])).toEqual([
      ['partially_refunded', { type: 'card', brand: 'mastercard', last4: '4444' }],
      ['refunded', { type: 'card', brand: 'visa', last4: '4242' }],
    ]);
    expect(renderReceiptPage(receipts[1]!)).toContain('Total refunded on this payment</th><td class="num">$34.00 of $34.00</td>');
  });

  it('when Stripe cannot list the invoice payments, the receipt is still issued with one payment line, and the log says why (no PHI)', async () => {
    // Prepare: the invoice payments of the account cannot be listed at all (every attempt answers
    // 500), from before the invoice is paid: the bus issues the receipt as soon as the payment is
    // recorded, in the stack's process, or this test's delivery does, whichever comes first.
    const logged: string[] = [];
    const stop = observeLogs((line) => logged.push(line));
    let practiceId: string;
    let issued: { receiptId: string };
    try {
      ({ practiceId, issued } = await balancePaidInParts({
        beforePaying: (account) => injectFaults(account, [{ path: '/v1/invoice_payments', method: 'GET', type: 'status', status: 500, count: 100 }]),
      }).then(async (paid) => ({
        practiceId: paid.practiceId,
        // Act
        issued: (await deliverToReceiptIssuer(busEvent('PaymentSucceeded', paid.succeeded.detail, paid.succeeded.eventId))) as { receiptId: string },
      })));
    } finally {
      stop();
    }

    // Assess: today's single line (Stripe named no method either: "Online payment"), no parts, a warning.
    const document = (await getReceipt(store, practiceId, issued.receiptId))!.document;
    expect(document.payment).toMatchObject({ amountCents: 3400, method: { type: 'unknown' } });
    expect(document.payment.parts).toBeUndefined();
    expect(document.totals).toMatchObject({ paidNowCents: 3400, balanceDueCents: 0 });
    expect(renderReceiptPage(document)).toContain('<dt>Payment method</dt><dd>Online payment</dd>');
    const warning = [...logged, ...stackLogLines()].find((line) => line.includes('invoice payments unavailable') && line.includes(practiceId));
    expect(warning).toBeDefined();
    expect(warning).not.toContain('Jane');
  });
});
