/**
 * The CLI's commands call the local stack where `npm start` serves it: `http://127.0.0.1:$PORT`
 * (3000 when unset) unless given `--api`. The real binary is run with `PORT` on a port nothing
 * listens on, so each command's one line names the address it tried.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../local/ports';

const ROOT = join(import.meta.dirname, '..', '..');

const runCli = (args: string[], env: NodeJS.ProcessEnv) =>
  promisify(execFile)(process.execPath, ['bin/cli.mjs', ...args], { cwd: ROOT, env: { ...process.env, ...env } }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );

describe('the CLI calls PORT when not given --api', () => {
  it('demo and claims export try http://127.0.0.1:$PORT and say so when nothing answers', async () => {
    // Prepare
    const port = await freePort();
    // Act
    const demo = await runCli(['demo'], { PORT: String(port) });
    const claims = await runCli(['claims', 'export', '--practice', 'prac_x', '--token', 'x'], { PORT: String(port) });
    // Assess
    expect(demo.code).toBe(1);
    expect(demo.stderr).toContain(`no kneadpay answering at http://127.0.0.1:${port}/health`);
    expect(claims.code).toBe(1);
    expect(claims.stderr).toContain(`127.0.0.1:${port}`);
  });

  // SPEC.md §2: exit 2 on usage errors. demo and token ran (or printed a token) whatever else followed.
  it('demo and token refuse an argument they do not take with exit 2, before calling anything', async () => {
    // Prepare
    const port = await freePort();
    // Act
    const demo = await runCli(['demo', '--bogus'], { PORT: String(port) });
    const demoExtra = await runCli(['demo', 'now'], { PORT: String(port) });
    const token = await runCli(['token', '--practice', 'prac_x', '--bogus'], { PORT: String(port) });
    // Assess
    expect([demo.code, demo.stderr]).toEqual([2, expect.stringMatching(/^kneadpay demo: unknown argument --bogus\n/)]);
    expect([demoExtra.code, demoExtra.stderr]).toEqual([2, expect.stringMatching(/^kneadpay demo: unknown argument now\n/)]);
    expect([token.code, token.stderr]).toEqual([2, expect.stringMatching(/^kneadpay token: unknown argument --bogus\n/)]);
  });

  it('a PORT that is not a port is refused with the variable named', async () => {
    const demo = await runCli(['demo'], { PORT: 'eighty' });
    expect(demo.code).toBe(1);
    expect(demo.stderr).toContain("PORT must be a port number (0-65535), not 'eighty'");
  });
});
