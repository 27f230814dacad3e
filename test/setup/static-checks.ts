/**
 * `npm test`'s static checks side by side: the type checks (functions, CDK, tests, benches; the web
 * app), ESLint with zero warnings and Prettier. One after another they took about a minute and a half
 * of the suite on 2 cores, most of it `tsc` alone on one core; together they take about as long as
 * `tsc`. Each check's output is printed whole when it fails (and only then); the run fails if any
 * check fails, before vitest starts.
 *
 *   npx tsx test/setup/static-checks.ts
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);

export const STATIC_CHECKS: readonly { name: string; command: string; args: string[] }[] = [
  { name: 'types', command: bin('tsc'), args: ['--noEmit'] },
  { name: 'web app types', command: bin('tsc'), args: ['--noEmit', '-p', 'web'] },
  { name: 'lint', command: bin('eslint'), args: ['--max-warnings', '0', '.'] },
  { name: 'format', command: bin('prettier'), args: ['--check', '--log-level', 'warn', '**/*.{ts,mts,js,mjs}'] },
];

interface Result {
  name: string;
  commandLine: string;
  code: number | null;
  seconds: number;
  output: string;
}

const run = (check: (typeof STATIC_CHECKS)[number]): Promise<Result> =>
  new Promise((done) => {
    const started = Date.now();
    const commandLine = [check.command.replace(`${ROOT}/`, ''), ...check.args].join(' ');
    const child = spawn(check.command, check.args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', (error) => done({ name: check.name, commandLine, code: -1, seconds: (Date.now() - started) / 1000, output: String(error) }));
    child.on('close', (code) => done({ name: check.name, commandLine, code, seconds: (Date.now() - started) / 1000, output }));
  });

const results = await Promise.all(STATIC_CHECKS.map(run));
for (const failed of results.filter((result) => result.code !== 0)) {
  process.stderr.write(`\n--- ${failed.name} failed (${failed.commandLine}):\n${failed.output}\n`);
}
console.log(`static checks: ${results.map((r) => `${r.name} ${r.code === 0 ? 'passed' : 'FAILED'} in ${r.seconds.toFixed(0)} s`).join(', ')}`);
process.exit(results.every((result) => result.code === 0) ? 0 : 1);
