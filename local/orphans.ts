/**
 * What an `npm start` that was killed outright (SIGKILL, a closed laptop lid that killed the
 * terminal) leaves behind. The SES inbox exits by itself when its parent goes (it watches its
 * stdin), but DynamoDB Local's JVM cannot: it keeps running, holding its port and the data
 * directory's database. The next `npm start` on the same data directory finds the previous run's
 * `stack.json`, sees that its process is gone, and stops what that run started — only processes
 * whose command line is still DynamoDB Local's (or the inbox's), so a reused pid is never touched.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from './processes';

interface StackFile {
  pid?: number;
  pids?: Record<string, number>;
}

const EXPECTED: Record<string, RegExp> = {
  dynamodb: /DynamoDBLocal\.jar/,
  ses: /aws-ses-v2-local/,
};

const commandLine = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};

export type OrphanCheck = { kind: 'none' } | { kind: 'running'; pid: number } | { kind: 'reaped'; stopped: { name: string; pid: number }[] };

/**
 * Looks at the data directory's `stack.json`. When the `npm start` it names is still running,
 * says so (two stacks must not share one data directory); when it is gone, stops the parts it
 * left and removes the file.
 */
export const reapOrphans = async (dataDir: string): Promise<OrphanCheck> => {
  const file = join(dataDir, 'stack.json');
  if (!existsSync(file)) return { kind: 'none' };
  let stack: StackFile;
  try {
    stack = JSON.parse(readFileSync(file, 'utf8')) as StackFile;
  } catch {
    rmSync(file, { force: true });
    return { kind: 'none' };
  }
  if (typeof stack.pid === 'number' && stack.pid !== process.pid && alive(stack.pid) && /start\.ts/.test(commandLine(stack.pid))) {
    return { kind: 'running', pid: stack.pid };
  }
  const stopped: { name: string; pid: number }[] = [];
  for (const [name, pid] of Object.entries(stack.pids ?? {})) {
    const expected = EXPECTED[name];
    if (!expected || typeof pid !== 'number' || !alive(pid) || !expected.test(commandLine(pid))) continue;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while (alive(pid) && Date.now() < deadline) await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    stopped.push({ name, pid });
  }
  rmSync(file, { force: true });
  return { kind: 'reaped', stopped };
};
