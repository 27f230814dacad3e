/**
 * `charge.dispute.created|updated|closed`: the disputed charge paid either a package (credit
 * effects, unchanged) or a balance invoice (invoice effects, docs/decisions/013-balance-disputes.md).
 * The package side decides first; a dispute it finds no purchase for is looked for among the
 * balance invoices.
 */
import { CREDIT_EFFECTS, NO_PURCHASE_FOR_DISPUTE } from './credit-effects';
import { balanceChargeDisputed, NOT_A_DISPUTED_BALANCE } from './invoice-effects';
import type { EffectHandler } from './stripe-events';

export const chargeDisputed =
  (packages: EffectHandler, balances: EffectHandler = balanceChargeDisputed()): EffectHandler =>
  async (ctx) => {
    const decision = await packages(ctx);
    if (decision.kind === 'ignore' && decision.reason === NO_PURCHASE_FOR_DISPUTE) {
      const balance = await balances(ctx);
      return balance.kind === 'apply' || balance.reason !== NOT_A_DISPUTED_BALANCE ? balance : decision;
    }
    return decision;
  };

const DISPUTE_EVENTS = ['charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed'] as const;

export const CHARGE_DISPUTE_EFFECTS: Record<string, EffectHandler> = Object.fromEntries(DISPUTE_EVENTS.map((type) => [type, chargeDisputed(CREDIT_EFFECTS[type]!)]));
