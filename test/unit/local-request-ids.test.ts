/**
 * Its own file: the invocation store and `AWS_LAMBDA_MAX_CONCURRENCY` are process-wide, so this
 * worker holds them alone. On a laptop several invocations run at once in one process; each must
 * log with its own request id, as it does in Lambda (one invocation per execution environment).
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, lambdaContext, setLogSink } from '../../functions/shared/logger';
import { inInvocationScope } from '../../local/invocation-scope';

const saved = process.env.AWS_LAMBDA_MAX_CONCURRENCY;
afterAll(() => {
  if (saved === undefined) delete process.env.AWS_LAMBDA_MAX_CONCURRENCY;
  else process.env.AWS_LAMBDA_MAX_CONCURRENCY = saved;
});
const lines: Record<string, unknown>[] = [];
setLogSink((line) => lines.push(JSON.parse(line) as Record<string, unknown>));

/** Two invocations of one handler that both log only after both have started (their contexts are both set by then). */
const overlapping = () => {
  const logger = createLogger('overlap-test');
  let arrived = 0;
  let release!: () => void;
  const bothStarted = new Promise<void>((resolve) => (release = resolve));
  const handler = middy(async (event: { name: string }) => {
    arrived += 1;
    if (arrived === 2) release();
    await bothStarted;
    logger.info('handled', { invocation: event.name });
    return event.name;
  }).use(lambdaContext());
  const context = (awsRequestId: string) => ({ awsRequestId, functionName: 'kneadpay-overlap-test', getRemainingTimeInMillis: () => 10_000 }) as unknown as Context;
  return { handler, context };
};

const requestIdsByInvocation = () => Object.fromEntries(lines.filter((line) => line.message === 'handled').map((line) => [line.invocation, line.function_request_id]));

describe('request ids of concurrent local invocations', () => {
  it('without a scope, a line carries the request id of whichever invocation started last (the old laptop behaviour)', async () => {
    lines.length = 0;
    const { handler, context } = overlapping();

    await Promise.all([handler({ name: 'a' }, context('req-a')), handler({ name: 'b' }, context('req-b'))]);

    expect(requestIdsByInvocation()).toEqual({ a: 'req-b', b: 'req-b' });
  });

  it("inside inInvocationScope (the local HTTP API and event bus), each line carries its own invocation's request id", async () => {
    lines.length = 0;
    const { handler, context } = overlapping();

    const answers = await Promise.all([inInvocationScope('req-a', () => handler({ name: 'a' }, context('req-a'))), inInvocationScope('req-b', () => handler({ name: 'b' }, context('req-b')))]);

    expect(answers).toEqual(['a', 'b']);
    expect(requestIdsByInvocation()).toEqual({ a: 'req-a', b: 'req-b' });
    expect(process.env.AWS_LAMBDA_MAX_CONCURRENCY).toBeDefined();
  });
});
