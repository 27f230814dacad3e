/** Stripe Refunds: opaque ids in metadata. kneadpay lists them (charge.refunded carries no list since API 2022-11-15). */
import type Stripe from 'stripe';
import { call, guarded, requestOptions, type StripeScope } from './gateway';

export const listRefunds = async (scope: StripeScope, of: { charge: string } | { payment_intent: string }): Promise<Stripe.Refund[]> =>
  (await call(scope, 'list refunds', () => scope.stripe.refunds.list({ ...of, limit: 100 }, requestOptions(scope)))).data;

export const createRefund = (scope: StripeScope, params: Stripe.RefundCreateParams, idempotencyKey: string): Promise<Stripe.Refund> =>
  call(scope, 'create the refund', () => scope.stripe.refunds.create(guarded(params, 'refund'), requestOptions(scope, idempotencyKey)));
