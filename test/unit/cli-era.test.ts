import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/kneadpay.js';
import type { CommandIo } from '../../bin/kneadpay.js';
import { serializeEraSegments } from '../../functions/domain/era835';
import { verifyLocalToken } from '../../local/auth';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const fixturePath = (name: string): string => fileURLToPath(new URL(`../fixtures/era/${name}`, import.meta.url));

const runCli = async (argv: string[], options: { isTTY?: boolean } = {}) => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CommandIo = { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line), isTTY: options.isTTY ?? false };
  const code = await main(argv, io);
  return { code, stdout, stderr };
};

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'kneadpay-cli-era-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('kneadpay era parse', () => {
  it('prints one pinned JSON line per claim, in file order', async () => {
    // Act
    const result = await runCli(['era', 'parse', fixturePath('reversal-correction.835')]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toEqual([]);
    const claims = result.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(claims.map((claim) => [claim.patientControlNumber, claim.status, claim.paidCents])).toEqual([
      ['CLM-1001', 'reversal', -5600],
      ['CLM-1001', 'processed_primary', 6600],
    ]);
    expect(Object.keys(claims[0]!)).toEqual([
      'traceNumber',
      'payerName',
      'patientControlNumber',
      'payerClaimControlNumber',
      'statusCode',
      'status',
      'chargeCents',
      'paidCents',
      'patientResponsibilityCents',
      'reportedPatientResponsibilityCents',
      'balanced',
      'problems',
      'claimAdjustments',
      'lines',
    ]);
  });

  it('marks every claim of a file that does not balance and says so on stderr, exit 0', async () => {
    // Prepare
    const file = join(workDir, 'unbalanced.835');
    await writeFile(file, (await readFile(fixturePath('plb.835'), 'utf8')).replace('BPR*I*86*C', 'BPR*I*90*C'));

    // Act
    const result = await runCli(['era', 'parse', file]);

    // Assess
    expect(result.code).toBe(0);
    const problem = 'file: payment 9000 != claims paid 9600 - provider adjustments 1000';
    expect(result.stdout.map((line) => JSON.parse(line) as { balanced: boolean; problems: string[] })).toMatchObject([
      { balanced: false, problems: [problem] },
      { balanced: false, problems: [problem] },
    ]);
    expect(result.stderr).toEqual([`${file}: ${problem} (every claim of that payment is unbalanced)`]);
  });

  it('rejects a damaged file with exit 1 and one line naming file, segment and field, printing no claims', async () => {
    // Prepare
    const file = join(workDir, 'bad-amount.835');
    await writeFile(file, (await readFile(fixturePath('worked-example.835'), 'utf8')).replace('*130*56*34*', '*130*12x*34*'));

    // Act
    const result = await runCli(['era', 'parse', file]);

    // Assess
    expect(result).toEqual({ code: 1, stdout: [], stderr: [`kneadpay era: ${file}: segment 14 (CLP): CLP04 "12x" is not a number`] });
  });

  it('rejects a missing file with exit 1, and a missing argument with exit 2', async () => {
    // Act
    const missing = await runCli(['era', 'parse', join(workDir, 'nope.835')]);
    const usage = await runCli(['era', 'parse']);
    const unknown = await runCli(['era', 'reconcile', 'x.835']);

    // Assess
    expect(missing).toEqual({ code: 1, stdout: [], stderr: [`kneadpay era: ${join(workDir, 'nope.835')}: no such file`] });
    expect(usage.code).toBe(2);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.join('\n')).toMatch(/unknown subcommand "reconcile"/);
  });

  it('exits 1 from the real binary for an 837, naming segment 3 and ST01', async () => {
    // Act
    const failure = await promisify(execFile)(process.execPath, ['bin/cli.mjs', 'era', 'parse', 'test/fixtures/era/claim-837.835'], { cwd: ROOT }).then(
      () => null,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

    // Assess
    expect(failure).toMatchObject({ code: 1, stdout: '' });
    expect(failure!.stderr.trim()).toBe('kneadpay era: test/fixtures/era/claim-837.835: segment 3 (ST): ST01 "837" is not 835: kneadpay reads only health care claim payment/advice (835) files');
  });

  // `kneadpay era parse big.835 | head -1`: the reader closing the pipe is not bad input. It was
  // "kneadpay era: write EPIPE" and exit 1 (SPEC.md §2 keeps exit 1 for bad input).
  it('stops quietly with exit 0 when the reader of its output goes away', { timeout: 60_000 }, async () => {
    // Prepare: the worked example's claim 20,000 times (≈5 MB of JSON lines).
    const segments = (await readFile(fixturePath('worked-example.835'), 'utf8'))
      .split('~')
      .map((segment) => segment.trim())
      .filter(Boolean);
    const st = segments.findIndex((segment) => segment.startsWith('ST*'));
    const clp = segments.findIndex((segment) => segment.startsWith('CLP*'));
    const se = segments.findIndex((segment) => segment.startsWith('SE*'));
    const body = [...segments.slice(0, clp), ...Array.from({ length: 20_000 }, () => segments.slice(clp, se)).flat()];
    const file = join(workDir, 'many-claims.835');
    await writeFile(file, [...body, `SE*${body.length - st + 1}*0001`, ...segments.slice(se + 1)].join('~\n') + '~\n');
    const child = spawn(process.execPath, ['bin/cli.mjs', 'era', 'parse', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    // Act: read the first line, then close the pipe (what `head -1` does).
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));

    // Assess
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});

interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A tiny stand-in for the remittances route: records each request and answers as told. */
const startRecordingServer = async (answer: { status: number; body: unknown }) => {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { api, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

describe('kneadpay era import', () => {
  let server: Awaited<ReturnType<typeof startRecordingServer>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const SUMMARY = { remittanceId: 'rem_1', traceNumber: 'EFT123', claims: 1, matched: 1, quarantined: [] };

  it('posts the raw file as application/edi-x12 with the bearer token and prints the summary', async () => {
    // Prepare
    server = await startRecordingServer({ status: 202, body: SUMMARY });
    const file = fixturePath('worked-example.835');

    // Act
    const result = await runCli(['era', 'import', file, '--practice', 'prac 1', '--api', `${server.api}/`, '--token', 'tok.en.jwt']);

    // Assess
    expect(result).toEqual({ code: 0, stdout: [JSON.stringify(SUMMARY)], stderr: [] });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/practices/prac%201/remittances' });
    expect(request!.headers).toMatchObject({ 'content-type': 'application/edi-x12', authorization: 'Bearer tok.en.jwt' });
    expect(request!.body.equals(await readFile(file))).toBe(true);
  });

  it('mints a local token for the practice when --token is absent and the server has no local sign-in', async () => {
    // Prepare
    server = await startRecordingServer({ status: 200, body: SUMMARY });
    const previous = process.env.KNEADPAY_DATA_DIR;
    process.env.KNEADPAY_DATA_DIR = join(workDir, 'data');

    try {
      // Act
      const result = await runCli(['era', 'import', fixturePath('worked-example.835'), '--practice', 'prac_2', '--api', server.api]);

      // Assess
      expect(result.code).toBe(0);
      // The server answers POST /_local/token without a token (no local sign-in): the CLI mints one.
      expect(server.requests.map((request) => `${request.method} ${request.url}`)).toEqual(['POST /_local/token', 'POST /practices/prac_2/remittances']);
      const token = server.requests[1]!.headers.authorization!.replace(/^Bearer /, '');
      expect(await verifyLocalToken(token, join(workDir, 'data'))).toMatchObject({ 'custom:practiceId': 'prac_2' });
    } finally {
      if (previous === undefined) delete process.env.KNEADPAY_DATA_DIR;
      else process.env.KNEADPAY_DATA_DIR = previous;
    }
  });

  it('an error answer exits 1 with the server message', async () => {
    // Prepare
    server = await startRecordingServer({ status: 400, body: { error: { code: 'validation_error', message: 'segment 14 (CLP): CLP04 "12x" is not a number' } } });
    const file = fixturePath('worked-example.835');

    // Act
    const result = await runCli(['era', 'import', file, '--practice', 'prac_1', '--api', server.api, '--token', 't']);

    // Assess
    expect(result).toEqual({
      code: 1,
      stdout: [],
      stderr: [`kneadpay era: ${file}: the server answered 400: segment 14 (CLP): CLP04 "12x" is not a number (validation_error)`],
    });
  });

  it('shows a progress bar on a terminal for a large file, ending at 100%', async () => {
    // Prepare: ~1.5 MB of claims (progress starts at 1 MiB)
    server = await startRecordingServer({ status: 202, body: SUMMARY });
    const file = join(workDir, 'large.835');
    const claims = Array.from({ length: 12000 }, (_v, i) => ({
      patientControlNumber: `CLM-${i}`,
      statusCode: '1',
      chargeCents: 13000,
      paidCents: 5600,
      reportedPatientResponsibilityCents: 3400,
      claimAdjustments: [
        { group: 'CO', reason: '45', amountCents: 4000 },
        { group: 'PR', reason: '1', amountCents: 3400 },
      ],
      lines: [{ procedureCode: '97124', chargeCents: 13000, paidCents: 5600, units: 4, serviceDate: '2026-10-02', allowedCents: 9000 }],
    }));
    const out = createWriteStream(file);
    for (const segment of serializeEraSegments({ payments: [{ traceNumber: 'BIG', payerName: 'ACME HEALTH', claims }] })) out.write(segment);
    await new Promise((resolve) => out.end(resolve));

    // Act
    const onTerminal = await runCli(['era', 'import', file, '--practice', 'p', '--api', server.api, '--token', 't'], { isTTY: true });
    const piped = await runCli(['era', 'import', file, '--practice', 'p', '--api', server.api, '--token', 't'], { isTTY: false });

    // Assess
    expect(onTerminal.code).toBe(0);
    expect(onTerminal.stderr.length).toBeGreaterThan(1);
    expect(onTerminal.stderr.at(-1)).toMatch(/uploading large\.835 \[#{30}\] 100% \d+\.\d of \d+\.\d MB$/);
    expect(piped.stderr).toEqual([]);
    expect(server.requests[0]!.body.length).toBe((await readFile(file)).length);
  });

  it('says so when nothing listens at --api (exit 1), and requires --practice (exit 2)', async () => {
    // Prepare
    server = await startRecordingServer({ status: 202, body: SUMMARY });
    const deadApi = server.api;
    await server.close();
    server = undefined;

    // Act
    const unreachable = await runCli(['era', 'import', fixturePath('worked-example.835'), '--practice', 'p', '--api', deadApi, '--token', 't']);
    const usage = await runCli(['era', 'import', fixturePath('worked-example.835')]);

    // Assess
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toEqual([`kneadpay era: cannot reach ${deadApi}: ECONNREFUSED (is \`npm start\` running?)`]);
    expect(usage.code).toBe(2);
  });
});
