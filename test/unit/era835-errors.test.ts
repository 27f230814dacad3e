import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EraParseError, parseEra } from '../../functions/domain/era835';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/era/${name}`, import.meta.url)), 'utf8');
const worked = fixture('worked-example.835');

/** Parses and returns the error it must throw. */
const errorOf = (text: string): EraParseError => {
  try {
    parseEra(text);
  } catch (error) {
    if (error instanceof EraParseError) return error;
    throw error;
  }
  throw new Error('parseEra accepted the file');
};

describe('era835: files that are not well-formed 835s are rejected with segment and field', () => {
  it.each([
    [
      'a non-numeric amount',
      worked.replace('CLP*CLM-1001*1*130*56*', 'CLP*CLM-1001*1*130*12x*'),
      { segmentNumber: 14, segmentId: 'CLP', field: 'CLP04', message: 'segment 14 (CLP): CLP04 "12x" is not a number' },
    ],
    ['a missing amount', worked.replace('CLP*CLM-1001*1*130*56*', 'CLP*CLM-1001*1*130**'), { segmentNumber: 14, segmentId: 'CLP', field: 'CLP04', message: 'segment 14 (CLP): CLP04 is missing' }],
    [
      'a line charge with a letter O for a zero',
      worked.replace('SVC*HC:97124*60*', 'SVC*HC:97124*6O*'),
      { segmentNumber: 17, segmentId: 'SVC', field: 'SVC02', message: 'segment 17 (SVC): SVC02 "6O" is not a number' },
    ],
    [
      'an amount below a cent',
      worked.replace('CAS*CO*45*20~\nCAS*PR*2*14~', 'CAS*CO*45*20.005~\nCAS*PR*2*14~'),
      { segmentNumber: 19, segmentId: 'CAS', field: 'CAS03', message: 'segment 19 (CAS): CAS03 "20.005" has more than 2 decimal places' },
    ],
    ['a CAS triplet without its amount', worked.replace('CAS*PR*2*14~', 'CAS*PR*2*14**1~'), { segmentNumber: 20, segmentId: 'CAS', field: 'CAS06', message: 'segment 20 (CAS): CAS06 is missing' }],
    ['an unknown adjustment group', worked.replace('CAS*PR*2*14~', 'CAS*XX*2*14~'), { segmentNumber: 20, segmentId: 'CAS', field: 'CAS01' }],
    [
      'a paid amount in BPR that is not a number',
      worked.replace('BPR*I*56*', 'BPR*I*$56*'),
      { segmentNumber: 4, segmentId: 'BPR', field: 'BPR02', message: 'segment 4 (BPR): BPR02 "$56" is not a number' },
    ],
    [
      'an impossible service date',
      worked.replace('DTM*472*20261002~\nCAS*CO*45*20~\nCAS*PR*2*14', 'DTM*472*20261332~\nCAS*CO*45*20~\nCAS*PR*2*14'),
      { segmentNumber: 18, segmentId: 'DTM', field: 'DTM02', message: 'segment 18 (DTM): DTM02 "20261332" is not a date (CCYYMMDD)' },
    ],
    ['an SVC without a procedure code', worked.replace('SVC*HC:97124*', 'SVC*HC*'), { segmentNumber: 17, segmentId: 'SVC', field: 'SVC01-2' }],
    [
      'an SE segment count that is off',
      worked.replace('SE*25*0001', 'SE*24*0001'),
      { segmentNumber: 27, segmentId: 'SE', field: 'SE01', message: 'segment 27 (SE): SE01 says 24 segments, transaction set 0001 has 25' },
    ],
    [
      'an SE control number that is not ST02',
      worked.replace('SE*25*0001', 'SE*25*0002'),
      { segmentNumber: 27, segmentId: 'SE', field: 'SE02', message: 'segment 27 (SE): SE02 "0002" does not match ST02 "0001"' },
    ],
    ['a GE control number that is not GS06', worked.replace('GE*1*1~', 'GE*1*7~'), { segmentNumber: 28, segmentId: 'GE', field: 'GE02', message: 'segment 28 (GE): GE02 "7" does not match GS06 "1"' }],
    [
      'a GE count that is off',
      worked.replace('GE*1*1~', 'GE*2*1~'),
      { segmentNumber: 28, segmentId: 'GE', field: 'GE01', message: 'segment 28 (GE): GE01 says 2 transaction sets, the functional group has 1' },
    ],
    [
      'an IEA control number that is not ISA13',
      worked.replace('IEA*1*000000001', 'IEA*1*000000002'),
      { segmentNumber: 29, segmentId: 'IEA', field: 'IEA02', message: 'segment 29 (IEA): IEA02 "000000002" does not match ISA13 "000000001"' },
    ],
    [
      'an IEA count that is off',
      worked.replace('IEA*1*000000001', 'IEA*3*000000001'),
      { segmentNumber: 29, segmentId: 'IEA', field: 'IEA01', message: 'segment 29 (IEA): IEA01 says 3 functional groups, the interchange has 1' },
    ],
    [
      'an 837 claim file instead of an 835',
      fixture('claim-837.835'),
      { segmentNumber: 3, segmentId: 'ST', field: 'ST01', message: 'segment 3 (ST): ST01 "837" is not 835: kneadpay reads only health care claim payment/advice (835) files' },
    ],
    [
      'a file truncated inside a claim',
      worked.slice(0, worked.indexOf('SVC*HC:97140') + 10),
      {
        segmentNumber: 22,
        segmentId: 'SVC',
        field: null,
        message: 'segment 22 (SVC): the file ends inside this segment (no "~" after it): it is truncated, or not terminated the way its ISA declares',
      },
    ],
    [
      'a file truncated between claims',
      worked.slice(0, worked.indexOf('SVC*HC:97140')),
      { segmentNumber: 22, segmentId: 'SE', field: null, message: 'segment 22 (SE): the file ends here but transaction set 0001 has no SE: it is truncated' },
    ],
    ['a file truncated after SE', worked.slice(0, worked.indexOf('\nGE*') + 1), { segmentNumber: 28, segmentId: 'GE', field: null }],
    ['a file truncated after GE', worked.slice(0, worked.indexOf('\nIEA*') + 1), { segmentNumber: 29, segmentId: 'IEA', field: null }],
    [
      'a file truncated inside ISA',
      worked.slice(0, 60),
      { segmentNumber: 1, segmentId: 'ISA', field: null, message: 'segment 1 (ISA): the file ends inside the ISA segment (60 of 106 characters): it is truncated' },
    ],
    ['an empty file', '', { segmentNumber: 1, segmentId: 'ISA', message: 'segment 1 (ISA): the file is empty' }],
    [
      'garbage',
      'Dear billing team, please find attached the remittance for October. Kind regards, ACME HEALTH claims department.',
      { segmentNumber: 1, segmentId: 'ISA', message: 'segment 1 (ISA): not an X12 interchange: the file must start with "ISA", it starts with "Dea"' },
    ],
    [
      'an ISA that is not 106 characters',
      worked.replace('*ZZ*ACMEHEALTH     *', '*ZZ*ACMEHEALTH*'),
      { segmentNumber: 1, segmentId: 'ISA', field: 'ISA06', message: 'segment 1 (ISA): ISA06 is 10 characters, expected 15: the ISA segment must be exactly 106 characters including its terminator' },
    ],
    [
      'a body written with other delimiters than its ISA declares',
      worked.replace(/\n(?!$)([^\n]*)/g, (_match, segment: string) => `\n${segment.replaceAll('*', '|')}`),
      { segmentNumber: 2, segmentId: '?', field: null },
    ],
    ['a component separator that is a letter', worked.replace('*P*:~', '*P*A~'), { segmentNumber: 1, segmentId: 'ISA', field: 'ISA16' }],
    ['a transaction set without SE before GE', worked.replace('SE*25*0001~\n', ''), { segmentNumber: 27, segmentId: 'GE', field: 'SE' }],
    [
      'a claim before the payment header',
      worked.replace('BPR*I*56*C*ACH*CCP*01*999999999*DA*123456789*1512345678**01*999988880*DA*98765*20261020~\n', '').replace('SE*25', 'SE*24'),
      { segmentNumber: 12, segmentId: 'LX', field: 'BPR' },
    ],
    // A second interchange after IEA is read (several interchanges in one file, issue 18); anything else after IEA is not.
    ['a segment other than ISA after IEA', `${worked}GS*HP*X*Y*20261020*1200*2*X*005010X221A1~\n`, { segmentNumber: 30, segmentId: 'GS' }],
    ['segments terminated otherwise than the ISA declares', worked.replace(/~\n/g, (match, offset: number) => (offset < 106 ? match : '\n')), { segmentNumber: 2, segmentId: 'GS', field: null }],
    [
      'a megabyte with no terminator after a valid ISA',
      `${worked.slice(0, 107)}GS*${'X'.repeat(1024 * 1024)}`,
      { segmentNumber: 2, segmentId: '?', field: null, message: 'segment 2 (?): no segment terminator ("~") in 65536 characters: the file is damaged or not X12' },
    ],
  ])('%s', (_name, text, expected) => {
    // Act
    const error = errorOf(text);

    // Assess
    expect(error.name).toBe('EraParseError');
    expect(error).toMatchObject(expected);
    expect(error.message).toMatch(new RegExp(`^segment ${expected.segmentNumber} \\(`));
    expect(error.message).not.toContain('\n');
  });
});
