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

describe('planBalance with part of an invoice written off (decision 014, "Part of a balance")', () => {
  // As core/invoicing/plan.ts `planningView` shows it: the invoice asks the rest (`amountDueCents`
  // lowered by the write-off) and the part forgiven is `amountWrittenOffCents`.
  const partlyOff = (status: InvoiceAmounts['status'], dueCents: number, forgiven: number, paidCents = 0): InvoiceAmounts => ({
    invoiceId: 'inv-1',
    status,
    amountDueCents: dueCents,
    amountPaidCents: paidCents,
    amountWrittenOffCents: forgiven,
  });

  it('$10 of $34 written off, the rest open: the same share bills nothing more', () => {
    expect(planBalance(3400, [partlyOff('open', 2400, 1000)], 'refund')).toEqual([]);
  });

  it('$10 of $34 written off, $24 paid: a fall to $24 bills and refunds nothing; a rise to $50 bills $16', () => {
    expect(planBalance(2400, [partlyOff('paid', 2400, 1000, 2400)], 'refund')).toEqual([]);
    expect(planBalance(5000, [partlyOff('paid', 2400, 1000, 2400)], 'refund')).toEqual([{ kind: 'invoice', amountCents: 1600 }]);
  });

  it('$10 of $34 written off, the rest open: a fall to $30 voids it and bills $20 (the part forgiven is taken first)', () => {
    expect(planBalance(3000, [partlyOff('open', 2400, 1000)], 'refund')).toEqual([
      { kind: 'void', invoiceId: 'inv-1' },
      { kind: 'invoice', amountCents: 2000 },
    ]);
  });

  it('property: a partial write-off plans as a whole write-off of that part next to an invoice of the rest', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5000, max: 20000 }),
        fc.integer({ min: 2, max: 10000 }).chain((due) => fc.tuple(fc.constant(due), fc.integer({ min: 1, max: due - 1 }))),
        fc.boolean(),
        (share, [due, forgiven], paidRest) => {
          const rest = due - forgiven;
          const one = [partlyOff(paidRest ? 'paid' : 'open', rest, forgiven, paidRest ? rest : 0)];
          const two: InvoiceAmounts[] = [
            { invoiceId: 'inv-0', status: 'void', amountDueCents: forgiven, amountPaidCents: 0, amountWrittenOffCents: forgiven },
            { invoiceId: 'inv-1', status: paidRest ? 'paid' : 'open', amountDueCents: rest, amountPaidCents: paidRest ? rest : 0 },
          ];
          expect(planBalance(share, one, 'refund')).toEqual(planBalance(share, two, 'refund'));
          // Never refunds what was forgiven: at most what was paid beyond the share.
          const refunded = planBalance(share, one, 'refund')
            .filter((a) => a.kind === 'refund')
            .reduce((sum, a) => sum + ('amountCents' in a ? a.amountCents : 0), 0);
          expect(refunded).toBe(Math.max(0, (paidRest ? rest : 0) - Math.max(0, share)));
        },
      ),
    );
  });
});
