/** Where in an 835 a problem was found: the 1-based segment number in the file (ISA is 1). */
export interface EraErrorLocation {
  segmentNumber: number;
  /** The segment's id (`CLP`), or the id of the segment that is missing (`SE`, `IEA`). */
  segmentId: string;
  /** The element at fault (`CLP04`, `SVC01-2`), or null when the segment as a whole is. */
  field: string | null;
}

/**
 * The file cannot be read as an 835: bad envelope, bad delimiters, a missing or malformed required
 * element, a truncated file or another transaction type. The whole file is rejected; a file that
 * reads but does not balance is not an error (its claims are quarantined instead).
 *
 * The message reads `segment 14 (CLP): CLP04 "12x" is not a number`, so a person can open the file
 * and find it; callers branch on `name` and read the typed location.
 */
export class EraParseError extends Error {
  readonly segmentNumber: number;
  readonly segmentId: string;
  readonly field: string | null;
  /** The message without its `segment N (ID): ` prefix. */
  readonly detail: string;

  constructor(detail: string, location: EraErrorLocation, cause?: unknown) {
    // Always one line: a line break quoted from the file is shown escaped.
    detail = detail.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
    super(`segment ${location.segmentNumber} (${location.segmentId}): ${detail}`, cause === undefined ? undefined : { cause });
    this.name = 'EraParseError';
    this.segmentNumber = location.segmentNumber;
    this.segmentId = location.segmentId;
    this.field = location.field;
    this.detail = detail;
  }
}

export const isEraParseError = (error: unknown): error is EraParseError => error instanceof Error && error.name === 'EraParseError';
