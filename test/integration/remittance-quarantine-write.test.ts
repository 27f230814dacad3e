/**
 * A file's quarantined claims are written in batches before its summary is committed. When
 * DynamoDB keeps leaving a batch unprocessed (throttling), the file must not be recorded with
 * claims missing from its quarantine: the import fails (503, post the file again), nothing recorded.
 */
import { createHash } from 'node:crypto';
import { setTimeout as realSleep } from 'node:timers/promises';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { receiveRemittance } from '../../functions/core/remittances';
import { deriveId } from '../../functions/shared/ids';
import { getRemittance } from '../../functions/store/claims';
import { listQuarantine } from '../../functions/store/remittances';
import { createStore, type Store } from '../../functions/store/table';
import { api, practiceProfile } from '../support/api';
import { newPracticeId } from '../support/store';
import { manyPaymentsEra } from '../fixtures/era/many-payments';

const store = createStore();

/**
 * The run's table, except that every BatchWriteItem comes back with all its items unprocessed. A
 * mock: DynamoDB Local does not throttle, so it cannot produce this case; every other call is real.
 */
const throttledBatches = (real: Store): Store => {
  const send = ((command: unknown) =>
    command instanceof BatchWriteCommand ? Promise.resolve({ UnprocessedItems: command.input.RequestItems }) : real.doc.send(command as never)) as Store['doc']['send'];
  return { ...real, doc: { ...real.doc, send } as Store['doc'] };
};

afterEach(() => {
  vi.useRealTimers();
});

describe("a file's quarantined claims left unwritten by DynamoDB", () => {
  it('the import fails with 503 retry_later and records nothing; the same file again records it whole', async () => {
    // Prepare: a practice, and a file of three payments of claims it does not have (three quarantined).
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
    const text = manyPaymentsEra(3);

    // Act: the import over a throttled BatchWriteItem (its backoff sleeps run on fake timers).
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    let settled = false;
    const attempt = receiveRemittance(throttledBatches(store), practiceId, text).then(
      (answer) => ({ answer }),
      (error: unknown) => ({ error }),
    );
    void attempt.finally(() => (settled = true));
    // Fake time moves on while the real calls (node:timers/promises, not faked) get their answers.
    for (const until = Date.now() + 30_000; !settled && Date.now() < until;) {
      await vi.advanceTimersByTimeAsync(500);
      await realSleep(5);
    }
    const outcome = await attempt;
    vi.useRealTimers();
    const remittanceId = deriveId('rem', practiceId, createHash('sha256').update(text).digest('hex'));
    const recorded = await getRemittance(store, practiceId, remittanceId);
    const again = await receiveRemittance(store, practiceId, text);

    // Assess: refused as retryable, nothing recorded (no summary without its quarantine)…
    expect(outcome).toEqual({ error: expect.objectContaining({ status: 503, code: 'retry_later' }) });
    expect(recorded).toBeUndefined();
    // …and the file posted again is recorded with its three quarantined claims.
    expect([again.created, again.summary.remittanceId, again.summary.quarantined.length]).toEqual([true, remittanceId, 3]);
    expect(await listQuarantine(store, practiceId, again.summary.remittanceId)).toEqual(again.summary.quarantined);
  });
});
