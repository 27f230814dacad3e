/**
 * POST …/remittances on the function's own deadline (bug 130). API Gateway gives the function 29 s;
 * middy's `timeoutEarly` ends the invocation just before, and the answer is 503 `retry_later`. It said
 * "a service kneadpay depends on is busy" (middy's `TimeoutError` was read as a dependency's): the truth
 * is that the route's work did not finish in its time, that what was applied is applied once, and that
 * posting the same file again finishes it — which this test shows on DynamoDB Local.
 */
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { createClaim } from '../../functions/core/claims';
import { handler } from '../../functions/remittances';
import { DEADLINE_MESSAGE, isOwnDeadline, PRACTICE_CLAIM, type ApiEvent, type ApiResult } from '../../functions/shared/http';
import { newId } from '../../functions/shared/ids';
import { listAdjudications } from '../../functions/store/claims';
import { createClientWithoutEmail } from '../../functions/store/clients';
import { createStore, type Store } from '../../functions/store/table';
import { api, practiceProfile, workedExampleClaim } from '../support/api';
import { outboxOf } from '../support/fixtures';
import { newPracticeId } from '../support/store';
import { largeEra, workedExamplePayment } from '../fixtures/era/large-era';

const store = createStore();

/**
 * The first post runs on a table that stops answering after `frozenAfter` commands: what a Lambda
 * invocation ended at its deadline leaves (its work frozen or ended mid-import). A mock of that one
 * fact — on a laptop the import would carry on in the background, so no real part produces it; every
 * command before the freeze is the real table's. Later posts run on the real table.
 */
const freeze = vi.hoisted(() => ({ frozenAfter: undefined as number | undefined }));
vi.mock('../../functions/store/table', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../functions/store/table')>();
  return {
    ...real,
    getStore: (...args: Parameters<typeof real.getStore>) => {
      const table = real.getStore(...args);
      if (freeze.frozenAfter === undefined) return table;
      let sent = 0;
      const limit = freeze.frozenAfter;
      const send = ((command: never) => (sent++ < limit ? table.doc.send(command) : new Promise(() => undefined))) as Store['doc']['send'];
      return { ...table, doc: { ...table.doc, send } as Store['doc'] };
    },
  };
});

/** POST /practices/{p}/remittances as API Gateway hands it to the function, with the practice's token claims. */
const postEvent = (practiceId: string, text: string): ApiEvent =>
  ({
    version: '2.0',
    routeKey: 'POST /practices/{practiceId}/remittances',
    rawPath: `/practices/${practiceId}/remittances`,
    rawQueryString: '',
    headers: { 'content-type': 'application/edi-x12' },
    pathParameters: { practiceId },
    body: text,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      requestId: newId('req'),
      routeKey: 'POST /practices/{practiceId}/remittances',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      http: { method: 'POST', path: `/practices/${practiceId}/remittances`, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      authorizer: { jwt: { claims: { [PRACTICE_CLAIM]: practiceId, sub: 'staff' }, scopes: null } },
    },
  }) as unknown as ApiEvent;

/** A Lambda context whose invocation ends `ms` from now (what Lambda's getRemainingTimeInMillis counts down). */
const contextEnding = (ms: number): Context => {
  const deadline = Date.now() + ms;
  return { awsRequestId: newId('req'), functionName: 'kneadpay-remittances', getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as unknown as Context;
};

const post = async (practiceId: string, text: string, ms: number) =>
  (await handler(postEvent(practiceId, text), contextEnding(ms))) as ApiResult & { statusCode: number; body: string; headers: Record<string, string> };

describe("POST …/remittances cut off by the function's own deadline", () => {
  it('answers 503 retry_later saying the work did not finish in time (not a busy dependency); the same file posted again applies the rest, every claim payment once', { timeout: 60_000 }, async () => {
    // Prepare: 30 clients with one claim each (no email: the bus holds their balances as needs_email,
    // no Stripe call this test has no use for), and a file paying all 30.
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
    const claimIds = Array.from({ length: 30 }, (_, c) => `CLM-D-${c}`);
    await Promise.all(
      claimIds.map(async (claimId) => {
        const { client } = await createClientWithoutEmail(store, { practiceId, clientId: newId('cli'), name: 'Jane Doe', currency: 'usd' });
        await createClaim(store, practiceId, workedExampleClaim(client.clientId, claimId));
      }),
    );
    const text = largeEra(
      'EFT-DEADLINE',
      claimIds.map((claimId) => workedExamplePayment(claimId)),
    );

    // Act 1: the first post; its table freezes after 30 commands, its deadline comes 1 s on plus 4×
    // what 30 reads of this table take now (middy sets its timer at the start: on a loaded machine a
    // fixed 1.5 s ended the post before its first claim payment was applied).
    const probeStarted = performance.now();
    for (let i = 0; i < 30; i += 1) await listAdjudications(store, practiceId, claimIds[i]!);
    const deadlineMs = 1_000 + 4 * Math.round(performance.now() - probeStarted);
    freeze.frozenAfter = 30;
    const cut = await post(practiceId, text, deadlineMs);
    freeze.frozenAfter = undefined;
    const appliedAtTheCut = (await outboxOf(store, practiceId)).filter((item) => item.detailType === 'ClaimAdjudicated').length;

    // Assess 1: the truth, in the pinned error shape, with Retry-After; part of the file applied.
    expect([cut.statusCode, cut.headers['retry-after'], JSON.parse(cut.body)]).toEqual([503, '1', { error: { code: 'retry_later', message: DEADLINE_MESSAGE, details: { reason: 'deadline' } } }]);
    expect(JSON.parse(cut.body).error.message).not.toMatch(/busy|unavailable|depends on/);
    expect(appliedAtTheCut).toBeGreaterThan(0);
    expect(appliedAtTheCut).toBeLessThan(claimIds.length);

    // Act 2: the same file posted again with the route's whole 29 s, then once more.
    const again = await post(practiceId, text, 29_000);
    const third = await post(practiceId, text, 29_000);

    // Assess 2: recorded now (202), every claim adjudicated, each claim payment applied exactly once.
    expect(again.statusCode).toBe(202);
    expect(JSON.parse(again.body)).toMatchObject({ claims: 30, matched: 30, quarantined: [] });
    expect([third.statusCode, third.body]).toEqual([200, again.body]);
    const adjudications = await Promise.all(claimIds.map(async (claimId) => (await listAdjudications(store, practiceId, claimId)).length));
    expect(adjudications).toEqual(claimIds.map(() => 1));
    const events = (await outboxOf(store, practiceId)).filter((item) => item.detailType === 'ClaimAdjudicated').map((item) => String(item.detail.claimId));
    expect(events.sort()).toEqual([...claimIds].sort());
  });

  it("tells middy's deadline from a dependency's timeout of the same name (the AWS SDK's socket TimeoutError stays a busy dependency)", () => {
    const middyDeadline = Object.assign(new Error('[AbortError]: The operation was aborted.', { cause: { package: '@middy/core' } }), { name: 'TimeoutError' });
    const sdkSocketTimeout = Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError', $metadata: {} });
    expect([isOwnDeadline(middyDeadline), isOwnDeadline(sdkSocketTimeout), isOwnDeadline(undefined)]).toEqual([true, false, false]);
  });
});
