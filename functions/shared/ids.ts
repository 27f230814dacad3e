import { createHash, randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

const encode = (value: bigint, length: number): string => {
  let out = '';
  for (let i = 0; i < length; i += 1) {
    out = CROCKFORD[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
};

/** A new opaque, time-sortable id (`pkg_01j…`): 48 bits of milliseconds, 80 random bits. */
export const newId = (prefix: string, now: number = Date.now()): string => {
  const random = BigInt(`0x${randomBytes(10).toString('hex')}`);
  return `${prefix}_${encode(BigInt(now), 10)}${encode(random, 16)}`;
};

/** A deterministic id derived from parts (same parts → same id): for ids that must survive retries. */
export const deriveId = (prefix: string, ...parts: string[]): string => `${prefix}_${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 26)}`;
