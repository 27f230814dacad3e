import { CHARGE_DISPUTE_EFFECTS } from './core/charge-disputes';
import { CHARGE_REFUND_EFFECTS } from './core/charge-refunds';
import { CONNECT_EFFECTS } from './core/connect';
import { CREDIT_EFFECTS } from './core/credit-effects';
import { withPlatformFees } from './core/fee-effects';
import { INVOICE_EFFECTS } from './core/invoice-effects';
import { ingestStripeEvent, verifyStripeEvent } from './core/stripe-events';
import { header, httpHandler, json, rawBody, type ApiEvent } from './shared/http';
import { createLogger } from './shared/logger';
import { countStripeEventOutcome } from './shared/metrics';
import { readSecret } from './shared/secrets';
import { ValidationError } from './shared/errors';
import { getStore } from './store/table';
import { getStripe } from './stripe/client';
import { STRIPE_API_VERSION } from './stripe/version';

const logger = createLogger('stripe-webhook');

/** Every effect the webhook applies, by Stripe event type; other types are recorded as ignored. */
export const EFFECTS = { ...withPlatformFees({ ...CREDIT_EFFECTS, ...INVOICE_EFFECTS, ...CHARGE_REFUND_EFFECTS, ...CHARGE_DISPUTE_EFFECTS }), ...CONNECT_EFFECTS };

/** Several secrets, comma-separated, while an endpoint secret is being rotated. */
const webhookSecrets = async (): Promise<string[]> =>
  (await readSecret('STRIPE_WEBHOOK_SECRET'))
    .split(',')
    .map((secret) => secret.trim())
    .filter(Boolean);

/**
 * POST /webhooks/stripe. Verifies the signature on the raw bytes before anything parses the body,
 * then applies the event exactly once. Stays fast: emails and Stripe calls happen in consumers.
 */
export const serveWebhook = async (event: ApiEvent) => {
  const stripeEvent = verifyStripeEvent(rawBody(event), header(event, 'stripe-signature'), await webhookSecrets());
  // Each endpoint renders events at its own API version (docs/operations.md: pin both to the SDK's).
  if (stripeEvent.api_version && stripeEvent.api_version !== STRIPE_API_VERSION) {
    logger.warn('stripe event rendered at another API version than the SDK is typed for: pin the endpoint', {
      eventId: stripeEvent.id,
      apiVersion: stripeEvent.api_version,
      expected: STRIPE_API_VERSION,
    });
  }
  const outcome = await ingestStripeEvent({ store: getStore(), stripe: getStripe, effects: EFFECTS, logger }, stripeEvent).catch((error: Error) => {
    // A value of a verified event that DynamoDB cannot take as a key: the event is malformed.
    if (error.name === 'ValidationException') throw new ValidationError('the event holds values kneadpay cannot store', { field: 'data.object' }, error);
    throw error;
  });
  countStripeEventOutcome(outcome.outcome, 'stripe-webhook');
  return json(200, { received: true }, { 'x-kneadpay-outcome': outcome.outcome });
};

export const handler = httpHandler('stripe-webhook', serveWebhook);
