/**
 * A balance staff wrote off (docs/decisions/014-write-offs.md) in later plans of the claim: a
 * re-adjudication that raises the patient's share bills only the new part; one that lowers it
 * refunds nothing that was written off (only money the client paid beyond the new share).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planBalance, type InvoiceAmounts } from '../../functions/domain/patient-share';

/** A $34.00 balance invoice written off: void on Stripe, forgiven in kneadpay. */
const writtenOff = (cents = 3400): InvoiceAmounts => ({ invoiceId: 'inv-1', status: 'void', amountDueCents: cents, amountPaidCents: 0, amountWrittenOffCents: cents });
const paid = (cents: number, id = 'inv-0'): InvoiceAmounts => ({ invoiceId: id, status: 'paid', amountDueCents: cents, amountPaidCents: cents });

describe('planBalance with a written-off invoice', () => {
  it('the same share again → nothing (the write-off counts as billed)', () => {
    expect(planBalance(3400, [writtenOff()], 'refund')).toEqual([]);
  });

  it('the share rises from $34 to $50 → only the new $16 is billed', () => {
    expect(planBalance(5000, [writtenOff()], 'refund')).toEqual([{ kind: 'invoice', amountCents: 1600 }]);
  });

  it('the share falls from $34 to $24 → nothing billed, nothing refunded', () => {
    expect(planBalance(2400, [writtenOff()], 'refund')).toEqual([]);
    expect(planBalance(0, [writtenOff()], 'credit')).toEqual([]);
  });

  it('$40 paid, then $60 more written off; the share falls to $30 → $10 refunded (what was paid beyond it), never the $60 forgiven', () => {
    expect(planBalance(3000, [paid(4000), { ...writtenOff(6000), invoiceId: 'inv-2' }], 'refund')).toEqual([{ kind: 'refund', amountCents: 1000 }]);
    expect(planBalance(5000, [paid(4000), { ...writtenOff(6000), invoiceId: 'inv-2' }], 'refund')).toEqual([]);
  });

  it('property: with a write-off, a plan never refunds or credits more than was paid beyond the share, and bills only above paid + written off + still billed', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5000, max: 20000 }), fc.integer({ min: 0, max: 10000 }), fc.integer({ min: 1, max: 10000 }), (share, paidCents, forgiven) => {
        const invoices = [...(paidCents > 0 ? [paid(paidCents)] : []), writtenOff(forgiven)];
        const actions = planBalance(share, invoices, 'refund');
        const target = Math.max(0, share);
        const refunded = actions.filter((a) => a.kind === 'refund').reduce((sum, a) => sum + ('amountCents' in a ? a.amountCents : 0), 0);
        const billed = actions.filter((a) => a.kind === 'invoice').reduce((sum, a) => sum + ('amountCents' in a ? a.amountCents : 0), 0);
        expect(refunded).toBe(Math.max(0, paidCents - target));
        expect(billed).toBe(Math.max(0, target - paidCents - forgiven));
      }),
    );
  });
});
