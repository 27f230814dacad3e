/**
 * The one definition of kneadpay's DynamoDB table: key schema, indexes, TTL and stream.
 * The CDK stack (lib/) and the local runtime / test setup (local/, test/) both build the table
 * from this object, so what runs on a laptop has exactly the keys that are deployed.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
  streamView: 'NEW_IMAGE',
  indexes: [
    // GSI1: lookups inside a practice by a secondary identity (client email, status, claim id).
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    // GSI2: global lookups by an external id: the purchase a Stripe payment intent paid for.
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
} as const;

export type IndexName = (typeof TABLE_SCHEMA.indexes)[number]['name'];

/** Every key attribute is a string. */
export const KEY_ATTRIBUTES: readonly string[] = [TABLE_SCHEMA.partitionKey, TABLE_SCHEMA.sortKey, ...TABLE_SCHEMA.indexes.flatMap((index) => [index.partitionKey, index.sortKey])];
