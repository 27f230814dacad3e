/**
 * A large 835 on POST …/remittances: the import reads the file's claims in BatchGetItem calls and
 * applies claim payments of different clients at once, and still records and answers what the
 * one-at-a-time loop did — a claim's reversal and correction in file order, every claim payment
 * once, the same file posted at once several times one summary.
 */
import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as realSleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { createClaim } from '../../functions/core/claims';
import { receiveRemittance } from '../../functions/core/remittances';
import { getClaims } from '../../functions/store/claims';
import { createClientWithoutEmail, getClient } from '../../functions/store/clients';
import { listQuarantine } from '../../functions/store/remittances';
import { getRemittance } from '../../functions/store/claims';
import { createStore, type Store } from '../../functions/store/table';
import { newId } from '../../functions/shared/ids';
import { api, practiceProfile, workedExampleClaim } from '../support/api';
import { outboxOf } from '../support/fixtures';
import { newPracticeId } from '../support/store';
import { correctionOf, largeEra, reversalOf, workedExamplePayment } from '../fixtures/era/large-era';

const store = createStore();

/**
 * A practice with `clients` clients and `perClient` claims each (the worked example), ids `CLM-<c>-<k>`.
 * The clients have no email, so the shared stack's bus holds each adjudicated balance as
 * `needs_email` instead of invoicing it on the Stripe emulator: these tests assert nothing of the
 * balance invoices, which cost the run about 1,700 Stripe requests (and their emails and webhooks).
 */
const practiceWithClaims = async (clients: number, perClient: number) => {
  const practiceId = newPracticeId();
  expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
  const claimIds: string[] = [];
  const clientOf = new Map<string, string>();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const { client } = await createClientWithoutEmail(store, { practiceId, clientId: newId('cli'), name: 'Jane Doe', currency: 'usd' });
      for (let k = 0; k < perClient; k += 1) {
        const claimId = `CLM-${c}-${k}`;
        await createClaim(store, practiceId, workedExampleClaim(client.clientId, claimId));
        clientOf.set(claimId, client.clientId);
      }
    }),
  );
  for (let c = 0; c < clients; c += 1) for (let k = 0; k < perClient; k += 1) claimIds.push(`CLM-${c}-${k}`);
  return { practiceId, claimIds, clientOf };
};

/** The store with every command it sends counted by name (the real table answers each). */
const countingStore = (real: Store): { store: Store; sent: { name: string; input: Record<string, any> }[] } => {
  const sent: { name: string; input: Record<string, any> }[] = [];
  const send = ((command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    sent.push({ name: command.constructor.name, input: command.input });
    return real.doc.send(command as never);
  }) as unknown as Store['doc']['send'];
  return { store: { ...real, doc: { ...real.doc, send } as Store['doc'] }, sent };
};

/**
 * Runs `work` with `setTimeout` faked, moving fake time on while the real calls (node:timers/promises
 * is not faked) get their answers: a retry loop's backoff (8 attempts: 50 ms … 3.2 s, 6.35 s in all)
 * passes at once instead of being slept through. Every attempt is still made.
 */
const withBackoffSkipped = async <T>(work: () => Promise<T>): Promise<T> => {
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  try {
    let settled = false;
    const running = work().finally(() => (settled = true));
    running.catch(() => undefined);
    while (!settled) {
      await vi.advanceTimersByTimeAsync(500);
      await realSleep(5);
    }
    return await running;
  } finally {
    vi.useRealTimers();
  }
};

/**
 * One large import the first two tests share (setting up 160 claims and importing 311 claim payments
 * costs as much as a test): 40 clients with 4 claims each, CLM-7-2 already adjudicated by an earlier
 * file; then a file of every other claim's payment, 150 claim payments of claims the practice does
 * not have between them, and the target's reversal then its correction in the middle (another claim
 * of the same client and claims of other clients around them), imported with its commands counted.
 */
const importLargeFile = async () => {
  const { practiceId, claimIds, clientOf } = await practiceWithClaims(40, 4);
  const target = 'CLM-7-2';
  await receiveRemittance(store, practiceId, largeEra('EFT-FIRST', [workedExamplePayment(target, 'PAYER-77')]));
  const others = claimIds.filter((id) => id !== target);
  const payments = others.flatMap((id, i) => [workedExamplePayment(id), ...(i < 150 ? [workedExamplePayment(`NOPE-${i}`)] : [])]);
  payments.splice(120, 0, reversalOf(workedExamplePayment(target, 'PAYER-77')));
  payments.splice(140, 0, correctionOf(target, 'PAYER-78'));
  const { store: counted, sent } = countingStore(store);
  const { created, summary } = await receiveRemittance(counted, practiceId, largeEra('EFT-BIG', payments));
  return { practiceId, target, clientOf, created, summary, sent };
};
let largeImport: ReturnType<typeof importLargeFile> | undefined;
/** The shared import, made by whichever of the two tests runs first. */
const sharedLargeImport = () => (largeImport ??= importLargeFile());

describe('a large ERA file', () => {
  it("a claim's reversal and correction among 300 claim payments of 40 clients apply in file order: the claim ends corrected, its patient owes the corrected share; every other claim once", async () => {
    // Prepare and act: the shared import (above).
    const { practiceId, target, clientOf, created, summary } = await sharedLargeImport();
    const view = await api('GET', `/practices/${practiceId}/claims/${target}`, { practiceId });
    const client = await getClient(store, practiceId, clientOf.get(target)!);
    const neighbour = await api('GET', `/practices/${practiceId}/claims/CLM-7-3`, { practiceId });

    // Assess: the answer counts and lists as the loop did (quarantined in file order)…
    expect([created, summary.claims, summary.matched, summary.quarantined.length]).toEqual([true, 311, 161, 150]);
    expect(summary.quarantined.map((q) => q.patientControlNumber)).toEqual(Array.from({ length: 150 }, (_, i) => `NOPE-${i}`));
    // …and stored so (6 batches of 25 written a few at once, each at its index): the file's page lists them in file order.
    expect(await listQuarantine(store, practiceId, summary.remittanceId)).toEqual(summary.quarantined);
    // …the correction was applied after the reversal: the claim's status is the correction's
    // (a reversal applied last would leave it "reversal"), 3400 − 3400 + 2400 owed…
    expect(view.body).toMatchObject({ status: 'processed_primary', patientResponsibilityCents: 2400 });
    expect(view.body.adjudications.map((a: { statusCode: string }) => a.statusCode).sort()).toEqual(['1', '1', '22']);
    // …the client (CLM-7-0…3: four claims, one corrected) owes 3 × 3400 + 2400.
    expect(client.balanceCents).toBe(3 * 3400 + 2400);
    expect(neighbour.body).toMatchObject({ status: 'processed_primary', patientResponsibilityCents: 3400 });
    expect(neighbour.body.adjudications).toHaveLength(1);
    // Every claim payment once, each with its ClaimAdjudicated (1 from the first file).
    const events = (await outboxOf(store, practiceId)).filter((item) => item.detailType === 'ClaimAdjudicated');
    expect(events).toHaveLength(1 + 161);
  });

  it('reads the claims in BatchGetItem calls of at most 100 distinct keys (the reversal and correction of one claim ask for it once), never one GetItem a claim', async () => {
    // Prepare and act: the shared import (above): 310 distinct claim ids, one of them (the target) twice.
    const { target, summary, sent } = await sharedLargeImport();

    // Assess: 310 distinct claim ids in 4 batch reads (100, 100, 100, 10), no key twice in a call
    // (DynamoDB refuses a BatchGetItem naming a key twice), the target's claim asked for once, and
    // no claim read by GetItem.
    const batches = sent.filter((command) => command.name === BatchGetCommand.name).map((command) => Object.values(command.input.RequestItems as Record<string, { Keys: { sk: string }[] }>)[0]!.Keys);
    expect(batches.map((keys) => keys.length).sort((a, b) => b - a)).toEqual([100, 100, 100, 10]);
    for (const keys of batches) expect(new Set(keys.map((key) => key.sk)).size).toBe(keys.length);
    expect(batches.flat().filter((key) => key.sk === `CLAIM#${target}`)).toHaveLength(1);
    expect(sent.filter((command) => command.name === GetCommand.name && String(command.input.Key?.sk).startsWith('CLAIM#'))).toEqual([]);
    expect([summary.claims, summary.matched, summary.quarantined.length]).toEqual([311, 161, 150]);
  });

  it('claims DynamoDB leaves unread (UnprocessedKeys) are asked again; still unread after 8 attempts, the import answers 503 retry_later and records nothing', async () => {
    // Prepare: 3 claims, and two wrappers over the real table (mocks: DynamoDB Local never leaves keys unprocessed).
    const { practiceId, claimIds } = await practiceWithClaims(1, 3);
    // The first BatchGetItem answers only its first key and hands the rest back, as DynamoDB may.
    let partial = 0;
    const partly: Store = {
      ...store,
      doc: {
        ...store.doc,
        send: (async (command: unknown) => {
          if (!(command instanceof BatchGetCommand) || partial++ > 0) return store.doc.send(command as never);
          const { Keys, ...rest } = command.input.RequestItems![store.tableName]!;
          const answer = await store.doc.send(new BatchGetCommand({ RequestItems: { [store.tableName]: { ...rest, Keys: Keys!.slice(0, 1) } } }));
          return { ...answer, UnprocessedKeys: { [store.tableName]: { ...rest, Keys: Keys!.slice(1) } } };
        }) as Store['doc']['send'],
      } as Store['doc'],
    };
    const never: Store = {
      ...store,
      doc: {
        ...store.doc,
        send: ((command: unknown) =>
          command instanceof BatchGetCommand ? Promise.resolve({ Responses: {}, UnprocessedKeys: command.input.RequestItems }) : store.doc.send(command as never)) as Store['doc']['send'],
      } as Store['doc'],
    };
    const text = largeEra(
      'EFT-UNPROCESSED',
      claimIds.map((id) => workedExamplePayment(id)),
    );

    // Act
    const found = await getClaims(partly, practiceId, claimIds);
    let attempts = 0;
    const counted: Store = {
      ...never,
      doc: { ...never.doc, send: ((command: unknown) => ((attempts += command instanceof BatchGetCommand ? 1 : 0), never.doc.send(command as never))) as Store['doc']['send'] } as Store['doc'],
    };
    const refused = await withBackoffSkipped(() => receiveRemittance(counted, practiceId, text).catch((error: unknown) => error));
    const remittanceId = (await receiveRemittance(store, practiceId, text)).summary.remittanceId;

    // Assess: all three read (the second call asked for the two left); the refusal is retryable and
    // left nothing (the same file then records, applying each claim payment once).
    expect([partial, [...found.keys()].sort()]).toEqual([2, [...claimIds].sort()]);
    expect([refused, attempts]).toMatchObject([{ status: 503, code: 'retry_later' }, 8]);
    expect((await getRemittance(store, practiceId, remittanceId))?.matched).toBe(3);
    const events = (await outboxOf(store, practiceId)).filter((item) => item.detailType === 'ClaimAdjudicated');
    expect(events).toHaveLength(3);
  }, 30_000);

  it('the same large file posted three times at once: one 202, the others 200 with the same answer; every claim payment applied once', async () => {
    // Prepare: 20 clients × 5 claims, a file of their 100 claim payments and 100 unmatched.
    const { practiceId, claimIds } = await practiceWithClaims(20, 5);
    const text = largeEra(
      'EFT-TWICE',
      claimIds.flatMap((id, i) => [workedExamplePayment(id), workedExamplePayment(`NOPE-${i}`)]),
    );
    const post = () => api('POST', `/practices/${practiceId}/remittances`, { practiceId, raw: text, headers: { 'content-type': 'application/edi-x12' } });

    // Act
    const answers = await Promise.all([post(), post(), post()]);
    const again = await post();

    // Assess
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 202]);
    for (const answer of [...answers, again]) expect(answer.body).toEqual(answers.find((a) => a.status === 202)!.body);
    expect(answers.find((a) => a.status === 202)!.body).toMatchObject({ claims: 200, matched: 100 });
    expect(again.status).toBe(200);
    const events = (await outboxOf(store, practiceId)).filter((item) => item.detailType === 'ClaimAdjudicated');
    expect(events).toHaveLength(100);
    const claim = await api('GET', `/practices/${practiceId}/claims/${claimIds[42]}`, { practiceId });
    expect([claim.body.patientResponsibilityCents, claim.body.adjudications.length]).toEqual([3400, 1]);
  });
});
