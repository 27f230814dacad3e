/** Stripe Checkout Sessions: opaque ids in metadata, the Customer given (Checkout writes the typed email onto it). */
import type Stripe from 'stripe';
import { call, guarded, requestOptions, type StripeScope } from './gateway';

export const createCheckoutSession = (scope: StripeScope, params: Stripe.Checkout.SessionCreateParams, idempotencyKey: string): Promise<Stripe.Checkout.Session> =>
  call(scope, 'create the checkout session', () => scope.stripe.checkout.sessions.create(guarded(params, 'checkout session'), requestOptions(scope, idempotencyKey)));
