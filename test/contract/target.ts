/**
 * Where the contract suite runs: real Stripe test mode when STRIPE_SECRET_KEY is a test key
 * (`sk_test_…` / `rk_test_…`; live keys are refused before any request), else the emulator — the
 * one the test stack started (STRIPE_API_BASE, under `npm test`) or a private one.
 */
import type Stripe from 'stripe';
import { createStripe } from '../../functions/stripe/client';
import { startStripeEmulator } from '../../local/stripe-emulator';

export interface ContractTarget {
  kind: 'emulator' | 'real Stripe (test mode)';
  stripe: Stripe;
  stop(): Promise<void>;
}

export const contractTarget = async (): Promise<ContractTarget> => {
  const key = process.env.STRIPE_SECRET_KEY;
  const base = process.env.STRIPE_API_BASE;
  if (key && /^(sk|rk)_live_/.test(key)) throw new Error('refusing to run the Stripe contract suite with a live key: use a test-mode key (sk_test_…)');
  if (base) return { kind: 'emulator', stripe: await createStripe({ apiKey: key ?? 'sk_test_emulator', apiBase: base }), stop: async () => {} };
  if (key) {
    if (!/^(sk|rk)_test_/.test(key)) throw new Error('STRIPE_SECRET_KEY is not a Stripe test-mode key (sk_test_… or rk_test_…)');
    return { kind: 'real Stripe (test mode)', stripe: await createStripe({ apiKey: key }), stop: async () => {} };
  }
  const emulator = await startStripeEmulator({ port: 0 });
  return { kind: 'emulator', stripe: await createStripe({ apiKey: 'sk_test_emulator', apiBase: emulator.url }), stop: () => emulator.stop() };
};

/** What the suite exercised: each gateway call and the response fields kneadpay reads back. */
export const coverage = new Map<string, Set<string>>();
export const covered = (call: string, ...fields: string[]) => {
  const seen = coverage.get(call) ?? new Set<string>();
  for (const field of fields) seen.add(field);
  coverage.set(call, seen);
};
