/**
 * "No function bundles code it never calls" (the reliability issue, point 4; `bench/coldstart.ts`
 * measures the same bundles): each function's esbuild bundle, as its wiring row's access allows —
 * the Stripe SDK only where `access.stripe`, the SES client only where `access.ses`, pdfkit only in
 * the receipt page and the CMS-1500 form (claim-forms). A function whose role may not use a client cannot call it; bundling it anyway
 * costs cold-start time on every instance.
 */
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../lib/wiring';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);

const inputsOf = async (entry: string): Promise<string[]> => {
  const result = await build({ entryPoints: [resolve(ROOT, entry)], bundle: true, platform: 'node', format: 'esm', target: 'node22', write: false, metafile: true, logLevel: 'silent' });
  return Object.keys(result.metafile.inputs);
};

const packagesOf = async (entry: string): Promise<Set<string>> => {
  const names = (await inputsOf(entry)).map((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1]).filter((name): name is string => Boolean(name));
  return new Set(names);
};

describe('bundles carry only what their function may use', () => {
  it('the Stripe SDK only with access.stripe, the SES client only with access.ses, pdfkit only in receipt-page and claim-forms', async () => {
    const found: Record<string, string[]> = {};
    const expected: Record<string, string[]> = {};
    for (const [name, spec] of Object.entries(FUNCTIONS)) {
      const packages = await packagesOf(spec.entry);
      const access = spec.access as { stripe?: boolean; ses?: boolean };
      found[name] = ['stripe', '@aws-sdk/client-sesv2', 'pdfkit'].filter((pkg) => packages.has(pkg));
      expected[name] = [...(access.stripe ? ['stripe'] : []), ...(access.ses ? ['@aws-sdk/client-sesv2'] : []), ...(name === 'receipt-page' || name === 'claim-forms' ? ['pdfkit'] : [])];
    }
    expect(found).toEqual(expected);
  }, 60_000);
});

describe('the webhook carries no request-body schemas', () => {
  it('stripe-webhook does not bundle functions/shared/schemas/requests.ts (zod schemas of every staff route, built at import: about a tenth of its cold start, bench/coldstart.ts)', async () => {
    const inputs = await inputsOf(FUNCTIONS['stripe-webhook'].entry);
    expect(inputs.some((input) => input.endsWith('functions/stripe-webhook.ts'))).toBe(true);
    expect(inputs.filter((input) => input.endsWith('functions/shared/schemas/requests.ts'))).toEqual([]);
  }, 60_000);
});
