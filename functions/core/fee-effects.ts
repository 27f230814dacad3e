/**
 * The platform's fee on a connected account's payment (KNEADPAY_PLATFORM_FEE_BPS, sent to Stripe
 * as `application_fee_amount`). The practice's ledger and receipts keep the gross; the fee is
 * reported in the platform's own event, `PlatformFeeCollected`, committed with the payment.
 */
import type { Decision, EffectHandler, EventContext } from './stripe-events';

/** The fee kneadpay put in the object's metadata when it asked Stripe for it (checkout, invoice). */
const feeOf = (ctx: EventContext): number => {
  const raw = (ctx.event.data.object as { metadata?: Record<string, string> | null }).metadata?.platformFeeCents;
  const fee = raw === undefined ? 0 : Number(raw);
  return Number.isSafeInteger(fee) && fee > 0 ? fee : 0;
};

const withFee =
  (effect: EffectHandler): EffectHandler =>
  async (ctx) => {
    const decision: Decision = await effect(ctx);
    if (decision.kind !== 'apply') return decision;
    const paid = decision.events.find((event) => event.detailType === 'PaymentSucceeded');
    const fee = feeOf(ctx);
    if (!paid || !fee) return decision;
    const gross = paid.detail.amountCents as number;
    return {
      ...decision,
      events: [
        ...decision.events,
        {
          detailType: 'PlatformFeeCollected',
          detail: {
            practiceId: ctx.practiceId,
            accountId: ctx.event.account ?? null,
            kind: paid.detail.kind,
            paymentId: paid.detail.paymentId,
            grossCents: gross,
            feeCents: Math.min(fee, gross),
            netCents: gross - Math.min(fee, gross),
            currency: paid.detail.currency,
          },
        },
      ],
    };
  };

/** The same effects, each also reporting the platform fee of the payment it records. */
export const withPlatformFees = (effects: Record<string, EffectHandler>): Record<string, EffectHandler> => Object.fromEntries(Object.entries(effects).map(([type, effect]) => [type, withFee(effect)]));
