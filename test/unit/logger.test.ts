import { afterEach, describe, expect, it } from 'vitest';
import type { Context } from 'aws-lambda';
import { httpHandler, json, type ApiEvent } from '../../functions/shared/http';
import { createLogger, observeLogs, setLogSink } from '../../functions/shared/logger';

const lines: string[] = [];
setLogSink((line) => lines.push(line));
afterEach(() => {
  lines.length = 0;
});

describe('logger', () => {
  it('drops every key that can hold PHI, the claim number included, and keeps the ids', () => {
    // Act
    createLogger('test', { practiceId: 'prac_1', name: 'Jane Doe' }).info('something happened', {
      eventId: 'evt_1',
      email: 'jane@client.example',
      claimId: 'CLM-1001',
      patientControlNumber: 'CLM-1001',
      payerClaimControlNumber: 'PAYER-77',
      payerName: 'ACME HEALTH',
      diagnosisCodes: ['M54.2'],
      procedureCode: '97124',
      invoiceId: 'inv_1',
    });

    // Assess
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(logged).toMatchObject({ level: 'info', service: 'test', message: 'something happened', practiceId: 'prac_1', eventId: 'evt_1', invoiceId: 'inv_1' });
    for (const key of ['name', 'email', 'claimId', 'patientControlNumber', 'payerClaimControlNumber', 'payerName', 'diagnosisCodes', 'procedureCode']) {
      expect(logged).not.toHaveProperty(key);
    }
  });

  it('hands every line to observers whatever the sink, until they stop', () => {
    // Prepare
    const seen: string[] = [];
    const stop = observeLogs((line) => seen.push(line));
    const logger = createLogger('test');

    // Act
    logger.warn('first');
    stop();
    logger.warn('second');

    // Assess
    expect(lines.map((line) => JSON.parse(line).message)).toEqual(['first', 'second']);
    expect(seen.map((line) => JSON.parse(line).message)).toEqual(['first']);
  });
});

describe('logger (Powertools, PHI formatter, Lambda context)', () => {
  it('drops the PHI keys at every depth: nested objects, arrays of objects, an error', () => {
    // Act
    createLogger('test', { practiceId: 'prac_1', client: { name: 'Jane Doe', clientId: 'cli_1' } }).info('nested', {
      claim: { claimId: 'CLM-1001', lines: [{ procedureCode: '97124', units: 2 }], payer: { payerName: 'ACME HEALTH', payerId: '1512345678' } },
      recipients: [{ email: 'jane@client.example', receiptId: 'rcp_1' }, [{ phone: '555-0100', kind: 'sms' }]],
      deep: { a: { b: { c: { dob: '1980-01-02', diagnosisCodes: ['M54.2'], keep: true } } } },
      failure: Object.assign(new Error('no such invoice'), { code: 'not_found', patientName: 'Jane Doe' }),
    });

    // Assess
    const line = lines[0]!;
    for (const leaked of ['Jane Doe', 'CLM-1001', '97124', 'ACME HEALTH', 'jane@client.example', '555-0100', '1980-01-02', 'M54.2']) {
      expect(line).not.toContain(leaked);
    }
    expect(JSON.parse(line)).toMatchObject({
      level: 'info',
      service: 'test',
      message: 'nested',
      practiceId: 'prac_1',
      client: { clientId: 'cli_1' },
      claim: { lines: [{ units: 2 }], payer: { payerId: '1512345678' } },
      recipients: [{ receiptId: 'rcp_1' }, [{ kind: 'sms' }]],
      deep: { a: { b: { c: { keep: true } } } },
      failure: { code: 'not_found' },
    });
  });

  it('keeps dates, nulls and empty values as JSON always wrote them, and survives a cycle', () => {
    // Prepare
    const cyclic: Record<string, unknown> = { id: 'x' };
    cyclic.self = cyclic;

    // Act
    createLogger('test').warn('values', { at: new Date('2026-12-06T10:00:00.000Z'), none: null, empty: '', list: [], cyclic });

    // Assess
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', at: '2026-12-06T10:00:00.000Z', none: null, empty: '', list: [], cyclic: { id: 'x', self: '[Circular]' } });
  });

  it('puts the request id, cold start and function name on an info line of a handler behind httpHandler (not only on a 500)', async () => {
    // Prepare
    const logger = createLogger('ctx-test');
    const handler = httpHandler('ctx-test', async () => {
      logger.info('working on it', { invoiceId: 'inv_1' });
      return json(200, { ok: true });
    });
    const context = {
      awsRequestId: 'req-4f1c',
      functionName: 'kneadpay-ctx-test',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:kneadpay-ctx-test',
      memoryLimitInMB: '512',
      functionVersion: '$LATEST',
    } as unknown as Context;

    // Act
    const answer = await handler({ headers: {}, requestContext: {} } as unknown as ApiEvent, context);
    await handler({ headers: {}, requestContext: {} } as unknown as ApiEvent, { ...context, awsRequestId: 'req-2nd' } as Context);

    // Assess
    expect(answer).toMatchObject({ statusCode: 200 });
    const infos = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.message === 'working on it');
    expect(infos).toHaveLength(2);
    expect(infos[0]).toMatchObject({ level: 'info', service: 'ctx-test', invoiceId: 'inv_1', function_request_id: 'req-4f1c', function_name: 'kneadpay-ctx-test' });
    expect(infos[1]).toMatchObject({ function_request_id: 'req-2nd', cold_start: false });
    expect(typeof infos[0]!.cold_start).toBe('boolean');
  });

  it('puts the X-Ray trace id from _X_AMZN_TRACE_ID on every line', () => {
    // Prepare
    const traceId = '1-5759e988-bd862e3fe1be46a994272793';
    const before = process.env._X_AMZN_TRACE_ID;
    process.env._X_AMZN_TRACE_ID = `Root=${traceId};Parent=53995c3f42cd8ad8;Sampled=1`;

    // Act
    try {
      createLogger('test').info('traced');
      createLogger('test').error('traced too');
    } finally {
      if (before === undefined) delete process.env._X_AMZN_TRACE_ID;
      else process.env._X_AMZN_TRACE_ID = before;
    }
    createLogger('test').info('untraced');

    // Assess
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged[0]).toMatchObject({ message: 'traced', xray_trace_id: traceId });
    expect(logged[1]).toMatchObject({ message: 'traced too', level: 'error', xray_trace_id: traceId });
    expect(logged[2]).not.toHaveProperty('xray_trace_id');
  });
});
