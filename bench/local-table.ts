/**
 * The DynamoDB Local a webhook bench runs on: started in memory, kneadpay's table created, and the
 * environment the functions read pointed at it — before the bench imports any function (some read
 * their settings at import). `extra` adds variables (a webhook secret).
 */
import { ensureTable, startDynamoDbLocal, type DynamoDbLocal } from '../local/dynamodb';
import { startLatencyProxy } from './latency-proxy';

/**
 * `latencyMs` > 0 puts a loopback proxy between the functions and DynamoDB Local that holds each
 * request that long (bench/latency-proxy.ts): `endpoint` is then the proxy's, and `stop` stops both.
 */
export const startBenchTable = async (extra: Record<string, string> = {}, latencyMs = 0): Promise<{ dynamo: DynamoDbLocal; tableName: string; endpoint: string; stop(): Promise<void> }> => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dynamo = await startDynamoDbLocal();
  const tableName = 'kneadpay-bench';
  try {
    await ensureTable(dynamo.endpoint, tableName);
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
  const proxy = latencyMs > 0 ? await startLatencyProxy(dynamo.endpoint, latencyMs) : undefined;
  const endpoint = proxy?.endpoint ?? dynamo.endpoint;
  Object.assign(process.env, { KNEADPAY_DYNAMO_ENDPOINT: endpoint, KNEADPAY_TABLE: tableName, LOG_LEVEL: 'warn', AWS_REGION: 'us-east-1', ...extra });
  return {
    dynamo,
    tableName,
    endpoint,
    stop: async () => {
      await proxy?.stop();
      await dynamo.stop();
    },
  };
};
