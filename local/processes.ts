/** Process-tree helpers for `npm start`'s tooling, its tests and benches (Linux `ps` and /proc). */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { childEnvironment } from './settings';

/** True while `pid` exists (a process we may not signal still exists). */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Every process below `pid`, from the ps table (it also sees what the tree spawned indirectly). */
export const descendants = (pid: number): number[] => {
  const table = spawnSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' }).stdout.trim().split('\n');
  const children = new Map<number, number[]>();
  for (const line of table) {
    const [child, parent] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const walk = (id: number) => {
    for (const child of children.get(id) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
};

/** A child's output, read as it comes (a child whose pipe nobody drains stalls on a full pipe). */
export const collect = (child: ChildProcess) => {
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return { output, exited };
};

/**
 * The environment for an `npm start` of its own: only free ports, data in `dataDir`, and nothing of
 * the calling process's stack (table, endpoints, Stripe key) unless `extra` sets it.
 */
export const isolatedStackEnv = (dataDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const unset = Object.fromEntries(['KNEADPAY_TABLE', 'KNEADPAY_DYNAMO_ENDPOINT', 'KNEADPAY_SES_ENDPOINT', 'KNEADPAY_PUBLIC_URL', 'STRIPE_SECRET_KEY'].map((name) => [name, undefined]));
  return childEnvironment({
    ...unset,
    PORT: '0',
    KNEADPAY_DYNAMO_PORT: '0',
    KNEADPAY_SES_PORT: '0',
    STRIPE_API_BASE: 'http://127.0.0.1:0',
    KNEADPAY_DATA_DIR: dataDir,
    ...extra,
  });
};
