import { inject } from 'vitest';

/**
 * A call to the Stripe emulator the whole test run shares (admin endpoints, hosted pages). The
 * shared emulator refuses, with 409, an admin call that would reach beyond the caller's own
 * accounts (`sharedAdmin`, local/stripe-emulator/admin.ts); that refusal throws here, so a test
 * cannot go on as if its fault, its cleared log or its expired keys were in place.
 */
export const sharedEmulator = async <T = any>(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> => {
  const method = init.method ?? 'GET';
  const answer = await fetch(`${inject('stripeUrl') ?? process.env.STRIPE_API_BASE ?? ''}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk_test_emulator' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const body = (await answer.json().catch(() => null)) as T;
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  if (answer.status === 409 && typeof message === 'string' && message.startsWith('this emulator is shared')) throw new Error(`${method} ${path}: ${message}`);
  return { status: answer.status, body };
};
