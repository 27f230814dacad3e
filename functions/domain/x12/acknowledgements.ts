import { readSegments, X12ReadError, type ReadSegment } from './segments';

/**
 * Readers of what comes back after an 837P: the 999 implementation acknowledgement
 * (005010X231A1) and the 277CA claim acknowledgement (005010X214). Pure: text in, verdicts out.
 */

export interface Ack999Set {
  /** AK2-01 and AK2-02: the transaction set acknowledged (837, 0001). */
  transactionSetId: string;
  controlNumber: string;
  /** IK5-01: A accepted, E accepted with errors, R rejected (M, W, X are rejections too). */
  verdict: string;
  /** IK3/IK4 errors and IK5 codes, as a person reads them. */
  errors: string[];
  /**
   * The IK3/IK4 errors a Business Unit Identifier CTX (`CTX*CLM01:<patient control number>`, below
   * the IK3) puts in one claim, by that claim's CLM01, in file order. The 999 still decides the whole
   * set; this says which claim of it is in error.
   */
  claimErrors?: Record<string, string[]>;
}

export interface Ack999Group {
  /** AK1-01 (HC) and AK1-02: the group control number (GS06) of the file acknowledged. */
  functionalId: string;
  groupControlNumber: string;
  /** AK9-01. */
  verdict: string;
  sets: Ack999Set[];
}

export interface Ack277Claim {
  /** TRN02 in the patient loop: the patient control number kneadpay sent in CLM01. */
  patientControlNumber: string;
  /** REF*1K: the payer's claim control number, when the payer assigned one. */
  payerClaimControlNumber: string | null;
  /**
   * 2200B TRN02 of the information receiver level the claim sits under: the 837's BHT03, i.e. the
   * batch that carried it (null without one). With a CLM01 two claims share (a visit's primary and
   * secondary claim), the batch says which one is meant.
   */
  batchReference: string | null;
  /** Every STC of the claim (category:status:entity), in file order. */
  statuses: { category: string; status: string; entity: string | null; actionCode: string | null; message: string | null }[];
  verdict: 'accepted' | 'rejected' | 'received';
  reason: string;
}

type Ack277Status = Ack277Claim['statuses'][number];

/**
 * A level above the claims (005010X214): the information receiver (2000B, whose 2200B TRN02 echoes
 * the 837's BHT03, i.e. the batch) or a billing provider under it (2000C, NM1*85 NM109). A level
 * whose STC rejects (STC03 U, or a rejecting category) rejects every claim of the 837 beneath it:
 * 2200B "when the entire claim transaction (837 ST-SE) is rejected due to submitter level errors",
 * 2200C the "group of claims" of that billing provider (X12 RFIs 2145 and 1211); the guide then sends
 * no 2000D patient loops for them.
 */
export interface Ack277Level {
  statuses: Ack277Status[];
  verdict: 'accepted' | 'rejected' | 'received';
  reason: string;
}
export interface Ack277Batch extends Ack277Level {
  /** 2200B TRN02: the 837's BHT03 (kneadpay writes its batch id there). */
  batchReference: string;
  /** 2000C billing providers: NM109 (the NPI with NM108 XX) and their 2200C verdict. */
  providers: (Ack277Level & { providerId: string })[];
}

/**
 * Why every claim of this batch is rejected, when its receiver level (2200B) or a billing provider
 * (2200C) rejects; null when neither does.
 */
export const batchRejection = (batch: Ack277Batch): string | null => {
  if (batch.statuses.some(levelRejects)) return `the whole 837P (2200B): ${decideStatuses(batch.statuses, '', levelRejects).reason}`;
  const provider = batch.providers.find((p) => p.statuses.some(levelRejects));
  return provider ? `its billing provider (2200C): ${decideStatuses(provider.statuses, '', levelRejects).reason}` : null;
};

export type Acknowledgement = { kind: '999'; groups: Ack999Group[] } | { kind: '277CA'; claims: Ack277Claim[]; batches: Ack277Batch[] };

/** 999 IK3-04 syntax error codes (segment level). */
const IK3_CODES: Record<string, string> = {
  '1': 'unrecognized segment id',
  '2': 'unexpected segment',
  '3': 'required segment missing',
  '4': 'loop occurs over maximum times',
  '5': 'segment exceeds maximum use',
  '6': 'segment not in defined transaction set',
  '7': 'segment not in proper sequence',
  '8': 'segment has data element errors',
  I4: 'implementation "not used" segment present',
  I6: 'implementation dependent segment missing',
  I7: 'implementation loop occurs under minimum times',
  I8: 'implementation segment below minimum use',
  I9: 'implementation dependent "not used" segment present',
};
/** 999 IK4-03 element error codes. */
const IK4_CODES: Record<string, string> = {
  '1': 'required data element missing',
  '2': 'conditional required data element missing',
  '3': 'too many data elements',
  '4': 'data element too short',
  '5': 'data element too long',
  '6': 'invalid character in data element',
  '7': 'invalid code value',
  '8': 'invalid date',
  '9': 'invalid time',
  '10': 'exclusion condition violated',
  '12': 'too many repetitions',
  '13': 'too many components',
  I10: 'implementation "not used" data element present',
  I11: 'implementation too few repetitions',
  I12: 'implementation pattern match failure',
  I13: 'implementation dependent "not used" data element present',
  I6: 'code value not used in implementation',
  I9: 'implementation dependent data element missing',
};

/** 277CA STC01-1 claim status categories (the ones a claim acknowledgement uses). */
export const CATEGORY_MEANING: Record<string, string> = {
  A0: 'forwarded to another entity',
  A1: 'received',
  A2: 'accepted into adjudication',
  A3: 'returned as unprocessable',
  A4: 'not found',
  A5: 'split',
  A6: 'rejected for missing information',
  A7: 'rejected for invalid information',
  A8: 'rejected for relational field in error',
};
const REJECTING = new Set(['A3', 'A4', 'A6', 'A7', 'A8']);
/**
 * Categories that accept into adjudication. 005010X214 limits STC01-1 to the A (acknowledgement)
 * categories, and E (system unavailable) in real time (X12 RFIs 1942 and 2203); the DR01–DR08
 * data-reporting categories belong to another guide (the 277 data reporting acknowledgement,
 * 005010X364), which kneadpay refuses by its ST03.
 */
const ACCEPTING = new Set(['A2', 'A5']);
/** 2200D STC03, the action code: U reject, WQ accept (005010X214). A U rejects whatever the category. */
const rejects = (s: { category: string; actionCode: string | null }) => REJECTING.has(s.category) || s.actionCode === 'U';
/**
 * At the receiver (2200B) and billing provider (2200C) levels STC03 is the verdict: U rejects the
 * whole unit of work (X12 RFI 2145: "specifically limited to … when the entire claim transaction
 * (837 ST-SE) is rejected"), WQ accepts it (a rejecting category under WQ rejects none of the claims,
 * which then have their own 2200D status); only without STC03 does the category decide.
 */
const levelRejects = (s: { category: string; actionCode: string | null }) => (s.actionCode ? s.actionCode === 'U' : REJECTING.has(s.category));
/** ST03 of a claim acknowledgement; a 277 with another (005010X212 answers a 276 status inquiry) is not one. */
export const IMPLEMENTATION_GUIDE_277CA = '005010X214';

const element = (s: ReadSegment, n: number) => (s.elements[n] ?? '').trim();

/** The transaction set inside: 999 or 277 (a 277 whose ST03 names another guide is refused), or a named refusal. */
const transactionSet = (segments: ReadSegment[]): string => {
  const st = segments.find((s) => s.id === 'ST');
  if (!st) throw new X12ReadError('no ST segment: the interchange holds no transaction set', segments.length, 'ST');
  return element(st, 1);
};

export const parse999 = (segments: ReadSegment[], component: string): Ack999Group[] => {
  const groups: Ack999Group[] = [];
  let group: Ack999Group | null = null;
  let set: Ack999Set | null = null;
  let ik3: string | null = null;
  /** The errors of the current IK3 loop (2100), and the claim its CTX*CLM01 names, if any. */
  let ik3Errors: string[] | null = null;
  let ik3Claim: string | null = null;
  const note = (error: string) => {
    set?.errors.push(error);
    ik3Errors?.push(error);
    if (ik3Claim && set?.claimErrors?.[ik3Claim]) set.claimErrors[ik3Claim]!.push(error);
  };
  for (const s of segments) {
    switch (s.id) {
      case 'AK1':
        if (!element(s, 2)) throw new X12ReadError('AK102 (the group control number acknowledged) is missing', s.number, 'AK1');
        group = { functionalId: element(s, 1), groupControlNumber: element(s, 2), verdict: '', sets: [] };
        groups.push(group);
        break;
      case 'AK2':
        if (!group) throw new X12ReadError('AK2 before AK1', s.number, 'AK2');
        set = { transactionSetId: element(s, 1), controlNumber: element(s, 2), verdict: '', errors: [] };
        group.sets.push(set);
        ik3 = null;
        ik3Errors = null;
        ik3Claim = null;
        break;
      case 'IK3': {
        const code = element(s, 4);
        ik3 = `segment ${element(s, 1)} at position ${element(s, 2)}${element(s, 3) ? ` (loop ${element(s, 3)})` : ''}`;
        ik3Errors = [];
        ik3Claim = null;
        note(`${ik3}: ${IK3_CODES[code] ?? `error ${code}`}`);
        break;
      }
      case 'CTX': {
        // 005010X231A1 2100/2110: `CTX*CLM01:<CLM01>` (the Business Unit Identifier, below the IK3)
        // names the claim the IK3's errors are in; `CTX*SITUATIONAL TRIGGER*<segment>*<position>*<loop>`
        // names the segment whose presence made the reported one required or not used.
        const [context = '', reference = ''] = element(s, 1).split(component);
        if (context === 'CLM01' && reference && ik3Errors && set) {
          const claimErrors = (set.claimErrors ??= {});
          (claimErrors[reference] ??= []).push(...ik3Errors);
          ik3Claim = reference;
        } else if (context === 'SITUATIONAL TRIGGER' && element(s, 2) && set && ik3Errors?.length) {
          // The error just reported (the IK3's, or the IK4's it follows) is the one the trigger explains.
          const trigger = ` (situational: triggered by ${element(s, 2)} at position ${element(s, 3)}${element(s, 4) ? ` in loop ${element(s, 4)}` : ''})`;
          const lists = [set.errors, ik3Errors, ...(ik3Claim ? [set.claimErrors![ik3Claim]!] : [])];
          for (const list of lists) list[list.length - 1] += trigger;
        }
        break;
      }
      case 'IK4': {
        const position = element(s, 1).split(component).filter(Boolean).join('-');
        const code = element(s, 3);
        const bad = element(s, 4);
        note(`${ik3 ?? 'segment'} element ${position}: ${IK4_CODES[code] ?? `error ${code}`}${bad ? ` ("${bad}")` : ''}`);
        break;
      }
      case 'IK5':
        if (!set) throw new X12ReadError('IK5 before AK2', s.number, 'IK5');
        set.verdict = element(s, 1);
        for (let i = 2; i <= 6; i += 1) if (element(s, i)) set.errors.push(`IK5 code ${element(s, i)}`);
        set = null;
        ik3 = null;
        ik3Errors = null;
        ik3Claim = null;
        break;
      case 'AK9':
        if (!group) throw new X12ReadError('AK9 before AK1', s.number, 'AK9');
        group.verdict = element(s, 1);
        group = null;
        break;
      default:
        break;
    }
  }
  if (groups.length === 0) throw new X12ReadError('a 999 without AK1 acknowledges nothing', segments.length, 'AK1');
  for (const g of groups) if (!g.verdict) throw new X12ReadError(`the group ${g.groupControlNumber} has no AK9 verdict`, segments.length, 'AK9');
  return groups;
};

/** Verdict and reason of a list of STC statuses (a claim's, or a level's). */
const decideStatuses = (statuses: Ack277Status[], none: string, rejecting = rejects): Pick<Ack277Level, 'verdict' | 'reason'> => {
  const rejected = statuses.some(rejecting);
  const verdict = rejected ? 'rejected' : statuses.some((s) => ACCEPTING.has(s.category)) ? 'accepted' : 'received';
  const deciding = statuses.find((s) => (rejected ? rejecting(s) : true));
  // A status that rejects by its action code alone says so, not its category's meaning ("A1 received").
  const meaning = (category: string) => (rejected && !REJECTING.has(category) ? 'rejected (STC03 U)' : (CATEGORY_MEANING[category] ?? 'status'));
  const reason = deciding
    ? `${deciding.category}:${deciding.status}${deciding.entity ? `:${deciding.entity}` : ''} ${meaning(deciding.category)}${deciding.message ? ` — ${deciding.message}` : ''}`
    : none;
  return { verdict, reason };
};

/** The STC statuses of one STC segment: STC01, then the composites of STC10 and STC11 (under the same STC03 action code). */
const statusesOf = (s: ReadSegment, component: string): Ack277Status[] => {
  const [category = '', status = '', entity = ''] = element(s, 1).split(component);
  const actionCode = element(s, 3) || null;
  const out: Ack277Status[] = [{ category, status, entity: entity || null, actionCode, message: element(s, 12) || null }];
  for (const n of [10, 11]) {
    const [c = '', st = '', e = ''] = element(s, n).split(component);
    if (c) out.push({ category: c, status: st, entity: e || null, actionCode, message: null });
  }
  return out;
};

/** The claims (2000D) and the levels above them (2000B batches with their 2000C billing providers) of a 277CA. */
export const read277CA = (segments: ReadSegment[], component: string): { claims: Ack277Claim[]; batches: Ack277Batch[] } => {
  const claims: Ack277Claim[] = [];
  const batches: Ack277Batch[] = [];
  let level: string | null = null;
  let claim: Ack277Claim | null = null;
  let batch: Ack277Batch | null = null;
  let provider: Ack277Batch['providers'][number] | null = null;
  let inService = false;
  const finishLevels = () => {
    for (const l of [batch, provider]) if (l) Object.assign(l, decideStatuses(l.statuses, 'no STC', levelRejects));
  };
  const finish = () => {
    if (!claim) return;
    Object.assign(claim, decideStatuses(claim.statuses, 'no STC for the claim'));
    // A claim beneath a rejected receiver or billing provider is rejected with it, whatever its own STC says.
    const above = batch && batchRejection({ ...batch, providers: provider ? [provider] : [] });
    if (above) {
      claim.verdict = 'rejected';
      claim.reason = above;
    }
    claim = null;
  };
  for (const s of segments) {
    if (s.id === 'HL') {
      finish();
      level = element(s, 3);
      inService = false;
      if (level === '20') {
        finishLevels();
        batch = null;
        provider = null;
      } else if (level === '21') {
        finishLevels();
        batch = { batchReference: '', statuses: [], verdict: 'received', reason: '', providers: [] };
        provider = null;
        batches.push(batch);
      } else if (level === '19') {
        if (provider) Object.assign(provider, decideStatuses(provider.statuses, 'no STC', levelRejects));
        provider = { providerId: '', statuses: [], verdict: 'received', reason: '' };
        batch?.providers.push(provider);
      }
    } else if (s.id === 'NM1' && level === '19' && provider && element(s, 1) === '85') {
      provider.providerId = element(s, 9);
    } else if (s.id === 'TRN' && level === '21' && batch && element(s, 1) === '2') {
      batch.batchReference = element(s, 2);
    } else if (s.id === 'STC' && level === '21' && batch) {
      batch.statuses.push(...statusesOf(s, component));
    } else if (s.id === 'STC' && level === '19' && provider) {
      provider.statuses.push(...statusesOf(s, component));
    } else if (s.id === 'TRN' && level === 'PT' && element(s, 1) === '2') {
      finish();
      claim = { patientControlNumber: element(s, 2), payerClaimControlNumber: null, batchReference: batch?.batchReference || null, statuses: [], verdict: 'received', reason: '' };
      claims.push(claim);
      inService = false;
    } else if (s.id === 'SVC') {
      inService = true;
    } else if (s.id === 'STC' && claim && !inService) {
      claim.statuses.push(...statusesOf(s, component));
    } else if (s.id === 'REF' && claim && !inService && element(s, 1) === '1K') {
      claim.payerClaimControlNumber = element(s, 2) || null;
    } else if (s.id === 'SE') {
      finish();
      finishLevels();
      level = null;
      batch = null;
      provider = null;
    }
  }
  finish();
  finishLevels();
  for (const c of claims) if (!c.patientControlNumber) throw new X12ReadError('a claim TRN*2 without the patient control number', 0, 'TRN');
  return { claims, batches };
};

/** The claims (2000D) of a 277CA, each with its verdict (a rejected level above it rejects it too). */
export const parse277CA = (segments: ReadSegment[], component: string): Ack277Claim[] => read277CA(segments, component).claims;

/** Reads a 999 or a 277CA; anything else is refused naming what it is. */
export const parseAcknowledgement = (text: string): Acknowledgement => {
  const { delimiters, segments } = readSegments(text);
  const set = transactionSet(segments);
  if (set === '999') return { kind: '999', groups: parse999(segments, delimiters.component) };
  const st = segments.find((s) => s.id === 'ST')!;
  if (set === '277') {
    const guide = element(st, 3);
    if (guide && guide !== IMPLEMENTATION_GUIDE_277CA) {
      throw new X12ReadError(`this 277 is implementation ${guide}, not a 277CA claim acknowledgement (${IMPLEMENTATION_GUIDE_277CA})`, st.number, 'ST');
    }
    return { kind: '277CA', ...read277CA(segments, delimiters.component) };
  }
  throw new X12ReadError(`transaction set ${set} is not an acknowledgement kneadpay reads (999 or 277CA)`, st.number, 'ST');
};

/** A 999 set verdict that lets the claims in it go on to the payer. */
export const setAccepted = (verdict: string) => verdict === 'A' || verdict === 'E';

/** AK901 codes that accept at least part of the group: A accepted, E accepted with errors, P partially accepted. */
const GROUP_NOT_REJECTED = new Set(['A', 'E', 'P']);

/**
 * What a 999 says about the (one) transaction set of a kneadpay batch: the set's IK5 verdict, else
 * the group's AK9 when the 999 has no AK2 loop for it; accepted when that is A or E and AK9 does not
 * reject the whole group (R, or M/W/X: authentication, assurance, decryption failures).
 */
export const decide999 = (group: Ack999Group): { verdict: string; accepted: boolean; errors: string[] } => {
  const set = group.sets[0];
  const verdict = set?.verdict || group.verdict;
  return { verdict, accepted: setAccepted(verdict) && GROUP_NOT_REJECTED.has(group.verdict), errors: set?.errors ?? [] };
};

/**
 * Why a 999 that rejects a batch's transaction set rejects one claim of it. The whole set is
 * rejected (005010X231A1: IK5 decides the ST-SE), but a Business Unit Identifier CTX says which claim
 * an error is in: a claim is given its own errors and those the 999 puts in no claim of the batch
 * (the set's, IK5's codes); a claim with none is told which claims of the batch were in error, so the
 * desk knows it can go again as it is. Without CTX every claim is given every error, as before.
 */
export const rejection999 = (group: Ack999Group, claimId: string, batchClaims: readonly string[]): string => {
  const { verdict, errors } = decide999(group);
  const head = `999 rejected the 837P (IK5 ${verdict}, AK9 ${group.verdict})`;
  const byClaim = group.sets[0]?.claimErrors ?? {};
  const named = Object.keys(byClaim).filter((id) => batchClaims.includes(id));
  // What no claim of the batch is named for: every error, less one of each a named claim holds.
  const unattributed = [...errors];
  for (const id of named) {
    for (const error of byClaim[id]!) {
      const at = unattributed.indexOf(error);
      if (at >= 0) unattributed.splice(at, 1);
    }
  }
  const listed = [...(named.includes(claimId) ? byClaim[claimId]! : []), ...unattributed];
  if (listed.length) return `${head}: ${listed.join('; ')}`;
  if (!named.length) return head;
  return `${head} for errors in ${named.length === 1 ? 'claim' : 'claims'} ${named.join(', ')} of the batch; none in this claim`;
};
