import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EraParser, parseEra, toPinnedClaimJson, type EraClaim } from '../../functions/domain/era835';

/**
 * Layouts of real ERA files that are legitimate X12 (issue 18): several interchanges in one file,
 * lines wrapped at a fixed width, whitespace and line breaks between segments when the terminator
 * is not a line break. And refusals that name the true cause, on one line.
 */
const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/era/${name}`, import.meta.url)), 'utf8');
const worked = fixture('worked-example.835');
const pinned = (claim: EraClaim) => JSON.stringify(toPinnedClaimJson(claim));
const expected = parseEra(worked).claims.map(pinned);

/** The file with no line breaks, cut into lines of `width` characters (CRLF or LF). */
const wrap = (text: string, width: number, lineBreak = '\n') => {
  const flat = text.replace(/\r?\n/g, '');
  const lines: string[] = [];
  for (let i = 0; i < flat.length; i += width) lines.push(flat.slice(i, i + width));
  return lines.join(lineBreak) + lineBreak;
};

/** Reads in chunks of `size` characters (what a stream hands the parser). */
const readInChunks = (text: string, size: number) => {
  const parser = new EraParser();
  const claims: EraClaim[] = [];
  for (let i = 0; i < text.length; i += size) claims.push(...parser.write(text.slice(i, i + size)));
  const summary = parser.end();
  claims.push(...parser.takeCompleted());
  return { claims, summary };
};

const refusal = (text: string): string => {
  try {
    parseEra(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the file was read');
};

describe('era835: legitimate layouts are read', () => {
  it('several interchanges in one file: every claim of each, in file order', () => {
    const second = worked
      .replace(/000000001/g, '000000002')
      .replace('TRN*1*EFT123', 'TRN*1*EFT124')
      .replace('CLP*CLM-1001', 'CLP*CLM-1002');
    const both = parseEra(worked + second);
    expect(both.claims.map((c) => c.patientControlNumber)).toEqual(['CLM-1001', 'CLM-1002']);
    expect(both.payments.map((p) => p.payment.traceNumber)).toEqual(['EFT123', 'EFT124']);
    expect(both.interchangeControlNumber).toBe('000000001');
    expect(pinned(both.claims[0]!)).toBe(expected[0]);
  });

  it.each([
    ['80 columns, LF', (t: string) => wrap(t, 80)],
    ['80 columns, CRLF', (t: string) => wrap(t, 80, '\r\n')],
    ['80 columns, no final line break', (t: string) => wrap(t, 80).trimEnd()],
    ['64 columns', (t: string) => wrap(t, 64)],
    ['132 columns (the ISA on the first line)', (t: string) => wrap(t, 132)],
  ])('lines wrapped at a fixed width: %s', (_name, layout) => {
    const text = layout(worked);
    expect(parseEra(text).claims.map(pinned)).toEqual(expected);
    for (const size of [7, 100, 4096]) expect(readInChunks(text, size).claims.map(pinned)).toEqual(expected);
  });

  it.each([
    ['a space after each terminator', (t: string) => t.replace(/~\n/g, '~ ')],
    ['spaces and a line break', (t: string) => t.replace(/~\n/g, '~  \n  ')],
    ['tabs and CRLF', (t: string) => t.replace(/~\n/g, '~\r\n\t')],
    ['blank lines', (t: string) => t.replace(/~\n/g, '~\n\n')],
  ])('whitespace between segments when the terminator is not a line break: %s', (_name, layout) => {
    expect(parseEra(layout(worked)).claims.map(pinned)).toEqual(expected);
  });
});

describe('era835: refusals name the true cause, on one line', () => {
  it('a component separator other than ISA16', () => {
    const message = refusal(worked.replace('SVC*HC:97124', 'SVC*HC>97124'));
    expect(message).toBe('segment 17 (SVC): SVC01 "HC>97124" separates its components with ">", but ISA16 declares ":" as the component separator');
  });

  it('whitespace before a segment id (line breaks as terminators)', () => {
    const lf = worked.replace(/~\n/g, '\n');
    expect(parseEra(lf).claims.map(pinned)).toEqual(expected);
    const message = refusal(lf.replace('\nCLP*', '\n  CLP*'));
    expect(message).toBe('segment 14 (CLP): whitespace before the segment id "CLP": with line breaks as segment terminators, a segment starts right after the previous one\'s line break');
  });

  it('a line break inside the ISA', () => {
    const broken = `${worked.slice(0, 50)}\n${worked.slice(50)}`;
    expect(refusal(broken)).toBe(
      'segment 1 (ISA): a line break inside the ISA after column 50: the ISA is one fixed-width segment of 106 characters (a file wrapped at a fixed width must wrap every line at the same column)',
    );
  });

  it('a second interchange with another component separator', () => {
    const other = worked.replace('*P*:~', '*P*>~').replace(/:/g, '>');
    expect(refusal(worked + other)).toMatch(/^segment 30 \(ISA\): the next interchange declares ">" as its component separator \(ISA16\), the first one ":"/);
  });

  it('every refusal is one line, even when it quotes line breaks from the file', () => {
    const messages = [
      refusal(worked.replace('SVC*HC:97124', 'SVC*HC>97124')),
      refusal(`${worked.slice(0, 50)}\r\n${worked.slice(50)}`),
      refusal(worked.replace('CLP*CLM-1001', 'CL\nP*CLM-1001')),
      refusal(worked.replace(/\*/g, (m, offset: number) => (offset > 110 ? '|' : m))),
    ];
    for (const message of messages) expect(message).not.toMatch(/[\r\n]/);
  });
});
