import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createStore } from '../../functions/store/table';
import { listLedger } from '../../functions/store/clients';
import { globalKeys, keys } from '../../functions/store/keys';
import { checkoutSession, ledgerState, outboxOf, reloadPurchase, seedOpenPurchase, seedPractice } from '../support/fixtures';
import { deliver, stripeEvent } from '../support/stripe-events';
import { newPracticeId } from '../support/store';
import { stripe } from '../support/invoicing';

// The webhook function reads its table from the environment the test stack set (as on Lambda).
const store = createStore();

const permutations = <T>(items: T[]): T[][] => (items.length <= 1 ? [items] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest])));

const paidPackage = async () => {
  const practiceId = newPracticeId();
  await seedPractice(store, practiceId);
  const purchase = await seedOpenPurchase(store, practiceId);
  return { practiceId, purchase };
};

describe('Stripe webhooks: exactly-once effects', () => {
  it('the same checkout.session.completed ×50 in sequence → one grant, one ledger pair, one event of each kind', async () => {
    // Prepare
    const { practiceId, purchase } = await paidPackage();
    const event = stripeEvent('checkout.session.completed', checkoutSession(purchase));

    // Act
    const answers = [];
    for (let i = 0; i < 50; i += 1) answers.push(await deliver(event));

    // Assess
    expect(answers.every((answer) => answer.statusCode === 200 && JSON.parse(answer.body!).received === true)).toBe(true);
    expect(answers.map((answer) => answer.headers?.['x-kneadpay-outcome'])).toEqual(['applied', ...Array(49).fill('duplicate')]);
    const stored = await reloadPurchase(store, purchase);
    expect(stored).toMatchObject({ state: 'paid', sessionsRemaining: 5 });
    // (The receipt issuer, fed by the bus, adds its own ReceiptIssued: not this effect's events.)
    const effectEvents = (await outboxOf(store, practiceId)).map((item) => item.detailType).filter((type) => type !== 'ReceiptIssued');
    expect(effectEvents.sort()).toEqual(['PackagePurchased', 'PaymentSucceeded']);
    const ledger = await ledgerState(store, practiceId, purchase.clientId);
    expect(ledger.entries.map((entry) => entry.kind).sort()).toEqual(['package_sale', 'payment']);
    expect(ledger.balanceCents).toBe(0);
  });

  it('the same event ×50 concurrently → one effect', async () => {
    // Prepare
    const { practiceId, purchase } = await paidPackage();
    const event = stripeEvent('checkout.session.completed', checkoutSession(purchase));

    // Act
    const answers = await Promise.all(Array.from({ length: 50 }, () => deliver(event)));

    // Assess
    expect(answers.every((answer) => answer.statusCode === 200)).toBe(true);
    expect(answers.filter((answer) => answer.headers?.['x-kneadpay-outcome'] === 'applied')).toHaveLength(1);
    expect((await reloadPurchase(store, purchase)).sessionsRemaining).toBe(5);
    expect((await outboxOf(store, practiceId)).filter((item) => item.detailType !== 'ReceiptIssued')).toHaveLength(2);
    const ledger = await ledgerState(store, practiceId, purchase.clientId);
    expect(ledger.entries).toHaveLength(2);
    expect(ledger.balanceCents).toBe(ledger.sumCents);
  });

  it.each(permutations(['completed-unpaid', 'async-succeeded']).map((order) => [order.join(' → '), order]))(
    'delayed payment in order %s ends paid with the credits granted once',
    async (_name, order) => {
      // Prepare
      const { practiceId, purchase } = await paidPackage();
      const events = {
        'completed-unpaid': stripeEvent('checkout.session.completed', checkoutSession(purchase, { payment_status: 'unpaid' })),
        'async-succeeded': stripeEvent('checkout.session.async_payment_succeeded', checkoutSession(purchase)),
      } as const;

      // Act
      for (const name of order as (keyof typeof events)[]) expect((await deliver(events[name])).statusCode).toBe(200);

      // Assess
      expect(await reloadPurchase(store, purchase)).toMatchObject({ state: 'paid', sessionsRemaining: 5 });
      expect((await outboxOf(store, practiceId)).filter((item) => item.detailType === 'PackagePurchased')).toHaveLength(1);
    },
  );

  it('completed(unpaid) then async_payment_failed grants nothing; an expired session grants nothing', async () => {
    // Prepare
    const { practiceId, purchase } = await paidPackage();
    const other = await seedOpenPurchase(store, practiceId);

    // Act
    await deliver(stripeEvent('checkout.session.completed', checkoutSession(purchase, { payment_status: 'unpaid' })));
    await deliver(stripeEvent('checkout.session.async_payment_failed', checkoutSession(purchase, { payment_status: 'unpaid' })));
    await deliver(stripeEvent('checkout.session.expired', checkoutSession(other, { status: 'expired', payment_status: 'unpaid' })));
    // A late success for the failed one must not resurrect it.
    await deliver(stripeEvent('checkout.session.completed', checkoutSession(purchase, { payment_status: 'unpaid' })));

    // Assess
    expect(await reloadPurchase(store, purchase)).toMatchObject({ state: 'failed', sessionsRemaining: 0 });
    expect(await reloadPurchase(store, other)).toMatchObject({ state: 'expired', sessionsRemaining: 0 });
    expect(await outboxOf(store, practiceId)).toHaveLength(0);
  });

  it('two events about one object in the same second apply in either order', async () => {
    // Prepare
    const { purchase } = await paidPackage();
    const created = Math.floor(Date.now() / 1000);
    const unpaid = stripeEvent('checkout.session.completed', checkoutSession(purchase, { payment_status: 'unpaid' }), { created });
    const succeeded = stripeEvent('checkout.session.async_payment_succeeded', checkoutSession(purchase), { created });

    // Act
    await Promise.all([deliver(succeeded), deliver(unpaid)]);

    // Assess
    expect(await reloadPurchase(store, purchase)).toMatchObject({ state: 'paid', sessionsRemaining: 5 });
  });

  it.each(permutations(['re_a', 're_b']).map((order) => [order.join(' → '), order]))('two partial refunds in order %s → the same final state, each refund applied once', async (_name, order) => {
    // Prepare: 5 sessions for $425 → $85 a session; refunds of $100 and $80 remove 1 then 2 in total.
    const { practiceId, purchase } = await paidPackage();
    await deliver(stripeEvent('checkout.session.completed', checkoutSession(purchase)));
    const refunds = {
      re_a: { id: `re_a_${purchase.purchaseId}`, object: 'refund', amount: 10000, status: 'succeeded', created: 1_800_000_000 },
      re_b: { id: `re_b_${purchase.purchaseId}`, object: 'refund', amount: 8000, status: 'succeeded', created: 1_800_000_100 },
    } as const;
    const chargeWith = (ids: (keyof typeof refunds)[]) => ({
      id: `ch_${purchase.purchaseId}`,
      object: 'charge',
      amount: 42500,
      payment_intent: `pi_${purchase.purchaseId}`,
      amount_refunded: ids.reduce((sum, id) => sum + refunds[id].amount, 0),
      refunds: { object: 'list', data: ids.map((id) => refunds[id]), has_more: false },
    });
    const [first, second] = order as (keyof typeof refunds)[];

    // Act: each event carries the refunds Stripe knew of when it was sent.
    const e1 = stripeEvent('charge.refunded', chargeWith([first!]));
    const e2 = stripeEvent('charge.refunded', chargeWith([first!, second!]));
    for (const event of [e2, e1, e2, e1]) expect((await deliver(event)).statusCode).toBe(200);

    // Assess
    expect(await reloadPurchase(store, purchase)).toMatchObject({ state: 'paid', refundedCents: 18000, creditsRemoved: 2, sessionsRemaining: 3 });
    const refunded = (await outboxOf(store, practiceId)).filter((item) => item.detailType === 'PaymentRefunded');
    expect(refunded.map((item) => item.detail.refundId).sort()).toEqual([refunds.re_a.id, refunds.re_b.id].sort());
    const ledger = await ledgerState(store, practiceId, purchase.clientId);
    expect(ledger.balanceCents).toBe(ledger.sumCents);
    expect(
      ledger.entries
        .filter((entry) => entry.kind === 'refund')
        .map((entry) => entry.amountCents)
        .sort((a, b) => a - b),
    ).toEqual([8000, 10000]);
  });

  it('a full refund voids every unused credit', async () => {
    // Prepare
    const { purchase } = await paidPackage();
    await deliver(stripeEvent('checkout.session.completed', checkoutSession(purchase)));
    const refund = { id: `re_full_${purchase.purchaseId}`, object: 'refund', amount: 42500, status: 'succeeded', created: 1_800_000_000 };

    // Act
    await deliver(stripeEvent('charge.refunded', { id: 'ch_x', object: 'charge', payment_intent: `pi_${purchase.purchaseId}`, amount_refunded: 42500, refunds: { data: [refund], has_more: false } }));

    // Assess
    expect(await reloadPurchase(store, purchase)).toMatchObject({ state: 'refunded', sessionsRemaining: 0 });
  });

  // Regression (docs/reliability.md, bug 23): the payment-intent index spans practices, and a signed
  // event without `account` whose metadata named practice B but carried practice A's payment intent
  // changed A's purchase while its ledger entries landed in B's partition.
  it('a refund whose metadata names another practice than its payment intent changes neither practice', async () => {
    // Prepare
    const a = await paidPackage();
    await deliver(stripeEvent('checkout.session.completed', checkoutSession(a.purchase)));
    const b = await paidPackage();
    const refund = { id: `re_x_${a.purchase.purchaseId}`, object: 'refund', amount: 42500, status: 'succeeded', created: 1_800_000_000 };

    // Act
    const answer = await deliver(
      stripeEvent('charge.refunded', {
        id: 'ch_cross',
        object: 'charge',
        payment_intent: `pi_${a.purchase.purchaseId}`,
        amount_refunded: 42500,
        metadata: { practiceId: b.practiceId },
        refunds: { data: [refund], has_more: false },
      }),
    );

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(await reloadPurchase(store, a.purchase)).toMatchObject({ state: 'paid', sessionsRemaining: 5, refundedCents: 0 });
    expect((await listLedger(store, b.practiceId, a.purchase.clientId)).items).toEqual([]);
    expect((await ledgerState(store, a.practiceId, a.purchase.clientId)).entries.map((entry) => entry.kind).sort()).toEqual(['package_sale', 'payment']);
  });

  it.each([
    ['created → closed(won)', ['created', 'won'], 'paid', 5],
    ['closed(won) → created (late)', ['won', 'created'], 'paid', 5],
    ['created → closed(lost)', ['created', 'lost'], 'voided', 0],
    ['closed(lost) → created (late)', ['lost', 'created'], 'voided', 0],
    // Stripe: a lost dispute can be appealed (appeal_* statuses); an appeal won closes it `won` again.
    ['created → lost → appeal → won', ['created', 'lost', 'appeal', 'won'], 'paid', 5],
    ['inquiry → warning_closed', ['inquiry', 'inquiryClosed'], 'paid', 5],
  ])('dispute %s', async (_name, steps, state, remaining) => {
    // Prepare
    const { purchase } = await paidPackage();
    await deliver(stripeEvent('checkout.session.completed', checkoutSession(purchase)));
    const dispute = (status: string) => ({ id: `dp_${purchase.purchaseId}`, object: 'dispute', amount: 42500, status, payment_intent: `pi_${purchase.purchaseId}` });
    const events = {
      created: stripeEvent('charge.dispute.created', dispute('needs_response')),
      won: stripeEvent('charge.dispute.closed', dispute('won')),
      lost: stripeEvent('charge.dispute.closed', dispute('lost')),
      appeal: stripeEvent('charge.dispute.updated', dispute('appeal_under_review')),
      inquiry: stripeEvent('charge.dispute.created', dispute('warning_needs_response')),
      inquiryClosed: stripeEvent('charge.dispute.closed', dispute('warning_closed')),
    } as Record<string, ReturnType<typeof stripeEvent>>;

    // Act
    for (const step of steps as string[]) expect((await deliver(events[step]!)).statusCode).toBe(200);

    // Assess
    expect(await reloadPurchase(store, purchase)).toMatchObject({ state, sessionsRemaining: remaining });
  });

  it('an event for a purchase not committed yet gets a retryable 503, then applies on redelivery', async () => {
    // Prepare: the event names a purchase that does not exist yet.
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    const future = { purchaseId: 'pur_later', practiceId, clientId: 'cli_later', packageId: 'pkg', priceCents: 100, currency: 'usd' };
    const event = stripeEvent('checkout.session.completed', checkoutSession(future as never));

    // Act
    const early = await deliver(event);
    const purchase = await seedOpenPurchase(store, practiceId);
    const redelivered = await deliver(stripeEvent('checkout.session.completed', checkoutSession(purchase), { id: event.id }));

    // Assess
    expect(early.statusCode).toBe(503);
    expect(JSON.parse(early.body!).error.code).toBe('retry_later');
    const marker = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.marker(practiceId, 'stripe-event', event.id) }));
    expect(marker.Item?.result.outcome).toBe('applied');
    expect(redelivered.statusCode).toBe(200);
  });

  it('unknown types and unknown connected accounts are acknowledged and recorded, never retried', async () => {
    // Prepare
    const { practiceId, purchase } = await paidPackage();
    const unknownType = stripeEvent('customer.tax_id.created', { id: 'txi_1', object: 'tax_id', metadata: { practiceId } });
    const unknownAccount = stripeEvent('checkout.session.completed', checkoutSession(purchase), { account: 'acct_nobody' });

    // Act
    const a = await deliver(unknownType);
    const b = await deliver(unknownAccount);

    // Assess
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect([a.headers?.['x-kneadpay-outcome'], b.headers?.['x-kneadpay-outcome']]).toEqual(['ignored', 'ignored']);
    const recorded = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: globalKeys.stripeEventMarker(unknownAccount.id) }));
    expect(recorded.Item?.result).toMatchObject({ outcome: 'ignored', reason: 'unknown connected account' });
    expect((await reloadPurchase(store, purchase)).state).toBe('open');
  });

  it('the hot path (terms in metadata) grants once, and a late success after a full refund grants nothing', async () => {
    // Prepare: the session carries the package terms, as checkout writes them.
    const { practiceId, purchase } = await paidPackage();
    const withTerms = checkoutSession(purchase, { metadata: { ...checkoutSession(purchase).metadata, sessionsTotal: '5', expiresInDays: '365' } });
    const refund = { id: `re_${purchase.purchaseId}`, object: 'refund', amount: 42500, status: 'succeeded', created: 1_800_000_000 };

    // Act
    const first = await deliver(stripeEvent('checkout.session.completed', withTerms));
    await deliver(
      stripeEvent('charge.refunded', { id: 'ch_hot', object: 'charge', payment_intent: `pi_${purchase.purchaseId}`, amount_refunded: 42500, refunds: { data: [refund], has_more: false } }),
    );
    const late = await deliver(stripeEvent('checkout.session.async_payment_succeeded', withTerms));

    // Assess
    expect(first.headers?.['x-kneadpay-outcome']).toBe('applied');
    expect(late.headers?.['x-kneadpay-outcome']).toBe('ignored');
    expect(await reloadPurchase(store, purchase)).toMatchObject({ state: 'refunded', sessionsRemaining: 0, expiresAt: expect.any(String) });
    expect((await outboxOf(store, practiceId)).filter((item) => item.detailType === 'PackagePurchased')).toHaveLength(1);
  });

  it.each([['charge.refunded'], ['charge.dispute.created']])('a %s that overtakes the payment is retried (503) until the payment is recorded, then applies', async (type) => {
    // Prepare: a real payment intent on Stripe, carrying the purchase's ids as checkout writes them.
    const { practiceId, purchase } = await paidPackage();
    const intent = await stripe.paymentIntents.create({ amount: 42500, currency: 'usd', metadata: { practiceId, clientId: purchase.clientId, purchaseId: purchase.purchaseId } });
    const refund = { id: `re_${purchase.purchaseId}`, object: 'refund', amount: 42500, status: 'succeeded', created: 1_800_000_000 };
    const early =
      type === 'charge.refunded'
        ? stripeEvent(type, { id: `ch_${purchase.purchaseId}`, object: 'charge', payment_intent: intent.id, amount_refunded: 42500, refunds: { data: [refund], has_more: false } })
        : stripeEvent(type, { id: `dp_${purchase.purchaseId}`, object: 'dispute', amount: 42500, status: 'needs_response', payment_intent: intent.id });

    // Act
    const first = await deliver(early);
    await deliver(stripeEvent('checkout.session.completed', checkoutSession(purchase, { payment_intent: intent.id })));
    const redelivered = await deliver(early);

    // Assess
    expect(first.statusCode).toBe(503);
    expect(redelivered.headers?.['x-kneadpay-outcome']).toBe('applied');
    expect((await reloadPurchase(store, purchase)).state).toBe(type === 'charge.refunded' ? 'refunded' : 'disputed');
  });

  it('events of a connected account are mapped to the practice that owns it', async () => {
    // Prepare
    const practiceId = newPracticeId();
    const account = `acct_${practiceId.replace(/[^a-z0-9]/gi, '')}`;
    await seedPractice(store, practiceId, { stripeAccountId: account });
    const purchase = await seedOpenPurchase(store, practiceId);
    const session = checkoutSession(purchase, { metadata: { ...checkoutSession(purchase).metadata, practiceId: 'someone-else' } });

    // Act
    const answer = await deliver(stripeEvent('checkout.session.completed', session, { account }));

    // Assess
    expect(answer.headers?.['x-kneadpay-outcome']).toBe('applied');
    expect((await reloadPurchase(store, purchase)).state).toBe('paid');
  });
});
