import middy from '@middy/core';
import { reconcileStripeEvents, type ReconcileDeps } from './core/reconcile';
import { createLogger, lambdaContext } from './shared/logger';
import { countStripeEventOutcome } from './shared/metrics';
import { getStore } from './store/table';
import { getStripe } from './stripe/client';
import { EFFECTS } from './stripe-webhook';

const logger = createLogger('stripe-reconciler');

/**
 * Scheduled: applies Stripe events the webhook missed (endpoint down past Stripe's retries), exactly
 * once, and counts them (EMF: applied, ignored, duplicate). `over` replaces a dependency (tests: a
 * private Stripe emulator).
 */
export const reconcileNow = async (now = new Date(), over: Partial<ReconcileDeps> = {}) => {
  const result = await reconcileStripeEvents({ store: getStore(), stripe: getStripe, effects: EFFECTS, logger, ...over }, now);
  countStripeEventOutcome('applied', 'stripe-reconciler', result.applied);
  countStripeEventOutcome('ignored', 'stripe-reconciler', result.ignored);
  countStripeEventOutcome('duplicate', 'stripe-reconciler', result.alreadyApplied);
  if (result.failed.length > 0) throw new Error(`reconciling failed for ${result.failed.length} account(s)`);
  return result;
};

export const handler = middy(async () => reconcileNow()).use(lambdaContext());
