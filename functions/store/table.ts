import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readConfig } from '../shared/config';

export interface StoreOptions {
  tableName?: string;
  endpoint?: string;
  region?: string;
}

/** A table handle: the document client and the table name. Inject one in tests; Lambda uses the default. */
export interface Store {
  doc: DynamoDBDocumentClient;
  tableName: string;
}

export const createStore = (options: StoreOptions = {}): Store => {
  const config = readConfig();
  const endpoint = options.endpoint ?? config.dynamoEndpoint;
  const client = new DynamoDBClient({
    region: options.region ?? config.region,
    ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    maxAttempts: 4,
  });
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { doc, tableName: options.tableName ?? config.tableName };
};

let defaultStore: Store | undefined;

/** The process-wide store, created on first use (not at import, so cold start stays lean). */
export const getStore = (): Store => {
  defaultStore ??= createStore();
  return defaultStore;
};
