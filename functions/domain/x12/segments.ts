/**
 * Small helpers shared by the X12 builders and readers of claims out (837P, 999, 277CA): the
 * delimiters kneadpay writes, an element cleaner, amounts and dates in X12 form, and a tolerant
 * segment splitter for acknowledgements that come back from clearinghouses.
 */

export interface X12Delimiters {
  element: string;
  component: string;
  repetition: string;
  segment: string;
}

/** What kneadpay writes: `*` elements, `:` components, `^` repetitions, `~` terminators. */
export const WRITE_DELIMITERS: X12Delimiters = { element: '*', component: ':', repetition: '^', segment: '~' };

/**
 * A value safe inside an element: upper-cased (most payers' front ends still expect it), without
 * any delimiter or control character, runs of spaces folded, trimmed to `max` characters.
 */
export const clean = (value: string | undefined | null, max = 60): string =>
  (value ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[*:^~\r\n\t>|]/g, ' ')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toUpperCase()
    .slice(0, max)
    .trim();

/** Integer cents → an X12 decimal (R): `60`, `60.5`, `60.55`; never a trailing `.0`. */
export const amount = (cents: number): string => {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const fraction = abs % 100;
  if (fraction === 0) return `${sign}${whole}`;
  return `${sign}${whole}.${String(fraction).padStart(2, '0').replace(/0$/, '')}`;
};

/** YYYY-MM-DD → CCYYMMDD. */
export const d8 = (isoDate: string): string => isoDate.replaceAll('-', '');

/** A UTC instant → CCYYMMDD and HHMM. */
export const stamp = (at: Date) => {
  const iso = at.toISOString();
  return { ccyymmdd: iso.slice(0, 10).replaceAll('-', ''), yymmdd: iso.slice(2, 10).replaceAll('-', ''), hhmm: iso.slice(11, 16).replace(':', '') };
};

/** Joins elements into a segment, dropping trailing empty elements (X12 forbids them). */
export const segment = (elements: readonly string[], d: X12Delimiters = WRITE_DELIMITERS): string => {
  let last = elements.length - 1;
  while (last > 0 && elements[last] === '') last -= 1;
  return elements.slice(0, last + 1).join(d.element);
};

/** Joins components, dropping trailing empty ones. */
export const composite = (components: readonly string[], d: X12Delimiters = WRITE_DELIMITERS): string => {
  let last = components.length - 1;
  while (last > 0 && components[last] === '') last -= 1;
  return components.slice(0, last + 1).join(d.component);
};

export interface ReadSegment {
  /** 1-based position in the file (ISA is 1). */
  number: number;
  id: string;
  /** elements[0] is the segment id; elements[n] is the n-th element. */
  elements: string[];
}

export class X12ReadError extends Error {
  readonly segmentNumber: number;
  readonly segmentId: string;
  constructor(message: string, segmentNumber: number, segmentId: string) {
    super(`segment ${segmentNumber} (${segmentId}): ${message}`);
    this.name = 'X12ReadError';
    this.segmentNumber = segmentNumber;
    this.segmentId = segmentId;
  }
}

/**
 * Splits an X12 interchange (or several) into segments. Delimiters come from the ISA: element =
 * 4th character, component = ISA16 (the 105th), terminator = the 106th. Line breaks and spaces
 * between segments are ignored when the terminator is not itself a line break.
 */
export const readSegments = (text: string): { delimiters: X12Delimiters; segments: ReadSegment[] } => {
  const start = text.replace(/^\uFEFF/, '').replace(/^\s+/, '');
  if (!start.startsWith('ISA')) throw new X12ReadError(`not an X12 interchange: it must start with "ISA", it starts with "${start.slice(0, 3)}"`, 1, 'ISA');
  if (start.length < 106) throw new X12ReadError('the ISA segment is shorter than its fixed 106 characters', 1, 'ISA');
  const element = start.charAt(3);
  const component = start.charAt(104);
  const terminator = start.charAt(105);
  const repetition = start.charAt(82);
  const delimiters = { element, component, repetition, segment: terminator };
  const segments: ReadSegment[] = [];
  for (const raw of start.split(terminator)) {
    const body = terminator === '\n' || terminator === '\r' ? raw.replace(/\r$/, '') : raw.replace(/^[\s]+/, '').replace(/[\r\n]+$/, '');
    if (body.trim() === '') continue;
    const elements = body.split(element);
    const id = elements[0]!.trim();
    segments.push({ number: segments.length + 1, id, elements: [id, ...elements.slice(1)] });
  }
  return { delimiters, segments };
};
