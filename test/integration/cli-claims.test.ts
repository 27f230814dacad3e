import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { main, type CommandIo } from '../../bin/kneadpay.js';
import { mintLocalToken } from '../../local/auth';
import { api, practiceProfile } from '../support/api';
import { newPracticeId } from '../support/store';
import { check837P } from '../support/x12-837p-structure';

const runCli = async (argv: string[]) => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CommandIo = { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line), isTTY: false };
  const code = await main(argv, io);
  return { code, stdout: stdout.join('\n'), stderr };
};

describe('kneadpay claims export', () => {
  it('writes the 837P of the ready claims to stdout; the same command again prints the same batch; nothing ready → exit 1', async () => {
    const practiceId = newPracticeId();
    await api('PUT', `/practices/${practiceId}`, {
      practiceId,
      body: practiceProfile({ taxonomyCode: '225700000X', address: { line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '972011234' } }),
    });
    await api('PUT', `/practices/${practiceId}/payers/ACME1`, { practiceId, body: { name: 'Acme Health', payerId: 'ACME1' } });
    const client = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: 'jane@client.example', name: 'Jane Doe' } });
    await api('PUT', `/practices/${practiceId}/clients/${client.body.clientId}/coverage`, {
      practiceId,
      body: {
        payerId: 'ACME1',
        memberId: 'XYZ1',
        relationship: 'self',
        patient: { firstName: 'Jane', lastName: 'Doe', dateOfBirth: '1985-04-12', sex: 'F', address: { line1: '22 Elm St', city: 'Portland', state: 'OR', postalCode: '97202' } },
      },
    });
    const claim = await api('POST', `/practices/${practiceId}/claims`, {
      practiceId,
      body: {
        claimId: 'CLM-1',
        clientId: client.body.clientId,
        payerId: 'ACME1',
        renderingProvider: { firstName: 'Mia', lastName: 'Therapist', npi: '1245319599' },
        dateOfService: '2026-10-02',
        diagnosisCodes: ['M54.2'],
        lines: [{ procedureCode: '97124', units: 2, chargeCents: 6000 }],
      },
    });
    expect(claim.body.state).toBe('ready');
    const args = ['claims', 'export', '--practice', practiceId, '--api', inject('apiUrl'), '--token', await mintLocalToken(practiceId, { dir: inject('dataDir') })];
    const first = await runCli(args);
    expect([first.code, first.stderr]).toEqual([0, ['batch B000000001 (interchange 000000001): 1 claim(s): CLM-1']]);
    expect(first.stdout.startsWith('ISA*')).toBe(true);
    expect(check837P(`${first.stdout}\n`).problems).toEqual([]);
    const again = await runCli(args);
    expect([again.code, again.stdout, again.stderr]).toEqual([0, first.stdout, ['batch B000000001 (interchange 000000001, made before): 1 claim(s): CLM-1']]);
    const other = newPracticeId();
    await api('PUT', `/practices/${other}`, { practiceId: other, body: practiceProfile() });
    const empty = await runCli(['claims', 'export', '--practice', other, '--api', inject('apiUrl'), '--token', await mintLocalToken(other, { dir: inject('dataDir') })]);
    expect([empty.code, empty.stderr]).toEqual([1, [expect.stringMatching(/^kneadpay claims: the server answered 409: no claim can go into an 837P batch/)]]);
    const usage = await runCli(['claims', 'export']);
    expect(usage.code).toBe(2);
  });
});

// SPEC.md §2: `kneadpay demo [--api <url>]` and `era import`/`claims export` without --token work
// against the running local stack. Their token used to be minted with the CLI's own data
// directory's key, so a CLI whose KNEADPAY_DATA_DIR was not the stack's got 401 at the first call.
describe("the CLI's commands against a local stack whose data directory is not the CLI's", () => {
  const elsewhere = mkdtempSync(join(tmpdir(), 'kneadpay-cli-elsewhere-'));
  beforeEach(() => {
    vi.stubEnv('KNEADPAY_DATA_DIR', elsewhere);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));

  it('era import and claims export without --token get their token from the stack they call', async () => {
    // Prepare
    const practiceId = newPracticeId();
    await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() });

    // Act
    const imported = await runCli(['era', 'import', 'test/fixtures/era/worked-example.835', '--practice', practiceId, '--api', inject('apiUrl')]);
    const exported = await runCli(['claims', 'export', '--practice', practiceId, '--api', inject('apiUrl')]);

    // Assess
    expect([imported.code, imported.stderr]).toEqual([0, []]);
    expect(JSON.parse(imported.stdout)).toMatchObject({ traceNumber: 'EFT123', claims: 1, matched: 0 });
    expect([exported.code, exported.stderr]).toEqual([1, [expect.stringMatching(/^kneadpay claims: the server answered 409: no claim can go into an 837P batch/)]]);
  });

  it('kneadpay token prints a token the running local stack (at PORT) accepts', async () => {
    // Prepare
    const practiceId = newPracticeId();
    vi.stubEnv('PORT', new URL(inject('apiUrl')).port);

    // Act
    const printed = await runCli(['token', '--practice', practiceId]);
    const put = await fetch(`${inject('apiUrl')}/practices/${practiceId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${printed.stdout}`, 'content-type': 'application/json' },
      body: JSON.stringify(practiceProfile()),
    });

    // Assess
    expect([printed.code, printed.stderr]).toEqual([0, []]);
    expect(put.status).toBe(200);
  });

  // SPEC.md §2: exit 1 on bad input, with one line naming it. `kneadpay token` printed a token for
  // any practice id (the running stack's sign-in refused it, then the CLI minted one itself), though
  // no practice can have an id outside letters, digits, `_` and `-` (at most 64; PUT /practices/{id}
  // refuses it): audit g3.
  it('kneadpay token refuses a practice id the API never takes: exit 1, one line naming it, no token', async () => {
    // Prepare
    vi.stubEnv('PORT', new URL(inject('apiUrl')).port);

    // Act
    const spaced = await runCli(['token', '--practice', 'calm hands']);
    const long = await runCli(['token', '--practice', 'p'.repeat(65)]);

    // Assess
    expect(spaced).toEqual({ code: 1, stdout: '', stderr: [expect.stringMatching(/^kneadpay token: practice id "calm hands" is not one kneadpay takes: letters, digits, _ or -, at most 64$/)] });
    expect(long.code).toBe(1);
    expect(long.stdout).toBe('');
  });

  it('kneadpay demo --api <url> walks the whole journey', { timeout: 120_000 }, async () => {
    // Act
    const demo = await runCli(['demo', '--api', inject('apiUrl')]);

    // Assess
    expect([demo.code, demo.stderr]).toEqual([0, []]);
    expect(demo.stdout).toMatch(/^1\. A practice signs up$/m);
    expect(demo.stdout).toMatch(/^Done\. cli_\w+ owes \$0\.00; \d+ ledger entries\.$/m);
  });
});
