/**
 * An independent structural check of an 837P against the ASC X12 005010X222A1 implementation
 * guide: envelope (ISA fixed width, GS/ST/SE/GE/IEA counts and control numbers), the loops in
 * their order with usage and repeat limits (1000A, 1000B, 2000A/2010AA, 2000B/2010BA/2010BB,
 * 2000C/2010CA, 2300, 2310B, 2400), required elements and code values, the HL hierarchy, and the
 * claim-level sums. Written from the guide's loop and segment tables (the envelope, BHT and
 * 1000A code lists checked against the pyx12 map 837.5010.X222.A1.xml), not from kneadpay's builder. It answers the problems found.
 */

type Usage = 'R' | 'S';
interface ElementRule {
  required?: boolean;
  codes?: readonly string[];
  pattern?: RegExp;
}
interface SegmentNode {
  kind: 'segment';
  id: string;
  /** A qualifier that tells this use of the segment from others: element n must equal value. */
  qualifier?: [number, readonly string[]];
  usage: Usage;
  max: number;
  elements?: Record<number, ElementRule>;
  name: string;
}
interface LoopNode {
  kind: 'loop';
  id: string;
  usage: Usage;
  max: number;
  children: Node[];
}
type Node = SegmentNode | LoopNode;

const seg = (id: string, name: string, usage: Usage, max: number, elements: Record<number, ElementRule> = {}, qualifier?: [number, readonly string[]]): SegmentNode => ({
  kind: 'segment',
  id,
  name,
  usage,
  max,
  elements,
  qualifier,
});
const loop = (id: string, usage: Usage, max: number, children: Node[]): LoopNode => ({ kind: 'loop', id, usage, max, children });
const R = { required: true } as const;
const D8 = /^\d{8}$/;
const NPI = /^\d{10}$/;
const AMOUNT = /^-?\d{1,16}(\.\d{1,2})?$/;

/** CAS: group, then up to six reason/amount/quantity triplets; each reason has its amount. */
const CAS_ELEMENTS: Record<number, ElementRule> = {
  1: { required: true, codes: ['CO', 'CR', 'OA', 'PI', 'PR'] },
  2: R,
  3: { required: true, pattern: AMOUNT },
  ...Object.fromEntries([6, 9, 12, 15, 18].map((n) => [n, { pattern: AMOUNT }])),
};

const ADDRESS = [
  seg('N3', 'address', 'R', 1, { 1: R }),
  seg('N4', 'city/state/zip', 'R', 1, { 1: R, 2: { required: true, pattern: /^[A-Z]{2}$/ }, 3: { required: true, pattern: /^\d{5}(\d{4})?$/ } }),
];

/** The transaction set body between ST and SE. */
const TRANSACTION: Node[] = [
  seg('BHT', 'beginning of hierarchical transaction', 'R', 1, {
    1: { required: true, codes: ['0019'] },
    2: { required: true, codes: ['00', '18'] },
    3: R,
    4: { required: true, pattern: D8 },
    5: { required: true, pattern: /^\d{4,8}$/ },
    6: { required: true, codes: ['CH', 'RP', '31'] },
  }),
  loop('1000A', 'R', 1, [
    seg('NM1', 'submitter name', 'R', 1, { 1: R, 2: { required: true, codes: ['1', '2'] }, 3: R, 8: { required: true, codes: ['46'] }, 9: R }, [1, ['41']]),
    seg('PER', 'submitter EDI contact', 'R', 2, { 1: { required: true, codes: ['IC'] }, 3: { required: true, codes: ['ED', 'EM', 'FX', 'TE'] }, 4: R }),
  ]),
  loop('1000B', 'R', 1, [seg('NM1', 'receiver name', 'R', 1, { 2: { required: true, codes: ['2'] }, 3: R, 8: { required: true, codes: ['46'] }, 9: R }, [1, ['40']])]),
  loop('2000A', 'R', Infinity, [
    seg('HL', 'billing provider hierarchical level', 'R', 1, { 1: R, 3: { required: true, codes: ['20'] }, 4: { required: true, codes: ['1'] } }, [3, ['20']]),
    seg('PRV', 'billing provider specialty', 'S', 1, { 1: { required: true, codes: ['BI'] }, 2: { required: true, codes: ['PXC'] }, 3: { required: true, pattern: /^[0-9A-Z]{9}X$/ } }),
    seg('CUR', 'currency', 'S', 1),
    loop('2010AA', 'R', 1, [
      seg('NM1', 'billing provider name', 'R', 1, { 2: { required: true, codes: ['1', '2'] }, 3: R, 8: { required: true, codes: ['XX'] }, 9: { required: true, pattern: NPI } }, [1, ['85']]),
      seg('N3', 'billing provider address', 'R', 1, { 1: R }),
      // The billing provider's ZIP must be 9 digits (IG 2010AA N403 note).
      seg('N4', 'billing provider city/state/zip', 'R', 1, { 1: R, 2: { required: true, pattern: /^[A-Z]{2}$/ }, 3: { required: true, pattern: /^\d{9}$/ } }),
      seg('REF', 'billing provider tax identification', 'R', 1, { 1: { required: true, codes: ['EI', 'SY'] }, 2: { required: true, pattern: /^\d{9}$/ } }, [1, ['EI', 'SY']]),
      seg('REF', 'billing provider UPIN/license', 'S', 2, { 2: R }, [1, ['0B', '1G']]),
      seg('PER', 'billing provider contact', 'S', 2),
    ]),
    loop('2000B', 'R', Infinity, [
      seg('HL', 'subscriber hierarchical level', 'R', 1, { 1: R, 2: R, 3: { required: true, codes: ['22'] }, 4: { required: true, codes: ['0', '1'] } }, [3, ['22']]),
      seg('SBR', 'subscriber information', 'R', 1, {
        1: { required: true, codes: ['P', 'S', 'T', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'U'] },
        2: { codes: ['18'] },
        9: { required: true, codes: ['11', '12', '13', '14', '15', '16', '17', 'AM', 'BL', 'CH', 'CI', 'DS', 'FI', 'HM', 'LM', 'MA', 'MB', 'MC', 'OF', 'TV', 'VA', 'WC', 'ZZ'] },
      }),
      seg('PAT', 'patient information', 'S', 1),
      loop('2010BA', 'R', 1, [
        seg('NM1', 'subscriber name', 'R', 1, { 2: { required: true, codes: ['1', '2'] }, 3: R, 8: { required: true, codes: ['II', 'MI'] }, 9: R }, [1, ['IL']]),
        ...ADDRESS.map((s) => ({ ...s, usage: 'S' as Usage })),
        seg('DMG', 'subscriber demographics', 'S', 1, { 1: { required: true, codes: ['D8'] }, 2: { required: true, pattern: D8 }, 3: { required: true, codes: ['F', 'M', 'U'] } }),
        seg('REF', 'subscriber secondary id', 'S', 1, {}, [1, ['SY']]),
        seg('REF', 'property and casualty claim number', 'S', 1, {}, [1, ['Y4']]),
      ]),
      loop('2010BB', 'R', 1, [
        seg('NM1', 'payer name', 'R', 1, { 2: { required: true, codes: ['2'] }, 3: R, 8: { required: true, codes: ['PI', 'XV'] }, 9: R }, [1, ['PR']]),
        ...ADDRESS.map((s) => ({ ...s, usage: 'S' as Usage })),
        seg('REF', 'payer secondary id', 'S', 3, {}, [1, ['2U', 'EI', 'FY', 'NF']]),
        seg('REF', 'billing provider secondary id', 'S', 2, {}, [1, ['G2', 'LU']]),
      ]),
      loop('2000C', 'S', Infinity, [
        seg('HL', 'patient hierarchical level', 'R', 1, { 1: R, 2: R, 3: { required: true, codes: ['23'] }, 4: { required: true, codes: ['0'] } }, [3, ['23']]),
        seg('PAT', 'patient information', 'R', 1, { 1: { required: true, codes: ['01', '19', '20', '21', '39', '40', '53', 'G8'] } }),
        loop('2010CA', 'R', 1, [
          seg('NM1', 'patient name', 'R', 1, { 2: { required: true, codes: ['1'] }, 3: R }, [1, ['QC']]),
          ...ADDRESS,
          seg('DMG', 'patient demographics', 'R', 1, { 1: { required: true, codes: ['D8'] }, 2: { required: true, pattern: D8 }, 3: { required: true, codes: ['F', 'M', 'U'] } }),
        ]),
        // 2300 under a patient
        { kind: 'loop', id: '2300', usage: 'S', max: 100, children: [] } as LoopNode,
      ]),
      // 2300 under a subscriber who is the patient
      { kind: 'loop', id: '2300', usage: 'S', max: 100, children: [] } as LoopNode,
    ]),
  ]),
];

const CLAIM_2300: Node[] = [
  seg('CLM', 'claim information', 'R', 1, {
    1: { required: true, pattern: /^.{1,38}$/ },
    2: { required: true, pattern: AMOUNT },
    5: { required: true, pattern: /^\d{2}:B:[178]$/ },
    6: { required: true, codes: ['Y', 'N'] },
    7: { required: true, codes: ['A', 'B', 'C'] },
    8: { required: true, codes: ['N', 'W', 'Y'] },
    9: { required: true, codes: ['I', 'Y'] },
  }),
  seg('DTP', 'claim dates', 'S', 20),
  seg('PWK', 'claim supplemental information', 'S', 10),
  seg('CN1', 'contract information', 'S', 1),
  seg('AMT', 'patient amount paid', 'S', 1),
  seg('REF', 'claim references', 'S', 14, { 1: { required: true, codes: ['4N', 'F5', 'EW', '9F', 'G1', 'F8', 'X4', '9A', '9C', 'LX', 'D9', 'EA', 'P4', '1J'] }, 2: R }),
  seg('K3', 'file information', 'S', 10),
  seg('NTE', 'claim note', 'S', 1),
  seg('CR1', 'ambulance', 'S', 1),
  seg('CR2', 'spinal manipulation', 'S', 1),
  seg('CRC', 'condition indicators', 'S', 8),
  seg('HI', 'health care diagnosis code', 'R', 1, { 1: { required: true, pattern: /^(ABK|BK):[A-Z0-9]{3,7}$/ } }, [0, ['HI']]),
  seg('HI', 'anesthesia / condition / other HI', 'S', 3),
  seg('HCP', 'claim pricing', 'S', 1),
  loop('2310A', 'S', 2, [seg('NM1', 'referring provider', 'R', 1, {}, [1, ['DN', 'P3']]), seg('REF', 'referring provider secondary id', 'S', 3)]),
  loop('2310B', 'S', 1, [
    seg('NM1', 'rendering provider name', 'R', 1, { 2: { required: true, codes: ['1', '2'] }, 3: R, 8: { required: true, codes: ['XX'] }, 9: { required: true, pattern: NPI } }, [1, ['82']]),
    seg('PRV', 'rendering provider specialty', 'S', 1, { 1: { required: true, codes: ['PE'] }, 2: { required: true, codes: ['PXC'] }, 3: { required: true, pattern: /^[0-9A-Z]{9}X$/ } }),
    seg('REF', 'rendering provider secondary id', 'S', 4),
  ]),
  loop('2310C', 'S', 1, [seg('NM1', 'service facility', 'R', 1, {}, [1, ['77']]), ...ADDRESS, seg('REF', 'service facility secondary id', 'S', 3), seg('PER', 'service facility contact', 'S', 1)]),
  loop('2310D', 'S', 1, [seg('NM1', 'supervising provider', 'R', 1, {}, [1, ['DQ']]), seg('REF', 'supervising secondary id', 'S', 4)]),
  // 2320 other subscriber information (005010X222A1; pyx12 map 837.5010.X222.A1.xml): SBR with
  // SBR01 the other payer's place and SBR02 the patient's relationship to its subscriber, CAS (≤ 5),
  // AMT*D payer paid, AMT*A8 non-covered, AMT*EAF remaining patient liability, OI (required: OI03
  // benefits assignment, OI06 release of information), MOA; then 2330A (required) and 2330B (required).
  loop('2320', 'S', 10, [
    seg('SBR', 'other subscriber information', 'R', 1, {
      1: { required: true, codes: ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'P', 'S', 'T', 'U'] },
      2: { required: true, codes: ['01', '18', '19', '20', '21', '39', '40', '53', 'G8'] },
      9: { codes: ['11', '12', '13', '14', '15', '16', '17', 'AM', 'BL', 'CH', 'CI', 'DS', 'FI', 'HM', 'LM', 'MA', 'MB', 'MC', 'OF', 'TV', 'VA', 'WC', 'ZZ'] },
    }),
    seg('CAS', 'claim level adjustments', 'S', 5, CAS_ELEMENTS),
    seg('AMT', 'COB payer paid amount', 'S', 1, { 2: { required: true, pattern: AMOUNT } }, [1, ['D']]),
    seg('AMT', 'COB total non-covered amount', 'S', 1, { 2: { required: true, pattern: AMOUNT } }, [1, ['A8']]),
    seg('AMT', 'remaining patient liability', 'S', 1, { 2: { required: true, pattern: AMOUNT } }, [1, ['EAF']]),
    seg('OI', 'other insurance coverage information', 'R', 1, { 3: { required: true, codes: ['N', 'W', 'Y'] }, 4: { codes: ['P'] }, 6: { required: true, codes: ['I', 'Y'] } }),
    seg('MOA', 'outpatient adjudication information', 'S', 1),
    loop('2330A', 'R', 1, [
      seg('NM1', 'other subscriber name', 'R', 1, { 2: { required: true, codes: ['1', '2'] }, 3: R, 8: { required: true, codes: ['II', 'MI'] }, 9: R }, [1, ['IL']]),
      ...ADDRESS.map((s) => ({ ...s, usage: 'S' as Usage })),
      seg('REF', 'other subscriber secondary id', 'S', 1, {}, [1, ['SY']]),
    ]),
    loop('2330B', 'R', 1, [
      seg('NM1', 'other payer name', 'R', 1, { 2: { required: true, codes: ['2'] }, 3: R, 8: { required: true, codes: ['PI', 'XV'] }, 9: R }, [1, ['PR']]),
      ...ADDRESS.map((s) => ({ ...s, usage: 'S' as Usage })),
      seg('DTP', 'claim check or remittance date', 'S', 1, { 2: { required: true, codes: ['D8'] }, 3: { required: true, pattern: D8 } }, [1, ['573']]),
      seg('REF', 'other payer references', 'S', 6),
    ]),
    loop('2330C', 'S', 1, [seg('NM1', 'other payer referring provider', 'R', 1, {}, [1, ['DN', 'P3']]), seg('REF', 'other payer referring provider id', 'S', 3)]),
    loop('2330D', 'S', 1, [seg('NM1', 'other payer rendering provider', 'R', 1, {}, [1, ['82']]), seg('REF', 'other payer rendering provider id', 'S', 3)]),
  ]),
  loop('2400', 'R', 50, [
    seg('LX', 'service line number', 'R', 1, { 1: { required: true, pattern: /^\d{1,6}$/ } }),
    seg('SV1', 'professional service', 'R', 1, {
      1: { required: true, pattern: /^(HC|ER|IV|WK):[A-Z0-9]{5}(:[A-Z0-9]{2}){0,4}$/ },
      2: { required: true, pattern: AMOUNT },
      3: { required: true, codes: ['MJ', 'UN'] },
      4: { required: true, pattern: /^\d{1,4}(\.\d{1,3})?$/ },
      7: { required: true, pattern: /^([1-9]|1[0-2])(:([1-9]|1[0-2])){0,3}$/ },
    }),
    seg('SV5', 'durable medical equipment', 'S', 1),
    seg('PWK', 'line supplemental information', 'S', 10),
    seg('CR1', 'ambulance', 'S', 1),
    seg('CR3', 'DME certification', 'S', 1),
    seg('CRC', 'line condition indicators', 'S', 3),
    seg('DTP', 'date - service date', 'R', 1, { 2: { required: true, codes: ['D8', 'RD8'] }, 3: { required: true, pattern: /^\d{8}(-\d{8})?$/ } }, [1, ['472']]),
    seg('DTP', 'other line dates', 'S', 10),
    seg('QTY', 'line quantities', 'S', 2),
    seg('MEA', 'test result', 'S', 5),
    seg('CN1', 'line contract', 'S', 1),
    seg('REF', 'line references', 'S', 20),
    seg('AMT', 'line amounts', 'S', 2),
    seg('K3', 'line file information', 'S', 10),
    seg('NTE', 'line note', 'S', 2),
    // 2430 line adjudication information: SVD (SVD01 the other payer's 2330B NM109, SVD02 paid,
    // SVD03 the procedure composite, SVD05 paid units), line CAS, DTP*573 (required), AMT*EAF.
    loop('2430', 'S', 15, [
      seg('SVD', 'line adjudication information', 'R', 1, {
        1: R,
        2: { required: true, pattern: AMOUNT },
        3: { required: true, pattern: /^(HC|ER|IV|WK):[A-Z0-9]{5}(:[A-Z0-9]{2}){0,4}$/ },
        5: { required: true, pattern: /^\d{1,4}(\.\d{1,3})?$/ },
      }),
      seg('CAS', 'line adjustment', 'S', 99, CAS_ELEMENTS),
      seg('DTP', 'line check or remittance date', 'R', 1, { 2: { required: true, codes: ['D8'] }, 3: { required: true, pattern: D8 } }, [1, ['573']]),
      seg('AMT', 'remaining patient liability', 'S', 1, { 2: { required: true, pattern: AMOUNT } }, [1, ['EAF']]),
    ]),
  ]),
];

// Both 2300 positions share one definition.
const fill2300 = (nodes: Node[]) => {
  for (const node of nodes) {
    if (node.kind !== 'loop') continue;
    if (node.id === '2300' && node.children.length === 0) node.children = CLAIM_2300;
    else fill2300(node.children);
  }
};
fill2300(TRANSACTION);

interface Seg837 {
  index: number;
  id: string;
  el: string[];
}

const firstSegment = (node: Node): SegmentNode => (node.kind === 'segment' ? node : firstSegment(node.children[0]!));
const matches = (node: SegmentNode, s: Seg837 | undefined): boolean =>
  !!s && s.id === node.id && (!node.qualifier || node.qualifier[0] === 0 || node.qualifier[1].includes(s.el[node.qualifier[0]] ?? ''));

const checkElements = (node: SegmentNode, s: Seg837, loopId: string, problems: string[]) => {
  for (const [n, rule] of Object.entries(node.elements ?? {})) {
    const value = s.el[Number(n)] ?? '';
    const name = `${s.id}${String(n).padStart(2, '0')}`;
    const where = `segment ${s.index} (${s.id}, loop ${loopId})`;
    if (value === '') {
      if (rule.required) problems.push(`${where}: ${name} is required`);
      continue;
    }
    if (rule.codes && !rule.codes.includes(value)) problems.push(`${where}: ${name} "${value}" is not one of ${rule.codes.join(', ')}`);
    if (rule.pattern && !rule.pattern.test(value)) problems.push(`${where}: ${name} "${value}" does not have the form ${rule.pattern}`);
  }
};

/** Walks `nodes` from segs[pos]; returns the position after the last segment it took. */
const walk = (nodes: Node[], segs: Seg837[], pos: number, loopId: string, problems: string[], visits: { loop: string; at: number }[]): number => {
  for (const node of nodes) {
    let count = 0;
    if (node.kind === 'segment') {
      while (matches(node, segs[pos]) && count < node.max) {
        checkElements(node, segs[pos]!, loopId, problems);
        pos += 1;
        count += 1;
      }
      if (node.usage === 'R' && count === 0) problems.push(`loop ${loopId}: required segment ${node.id} (${node.name}) missing at segment ${segs[pos]?.index ?? 'end'}`);
    } else {
      const trigger = firstSegment(node);
      while (matches(trigger, segs[pos]) && count < node.max) {
        visits.push({ loop: node.id, at: segs[pos]!.index });
        pos = walk(node.children, segs, pos, node.id, problems, visits);
        count += 1;
      }
      if (node.usage === 'R' && count === 0) problems.push(`loop ${loopId}: required loop ${node.id} missing at segment ${segs[pos]?.index ?? 'end'}`);
    }
  }
  return pos;
};

const isValidNpi = (npi: string) => {
  const digits = `80840${npi}`.split('').map(Number);
  let sum = 0;
  digits.forEach((d, i) => {
    let v = d;
    if ((digits.length - 1 - i) % 2 === 1) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  });
  return sum % 10 === 0;
};

const cents = (value: string) => Math.round(Number(value) * 100);

const casTotal = (cas: Seg837[]) => cas.reduce((sum, t) => sum + [3, 6, 9, 12, 15, 18].reduce((part, n) => part + (t.el[n] ? cents(t.el[n]!) : 0), 0), 0);

/**
 * Coordination of benefits (005010X222A1 2320, 2330B, 2430): a claim to a payer other than the
 * primary (2000B SBR01 not P) carries the payers before it in 2320; each 2320 names a place other
 * than this claim's; each SVD01 names a 2330B payer; and the amounts balance — per line, SV102 −
 * Σ its 2430 CAS = SVD02; per other payer, CLM02 − Σ its 2320 CAS − Σ its 2430 CAS = its AMT*D.
 */
const checkCoordinationOfBenefits = (clm: Seg837, claimSegs: Seg837[], body: Seg837[], component: string, problems: string[]) => {
  const sbr2000B = body.slice(0, body.indexOf(clm)).findLast((t) => t.id === 'SBR');
  const sequence = sbr2000B?.el[1] ?? 'P';
  const firstLx = claimSegs.findIndex((t) => t.id === 'LX');
  const head = claimSegs.slice(0, firstLx === -1 ? claimSegs.length : firstLx);
  const starts = head.flatMap((t, i) => (t.id === 'SBR' ? [i] : []));
  if (sequence !== 'P' && starts.length === 0) problems.push(`segment ${clm.index}: the claim is to the ${sequence} payer (SBR01 ${sequence}) but has no 2320 loop for the payers before it`);
  const others = starts.map((start, k) => {
    const segs = head.slice(start, starts[k + 1] ?? head.length);
    const payer = segs.find((t) => t.id === 'NM1' && t.el[1] === 'PR');
    if (segs[0]!.el[1] === sequence) problems.push(`segment ${segs[0]!.index}: 2320 SBR01 ${sequence} is this claim's own place (2000B SBR01)`);
    return { segs, payerId: payer?.el[9] ?? '', paid: segs.find((t) => t.id === 'AMT' && t.el[1] === 'D') };
  });
  const lineCas = new Map<string, number>();
  claimSegs.forEach((t, i) => {
    if (t.id !== 'SVD') return;
    if (!others.some((o) => o.payerId === t.el[1])) problems.push(`segment ${t.index}: SVD01 ${t.el[1]} names no 2330B payer of the claim`);
    const sv1 = claimSegs.slice(0, i).findLast((u) => u.id === 'SV1');
    const end = claimSegs.findIndex((u, j) => j > i && (u.id === 'SVD' || u.id === 'LX'));
    const cas = claimSegs.slice(i + 1, end === -1 ? claimSegs.length : end).filter((u) => u.id === 'CAS');
    const adjusted = casTotal(cas);
    lineCas.set(t.el[1]!, (lineCas.get(t.el[1]!) ?? 0) + adjusted);
    if (sv1 && cents(sv1.el[2]!) - adjusted !== cents(t.el[2]!)) {
      problems.push(`segment ${t.index}: line charge ${sv1.el[2]} - adjustments ${adjusted / 100} != SVD02 paid ${t.el[2]}`);
    }
    if (sv1 && (t.el[3] ?? '').split(component)[1] === undefined) problems.push(`segment ${t.index}: SVD03 has no procedure code`);
  });
  for (const other of others) {
    if (!other.paid) continue;
    const adjusted = casTotal(other.segs.filter((t) => t.id === 'CAS')) + (lineCas.get(other.payerId) ?? 0);
    if (cents(clm.el[2]!) - adjusted !== cents(other.paid.el[2]!)) {
      problems.push(`segment ${other.paid.index}: claim charge ${clm.el[2]} - adjustments ${adjusted / 100} != AMT*D paid ${other.paid.el[2]} (payer ${other.payerId})`);
    }
  }
};

export interface StructureReport {
  problems: string[];
  /** Loops seen, in order, with the segment that opened each (for tests that look at the shape). */
  loops: { loop: string; at: number }[];
  claims: number;
}

/** Checks an 837P file; `problems` is empty when it follows the guide's structure. */
export const check837P = (text: string): StructureReport => {
  const problems: string[] = [];
  if (!text.startsWith('ISA')) return { problems: ['the file does not start with ISA'], loops: [], claims: 0 };
  const element = text[3]!;
  const component = text[104]!;
  const terminator = text[105]!;
  if (text.indexOf(terminator) !== 105) problems.push('ISA is not exactly 106 characters with its terminator');
  const widths = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];
  const isa = text.slice(0, 105).split(element);
  widths.forEach((w, i) => {
    if ((isa[i + 1] ?? '').length !== w) problems.push(`ISA${String(i + 1).padStart(2, '0')} is not ${w} characters`);
  });
  if (component !== ':' && component === element) problems.push('ISA16 equals the element separator');
  if (isa[12] !== '00501') problems.push(`ISA12 is ${isa[12]}, not 00501`);
  if (!['P', 'T'].includes(isa[15] ?? '')) problems.push('ISA15 must be P or T');
  const raw = text
    .split(terminator)
    .map((s) => s.replace(/^[\r\n]+/, ''))
    .filter((s) => s.length > 0);
  const all: Seg837[] = raw.map((s, i) => {
    const el = s.split(element);
    return { index: i + 1, id: el[0]!, el };
  });
  for (const s of all) if (s.el.length > 1 && s.el[s.el.length - 1] === '') problems.push(`segment ${s.index} (${s.id}) ends with an empty element`);
  const ids = all.map((s) => s.id);
  if (ids[1] !== 'GS') problems.push('GS must follow ISA');
  const gs = all[1]!;
  if (gs.el[1] !== 'HC') problems.push('GS01 must be HC');
  if (gs.el[8] !== '005010X222A1') problems.push('GS08 must be 005010X222A1');
  if (!/^\d{8}$/.test(gs.el[4] ?? '')) problems.push('GS04 must be CCYYMMDD');
  if (gs.el[7] !== 'X') problems.push('GS07 must be X');
  const iea = all[all.length - 1]!;
  const ge = all[all.length - 2]!;
  if (iea.id !== 'IEA' || ge.id !== 'GE') problems.push('the file must end with GE then IEA');
  const stIndexes = all.flatMap((s, i) => (s.id === 'ST' ? [i] : []));
  if (ge.el[1] !== String(stIndexes.length)) problems.push(`GE01 is ${ge.el[1]}, the group holds ${stIndexes.length} transaction sets`);
  if (ge.el[2] !== gs.el[6]) problems.push(`GE02 ${ge.el[2]} is not GS06 ${gs.el[6]}`);
  if (iea.el[1] !== '1') problems.push(`IEA01 is ${iea.el[1]}, the interchange holds 1 group`);
  if (iea.el[2] !== isa[13]) problems.push(`IEA02 ${iea.el[2]} is not ISA13 ${isa[13]}`);
  const visits: { loop: string; at: number }[] = [];
  let claims = 0;
  for (const start of stIndexes) {
    const st = all[start]!;
    if (st.el[1] !== '837' || st.el[3] !== '005010X222A1') problems.push(`segment ${st.index}: ST must be ST*837*…*005010X222A1`);
    const end = all.findIndex((s, i) => i > start && s.id === 'SE');
    if (end === -1) {
      problems.push('ST without SE');
      continue;
    }
    const se = all[end]!;
    if (se.el[1] !== String(end - start + 1)) problems.push(`SE01 is ${se.el[1]}, the set holds ${end - start + 1} segments`);
    if (se.el[2] !== st.el[2]) problems.push(`SE02 ${se.el[2]} is not ST02 ${st.el[2]}`);
    const body = all.slice(start + 1, end);
    const pos = walk(TRANSACTION, body, 0, 'header', problems, visits);
    if (pos < body.length) problems.push(`segment ${body[pos]!.index} (${body[pos]!.id}) is out of place: the guide has no room for it there`);
    // HL hierarchy: ids 1…n in order, parents exist, child flags right.
    const hls = body.filter((s) => s.id === 'HL');
    const seen = new Map<string, Seg837>();
    hls.forEach((hl, i) => {
      if (hl.el[1] !== String(i + 1)) problems.push(`segment ${hl.index}: HL01 ${hl.el[1]} should be ${i + 1}`);
      if (hl.el[2] && !seen.has(hl.el[2])) problems.push(`segment ${hl.index}: HL02 ${hl.el[2]} names no earlier HL`);
      const next = hls[i + 1];
      const hasChild = next !== undefined && next.el[2] === hl.el[1];
      if ((hl.el[4] === '1') !== hasChild) problems.push(`segment ${hl.index}: HL04 ${hl.el[4]} but ${hasChild ? 'a child follows' : 'no child follows'}`);
      seen.set(hl.el[1]!, hl);
    });
    // 2010BA N3, N4 and DMG: "Required when the patient is the subscriber or considered to be the
    // subscriber. If not required by this implementation guide, do not send." (X12 RFI 2281.)
    body.forEach((s, i) => {
      if (s.id !== 'NM1' || s.el[1] !== 'IL') return;
      // 2330A's NM1*IL (other subscriber, inside a claim) is not 2010BA.
      const hl = body.slice(0, i).findLastIndex((t) => t.id === 'HL');
      if (body.slice(hl + 1, i).some((t) => t.id === 'CLM')) return;
      const sbr = body.slice(0, i).findLast((t) => t.id === 'SBR');
      const end = body.findIndex((t, j) => j > i && (t.id === 'NM1' || t.id === 'HL' || t.id === 'CLM'));
      const present = body.slice(i + 1, end === -1 ? body.length : end).map((t) => t.id);
      const sent = ['N3', 'N4', 'DMG'].filter((id) => present.includes(id));
      if (sbr?.el[2] === '18') {
        for (const id of ['N3', 'N4', 'DMG']) if (!sent.includes(id)) problems.push(`segment ${s.index} (NM1, loop 2010BA): ${id} is required when the patient is the subscriber (SBR02 18)`);
      } else if (sent.length > 0) {
        problems.push(`segment ${s.index} (NM1, loop 2010BA): ${sent.join(', ')} sent for a subscriber who is not the patient (the guide says do not send)`);
      }
    });
    // Claim sums, diagnoses and pointers, NPIs.
    body.forEach((s, i) => {
      if (s.id === 'NM1' && s.el[8] === 'XX' && !isValidNpi(s.el[9] ?? '')) problems.push(`segment ${s.index}: NM109 ${s.el[9]} fails the NPI check digit`);
      if (s.id !== 'CLM') return;
      claims += 1;
      const next = body.findIndex((t, j) => j > i && (t.id === 'CLM' || t.id === 'HL'));
      const claimSegs = body.slice(i, next === -1 ? body.length : next);
      const lines = claimSegs.filter((t) => t.id === 'SV1');
      const total = lines.reduce((sum, t) => sum + cents(t.el[2]!), 0);
      if (cents(s.el[2]!) !== total) problems.push(`segment ${s.index}: CLM02 ${s.el[2]} is not the sum of the SV102s (${total / 100})`);
      const hi = claimSegs.find((t) => t.id === 'HI');
      const diagnoses = hi ? hi.el.length - 1 : 0;
      if (diagnoses < 1 || diagnoses > 12) problems.push(`segment ${s.index}: the claim has ${diagnoses} diagnoses (1–12)`);
      hi?.el.slice(2).forEach((c, k) => {
        if (!/^(ABF|BF):[A-Z0-9]{3,7}$/.test(c)) problems.push(`segment ${hi.index}: HI${String(k + 2).padStart(2, '0')} "${c}" is not ABF:<code>`);
      });
      for (const line of lines) {
        for (const pointer of (line.el[7] ?? '').split(component)) {
          if (Number(pointer) > diagnoses) problems.push(`segment ${line.index}: SV107 pointer ${pointer} points past the ${diagnoses} diagnoses`);
        }
      }
      const lx = claimSegs.filter((t) => t.id === 'LX').map((t) => t.el[1]);
      lx.forEach((n, k) => {
        if (n !== String(k + 1)) problems.push(`segment ${s.index}: LX numbers must run 1, 2, 3… (found ${lx.join(',')})`);
      });
      checkCoordinationOfBenefits(s, claimSegs, body, component, problems);
      const frequency = (s.el[5] ?? '').split(component)[2];
      const f8 = claimSegs.some((t) => t.id === 'REF' && t.el[1] === 'F8');
      if ((frequency === '7' || frequency === '8') !== f8) problems.push(`segment ${s.index}: frequency ${frequency} ${f8 ? 'must not carry' : 'needs'} REF*F8`);
    });
  }
  return { problems, loops: visits, claims };
};
