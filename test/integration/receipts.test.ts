import { describe, expect, it } from 'vitest';
import { defaultReceiptDeps, handleReceiptEvent } from '../../functions/core/receipts';
import { getStripe } from '../../functions/stripe/client';
import { newId } from '../../functions/shared/ids';
import { createStore } from '../../functions/store/table';
import { findOrCreateClient } from '../../functions/store/clients';
import { checkoutSession, outboxOf, seedOpenPurchase, seedPackage, seedPractice } from '../support/fixtures';
import {
  apiEvent,
  balancePaid,
  busEvent,
  callReceiptsRoute,
  deliverToReceiptIssuer,
  listReceiptsFor,
  openReceipt,
  paidIntent,
  practiceWithAdjudicatedClaim,
  receiptEmailsTo,
  receiptLinkIn,
  tokenOf,
} from '../support/receipts';
import { newPracticeId } from '../support/store';
import { deliver, stripeEvent } from '../support/stripe-events';

const store = createStore();

/** Clinical detail that must never be in a subject, nor in a link-mode body (DOMAIN.md §6). */
const CLINICAL = ['97124', '97140', 'M54.2', 'ACME', 'CLM-1001', 'GP'];
/** The signed receipt link is random base64url and may spell `GP` by chance: read the email without it. */
const withoutLinks = (text: string) => text.replace(/\/r\/[\w-]+\.[\w-]+/g, '/r/<link>');

/** A practice selling a 5-session package, and a client who paid for it by card on the emulator. */
const paidPackage = async (opts: { mode?: 'link' | 'full' } = {}) => {
  const practiceId = newPracticeId();
  await seedPractice(store, practiceId, { receipts: { mode: opts.mode ?? 'link' } });
  await seedPackage(store, practiceId);
  const email = `${newId('jane')}@client.example`;
  const purchase = await seedOpenPurchase(store, practiceId, { email });
  const intent = await paidIntent(42500);
  await deliver(stripeEvent('checkout.session.completed', checkoutSession(purchase, { payment_intent: intent.id })));
  const succeeded = (await outboxOf(store, practiceId)).find((item) => item.detailType === 'PaymentSucceeded')!;
  return { practiceId, purchase, email, intent, event: busEvent('PaymentSucceeded', succeeded.detail, succeeded.eventId) };
};

describe('receipt issuer: one receipt and one email per payment', () => {
  it('a package sale delivered twice at once and once more later → one receipt, one email with the secure link', async () => {
    // Prepare
    const { practiceId, email, event } = await paidPackage();

    // Act
    const [first, second] = await Promise.all([deliverToReceiptIssuer(event), deliverToReceiptIssuer(event)]);
    const third = await deliverToReceiptIssuer(event);
    const list = await listReceiptsFor(practiceId);

    // Assess
    // Once the bus routes PaymentSucceeded here too, it may have issued the receipt first: at most one run issues.
    const outcomes = [first, second, third].map((result) => (result as { outcome: string }).outcome);
    expect(outcomes.filter((outcome) => outcome === 'issued').length).toBeLessThanOrEqual(1);
    expect(new Set([first, second, third].map((result) => (result as { receiptId: string }).receiptId)).size).toBe(1);
    const emails = await receiptEmailsTo(email);
    expect(emails).toHaveLength(1);
    expect(emails[0]!.subject).toBe('Your receipt from Harbor Bodywork');
    const text = emails[0]!.body.text ?? '';
    expect(text).toContain('$425.00');
    expect(text).toContain('R-000001');
    for (const detail of CLINICAL) expect(withoutLinks(`${emails[0]!.subject}\n${text}\n${emails[0]!.body.html}`)).not.toContain(detail);
    expect(list.statusCode).toBe(200);
    expect(list.json.items).toEqual([expect.objectContaining({ number: 'R-000001', kind: 'package', totalCents: 42500, emailStatus: 'sent', url: expect.stringMatching(/\/r\/[\w-]+\.[\w-]+$/) })]);
    const page = await openReceipt(tokenOf(receiptLinkIn(text)));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Five 60-minute massages');
    expect(page.body).toContain('5 sessions bought, 0 used, 5 remaining (next visit: 1 of 5)');
    expect(page.body).toContain('Visa ending in 4242');
    expect(page.body).toContain('97124');
  });

  it('a balance payment in link mode: the email has practice, date, amount and the /r/ link, and nothing clinical', async () => {
    // Prepare
    const { practiceId, clientId, email } = await practiceWithAdjudicatedClaim({ mode: 'link' });
    const intent = await paidIntent(3400);

    // Act
    await deliverToReceiptIssuer(balancePaid(practiceId, clientId, intent.id));

    // Assess
    const [receiptEmail, ...others] = await receiptEmailsTo(email);
    expect(others).toEqual([]);
    expect(receiptEmail!.subject).toBe('Your receipt from Harbor Bodywork');
    const text = receiptEmail!.body.text ?? '';
    expect(text).toContain('Harbor Bodywork');
    expect(text).toContain('$34.00');
    expect(text).toContain('October 21, 2026');
    expect(text).toMatch(/\/r\/[\w-]+\.[\w-]+/);
    for (const detail of CLINICAL) {
      expect(receiptEmail!.subject).not.toContain(detail);
      expect(withoutLinks(text)).not.toContain(detail);
      expect(withoutLinks(receiptEmail!.body.html ?? '')).not.toContain(detail);
    }
    expect(withoutLinks(text)).not.toMatch(/diagnos|ICD|CPT|insurer paid/i);
  });

  it('a balance payment in full mode: the email itemizes codes, units and amounts; the subject stays clean', async () => {
    // Prepare
    const { practiceId, clientId, email } = await practiceWithAdjudicatedClaim({ mode: 'full' });
    const intent = await paidIntent(3400);

    // Act
    await deliverToReceiptIssuer(balancePaid(practiceId, clientId, intent.id));

    // Assess
    const [receiptEmail] = await receiptEmailsTo(email);
    expect(receiptEmail!.subject).toBe('Your receipt from Harbor Bodywork');
    for (const detail of CLINICAL) expect(receiptEmail!.subject).not.toContain(detail);
    const text = receiptEmail!.body.text ?? '';
    expect(text).toContain('CPT 97124 (GP) × 2: charged $60.00, insurer paid $26.00, patient portion $14.00');
    expect(text).toContain('CPT 97140 × 2: charged $70.00, insurer paid $30.00, patient portion $20.00');
    expect(text).toContain('Diagnosis (ICD-10): M54.2');
    expect(text).toContain('Place of service: 11 (Office)');
    expect(text).toMatch(/Amount charged:\s+\$130\.00/);
    expect(text).toMatch(/Insurer paid:\s+\$56\.00/);
    expect(text).toMatch(/Patient portion:\s+\$34\.00/);
    expect(text).toMatch(/Amount paid now:\s+\$34\.00/);
    expect(text).toContain('Paid in full');
    expect(text).toMatch(/\/r\/[\w-]+\.[\w-]+/);
    expect(receiptEmail!.body.html).toContain('97124');
    // The insurer's name is not itemization: it stays on the page, out of email.
    expect(text).not.toContain('ACME');
  });

  it('a refund gets its own receipt showing what was refunded, the card it went back to and the original receipt', async () => {
    // Prepare
    const { practiceId, purchase, email, intent, event } = await paidPackage();
    await deliverToReceiptIssuer(event);
    const refund = { id: `re_${purchase.purchaseId}`, object: 'refund', amount: 10000, status: 'succeeded', created: Math.floor(Date.now() / 1000) };
    await deliver(
      stripeEvent('charge.refunded', {
        id: `ch_${purchase.purchaseId}`,
        object: 'charge',
        amount: 42500,
        amount_refunded: 10000,
        payment_intent: intent.id,
        refunds: { object: 'list', data: [refund], has_more: false },
      }),
    );
    const refunded = (await outboxOf(store, practiceId)).find((item) => item.detailType === 'PaymentRefunded')!;

    // Act
    const result = await deliverToReceiptIssuer(busEvent('PaymentRefunded', refunded.detail, refunded.eventId));
    const again = await deliverToReceiptIssuer(busEvent('PaymentRefunded', refunded.detail, refunded.eventId));

    // Assess
    expect(result).toMatchObject({ number: 'R-000002', kind: 'refund' });
    expect(again).toMatchObject({ outcome: 'duplicate', number: 'R-000002' });
    const refundEmails = (await receiptEmailsTo(email)).filter((mail) => mail.subject === 'Your refund receipt from Harbor Bodywork');
    expect(refundEmails).toHaveLength(1);
    expect(refundEmails[0]!.body.text).toMatch(/Amount refunded:\s+\$100\.00/);
    const page = await openReceipt(tokenOf(receiptLinkIn(refundEmails[0]!.body.text ?? '')));
    expect(page.body).toContain('Refund receipt');
    expect(page.body).toContain('Amount refunded');
    expect(page.body).toContain('$100.00');
    expect(page.body).toContain('$100.00 of $425.00');
    expect(page.body).toContain('R-000001');
    expect(page.body).toContain('Visa ending in 4242');
    expect(page.body).toContain('Sessions cancelled by this refund: 1');
    const list = await listReceiptsFor(practiceId);
    expect(list.json.items.map((item: { number: string; kind: string; totalCents: number }) => [item.number, item.kind, item.totalCents])).toEqual([
      ['R-000002', 'refund', 10000],
      ['R-000001', 'package', 42500],
    ]);
  });

  it('when Stripe cannot say how the client paid, the receipt still goes out and shows the payment generically', async () => {
    // Prepare: a payment id the emulator does not know.
    const { practiceId, clientId, email } = await practiceWithAdjudicatedClaim();

    // Act
    const result = await deliverToReceiptIssuer(balancePaid(practiceId, clientId, `pi_${newId('unknown')}`));

    // Assess
    expect(result).toMatchObject({ outcome: 'issued', email: { emailStatus: 'sent' } });
    const [receiptEmail] = await receiptEmailsTo(email);
    const page = await openReceipt(tokenOf(receiptLinkIn(receiptEmail!.body.text ?? '')));
    expect(page.body).toContain('Online payment');
  });
});

describe('receipt email failures and resends', () => {
  it('a permanent failure (no valid address) is recorded as failed, shown in the list, and not retried', async () => {
    // Prepare: an address that can never be delivered to (stored before the API validated addresses).
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    const purchase = await seedOpenPurchase(store, practiceId, { email: 'jane.doe@localhost' });
    const event = busEvent('PaymentSucceeded', {
      version: 1,
      practiceId,
      clientId: purchase.clientId,
      kind: 'package',
      purchaseId: purchase.purchaseId,
      paymentId: `pi_${newId('x')}`,
      amountCents: 42500,
      currency: 'usd',
      paidAt: new Date().toISOString(),
    });

    // Act
    const first = await deliverToReceiptIssuer(event);
    const retried = await deliverToReceiptIssuer(event);
    const list = await listReceiptsFor(practiceId);

    // Assess
    expect(first).toMatchObject({ outcome: 'issued', email: { emailStatus: 'failed', emailAttempts: 1 } });
    expect(retried).toMatchObject({ outcome: 'duplicate', email: { emailStatus: 'failed', emailAttempts: 1 } });
    expect(list.json.items).toEqual([expect.objectContaining({ number: 'R-000001', emailStatus: 'failed', emailAttempts: 1, emailLastError: expect.stringContaining('no valid email address') })]);
    expect(await receiptEmailsTo('jane.doe@localhost')).toEqual([]);
  });

  it('a transient SES failure is recorded and thrown so the bus retries; the retry sends exactly one email', async () => {
    // Prepare: the local SES cannot be made to throttle, so this one sender is a stand-in that fails once.
    const { practiceId, clientId, email } = await practiceWithAdjudicatedClaim();
    const event = balancePaid(practiceId, clientId, (await paidIntent(3400)).id);
    const throttled = Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
    const failingDeps = defaultReceiptDeps({ stripe: getStripe, sendEmail: async () => Promise.reject(throttled) });

    // Act
    const failed = await handleReceiptEvent(failingDeps, event).catch((error: Error) => error);
    const afterFailure = await listReceiptsFor(practiceId);
    const retried = await deliverToReceiptIssuer(event);

    // Assess
    expect((failed as Error).name).toBe('RetryableError');
    expect(afterFailure.json.items[0]).toMatchObject({ emailStatus: 'retrying', emailAttempts: 1, emailLastError: expect.stringContaining('TooManyRequestsException') });
    expect(retried).toMatchObject({ outcome: 'duplicate', email: { emailStatus: 'sent', emailAttempts: 2 } });
    expect(await receiptEmailsTo(email)).toHaveLength(1);
    const afterRetry = await listReceiptsFor(practiceId);
    expect(afterRetry.json.items[0]).toMatchObject({ emailStatus: 'sent', emailAttempts: 2 });
    expect(afterRetry.json.items[0].emailLastError).toBeUndefined();
  });

  it('POST …/send emails the receipt again; another practice gets 403, an unknown receipt 404', async () => {
    // Prepare
    const { practiceId, clientId, email } = await practiceWithAdjudicatedClaim();
    const issued = (await deliverToReceiptIssuer(balancePaid(practiceId, clientId, (await paidIntent(3400)).id))) as { receiptId: string };
    const send = (receiptId: string, asPractice: string) =>
      callReceiptsRoute(apiEvent('POST /practices/{practiceId}/receipts/{receiptId}/send', { practiceId: asPractice, pathParameters: { practiceId, receiptId } }));

    // Act
    const resent = await send(issued.receiptId, practiceId);
    const intruder = await send(issued.receiptId, newPracticeId());
    const unknown = await send('rcp_nope', practiceId);

    // Assess
    expect(resent.statusCode).toBe(200);
    expect(resent.json).toMatchObject({ receiptId: issued.receiptId, emailStatus: 'sent', emailAttempts: 2 });
    const emails = await receiptEmailsTo(email);
    expect(emails).toHaveLength(2);
    // Each email carries its own fresh link; both open the same receipt.
    const pages = await Promise.all(emails.map((mail) => openReceipt(tokenOf(receiptLinkIn(mail.body.text ?? '')))));
    expect(pages.map((page) => page.statusCode)).toEqual([200, 200]);
    expect(intruder.statusCode).toBe(403);
    expect(unknown.statusCode).toBe(404);
  });

  it('the list filters by client, pages with a cursor, and needs the practice token', async () => {
    // Prepare: two clients of one practice, three payments.
    const { practiceId, clientId } = await practiceWithAdjudicatedClaim();
    const other = await findOrCreateClient(store, { practiceId, email: `${newId('sam')}@client.example`, name: 'Sam Other', currency: 'usd' });
    await deliverToReceiptIssuer(balancePaid(practiceId, clientId, `pi_${newId('a')}`, 1000));
    await deliverToReceiptIssuer(balancePaid(practiceId, clientId, `pi_${newId('b')}`, 2400));
    await deliverToReceiptIssuer(
      busEvent('PaymentSucceeded', {
        version: 1,
        practiceId,
        clientId: other.clientId,
        kind: 'invoice',
        paymentId: `pi_${newId('c')}`,
        amountCents: 500,
        currency: 'usd',
        paidAt: new Date().toISOString(),
        claimId: 'CLM-1001',
      }),
    );

    // Act
    const mine = await listReceiptsFor(practiceId, { clientId });
    const firstPage = await listReceiptsFor(practiceId, { limit: '2' });
    const secondPage = await listReceiptsFor(practiceId, { limit: '2', cursor: firstPage.json.nextCursor });
    const anonymous = await callReceiptsRoute(apiEvent('GET /practices/{practiceId}/receipts', { pathParameters: { practiceId } }));

    // Assess
    expect(mine.json.items.map((item: { number: string }) => item.number)).toEqual(['R-000002', 'R-000001']);
    expect(mine.json.items.map((item: { totalCents: number }) => item.totalCents)).toEqual([2400, 1000]);
    expect(firstPage.json.items).toHaveLength(2);
    expect([...firstPage.json.items, ...secondPage.json.items].map((item: { number: string }) => item.number).sort()).toEqual(['R-000001', 'R-000002', 'R-000003']);
    expect(anonymous.statusCode).toBe(401);
  });
});
