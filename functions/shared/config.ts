/** Runtime configuration read from the environment, in one place. */
export interface Config {
  tableName: string;
  /** Set only locally and in tests: the DynamoDB Local endpoint. */
  dynamoEndpoint: string | undefined;
  region: string;
}

export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => ({
  tableName: env.KNEADPAY_TABLE ?? 'kneadpay',
  dynamoEndpoint: env.KNEADPAY_DYNAMO_ENDPOINT || undefined,
  region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
});
