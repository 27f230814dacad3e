import { defineConfig } from 'vitest/config';

// `npm run test:stripe`: the Stripe contract suite alone, without the local stack (no DynamoDB):
// against real Stripe test mode with STRIPE_SECRET_KEY=sk_test_…, else a private emulator.
export default defineConfig({
  test: {
    include: ['test/contract/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 60_000,
    reporters: ['default'],
  },
});
