import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const cache = new Map<string, Promise<string>>();
let client: SecretsManagerClient | undefined;

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
    client ??= new SecretsManagerClient({});
    pending = client.send(new GetSecretValueCommand({ SecretId: arn })).then((answer) => {
      if (!answer.SecretString) throw new Error(`secret ${name} is empty`);
      return answer.SecretString.trim();
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
  client ??= new SecretsManagerClient({});
  const values = client.send(new GetSecretValueCommand({ SecretId: arn })).then((answer) => {
    const found = parse(answer.SecretString ?? '');
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
