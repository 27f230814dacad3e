import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../support/source-tree';

/**
 * Time is not an order (bugs 147–149). Stripe's `created` is in seconds, and every claim payment of
 * one 835 file is applied at the same `appliedAt`: two things of the same second or the same file
 * sorted by time and then by id (Stripe's ids and kneadpay's derived ids carry no order) come out in
 * an order left to chance. The rule, read from the tree: a sort whose comparator reads `created` or
 * `appliedAt` also reads a sequence — the position Stripe listed the item at (`oldestFirst` in
 * functions/stripe/gateway.ts) or the claim payment's place in its file (`filePosition`).
 */
const ROOT = join(import.meta.dirname, '..', '..');
const SCANNED = ['functions', 'local'];
/** What breaks a tie in the order things happened. */
const SEQUENCE = /\b(position|filePosition|listed|seq)\b/;
const TIME = /\.(created|appliedAt)\b/;

/** Each `.sort(…)` comparator (its text up to the matching parenthesis) that reads a time and no sequence. */
export const timeOrderViolations = (file: string, text: string): string[] => {
  const found: string[] = [];
  for (let at = text.indexOf('.sort('); at !== -1; at = text.indexOf('.sort(', at + 1)) {
    let depth = 0;
    let end = at + '.sort'.length;
    for (; end < text.length; end += 1) {
      if (text[end] === '(') depth += 1;
      else if (text[end] === ')' && --depth === 0) break;
    }
    const comparator = text.slice(at, end + 1);
    if (TIME.test(comparator) && !SEQUENCE.test(comparator)) found.push(`${file}: ${comparator.replace(/\s+/g, ' ').slice(0, 120)}`);
  }
  return found;
};

describe('time is not an order: a sort by created or appliedAt also reads a sequence', () => {
  it('finds a comparator that breaks a tie in time by id (what bugs 147–149 were), and passes one that breaks it by a sequence', () => {
    expect(timeOrderViolations('x.ts', 'list.sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));')).toHaveLength(1);
    expect(timeOrderViolations('x.ts', 'list.sort((a, b) => a.appliedAt.localeCompare(b.appliedAt));')).toHaveLength(1);
    expect(timeOrderViolations('x.ts', 'list.sort((a, b) => a.item.created - b.item.created || b.position - a.position);')).toEqual([]);
    expect(timeOrderViolations('x.ts', 'list.sort((a, b) => a.name.localeCompare(b.name));')).toEqual([]);
  });

  it('holds in functions/ and local/', () => {
    const files = SCANNED.flatMap((dir) => sourceFiles(join(ROOT, dir)));
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((path) => timeOrderViolations(relative(ROOT, path), readFileSync(path, 'utf8')))).toEqual([]);
  });
});
