import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { sendReminders, reminderDue } from '../../functions/invoice-reminder';
import { getStripe } from '../../functions/stripe/client';
import { getInvoice, listClaimInvoices } from '../../functions/store/invoices';
import { ledgerState, outboxOf } from '../support/fixtures';
import { adjudicated, claimReady, emailsTo, emulator, store } from '../support/invoicing';
import { deliver, stripeEvent } from '../support/stripe-events';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

const permutations = <T>(items: T[]): T[][] => (items.length <= 1 ? [items] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest])));

const invoiced = async () => {
  const ready = await claimReady();
  await invoiceClaimBalance(deps, adjudicated(ready.practiceId).original);
  const [invoice] = await listClaimInvoices(store, ready.practiceId, 'CLM-1001');
  return { ...ready, invoice: invoice! };
};

const stripeInvoiceObject = (practiceId: string, clientId: string, invoiceId: string, stripeInvoiceId: string, status: string, paid = 0) => ({
  id: stripeInvoiceId,
  object: 'invoice',
  status,
  amount_due: 3400,
  amount_paid: paid,
  currency: 'usd',
  hosted_invoice_url: `http://emulator/invoice/${stripeInvoiceId}`,
  metadata: { practiceId, clientId, invoiceId },
});

describe('invoice webhooks: order-independent state', () => {
  // 4 events → 12 distinct orders of {failed, failed, failed, paid} (the failures are distinct events).
  const orders = [...new Set(permutations(['f1', 'f2', 'f3', 'paid']).map((order) => order.map((e) => (e === 'paid' ? 'paid' : 'f')).join(',')))];
  it.each(orders)('payment_failed ×3 and paid in order %s → paid once, three failures recorded', async (orderKey) => {
    // Prepare
    const { practiceId, clientId, invoice } = await invoiced();
    const object = (status: string, paid = 0) => stripeInvoiceObject(practiceId, clientId, invoice.invoiceId, invoice.stripeInvoiceId!, status, paid);
    let failures = 0;
    const events = orderKey
      .split(',')
      .map((kind) =>
        kind === 'paid' ? stripeEvent('invoice.paid', object('paid', 3400)) : stripeEvent('invoice.payment_failed', object('open'), { id: `evt_fail_${(failures += 1)}_${invoice.invoiceId}` }),
      );

    // Act
    for (const event of [...events, ...events]) expect((await deliver(event)).statusCode).toBe(200);

    // Assess
    const stored = await getInvoice(store, practiceId, invoice.invoiceId);
    expect(stored).toMatchObject({ status: 'paid', amountPaidCents: 3400 });
    expect(stored!.paymentFailures).toHaveLength(3);
    expect((await outboxOf(store, practiceId)).filter((item) => item.detailType === 'PaymentSucceeded')).toHaveLength(1);
    const ledger = await ledgerState(store, practiceId, clientId);
    expect(ledger.balanceCents).toBe(0);
    expect(ledger.sumCents).toBe(0);
  });

  it('a late invoice.finalized after invoice.paid changes nothing', async () => {
    const { practiceId, clientId, invoice } = await invoiced();
    await deliver(stripeEvent('invoice.paid', stripeInvoiceObject(practiceId, clientId, invoice.invoiceId, invoice.stripeInvoiceId!, 'paid', 3400)));
    const late = await deliver(stripeEvent('invoice.finalized', stripeInvoiceObject(practiceId, clientId, invoice.invoiceId, invoice.stripeInvoiceId!, 'open')));
    expect(late.headers?.['x-kneadpay-outcome']).toBe('ignored');
    expect((await getInvoice(store, practiceId, invoice.invoiceId))!.status).toBe('paid');
  });

  it('paying on the hosted invoice page: the emulator signs invoice.paid, the local API applies it', async () => {
    // Prepare
    const { practiceId, invoice } = await invoiced();

    // Act: the client clicks Pay on the hosted page; the emulator delivers the webhooks to the stack.
    const paid = await fetch(`${invoice.hostedInvoiceUrl}/pay`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'outcome=succeeded', redirect: 'manual' });
    await emulator('/_deliveries/wait', { method: 'POST', body: { timeoutMs: 10_000 } });

    // Assess
    expect(paid.status).toBeLessThan(400);
    expect(await getInvoice(store, practiceId, invoice.invoiceId)).toMatchObject({ status: 'paid', amountPaidCents: 3400 });
  });

  it('reminders go out 7 and 14 days after due, once each, and stop when paid', async () => {
    // Prepare
    const { practiceId, email, invoice } = await invoiced();
    const due = Date.parse(invoice.dueAt!);
    const day = 86_400_000;

    // Act
    const before = reminderDue(invoice, [7, 14], new Date(due + 6 * day));
    await sendReminders(store, new Date(due + 8 * day), [practiceId]);
    await sendReminders(store, new Date(due + 9 * day), [practiceId]);
    await sendReminders(store, new Date(due + 15 * day), [practiceId]);
    const afterPaid = await getInvoice(store, practiceId, invoice.invoiceId);

    // Assess
    expect(before).toBeUndefined();
    const reminders = (await emailsTo(email)).filter((mail) => JSON.stringify(mail).includes('Reminder'));
    expect(reminders).toHaveLength(2);
    expect(afterPaid!.remindersSent).toEqual([7, 14]);
    expect(reminderDue({ ...afterPaid!, status: 'paid' }, [7, 14], new Date(due + 30 * day))).toBeUndefined();
  });
});

describe('overpayment after a paid invoice', () => {
  const payOnHostedPage = async (hostedInvoiceUrl: string) => {
    await fetch(`${hostedInvoiceUrl}/pay`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'outcome=succeeded', redirect: 'manual' });
    await emulator('/_deliveries/wait', { method: 'POST', body: { timeoutMs: 10_000 } });
  };

  it.each([
    ['refund', 1, 0],
    ['credit', 0, -3400],
  ])('a reversal after the client paid: policy %s → %i Stripe refund(s), client balance %i', async (policy, refunds, balance) => {
    // Prepare: invoiced and paid on the hosted page.
    const ready = await claimReady({ practice: { billing: { overpayment: policy } } });
    await invoiceClaimBalance(deps, adjudicated(ready.practiceId).original);
    const [invoice] = await listClaimInvoices(store, ready.practiceId, 'CLM-1001');
    await payOnHostedPage(invoice!.hostedInvoiceUrl!);
    const paid = await getInvoice(store, ready.practiceId, invoice!.invoiceId);

    // Act: the payer reverses the claim; the patient owes nothing now.
    await invoiceClaimBalance(deps, adjudicated(ready.practiceId).reversal);

    // Assess
    expect(paid).toMatchObject({ status: 'paid', amountPaidCents: 3400 });
    const stripe = await getStripe();
    const [payment] = (await stripe.invoicePayments.list({ invoice: paid!.stripeInvoiceId!, limit: 1 })).data;
    const paymentIntent = payment!.payment.payment_intent as string;
    const stripeRefunds = await stripe.refunds.list({ payment_intent: paymentIntent, limit: 10 });
    expect(stripeRefunds.data.map((refund) => refund.amount)).toEqual(refunds ? [3400] : []);
    const ledger = await ledgerState(store, ready.practiceId, ready.clientId);
    expect(ledger.balanceCents).toBe(balance);
    expect(ledger.sumCents).toBe(balance);
    expect((await outboxOf(store, ready.practiceId)).filter((item) => item.detailType === 'PatientBalanceAdjusted')).toHaveLength(1);
  });
});
