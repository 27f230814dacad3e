import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * A claim's invoices are read from the claim's `invoiceIds` (store/invoices.ts `listClaimInvoices`,
 * bug 157), so an invoice item may only be created where that list is written with it: the balance
 * plan's commit (core/invoicing/ports.ts `commitBalancePlan`, guarded by the claim's balance
 * version). Read from the tree: the invoice item (`type: 'invoice'`) is built in `newInvoiceWrite`
 * only, and `newInvoiceWrite` is used in `commitBalancePlan` only, next to `claimBalancePlanWrite`.
 */
const FUNCTIONS = join(import.meta.dirname, '..', '..', 'functions');

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });

/** The source without comments: a comment may name the function. */
const code = (path: string): string =>
  readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');

const filesWith = (pattern: RegExp) =>
  sourceFiles(FUNCTIONS)
    .filter((path) => pattern.test(code(path)))
    .map((path) => relative(FUNCTIONS, path))
    .sort();

describe('invoice items are created only by the balance plan commit, which records their ids on the claim', () => {
  it('the invoice item is built in store/invoices.ts only (newInvoiceWrite)', () => {
    expect(filesWith(/type:\s*'invoice'/)).toEqual(['store/invoices.ts']);
    expect(code(join(FUNCTIONS, 'store/invoices.ts')).match(/type:\s*'invoice'/g)).toHaveLength(1);
  });

  it('newInvoiceWrite is used in core/invoicing/ports.ts only, in commitBalancePlan with claimBalancePlanWrite and the claim invoice ids', () => {
    expect(filesWith(/\bnewInvoiceWrite\b/)).toEqual(['core/invoicing/ports.ts', 'store/invoices.ts']);
    const ports = code(join(FUNCTIONS, 'core/invoicing/ports.ts'));
    const commit = ports.slice(ports.indexOf('commitBalancePlan: async'), ports.indexOf('hasSecondaryPlan: async'));
    expect(ports.match(/newInvoiceWrite\)/g)).toHaveLength(1);
    expect(commit).toContain('plan.newInvoices.map(newInvoiceWrite)');
    expect(commit).toMatch(/claimBalancePlanWrite\([\s\S]*invoiceIds: \[\.\.\.plan\.readInvoiceIds, \.\.\.plan\.newInvoices\.map/);
  });
});
