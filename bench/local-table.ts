/**
 * The DynamoDB Local a webhook bench runs on: started in memory, kneadpay's table created, and the
 * environment the functions read pointed at it — before the bench imports any function (some read
 * their settings at import). `extra` adds variables (a webhook secret).
 */
import { ensureTable, startDynamoDbLocal, type DynamoDbLocal } from '../local/dynamodb';

export const startBenchTable = async (extra: Record<string, string> = {}): Promise<{ dynamo: DynamoDbLocal; tableName: string }> => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dynamo = await startDynamoDbLocal();
  const tableName = 'kneadpay-bench';
  try {
    await ensureTable(dynamo.endpoint, tableName);
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
  Object.assign(process.env, { KNEADPAY_DYNAMO_ENDPOINT: dynamo.endpoint, KNEADPAY_TABLE: tableName, LOG_LEVEL: 'warn', AWS_REGION: 'us-east-1', ...extra });
  return { dynamo, tableName };
};
