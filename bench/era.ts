/**
 * ERA (X12 835) parsing benchmark: kneadpay's streaming parser against node-x12's streaming
 * parser, on the same generated files, each parser in its own child process so peak RSS is its own.
 *
 *   npx tsx bench/era.ts [--sizes 10000,100000] [--runs 3] [--keep]
 *
 * Prints claims/s and peak RSS per parser and size (median of the runs), the speed ratio
 * (kneadpay ÷ node-x12) and a baseline RSS of a worker that parses nothing (Node + tsx alone).
 * What each parser does per claim differs, and the table says so: kneadpay builds the claim model
 * with integer cents and checks DOMAIN.md §4 balancing; node-x12 yields segment objects, counted
 * here by tag (CLP), with no money parsing or balancing at all.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { EraParser, serializeEraSegments } from '../functions/domain/era835';
import type { EraClaimInput } from '../functions/domain/era835';

const PARSERS = ['kneadpay', 'node-x12'] as const;
type ParserName = (typeof PARSERS)[number] | 'baseline';

interface WorkerResult {
  parser: ParserName;
  claims: number;
  /** Wall-clock time of the parse. */
  seconds: number;
  /** CPU time (user + system) of the parse: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  maxRssMb: number;
}

/** 64 KiB, the fs stream default, for both parsers: small chunks let claims die young (cheap GC). */
const READ_CHUNK_BYTES = 64 * 1024;

// --- workers (run in their own process) -----------------------------------------------------------

const runKneadpay = async (file: string): Promise<number> => {
  const parser = new EraParser();
  let claims = 0;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES })) {
    claims += parser.write(chunk as string).length;
  }
  parser.end();
  return claims;
};

const runNodeX12 = async (file: string): Promise<number> => {
  // node-x12 is CommonJS (a webpack bundle); require keeps its named exports.
  const { X12Parser } = createRequire(import.meta.url)('node-x12') as typeof import('node-x12');
  // Non-strict: in strict mode its stream reader re-checks the ISA length on every chunk and throws.
  const parser = new X12Parser(false);
  let claims = 0;
  await pipeline(
    createReadStream(file, { highWaterMark: READ_CHUNK_BYTES }),
    parser,
    new Writable({
      objectMode: true,
      write(segment: { tag: string }, _encoding, done) {
        if (segment.tag === 'CLP') claims += 1;
        done();
      },
    }),
  );
  return claims;
};

const worker = async (parser: ParserName, file: string): Promise<void> => {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const claims = parser === 'kneadpay' ? await runKneadpay(file) : parser === 'node-x12' ? await runNodeX12(file) : 0;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const result: WorkerResult = { parser, claims, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(`${JSON.stringify(result)}\n`);
};

// --- the file generator ---------------------------------------------------------------------------

/** Claims shaped like the DOMAIN.md §4 worked example, varied so no two are the same; all balance. */
function* benchClaims(count: number): Generator<EraClaimInput> {
  for (let i = 0; i < count; i += 1) {
    const extra = (i % 7) * 100;
    const denied = i % 40 === 39;
    const massage = { charge: 6000 + extra, co: 2000 + extra, pr: 1400 };
    const manual = { charge: 7000, co: 2000, pr1: 2000 };
    const lines = denied
      ? [
          {
            procedureCode: '97124',
            chargeCents: massage.charge,
            paidCents: 0,
            units: 2,
            serviceDate: '2026-10-02',
            allowedCents: 0,
            adjustments: [{ group: 'CO', reason: '50', amountCents: massage.charge }],
          },
        ]
      : [
          {
            procedureCode: '97124',
            modifiers: ['GP'],
            chargeCents: massage.charge,
            paidCents: massage.charge - massage.co - massage.pr,
            units: 2,
            serviceDate: '2026-10-02',
            allowedCents: massage.charge - massage.co,
            adjustments: [
              { group: 'CO', reason: '45', amountCents: massage.co },
              { group: 'PR', reason: '2', amountCents: massage.pr },
            ],
          },
          {
            procedureCode: '97140',
            chargeCents: manual.charge,
            paidCents: manual.charge - manual.co - manual.pr1,
            units: 2,
            serviceDate: '2026-10-02',
            allowedCents: manual.charge - manual.co,
            adjustments: [
              { group: 'CO', reason: '45', amountCents: manual.co },
              { group: 'PR', reason: '1', amountCents: manual.pr1 },
            ],
          },
        ];
    const chargeCents = lines.reduce((sum, line) => sum + line.chargeCents, 0);
    const paidCents = lines.reduce((sum, line) => sum + line.paidCents, 0);
    const patientCents = lines.reduce((sum, line) => sum + line.adjustments.filter((a) => a.group === 'PR').reduce((s, a) => s + a.amountCents, 0), 0);
    yield {
      patientControlNumber: `CLM-${String(i).padStart(7, '0')}`,
      statusCode: denied ? '4' : '1',
      chargeCents,
      paidCents,
      reportedPatientResponsibilityCents: patientCents,
      claimFilingIndicator: '12',
      payerClaimControlNumber: `PAYER-${i}`,
      patient: { lastName: 'DOE', firstName: 'JANE', memberId: `W${String(i).padStart(9, '0')}` },
      serviceDate: '2026-10-02',
      lines,
    };
  }
}

const writeEraFile = async (file: string, count: number): Promise<void> => {
  let paymentCents = 0;
  for (const claim of benchClaims(count)) paymentCents += claim.paidCents;
  const out = createWriteStream(file);
  const document = {
    payments: [{ traceNumber: `BENCH${count}`, payerName: 'ACME HEALTH', payeeName: 'CALM HANDS MASSAGE', payeeId: '1234567893', paidAt: '2026-10-20', paymentCents, claims: benchClaims(count) }],
  };
  for (const segment of serializeEraSegments(document)) {
    if (!out.write(segment)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
};

// --- the driver -----------------------------------------------------------------------------------

const spawnWorker = (parser: ParserName, file: string): Promise<WorkerResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', parser, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${parser} worker exited ${code}`));
      resolve(JSON.parse(output.trim().split('\n').at(-1)!) as WorkerResult);
    });
  });

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const option = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
};

const driver = async (): Promise<void> => {
  const sizes = (option('sizes') ?? '10000,100000').split(',').map(Number);
  const runs = Number(option('runs') ?? '3');
  const dir = await mkdtemp(join(tmpdir(), 'kneadpay-bench-era-'));
  const rows: string[] = [];
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`node ${process.version}, ${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${runs} run(s) per parser, median`);
  try {
    const baseline = (await spawnWorker('baseline', '')).maxRssMb;
    console.log(`baseline peak RSS (node + tsx, no parsing): ${baseline.toFixed(0)} MB`);
    for (const size of sizes) {
      const file = join(dir, `era-${size}.835`);
      await writeEraFile(file, size);
      const megabytes = (await stat(file)).size / 2 ** 20;
      const results: Record<string, { claimsPerSecond: number; claimsPerCpuSecond: number; maxRssMb: number }> = {};
      // Runs one after another, never in parallel (two cores shared with other work), and
      // alternating parsers so a burst of load from elsewhere hits both alike.
      const samplesOf = new Map<ParserName, WorkerResult[]>(PARSERS.map((parser) => [parser, []]));
      for (let run = 0; run < runs; run += 1) {
        for (const parser of PARSERS) samplesOf.get(parser)!.push(await spawnWorker(parser, file));
      }
      for (const parser of PARSERS) {
        const samples = samplesOf.get(parser)!;
        if (samples.some((s) => s.claims !== size)) console.warn(`warning: ${parser} counted ${samples.map((s) => s.claims).join('/')} claims, expected ${size}`);
        const seconds = median(samples.map((s) => s.seconds));
        const cpuSeconds = median(samples.map((s) => s.cpuSeconds));
        const result = { claimsPerSecond: size / seconds, claimsPerCpuSecond: size / cpuSeconds, maxRssMb: median(samples.map((s) => s.maxRssMb)) };
        results[parser] = result;
        console.log(
          `${size} claims (${megabytes.toFixed(1)} MB) ${parser}: ${Math.round(result.claimsPerSecond)} claims/s (wall ${seconds.toFixed(2)} s), ` +
            `${Math.round(result.claimsPerCpuSecond)} claims/CPU-s, peak RSS ${result.maxRssMb.toFixed(0)} MB`,
        );
      }
      const k = results.kneadpay!;
      const x = results['node-x12']!;
      const n = (value: number) => Math.round(value).toLocaleString('en-US');
      rows.push(
        `| ${size.toLocaleString('en-US')} | ${megabytes.toFixed(1)} | ${n(k.claimsPerSecond)} | ${n(k.claimsPerCpuSecond)} | ${k.maxRssMb.toFixed(0)} | ` +
          `${n(x.claimsPerSecond)} | ${n(x.claimsPerCpuSecond)} | ${x.maxRssMb.toFixed(0)} | ` +
          `${(k.claimsPerSecond / x.claimsPerSecond).toFixed(2)}× | ${(k.claimsPerCpuSecond / x.claimsPerCpuSecond).toFixed(2)}× |`,
      );
    }
    console.log(
      '\n| claims | file MB | kneadpay claims/s | kneadpay claims/CPU-s | kneadpay peak RSS MB | node-x12 claims/s | node-x12 claims/CPU-s | node-x12 peak RSS MB | ratio (wall) | ratio (CPU) |',
    );
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of rows) console.log(row);
  } finally {
    if (!process.argv.includes('--keep')) await rm(dir, { recursive: true, force: true });
    else console.log(`files kept in ${dir}`);
  }
};

if (process.argv[2] === '--worker') {
  await worker(process.argv[3] as ParserName, process.argv[4] ?? '');
} else {
  await driver();
}
