/**
 * Application fees (Connect): a platform may take `application_fee_amount` only from a payment on a
 * connected account — a direct charge made with `Stripe-Account` (docs.stripe.com/connect/direct-charges:
 * "To use an application fee, the request must be made on behalf of another account"). The fee is
 * a non-negative integer in minor units and cannot exceed the amount charged.
 */
import { invalidRequest } from '../errors';
import type { Ctx } from '../state';

export const checkApplicationFee = (ctx: Ctx, fee: number, amount: number, param: string): void => {
  if (ctx.account === null) {
    throw invalidRequest(
      'Can only apply an application_fee_amount when the request is made on behalf of another account (using an OAuth key, the Stripe-Account header, or the destination parameter).',
      { param },
    );
  }
  if (fee > amount) throw invalidRequest(`The application fee (${fee}) cannot be greater than the amount (${amount}).`, { param });
};
