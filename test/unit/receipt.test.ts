import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildReceipt,
  earlierBalancePaymentsCents,
  formatReceiptNumber,
  packageUsageText,
  serviceLines,
  type AdjudicationFacts,
  type ClaimFacts,
  type ReceiptInput,
} from '../../functions/domain/receipt';
import { signReceiptToken, verifyReceiptToken } from '../../functions/shared/receipt-token';
import { WORKED_EXAMPLE_ADJUDICATED_LINES } from '../fixtures/claims/worked-example';

const practice = { name: 'Harbor Bodywork', timezone: 'America/Los_Angeles' };
const payment = (amountCents: number) => ({ paymentId: 'pi_1', amountCents, currency: 'usd', paidAt: '2026-10-21T17:30:00Z', method: { type: 'unknown' as const } });
const workedClaim: ClaimFacts = {
  claimId: 'CLM-1001',
  payerName: 'ACME HEALTH',
  dateOfService: '2026-10-02',
  placeOfService: '11',
  diagnosisCodes: ['M54.2'],
  collectedCents: 0,
  lines: [
    { procedureCode: '97124', modifiers: ['GP'], units: 2, chargeCents: 6000 },
    { procedureCode: '97140', modifiers: [], units: 2, chargeCents: 7000 },
  ],
};
const workedAdjudication: AdjudicationFacts = { paidCents: 5600, claimAdjustments: [], lines: WORKED_EXAMPLE_ADJUDICATED_LINES };
const negate = (adjudication: AdjudicationFacts): AdjudicationFacts => ({
  paidCents: -adjudication.paidCents,
  claimAdjustments: adjudication.claimAdjustments.map((x) => ({ ...x, amountCents: -x.amountCents })),
  lines: adjudication.lines.map((line) => ({ ...line, chargeCents: -line.chargeCents, paidCents: -line.paidCents, adjustments: line.adjustments.map((x) => ({ ...x, amountCents: -x.amountCents })) })),
});
const balance = (over: Partial<Extract<ReceiptInput, { kind: 'balance' }>> = {}): ReceiptInput => ({
  kind: 'balance',
  number: 'R-000001',
  issuedAt: '2026-10-21T17:31:00Z',
  practice,
  clientName: 'Jane Doe',
  payment: payment(3400),
  claim: workedClaim,
  adjudications: [workedAdjudication],
  earlierPaymentsCents: 0,
  ...over,
});

describe('receipt documents (pure)', () => {
  it('the worked example: $130 charged, $56 paid by the insurer, $34 the patient paid → paid in full', () => {
    // Act
    const result = buildReceipt(balance());

    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.document.totals).toEqual({
      chargedCents: 13000,
      insurerPaidCents: 5600,
      patientPortionCents: 3400,
      previouslyPaidCents: 0,
      paidNowCents: 3400,
      balanceDueCents: 0,
      overpaidCents: 0,
    });
    expect(result.document.status).toBe('paid_in_full');
    expect(result.document.claim!.lines.map((line) => [line.procedureCode, line.insurerPaidCents, line.patientPortionCents])).toEqual([
      ['97124', 2600, 1400],
      ['97140', 3000, 2000],
    ]);
  });

  it('a copay at the visit and a partial payment leave a balance due', () => {
    // Act
    const result = buildReceipt(balance({ claim: { ...workedClaim, collectedCents: 1000 }, payment: payment(2000) }));

    // Assess
    expect(result.ok && result.document.totals).toMatchObject({ previouslyPaidCents: 1000, paidNowCents: 2000, balanceDueCents: 400 });
    expect(result.ok && result.document.status).toBe('balance_due');
  });

  it('an original, its reversal and a correction net to the correction; a re-coded line gets its own row', () => {
    // Prepare: the correction pays 97124 as 97112 (re-coded) with a $10 coinsurance on it.
    const correction: AdjudicationFacts = {
      paidCents: 3000,
      claimAdjustments: [{ group: 'PR', reason: '3', amountCents: 500 }],
      lines: [{ procedureCode: '97112', units: 2, chargeCents: 6000, paidCents: 3000, adjustments: [{ group: 'PR', reason: '2', amountCents: 1000 }] }],
    };

    // Act
    const claim = serviceLines(workedClaim, [workedAdjudication, negate(workedAdjudication), correction]);

    // Assess
    expect(claim.lines.map((line) => [line.procedureCode, line.chargedCents, line.insurerPaidCents, line.patientPortionCents])).toEqual([
      ['97124', 6000, 0, 0],
      ['97140', 7000, 0, 0],
      ['97112', 6000, 3000, 1000],
    ]);
    expect(claim.claimLevelPatientCents).toBe(500);
  });

  it('property: lines and claim-level amounts add up to the totals; balance due and overpaid are never both set', () => {
    const cents = fc.integer({ min: -50_000, max: 50_000 });
    const code = fc.constantFrom('97124', '97140', '97112', '97110');
    const adjustment = fc.record({ group: fc.constantFrom('PR', 'CO', 'OA'), reason: fc.constantFrom('1', '2', '45'), amountCents: cents });
    const adjudication = fc.record({
      paidCents: cents,
      claimAdjustments: fc.array(adjustment, { maxLength: 2 }),
      lines: fc.array(fc.record({ procedureCode: code, units: fc.integer({ min: 1, max: 8 }), chargeCents: cents, paidCents: cents, adjustments: fc.array(adjustment, { maxLength: 3 }) }), {
        maxLength: 4,
      }),
    });
    const claimLines = fc.array(fc.record({ procedureCode: code, modifiers: fc.constant<string[]>([]), units: fc.integer({ min: 1, max: 8 }), chargeCents: fc.integer({ min: 0, max: 50_000 }) }), {
      minLength: 1,
      maxLength: 4,
    });
    fc.assert(
      fc.property(
        claimLines,
        fc.array(adjudication, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 50_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        (lines, adjudications, paid, collected) => {
          const result = buildReceipt(balance({ claim: { ...workedClaim, lines, collectedCents: collected }, adjudications, payment: payment(paid) }));
          if (!result.ok) return false;
          const { claim, totals } = result.document;
          const sum = (pick: (line: (typeof claim & object)['lines'][number]) => number) => claim!.lines.reduce((total, line) => total + pick(line), 0);
          expect(sum((line) => line.chargedCents)).toBe(totals!.chargedCents);
          expect(sum((line) => line.patientPortionCents) + claim!.claimLevelPatientCents).toBe(totals!.patientPortionCents);
          expect(sum((line) => line.insurerPaidCents) + claim!.claimLevelInsurerPaidCents).toBe(adjudications.reduce((total, a) => total + a.paidCents, 0));
          expect(totals!.balanceDueCents - totals!.overpaidCents).toBe(totals!.patientPortionCents - collected - paid);
          expect(Math.min(totals!.balanceDueCents, totals!.overpaidCents)).toBe(0);
          return true;
        },
      ),
    );
  });

  it('wrong inputs get a typed problem naming the field, never a throw', () => {
    // Act + Assess
    expect(buildReceipt(balance({ payment: payment(10.5) }))).toMatchObject({ ok: false, problem: { code: 'invalid_amount', field: 'payment.amountCents' } });
    expect(buildReceipt(balance({ payment: { ...payment(100), currency: 'USD' } }))).toMatchObject({ ok: false, problem: { field: 'payment.currency' } });
    expect(buildReceipt(balance({ claim: { ...workedClaim, dateOfService: '10/02/2026' } }))).toMatchObject({ ok: false, problem: { field: 'claim.dateOfService' } });
    expect(buildReceipt(balance({ clientName: '' }))).toMatchObject({ ok: false, problem: { code: 'missing_field', field: 'client.name' } });
    expect(
      buildReceipt({
        kind: 'refund',
        number: 'R-2',
        issuedAt: '2026-10-21T00:00:00Z',
        practice,
        clientName: 'Jane',
        package: null,
        refund: {
          refundId: 're_1',
          paymentId: 'pi_1',
          amountCents: 0,
          totalRefundedCents: 0,
          currency: 'usd',
          refundedAt: '2026-10-21T00:00:00Z',
          creditsRemoved: 0,
          of: 'package',
          originalReceiptNumber: null,
          originalAmountCents: null,
          method: { type: 'unknown' },
        },
      }),
    ).toMatchObject({ ok: false, problem: { field: 'refund.amountCents' } });
  });

  it('a balance paid in parts keeps each payment, oldest first; one payment keeps no parts; parts that do not sum to what was paid are a problem naming payment.parts', () => {
    // Prepare
    const mastercard = { type: 'card' as const, brand: 'mastercard', last4: '4444' };
    const visa = { type: 'card' as const, brand: 'visa', last4: '4242' };
    const parts = [
      { amountCents: 400, at: '2026-10-20T16:00:00.000Z', method: mastercard },
      { amountCents: 3000, at: '2026-10-21T17:30:00.000Z', method: visa },
    ];

    // Act
    const inParts = buildReceipt(balance({ payment: { ...payment(3400), method: visa, parts } }));
    const once = buildReceipt(balance({ payment: { ...payment(3400), method: visa, parts: [{ amountCents: 3400, at: '2026-10-21T17:30:00.000Z', method: visa }] } }));

    // Assess
    expect(inParts.ok && inParts.document.payment).toEqual({ id: 'pi_1', at: '2026-10-21T17:30:00Z', amountCents: 3400, method: visa, parts });
    expect(inParts.ok && inParts.document.totals).toMatchObject({ paidNowCents: 3400, balanceDueCents: 0 });
    expect(once.ok && once.document.payment).toEqual({ id: 'pi_1', at: '2026-10-21T17:30:00Z', amountCents: 3400, method: visa });
    expect(buildReceipt(balance({ payment: { ...payment(3400), parts: [parts[0]!, { ...parts[1]!, amountCents: 2000 }] } }))).toMatchObject({
      ok: false,
      problem: { code: 'invalid_amount', field: 'payment.parts' },
    });
    expect(buildReceipt(balance({ payment: { ...payment(3400), parts: [{ ...parts[0]!, at: 'yesterday' }, parts[1]!] } }))).toMatchObject({
      ok: false,
      problem: { code: 'invalid_date', field: 'payment.parts[0].at' },
    });
  });

  it('package usage reads "visit 3 of 5"; numbers are R- and six digits at least', () => {
    expect(packageUsageText(5, 2, 3)).toBe('5 sessions bought, 2 used, 3 remaining (next visit: 3 of 5)');
    expect(packageUsageText(5, 5, 0)).toBe('5 sessions bought, 5 used, 0 remaining');
    expect(packageUsageText(5, 1, 2, 2)).toBe('5 sessions bought, 1 used, 2 remaining, 2 cancelled (next visit: 2 of 5)');
    expect([formatReceiptNumber(123), formatReceiptNumber(1_234_567)]).toEqual(['R-000123', 'R-1234567']);
  });
});

describe('what was paid toward a claim before a payment (the domain audit of 2026-12-07)', () => {
  const receipt = (kind: 'balance' | 'refund' | 'package', totalCents: number, source: { claimId?: string; paymentId: string }) => ({
    kind,
    totalCents,
    source: { type: kind === 'refund' ? ('refund' as const) : ('payment' as const), paymentKind: kind === 'package' ? 'package' : 'invoice', ...source },
  });

  it("the claim's other balance payments less their refunds; not this payment, its refunds, other claims or packages", () => {
    const receipts = [
      receipt('balance', 3400, { claimId: 'CLM-1', paymentId: 'pi_1' }),
      receipt('refund', 1000, { claimId: 'CLM-1', paymentId: 'pi_1' }),
      receipt('balance', 600, { claimId: 'CLM-1', paymentId: 'pi_2' }),
      receipt('refund', 600, { claimId: 'CLM-1', paymentId: 'pi_2' }),
      receipt('balance', 5000, { claimId: 'CLM-2', paymentId: 'pi_3' }),
      receipt('package', 42500, { paymentId: 'pi_4' }),
    ];
    expect(earlierBalancePaymentsCents(receipts, 'CLM-1', 'pi_9')).toBe(2400);
    expect(earlierBalancePaymentsCents(receipts, 'CLM-1', 'pi_2')).toBe(2400);
    expect(earlierBalancePaymentsCents(receipts, 'CLM-2', 'pi_9')).toBe(5000);
    // A refund whose payment's receipt is not issued yet (events out of order) never makes it negative.
    expect(earlierBalancePaymentsCents([receipt('refund', 1000, { claimId: 'CLM-1', paymentId: 'pi_1' })], 'CLM-1', 'pi_9')).toBe(0);
  });
});

describe('receipt link tokens', () => {
  const claims = { practiceId: 'prac_1', receiptId: 'rcp_1', expiresAt: 2_000_000_000 };
  const now = new Date(1_900_000_000_000);

  it('verify what was signed; refuse a changed payload or signature; report expiry; accept a rotated-out secret', () => {
    // Prepare
    const token = signReceiptToken(claims, 'secret-a');
    const [payload, signature] = token.split('.') as [string, string];
    const otherPractice = Buffer.from(JSON.stringify({ v: 1, p: 'prac_2', r: 'rcp_1', e: claims.expiresAt })).toString('base64url');

    // Act + Assess
    expect(verifyReceiptToken(token, ['secret-a'], now)).toEqual({ status: 'valid', claims });
    expect(verifyReceiptToken(token, ['secret-b', 'secret-a'], now)).toEqual({ status: 'valid', claims });
    expect(verifyReceiptToken(token, ['secret-b'], now)).toEqual({ status: 'invalid' });
    expect(verifyReceiptToken(`${otherPractice}.${signature}`, ['secret-a'], now)).toEqual({ status: 'invalid' });
    expect(verifyReceiptToken(`${payload}.${signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`, ['secret-a'], now)).toEqual({ status: 'invalid' });
    expect(verifyReceiptToken(token, ['secret-a'], new Date(claims.expiresAt * 1000))).toEqual({ status: 'expired', claims });
    expect(verifyReceiptToken('x'.repeat(600), ['secret-a'], now)).toEqual({ status: 'invalid' });
  });
});
