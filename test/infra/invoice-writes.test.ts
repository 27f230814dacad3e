import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { code, filesWith, FUNCTIONS } from '../support/source-tree';

/**
 * A claim's invoices are read from the claim's `invoiceIds` (store/invoices.ts `listClaimInvoices`,
 * bug 157), so an invoice item may only be created where that list is written with it: the balance
 * plan's commit (core/invoicing/ports.ts `commitBalancePlan`, guarded by the claim's balance
 * version). Read from the tree: the invoice item (`type: 'invoice'`) is built in `newInvoiceWrite`
 * only, and `newInvoiceWrite` is used in `commitBalancePlan` only, next to `claimBalancePlanWrite`.
 */

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
