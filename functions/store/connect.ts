/**
 * A practice's connected Stripe account (Stripe Connect, Standard accounts; docs/decisions/006).
 *
 * Three items, written together:
 * - `PRACTICE#<p> / STRIPE#CONNECT`: what Stripe last said about the account (charges, payouts,
 *   requirements), the link's status and since when (`asOf`, the Stripe event time it reflects).
 * - `STRIPE_ACCOUNT#<acct> / OWNER`: the one practice the account belongs to. Written once, when
 *   kneadpay's own onboarding created the account, and never deleted: a released account's events
 *   still find the practice that owned it (docs/events.md "No Stripe event is silently dropped").
 * - the practice profile's `stripeAccountId`: the account its Stripe calls go to. Set only here;
 *   a profile save keeps it (functions/practices.ts).
 */
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../shared/errors';
import type { Store } from './table';
import type { TransactItem } from './commit';
import { absent, nullValue } from './conditions';
import { keys } from './keys';

import type { AccountState, ConnectStatus, StripeConnect } from '../domain/connect';
export const connectKey = (practiceId: string) => ({ pk: keys.practice(practiceId).pk, sk: 'STRIPE#CONNECT' });
export const accountOwnerKey = (accountId: string) => ({ pk: `STRIPE_ACCOUNT#${accountId}`, sk: 'OWNER' });

const strip = (item: Record<string, unknown> | undefined) => {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest;
};

export const getConnect = async (store: Store, practiceId: string): Promise<StripeConnect | undefined> => {
  const answer = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: connectKey(practiceId), ConsistentRead: true }));
  return strip(answer.Item) as StripeConnect | undefined;
};

/** The practice that onboarded this account (kept after a release), with whether it still holds it. */
export const getAccountOwner = async (store: Store, accountId: string): Promise<{ practiceId: string; released: boolean } | undefined> => {
  const answer = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: accountOwnerKey(accountId) }));
  if (!answer.Item) return undefined;
  return { practiceId: answer.Item.practiceId as string, released: !!answer.Item.releasedAt };
};

/** Sales are open when there is no connected account (the platform's own account sells) or its charges are enabled. */
export const chargesBlocked = (connect: StripeConnect | undefined): boolean => !!connect && !(connect.status !== 'deauthorized' && connect.chargesEnabled);

/**
 * Notes that the practice is creating its account, before Stripe is asked: the account's first
 * events may arrive before its id is stored, and are then answered "retry" rather than dropped.
 * Returns the record (an existing one is kept; undefined if it vanished under a concurrent release).
 */
export const markConnectRequested = async (store: Store, practiceId: string, now: Date): Promise<StripeConnect | undefined> => {
  const record: StripeConnect = {
    practiceId,
    accountId: null,
    status: 'creating',
    chargesEnabled: false,
    payoutsEnabled: false,
    detailsSubmitted: false,
    requirementsDue: [],
    asOf: 0,
    requestedAt: now.toISOString(),
    linkedAt: null,
    deauthorizedAt: null,
    updatedAt: now.toISOString(),
  };
  try {
    await store.doc.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { ...connectKey(practiceId), type: 'stripe-connect', ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return record;
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    // Undefined when a concurrent release removed it in between: the caller retries.
    return getConnect(store, practiceId);
  }
};

const statusOf = (state: AccountState): ConnectStatus => (state.chargesEnabled ? 'enabled' : state.detailsSubmitted ? 'restricted' : 'onboarding');

/**
 * Links the account kneadpay's onboarding created to the practice, in one transaction: the owner
 * item (refused when another practice owns the account), the profile's `stripeAccountId` (refused
 * when the practice holds another account) and the connect record.
 */
export const linkAccount = async (store: Store, practiceId: string, accountId: string, state: AccountState, asOf: number, now: Date): Promise<void> => {
  const at = now.toISOString();
  const writes = [
    {
      Put: {
        TableName: store.tableName,
        Item: { ...accountOwnerKey(accountId), type: 'stripe-account-owner', practiceId, linkedAt: at },
        ConditionExpression: `attribute_not_exists(pk) OR (practiceId = :me AND ${absent('releasedAt')})`,
        ExpressionAttributeValues: { ':me': practiceId, ...nullValue(absent('releasedAt')) },
      },
    },
    {
      // `updatedAt` moves, so a profile save that read the practice before this cannot write it back without the account.
      Update: {
        TableName: store.tableName,
        Key: keys.practice(practiceId),
        UpdateExpression: 'SET stripeAccountId = :acct, updatedAt = :at',
        ConditionExpression: `attribute_exists(pk) AND (${absent('stripeAccountId')} OR stripeAccountId = :acct)`,
        ExpressionAttributeValues: { ':acct': accountId, ':at': at, ...nullValue(absent('stripeAccountId')) },
      },
    },
    {
      Update: {
        TableName: store.tableName,
        Key: connectKey(practiceId),
        UpdateExpression:
          'SET #type = :type, practiceId = :p, accountId = :acct, #status = :status, chargesEnabled = :ce, payoutsEnabled = :pe, detailsSubmitted = :ds, requirementsDue = :rd, disabledReason = :dr, asOf = :asOf, linkedAt = :at, updatedAt = :at, requestedAt = if_not_exists(requestedAt, :at), deauthorizedAt = :null',
        ConditionExpression: `${absent('accountId')} OR accountId = :acct`,
        ExpressionAttributeNames: { '#type': 'type', '#status': 'status' },
        ExpressionAttributeValues: {
          ':type': 'stripe-connect',
          ':p': practiceId,
          ':acct': accountId,
          ':status': statusOf(state),
          ':ce': state.chargesEnabled,
          ':pe': state.payoutsEnabled,
          ':ds': state.detailsSubmitted,
          ':rd': state.requirementsDue,
          ':dr': state.disabledReason ?? null,
          ':asOf': asOf,
          ':at': at,
          ':null': null,
        },
      },
    },
  ];
  try {
    await store.doc.send(new TransactWriteCommand({ TransactItems: writes }));
  } catch (error) {
    if ((error as Error).name !== 'TransactionCanceledException') throw error;
    const codes = ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map((r) => r.Code);
    if (codes[0] === 'ConditionalCheckFailed') throw new ConflictError('that Stripe account belongs to another practice', 'stripe_account_taken', { field: 'stripeAccountId' });
    if (codes[1] === 'ConditionalCheckFailed')
      throw new ConflictError('the practice holds another Stripe account; release it first (DELETE /practices/{practiceId}/stripe)', 'stripe_account_linked', { field: 'stripeAccountId' });
    throw new ConflictError('the practice changed while its Stripe account was being linked; retry', 'conflict');
  }
};

/** Whether the record already says what `state` says (nothing to write). */
export const sameAccountState = (connect: StripeConnect, state: AccountState): boolean =>
  connect.status === statusOf(state) &&
  connect.chargesEnabled === state.chargesEnabled &&
  connect.payoutsEnabled === state.payoutsEnabled &&
  connect.detailsSubmitted === state.detailsSubmitted &&
  JSON.stringify(connect.requirementsDue ?? []) === JSON.stringify(state.requirementsDue) &&
  (connect.disabledReason ?? null) === (state.disabledReason ?? null);

/**
 * The write that records what Stripe says about the account, if it is not older than what is stored
 * and the account is still the practice's and connected. With `read` (the record's revision read
 * before Stripe was asked), only while the record is still at that revision: a concurrent writer
 * makes this one a conflict to re-read, never a second or older write.
 */
export const accountStateWrite = (practiceId: string, accountId: string, state: AccountState, created: number, now: Date, read?: { revision: number | undefined }): TransactItem => ({
  Update: {
    Key: connectKey(practiceId),
    UpdateExpression: `SET #status = :status, chargesEnabled = :ce, payoutsEnabled = :pe, detailsSubmitted = :ds, requirementsDue = :rd, disabledReason = :dr, asOf = :asOf, updatedAt = :at${read ? ', revision = :next' : ''}`,
    ConditionExpression: `accountId = :acct AND #status <> :gone AND asOf <= :asOf${read ? (read.revision === undefined ? ` AND ${absent('revision')}` : ' AND revision = :rev') : ''}`,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ...(read ? { ':next': (read.revision ?? 0) + 1, ...(read.revision === undefined ? nullValue(absent('revision')) : { ':rev': read.revision }) } : {}),
      ':status': statusOf(state),
      ':ce': state.chargesEnabled,
      ':pe': state.payoutsEnabled,
      ':ds': state.detailsSubmitted,
      ':rd': state.requirementsDue,
      ':dr': state.disabledReason ?? null,
      ':asOf': created,
      ':at': now.toISOString(),
      ':acct': accountId,
      ':gone': 'deauthorized',
    },
  },
});

/** The write that marks the practice disconnected (the account's owner removed kneadpay's access). */
export const deauthorizedWrite = (practiceId: string, accountId: string, created: number, now: Date): TransactItem => ({
  Update: {
    Key: connectKey(practiceId),
    UpdateExpression: 'SET #status = :gone, chargesEnabled = :no, payoutsEnabled = :no, asOf = :asOf, deauthorizedAt = :at, updatedAt = :at',
    ConditionExpression: 'accountId = :acct AND #status <> :gone',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':gone': 'deauthorized', ':no': false, ':asOf': created, ':at': now.toISOString(), ':acct': accountId },
  },
});

/**
 * Releases the practice's account (an explicit, audited act): the profile no longer sends calls to
 * it and the connect record is removed; the owner item stays, marked released, so late events of
 * the account still reach this practice.
 */
export const releaseAccountWrites = (practiceId: string, accountId: string, now: Date): TransactItem[] => [
  {
    Update: {
      Key: keys.practice(practiceId),
      // gsi2pk/gsi2sk: the unread index entry profiles linked before 2026-12-06 carry, dropped with the link.
      UpdateExpression: 'REMOVE stripeAccountId, gsi2pk, gsi2sk SET updatedAt = :at',
      ConditionExpression: 'stripeAccountId = :acct',
      ExpressionAttributeValues: { ':acct': accountId, ':at': now.toISOString() },
    },
  },
  { Delete: { Key: connectKey(practiceId), ConditionExpression: 'accountId = :acct', ExpressionAttributeValues: { ':acct': accountId } } },
  {
    Update: {
      Key: accountOwnerKey(accountId),
      UpdateExpression: 'SET releasedAt = :at',
      ConditionExpression: 'practiceId = :me',
      ExpressionAttributeValues: { ':me': practiceId, ':at': now.toISOString() },
    },
  },
];

/**
 * The business identity of one refresh from Stripe: what Stripe said on top of the record's
 * revision `revision`. Concurrent refreshes of the same revision commit once (the rest are duplicates).
 */
export const refreshMarker = (practiceId: string, accountId: string, revision: number | undefined) => ({
  ...keys.marker(practiceId, 'stripe-account-refresh', `${accountId}:${revision ?? 0}`),
  ttlSeconds: 7 * 86_400,
});

/** The business identity of one release request: a retry of the same request commits nothing more. */
export const releaseMarker = (practiceId: string, accountId: string, requestId: string) => keys.marker(practiceId, 'stripe-release', `${accountId}:${requestId}`);

/** The audit entry a release leaves (who released which account, when, by which request). */
export const releaseAuditWrite = (practiceId: string, entry: { auditId: string; accountId: string; actor: string; requestId: string; leftOpen?: string[] }, now: Date): TransactItem => ({
  Put: {
    Item: {
      pk: keys.practice(practiceId).pk,
      sk: `AUDIT#${now.toISOString()}#${entry.auditId}`,
      type: 'audit',
      auditId: entry.auditId,
      action: 'stripe-account-released',
      accountId: entry.accountId,
      actor: entry.actor,
      requestId: entry.requestId,
      /** Balance invoices still open on an account its owner disconnected (released with it). */
      ...(entry.leftOpen ? { leftOpen: entry.leftOpen } : {}),
      at: now.toISOString(),
    },
  },
});

/**
 * Records a Stripe event kneadpay asked Stripe to deliver again because its account is being
 * linked right now, so an operator can see what waited and why (docs/events.md). Kept 7 days.
 */
export const recordDeferredEvent = async (store: Store, practiceId: string, event: { eventId: string; eventType: string; accountId: string; reason: string }, now: Date): Promise<void> => {
  await store.doc.send(
    new PutCommand({
      TableName: store.tableName,
      Item: {
        pk: keys.practice(practiceId).pk,
        sk: `STRIPE_EVENT_DEFERRED#${event.eventId}`,
        type: 'stripe-event-deferred',
        eventId: event.eventId,
        eventType: event.eventType,
        accountId: event.accountId,
        reason: event.reason,
        at: now.toISOString(),
        ttl: Math.floor(now.getTime() / 1000) + 7 * 86_400,
      },
    }),
  );
};
