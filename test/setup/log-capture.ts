/**
 * Runs in every test worker before each test file: every log line kneadpay's code writes in the
 * worker (handlers called in-process) is appended to the run's log directory, whatever sink the
 * test set. test/setup/global.ts scans the directory for PHI when the run ends.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { observeLogs } from '../../functions/shared/logger';

const dir = process.env.KNEADPAY_TEST_LOG_DIR;
if (dir) {
  const file = join(dir, `worker-${process.pid}.jsonl`);
  let buffer: string[] = [];
  const flush = () => {
    if (buffer.length === 0) return;
    appendFileSync(file, `${buffer.join('\n')}\n`);
    buffer = [];
  };
  observeLogs((line) => {
    buffer.push(line);
    if (buffer.length >= 1000) flush();
  });
  afterAll(flush);
}
