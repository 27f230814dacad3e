/**
 * The event catalog (functions/shared/events/catalog.ts) against docs/events.md, both ways: the same
 * detail-types in the doc's table, its headings and the catalog; the same fields in each heading's
 * shape and its schema. And the producers: every detail-type the functions emit is catalogued, and
 * the outbox writer refuses a detail that does not match before anything is written.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventCatalog, EVENT_DETAIL_TYPES, EventDetailError, eventDetailProblems, parseEventDetail } from '../../functions/shared/events/catalog';
import { carriedEvent, validatedDetail, validateOutboxEvents } from '../../functions/store/outbox';

const ROOT = join(import.meta.dirname, '..', '..');
const doc = readFileSync(join(ROOT, 'docs', 'events.md'), 'utf8');

/** The detail-types in the doc's table (its first column). */
const tableTypes = (): string[] => {
  const start = doc.indexOf('| detail-type |');
  const rows = doc.slice(start).split('\n').slice(2);
  const types: string[] = [];
  for (const row of rows) {
    if (!row.startsWith('|')) break;
    types.push(/^\|\s*`([A-Za-z]+)`/.exec(row)![1]!);
  }
  return types;
};

/** Each `## \`Type\`` heading → the text of its section. */
const sections = (): Map<string, string> => {
  const found = new Map<string, string>();
  const parts = doc.split(/^## /m).slice(1);
  for (const part of parts) {
    const heading = /^`([A-Za-z]+)`/.exec(part);
    if (heading) found.set(heading[1]!, part);
  }
  return found;
};

/** Splits `a, b:[x, y], c?` at the top level. */
const topLevel = (inner: string): string[] => {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of inner) {
    if ('[{('.includes(char)) depth += 1;
    if (']})'.includes(char)) depth -= 1;
    if (char === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim()) out.push(current.trim());
  return out;
};

/** The fields a section documents: from its ```json example, or its first inline `{…}` shape. `?` marks an optional one. */
const documentedFields = (section: string): Array<{ name: string; optional: boolean }> => {
  const json = /```json\n([\s\S]*?)```/.exec(section);
  if (json) return Object.keys(JSON.parse(json[1]!) as object).map((name) => ({ name, optional: false }));
  const inline = /`\{([^`]*)\}`/.exec(section);
  if (!inline) throw new Error(`no shape in the section ${section.slice(0, 40)}`);
  return topLevel(inline[1]!).map((entry) => {
    const name = /^([A-Za-z]+)(\??)/.exec(entry)!;
    return { name: name[1]!, optional: name[2] === '?' };
  });
};

const isOptional = (schema: unknown): boolean => (schema as { _zod: { def: { type: string } } })._zod.def.type === 'optional';
const shapeOf = (type: (typeof EVENT_DETAIL_TYPES)[number]) => (eventCatalog()[type] as unknown as { shape: Record<string, unknown> }).shape;

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });

describe('the event catalog and docs/events.md', () => {
  it('name the same detail-types: the table, the headings and the catalog', () => {
    // Act
    const inTable = tableTypes();
    const headed = [...sections().keys()];

    // Assess
    expect(inTable.length).toBeGreaterThanOrEqual(14);
    expect([...inTable].sort()).toEqual([...EVENT_DETAIL_TYPES].sort());
    expect([...headed].sort()).toEqual([...EVENT_DETAIL_TYPES].sort());
    expect(Object.keys(eventCatalog()).sort()).toEqual([...EVENT_DETAIL_TYPES].sort());
  });

  it.each(EVENT_DETAIL_TYPES)('%s: the doc and the schema name the same fields, and what the doc marks optional is optional', (type) => {
    // Prepare
    const documented = documentedFields(sections().get(type)!);
    const shape = shapeOf(type);

    // Assess
    expect(documented.map((field) => field.name).sort()).toEqual(Object.keys(shape).sort());
    for (const field of documented.filter((f) => f.optional)) expect({ field: field.name, optional: isOptional(shape[field.name]) }).toEqual({ field: field.name, optional: true });
  });

  it('catalogues every detail-type the functions emit', () => {
    // Act
    const emitted = new Set(sourceFiles(join(ROOT, 'functions')).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/detailType: '([A-Za-z]+)'/g)].map((match) => match[1]!)));

    // Assess
    expect(emitted.size).toBeGreaterThanOrEqual(14);
    expect([...emitted].filter((type) => !EVENT_DETAIL_TYPES.includes(type as never))).toEqual([]);
  });
});

describe('producers and consumers validate with the catalog', () => {
  const paid = { practiceId: 'prac_1', clientId: 'cli_1', kind: 'package', paymentId: 'pi_1', amountCents: 42500, currency: 'usd', paidAt: '2026-12-06T12:00:00.000Z', purchaseId: 'pur_1' };

  it('the outbox writer writes a matching detail as it was, version first', () => {
    // Act
    const checked = validatedDetail({ detailType: 'PaymentSucceeded', detail: paid });
    const carried = carriedEvent({ detailType: 'PaymentSucceeded', detail: paid }, 'identity-1', 0);

    // Assess
    expect(checked).toEqual({ version: 1, ...paid });
    expect(carried.detail).toEqual(checked);
    expect(parseEventDetail('PaymentSucceeded', carried.detail)).toMatchObject(paid);
  });

  it('refuses, before writing, a field the catalog does not name (an email cannot slip onto the bus), naming the field but not its value', () => {
    // Act
    const attempt = () =>
      validateOutboxEvents([
        { detailType: 'PaymentSucceeded', detail: paid },
        { detailType: 'PaymentSucceeded', detail: { ...paid, email: 'jane@client.example' } },
      ]);

    // Assess
    expect(attempt).toThrow(EventDetailError);
    expect(attempt).toThrow(/PaymentSucceeded detail does not match the event catalog: detail: fields not in the catalog: email/);
    expect(attempt).not.toThrow(/jane@client/);
  });

  it('refuses a wrong type, a missing field, a float of cents and an unknown kind, each by its path', () => {
    // Act
    const problems = eventDetailProblems('PaymentSucceeded', { ...paid, amountCents: 425.5, kind: 'gift', currency: 'USD', paymentId: undefined });

    // Assess
    expect(problems).toEqual(expect.arrayContaining(['kind: expected one of "package", "invoice"', 'paymentId: expected string', 'amountCents: expected int', 'currency: not in the expected format']));
    expect(eventDetailProblems('CreditsRedeemed', { version: 1, practiceId: 'p', clientId: 'c', purchaseId: 'u', redemptionId: 'r', appointmentId: 'a', sessions: 1 })).toEqual([]);
    expect(eventDetailProblems('Nope', {})).toEqual(['Nope is not an event type of the catalog']);
  });

  it('refuses an event without its practice, catalogued or not (every key starts with the practice)', () => {
    expect(() => validatedDetail({ detailType: 'AnythingElse', detail: { practiceId: '' } })).toThrow(/practiceId/);
    expect(validatedDetail({ detailType: 'AnythingElse', detail: { practiceId: 'prac_1', n: 1 } })).toEqual({ version: 1, practiceId: 'prac_1', n: 1 });
  });

  it('lets a ClaimAdjudicated from another claims system carry fields of its own (SPEC §4 input), and refuses one without its lines', () => {
    const detail = {
      version: 1,
      practiceId: 'calm-hands',
      claimId: 'CLM-1001',
      remittance: { traceNumber: 'EFT123', payerId: '1512345678', paidAt: '2026-10-20' },
      payerClaimControlNumber: 'PAYER-77',
      statusCode: '1',
      status: 'processed_primary',
      chargeCents: 13000,
      paidCents: 5600,
      patientResponsibilityCents: 3400,
      claimAdjustments: [],
      lines: [{ procedureCode: '97124', units: 2, chargeCents: 6000, paidCents: 2600, adjustments: [] }],
      sourceSystem: 'other',
    };
    expect(eventDetailProblems('ClaimAdjudicated', detail)).toEqual([]);
    expect(eventDetailProblems('ClaimAdjudicated', { ...detail, lines: undefined })).toEqual(['lines: expected array']);
  });
});

describe('a consumer refusing a detail', () => {
  it('logs the practice and the problems (paths, no values) before it throws, so the failed delivery says why', () => {
    // Prepare
    const logged: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const log = { error: (message: string, fields?: Record<string, unknown>) => void logged.push({ message, fields }) };

    // Act
    const attempt = () => parseEventDetail('ClaimAdjudicated', { practiceId: 'calm-hands', claimId: 'CLM-1001', chargeCents: 'lots' }, log);

    // Assess
    expect(attempt).toThrow(EventDetailError);
    expect(logged[0]).toEqual({
      message: 'ClaimAdjudicated refused by the event catalog; nothing done',
      fields: { practiceId: 'calm-hands', problems: expect.arrayContaining(['chargeCents: expected number', 'lines: expected array']) },
    });
    expect(JSON.stringify(logged)).not.toContain('lots');
  });
});
