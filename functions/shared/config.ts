/**
 * Runtime configuration, read from the environment in one place: no other file under `functions/`
 * reads `process.env` (test/infra/config.test.ts), except `shared/secrets.ts`, which looks a secret
 * up by a name its caller gives (`STRIPE_SECRET_KEY`, or the ARN in `<name>_ARN`).
 *
 * In Lambda the environment never changes: it is parsed once per container. Tests and the local
 * stack (local/stack.ts) set variables while the process runs; `config()` notices a changed value
 * and parses again, so neither needs to remember a reset. `readConfig(env)` parses any environment
 * (a test's own object) without touching the process's.
 */
export interface Config {
  /** `KNEADPAY_TABLE`: the single table. */
  tableName: string;
  /** `KNEADPAY_DYNAMO_ENDPOINT`: set only locally and in tests, the DynamoDB Local endpoint. */
  dynamoEndpoint: string | undefined;
  /** `AWS_REGION`, else `AWS_DEFAULT_REGION`, else us-east-1. */
  region: string;
  /** `KNEADPAY_PUBLIC_URL`: the API's public base URL (links in emails, Stripe return URLs). */
  publicUrl: string;
  /** `STRIPE_API_BASE`: the Stripe emulator's address on a laptop; unset → api.stripe.com. */
  stripeApiBase: string | undefined;
  /** `KNEADPAY_SES_ENDPOINT`: the local SES on a laptop; unset → SES in the region. */
  sesEndpoint: string | undefined;
  /** `KNEADPAY_SES_SENDER`: the verified sender address. */
  sesSender: string;
  /**
   * `KNEADPAY_PLATFORM_FEE_BPS` as written (basis points); `stripe/accounts.ts` `platformFeeBps()`
   * checks it when a fee is computed, so a bad value fails the charge that uses it, as before.
   */
  platformFeeBpsRaw: string | undefined;
  /** `KNEADPAY_DATA_DIR`: local state (the local JWT and receipt-link keys). */
  dataDir: string;
  /** `LOG_LEVEL`, lower-cased; unset → undefined (the logger's default, info). */
  logLevel: string | undefined;
  /** `KNEADPAY_WEB_DIR`: where the built web app files are, when not next to the bundle. */
  webDir: string | undefined;
  /** `KNEADPAY_WEB_NO_CACHE`: read the web app files on every request (local development). */
  webNoCache: boolean;
  /** `KNEADPAY_COGNITO_DOMAIN` and `KNEADPAY_COGNITO_CLIENT_ID`: the web app's hosted sign-in, when both are set. */
  cognitoDomain: string | undefined;
  cognitoClientId: string | undefined;
}

/** The variables the config reads, by field: one list for the parser, the change check and docs. */
export const CONFIG_ENV = {
  tableName: 'KNEADPAY_TABLE',
  dynamoEndpoint: 'KNEADPAY_DYNAMO_ENDPOINT',
  region: 'AWS_REGION',
  defaultRegion: 'AWS_DEFAULT_REGION',
  publicUrl: 'KNEADPAY_PUBLIC_URL',
  stripeApiBase: 'STRIPE_API_BASE',
  sesEndpoint: 'KNEADPAY_SES_ENDPOINT',
  sesSender: 'KNEADPAY_SES_SENDER',
  platformFeeBps: 'KNEADPAY_PLATFORM_FEE_BPS',
  dataDir: 'KNEADPAY_DATA_DIR',
  logLevel: 'LOG_LEVEL',
  webDir: 'KNEADPAY_WEB_DIR',
  webNoCache: 'KNEADPAY_WEB_NO_CACHE',
  cognitoDomain: 'KNEADPAY_COGNITO_DOMAIN',
  cognitoClientId: 'KNEADPAY_COGNITO_CLIENT_ID',
} as const;

export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:3000';

type Env = Readonly<Record<string, string | undefined>>;

/** Parses an environment into a Config (pure: the same object gives the same answer). */
export const readConfig = (env: Env = process.env): Config => ({
  tableName: env[CONFIG_ENV.tableName] ?? 'kneadpay',
  dynamoEndpoint: env[CONFIG_ENV.dynamoEndpoint] || undefined,
  region: env[CONFIG_ENV.region] ?? env[CONFIG_ENV.defaultRegion] ?? 'us-east-1',
  publicUrl: env[CONFIG_ENV.publicUrl] ?? DEFAULT_PUBLIC_URL,
  stripeApiBase: env[CONFIG_ENV.stripeApiBase],
  sesEndpoint: env[CONFIG_ENV.sesEndpoint],
  sesSender: env[CONFIG_ENV.sesSender] ?? 'billing@kneadpay.local',
  platformFeeBpsRaw: env[CONFIG_ENV.platformFeeBps],
  dataDir: env[CONFIG_ENV.dataDir] ?? '.kneadpay',
  logLevel: env[CONFIG_ENV.logLevel]?.toLowerCase(),
  webDir: env[CONFIG_ENV.webDir],
  webNoCache: Boolean(env[CONFIG_ENV.webNoCache]),
  cognitoDomain: env[CONFIG_ENV.cognitoDomain],
  cognitoClientId: env[CONFIG_ENV.cognitoClientId],
});

const NAMES = Object.values(CONFIG_ENV);
let parsed: { fingerprint: string; config: Config } | undefined;

/** The process's configuration: parsed once, parsed again only when one of its variables changed. */
export const config = (): Config => {
  const env = process.env;
  const fingerprint = NAMES.map((name) => env[name] ?? '\u0000').join('\u0001');
  if (parsed?.fingerprint !== fingerprint) parsed = { fingerprint, config: Object.freeze(readConfig(env)) };
  return parsed.config;
};
