import { AmountFormatError, parseCents } from '../money';
import { claimBalanceProblems, patientShareCents, paymentBalanceProblems } from './balance';
import { ISA_LENGTH, readDelimiters } from './delimiters';
import { EraParseError } from './errors';
import type { Delimiters, EraAdjustment, EraClaim, EraLine, EraPayment, EraPaymentSummary, EraSummary, ProviderAdjustment } from './model';
import { claimStatusName, isAdjustmentGroup } from './status';

/** The transaction set kneadpay reads: health care claim payment/advice. */
export const ERA_TRANSACTION_SET = '835';
/** ST03 (and GS08) of a 5010 835: the implementation guide this parser follows. */
export const ERA_IMPLEMENTATION_GUIDE = '005010X221A1';

const SEGMENT_ID = /^[A-Z][A-Z0-9]{1,2}$/;
const ENVELOPE_SEGMENTS = new Set(['ISA', 'GS', 'ST', 'SE', 'GE', 'IEA']);
const UNITS = /^-?(?:\d+\.?\d*|\.\d+)$/;
/** X12 allows 15 digits; no service line bills more units than this, and it keeps units exact. */
const MAX_UNITS = 99_999;
const isUnits = (text: string) => UNITS.test(text) && Math.abs(Number(text)) <= MAX_UNITS;
/** Longer than any real segment by far: past this without a terminator, the file is not X12. */
const MAX_SEGMENT_LENGTH = 64 * 1024;
/** CAS carries up to six reason/amount/quantity triplets, from CAS02 to CAS19. */
const CAS_TRIPLETS = 6;
/** PLB carries up to six reason/amount pairs, from PLB03 to PLB14. */
const PLB_PAIRS = 6;

type Stage = 'interchange-header' | 'interchange' | 'group' | 'transaction' | 'done';

interface PaymentDraft {
  handlingCode: string;
  paymentCents: number;
  paymentMethod: string | null;
  paidAt: string | null;
  traceNumber: string | null;
  originatorId: string | null;
  payerName: string | null;
  payerId: string | null;
  payerAdditionalId: string | null;
  payeeName: string | null;
  payeeId: string | null;
  seenBpr: boolean;
}

interface TransactionState {
  index: number;
  controlNumber: string;
  /** Segments from ST to the current one, inclusive (what SE01 must say). */
  segmentCount: number;
  draft: PaymentDraft;
  payment: EraPayment | null;
  /** N101 of the current N1 loop in the header, so REF*2U lands on the payer. */
  partyLoop: string | null;
  claim: EraClaim | null;
  line: EraLine | null;
  /** Whether the current line's date came from DTM*472 (which beats a DTM*150 period start). */
  lineHasExactDate: boolean;
  claimCount: number;
  claimsPaidCents: number;
  providerAdjustments: ProviderAdjustment[];
  providerAdjustmentCents: number;
}

const fieldName = (segmentId: string, index: number): string => `${segmentId}${String(index).padStart(2, '0')}`;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** CCYYMMDD → YYYY-MM-DD, or null when it is not a calendar date. */
const isoDate = (text: string): string | null => {
  if (text.length !== 8) return null;
  let year = 0;
  let month = 0;
  let day = 0;
  for (let index = 0; index < 8; index += 1) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return null;
    if (index < 4) year = year * 10 + digit;
    else if (index < 6) month = month * 10 + digit;
    else day = day * 10 + digit;
  }
  if (month < 1 || month > 12 || day < 1) return null;
  const daysInMonth = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day > daysInMonth) return null;
  return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`;
};

/** The non-empty components from `from` on, at most `count` (modifiers: SVC01-3 … SVC01-6). */
const nonEmpty = (components: readonly string[], from: number, count: number): string[] => {
  const values: string[] = [];
  for (let index = from; index < from + count && index < components.length; index += 1) {
    if (components[index] !== '') values.push(components[index]!);
  }
  return values;
};

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const LINE_BREAKS = /[\r\n]/g;
const isBlank = (code: number): boolean => code === SPACE || code === TAB || code === LF || code === CR;
const isLineBreak = (code: number): boolean => code === LF || code === CR;

const shorten = (text: string): string => (text.length > 20 ? `${text.slice(0, 20)}…` : text);

/**
 * An incremental X12 835 (005010X221A1) reader: feed it the file in chunks of any size with
 * `write`, get back the claims each chunk completed, then call `end` for the file's totals.
 *
 * Segments are cut from the buffered text one at a time (the buffer only ever holds the unfinished
 * tail of a chunk), so a 100,000-claim file is read in constant memory. Each claim comes out
 * checked against the line, claim and patient rules of DOMAIN.md §4; the file rule
 * (`BPR02 = Σ CLP04 − Σ PLB`) can only be known at SE, so it is in the summary `end` returns
 * (use `applyFileProblems` to fold it into claims, or `parseEra` for a whole file in memory).
 *
 * The envelope is checked as it goes: ISA is exactly 106 characters, delimiters come from it, ST01
 * is 835, SE01 counts the segments, SE02 = ST02, GE01/IEA01 count what they close, GE02 = GS06,
 * IEA02 = ISA13, and a file that ends before its SE, GE or IEA is truncated. Anything wrong throws
 * an `EraParseError` naming the segment number (ISA is 1) and the field.
 */
export class EraParser {
  private buffer = '';
  private delimiters: Delimiters | null = null;
  private segmentNumber = 0;
  /** The current segment's elements, id first; reused from segment to segment. */
  private readonly elements: string[] = [];
  private elementCount = 0;
  private segmentId = '';
  private stage: Stage = 'interchange-header';
  private interchangeControlNumber = '';
  private groupCount = 0;
  private group: { controlNumber: string; transactionCount: number } | null = null;
  private transaction: TransactionState | null = null;
  private readonly payments: EraPaymentSummary[] = [];
  private claimCount = 0;
  private completed: EraClaim[] = [];
  private summary: EraSummary | null = null;
  /** The file is wrapped at a fixed width (80 columns…): line breaks are not part of it, anywhere. */
  private unwrap = false;
  /** ISA13 of the file's first interchange (a file may hold several, one after the other). */
  private firstInterchangeControlNumber: string | null = null;

  /**
   * Reads the next piece of the file.
   *
   * @returns the claims this chunk completed, in file order (a claim is complete when the next
   *   CLP, LX, PLB or SE is read).
   * @throws EraParseError on the first problem found.
   */
  write(chunk: string): EraClaim[] {
    if (this.summary) throw new Error('EraParser.write after end');
    // The kept tail holds no terminator, so the search for the next one starts after it.
    const searchFrom = this.delimiters ? this.buffer.length : 0;
    if (this.unwrap) chunk = chunk.replace(LINE_BREAKS, '');
    let text = this.buffer.length === 0 ? chunk : this.buffer + chunk;
    if (!this.delimiters) {
      // A byte-order mark or blank lines before ISA are harmless; skip them.
      text = text.replace(/^[\uFEFF\s]+/, '');
      const wrapped = this.wrappedIsa(text, false);
      if (wrapped === 'wait' || text.length < ISA_LENGTH) {
        this.buffer = text;
        return [];
      }
      if (wrapped === 'wrapped') {
        this.unwrap = true;
        text = text.replace(LINE_BREAKS, '');
      }
      this.delimiters = readDelimiters(text);
    }
    const start = this.readSegments(text, searchFrom);
    this.buffer = start === 0 ? text : text.slice(start);
    if (this.buffer.length > MAX_SEGMENT_LENGTH) {
      // Real segments are a few hundred characters; this is the wrong terminator or not X12, and
      // buffering on would hold the whole file.
      throw new EraParseError(`no segment terminator ("${this.delimiters.segment}") in ${MAX_SEGMENT_LENGTH} characters: the file is damaged or not X12`, {
        segmentNumber: this.segmentNumber + 1,
        segmentId: '?',
        field: null,
      });
    }
    const completed = this.completed;
    this.completed = [];
    return completed;
  }

  /**
   * Finishes the file: reads a last segment left without a terminator, checks nothing is
   * truncated and returns the totals.
   *
   * @returns the payments with their file-level balancing problems, and the claims that the final
   *   segments completed are already returned by the last `write` (none are left here).
   * @throws EraParseError when the file is empty, truncated or holds no 835 transaction set.
   */
  end(): EraSummary {
    if (this.summary) return this.summary;
    let rest = this.buffer.replace(/^[\uFEFF\s]+|\s+$/g, '');
    this.buffer = '';
    if (!this.delimiters && rest.startsWith('ISA')) {
      // The whole file was held back to see its layout (small files): read it now.
      if (this.wrappedIsa(rest, true) === 'wrapped') {
        this.unwrap = true;
        rest = rest.replace(LINE_BREAKS, '');
      }
      if (rest.length >= ISA_LENGTH) {
        this.delimiters = readDelimiters(rest);
        rest = rest.slice(this.readSegments(rest)).replace(/^\s+|\s+$/g, '');
      }
    }
    if (!this.delimiters) {
      if (rest === '') throw new EraParseError('the file is empty', { segmentNumber: 1, segmentId: 'ISA', field: null });
      if (rest.startsWith('ISA')) {
        throw new EraParseError(`the file ends inside the ISA segment (${rest.length} of ${ISA_LENGTH} characters): it is truncated`, {
          segmentNumber: 1,
          segmentId: 'ISA',
          field: null,
        });
      }
      readDelimiters(rest); // throws the "not an X12 interchange" error
    }
    if (rest !== '') {
      // Some senders leave the terminator off the final IEA, which is still whole; anything else
      // without a terminator was cut off mid-segment.
      if (!rest.startsWith(`IEA${this.delimiters!.element}`)) {
        const id = rest.split(this.delimiters!.element, 1)[0]!;
        throw new EraParseError(`the file ends inside this segment (no "${this.delimiters!.segment}" after it): it is truncated, or not terminated the way its ISA declares`, {
          segmentNumber: this.segmentNumber + 1,
          segmentId: SEGMENT_ID.test(id) ? id : '?',
          field: null,
        });
      }
      this.readSegments(`${rest}${this.delimiters!.segment}`);
    }
    const missing = this.stage === 'transaction' ? 'SE' : this.stage === 'group' ? 'GE' : this.stage === 'interchange' ? 'IEA' : null;
    if (missing) {
      const what =
        missing === 'SE'
          ? `transaction set ${this.transaction?.controlNumber ?? ''} has no SE`
          : missing === 'GE'
            ? `functional group ${this.group?.controlNumber ?? ''} has no GE`
            : 'the interchange has no IEA';
      throw new EraParseError(`the file ends here but ${what}: it is truncated`, {
        segmentNumber: this.segmentNumber + 1,
        segmentId: missing,
        field: null,
      });
    }
    if (this.payments.length === 0) {
      throw new EraParseError('the interchange holds no 835 transaction set (ST/SE)', {
        segmentNumber: this.segmentNumber,
        segmentId: 'IEA',
        field: null,
      });
    }
    this.summary = {
      interchangeControlNumber: this.firstInterchangeControlNumber ?? this.interchangeControlNumber,
      delimiters: this.delimiters!,
      payments: this.payments,
      claimCount: this.claimCount,
      fileProblems: this.payments.flatMap((payment) => payment.problems),
    };
    return this.summary;
  }

  /**
   * The claims `end` completed: a small file is held back until its layout is known (a wrap wider
   * than the ISA shows only at the first line break), so its claims may complete only at `end`.
   */
  takeCompleted(): EraClaim[] {
    const completed = this.completed;
    this.completed = [];
    return completed;
  }

  // --- segments -------------------------------------------------------------------------------

  /**
   * Reads every terminated segment in `text` and returns where the unfinished tail starts.
   *
   * Elements are cut straight out of `text` into one reused array instead of slicing each segment
   * and splitting it: three times faster, and far less garbage, on a 100,000-claim file. The next
   * element separator is remembered across segments, so the scan stays linear even when segments
   * have no separator at all.
   */
  private readSegments(text: string, searchFrom = 0): number {
    const terminator = this.delimiters!.segment;
    const separator = this.delimiters!.element;
    const elements = this.elements;
    let start = 0;
    let nextSeparator = -2; // not looked for yet
    for (let end = text.indexOf(terminator, searchFrom); end !== -1; end = text.indexOf(terminator, start)) {
      // A terminator may be followed by CR, LF or CRLF; when LF itself is the terminator, CRLF
      // files leave a CR before it. Neither is data.
      let from = start;
      while (from < end && isLineBreak(text.charCodeAt(from))) from += 1;
      // Between segments, spaces and line breaks are layout when the terminator is not itself a
      // line break (`~ \n  GS*…`). With line-break terminators a space there is inside the next
      // segment, before its id: refused by name in readSegment.
      if (!this.lineBreakTerminated) while (from < end && isBlank(text.charCodeAt(from))) from += 1;
      let to = end;
      while (to > from && isLineBreak(text.charCodeAt(to - 1))) to -= 1;
      if (nextSeparator !== -1 && nextSeparator < from) nextSeparator = text.indexOf(separator, from);
      let count = 0;
      while (nextSeparator !== -1 && nextSeparator < to) {
        elements[count++] = text.slice(from, nextSeparator);
        from = nextSeparator + 1;
        nextSeparator = text.indexOf(separator, from);
      }
      elements[count++] = text.slice(from, to);
      this.elementCount = count;
      this.readSegment();
      start = end + 1;
    }
    return start;
  }

  /** Reads the segment now in `elements` (its id is element 0). */
  private readSegment(): void {
    this.segmentNumber += 1;
    const id = this.elements[0]!;
    this.segmentId = id;
    if (id.length > 0 && isBlank(id.charCodeAt(0)) && SEGMENT_ID.test(id.trim())) {
      this.segmentId = id.trim();
      this.fail(null, `whitespace before the segment id "${id.trim()}": with line breaks as segment terminators, a segment starts right after the previous one's line break`);
    }
    // Segment ids the reader acts on are checked by the switch that dispatches them; any other id
    // is checked for its form before it is skipped or reported (see `checkSegmentId`).
    switch (this.stage) {
      case 'interchange-header':
        return this.readIsa();
      case 'interchange':
        return this.readInInterchange();
      case 'group':
        return this.readInGroup();
      case 'transaction':
        return this.readInTransaction();
      case 'done':
        return this.readNextInterchange();
    }
  }

  /**
   * A file may hold several interchanges one after the other (clearinghouses concatenate them):
   * each ISA after an IEA starts the next, read with the delimiters of the first.
   */
  private readNextInterchange(): void {
    const id = this.segmentId;
    if (id.startsWith('ISA') && id.length > 3) {
      this.segmentId = 'ISA';
      this.fail(null, `the next interchange uses "${id.charAt(3)}" as its element separator, the first one "${this.delimiters!.element}": post each interchange as its own file`);
    }
    if (id !== 'ISA') {
      this.checkSegmentId();
      return this.fail(null, `${id} after IEA: only another interchange (ISA) may follow an IEA`);
    }
    const component = this.el(16).charAt(0);
    if (component !== this.delimiters!.component) {
      this.fail(16, `the next interchange declares "${component}" as its component separator (ISA16), the first one "${this.delimiters!.component}": post each interchange as its own file`);
    }
    this.firstInterchangeControlNumber ??= this.interchangeControlNumber;
    this.groupCount = 0;
    this.stage = 'interchange-header';
    this.readIsa();
  }

  private get lineBreakTerminated(): boolean {
    const terminator = this.delimiters!.segment;
    return terminator === '\n' || terminator === '\r';
  }

  /**
   * Whether a line break inside the first 106 characters is a file wrapped at a fixed width (every
   * line as long as the first, the last one shorter: 80 columns is common) — `wrapped` — or a
   * damaged ISA, refused by name. `wait` asks for more text to decide; `none`: no line break there.
   */
  private wrappedIsa(text: string, atEnd: boolean): 'none' | 'wrapped' | 'wait' {
    const firstBreak = text.search(/[\r\n]/);
    // No line break yet: a wide wrap (or none) shows itself further on.
    if (firstBreak === -1) return atEnd || text.length >= 4096 ? 'none' : 'wait';
    if (firstBreak === ISA_LENGTH - 1) return 'none';
    if (firstBreak >= ISA_LENGTH) {
      // The ISA is whole on the first line: the file is wrapped when that line does not end at a
      // terminator and the next line is as long as the first (a wider wrap, 132 columns…).
      const terminator = text.charAt(ISA_LENGTH - 1);
      if (terminator === '\n' || terminator === '\r' || text.charAt(firstBreak - 1) === terminator) return 'none';
      const lines = text.split(/\r\n|\n|\r/);
      if (!atEnd && lines.length < 3 && text.length < 4096) return 'wait';
      const complete = atEnd ? lines : lines.slice(0, -1);
      return complete.length >= 2 && complete.slice(0, -1).every((line) => line.length === lines[0]!.length) && complete[complete.length - 1]!.length <= lines[0]!.length ? 'wrapped' : 'none';
    }
    // A terminator right before the break: an ISA of the wrong length, which readDelimiters names by field.
    const before = text.charAt(firstBreak - 1);
    if (firstBreak > 3 && !/[A-Za-z0-9 ]/.test(before) && before !== text.charAt(3)) return 'none';
    const lines = text.split(/\r\n|\n|\r/);
    const complete = atEnd ? lines : lines.slice(0, -1);
    if (!atEnd && complete.length < 3 && text.length < 4096) return 'wait';
    const width = lines[0]!.length;
    const full = complete.slice(0, -1);
    const last = complete[complete.length - 1] ?? '';
    if (width >= 40 && full.every((line) => line.length === width) && last.length <= width && complete.length >= 2) return 'wrapped';
    throw new EraParseError(
      `a line break inside the ISA after column ${firstBreak}: the ISA is one fixed-width segment of ${ISA_LENGTH} characters (a file wrapped at a fixed width must wrap every line at the same column)`,
      { segmentNumber: 1, segmentId: 'ISA', field: null },
    );
  }

  /** Rejects what cannot be a segment id: the sign of garbage or of delimiters other than the ISA's. */
  private checkSegmentId(): void {
    const id = this.segmentId;
    if (SEGMENT_ID.test(id)) return;
    this.segmentId = '?';
    this.fail(
      null,
      id === '' && this.elementCount === 1
        ? 'empty segment (two terminators in a row)'
        : `"${shorten(this.elements.slice(0, this.elementCount).join(this.delimiters!.element))}" is not a segment: the file is damaged or does not use the delimiters its ISA declares`,
    );
  }

  private readIsa(): void {
    const controlNumber = this.el(13);
    if (!/^\d{9}$/.test(controlNumber)) this.fail(13, `ISA13 "${controlNumber}" is not a 9-digit interchange control number`);
    // 4010 and 5010 835s differ in what their segments mean: read only the version this parser knows.
    if (this.el(12) !== '00501') this.fail(12, `ISA12 "${this.el(12)}" is not 00501: kneadpay reads 5010 (005010X221A1) remittances only`);
    this.interchangeControlNumber = controlNumber;
    this.stage = 'interchange';
  }

  private readInInterchange(): void {
    if (this.segmentId === 'GS') {
      const controlNumber = this.required(6);
      this.groupCount += 1;
      this.group = { controlNumber, transactionCount: 0 };
      this.stage = 'group';
      return;
    }
    if (this.segmentId === 'IEA') {
      const count = this.required(1);
      if (!/^\d+$/.test(count) || Number(count) !== this.groupCount) {
        this.fail(1, `IEA01 says ${count} functional groups, the interchange has ${this.groupCount}`);
      }
      const controlNumber = this.required(2);
      if (controlNumber !== this.interchangeControlNumber) {
        this.fail(2, `IEA02 "${controlNumber}" does not match ISA13 "${this.interchangeControlNumber}"`);
      }
      this.stage = 'done';
      return;
    }
    this.checkSegmentId();
    this.fail(null, `${this.segmentId} outside a functional group (GS/GE)`);
  }

  private readInGroup(): void {
    const group = this.group!;
    if (this.segmentId === 'ST') {
      const type = this.el(1);
      if (type !== ERA_TRANSACTION_SET) {
        this.fail(1, `ST01 "${type}" is not ${ERA_TRANSACTION_SET}: kneadpay reads only health care claim payment/advice (835) files`);
      }
      const version = this.el(3);
      if (version !== '' && version !== ERA_IMPLEMENTATION_GUIDE) {
        this.fail(3, `ST03 "${version}" is not ${ERA_IMPLEMENTATION_GUIDE}: kneadpay reads 5010 remittances only`);
      }
      group.transactionCount += 1;
      this.transaction = this.newTransaction(this.required(2));
      this.stage = 'transaction';
      return;
    }
    if (this.segmentId === 'GE') {
      const count = this.required(1);
      if (!/^\d+$/.test(count) || Number(count) !== group.transactionCount) {
        this.fail(1, `GE01 says ${count} transaction sets, the functional group has ${group.transactionCount}`);
      }
      const controlNumber = this.required(2);
      if (controlNumber !== group.controlNumber) {
        this.fail(2, `GE02 "${controlNumber}" does not match GS06 "${group.controlNumber}"`);
      }
      this.group = null;
      this.stage = 'interchange';
      return;
    }
    this.checkSegmentId();
    this.fail(null, `${this.segmentId} outside a transaction set (ST/SE)`);
  }

  private newTransaction(controlNumber: string): TransactionState {
    return {
      index: this.payments.length,
      controlNumber,
      segmentCount: 1,
      draft: {
        handlingCode: '',
        paymentCents: 0,
        paymentMethod: null,
        paidAt: null,
        traceNumber: null,
        originatorId: null,
        payerName: null,
        payerId: null,
        payerAdditionalId: null,
        payeeName: null,
        payeeId: null,
        seenBpr: false,
      },
      payment: null,
      partyLoop: null,
      claim: null,
      line: null,
      lineHasExactDate: false,
      claimCount: 0,
      claimsPaidCents: 0,
      providerAdjustments: [],
      providerAdjustmentCents: 0,
    };
  }

  private readInTransaction(): void {
    const transaction = this.transaction!;
    transaction.segmentCount += 1;
    switch (this.segmentId) {
      case 'SE':
        return this.readSe(transaction);
      case 'BPR':
        return this.readBpr(transaction);
      case 'TRN':
        return this.readTrn(transaction);
      case 'N1':
        return this.readN1(transaction);
      case 'REF':
        return this.readRef(transaction);
      case 'LX':
        this.paymentOf(transaction);
        return this.closeClaim(transaction);
      case 'CLP':
        return this.readClp(transaction);
      case 'CAS':
        return this.readCas(transaction);
      case 'NM1':
        return this.readNm1(transaction);
      case 'DTM':
        return this.readDtm(transaction);
      case 'SVC':
        return this.readSvc(transaction);
      case 'AMT':
        return this.readAmt(transaction);
      case 'PLB':
        return this.readPlb(transaction);
      default:
        this.checkSegmentId();
        if (ENVELOPE_SEGMENTS.has(this.segmentId)) {
          return this.fail(null, `${this.segmentId} inside transaction set ${transaction.controlNumber}: its SE is missing`, { field: 'SE' });
        }
      // Segments kneadpay does not need (CUR, N3, N4, PER, MIA, MOA, QTY, LQ, TS3, …) are skipped
      // but still counted for SE01.
    }
  }

  private readSe(transaction: TransactionState): void {
    const payment = this.paymentOf(transaction);
    this.closeClaim(transaction);
    const count = this.required(1);
    if (!/^\d+$/.test(count) || Number(count) !== transaction.segmentCount) {
      this.fail(1, `SE01 says ${count} segments, transaction set ${transaction.controlNumber} has ${transaction.segmentCount}`);
    }
    const controlNumber = this.required(2);
    if (controlNumber !== transaction.controlNumber) {
      this.fail(2, `SE02 "${controlNumber}" does not match ST02 "${transaction.controlNumber}"`);
    }
    this.payments.push({
      payment,
      claimCount: transaction.claimCount,
      claimsPaidCents: transaction.claimsPaidCents,
      providerAdjustments: transaction.providerAdjustments,
      providerAdjustmentCents: transaction.providerAdjustmentCents,
      problems: paymentBalanceProblems({ paymentCents: payment.paymentCents, ...transaction }),
    });
    this.transaction = null;
    this.stage = 'group';
  }

  // --- header -----------------------------------------------------------------------------------

  private inHeader(transaction: TransactionState): boolean {
    return transaction.payment === null;
  }

  private readBpr(transaction: TransactionState): void {
    if (!this.inHeader(transaction)) this.fail(null, 'BPR after the first claim: a transaction set has one BPR, before its claims');
    const draft = transaction.draft;
    draft.seenBpr = true;
    draft.handlingCode = this.required(1);
    const amount = this.amount(2);
    const direction = this.el(3) || 'C';
    if (direction !== 'C' && direction !== 'D') this.fail(3, `BPR03 "${direction}" must be C (credit) or D (debit)`);
    draft.paymentCents = direction === 'D' && amount !== 0 ? -amount : amount;
    draft.paymentMethod = this.el(4) || null;
    draft.paidAt = this.optionalDate(16);
  }

  private readTrn(transaction: TransactionState): void {
    if (!this.inHeader(transaction)) return;
    transaction.draft.traceNumber = this.required(2);
    transaction.draft.originatorId = this.el(3) || null;
  }

  private readN1(transaction: TransactionState): void {
    if (!this.inHeader(transaction)) return;
    const entity = this.el(1);
    transaction.partyLoop = entity;
    if (entity === 'PR') {
      transaction.draft.payerName = this.required(2);
      transaction.draft.payerId = this.el(4) || null;
    } else if (entity === 'PE') {
      transaction.draft.payeeName = this.el(2) || null;
      transaction.draft.payeeId = this.el(4) || null;
    }
  }

  private readRef(transaction: TransactionState): void {
    if (this.inHeader(transaction)) {
      if (transaction.partyLoop === 'PR' && this.el(1) === '2U') transaction.draft.payerAdditionalId = this.el(2) || null;
      return;
    }
    if (transaction.line && this.el(1) === '6R') transaction.line.controlNumber = this.el(2) || null;
  }

  /** The payment header, built (and checked) when the first claim, LX, PLB or SE is read. */
  private paymentOf(transaction: TransactionState): EraPayment {
    if (transaction.payment) return transaction.payment;
    const draft = transaction.draft;
    const missing = (segment: string, what: string): never => this.fail(null, `transaction set ${transaction.controlNumber} has no ${what} before its claims`, { field: segment });
    if (!draft.seenBpr) missing('BPR', 'BPR (payment)');
    if (draft.traceNumber === null) missing('TRN', 'TRN (trace number)');
    if (draft.payerName === null) missing('N1', 'N1*PR (payer)');
    transaction.payment = {
      index: transaction.index,
      transactionSetControlNumber: transaction.controlNumber,
      traceNumber: draft.traceNumber!,
      originatorId: draft.originatorId,
      payerName: draft.payerName!,
      payerId: draft.payerId ?? draft.payerAdditionalId ?? draft.originatorId,
      payeeName: draft.payeeName,
      payeeId: draft.payeeId,
      handlingCode: draft.handlingCode,
      paymentCents: draft.paymentCents,
      paymentMethod: draft.paymentMethod,
      paidAt: draft.paidAt,
    };
    return transaction.payment;
  }

  // --- claims -----------------------------------------------------------------------------------

  private readClp(transaction: TransactionState): void {
    const payment = this.paymentOf(transaction);
    this.closeClaim(transaction);
    const statusCode = this.required(2);
    const reported = this.optionalAmount(5);
    transaction.claim = {
      segmentNumber: this.segmentNumber,
      payment,
      patientControlNumber: this.required(1),
      statusCode,
      status: claimStatusName(statusCode),
      chargeCents: this.amount(3),
      paidCents: this.amount(4),
      reportedPatientResponsibilityCents: reported ?? 0,
      patientResponsibilityCents: 0,
      claimFilingIndicator: this.el(6) || null,
      payerClaimControlNumber: this.el(7) || null,
      patient: null,
      serviceDate: null,
      claimAdjustments: [],
      lines: [],
      balanced: false,
      problems: [],
    };
  }

  private closeLine(transaction: TransactionState): void {
    const line = transaction.line;
    if (!line) return;
    line.patientResponsibilityCents = patientShareCents(line.adjustments);
    transaction.line = null;
  }

  private closeClaim(transaction: TransactionState): void {
    this.closeLine(transaction);
    const claim = transaction.claim;
    if (!claim) return;
    let patientCents = patientShareCents(claim.claimAdjustments);
    for (const line of claim.lines) {
      // Without its own DTM*472 a line was done on the claim's statement date.
      if (line.serviceDate === null) line.serviceDate = claim.serviceDate;
      patientCents += line.patientResponsibilityCents;
    }
    claim.patientResponsibilityCents = patientCents;
    claim.problems = claimBalanceProblems(claim);
    claim.balanced = claim.problems.length === 0;
    transaction.claimCount += 1;
    transaction.claimsPaidCents += claim.paidCents;
    this.claimCount += 1;
    this.completed.push(claim);
    transaction.claim = null;
  }

  private readCas(transaction: TransactionState): void {
    const target = transaction.line?.adjustments ?? transaction.claim?.claimAdjustments;
    if (!target) return this.fail(null, 'CAS outside a claim (no CLP before it)');
    const group = this.required(1);
    if (!isAdjustmentGroup(group)) this.fail(1, `CAS01 "${group}" is not a claim adjustment group code (CO, PR, OA, PI, CR)`);
    // CAS01 and six reason/amount/quantity triplets: anything after CAS19 would be silently lost.
    if (this.elementCount > 2 + CAS_TRIPLETS * 3) this.fail(2 + CAS_TRIPLETS * 3, `CAS has more than ${1 + CAS_TRIPLETS * 3} elements: at most ${CAS_TRIPLETS} adjustments per CAS segment`);
    for (let triplet = 0; triplet < CAS_TRIPLETS; triplet += 1) {
      const reasonIndex = 2 + triplet * 3;
      const reason = this.el(reasonIndex);
      const amountText = this.el(reasonIndex + 1);
      const quantity = this.el(reasonIndex + 2);
      if (triplet > 0 && reason === '' && amountText === '' && quantity === '') continue;
      if (reason === '') this.fail(reasonIndex, `${fieldName('CAS', reasonIndex)} (adjustment reason) is missing`);
      const amountCents = this.amount(reasonIndex + 1);
      if (quantity !== '' && !UNITS.test(quantity)) {
        this.fail(reasonIndex + 2, `${fieldName('CAS', reasonIndex + 2)} "${quantity}" is not a number`);
      }
      target.push({ group, reason, amountCents } satisfies EraAdjustment);
    }
  }

  private readNm1(transaction: TransactionState): void {
    const claim = transaction.claim;
    if (!claim || transaction.line || this.el(1) !== 'QC') return;
    claim.patient = { lastName: this.el(3), firstName: this.el(4) || null, memberId: this.el(9) || null };
  }

  private readDtm(transaction: TransactionState): void {
    const qualifier = this.el(1);
    const line = transaction.line;
    if (line) {
      if (qualifier === '472') {
        line.serviceDate = this.date(2);
        transaction.lineHasExactDate = true;
      } else if (qualifier === '150' && !transaction.lineHasExactDate) {
        line.serviceDate = this.date(2);
      }
      return;
    }
    if (transaction.claim && qualifier === '232') transaction.claim.serviceDate = this.date(2);
  }

  private readSvc(transaction: TransactionState): void {
    const claim = transaction.claim;
    if (!claim) return this.fail(null, 'SVC outside a claim (no CLP before it)');
    this.closeLine(transaction);
    const component = this.delimiters!.component;
    const procedure = this.el(1).split(component);
    if (procedure.length === 1) this.wrongComponentSeparator(1);
    const procedureCode = procedure[1] ?? '';
    if (procedureCode === '') this.fail(1, `SVC01-2 (procedure code) is missing in "${this.el(1)}"`, { field: 'SVC01-2' });
    const original = this.el(6) === '' ? [] : this.el(6).split(component);
    const unitsText = this.el(5);
    if (unitsText !== '' && !isUnits(unitsText)) this.fail(5, `SVC05 "${unitsText}" is not a number of units (at most ${MAX_UNITS})`);
    const originalUnitsText = this.el(7);
    if (originalUnitsText !== '' && !isUnits(originalUnitsText)) this.fail(7, `SVC07 "${originalUnitsText}" is not a number of units (at most ${MAX_UNITS})`);
    const line: EraLine = {
      lineNumber: claim.lines.length + 1,
      segmentNumber: this.segmentNumber,
      qualifier: procedure[0] ?? '',
      procedureCode,
      modifiers: nonEmpty(procedure, 2, 4),
      description: procedure[6] || null,
      chargeCents: this.amount(2),
      paidCents: this.amount(3),
      revenueCode: this.el(4) || null,
      units: unitsText === '' ? 1 : Number(unitsText),
      originalProcedureCode: original[1] || null,
      originalModifiers: nonEmpty(original, 2, 4),
      originalUnits: originalUnitsText === '' ? null : Number(originalUnitsText),
      serviceDate: null,
      allowedCents: null,
      controlNumber: null,
      adjustments: [],
      patientResponsibilityCents: 0,
    };
    claim.lines.push(line);
    transaction.line = line;
    transaction.lineHasExactDate = false;
  }

  private readAmt(transaction: TransactionState): void {
    if (transaction.line && this.el(1) === 'B6') transaction.line.allowedCents = this.amount(2);
  }

  private readPlb(transaction: TransactionState): void {
    this.paymentOf(transaction);
    this.closeClaim(transaction);
    const providerId = this.required(1);
    const fiscalPeriodDate = this.optionalDate(2);
    const component = this.delimiters!.component;
    for (let pair = 0; pair < PLB_PAIRS; pair += 1) {
      const reasonIndex = 3 + pair * 2;
      const identifier = this.el(reasonIndex);
      const amountText = this.el(reasonIndex + 1);
      if (pair > 0 && identifier === '' && amountText === '') continue;
      if (identifier === '') this.fail(reasonIndex, `${fieldName('PLB', reasonIndex)} (adjustment reason) is missing`);
      const [reason = '', reference = ''] = identifier.split(component);
      const amountCents = this.amount(reasonIndex + 1);
      transaction.providerAdjustments.push({
        segmentNumber: this.segmentNumber,
        providerId,
        fiscalPeriodDate,
        reason,
        reference: reference || null,
        amountCents,
      });
      transaction.providerAdjustmentCents += amountCents;
    }
  }

  // --- elements ---------------------------------------------------------------------------------

  private el(index: number): string {
    return index < this.elementCount ? this.elements[index]! : '';
  }

  private required(index: number): string {
    const value = this.el(index);
    if (value === '') this.fail(index, `${fieldName(this.segmentId, index)} is missing`);
    return value;
  }

  private amount(index: number): number {
    const text = this.required(index);
    try {
      return parseCents(text);
    } catch (error) {
      if (error instanceof AmountFormatError) {
        return this.fail(index, `${fieldName(this.segmentId, index)} ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  private optionalAmount(index: number): number | null {
    return this.el(index) === '' ? null : this.amount(index);
  }

  private date(index: number): string {
    const text = this.required(index);
    const date = isoDate(text);
    if (date === null) this.fail(index, `${fieldName(this.segmentId, index)} "${text}" is not a date (CCYYMMDD)`);
    return date!;
  }

  private optionalDate(index: number): string | null {
    return this.el(index) === '' ? null : this.date(index);
  }

  /**
   * A composite written with another separator than ISA16's (`HC>97124` where ISA16 is `:`) is
   * refused naming both, rather than as a missing procedure code.
   */
  private wrongComponentSeparator(index: number): void {
    const text = this.el(index);
    const match = /^[A-Z0-9]{2}([^A-Za-z0-9 ])[A-Z0-9]/.exec(text);
    if (match && match[1] !== this.delimiters!.component) {
      this.fail(index, `${fieldName(this.segmentId, index)} "${text}" separates its components with "${match[1]}", but ISA16 declares "${this.delimiters!.component}" as the component separator`);
    }
  }

  /**
   * Throws an `EraParseError` at the current segment. `index` names the element (`CLP04`);
   * `field` overrides that name for a component (`SVC01-2`) or a missing segment (`SE`).
   */
  private fail(index: number | null, detail: string, options: { field?: string; cause?: unknown } = {}): never {
    throw new EraParseError(
      detail,
      {
        segmentNumber: this.segmentNumber,
        segmentId: this.segmentId,
        field: options.field ?? (index === null ? null : fieldName(this.segmentId, index)),
      },
      options.cause,
    );
  }
}
