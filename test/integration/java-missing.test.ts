import { execFile } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('DynamoDB Local without Java', () => {
  it('says in one line what to install, and starts nothing', async () => {
    // Prepare: a PATH that has node but no java (a machine without a JRE).
    const bin = mkdtempSync(join(tmpdir(), 'kneadpay-nojava-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const script = "import('./local/dynamodb.ts').then((m) => m.startDynamoDbLocal()).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); })";

    // Act
    const outcome = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: join(dirname(new URL(import.meta.url).pathname), '..', '..'),
      env: { ...process.env, PATH: bin, JAVA_HOME: '' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );

    // Assess
    expect(outcome.code).toBe(1);
    const lines = outcome.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Java 17 or newer is required to run DynamoDB Local: install a JRE \(Debian\/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless\)/);
  });
});
