/**
 * DynamoDB's item size and write units, by its documented rules ("DynamoDB item sizes and formats",
 * CapacityUnitCalculations): names and values in UTF-8 bytes, a number 1 byte per two significant
 * digits plus 1, null/boolean 1, a list or map 3 bytes plus 1 per element. A standard write costs
 * 1 unit per KB (rounded up), a transactional write 2; an update costs by the larger of the item's
 * images. DynamoDB Local does not report this (it answers 2 units for any transaction), so the
 * benches compute it from the items as stored.
 */
const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

const numberSize = (value: number) => {
  const digits = String(Math.abs(value)).replace('.', '').replace(/e.*$/, '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
};

const valueSize = (value: unknown): number => {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number') return numberSize(value);
  if (Buffer.isBuffer(value)) return value.length;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, element) => sum + 1 + valueSize(element), 0);
  if (value instanceof Set) return [...value].reduce((sum: number, element) => sum + valueSize(element), 0);
  return 3 + Object.entries(value as Record<string, unknown>).reduce((sum, [name, element]) => sum + 1 + utf8(name) + valueSize(element), 0);
};

/** The item's size in bytes, as DynamoDB counts it for capacity. */
export const itemSize = (item: Record<string, unknown>): number => Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);

/** Write units of writing `item`: 1 per started KB, 2 inside a transaction. */
export const writeUnits = (item: Record<string, unknown>, transactional: boolean): number => Math.ceil(itemSize(item) / 1024) * (transactional ? 2 : 1);
