import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isEraParseError, parseEra } from '../../functions/domain/era835';

const worked = readFileSync(new URL('../fixtures/era/worked-example.835', import.meta.url), 'utf8');
const refusal = (text: string) => {
  try {
    parseEra(text);
    return 'parsed';
  } catch (error) {
    if (!isEraParseError(error)) throw error;
    return error.message;
  }
};

describe('era835: only what the 5010 guide allows is read (the audit of 2026-11-28)', () => {
  it('a 4010 interchange (ISA12 00401) is refused naming ISA12, not read as 5010', () => {
    expect(refusal(worked.replace('*00501*', '*00401*'))).toMatch(/ISA12 "00401" is not 00501/);
  });

  it('a transaction set of another implementation guide (ST03) is refused naming ST03; none given is accepted', () => {
    expect(refusal(worked.replace('ST*835*0001*005010X221A1', 'ST*835*0001*004010X091A1'))).toMatch(/ST03 "004010X091A1" is not 005010X221A1/);
    expect(refusal(worked.replace('ST*835*0001*005010X221A1', 'ST*835*0001'))).toBe('parsed');
  });

  it('a CAS with a seventh reason/amount/quantity triplet is refused naming CAS20, not read without it', () => {
    // The first CAS of the file gets six zero-dollar triplets more: the seventh would be dropped.
    const seven = worked.replace(/CAS\*CO\*45\*20~/, 'CAS*CO*45*20**253*0**59*0**97*0**B15*0**131*0**18*0~');
    expect(seven).not.toBe(worked);
    expect(refusal(seven)).toMatch(/\(CAS\).*CAS20.*more than 19 elements|CAS has more than 19 elements/);
    expect(refusal(worked.replace(/CAS\*CO\*45\*20~/, 'CAS*CO*45*20**253*0**59*0**97*0**B15*0**131*0~'))).toBe('parsed');
  });
});
