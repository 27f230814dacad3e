import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { code, filesWith, FUNCTIONS, sourceFiles } from '../support/source-tree';

/**
 * The practice's open claims (draft, ready) are read through their pointers (`OPENCLAIM#<claimId>`,
 * store/claims-out.ts `claimsInStates`, bug 158), so a claim may only become draft or ready where its
 * pointer is written with it: its insert. Read from the tree: the claim item (`type: 'claim'`) is
 * built in `newClaimPut` only; each transaction using it writes `openClaimPointerPuts` beside it;
 * every other write of a claim's `#state` sets a state that is not open (`setClaimReadiness`, which
 * moves a claim between draft and ready only while it is in them, aside). The claims in a waiting
 * state are listed from the claim-state index (`gsi2`, bug 159), so every write of a claim's `#state`
 * also writes its entry in the same update (`claimStateEntry`), and the insert writes it with the claim.
 */

describe('a claim becomes open (draft, ready) only in its insert, which writes its open-claim pointer', () => {
  it("the claim item is built in store/claims.ts only (newClaimPut), and every use of newClaimPut writes the claim's pointer beside it", () => {
    expect(filesWith(/type:\s*'claim'/)).toEqual(['store/claims.ts']);
    expect(filesWith(/\bnewClaimPut\(/)).toEqual(['store/claims-out.ts', 'store/claims.ts']);
    for (const file of ['store/claims.ts', 'store/claims-out.ts']) {
      const uses = code(join(FUNCTIONS, file)).match(/newClaimPut\(store, claim\),\s*\.\.\.openClaimPointerPuts\(store, claim\)/g) ?? [];
      expect([file, uses.length]).toEqual([file, (code(join(FUNCTIONS, file)).match(/newClaimPut\(store, claim\)/g) ?? []).length]);
      expect(uses.length).toBeGreaterThan(0);
    }
  });

  it("every other write of a claim's state sets a state that is not open; setClaimReadiness moves one only between draft and ready", () => {
    // Every line that sets `#state` (a condition's or a filter's `#state = :x` is on its ConditionExpression or FilterExpression line).
    const writes = sourceFiles(FUNCTIONS).flatMap((path) =>
      code(path)
        .split('\n')
        .filter((line) => !line.includes('ConditionExpression') && !line.includes('FilterExpression'))
        .flatMap((line) => [...line.matchAll(/#state = :(\w+)/g)].map((match) => `${relative(FUNCTIONS, path)} :${match[1]}`)),
    );
    expect(writes.sort()).toEqual([
      'store/claim-balance.ts :closed',
      'store/claims-out.ts :state',
      'store/claims-out.ts :submitted',
      'store/claims-out.ts :to',
      'store/remittances.ts :adjudicated',
      'store/remittances.ts :adjudicated',
      'store/remittances.ts :adjudicated',
      'store/write-offs.ts :closed',
    ]);
    const claimsOut = code(join(FUNCTIONS, 'store/claims-out.ts'));
    const readiness = claimsOut.slice(claimsOut.indexOf('export const setClaimReadiness'), claimsOut.indexOf('export const recordBatchSubmitted'));
    expect(readiness).toContain("state: 'draft' | 'ready'");
    expect(readiness).toContain('#state IN (${from.map(');
    // Its callers move a claim only from draft or ready.
    const callers = filesWith(/\bsetClaimReadiness\(/).filter((file) => file !== 'store/claims-out.ts');
    expect(callers).toEqual(['core/claims-out.ts']);
    const calls = code(join(FUNCTIONS, 'core/claims-out.ts')).match(/setClaimReadiness\([^;]*\)/g) ?? [];
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(call).toMatch(/\['draft', 'ready'\]\)$/);
  });

  it("every write of a claim's state writes its claim-state index entry in the same update (bug 159); the insert writes it with the claim", () => {
    // Every line that sets `#state`, as above: each ends its SET clause with the entry's set and remove.
    const writes = sourceFiles(FUNCTIONS).flatMap((path) =>
      code(path)
        .split('\n')
        .filter((line) => !line.includes('ConditionExpression') && !line.includes('FilterExpression') && /#state = :\w+/.test(line))
        .map((line) => [relative(FUNCTIONS, path), /\$\{entry\.set\}\$\{entry\.remove\}/.test(line)]),
    );
    expect(writes.length).toBe(8);
    expect(writes.filter(([, written]) => !written)).toEqual([]);
    // Each of those updates takes its entry from claimStateEntry, with the state it sets.
    const entries = sourceFiles(FUNCTIONS).flatMap((path) => [...code(path).matchAll(/claimStateEntry\([^;]*?, '?(\w+)'?\)/g)].map((match) => `${relative(FUNCTIONS, path)} ${match[1]}`));
    expect(entries.sort()).toEqual([
      'store/claim-balance.ts closed',
      'store/claims-out.ts state',
      'store/claims-out.ts submitted',
      'store/claims-out.ts to',
      'store/remittances.ts adjudicated',
      'store/remittances.ts adjudicated',
      'store/write-offs.ts closed',
    ]);
    const claims = code(join(FUNCTIONS, 'store/claims.ts'));
    const put = claims.slice(claims.indexOf('export const newClaimPut'), claims.indexOf('export const openClaimKey'));
    expect(put).toContain('...claimStateIndex(claim.practiceId, claim.claimId, claim.state)');
  });
});
