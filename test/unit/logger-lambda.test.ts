/**
 * Its own file: Powertools reads POWERTOOLS_LOGGER_LOG_EVENT and AWS_LAMBDA_INITIALIZATION_TYPE when
 * the process's logger is made (on the first line), so both are set before any line is written in
 * this worker, as Lambda sets the second for an on-demand execution environment.
 */
import type { Context } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { httpHandler, json, type ApiEvent } from '../../functions/shared/http';
import { createLogger, setLogSink } from '../../functions/shared/logger';

const saved = { logEvent: process.env.POWERTOOLS_LOGGER_LOG_EVENT, initType: process.env.AWS_LAMBDA_INITIALIZATION_TYPE };
process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
afterAll(() => {
  for (const [name, value] of [
    ['POWERTOOLS_LOGGER_LOG_EVENT', saved.logEvent],
    ['AWS_LAMBDA_INITIALIZATION_TYPE', saved.initType],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});
const lines: string[] = [];
setLogSink((line) => lines.push(line));

describe('logger in a Lambda execution environment', () => {
  it("marks the first invocation's lines cold_start true and the next ones false, and never logs the event itself (request bodies hold PHI)", async () => {
    // Prepare
    const logger = createLogger('lambda-test');
    const handler = httpHandler('lambda-test', async () => {
      logger.info('handled');
      return json(200, { ok: true });
    });
    const context = (awsRequestId: string) => ({ awsRequestId, functionName: 'kneadpay-lambda-test' }) as unknown as Context;
    const event = { headers: {}, requestContext: {}, body: '{"note":"Jane Doe, M54.2"}' } as unknown as ApiEvent;

    // Act
    await handler(event, context('req-1'));
    await handler(event, context('req-2'));

    // Assess
    const handled = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.message === 'handled');
    expect(handled.map((line) => [line.function_request_id, line.cold_start])).toEqual([
      ['req-1', true],
      ['req-2', false],
    ]);
    expect(lines.filter((line) => line.includes('Lambda invocation event') || line.includes('Jane Doe'))).toEqual([]);
  });
});
