/**
 * Billing units for the CPT codes a massage or bodywork practice bills (DOMAIN.md §2–3).
 *
 * Timed codes are billed in 15-minute units under the CMS "8-minute rule" (Medicare Claims
 * Processing Manual 100-04, ch. 5, §20.2) or, for payers that do so, rounded per code. Untimed codes
 * are one unit per visit whatever their minutes.
 */

/**
 * The procedure codes kneadpay knows, and whether each is billed in 15-minute units.
 *
 * Built from the CMS list of "always therapy" codes (the ones that count toward the 8-minute rule
 * are the timed ones). A code outside this table is rejected rather than guessed: calling an
 * untimed code timed over-bills, calling a timed code untimed under-bills, and either gets claims
 * denied or audited. Add a code here (with its CMS designation) to support it.
 */
export const PROCEDURE_CODES = {
  // Supervised modalities: untimed, one unit per visit.
  '97010': { timed: false, service: 'hot or cold packs (bundled under Medicare)' },
  '97012': { timed: false, service: 'mechanical traction' },
  '97014': { timed: false, service: 'electrical stimulation, unattended' },
  '97016': { timed: false, service: 'vasopneumatic device' },
  '97018': { timed: false, service: 'paraffin bath' },
  '97022': { timed: false, service: 'whirlpool' },
  '97024': { timed: false, service: 'diathermy' },
  '97026': { timed: false, service: 'infrared' },
  '97028': { timed: false, service: 'ultraviolet' },
  G0283: { timed: false, service: 'electrical stimulation, unattended (Medicare)' },
  // Group therapy and evaluations: untimed.
  '97150': { timed: false, service: 'therapeutic procedures, group' },
  '97161': { timed: false, service: 'PT evaluation, low complexity' },
  '97162': { timed: false, service: 'PT evaluation, moderate complexity' },
  '97163': { timed: false, service: 'PT evaluation, high complexity' },
  '97164': { timed: false, service: 'PT re-evaluation' },
  // Constant-attendance modalities: timed.
  '97032': { timed: true, service: 'electrical stimulation, attended' },
  '97033': { timed: true, service: 'iontophoresis' },
  '97034': { timed: true, service: 'contrast baths' },
  '97035': { timed: true, service: 'ultrasound' },
  '97036': { timed: true, service: 'Hubbard tank' },
  // Therapeutic procedures: timed. The four a massage practice bills most come first.
  '97124': { timed: true, service: 'massage' },
  '97140': { timed: true, service: 'manual therapy' },
  '97112': { timed: true, service: 'neuromuscular re-education' },
  '97110': { timed: true, service: 'therapeutic exercise' },
  '97113': { timed: true, service: 'aquatic therapy' },
  '97116': { timed: true, service: 'gait training' },
  '97530': { timed: true, service: 'therapeutic activities' },
  '97533': { timed: true, service: 'sensory integration' },
  '97535': { timed: true, service: 'self-care / home management training' },
  '97537': { timed: true, service: 'community / work reintegration training' },
  '97542': { timed: true, service: 'wheelchair management' },
  '97750': { timed: true, service: 'physical performance test' },
  '97755': { timed: true, service: 'assistive technology assessment' },
  '97760': { timed: true, service: 'orthotic management and training' },
  '97761': { timed: true, service: 'prosthetic training' },
  '97763': { timed: true, service: 'orthotic / prosthetic management, subsequent' },
} as const;

export type ProcedureCode = keyof typeof PROCEDURE_CODES;

/** How a payer turns minutes into units (a payer setting; CMS by default). */
export const UNIT_METHODS = {
  /** CMS total-time method: units from the day's total timed minutes, then allocated per code. */
  cms: 'cms',
  /** Each timed code on its own: ≥ 8 minutes → `floor((minutes + 7) / 15)` units. */
  perCode: 'per-code',
} as const;

export type UnitMethod = (typeof UNIT_METHODS)[keyof typeof UNIT_METHODS];

/** One service performed at a visit, as the therapist recorded it. */
export interface TimedService {
  code: string;
  minutes: number;
}

/** A service with its units. Key order is the pinned `kneadpay units` output (SPEC.md §2). */
export interface ServiceUnits {
  code: string;
  minutes: number;
  units: number;
  timed: boolean;
}

/** The units for a visit. Key order is the pinned `kneadpay units` output (SPEC.md §2). */
export interface VisitUnits {
  method: UnitMethod;
  /** Minutes of timed codes only: untimed codes never count toward the 8-minute rule. */
  totalTimedMinutes: number;
  /** Units of timed codes only. */
  totalUnits: number;
  /** One per input service, in input order. */
  lines: ServiceUnits[];
}

/** Thrown for a service the rule cannot be applied to; `field` names what is wrong. */
export class UnitsInputError extends Error {
  readonly field: 'code' | 'minutes' | 'method';
  readonly value: unknown;

  constructor(message: string, field: 'code' | 'minutes' | 'method', value: unknown) {
    super(message);
    this.name = 'UnitsInputError';
    this.field = field;
    this.value = value;
  }
}

const UNIT_MINUTES = 15;
/** Under 8 minutes of timed service earns no unit (CMS: "at least 8 minutes"). */
const MINIMUM_BILLABLE_MINUTES = 8;
/** A visit of more than a day is a data-entry error, not a long massage. */
const MAX_MINUTES_PER_SERVICE = 24 * 60;

/** Whether a code is billed in 15-minute units; undefined for a code kneadpay does not know. */
export const isTimedCode = (code: string): boolean | undefined => (Object.hasOwn(PROCEDURE_CODES, code) ? PROCEDURE_CODES[code as ProcedureCode].timed : undefined);

/** `floor((minutes + 7) / 15)` with nothing under 8 minutes: the CMS unit table (8–22 → 1, 23–37 → 2, …). */
export const unitsForMinutes = (minutes: number): number => (minutes < MINIMUM_BILLABLE_MINUTES ? 0 : Math.floor((minutes + 7) / UNIT_MINUTES));

export const isUnitMethod = (value: string): value is UnitMethod => (Object.values(UNIT_METHODS) as string[]).includes(value);

const checkService = ({ code, minutes }: TimedService, index: number): boolean => {
  const timed = isTimedCode(code);
  if (timed === undefined) {
    throw new UnitsInputError(`service ${index + 1}: code "${code}" is not a procedure code kneadpay knows (timed or untimed); bill it with explicit units`, 'code', code);
  }
  if (!Number.isSafeInteger(minutes) || minutes < 0 || minutes > MAX_MINUTES_PER_SERVICE) {
    throw new UnitsInputError(`service ${index + 1}: minutes for ${code} must be a whole number from 0 to ${MAX_MINUTES_PER_SERVICE}, got ${String(minutes)}`, 'minutes', minutes);
  }
  return timed;
};

/**
 * Shares `units` out over items with these minutes, the way DOMAIN.md §3 allocates: each item first
 * gets `floor(minutes / 15)`, then the units left over go one at a time to the items with the most
 * leftover minutes (`minutes % 15`), the earlier item first on equal leftovers. Used across codes
 * (CMS) and, within one code, across that code's lines.
 *
 * Never more than one extra unit per item, and only to an item with leftover minutes: the callers
 * pass at most `floor(Σminutes / 15)` plus one unit per item whose leftover could earn it
 * (`unitsForMinutes` of the total, or per code), which those items can always absorb.
 */
const shareUnits = (minutes: readonly number[], units: number): number[] => {
  const shares = minutes.map((m) => Math.floor(m / UNIT_MINUTES));
  let left = units - shares.reduce((sum, n) => sum + n, 0);
  const byLeftover = minutes
    .map((m, index) => ({ index, leftover: m % UNIT_MINUTES }))
    .filter(({ leftover }) => leftover > 0)
    .sort((a, b) => b.leftover - a.leftover || a.index - b.index);
  for (const { index } of byLeftover) {
    if (left <= 0) break;
    shares[index]! += 1;
    left -= 1;
  }
  // Unreachable by the arithmetic above; refusing beats billing a unit nobody can place.
  if (left !== 0) throw new Error(`cannot share ${units} units over ${minutes.join('+')} minutes`);
  return shares;
};

/**
 * Units for one visit's services (DOMAIN.md §3). The rule is per **code**: the lines of a code
 * entered more than once (two 97110 lines, say, with other modifiers) are added up first.
 *
 * - `cms` (default): the day's timed minutes give `unitsForMinutes(total)` units; each timed code
 *   first gets `floor(its minutes / 15)`, then the units left over go one at a time to the codes
 *   with the most leftover minutes. On equal leftovers the code entered first wins: CMS lets the
 *   biller choose, and input order is the stable, explainable choice.
 * - `per-code`: each timed code is rounded on its own with `unitsForMinutes` of its minutes.
 *
 * A code's units are then shared out over its lines by the same rule (full units from each line's
 * own minutes first, then the most leftover minutes, the earlier line on a tie), so every input
 * line stays in the output, in input order, with its share; a line can end with 0 units.
 *
 * Untimed codes (97010 …) are 1 unit each whatever their minutes and are left out of both totals.
 *
 * @throws UnitsInputError for an unknown code, bad minutes or an unknown method.
 */
export const unitsForVisit = (services: readonly TimedService[], method: UnitMethod = UNIT_METHODS.cms): VisitUnits => {
  if (!isUnitMethod(method)) {
    throw new UnitsInputError(`method must be ${Object.values(UNIT_METHODS).join(' or ')}, got "${String(method)}"`, 'method', method);
  }
  const timedFlags = services.map(checkService);
  const lines: ServiceUnits[] = services.map(({ code, minutes }, index) => ({
    code,
    minutes,
    units: timedFlags[index] ? 0 : 1,
    timed: timedFlags[index]!,
  }));
  // The timed lines of each code, codes in order of first appearance.
  const byCode = new Map<string, ServiceUnits[]>();
  for (const line of lines) {
    if (line.timed) byCode.set(line.code, [...(byCode.get(line.code) ?? []), line]);
  }
  const codes = [...byCode.values()];
  const codeMinutes = codes.map((codeLines) => codeLines.reduce((sum, line) => sum + line.minutes, 0));
  const totalTimedMinutes = codeMinutes.reduce((sum, m) => sum + m, 0);
  const codeUnits = method === UNIT_METHODS.perCode ? codeMinutes.map(unitsForMinutes) : shareUnits(codeMinutes, unitsForMinutes(totalTimedMinutes));
  codes.forEach((codeLines, c) => {
    const shares = shareUnits(
      codeLines.map((line) => line.minutes),
      codeUnits[c]!,
    );
    codeLines.forEach((line, k) => {
      line.units = shares[k]!;
    });
  });
  return {
    method,
    totalTimedMinutes,
    totalUnits: codeUnits.reduce((sum, n) => sum + n, 0),
    lines,
  };
};
