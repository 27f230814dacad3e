import type Stripe from 'stripe';

/** The error a Stripe call (the SDK, on the emulator) was refused with; fails the test if it was not refused. */
export const stripeRefusal = async (promise: Promise<unknown>): Promise<Stripe.errors.StripeError> => {
  try {
    await promise;
  } catch (error) {
    return error as Stripe.errors.StripeError;
  }
  throw new Error('expected Stripe to refuse the call');
};
