import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalStack } from '../../local/stack';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    tableName: string;
    /** The local HTTP API (the wiring table's routes, local JWTs). */
    apiUrl: string;
    /** The local SES inbox: `GET /store` lists received mail (see local/ses.ts listEmails). */
    sesUrl: string;
    /** The Stripe emulator, or null while local/stripe-emulator/index.ts does not exist. */
    stripeUrl: string | null;
    /** The stack's data directory: its JWT key signs the tokens the API accepts. */
    dataDir: string;
  }
}

/**
 * Starts the whole local stack once per run, as `npm start` does but on free loopback ports and
 * with DynamoDB in memory: DynamoDB Local (Amazon's engine) with the table built from the schema
 * the CDK stack uses, the SES inbox, the HTTP API, the event bus and the Stripe emulator. The
 * handler environment it sets (KNEADPAY_TABLE, KNEADPAY_DYNAMO_ENDPOINT, STRIPE_API_BASE, …) is
 * inherited by the test workers. Everything is stopped by pid when the run ends.
 */
export default async function setup(project: TestProject) {
  const tableName = 'kneadpay-test';
  const dataDir = mkdtempSync(join(tmpdir(), 'kneadpay-test-'));
  const stack = await startLocalStack({
    port: 0,
    dataDir,
    inMemory: true,
    tableName,
    schedules: false,
    stripe: 'emulator',
    bus: { pollIntervalMs: 150, retry: { maxAttempts: 3, baseDelayMs: 50 } },
  });
  project.provide('dynamoEndpoint', stack.dynamoEndpoint);
  project.provide('tableName', tableName);
  project.provide('apiUrl', stack.apiUrl);
  project.provide('sesUrl', stack.sesUrl);
  project.provide('stripeUrl', stack.stripeUrl ?? null);
  project.provide('dataDir', dataDir);
  return async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
