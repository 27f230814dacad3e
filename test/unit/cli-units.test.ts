import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/kneadpay.js';
import type { CommandIo } from '../../bin/kneadpay.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the CLI in-process with an io that records what a user would see. */
const runCli = async (argv: string[], options: { isTTY?: boolean } = {}) => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CommandIo = { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line), isTTY: options.isTTY ?? false };
  const code = await main(argv, io);
  return { code, stdout, stderr };
};

describe('kneadpay units', () => {
  it('prints the pinned JSON on one line and exits 0', async () => {
    // Act
    const result = await runCli(['units', '97110:33', '97140:7']);

    // Assess
    expect(result).toEqual({
      code: 0,
      stdout: ['{"method":"cms","totalTimedMinutes":40,"totalUnits":3,"lines":[{"code":"97110","minutes":33,"units":2,"timed":true},{"code":"97140","minutes":7,"units":1,"timed":true}]}'],
      stderr: [],
    });
  });

  it('takes --method per-code (either spelling) and keeps 97010 out of the totals', async () => {
    // Act
    const spaced = await runCli(['units', '97010:10', '97112:24', '97110:23', '--method', 'per-code']);
    const joined = await runCli(['units', '--method=per-code', '97010:10', '97112:24', '97110:23']);

    // Assess
    expect(spaced.code).toBe(0);
    expect(JSON.parse(spaced.stdout[0]!)).toEqual({
      method: 'per-code',
      totalTimedMinutes: 47,
      totalUnits: 4,
      lines: [
        { code: '97010', minutes: 10, units: 1, timed: false },
        { code: '97112', minutes: 24, units: 2, timed: true },
        { code: '97110', minutes: 23, units: 2, timed: true },
      ],
    });
    expect(joined.stdout).toEqual(spaced.stdout);
  });

  it.each([
    [['units'], /give at least one <code>:<minutes>/],
    [['units', '97110'], /"97110" is not <code>:<minutes>/],
    [['units', '97110:30', '--method', 'nearest'], /--method must be cms\|per-code/],
    [['units', '97110:30', '--method'], /--method needs a value/],
    [['units', '97110:30', '--fast'], /unknown option --fast/],
  ])('usage error for %j: exit 2', async (argv, message) => {
    // Act
    const result = await runCli(argv);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stdout).toEqual([]);
    expect(result.stderr.join('\n')).toMatch(message);
  });

  it.each([
    [['units', '99213:20'], 'kneadpay units: service 1: code "99213" is not a procedure code kneadpay knows (timed or untimed); bill it with explicit units'],
    [['units', '97110:abc'], 'kneadpay units: "97110:abc": minutes must be a whole number'],
    [['units', '97110:2000'], 'kneadpay units: service 1: minutes for 97110 must be a whole number from 0 to 1440, got 2000'],
  ])('bad input %j: exit 1 with one line naming the problem', async (argv, message) => {
    // Act
    const result = await runCli(argv);

    // Assess
    expect(result).toEqual({ code: 1, stdout: [], stderr: [message] });
  });

  it('works as the installed binary: node bin/cli.mjs', async () => {
    // Act
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/cli.mjs', 'units', '97112:24', '97110:23'], { cwd: ROOT });

    // Assess
    expect(JSON.parse(stdout)).toMatchObject({ method: 'cms', totalTimedMinutes: 47, totalUnits: 3 });
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });
});
