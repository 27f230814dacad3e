import { EraParseError } from './errors';
import type { Delimiters } from './model';

/** The ISA segment is fixed-width: 106 characters including its terminator. */
export const ISA_LENGTH = 106;

/** Widths of ISA01 … ISA16 (X12 005010, fixed-width fields padded with spaces). */
const ISA_FIELD_WIDTHS = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1] as const;

/** The delimiters kneadpay writes when asked for none in particular. */
export const DEFAULT_DELIMITERS: Delimiters = { element: '*', component: ':', repetition: '^', segment: '~', lineBreak: '\n' };

const isDataCharacter = (char: string): boolean => /^[A-Za-z0-9 ]$/.test(char);

const isaError = (detail: string, field: string | null): EraParseError => new EraParseError(detail, { segmentNumber: 1, segmentId: 'ISA', field });

/**
 * Reads the delimiters from the ISA segment at the start of `text` (at least 106 characters):
 * element separator = 4th character, component separator = ISA16, segment terminator = the
 * character after ISA16, repetition separator = ISA11 from version 00501 on.
 *
 * @throws EraParseError when the text does not start with a well-formed ISA (wrong length names
 *   the first field of the wrong width; delimiters that collide or are data characters name ISA16).
 */
export const readDelimiters = (text: string): Delimiters => {
  if (!text.startsWith('ISA')) {
    throw isaError(`not an X12 interchange: the file must start with "ISA", it starts with "${text.slice(0, 3)}"`, null);
  }
  const element = text.charAt(3);
  if (isDataCharacter(element) || element === '\r' || element === '\n') {
    throw isaError(`"${element}" cannot be the element separator (the 4th character of the file)`, 'ISA01');
  }
  // Walk the 16 fixed-width fields so a wrong length names the field that is off.
  let position = 3;
  for (let field = 0; field < ISA_FIELD_WIDTHS.length; field += 1) {
    const next = field === ISA_FIELD_WIDTHS.length - 1 ? position + 2 : text.indexOf(element, position + 1);
    const name = `ISA${String(field + 1).padStart(2, '0')}`;
    if (next === -1 || next > ISA_LENGTH) {
      throw isaError(`the ISA segment has fewer than 16 elements, or ${name} is far too long`, name);
    }
    const width = next - position - 1;
    if (width !== ISA_FIELD_WIDTHS[field]) {
      throw isaError(`${name} is ${width} characters, expected ${ISA_FIELD_WIDTHS[field]}: the ISA segment must be exactly ${ISA_LENGTH} characters including its terminator`, name);
    }
    position = next;
  }
  const component = text.charAt(104);
  const segment = text.charAt(105);
  if (isDataCharacter(component) || component === element) {
    throw isaError(`"${component}" cannot be the component separator (ISA16)`, 'ISA16');
  }
  if (isDataCharacter(segment) || segment === element || segment === component) {
    throw isaError(`"${segment}" cannot be the segment terminator (the character after ISA16)`, 'ISA16');
  }
  const version = text.slice(84, 89);
  const isa11 = text.charAt(82);
  // Before 00501, ISA11 was a standards identifier (`U`), not a repetition separator.
  const repetition = version >= '00501' && !isDataCharacter(isa11) ? isa11 : null;
  if (repetition !== null && (repetition === element || repetition === component || repetition === segment)) {
    throw isaError(`"${repetition}" cannot be both the repetition separator (ISA11) and another delimiter`, 'ISA11');
  }
  const after = text.slice(ISA_LENGTH, ISA_LENGTH + 2);
  const lineBreak = after.startsWith('\r\n') ? '\r\n' : after.startsWith('\n') ? '\n' : after.startsWith('\r') ? '\r' : '';
  return { element, component, repetition, segment, lineBreak };
};
