/**
 * bench/coldstart: what each Lambda bundle costs at cold start, against a bare baseline handler
 * bundled and measured the same way in the same run (the machine is shared and noisy: only the
 * ratios mean something).
 *
 *   npx tsx bench/coldstart.ts [--runs 7] [--only stripe-webhook,practices] [--no-diagnostics] [--keep]
 *
 * 1. Bundles every function of the wiring table (lib/wiring.ts FUNCTIONS), the outbox pipe's
 *    enrichment (lib/constructs/OutboxPipe.ts, also a KneadpayFunction) and the baselines with
 *    esbuild, using the construct's own `BUNDLING` options (lib/constructs/KneadpayFunction.ts),
 *    translated to esbuild's API exactly as aws-cdk-lib's NodejsFunction translates them to CLI
 *    flags (`Bundling.buildEsbuildArgs` in aws-cdk-lib/aws-lambda-nodejs/lib/bundling.js).
 * 2. Measures `import()` of each bundle in a fresh `node` process: `process.hrtime` and
 *    `process.cpuUsage` around one dynamic import, as deployed (`NODE_OPTIONS=--enable-source-maps`,
 *    which the construct sets) and without source maps. Each sample is paired with a baseline
 *    sample taken right next to it (order alternating), and the ratio is the median of the pairs.
 * 3. Reads esbuild's metafile: which heavy packages each bundle carries, the bytes only that
 *    package brings (what dropping it would save), which of our files import it, and whether the
 *    function's wiring (its IAM access) says it can ever use it.
 *
 * The reference baseline creates its DynamoDB DocumentClient on first use, like kneadpay's
 * getStore(); a second baseline creates it at import (the common bare-handler style).
 */
import { execSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BUNDLING } from '../lib/constructs/KneadpayFunction';
import { FUNCTIONS, ROUTES, type FunctionSpec } from '../lib/wiring';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WEBHOOK = 'stripe-webhook';
/** The target: the webhook's import time at most this many times the bare baseline's. */
const WEBHOOK_TARGET = 1.5;

// --- bundling: the construct's options, as NodejsFunction hands them to esbuild ---------------------

/** The BundlingOptions keys this translation knows; any other key in BUNDLING is reported, not ignored silently. */
const KNOWN_BUNDLING_KEYS = new Set([
  'format',
  'target',
  'minify',
  'sourceMap',
  'sourceMapMode',
  'sourcesContent',
  'mainFields',
  'externalModules',
  'banner',
  'footer',
  'loader',
  'define',
  'keepNames',
  'inject',
  'metafile',
  'logLevel',
  'tsconfig',
  'commandHooks',
]);

/**
 * `BUNDLING` (lib/constructs/KneadpayFunction.ts) → esbuild build options, flag for flag as
 * aws-cdk-lib 2.x `Bundling.buildEsbuildArgs` does: `--bundle --platform=node --target --format
 * --outfile=index.mjs|index.js --minify --sourcemap[=mode] --sources-content=false --external:…
 * --loader --define --keep-names --tsconfig --banner:js --footer:js --main-fields --inject`.
 */
export const esbuildOptionsFrom = (bundling: BundlingOptions, outdir: string): BuildOptions => {
  const unknown = Object.keys(bundling).filter((key) => !KNOWN_BUNDLING_KEYS.has(key));
  if (unknown.length) console.warn(`warning: bench/coldstart does not translate BUNDLING.${unknown.join(', BUNDLING.')}: the bundles may differ from the deployed ones`);
  const sourceMapMode = bundling.sourceMapMode ?? (bundling.sourceMap ? 'default' : undefined);
  const format = bundling.format as 'esm' | 'cjs' | undefined;
  return {
    bundle: true,
    platform: 'node',
    // NodejsFunction derives the target from the runtime when unset (Node.js 22 → node22).
    target: bundling.target ?? 'node22',
    ...(format ? { format } : {}),
    outfile: join(outdir, format === 'esm' ? 'index.mjs' : 'index.js'),
    minify: bundling.minify ?? false,
    ...(sourceMapMode ? { sourcemap: sourceMapMode === 'default' ? true : (sourceMapMode as 'inline' | 'external' | 'both') } : {}),
    sourcesContent: bundling.sourcesContent ?? true,
    // Node.js 22 runtime default when externalModules is unset: the runtime's own SDK v3.
    external: bundling.externalModules ?? ['@aws-sdk/*'],
    ...(bundling.loader ? { loader: bundling.loader as BuildOptions['loader'] } : {}),
    ...(bundling.define ? { define: bundling.define } : {}),
    keepNames: bundling.keepNames ?? false,
    ...(bundling.tsconfig ? { tsconfig: resolve(ROOT, bundling.tsconfig) } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    ...(bundling.footer ? { footer: { js: bundling.footer } } : {}),
    ...(bundling.mainFields ? { mainFields: bundling.mainFields } : {}),
    ...(bundling.inject ? { inject: bundling.inject } : {}),
    // NodejsFunction runs esbuild from the project root with the entry relative to it.
    absWorkingDir: ROOT,
    metafile: true,
    logLevel: 'error',
  };
};

/**
 * The construct's afterBundling hooks (`BUNDLING.commandHooks` in KneadpayFunction.ts), run as
 * NodejsFunction runs them (each a shell command, from the project root): pdfkit (with its standard
 * fonts) and the Stripe SDK each beside a bundle that imports it.
 */
export const runAfterBundling = (outdir: string): void => {
  for (const command of BUNDLING.commandHooks?.afterBundling(ROOT, outdir) ?? []) execSync(command, { cwd: ROOT, stdio: 'inherit', shell: '/bin/sh' });
};

/**
 * The packages beside a bundle, loaded on their first use (stripeSdkBeside, pdfkitBeside): the KB of
 * each `node_modules/<name>/index.mjs`, by name.
 */
const besideOf = (outdir: string): Record<string, number> =>
  Object.fromEntries(
    ['stripe', 'pdfkit'].flatMap((name) => {
      const file = join(outdir, 'node_modules', name, 'index.mjs');
      return existsSync(file) ? [[name, statSync(file).size]] : [];
    }),
  );

// --- what is bundled --------------------------------------------------------------------------------

interface Target {
  name: string;
  /** A project file, or source text bundled from the project root (baselines, what-ifs). */
  entry: { file: string } | { source: string };
  /** Wiring access, for the "never calls" check; undefined for rows that are not functions. */
  spec?: FunctionSpec;
  kind: 'baseline' | 'function' | 'diagnostic';
  note?: string;
}

/** The reference: a DocumentClient created on first use (as getStore() does) and one PutItem. */
const BASELINE_LAZY = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
let doc: DynamoDBDocumentClient | undefined;
export const handler = async (event: { id: string }) => {
  doc ??= DynamoDBDocumentClient.from(new DynamoDBClient({}));
  await doc.send(new PutCommand({ TableName: process.env.KNEADPAY_TABLE, Item: { pk: event.id, sk: 'MARKER' }, ConditionExpression: 'attribute_not_exists(pk)' }));
  return { statusCode: 200 };
};`;

/** The same handler with the client created at import (what most bare handlers do). */
const BASELINE_EAGER = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async (event: { id: string }) => {
  await doc.send(new PutCommand({ TableName: process.env.KNEADPAY_TABLE, Item: { pk: event.id, sk: 'MARKER' }, ConditionExpression: 'attribute_not_exists(pk)' }));
  return { statusCode: 200 };
};`;

const targets = (diagnostics: boolean, only: string[] | undefined): Target[] => {
  const functions: Target[] = Object.entries(FUNCTIONS as Record<string, FunctionSpec>).map(([name, spec]) => ({
    name,
    entry: { file: spec.entry },
    spec,
    kind: 'function',
  }));
  functions.push({
    name: 'pipe-enrichment',
    entry: { file: 'lib/pipe-enrichment/handler.ts' },
    // OutboxPipe's enrichment reads nothing but its event: no table, Stripe or SES.
    spec: { entry: 'lib/pipe-enrichment/handler.ts', description: 'outbox pipe enrichment', access: { table: 'read' } },
    kind: 'function',
    note: 'lib/constructs/OutboxPipe.ts; no table access at all',
  });
  const list: Target[] = [
    { name: 'baseline (client on first use)', entry: { source: BASELINE_LAZY }, kind: 'baseline' },
    { name: 'baseline (client at import)', entry: { source: BASELINE_EAGER }, kind: 'baseline' },
    ...functions.filter((target) => !only || only.includes(target.name)),
  ];
  if (diagnostics) {
    list.push(
      { name: 'empty handler', entry: { source: 'export const handler = async () => ({ statusCode: 200 });' }, kind: 'diagnostic', note: "node's floor for import() of a tiny file" },
      {
        name: 'stripe SDK alone',
        entry: { source: "import Stripe from 'stripe';\nexport const handler = async () => typeof Stripe.webhooks;" },
        kind: 'diagnostic',
        note: '`import Stripe from "stripe"` and nothing else: the SDK beside the bundle, what a function adds at its first Stripe call',
      },
    );
  }
  return list;
};

interface Bundle {
  target: Target;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Packages beside index.mjs (node_modules/stripe, node_modules/pdfkit), read on first use, not at import. */
  beside: Record<string, number>;
  mapBytes: number;
  metafile: Metafile;
}

const bundleTarget = async (target: Target, dir: string, index: number): Promise<Bundle> => {
  const outdir = join(dir, `${String(index).padStart(2, '0')}-${target.name.replace(/[^a-z0-9]+/gi, '-')}`);
  const options = esbuildOptionsFrom(BUNDLING, outdir);
  const result = await build({
    ...options,
    ...('file' in target.entry
      ? { entryPoints: [target.entry.file] }
      : { stdin: { contents: target.entry.source, resolveDir: ROOT, sourcefile: `${target.name.replace(/\W+/g, '-')}.ts`, loader: 'ts' } }),
  });
  const file = options.outfile!;
  runAfterBundling(outdir);
  const code = readFileSync(file);
  return {
    target,
    file,
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    beside: besideOf(outdir),
    mapBytes: existsSync(`${file}.map`) ? statSync(`${file}.map`).size : 0,
    metafile: result.metafile!,
  };
};

// --- measuring import() in a fresh process -----------------------------------------------------------

const CHILD = `
const started = process.hrtime.bigint();
const cpu = process.cpuUsage();
const module = await import(process.argv[2]);
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const used = process.cpuUsage(cpu);
if (typeof module.handler !== 'function') throw new Error('the bundle exports no handler');
process.stdout.write(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000 }));
`;

interface Sample {
  ms: number;
  cpuMs: number;
}

const importOnce = (childFile: string, bundleFile: string, sourceMaps: boolean): Promise<Sample> =>
  new Promise((resolveSample, reject) => {
    const child = spawn(process.execPath, [childFile, pathToFileURL(bundleFile).href], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // What Lambda gives a function at init, minus AWS's own variables; no tsx, no loaders.
      env: {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        KNEADPAY_TABLE: 'kneadpay',
        // Node 22 in Lambda prints no "Node 20 support" notice; keep it out of the timing here.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        NODE_OPTIONS: sourceMaps ? '--enable-source-maps' : '',
      },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`import of ${bundleFile} failed (${code}): ${err.slice(0, 500)}`));
      resolveSample(JSON.parse(out) as Sample);
    });
  });

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

interface Timing {
  ms: number;
  cpuMs: number;
  baselineMs: number;
  /** Median over pairs of (this ÷ baseline sampled next to it). */
  ratio: number;
  cpuRatio: number;
}

// --- metafile analysis -------------------------------------------------------------------------------

const packageOf = (input: string): string | undefined => {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
};

interface PackageUse {
  name: string;
  /** bytesInOutput of the package's own files. */
  ownBytes: number;
  /** Bytes that would leave the bundle if nothing imported this package (it and what only it pulls in). */
  exclusiveBytes: number;
  /** Our files (or other packages) that import it directly. */
  importedBy: string[];
  /** The shortest import chain from the entry to the package. */
  chain: string[];
}

const analyse = (metafile: Metafile): { total: number; packages: PackageUse[]; ours: number } => {
  const [, output] = Object.entries(metafile.outputs).find(([file]) => /\.m?js$/.test(file))!;
  const inBundle = output.inputs;
  const bytesOf = (input: string) => inBundle[input]?.bytesInOutput ?? 0;
  const entry = output.entryPoint ?? Object.keys(metafile.inputs).find((input) => !input.includes('node_modules'))!;
  const reachable = (skip: string | undefined): Set<string> => {
    const seen = new Set<string>([entry]);
    const queue = [entry];
    while (queue.length) {
      const input = queue.pop()!;
      for (const edge of metafile.inputs[input]?.imports ?? []) {
        if (edge.external || seen.has(edge.path) || !metafile.inputs[edge.path]) continue;
        if (skip && packageOf(edge.path) === skip) continue;
        seen.add(edge.path);
        queue.push(edge.path);
      }
    }
    return seen;
  };
  const all = reachable(undefined);
  const total = [...all].reduce((sum, input) => sum + bytesOf(input), 0);
  const owners = new Map<string, PackageUse>();
  for (const input of Object.keys(inBundle)) {
    const name = packageOf(input);
    if (!name) continue;
    const use = owners.get(name) ?? { name, ownBytes: 0, exclusiveBytes: 0, importedBy: [], chain: [] };
    use.ownBytes += bytesOf(input);
    owners.set(name, use);
  }
  // Who imports each package, over everything esbuild read on the way (a file tree-shaken to
  // 0 bytes still pulls in a package whose own top level has side effects, as stripe's does).
  for (const input of all) {
    const from = packageOf(input);
    for (const edge of metafile.inputs[input]?.imports ?? []) {
      const to = packageOf(edge.path);
      if (!to || to === from || edge.external) continue;
      const use = owners.get(to);
      const who = from ?? input;
      if (use && !use.importedBy.includes(who)) use.importedBy.push(who);
    }
  }
  // Breadth first from the entry: the first file reached in a package ends its shortest chain.
  const parent = new Map<string, string | undefined>([[entry, undefined]]);
  const queue = [entry];
  for (let i = 0; i < queue.length; i += 1) {
    const input = queue[i]!;
    const name = packageOf(input);
    const use = name ? owners.get(name) : undefined;
    if (use && use.chain.length === 0) {
      const chain: string[] = [];
      for (let at: string | undefined = input; at !== undefined; at = parent.get(at)) chain.unshift(packageOf(at) ?? at);
      use.chain = chain.filter((step, k) => chain.indexOf(step) === k);
    }
    for (const edge of metafile.inputs[input]?.imports ?? []) {
      if (edge.external || parent.has(edge.path) || !metafile.inputs[edge.path]) continue;
      parent.set(edge.path, input);
      queue.push(edge.path);
    }
  }
  for (const use of owners.values()) {
    if (use.ownBytes < 2048) continue; // exclusive size only for packages worth naming
    const without = reachable(use.name);
    use.exclusiveBytes = total - [...without].reduce((sum, input) => sum + bytesOf(input), 0);
  }
  const ours = Object.keys(inBundle)
    .filter((input) => !input.includes('node_modules'))
    .reduce((sum, input) => sum + bytesOf(input), 0);
  return { total, packages: [...owners.values()].sort((a, b) => b.ownBytes - a.ownBytes), ours };
};

/** Packages worth watching, and when a function may legitimately carry each (its wiring access is its IAM grant). */
/** Receipts as PDF (receipt-page) and the CMS-1500 claim form (claim-forms). */
const PDF_RENDERERS = new Set(['receipt-page', 'claim-forms']);
/** Functions behind the HTTP API: each checks the edge's origin secret (functions/shared/client-address.ts). */
const ROUTED: ReadonlySet<string> = new Set(ROUTES.map((route) => route.fn));
const HEAVY: Record<string, { expected: (name: string, spec: FunctionSpec) => boolean; why: string }> = {
  stripe: { expected: (_, spec) => Boolean(spec.access.stripe), why: 'access.stripe is not set: it may not read the Stripe key' },
  pdfkit: { expected: (name) => PDF_RENDERERS.has(name), why: 'it renders no PDF (only receipt-page and claim-forms do)' },
  '@aws-sdk/client-sesv2': { expected: (_, spec) => Boolean(spec.access.ses), why: 'access.ses is not set: its role may not call ses:SendEmail' },
  '@aws-sdk/client-secrets-manager': {
    expected: (name, spec) => Boolean(spec.access.stripe || spec.access.receiptLinks) || ROUTED.has(name),
    why: 'the secrets are the Stripe ones, the receipt-link one and the edge origin one (every routed function), and it has no route and neither access.stripe nor access.receiptLinks',
  },
  '@aws-sdk/client-dynamodb': { expected: (name) => name !== 'pipe-enrichment', why: 'it has no table access' },
  '@aws-sdk/client-eventbridge': { expected: () => false, why: 'no function puts events: the outbox pipe does' },
  '@aws-sdk/client-dynamodb-streams': { expected: () => false, why: 'only the local bus reads streams' },
  jose: { expected: () => false, why: 'JWTs are verified by API Gateway; jose is for local tokens' },
  'node-x12': { expected: () => false, why: 'a dev dependency (the ERA bench)' },
  'pdfjs-dist': { expected: () => false, why: 'a dev dependency (tests)' },
  'aws-cdk-lib': { expected: () => false, why: 'infrastructure code' },
};

// --- the driver --------------------------------------------------------------------------------------

const option = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
};

const kb = (bytes: number) => (bytes / 1024).toFixed(0);

export const main = async (): Promise<void> => {
  const runs = Number(option('runs') ?? '7');
  const only = option('only')?.split(',');
  const diagnostics = !process.argv.includes('--no-diagnostics');
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'kneadpay-bench-coldstart-'));
  try {
    const childFile = join(dir, 'import-once.mjs');
    writeFileSync(childFile, CHILD);
    const list = targets(diagnostics, only);
    const bundles: Bundle[] = [];
    for (const [index, target] of list.entries()) bundles.push(await bundleTarget(target, dir, index));
    const bundleSeconds = (performance.now() - started) / 1000;
    console.log(
      `bench/coldstart: node ${process.version}, ${cpus().length} cores; ${bundles.length} bundles in ${bundleSeconds.toFixed(1)} s ` +
        `(BUNDLING of lib/constructs/KneadpayFunction.ts: ${BUNDLING.format}, ${BUNDLING.target}, minify ${BUNDLING.minify}, source maps ${BUNDLING.sourceMap}, externals [${(BUNDLING.externalModules ?? []).join(', ')}])`,
    );
    console.log(`import() in a fresh node per sample, ${runs} rounds; each sample paired with a baseline sample next to it, order alternating`);

    const reference = bundles[0]!;
    const timings = new Map<string, { deployed: Timing; plain: Timing }>();
    const measured = bundles.slice(1);
    type Pairs = { self: Sample[]; base: Sample[] };
    const pairs = new Map<string, { deployed: Pairs; plain: Pairs }>(measured.map((bundle) => [bundle.target.name, { deployed: { self: [], base: [] }, plain: { self: [], base: [] } }]));
    for (let round = 0; round < runs; round += 1) {
      for (const bundle of measured) {
        for (const sourceMaps of [true, false]) {
          const slot = pairs.get(bundle.target.name)![sourceMaps ? 'deployed' : 'plain'];
          const firstBaseline = (round + (sourceMaps ? 0 : 1)) % 2 === 0;
          if (firstBaseline) slot.base.push(await importOnce(childFile, reference.file, sourceMaps));
          slot.self.push(await importOnce(childFile, bundle.file, sourceMaps));
          if (!firstBaseline) slot.base.push(await importOnce(childFile, reference.file, sourceMaps));
        }
      }
      process.stderr.write(`  round ${round + 1}/${runs} done (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    }
    const timingOf = ({ self, base }: Pairs): Timing => ({
      ms: median(self.map((s) => s.ms)),
      cpuMs: median(self.map((s) => s.cpuMs)),
      baselineMs: median(base.map((s) => s.ms)),
      ratio: median(self.map((s, i) => s.ms / base[i]!.ms)),
      cpuRatio: median(self.map((s, i) => s.cpuMs / base[i]!.cpuMs)),
    });
    for (const [name, slot] of pairs) timings.set(name, { deployed: timingOf(slot.deployed), plain: timingOf(slot.plain) });
    const referenceDeployed = median([...pairs.values()].flatMap((slot) => slot.deployed.base.map((s) => s.ms)));
    const referencePlain = median([...pairs.values()].flatMap((slot) => slot.plain.base.map((s) => s.ms)));

    console.log(`\nReference: ${reference.target.name}, import ${referenceDeployed.toFixed(1)} ms with source maps, ${referencePlain.toFixed(1)} ms without (medians of all its samples)\n`);
    console.log(
      '| bundle | index.mjs KB | gzip KB | .map KB | beside, loaded on first use (KB) | import ms (as deployed) | ratio wall | ratio CPU | import ms (no source maps) | ratio wall | ratio CPU |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    const row = (bundle: Bundle, t?: { deployed: Timing; plain: Timing }) =>
      `| ${bundle.target.name} | ${kb(bundle.bytes)} | ${kb(bundle.gzipBytes)} | ${kb(bundle.mapBytes)} | ${
        Object.entries(bundle.beside)
          .map(([name, bytes]) => `${name} ${kb(bytes)}`)
          .join(', ') || '–'
      } | ` +
      (t
        ? `${t.deployed.ms.toFixed(1)} | ${t.deployed.ratio.toFixed(2)}× | ${t.deployed.cpuRatio.toFixed(2)}× | ${t.plain.ms.toFixed(1)} | ${t.plain.ratio.toFixed(2)}× | ${t.plain.cpuRatio.toFixed(2)}× |`
        : `${referenceDeployed.toFixed(1)} | 1.00× | 1.00× | ${referencePlain.toFixed(1)} | 1.00× | 1.00× |`);
    console.log(row(reference));
    for (const bundle of measured) console.log(row(bundle, timings.get(bundle.target.name)));
    for (const bundle of measured.filter((b) => b.target.note)) console.log(`  ${bundle.target.name}: ${bundle.target.note}`);

    const webhook = timings.get(WEBHOOK);
    if (webhook) {
      const verdict = (ratio: number) => (ratio <= WEBHOOK_TARGET ? 'within' : 'OVER');
      console.log(
        `\n${WEBHOOK} import ÷ baseline: ${webhook.deployed.ratio.toFixed(2)}× wall, ${webhook.deployed.cpuRatio.toFixed(2)}× CPU as deployed; ` +
          `${webhook.plain.ratio.toFixed(2)}× wall, ${webhook.plain.cpuRatio.toFixed(2)}× CPU without source maps ` +
          `(target ≤ ${WEBHOOK_TARGET}×: ${verdict(webhook.deployed.ratio)} as deployed, wall)`,
      );
    }

    // --- what each function carries --------------------------------------------------------------
    console.log('\nHeavy packages per bundle (KB in index.mjs: own / exclusive = what would leave the bundle without it)');
    const suspicious: string[] = [];
    for (const bundle of bundles.filter((b) => b.target.kind !== 'diagnostic')) {
      const { total, packages, ours } = analyse(bundle.metafile);
      const heavy = packages.filter((use) => use.name in HEAVY);
      const parts = heavy.map((use) => {
        const rule = HEAVY[use.name]!;
        const ok = !bundle.target.spec || rule.expected(bundle.target.name, bundle.target.spec);
        if (!ok) suspicious.push(`${bundle.target.name}: ${use.name} (${kb(use.exclusiveBytes)} KB exclusive) — ${rule.why}; via ${use.chain.join(' → ')}`);
        return `${ok ? '' : '⚠ '}${use.name} ${kb(use.ownBytes)}/${kb(use.exclusiveBytes)}`;
      });
      console.log(`- ${bundle.target.name} (${kb(total)} KB, ours ${kb(ours)} KB): ${parts.join(', ') || 'none'}`);
    }
    console.log(suspicious.length ? `\nSuspicious (bundled, but the function's access says it can never use it):\n- ${suspicious.join('\n- ')}` : '\nSuspicious: none');

    const webhookBundle = bundles.find((b) => b.target.name === WEBHOOK);
    if (webhookBundle) {
      const { total, packages, ours } = analyse(webhookBundle.metafile);
      console.log(`\n${WEBHOOK}: what dominates its ${kb(total)} KB (top packages by own bytes; ours ${kb(ours)} KB)`);
      console.log('| package | own KB | exclusive KB | imported by |');
      console.log('|---|---:|---:|---|');
      for (const use of packages.slice(0, 10))
        console.log(`| ${use.name} | ${kb(use.ownBytes)} | ${kb(use.exclusiveBytes)} | ${use.importedBy.slice(0, 3).join(', ')}${use.importedBy.length > 3 ? ', …' : ''} |`);
    }
    console.log(`\nbench/coldstart took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    if (process.argv.includes('--keep')) console.log(`bundles kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
