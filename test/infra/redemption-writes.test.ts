import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { code, filesWith, FUNCTIONS } from '../support/source-tree';

/**
 * Credits used since an instant are read through the practice's time index of standing redemptions
 * (gsi1, `redemptionIndexKeys`, store/purchases.ts `listRedemptionsSince`, bug 160, decisions/019),
 * so a redemption must enter the index where it is written redeemed and leave it where it is
 * cancelled; and a redemption stored before the index must have been redeemed before the practice's
 * mark, which holds because `redeemedAt` is the handler's clock, never the request's. Read from the
 * tree: the redemption item (`type: 'redemption'`) is put in `redeemCreditWrites` only, with its index
 * entry; every other write of a redemption (by `redemptionKey`) removes the entry; `redeemedAt` is
 * set from `now` only, and the route passes the time of the request.
 */
const file = (path: string) => code(join(FUNCTIONS, path));
/** From `export const <name>` to the next `export const`. */
const exported = (text: string, name: string) => {
  const start = text.indexOf(`export const ${name}`);
  const end = text.indexOf('export const', start + 1);
  return text.slice(start, end === -1 ? undefined : end);
};

describe('a redemption is in the time index exactly while it stands', () => {
  it('the redemption item is put in redeemCreditWrites only, with its index entry, redeemed', () => {
    expect(filesWith(/type:\s*'redemption'/)).toEqual(['store/redemptions.ts']);
    expect(filesWith(/REDEMPTION#/)).toEqual(['store/purchases.ts']);
    const redeem = exported(file('store/redemptions.ts'), 'redeemCreditWrites');
    expect(redeem).toMatch(/Item: \{\s*\.\.\.redemptionKey\(practiceId, redemption\.appointmentId\),\s*\.\.\.redemptionIndexKeys\(practiceId, redemption\),\s*type: 'redemption',/);
    // The redemption it is handed is built redeemed, at the handler's clock.
    const core = exported(file('core/redemptions.ts'), 'redeemCredit');
    expect(core).toMatch(/status: 'redeemed',\s*redeemedAt: now\.toISOString\(\),/);
  });

  it('every other write of a redemption item removes its index entry; none is written outside store/redemptions.ts', () => {
    expect(filesWith(/\bredemptionKey\(/)).toEqual(['store/purchases.ts', 'store/redemptions.ts']);
    const writes = file('store/redemptions.ts').match(/Key: redemptionKey\([^)]*\),\s*UpdateExpression: '[^']*'/g) ?? [];
    expect(writes.length).toBeGreaterThan(0);
    for (const write of writes) expect(write).toMatch(/REMOVE gsi1pk, gsi1sk'$/);
    expect(file('store/redemptions.ts').match(/redemptionKey\(/g)).toHaveLength(1 + writes.length);
    // store/purchases.ts reads redemptions (getItem, the index read's cursor), it does not write them.
    expect(file('store/purchases.ts')).not.toMatch(/(Key|Item): \{?\s*(\.\.\.)?redemptionKey\(/);
  });

  it('redeemedAt is set from the clock only: core/redemptions.ts from `now`, which the route passes as the time of the request', () => {
    // Set, not declared (domain/purchase.ts types it).
    expect(filesWith(/redeemedAt: (?!string;)/)).toEqual(['core/redemptions.ts', 'store/redemptions.ts']);
    expect(file('store/redemptions.ts')).toMatch(/redeemedAt: redemption\.redeemedAt,/);
    expect(file('shared/schemas/requests.ts')).not.toMatch(/redeemedAt/);
    const calls = file('clients.ts').match(/\bredeemCredit\([^;]*\)/g) ?? [];
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/, new Date\(\)\)$/);
  });
});
