/**
 * Bug 99 (docs/reliability.md): an overpayment kept as the client's credit because the payment it
 * would have been refunded from was under chargeback (Stripe refuses the refund: `charge_disputed`),
 * then that chargeback lost. The bank took back the whole payment, the kept credit with it: the
 * credit is gone, so later plans must stop counting it as settled (decisions/013). As on the ledger,
 * the chargeback takes the credit first.
 */
import { describe, expect, it } from 'vitest';
import { keptCreditChargedBackCents, planBalance, type DisputedCredit, type InvoiceAmounts } from '../../functions/domain/patient-share';

/** $34.00 paid, `lost` of it taken back by a lost chargeback (planningView: paid net of it). */
const chargedBack = (lost: number, id = 'inv-1'): InvoiceAmounts => ({ invoiceId: id, status: 'paid', amountDueCents: 3400, amountPaidCents: 3400 - lost, amountChargedBackCents: lost });
const paid = (cents: number, id: string): InvoiceAmounts => ({ invoiceId: id, status: 'paid', amountDueCents: cents, amountPaidCents: cents });
/** $10 kept as credit at a $24 share because inv-1's payment was under chargeback. */
const keptFromInv1: DisputedCredit[] = [{ keptCents: 1000, invoiceIds: ['inv-1'] }];

/** The plan as `planClaimBalance` makes it: $10 settled (kept), less what the chargebacks took of it. */
const plan = (share: number, invoices: InvoiceAmounts[], credits = keptFromInv1) => planBalance(share, invoices, 'refund', 1000, keptCreditChargedBackCents(credits, invoices));

describe('planBalance after a kept credit was charged back', () => {
  it('$34 paid, $10 kept as credit at a $24 share, the $34 lost → invoice the $24 owed (not $34)', () => {
    expect(keptCreditChargedBackCents(keptFromInv1, [chargedBack(3400)])).toBe(1000);
    expect(plan(2400, [chargedBack(3400)])).toEqual([{ kind: 'invoice', amountCents: 2400 }]);
    // Without the term, the old plan: the $10 still counted as settled.
    expect(planBalance(2400, [chargedBack(3400)], 'refund', 1000)).toEqual([{ kind: 'invoice', amountCents: 3400 }]);
  });

  it('only $10 of the $34 lost: it took the credit; the $24 still held pays the share → nothing', () => {
    expect(plan(2400, [chargedBack(1000)])).toEqual([]);
  });

  it('$20 lost: the credit and $10 of the share → invoice $10', () => {
    expect(plan(2400, [chargedBack(2000)])).toEqual([{ kind: 'invoice', amountCents: 1000 }]);
  });

  it('after the loss the $24 is billed and paid, then the share falls to $20: $4 refunded', () => {
    expect(plan(2000, [chargedBack(3400), paid(2400, 'inv-2')])).toEqual([{ kind: 'refund', amountCents: 400 }]);
  });

  it('the chargeback won or still open (nothing charged back): the credit stands; the same share plans nothing', () => {
    expect(plan(2400, [paid(3400, 'inv-1')])).toEqual([]);
  });

  it('a credit kept from another payment (not disputed) is not taken by a chargeback lost on inv-1', () => {
    // inv-1's $34 lost and billed again as inv-2 ($34 paid, under chargeback); the share lowered to $24, $10 kept from inv-2.
    const invoices = [chargedBack(3400), paid(3400, 'inv-2')];
    expect(plan(2400, invoices, [{ keptCents: 1000, invoiceIds: ['inv-2'] }])).toEqual([]);
  });

  it('two credits kept from one payment share its chargeback: never more than was charged back', () => {
    expect(
      keptCreditChargedBackCents(
        [
          { keptCents: 600, invoiceIds: ['inv-1'] },
          { keptCents: 600, invoiceIds: ['inv-1'] },
        ],
        [chargedBack(1000)],
      ),
    ).toBe(1000);
  });
});
