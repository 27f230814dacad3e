/**
 * The laptop's settings: every variable the local stack and the CLI read, parsed in one place — the
 * counterpart of `functions/shared/config.ts`, which reads what the functions read. Variables both
 * sides share (`KNEADPAY_DATA_DIR`, `KNEADPAY_TABLE`, the region) are parsed by that module, so
 * the two cannot disagree on a default. No other file under `local/` or `bin/` touches
 * `process.env` (test/infra/config.test.ts).
 *
 * The local stack also writes variables: the environment its functions see, as Lambda sets theirs
 * (`functionEnvironment`), and the one a child process starts with (`childEnvironment`).
 */
import { readConfig } from '../functions/shared/config';

/** The variables read here, by setting: one list for the parser and docs/local.md. */
export const LOCAL_ENV = {
  port: 'PORT',
  dynamoPort: 'KNEADPAY_DYNAMO_PORT',
  sesPort: 'KNEADPAY_SES_PORT',
  stripeApiBase: 'STRIPE_API_BASE',
  stripeSecretKey: 'STRIPE_SECRET_KEY',
  stripeWebhookSecret: 'STRIPE_WEBHOOK_SECRET',
  schedules: 'KNEADPAY_SCHEDULES',
  scheduleIntervalSeconds: 'KNEADPAY_SCHEDULE_INTERVAL_SECONDS',
  localMetrics: 'KNEADPAY_LOCAL_METRICS',
  javaToolOptions: 'JAVA_TOOL_OPTIONS',
  awsAccessKeyId: 'AWS_ACCESS_KEY_ID',
  awsSecretAccessKey: 'AWS_SECRET_ACCESS_KEY',
} as const;

export const DEFAULT_PORT = 3000;
export const DEFAULT_DYNAMO_PORT = 8000;
export const DEFAULT_SES_PORT = 8005;
export const DEFAULT_STRIPE_API_BASE = 'http://127.0.0.1:12111';

type Env = Readonly<Record<string, string | undefined>>;

/** A variable set to a value the laptop cannot use; the message names the variable and the value. */
export class LocalSettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalSettingError';
  }
}

export interface LocalSettings {
  /** `PORT`: the API on 127.0.0.1 (0: a free port). */
  port: number;
  /** `KNEADPAY_DYNAMO_PORT`, `KNEADPAY_SES_PORT`: DynamoDB Local and the SES inbox (0: a free port). */
  dynamoPort: number;
  sesPort: number;
  /** `STRIPE_API_BASE` as written: the emulator's address, or the Stripe API real test mode calls. */
  stripeApiBase: string | undefined;
  /** `STRIPE_SECRET_KEY`: set → real Stripe test mode instead of the emulator. */
  stripeSecretKey: string | undefined;
  /** `STRIPE_WEBHOOK_SECRET`: the endpoint secret events are signed with (empty → the local default). */
  stripeWebhookSecret: string | undefined;
  /** `KNEADPAY_SCHEDULES=off` turns the scheduled jobs off. */
  schedules: boolean;
  /** `KNEADPAY_SCHEDULE_INTERVAL_SECONDS`: how often the scheduled jobs run (unset: their own default). */
  scheduleIntervalSeconds: number | undefined;
  /** `KNEADPAY_LOCAL_METRICS`: print the EMF metric lines (CloudWatch's input) too. */
  localMetrics: boolean;
  /** `JAVA_TOOL_OPTIONS` as written: when set, DynamoDB Local's JVM keeps the user's flags. */
  javaToolOptions: string | undefined;
  /** `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` as written (local endpoints take any). */
  awsAccessKeyId: string | undefined;
  awsSecretAccessKey: string | undefined;
  /** Shared with the functions (functions/shared/config.ts): `KNEADPAY_DATA_DIR`, `KNEADPAY_TABLE`, `AWS_REGION`. */
  dataDir: string;
  tableName: string;
  region: string;
}

/** A port variable: unset or empty → the default; anything but an integer 0–65535 is refused. */
const portOf = (env: Env, name: string, fallback: number): number => {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new LocalSettingError(`${name} must be a port number (0-65535), not '${value}'`);
  return port;
};

/**
 * Parses an environment into the laptop's settings (pure: the same object gives the same answer).
 * Throws `LocalSettingError` naming the first variable whose value cannot be used.
 */
export const readLocalSettings = (env: Env = process.env): LocalSettings => {
  const port = portOf(env, LOCAL_ENV.port, DEFAULT_PORT);
  const dynamoPort = portOf(env, LOCAL_ENV.dynamoPort, DEFAULT_DYNAMO_PORT);
  const sesPort = portOf(env, LOCAL_ENV.sesPort, DEFAULT_SES_PORT);
  const interval = env[LOCAL_ENV.scheduleIntervalSeconds];
  if (interval !== undefined && !(Number(interval) > 0)) {
    throw new LocalSettingError(`${LOCAL_ENV.scheduleIntervalSeconds} must be a number of seconds above 0, not '${interval}'`);
  }
  const shared = readConfig(env);
  return {
    port,
    dynamoPort,
    sesPort,
    stripeApiBase: env[LOCAL_ENV.stripeApiBase],
    stripeSecretKey: env[LOCAL_ENV.stripeSecretKey] || undefined,
    stripeWebhookSecret: env[LOCAL_ENV.stripeWebhookSecret] || undefined,
    schedules: env[LOCAL_ENV.schedules] !== 'off',
    scheduleIntervalSeconds: interval === undefined ? undefined : Number(interval),
    localMetrics: Boolean(env[LOCAL_ENV.localMetrics]),
    javaToolOptions: env[LOCAL_ENV.javaToolOptions],
    awsAccessKeyId: env[LOCAL_ENV.awsAccessKeyId] || undefined,
    awsSecretAccessKey: env[LOCAL_ENV.awsSecretAccessKey] || undefined,
    dataDir: shared.dataDir,
    tableName: shared.tableName,
    region: shared.region,
  };
};

/** The data directory (`KNEADPAY_DATA_DIR`, default `.kneadpay`), read when asked: the stack sets it. */
export const dataDir = (env: Env = process.env): string => readConfig(env).dataDir;

/** The region the local API reports (`AWS_REGION`, else `AWS_DEFAULT_REGION`, else us-east-1). */
export const region = (env: Env = process.env): string => readConfig(env).region;

/** The API port (`PORT`, default 3000): what `npm start` serves on and the CLI calls by default. */
export const apiPort = (env: Env = process.env): number => portOf(env, LOCAL_ENV.port, DEFAULT_PORT);

/**
 * The environment the functions see, set in this process as Lambda sets a function's: `set` keeps
 * the value it replaces, `restore` puts every replaced value back (the stack's stop).
 */
export const functionEnvironment = () => {
  const previous = new Map<string, string | undefined>();
  return {
    set(name: string, value: string): void {
      if (!previous.has(name)) previous.set(name, process.env[name]);
      process.env[name] = value;
    },
    restore(): void {
      for (const [name, value] of previous) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      previous.clear();
    },
  };
};

/** Sets a variable for the rest of this process when it is unset (no restore: process-wide defaults). */
export const defaultVariable = (name: string, value: string): void => {
  process.env[name] ??= value;
};

/** The environment a child process starts with: this process's, with `changes` applied (undefined removes). */
export const childEnvironment = (changes: Readonly<Record<string, string | undefined>> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
};
