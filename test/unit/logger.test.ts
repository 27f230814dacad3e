import { afterEach, describe, expect, it } from 'vitest';
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
      eventId: 'evt_1', email: 'jane@client.example', claimId: 'CLM-1001', patientControlNumber: 'CLM-1001', payerClaimControlNumber: 'PAYER-77',
      payerName: 'ACME HEALTH', diagnosisCodes: ['M54.2'], procedureCode: '97124', invoiceId: 'inv_1',
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
