import type Stripe from 'stripe';
import { readSecret } from '../shared/secrets';
import { STRIPE_API_VERSION } from './version';
import { config } from '../shared/config';

/**
 * stripe-node retries 409 and 5xx but not 429; we set the count explicitly. Every POST we make
 * carries a deterministic idempotency key, so these retries (and Lambda's) never duplicate.
 */
export const STRIPE_MAX_NETWORK_RETRIES = 2;

export interface StripeConnection {
  apiKey: string;
  /** `http://127.0.0.1:12111` for the emulator; unset for api.stripe.com. */
  apiBase?: string | undefined;
}

/**
 * The SDK, loaded on first use. A deployed bundle keeps `stripe` outside its `index.mjs`
 * (lib/constructs/KneadpayFunction.ts `BUNDLING`, the SDK built beside it): a function pays the
 * SDK's 240 KB at its first Stripe call, not at every cold start — the webhook, which verifies
 * signatures without it (functions/stripe/events.ts), calls Stripe only for rare events.
 */
const loadSdk = async (): Promise<typeof Stripe> => (await import('stripe')).default;

/** A Stripe client: the pinned API version, explicit retries, the emulator's address when given. */
export const createStripe = async ({ apiKey, apiBase }: StripeConnection): Promise<Stripe> => {
  const base = apiBase ? new URL(apiBase) : undefined;
  const Sdk = await loadSdk();
  return new Sdk(apiKey, {
    apiVersion: STRIPE_API_VERSION as Stripe.LatestApiVersion,
    maxNetworkRetries: STRIPE_MAX_NETWORK_RETRIES,
    timeout: 20_000,
    telemetry: false,
    // Names kneadpay in the User-Agent, so a request log can tell kneadpay's calls from others'.
    appInfo: { name: 'kneadpay' },
    ...(base ? { host: base.hostname, port: base.port || (base.protocol === 'https:' ? 443 : 80), protocol: base.protocol.replace(':', '') as 'http' | 'https' } : {}),
  });
};

let shared: Promise<Stripe> | undefined;

/** The process-wide Stripe client (key from the environment or Secrets Manager), made on first use. */
export const getStripe = (): Promise<Stripe> => {
  shared ??= readSecret('STRIPE_SECRET_KEY').then((apiKey) => createStripe({ apiKey, apiBase: config().stripeApiBase }));
  shared.catch(() => {
    shared = undefined;
  });
  return shared;
};
