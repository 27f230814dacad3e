import type { TestProject } from 'vitest/node';
import { ensureTable, startDynamoDbLocal } from '../../local/dynamodb';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    tableName: string;
  }
}

/**
 * Starts the real parts once per run: DynamoDB Local (Amazon's engine) on a free loopback port with
 * the table built from the same schema the CDK stack uses. Stopped by pid when the run ends.
 */
export default async function setup(project: TestProject) {
  const tableName = 'kneadpay-test';
  const dynamo = await startDynamoDbLocal();
  await ensureTable(dynamo.endpoint, tableName);
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('tableName', tableName);
  return async () => {
    await dynamo.stop();
  };
}
