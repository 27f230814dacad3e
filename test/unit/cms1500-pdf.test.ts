import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { validateClaim } from '../../functions/domain/claim-validation';
import { cms1500Pages, insuranceType } from '../../functions/domain/cms1500';
import { secondaryClaim837 } from '../../functions/domain/cob';
import { renderCms1500Pdf } from '../../functions/shared/cms1500-pdf';
import { dependentCoverage, modifiersClaim, payer, practice, renderingProvider, selfCoverage, simpleClaim } from '../fixtures/claims/builders';

interface TextItem {
  str: string;
  x: number;
  y: number;
}

/** Every text item of every page with its position (PDF units, origin bottom left). */
const readPdf = async (bytes: Buffer): Promise<TextItem[][]> => {
  const document = await getDocument({ data: new Uint8Array(bytes), verbosity: 0 }).promise;
  const pages: TextItem[][] = [];
  for (let n = 1; n <= document.numPages; n += 1) {
    const content = await (await document.getPage(n)).getTextContent();
    pages.push(content.items.flatMap((item) => ('str' in item && item.str.trim() ? [{ str: item.str, x: item.transform[4] as number, y: item.transform[5] as number }] : [])));
  }
  await document.destroy();
  return pages;
};

const LABEL = /^\d{1,2}[a-d]?\.( |$)/;
const TALL = new Set(['5', '7', '21', '31']);
const MEDIUM = new Set(['32', '33']);

/** The value printed in the box whose caption starts with `<item>. `: the typed text just under the caption. */
const itemValue = (items: TextItem[], item: string): string | undefined => {
  const label = items.find((t) => t.str.startsWith(`${item}. `) || t.str === `${item}.`);
  if (!label) throw new Error(`item ${item}: no caption on the page`);
  const depth = TALL.has(item) ? 50 : MEDIUM.has(item) ? 36 : 24;
  // The box runs from its caption to the next caption on the same row (or the page's right edge).
  const right = Math.min(600, ...items.filter((t) => t !== label && LABEL.test(t.str) && Math.abs(t.y - label.y) < 1 && t.x > label.x).map((t) => t.x));
  const inside = items.filter((t) => t !== label && !LABEL.test(t.str) && t.x >= label.x - 1 && t.x < right - 1 && t.y < label.y - 1 && t.y > label.y - depth);
  if (!inside.length) return undefined;
  // Reading order: lines from the top, words from the left.
  inside.sort((a, b) => (Math.abs(a.y - b.y) < 1 ? a.x - b.x : b.y - a.y));
  return inside
    .map((t) => t.str)
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
};

const formFor = async (claim = modifiersClaim, coverage = selfCoverage, paidCents = 2000) => {
  const verdict = validateClaim(practice, claim, payer, coverage);
  expect(verdict.problems).toEqual([]);
  const pages = cms1500Pages(verdict.claim837!, verdict.billingProvider!, { paidCents, signedOn: '2026-10-03' });
  const pdf = await renderCms1500Pdf({ claimId: claim.claimId, pages, carrier: ['ACME HEALTH', 'PO BOX 100', 'HARTFORD CT 06101'] });
  return { pdf, pages: await readPdf(pdf) };
};

describe('CMS-1500 (02/12) PDF, read back with pdfjs', () => {
  it('prints items 1–33 in their boxes', async () => {
    const { pdf, pages } = await formFor();
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pages).toHaveLength(1);
    const items = pages[0]!;
    const expected: Record<string, string> = {
      // NUCC item 1: "Other indicates health insurance including HMOs, commercial insurance, …" (the payer is CI).
      '1': 'OTHER',
      '1a': 'XYZ123456789',
      '2': 'DOE, JANE',
      '3': '04 12 1985 F',
      '4': 'DOE, JANE',
      // NUCC: street on one line, city, state and ZIP on the next; no punctuation in the address.
      '5': '22 ELM ST PORTLAND OR 97202',
      '6': 'SELF',
      '7': '22 ELM ST PORTLAND OR 97202',
      '10a': 'NO',
      '10b': 'NO',
      '10c': 'NO',
      '11': 'GRP-77',
      '11a': '04 12 1985 F',
      '11c': 'ACME HEALTH',
      '11d': 'NO',
      '12': 'SIGNATURE ON FILE 10 03 2026',
      '13': 'SIGNATURE ON FILE',
      '21': 'ICD IND 0 A. M5450 B. M62830 C. M25511',
      // NUCC item 23: "Do not enter hyphens or spaces within the number" (AUTH-555 as registered).
      '23': 'AUTH555',
      '25': '123456789 EIN',
      '26': 'CLM-2002',
      '27': 'YES',
      '28': '144.55',
      '29': '20.00',
      '31': 'MIA THERAPIST 10 03 2026',
      '32a': '1234567893',
      '33a': '1234567893',
      // NUCC 33b: qualifier then id, no separator; the taxonomy's qualifier on the form is ZZ (PXC in the 837P).
      '33b': 'ZZ225700000X',
    };
    for (const [item, value] of Object.entries(expected)) {
      expect([item, itemValue(items, item)?.replace(/\s+/g, ' ')]).toEqual([item, value]);
    }
    // NUCC items 32 and 33: name, address, then city, state and the 9-digit ZIP without its hyphen, no
    // commas or other punctuation; the phone with no hyphen or space inside it.
    expect(itemValue(items, '32')).toBe('HARBOR BODYWORK LLC 1 MAIN ST SUITE 200 PORTLAND OR 972011234');
    expect(itemValue(items, '33')?.replace(/\s+/g, ' ')).toBe('HARBOR BODYWORK LLC 1 MAIN ST SUITE 200 PORTLAND OR 972011234 PH 5035550100');
    // No resubmission on an original claim.
    expect(itemValue(items, '22')).toBeUndefined();
    // The carrier block names the payer.
    const carrier = items
      .filter((t) => t.y > 792 - 80 && t.x >= 369 && t.str !== 'CARRIER')
      .sort((a, b) => (Math.abs(a.y - b.y) < 1 ? a.x - b.x : b.y - a.y))
      .map((t) => t.str)
      .join(' ');
    expect(carrier).toContain('ACME HEALTH PO BOX 100 HARTFORD CT 06101');
  });

  it('prints the service lines of item 24 (A dates, B place, D code and modifiers, E pointers, F charges, G units, I/J NPI)', async () => {
    const { pages } = await formFor();
    const items = pages[0]!;
    const rows = [
      ['10 03 26 10 03 26', '11', '97124 GP', 'AB', '60.00', '2', 'NPI', '1245319599'],
      ['10 03 26 10 03 26', '11', '97140 GP 59', 'BC', '45.50', '1', 'NPI', '1245319599'],
      ['10 03 26 10 03 26', '11', '97110 GP', 'A', '39.05', '1', 'NPI', '1245319599'],
    ];
    const npis = items.filter((t) => t.str === '1245319599').sort((a, b) => b.y - a.y);
    expect(npis).toHaveLength(3);
    const header = items
      .filter((t) => /^(24A|B|C|D|E|F|G|H|I|J)\. /.test(t.str))
      .map((t) => t.x)
      .sort((a, b) => a - b);
    rows.forEach((cells, n) => {
      const y = npis[n]!.y;
      const row = items.filter((t) => Math.abs(t.y - y) < 1).sort((a, b) => a.x - b.x);
      // Words of one cell are joined; cells are told apart by the column captions' x.
      const byColumn = new Map<number, string[]>();
      for (const t of row) {
        const column = header.filter((x) => x <= t.x + 1).length;
        byColumn.set(column, [...(byColumn.get(column) ?? []), t.str]);
      }
      expect([...byColumn.values()].map((words) => words.join(' ').replace(/\s+/g, ' ').trim())).toEqual([String(n + 1), ...cells]);
    });
  });

  it('item 1 from SBR09: FI (Federal Employees Program, the FEHB plans) is a group health plan, not FECA Black Lung (the Federal Employees’ Compensation Act)', () => {
    expect(insuranceType('FI')).toBe('GROUP HEALTH PLAN');
    expect([insuranceType('MB'), insuranceType('MC'), insuranceType('CH'), insuranceType('VA')]).toEqual(['MEDICARE', 'MEDICAID', 'TRICARE', 'CHAMPVA']);
  });

  it('item 1: commercial insurance (CI, BL) and HMOs (HM) are OTHER, as NUCC defines it; so are auto, liability and workers’ compensation', () => {
    expect(['CI', 'BL', 'HM', 'AM', 'LM', 'WC'].map(insuranceType)).toEqual(['OTHER', 'OTHER', 'OTHER', 'OTHER', 'OTHER', 'OTHER']);
  });

  it('a dependent: item 4 and 7 are the insured, 6 CHILD, 11a the insured’s birth date', async () => {
    const { pages } = await formFor(simpleClaim, dependentCoverage);
    const items = pages[0]!;
    expect(itemValue(items, '2')).toBe('ROE, JAMIE');
    expect(itemValue(items, '3')).toBe('06 01 2010');
    expect(itemValue(items, '4')).toBe('ROE, JOHN');
    expect(itemValue(items, '6')).toBe('CHILD');
    expect(itemValue(items, '11a')).toBe('01 30 1970 M');
  });

  it('addresses are printed without punctuation (NUCC items 5, 7, 32, 33: "123 N Main Street 101", not "123 N. Main Street, #101")', async () => {
    const patient = { ...selfCoverage.patient, address: { line1: '123 N. Main Street, #101', city: 'St. Helens', state: 'OR', postalCode: '970511234' } };
    const { pages } = await formFor(simpleClaim, { ...selfCoverage, patient });
    expect(itemValue(pages[0]!, '5')).toBe('123 N MAIN STREET 101 ST HELENS OR 970511234');
    expect(itemValue(pages[0]!, '7')).toBe('123 N MAIN STREET 101 ST HELENS OR 970511234');
  });

  it('a replacement claim: item 22 has code 7 and the original reference number', async () => {
    const { pages } = await formFor({ ...simpleClaim, frequencyCode: '7', payerClaimControlNumber: 'PAYER-77' });
    expect(itemValue(pages[0]!, '22')).toBe('7 PAYER-77');
  });

  it('item 11 without a group number: empty (NUCC: the insured\'s policy or group number as on the card); NONE only for Medicare ("no insurance primary to Medicare")', async () => {
    const { groupNumber: _none, ...noGroup } = selfCoverage;
    const { pages } = await formFor(simpleClaim, noGroup);
    expect(itemValue(pages[0]!, '11')).toBeUndefined();
    expect(pages[0]!.some((t) => t.str.includes('NONE'))).toBe(false);
    // A Medicare claim (SBR09 MB): kneadpay bills the primary payer, so there is no insurance primary to Medicare.
    const medicare = validateClaim(practice, simpleClaim, { ...payer, claimFilingIndicator: 'MB' }, noGroup);
    expect(medicare.problems).toEqual([]);
    const items = cms1500Pages(medicare.claim837!, medicare.billingProvider!, { paidCents: 0, signedOn: '2026-10-03' })[0]!.items;
    expect([items['1'], items['11']]).toEqual(['MEDICARE', 'NONE']);
  });

  it('24I/24J: the rendering NPI only when it is not the billing provider\'s (NUCC: "only when different from data recorded in items 33a and 33b"), its taxonomy (ZZ) in the shaded half', async () => {
    // The billing provider rendered the service: 24I and 24J stay empty, 33a carries the NPI.
    const { pages } = await formFor({ ...simpleClaim, renderingProvider: { ...renderingProvider, npi: practice.npi! } });
    const items = pages[0]!;
    expect(itemValue(items, '33a')).toBe('1234567893');
    expect(items.filter((t) => t.str === '1234567893')).toHaveLength(2); // 32a and 33a, no service line
    expect(items.some((t) => t.str === 'NPI' || t.str === 'ZZ')).toBe(false);
    // Another therapist rendered it: 24J has that NPI, the shaded half above it ZZ and the taxonomy (the 837P's 2310B PRV*PE).
    const other = (await formFor(simpleClaim)).pages[0]!;
    const npi = other.find((t) => t.str === '1245319599')!;
    const shaded = other.filter((t) => t.y > npi.y + 5 && t.y < npi.y + 15 && t.x > 490).map((t) => t.str);
    expect(shaded).toEqual(['ZZ', '225700000X']);
  });

  it('more than 6 lines continue on a second page; totals only on the last', async () => {
    const lines = Array.from({ length: 8 }, () => ({ procedureCode: '97124', modifiers: ['GP'], units: 1, chargeCents: 3000, diagnosisPointers: [1] }));
    const { pages } = await formFor({ ...simpleClaim, lines, chargeCents: 24000 });
    expect(pages).toHaveLength(2);
    expect(itemValue(pages[0]!, '28')).toBe('CONTINUED');
    expect(itemValue(pages[1]!, '28')).toBe('240.00');
    expect(pages[0]!.filter((t) => t.str === '1245319599')).toHaveLength(6);
    expect(pages[1]!.filter((t) => t.str === '1245319599')).toHaveLength(2);
  });
});

describe('CMS-1500 of a secondary claim (NUCC 9, 9a, 9d, 11d, 29)', () => {
  it('names the other insured and plan (the primary) in 9/9a/9d, 11d YES, 29 the primary’s payment plus what the patient paid, 26 the visit’s account number', async () => {
    // Prepare: the claim to the secondary plan (Beacon Mutual), the primary (Acme) paid 56.00 on it.
    const secondaryPlan = { payerId: 'BEACON2', memberId: 'BCN-555', groupNumber: 'BG-9', relationship: 'self' as const, patient: selfCoverage.patient };
    const verdict = validateClaim(practice, { ...simpleClaim, claimId: 'CLM-1001S', payerId: 'BEACON2' }, { name: 'Beacon Mutual', payerId: 'BEACON2', claimFilingIndicator: 'CI' }, secondaryPlan);
    expect(verdict.problems).toEqual([]);
    const claim = secondaryClaim837(
      verdict.claim837!,
      'CLM-1001',
      { relationship: 'self', groupNumber: 'GRP-77', memberId: 'XYZ123456789', subscriber: { firstName: 'Jane', lastName: 'Doe' }, payer: { name: 'Acme Health', payerId: 'ACME1' } },
      { paidCents: 5600, claimAdjustments: [], lines: [{ paidCents: 5600, procedureCode: '97124', modifiers: ['GP'], paidUnits: 2, adjustments: [], adjudicatedOn: '2026-10-20' }] },
    );

    // Act: item 29 as core/cms1500.ts computes it (the primary's 56.00 and a 10.00 copay).
    const pages = cms1500Pages(claim, verdict.billingProvider!, { paidCents: 5600 + 1000, signedOn: '2026-10-25' });
    const items = (await readPdf(await renderCms1500Pdf({ claimId: 'CLM-1001S', pages, carrier: ['BEACON MUTUAL'] })))[0]!;

    // Assess
    const read = Object.fromEntries(['1a', '4', '9', '9a', '9d', '11', '11c', '11d', '26', '29'].map((item) => [item, itemValue(items, item)]));
    expect(read).toEqual({
      '1a': 'BCN-555',
      '4': 'DOE, JANE',
      '9': 'DOE, JANE',
      // NUCC 9a: "Do not use a hyphen or space as a separator within the policy or group number."
      '9a': 'GRP77',
      '9d': 'ACME HEALTH',
      '11': 'BG-9',
      '11c': 'BEACON MUTUAL',
      '11d': 'YES',
      '26': 'CLM-1001',
      '29': '66.00',
    });
    // A primary claim leaves 9, 9a and 9d empty (NUCC: "otherwise leave blank").
    const { pages: primaryPages } = await formFor();
    expect(['9', '9a', '9d'].map((item) => itemValue(primaryPages[0]!, item))).toEqual([undefined, undefined, undefined]);
  });
});
