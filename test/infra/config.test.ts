/**
 * One config module (issue 15, point 4): `functions/shared/config.ts` is the only file under
 * `functions/` that reads `process.env`, besides `shared/secrets.ts`, which looks a secret up by the
 * name its caller passes (`STRIPE_SECRET_KEY`, `KNEADPAY_RECEIPT_SECRET`, or the ARN in `<name>_ARN`)
 * and so cannot name its variables in advance.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { config, CONFIG_ENV, readConfig } from '../../functions/shared/config';

const ROOT = join(import.meta.dirname, '..', '..');
const ALLOWED = new Set(['functions/shared/config.ts', 'functions/shared/secrets.ts']);

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));

describe('one config module reads the environment', () => {
  it('no file under functions/ reads process.env but shared/config.ts (and shared/secrets.ts, by secret name)', () => {
    // Prepare
    const files = sourceFiles('functions');
    // Act
    const readers = files
      .filter((file) => !ALLOWED.has(relative(ROOT, join(ROOT, file))))
      .flatMap((file) =>
        readFileSync(join(ROOT, file), 'utf8')
          .split('\n')
          .map((line, index) => ({ line, at: `${file}:${index + 1}` }))
          .filter(({ line }) => /\bprocess\s*\.\s*env\b|\bprocess\s*\[\s*['"]env['"]\s*\]/.test(line))
          .map(({ at }) => at),
      );
    // Assess
    expect(files.length).toBeGreaterThan(50);
    expect(readers).toEqual([]);
  });

  it('readConfig: the defaults a laptop gets with nothing set', () => {
    expect(readConfig({})).toEqual({
      tableName: 'kneadpay',
      dynamoEndpoint: undefined,
      region: 'us-east-1',
      publicUrl: 'http://127.0.0.1:3000',
      stripeApiBase: undefined,
      sesEndpoint: undefined,
      sesSender: 'billing@kneadpay.local',
      platformFeeBpsRaw: undefined,
      dataDir: '.kneadpay',
      logLevel: undefined,
      webDir: undefined,
      webNoCache: false,
      cognitoDomain: undefined,
      cognitoClientId: undefined,
    });
  });

  it('readConfig: every variable lands in its field (AWS_REGION before AWS_DEFAULT_REGION, an empty endpoint is none)', () => {
    const config = readConfig({
      KNEADPAY_TABLE: 't1',
      KNEADPAY_DYNAMO_ENDPOINT: '',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'us-west-2',
      KNEADPAY_PUBLIC_URL: 'https://pay.example.com',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
      KNEADPAY_SES_ENDPOINT: 'http://127.0.0.1:8005',
      KNEADPAY_SES_SENDER: 'billing@example.com',
      KNEADPAY_PLATFORM_FEE_BPS: '250',
      KNEADPAY_DATA_DIR: '/tmp/k',
      LOG_LEVEL: 'WARN',
      KNEADPAY_WEB_DIR: '/srv/web',
      KNEADPAY_WEB_NO_CACHE: '1',
      KNEADPAY_COGNITO_DOMAIN: 'https://auth.example.com',
      KNEADPAY_COGNITO_CLIENT_ID: 'abc',
    });
    expect(config).toEqual({
      tableName: 't1',
      dynamoEndpoint: undefined,
      region: 'eu-west-1',
      publicUrl: 'https://pay.example.com',
      stripeApiBase: 'http://127.0.0.1:12111',
      sesEndpoint: 'http://127.0.0.1:8005',
      sesSender: 'billing@example.com',
      platformFeeBpsRaw: '250',
      dataDir: '/tmp/k',
      logLevel: 'warn',
      webDir: '/srv/web',
      webNoCache: true,
      cognitoDomain: 'https://auth.example.com',
      cognitoClientId: 'abc',
    });
    expect(readConfig({ AWS_DEFAULT_REGION: 'us-west-2' }).region).toBe('us-west-2');
  });

  describe('config(): parsed once, again only when a variable changed', () => {
    const saved = process.env[CONFIG_ENV.publicUrl];
    afterEach(() => {
      if (saved === undefined) delete process.env[CONFIG_ENV.publicUrl];
      else process.env[CONFIG_ENV.publicUrl] = saved;
    });

    it('the same object while nothing changes; a new one with the new value after a change', () => {
      // Prepare
      process.env[CONFIG_ENV.publicUrl] = 'https://one.example.com';
      // Act
      const first = config();
      const again = config();
      process.env[CONFIG_ENV.publicUrl] = 'https://two.example.com';
      const changed = config();
      // Assess
      expect(again).toBe(first);
      expect(first.publicUrl).toBe('https://one.example.com');
      expect(changed.publicUrl).toBe('https://two.example.com');
      expect(Object.isFrozen(changed)).toBe(true);
    });
  });
});
