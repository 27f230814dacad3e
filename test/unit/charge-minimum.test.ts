/**
 * Stripe's minimum charge per currency (docs.stripe.com/currencies, "Minimum and maximum charge
 * amounts") is written twice: kneadpay's copy (functions/domain/charge-minimum.ts, which decides what
 * it sends) and the emulator's (local/stripe-emulator, which refuses or absorbs what Stripe would).
 * The two must not drift apart.
 */
import { describe, expect, it } from 'vitest';
import { minimumChargeCents, STRIPE_MINIMUM_CHARGE } from '../../functions/domain/charge-minimum';
import { MINIMUM_CHARGE, minimumChargeOf } from '../../local/stripe-emulator/resources/common';

describe("Stripe's minimum charge amounts", () => {
  it("kneadpay's table is the emulator's, currency by currency", () => {
    expect(STRIPE_MINIMUM_CHARGE).toEqual(MINIMUM_CHARGE);
    for (const currency of [...Object.keys(MINIMUM_CHARGE), 'idr', 'USD']) expect(minimumChargeCents(currency)).toBe(minimumChargeOf(currency));
  });

  it('the published figures: USD $0.50, GBP £0.30, HKD $4.00, JPY ¥50 (zero-decimal), HUF 175.00 Ft; another currency 50 minor units', () => {
    expect([minimumChargeCents('usd'), minimumChargeCents('gbp'), minimumChargeCents('hkd'), minimumChargeCents('jpy'), minimumChargeCents('huf'), minimumChargeCents('idr')]).toEqual([
      50, 30, 400, 50, 17_500, 50,
    ]);
  });
});
