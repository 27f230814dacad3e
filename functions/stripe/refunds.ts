/** Stripe Refunds: opaque ids in metadata. kneadpay lists them (charge.refunded carries no list since API 2022-11-15). */
import type Stripe from 'stripe';
import { call, guarded, listAll, requestOptions, type StripeScope } from './gateway';

/** Every refund of a charge or payment intent, every page (a payment refunded in more than 100 parts: bug 142). */
export const listRefunds = async (scope: StripeScope, of: { charge: string } | { payment_intent: string }): Promise<Stripe.Refund[]> =>
  listAll(scope, 'list refunds', () => scope.stripe.refunds.list({ ...of, limit: 100 }, requestOptions(scope)));

export const createRefund = (scope: StripeScope, params: Stripe.RefundCreateParams, idempotencyKey: string): Promise<Stripe.Refund> =>
  call(scope, 'create the refund', () => scope.stripe.refunds.create(guarded(params, 'refund'), requestOptions(scope, idempotencyKey)));
