/** Stripe Checkout Sessions: opaque ids in metadata, the Customer given (Checkout writes the typed email onto it). */
import type Stripe from 'stripe';
import { call, guarded, requestOptions, type StripeScope } from './gateway';

/** stripe-node's enums are open (`| OtherString`): the mode kneadpay uses is closed here, so a wrong one does not compile. */
export type CheckoutSessionCreate = Stripe.Checkout.SessionCreateParams & { mode: 'payment' | 'setup' | 'subscription' };

export const createCheckoutSession = (scope: StripeScope, params: CheckoutSessionCreate, idempotencyKey: string): Promise<Stripe.Checkout.Session> =>
  call(scope, 'create the checkout session', () => scope.stripe.checkout.sessions.create(guarded(params, 'checkout session'), requestOptions(scope, idempotencyKey)));
