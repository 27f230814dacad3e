import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseCredit, creditsRemovedByRefund, purchaseStatus, type CreditHolding } from '../../functions/domain/credits';
import { advances, INVOICE_RANK } from '../../functions/domain/ranks';
import { assertNoPhi } from '../../functions/stripe/phi-guard';
import { isValidNpi } from '../../functions/domain/npi';

const now = new Date('2026-11-01T12:00:00Z');
const holding = (over: Partial<CreditHolding> & { purchaseId: string }): CreditHolding => ({
  state: 'paid',
  sessionsTotal: 5,
  sessionsRemaining: 5,
  expiresAt: '2027-01-01T00:00:00Z',
  paidAt: '2026-10-01T00:00:00Z',
  ...over,
});

describe('package credits', () => {
  it('draws from the usable purchase that expires first; never-expiring credits go last', () => {
    // Prepare
    const purchases = [
      holding({ purchaseId: 'never', expiresAt: null }),
      holding({ purchaseId: 'late', expiresAt: '2027-06-01T00:00:00Z' }),
      holding({ purchaseId: 'soon', expiresAt: '2026-12-01T00:00:00Z' }),
      holding({ purchaseId: 'past', expiresAt: '2026-10-31T00:00:00Z' }),
      holding({ purchaseId: 'empty', expiresAt: '2026-11-15T00:00:00Z', sessionsRemaining: 0 }),
      holding({ purchaseId: 'frozen', expiresAt: '2026-11-10T00:00:00Z', state: 'disputed' }),
    ];
    // Act + Assess
    expect(chooseCredit(purchases, now)?.purchaseId).toBe('soon');
    expect(
      chooseCredit(
        purchases.filter((p) => p.purchaseId !== 'soon' && p.purchaseId !== 'late'),
        now,
      )?.purchaseId,
    ).toBe('never');
    expect(chooseCredit(purchases, now, 'late')?.purchaseId).toBe('late');
    expect(chooseCredit(purchases, now, 'past')).toBeUndefined();
  });

  it('derives the status a practice sees', () => {
    expect(purchaseStatus(holding({ purchaseId: 'a' }), now)).toBe('active');
    expect(purchaseStatus(holding({ purchaseId: 'a', sessionsRemaining: 0 }), now)).toBe('exhausted');
    expect(purchaseStatus(holding({ purchaseId: 'a', expiresAt: '2026-11-01T12:00:00Z' }), now)).toBe('expired');
    expect(purchaseStatus(holding({ purchaseId: 'a', state: 'voided' }), now)).toBe('refunded');
    expect(purchaseStatus(holding({ purchaseId: 'a', state: 'disputed' }), now)).toBe('disputed');
    expect(purchaseStatus(holding({ purchaseId: 'a', state: 'pending' }), now)).toBe('pending');
  });

  it('a partial refund removes floor(refund / price per session) unused credits; a full refund all', () => {
    const purchase = { priceCents: 42500, sessionsTotal: 5, sessionsRemaining: 4 };
    expect(creditsRemovedByRefund(8499, purchase)).toBe(0); // less than one session's worth
    expect(creditsRemovedByRefund(8500, purchase)).toBe(1);
    expect(creditsRemovedByRefund(17000, purchase)).toBe(2);
    expect(creditsRemovedByRefund(42500, purchase)).toBe(4); // full: every unused credit
    expect(creditsRemovedByRefund(40000, { ...purchase, sessionsRemaining: 1 })).toBe(1); // never more than left
  });

  it('refund credit removal never exceeds what is left and grows with the refund (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 50, max: 500_000 }), fc.nat(), fc.nat(), (sessions, price, r1, r2) => {
        const remaining = sessions;
        const a = Math.min(r1 % (price + 1), r2 % (price + 1));
        const b = Math.max(r1 % (price + 1), r2 % (price + 1));
        const removedA = creditsRemovedByRefund(a, { priceCents: price, sessionsTotal: sessions, sessionsRemaining: remaining });
        const removedB = creditsRemovedByRefund(b, { priceCents: price, sessionsTotal: sessions, sessionsRemaining: remaining });
        return removedA <= removedB && removedB <= remaining && removedA >= 0;
      }),
      { numRuns: 300 },
    );
  });

  it('invoice ranks: a late finalized after paid does not move the invoice back', () => {
    expect(advances(INVOICE_RANK, 'paid', 'open')).toBe(false);
    expect(advances(INVOICE_RANK, 'open', 'paid')).toBe(true);
    expect(advances(INVOICE_RANK, 'uncollectible', 'paid')).toBe(true);
    expect(advances(INVOICE_RANK, undefined, 'draft')).toBe(true);
  });
});

describe('PHI guard for Stripe requests', () => {
  it('lets generic names and opaque ids through', () => {
    expect(() =>
      assertNoPhi({ name: 'Session package (5 × 60 min)', metadata: { practiceId: 'prac_01jabc', clientId: 'cli_01jxyz' }, description: 'Balance after insurance', unit_amount: 42500 }),
    ).not.toThrow();
  });

  it.each([
    [{ description: 'Massage 97124 x2' }, 'a procedure code'],
    [{ metadata: { dx: 'M54.2' } }, 'a diagnosis code'],
    [{ email: 'jane@example.com' }, 'an email address'],
    [{ description: 'Claim CLM-1001 balance' }, 'a clinical or insurance word'],
  ])('refuses %j', (params, what) => {
    expect(() => assertNoPhi(params)).toThrow(what);
  });
});

describe('NPI check digit', () => {
  it('accepts a valid NPI and rejects a typo', () => {
    expect(isValidNpi('1234567893')).toBe(true);
    expect(isValidNpi('1234567890')).toBe(false);
    expect(isValidNpi('12345')).toBe(false);
  });
});
