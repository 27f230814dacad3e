/**
 * One config module (issue 15, point 4): `functions/shared/config.ts` is the only file under
 * `functions/` that reads `process.env`, besides `shared/secrets.ts`, which looks a secret up by the
 * name its caller passes (`STRIPE_SECRET_KEY`, `KNEADPAY_RECEIPT_SECRET`, or the ARN in `<name>_ARN`)
 * and so cannot name its variables in advance. On the laptop's side, `local/settings.ts` is the only
 * file under `local/` and `bin/` that touches it (reads the settings, writes the functions' and
 * child processes' environment).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { config, CONFIG_ENV, readConfig } from '../../functions/shared/config';
import { childEnvironment, functionEnvironment, LocalSettingError, readLocalSettings } from '../../local/settings';

const ROOT = join(import.meta.dirname, '..', '..');
const ALLOWED = new Set(['functions/shared/config.ts', 'functions/shared/secrets.ts', 'local/settings.ts']);
const PROCESS_ENV = /\bprocess\s*\.\s*env\b|\bprocess\s*\[\s*['"]env['"]\s*\]/;

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));

/** Lines outside ALLOWED that name process.env, as `file:line`. */
const envReaders = (files: string[]) =>
  files
    .filter((file) => !ALLOWED.has(relative(ROOT, join(ROOT, file))))
    .flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .map((line, index) => ({ line, at: `${file}:${index + 1}` }))
        .filter(({ line }) => PROCESS_ENV.test(line))
        .map(({ at }) => at),
    );

describe('one config module reads the environment', () => {
  it('no file under functions/ reads process.env but shared/config.ts (and shared/secrets.ts, by secret name)', () => {
    // Prepare
    const files = sourceFiles('functions');
    // Act
    const readers = envReaders(files);
    // Assess
    expect(files.length).toBeGreaterThan(50);
    expect(readers).toEqual([]);
  });

  it('no file under local/ or bin/ touches process.env but local/settings.ts', () => {
    // Prepare
    const files = [...sourceFiles('local'), ...sourceFiles('bin')];
    // Act
    const readers = envReaders(files);
    // Assess
    expect(files.length).toBeGreaterThan(20);
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

  describe('readLocalSettings: the laptop side', () => {
    it('the defaults with nothing set, and the variables it shares with the functions from their parser', () => {
      expect(readLocalSettings({})).toEqual({
        port: 3000,
        dynamoPort: 8000,
        sesPort: 8005,
        stripeApiBase: undefined,
        stripeSecretKey: undefined,
        stripeWebhookSecret: undefined,
        schedules: true,
        scheduleIntervalSeconds: undefined,
        localMetrics: false,
        javaToolOptions: undefined,
        awsAccessKeyId: undefined,
        awsSecretAccessKey: undefined,
        dataDir: '.kneadpay',
        tableName: 'kneadpay',
        region: 'us-east-1',
      });
      const env = { KNEADPAY_DATA_DIR: '/tmp/k', KNEADPAY_TABLE: 't1', AWS_DEFAULT_REGION: 'eu-west-1' };
      const shared = readConfig(env);
      expect(readLocalSettings(env)).toMatchObject({ dataDir: shared.dataDir, tableName: shared.tableName, region: shared.region });
    });

    it('every variable lands in its field (an empty port is the default, an empty key none)', () => {
      expect(
        readLocalSettings({
          PORT: '3310',
          KNEADPAY_DYNAMO_PORT: '0',
          KNEADPAY_SES_PORT: '',
          STRIPE_API_BASE: 'http://127.0.0.1:12310',
          STRIPE_SECRET_KEY: '',
          STRIPE_WEBHOOK_SECRET: 'whsec_x',
          KNEADPAY_SCHEDULES: 'off',
          KNEADPAY_SCHEDULE_INTERVAL_SECONDS: '2.5',
          KNEADPAY_LOCAL_METRICS: '1',
          JAVA_TOOL_OPTIONS: '-Xmx1g',
        }),
      ).toMatchObject({
        port: 3310,
        dynamoPort: 0,
        sesPort: 8005,
        stripeApiBase: 'http://127.0.0.1:12310',
        stripeSecretKey: undefined,
        stripeWebhookSecret: 'whsec_x',
        schedules: false,
        scheduleIntervalSeconds: 2.5,
        localMetrics: true,
        javaToolOptions: '-Xmx1g',
      });
    });

    it('a value it cannot use is refused with the variable and the value named', () => {
      for (const [env, message] of [
        [{ PORT: 'eighty' }, "PORT must be a port number (0-65535), not 'eighty'"],
        [{ KNEADPAY_DYNAMO_PORT: '70000' }, "KNEADPAY_DYNAMO_PORT must be a port number (0-65535), not '70000'"],
        [{ KNEADPAY_SES_PORT: '-1' }, "KNEADPAY_SES_PORT must be a port number (0-65535), not '-1'"],
        [{ KNEADPAY_SCHEDULE_INTERVAL_SECONDS: '0' }, "KNEADPAY_SCHEDULE_INTERVAL_SECONDS must be a number of seconds above 0, not '0'"],
      ] as const) {
        expect(() => readLocalSettings(env)).toThrow(new LocalSettingError(message));
      }
    });

    it("functionEnvironment puts back what it replaced; childEnvironment changes only the child's copy", () => {
      // Prepare
      const name = 'KNEADPAY_SETTINGS_TEST';
      const other = 'KNEADPAY_SETTINGS_TEST_UNSET';
      process.env[name] = 'before';
      delete process.env[other];
      const environment = functionEnvironment();
      // Act
      environment.set(name, 'during');
      environment.set(name, 'again');
      environment.set(other, 'set');
      const during = [process.env[name], process.env[other]];
      const child = childEnvironment({ [name]: undefined, KNEADPAY_SETTINGS_CHILD: 'x' });
      environment.restore();
      // Assess
      expect(during).toEqual(['again', 'set']);
      expect(child[name]).toBeUndefined();
      expect(child.KNEADPAY_SETTINGS_CHILD).toBe('x');
      expect(process.env.KNEADPAY_SETTINGS_CHILD).toBeUndefined();
      expect([process.env[name], other in process.env]).toEqual(['before', false]);
      delete process.env[name];
    });
  });
});
