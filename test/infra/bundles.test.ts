/**
 * "No function bundles code it never calls" (the reliability issue, point 4; `bench/coldstart.ts`
 * measures the same bundles): each function's esbuild bundle, as its wiring row's access allows —
 * the Stripe SDK only where `access.stripe`, the SES client only where `access.ses`, pdfkit only in
 * the receipt page and the CMS-1500 form (claim-forms). A function whose role may not use a client cannot call it; bundling it anyway
 * costs cold-start time on every instance.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
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
    // Bundles every function: about 20 s on a quiet machine, past 60 s on a loaded one.
  }, 180_000);
});

describe('the webhook carries no request-body schemas', () => {
  it('stripe-webhook does not bundle functions/shared/schemas/requests.ts (zod schemas of every staff route, built at import: about a tenth of its cold start, bench/coldstart.ts)', async () => {
    const inputs = await inputsOf(FUNCTIONS['stripe-webhook'].entry);
    expect(inputs.some((input) => input.endsWith('functions/stripe-webhook.ts'))).toBe(true);
    expect(inputs.filter((input) => input.endsWith('functions/shared/schemas/requests.ts'))).toEqual([]);
  }, 60_000);
});

describe('the Stripe SDK beside the bundle, loaded on first use (as deployed)', () => {
  it('stripe-webhook as NodejsFunction builds it: no SDK in index.mjs, the lock file’s SDK in node_modules/stripe beside it, which a bare import("stripe") there loads and which talks to Stripe', async () => {
    const { esbuildOptionsFrom, runAfterBundling } = await import('../../bench/coldstart');
    const { BUNDLING } = await import('../../lib/constructs/KneadpayFunction');
    const outdir = mkdtempSync(join(tmpdir(), 'kneadpay-bundle-'));
    try {
      const options = esbuildOptionsFrom(BUNDLING, outdir);
      const result = await build({ ...options, entryPoints: [FUNCTIONS['stripe-webhook'].entry] });
      runAfterBundling(outdir);
      const inputs = Object.keys(result.metafile!.inputs);
      // What a cold start parses: not one file of the SDK.
      expect(inputs.filter((input) => input.includes('node_modules/stripe/'))).toEqual([]);
      expect(readFileSync(options.outfile!, 'utf8')).toContain('import("stripe")');
      // What the first Stripe call loads: the installed SDK's version, resolved from index.mjs's folder.
      const installed = (JSON.parse(readFileSync(resolve(ROOT, 'node_modules/stripe/package.json'), 'utf8')) as { version: string }).version;
      const probe = join(outdir, 'probe.mjs');
      writeFileSync(
        probe,
        `const { default: Stripe } = await import('stripe');
const base = new URL(process.env.STRIPE_API_BASE);
const stripe = new Stripe('sk_test_bundle_probe', { host: base.hostname, port: base.port, protocol: base.protocol.replace(':', ''), maxNetworkRetries: 0 });
const customer = await stripe.customers.create({ email: 'probe@example.test' });
const handler = (await import('./index.mjs')).handler;
process.stdout.write(JSON.stringify({ version: Stripe.PACKAGE_VERSION, resolved: import.meta.resolve('stripe'), customer: customer.object, handler: typeof handler }));`,
      );
      const out = execFileSync(process.execPath, [probe], {
        cwd: outdir,
        env: { PATH: process.env.PATH ?? '', STRIPE_API_BASE: process.env.STRIPE_API_BASE!, AWS_REGION: 'us-east-1', KNEADPAY_TABLE: 'kneadpay' },
      }).toString('utf8');
      expect(JSON.parse(out)).toEqual({ version: installed, resolved: pathToFileURL(join(outdir, 'node_modules/stripe/index.mjs')).href, customer: 'customer', handler: 'function' });
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('pdfkit beside the bundle, loaded on the first PDF (as deployed)', () => {
  it('receipt-page as NodejsFunction builds it: no pdfkit in index.mjs (the HTML page does not parse it), pdfkit and its standard fonts beside it, and the bundled renderer draws a PDF with them', async () => {
    const { esbuildOptionsFrom, runAfterBundling } = await import('../../bench/coldstart');
    const { BUNDLING } = await import('../../lib/constructs/KneadpayFunction');
    const outdir = mkdtempSync(join(tmpdir(), 'kneadpay-bundle-'));
    try {
      const options = esbuildOptionsFrom(BUNDLING, outdir);
      const result = await build({ ...options, entryPoints: [FUNCTIONS['receipt-page'].entry] });
      // The bundled renderer itself (functions/shared/pdf.ts), built with the same options beside it.
      await build({ ...options, entryPoints: ['functions/shared/receipt-pdf.ts'], outfile: join(outdir, 'receipt-pdf.mjs'), sourcemap: false });
      runAfterBundling(outdir);
      const inputs = Object.keys(result.metafile!.inputs);
      expect(inputs.filter((input) => input.includes('node_modules/pdfkit/') || input.includes('node_modules/fontkit/'))).toEqual([]);
      expect(readFileSync(options.outfile!, 'utf8')).toContain('import("pdfkit")');
      const probe = join(outdir, 'probe.mjs');
      writeFileSync(
        probe,
        `const handler = (await import('./index.mjs')).handler;
const { renderReceiptPdf } = await import('./receipt-pdf.mjs');
const document = JSON.parse(process.env.RECEIPT);
const pdf = await renderReceiptPdf(document);
process.stdout.write(JSON.stringify({ handler: typeof handler, resolved: import.meta.resolve('pdfkit'), head: pdf.subarray(0, 5).toString('latin1'), fonts: [...new Set(pdf.toString('latin1').match(/\\/BaseFont \\/[A-Za-z-]+/g))].sort() }));`,
      );
      const { receiptDocumentFixture } = await import('../support/receipt-document');
      const out = execFileSync(process.execPath, [probe], {
        cwd: outdir,
        env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', KNEADPAY_TABLE: 'kneadpay', RECEIPT: JSON.stringify(receiptDocumentFixture()) },
      }).toString('utf8');
      expect(JSON.parse(out)).toEqual({
        handler: 'function',
        resolved: pathToFileURL(join(outdir, 'node_modules/pdfkit/index.mjs')).href,
        head: '%PDF-',
        fonts: ['/BaseFont /Helvetica', '/BaseFont /Helvetica-Bold'],
      });
      expect(JSON.parse(readFileSync(join(outdir, 'node_modules/pdfkit/package.json'), 'utf8'))).toEqual(
        expect.objectContaining({ name: 'pdfkit', imports: { '#standard-fonts/*': './standard-fonts/*.cjs' } }),
      );
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});
