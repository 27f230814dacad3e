import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../shared/errors';
import type { Store } from './table';
import { getItem, queryAll, withoutKeys } from './items';
import { practicePk } from './keys';

import type { SessionPackage } from '../domain/package';
export const packageKey = (practiceId: string, packageId: string) => ({ pk: practicePk(practiceId), sk: `PACKAGE#${packageId}` });

export const getPackage = async (store: Store, practiceId: string, packageId: string): Promise<SessionPackage> => {
  const item = await getItem<SessionPackage>(store, packageKey(practiceId, packageId));
  if (!item) throw new NotFoundError('package');
  return withoutKeys<SessionPackage>(item);
};

/** The fingerprint of the request that created a package with an Idempotency-Key (absent before issue 17). */
export const packageRequestFingerprint = async (store: Store, practiceId: string, packageId: string): Promise<string | undefined> =>
  (await getItem<{ requestFingerprint?: string }>(store, packageKey(practiceId, packageId)))?.requestFingerprint;

export const listPackages = async (store: Store, practiceId: string): Promise<SessionPackage[]> =>
  (
    await queryAll<Record<string, unknown>>(store, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'PACKAGE#' },
    })
  ).map((item) => withoutKeys<SessionPackage>(item));

/** Writes a new package (before its Stripe objects exist: ids are filled in as they become known). */
export const insertPackage = async (store: Store, pkg: SessionPackage, requestFingerprint?: string): Promise<void> => {
  await store.doc.send(
    new PutCommand({
      TableName: store.tableName,
      // The fingerprint of the creating request (Idempotency-Key reuse check) is kept out of views.
      Item: { ...packageKey(pkg.practiceId, pkg.packageId), type: 'package', ...pkg, ...(requestFingerprint ? { requestFingerprint } : {}) },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
};

/** Records Stripe ids as soon as they are known, so a retry reads them instead of creating again. */
export const updatePackage = async (store: Store, practiceId: string, packageId: string, changes: Partial<SessionPackage>): Promise<SessionPackage> => {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  const answer = await store.doc.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: packageKey(practiceId, packageId),
      UpdateExpression: `SET ${entries.map((_, i) => `#k${i} = :v${i}`).join(', ')}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: Object.fromEntries(entries.map(([key], i) => [`#k${i}`, key])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
      ReturnValues: 'ALL_NEW',
    }),
  );
  return withoutKeys<SessionPackage>(answer.Attributes ?? {});
};
