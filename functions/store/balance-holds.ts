/**
 * The table's side of a patient balance waiting for a payer (docs/decisions/015-balance-holds.md):
 * the claim's `balanceHold`, its list item — the hourly sweep's index of held claims, written and
 * deleted in the same commits as the hold — and a release, audited, once per claim.
 */
import type { BalanceHold, BalanceRelease } from '../domain/claim';
import { claimKey } from './claims';
import { BALANCE_VERSION_SEEN } from './claim-balance';
import { absent, nullValue } from './conditions';
import type { TransactItem } from './commit';
import { queryAll } from './items';
import { keys, practicePk } from './keys';
import type { Store } from './table';

const HOLD_PREFIX = 'BALANCEHOLD#';

/**
 * A held claim's list item: `sk = BALANCEHOLD#<since>#<claimId>`, so the claims held longest come
 * first and the sweep reads only those held before its cutoff (one Query a practice, no scan of
 * its claims).
 */
export const balanceHoldKey = (practiceId: string, since: string, claimId: string) => ({ pk: practicePk(practiceId), sk: `${HOLD_PREFIX}${since}#${claimId}` });

/** A hold list item as stored. */
export interface BalanceHoldItem {
  claimId: string;
  clientId: string;
  since: string;
}

/**
 * The hold begins (or its reason changes, `since` kept): on the claim, guarded by the balance version
 * as a plan is (concurrent planners serialise); a wait for a payer never after a release, a
 * `payer_denied` hold also after one (a release ends a hold, not a later denial); with its list item.
 */
export const balanceHoldWrites = (practiceId: string, claimId: string, clientId: string, hold: BalanceHold, seenVersion: number, listed: boolean): TransactItem[] => {
  const condition = hold.reason === 'payer_denied' ? `(${BALANCE_VERSION_SEEN})` : `(${BALANCE_VERSION_SEEN}) AND ${absent('balanceRelease')}`;
  return [
    {
      Update: {
        Key: claimKey(practiceId, claimId),
        UpdateExpression: 'SET balanceHold = :hold, balanceVersion = :next',
        ConditionExpression: condition,
        ExpressionAttributeValues: { ':hold': hold, ':next': seenVersion + 1, ':seen': seenVersion, ':zero': 0, ...nullValue(condition) },
      },
    },
    ...(listed ? [] : [{ Put: { Item: { ...balanceHoldKey(practiceId, hold.since, claimId), type: 'balance-hold', claimId, clientId, since: hold.since } } }]),
  ];
};

/** The hold's list item removed (the hold ended by the payer, in the plan's commit, or by a release). */
export const balanceHoldItemDelete = (practiceId: string, since: string, claimId: string): TransactItem => ({ Delete: { Key: balanceHoldKey(practiceId, since, claimId) } });

/**
 * The business identity of a release: one per hold of a claim, ever (a second press, the sweep racing
 * staff): `<claimId>#<heldSince>`. A claim held again after a release (`payer_denied`) is a new hold.
 */
export const balanceReleaseMarker = (practiceId: string, claimId: string, heldSince: string) => keys.marker(practiceId, 'balance-hold-release', `${claimId}#${heldSince}`);

/**
 * A release: the claim leaves the hold it is in (`balanceRelease`, replacing an earlier release's),
 * only while that hold is the claim's (a payer's 835 that ended the hold first makes this fail:
 * nothing to release) and, when `share` is given, while its adjudications are the ones read (a set-aside
 * denial moves the claim's share: `patientResponsibilityCents`); the balance version moves, so a plan
 * made before it is made again; the list item goes; the audit entry says who, when, which hold.
 */
export const balanceReleaseWrites = (
  practiceId: string,
  claimId: string,
  release: BalanceRelease,
  auditId: string,
  share?: { seenAdjudications: number; patientShareCents?: number },
): TransactItem[] => {
  const condition = `attribute_exists(pk) AND balanceHold.since = :since${share ? ' AND adjudicationCount = :seen' : ''}`;
  return [
    {
      Update: {
        Key: claimKey(practiceId, claimId),
        UpdateExpression: `SET balanceRelease = :release, balanceVersion = if_not_exists(balanceVersion, :zero) + :one${share?.patientShareCents !== undefined ? ', patientResponsibilityCents = :share' : ''} REMOVE balanceHold`,
        ConditionExpression: condition,
        ExpressionAttributeValues: {
          ':release': release,
          ':since': release.heldSince,
          ':zero': 0,
          ':one': 1,
          ...(share ? { ':seen': share.seenAdjudications } : {}),
          ...(share?.patientShareCents !== undefined ? { ':share': share.patientShareCents } : {}),
        },
      },
    },
    balanceHoldItemDelete(practiceId, release.heldSince, claimId),
    {
      Put: {
        Item: {
          pk: practicePk(practiceId),
          sk: `AUDIT#${release.releasedAt}#${auditId}`,
          type: 'audit',
          auditId,
          action: 'balance-hold-released',
          claimId,
          reason: release.reason,
          heldSince: release.heldSince,
          releasedBy: release.releasedBy,
          actor: release.actor,
          at: release.releasedAt,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
};

/** The practice's claims held since before `before` (ISO time), longest held first. */
export const listBalanceHoldsBefore = (store: Store, practiceId: string, before: string): Promise<BalanceHoldItem[]> =>
  queryAll<BalanceHoldItem>(store, {
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':from': HOLD_PREFIX, ':to': `${HOLD_PREFIX}${before}` },
    ConsistentRead: true,
  });
