/** Stripe PaymentIntents and Charges (reads only: nothing is sent, so no PHI can leak). */
import type Stripe from 'stripe';
import { call, requestOptions, type StripeScope } from './gateway';

/** The payment intent, or undefined when Stripe says there is no such object on this account. */
export const findPaymentIntent = (scope: StripeScope, id: string): Promise<Stripe.PaymentIntent | undefined> =>
  call(scope, 'read the payment intent', () =>
    scope.stripe.paymentIntents.retrieve(id, {}, requestOptions(scope)).catch((error: Error & { type?: string }) => {
      if (error.type === 'StripeInvalidRequestError') return undefined; // not a payment intent we can see
      throw error;
    }),
  );
