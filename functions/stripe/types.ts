/**
 * The Stripe SDK's types (the client, `Stripe.Event`, `Stripe.Account` …) as core names them:
 * core reaches Stripe only through the `functions/stripe/` gateway, types included, and never
 * imports the SDK itself (test/infra/layers.test.ts). Type-only: nothing is loaded at run time.
 */
export type { default as Stripe } from 'stripe';
