/**
 * Secrets: the plain environment variable on a laptop and in tests, else Secrets Manager by the ARN
 * in `<name>_ARN`, read through the AWS Parameters and Secrets Lambda Extension — a layer the stack
 * gives every function that is bound a secret (lib/constructs/KneadpayFunction.ts). The extension
 * answers GetSecretValue on localhost from its own cache, so no Secrets Manager client is bundled:
 * an HTTP function that only checks the edge's origin secret imports no AWS SDK client for it.
 */

/** The extension's defaults (AWS Lambda Developer Guide, "Use Secrets Manager secrets in Lambda functions"). */
export const SECRETS_EXTENSION = { defaultPort: '2773', portEnv: 'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT', tokenHeader: 'X-Aws-Parameters-Secrets-Token', timeoutMs: 3000 } as const;

/** The extension answered something other than the secret: `$metadata` as the AWS SDK's errors carry it (5xx is retryable). */
export class SecretsExtensionError extends Error {
  readonly $metadata: { httpStatusCode: number };

  constructor(message: string, status: number) {
    super(message);
    this.name = 'SecretsExtensionError';
    this.$metadata = { httpStatusCode: status };
  }
}

/**
 * GetSecretValue's `SecretString` for `arn`, from the extension on localhost. It authenticates the
 * caller by the execution environment's session token (its guard against forged local requests).
 */
export const fetchSecretString = async (name: string, arn: string, env: NodeJS.ProcessEnv): Promise<string> => {
  const port = env[SECRETS_EXTENSION.portEnv] || SECRETS_EXTENSION.defaultPort;
  const answer = await fetch(`http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(arn)}`, {
    headers: { [SECRETS_EXTENSION.tokenHeader]: env.AWS_SESSION_TOKEN ?? '' },
    signal: AbortSignal.timeout(SECRETS_EXTENSION.timeoutMs),
  });
  if (!answer.ok) throw new SecretsExtensionError(`the secrets extension answered ${answer.status} for ${name}_ARN`, answer.status);
  const body = (await answer.json()) as { SecretString?: unknown };
  if (typeof body.SecretString !== 'string' || body.SecretString === '') throw new Error(`secret ${name}_ARN holds no string value`);
  return body.SecretString;
};

const cache = new Map<string, Promise<string>>();

/**
 * A secret's value: from the plain environment variable on a laptop and in tests
 * (`STRIPE_SECRET_KEY`), else from Secrets Manager by the ARN in `<name>_ARN`, fetched once per
 * container and kept in memory.
 */
export const readSecret = (name: string, env: NodeJS.ProcessEnv = process.env): Promise<string> => {
  const plain = env[name];
  if (plain) return Promise.resolve(plain);
  const arn = env[`${name}_ARN`];
  if (!arn) return Promise.reject(new Error(`neither ${name} nor ${name}_ARN is set`));
  let pending = cache.get(arn);
  if (!pending) {
    pending = fetchSecretString(name, arn, env).then((value) => {
      if (!value.trim()) throw new Error(`secret ${name} is empty`);
      return value.trim();
    });
    pending.catch(() => cache.delete(arn));
    cache.set(arn, pending);
  }
  return pending;
};

const rotating = new Map<string, { values: Promise<string[]>; at: number }>();

/**
 * A secret whose value rotates (the edge origin secret): the plain variable `name` on a laptop or in
 * tests, else by the ARN in `<name>_ARN`, read again once `ttlMs` has passed so a rotation reaches
 * every container within that window. `parse` turns the stored string into its accepted values;
 * none set → [] (the function runs without that secret).
 */
export const readRotatingSecret = (name: string, parse: (stored: string) => string[], ttlMs: number, env: NodeJS.ProcessEnv = process.env, now = Date.now()): Promise<string[]> => {
  const plain = env[name];
  if (plain) return Promise.resolve(parse(plain));
  const arn = env[`${name}_ARN`];
  if (!arn) return Promise.resolve([]);
  const held = rotating.get(arn);
  if (held && now - held.at < ttlMs) return held.values;
  const values = fetchSecretString(name, arn, env).then((stored) => {
    const found = parse(stored);
    if (found.length === 0) throw new Error(`secret ${name}_ARN holds no value`);
    return found;
  });
  const entry = { values, at: now };
  values.catch(() => {
    if (rotating.get(arn) === entry) rotating.delete(arn);
  });
  rotating.set(arn, entry);
  return values;
};
