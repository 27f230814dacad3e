/**
 * `charge.refunded`: the charge paid either a package (credit effects) or a balance invoice (invoice
 * effects). The package side decides first; a charge it does not know is looked for among the
 * balance invoices, so a refund made by hand in the Stripe Dashboard gets its receipt either way.
 */
import { CREDIT_EFFECTS, NO_PURCHASE_FOR_CHARGE } from './credit-effects';
import { invoiceChargeRefunded, NOT_A_BALANCE_CHARGE } from './invoice-effects';
import type { EffectHandler } from './stripe-events';

export const chargeRefunded =
  (packages: EffectHandler = CREDIT_EFFECTS['charge.refunded']!, balances: EffectHandler = invoiceChargeRefunded()): EffectHandler =>
  async (ctx) => {
    const decision = await packages(ctx);
    if (decision.kind === 'ignore' && decision.reason === NO_PURCHASE_FOR_CHARGE) {
      const balance = await balances(ctx);
      return balance.kind === 'apply' || balance.reason !== NOT_A_BALANCE_CHARGE ? balance : decision;
    }
    return decision;
  };

export const CHARGE_REFUND_EFFECTS: Record<string, EffectHandler> = { 'charge.refunded': chargeRefunded() };
